"""The shared Nginx template proxies to gunicorn's unix socket, or to a TCP address."""

import sys
from pathlib import Path

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
