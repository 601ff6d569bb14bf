"""Container helpers for the Docker image and docker-compose.yml.

stack_docker.py run -- COMMAND...   the image's entrypoint: read DJANGO_SECRET_KEY
                                    from DJANGO_SECRET_KEY_FILE when only that is set
stack_docker.py health              HEALTHCHECK: GET /healthz on GUNICORN_BIND
stack_docker.py setup OUT           compose's one-shot setup: a secret key and a
                                    self-signed certificate (first run only), the
                                    Nginx site rendered from nginx/aiblogger.conf.j2,
                                    searchd's configuration from
                                    articles/search/sphinx.conf.j2, the maintenance
                                    pages and the static files
"""

# ruff: noqa: S603, S606, S607 (fixed command lines; exec of the given command is the point)
import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# docker-compose.yml's SEARCH_URL names this port on the service `search`.
SEARCH_PORT = 9306


def run(command):
    key_file = os.environ.get("DJANGO_SECRET_KEY_FILE")
    if not os.environ.get("DJANGO_SECRET_KEY") and key_file:
        try:
            os.environ["DJANGO_SECRET_KEY"] = Path(key_file).read_text().strip()
        except OSError as exc:
            sys.exit(f"stack_docker: cannot read DJANGO_SECRET_KEY_FILE: {exc}")
    if not command:
        sys.exit("stack_docker: run needs a command after --")
    os.execvp(command[0], command)


def health():
    bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")[0]
    if bind.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address = bind.removeprefix("unix:")
    else:
        host, _, port = bind.rpartition(":")
        host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = (host, int(port))
    hostname = (os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0]).strip()
    request = (
        f"GET /healthz HTTP/1.0\r\nHost: {hostname}\r\nX-Forwarded-Proto: https\r\n\r\n"
    ).encode()
    sock.settimeout(4)
    try:
        sock.connect(address)
        sock.sendall(request)
        status_line = sock.recv(64).split(b"\r\n")[0].decode("latin-1")
    except OSError as exc:
        sys.exit(f"unhealthy: {exc}")
    finally:
        sock.close()
    if " 200 " not in status_line + " ":
        sys.exit(f"unhealthy: {status_line}")


def setup(out):
    sys.path.insert(0, str(REPO / "scripts"))
    from stack_lib import render_template

    out = Path(out)
    server_name = os.environ.get("SERVER_NAME", "localhost")
    for sub in ("conf.d", "static", "pages", "tls", "secrets", "search"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    key_file = out / "secrets" / "django_secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    # Only the app's user (the image's USER) may read it.
    app_uid = int(os.environ.get("APP_UID", "10001"))
    os.chown(key_file, app_uid, app_uid)
    key_file.chmod(0o400)

    cert, key = out / "tls" / "tls.crt", out / "tls" / "tls.key"
    if not cert.exists():
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "365",
                "-subj", f"/CN={server_name}", "-addext", f"subjectAltName=DNS:{server_name}",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    (out / "conf.d" / "aiblogger.conf").write_text(
        render_template(
            REPO / "nginx" / "aiblogger.conf.j2",
            nginx_server_name=server_name,
            nginx_http_port=int(os.environ.get("HTTP_PORT", "8080")),
            nginx_https_port=int(os.environ.get("HTTPS_PORT", "8443")),
            nginx_listen_ipv6=False,  # Docker networks are IPv4 unless told otherwise
            nginx_app_socket="/run/aiblogger/gunicorn.sock",
            nginx_static_root="/srv/aiblogger/static",
            nginx_media_root="/srv/aiblogger/media",
            nginx_tls_certificate="/etc/aiblogger/tls/tls.crt",
            nginx_tls_certificate_key="/etc/aiblogger/tls/tls.key",
            nginx_acme_root="/var/www/letsencrypt",
            nginx_pages_root="/srv/aiblogger/pages",
            nginx_cache_path="/var/cache/nginx/aiblogger",
            # On the container's tmpfs: a socket a killed Nginx left behind would stop it starting.
            nginx_gzip_socket="/run/nginx-gzip/gzip.sock",
            nginx_microcache_seconds=int(os.environ.get("MICROCACHE_SECONDS", "5")),
        )
    )
    # The search service's searchd (Dockerfile target `search`), on the compose network.
    (out / "search" / "sphinx.conf").write_text(search_config())
    for name in ("maintenance.html", "413.html"):
        shutil.copyfile(REPO / "nginx" / "pages" / name, out / "pages" / name)
    # Each release's static files replace the last one's.
    static = out / "static"
    for child in static.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(
        os.environ.get("STATIC_ROOT", REPO / "var" / "static"), static, dirs_exist_ok=True
    )
    print(f"stack_docker: Nginx site for {server_name} ready")


def search_config(
    data_dir="/var/lib/sphinxsearch/data",
    log_dir="/var/log/sphinxsearch",
    run_dir="/run/sphinxsearch",
    address="0.0.0.0",  # noqa: S104 - the compose network only; no port is published
    port=SEARCH_PORT,
):
    """searchd's configuration for compose's search service, from the servers' template."""
    sys.path.insert(0, str(REPO / "scripts"))
    from stack_lib import render_template

    return render_template(
        REPO / "articles" / "search" / "sphinx.conf.j2",
        search_listen_address=address,
        search_port=port,
        search_index="articles",
        search_data_dir=data_dir,
        search_log_dir=log_dir,
        search_run_dir=run_dir,
        search_mem_limit=os.environ.get("SEARCH_MEM_LIMIT", "256M"),
        # The app's language (its settings' default when .env sets none): the stemmer.
        search_language_code=os.environ.get("LANGUAGE_CODE", "en-gb"),
    )


def main(argv):
    if argv[:1] == ["run"] and argv[1:2] == ["--"]:
        run(argv[2:])
    elif argv == ["health"]:
        health()
    elif len(argv) == 2 and argv[0] == "setup":
        setup(argv[1])
    else:
        sys.exit("usage: stack_docker.py run -- COMMAND... | health | setup OUT_DIR")


if __name__ == "__main__":
    main(sys.argv[1:])
