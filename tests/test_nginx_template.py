"""The shared Nginx template: upstreams, the gzip stage before the microcache, Ansible."""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from stack_lib import render_template  # noqa: E402

VARIABLES = {
    "nginx_server_name": "news.example.com",
    "nginx_http_port": 80,
    "nginx_https_port": 443,
    "nginx_app_socket": "/run/aiblogger/gunicorn.sock",
    "nginx_static_root": "/srv/aiblogger/static",
    "nginx_media_root": "/srv/aiblogger/media",
    "nginx_tls_certificate": "/etc/ssl/fullchain.pem",
    "nginx_tls_certificate_key": "/etc/ssl/privkey.pem",
    "nginx_acme_root": "/var/www/letsencrypt",
    "nginx_pages_root": "/srv/aiblogger/current/nginx/pages",
    "nginx_cache_path": "/var/cache/nginx/aiblogger",
    "nginx_microcache_seconds": 5,
}


def upstream_servers(**variables):
    site = render_template(ROOT / "nginx" / "aiblogger.conf.j2", **{**VARIABLES, **variables})
    block = site.split("upstream aiblogger_app {", 1)[1].split("}", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("server ")]


def test_upstream_is_the_gunicorn_socket_by_default():
    assert upstream_servers() == ["server unix:/run/aiblogger/gunicorn.sock max_fails=0;"]


def test_upstream_is_a_tcp_address_when_nginx_app_address_is_set():
    assert upstream_servers(nginx_app_address="127.0.0.1:8000") == [
        "server 127.0.0.1:8000 max_fails=0;"
    ]


def render(**variables):
    return render_template(ROOT / "nginx" / "aiblogger.conf.j2", **{**VARIABLES, **variables})


def block(site, opening):
    """The text of the block that opens with `opening`, up to its closing brace."""
    start = site.index(opening)
    depth = 0
    for index in range(start, len(site)):
        depth += {"{": 1, "}": -1}.get(site[index], 0)
        if site[index] == "}" and depth == 0:
            return site[start : index + 1]
    raise ValueError(f"unclosed block: {opening!r}")


def directives(text):
    return {line.strip() for line in text.splitlines() if line.strip().endswith(";")}


def test_the_microcache_stores_gzip_from_the_internal_server_and_unpacks_it_on_demand():
    site = render()
    cached = block(site, "    location / {\n        proxy_pass http://aiblogger_gzip;")
    assert {
        "proxy_cache aiblogger_micro;",
        "proxy_set_header Accept-Encoding gzip;",
        "gunzip on;",
    } <= directives(cached)
    internal = block(site, "server {\n    listen unix:/var/cache/nginx/aiblogger.gzip.sock;")
    assert {
        "gzip on;",
        "gzip_http_version 1.0;",
        "gzip_proxied any;",
        # A Vary: Accept-Encoding stored with the page would split the cache
        # by every Accept-Encoding value readers send.
        "gzip_vary off;",
        "proxy_pass http://aiblogger_app;",
        'proxy_set_header Accept-Encoding "";',
        # The public server already added the reader's address; adding the
        # socket's own would make the app see "unix:" as the reader.
        "proxy_set_header X-Forwarded-For $http_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;",
    } <= directives(internal)
    assert "proxy_cache " not in internal, "the internal server must not cache"
    assert "ssl" not in internal, "the internal server listens on its socket only"


def test_the_gzip_socket_sits_beside_the_cache_unless_nginx_gzip_socket_is_set():
    default = render()
    assert "server unix:/var/cache/nginx/aiblogger.gzip.sock max_fails=0;" in default
    chosen = render(nginx_gzip_socket="/run/nginx-aiblogger-gzip.sock")
    assert "listen unix:/run/nginx-aiblogger-gzip.sock;" in chosen
    assert "server unix:/run/nginx-aiblogger-gzip.sock max_fails=0;" in chosen
    assert "aiblogger.gzip.sock" not in chosen


def test_the_ansible_role_defines_every_variable_the_template_requires():
    defaults = yaml.safe_load((ROOT / "ansible/roles/nginx/defaults/main.yml").read_text())
    # Values that name other roles' variables stand for paths on the server.
    values = {
        name: "/srv/placeholder" if isinstance(value, str) and "{{" in value else value
        for name, value in defaults.items()
        if name.startswith("nginx_")
    }
    values["nginx_server_name"] = "news.example.com"
    site = render_template(ROOT / "nginx" / "aiblogger.conf.j2", **values)
    assert f"listen unix:{defaults['nginx_gzip_socket']};" in site
    # The drop-in that clears a socket left by a killed Nginx names the same file.
    install = (ROOT / "ansible/roles/nginx/tasks/install.yml").read_text()
    assert "ExecStartPre=-/bin/rm -f {{ nginx_gzip_socket }}" in install


def _cache_uri(site, request_uri):
    """$aiblogger_cache_uri for request_uri, by the map's regex (PCRE's (?<name>) as Python's)."""
    line = next(line for line in site.splitlines() if "(?<aiblogger_path>" in line)
    pattern = line.strip().split('"')[1].removeprefix("~").replace("(?<", "(?P<")
    match = re.match(pattern, request_uri)
    return match["aiblogger_path"] if match else request_uri


def test_the_microcache_key_leaves_out_the_page_caches_tracking_parameters():
    from articles.pagecache import TRACKING_PARAMETERS

    site = render()
    assert TRACKING_PARAMETERS.pattern in site, "the two lists of parameters differ"
    assert "proxy_cache_key $scheme$host$aiblogger_cache_uri;" in directives(site)
    shared = "/articles/a/?utm_source=newsletter&utm_medium=email&fbclid=IwAR0x&gclid"
    assert _cache_uri(site, shared) == "/articles/a/"
    for other in ["/articles/a/?page=2&fbclid=1", "/articles/a/?fbclidx=1", "/a/%3Ffbclid=1"]:
        assert _cache_uri(site, other) == other


def test_no_forwarded_address_is_believed_without_a_load_balancer():
    site = render()
    assert "set_real_ip_from" not in site
    assert "real_ip_header" not in site


def test_behind_a_load_balancer_only_its_address_is_believed():
    site = render(nginx_real_ip_from=["10.0.0.10"])
    assert re.findall(r"^set_real_ip_from (\S+);$", site, re.M) == ["10.0.0.10"]
    assert "real_ip_header X-Forwarded-For;" in site
    # The last address in the header: the one the load balancer set.
    assert "real_ip_recursive off;" in site


def test_a_clusters_media_come_from_the_media_host_with_the_same_headers():
    local = block(render(), "location ^~ /media/ {")
    shared = block(render(nginx_media_upstream="10.0.0.20:8090"), "location ^~ /media/ {")
    assert "alias /srv/aiblogger/media/;" in local and "proxy_pass" not in local
    assert "proxy_pass http://10.0.0.20:8090/;" in shared and "alias" not in shared
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control"):
        assert f"add_header {header}" in local and f"add_header {header}" in shared
