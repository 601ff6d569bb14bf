"""The production stack on loopback: MariaDB, gunicorn (socket-activated) and Nginx.

Shared by the stack tests (tests/stack/) and the benchmark (bench_run.py). Every
process runs from the repository's own files: gunicorn.conf.py and the Nginx
template nginx/aiblogger.conf.j2 rendered exactly as Ansible renders it.
"""

# ruff: noqa: S603, S607 (fixed command lines; tools found on PATH as an operator would)
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus as quote

import jinja2

REPO = Path(__file__).resolve().parent.parent
# .ci/run creates a password user, since a fresh MariaDB lets root in by socket only.
DB_USER = os.environ.get("CI_DATABASE_USER", "root")
DB_PASSWORD = os.environ.get("CI_DATABASE_PASSWORD", "")
PYTHON = str(REPO / ".venv" / "bin" / "python")

NGINX_MAIN = """\
user www-data;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/logs/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    log_format timed '$remote_addr "$request" $status $body_bytes_sent $request_time '
                     '$upstream_cache_status';
    access_log {access_log};
    client_body_temp_path {tmp}/nginx/body;
    proxy_temp_path {tmp}/nginx/proxy;
    fastcgi_temp_path {tmp}/nginx/fastcgi;
    uwsgi_temp_path {tmp}/nginx/uwsgi;
    scgi_temp_path {tmp}/nginx/scgi;
    include {tmp}/aiblogger.conf;
}}
"""


class StackError(Exception):
    """A step of bringing the stack up failed; the message says which."""


def render_template(path, **variables):
    """Render a Jinja2 template the way Ansible's template module does."""
    # Not HTML: escaping would corrupt the configuration.
    environment = jinja2.Environment(  # noqa: S701
        loader=jinja2.FileSystemLoader(str(Path(path).parent)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template(Path(path).name).render(**variables)


class Stack:
    def __init__(
        self,
        *,
        db_name,
        host="news.test",
        http_port=None,
        https_port=None,
        microcache_seconds=5,
        app_env=None,
        nginx_workers=2,
        access_log=True,
        media_root=None,
        metrics_allow=None,
        app_dir=REPO,
        venv=REPO / ".venv",
        health_path="/healthz",
        db_port=3306,
        cache_url="redis://127.0.0.1:6379/0",
        search_port=None,
    ):
        # STACK_PORT_OFFSET lets several stacks (people, CI, helpers) share one machine.
        offset = int(os.environ.get("STACK_PORT_OFFSET", "0"))
        self.db_name = db_name + os.environ.get("STACK_DB_SUFFIX", "")
        # A fault test brings its own MariaDB and Redis to stop and start.
        self.db_port = db_port
        self.cache_url = cache_url
        self.host = host
        self.http_port = http_port or 18080 + offset
        self.https_port = https_port or 18443 + offset
        # The search engine: a searchd of the stack's own (articles/search/sphinx.py),
        # its port derived from the HTTPS port like the status port's.
        self.search_port = search_port or self.https_port + 1100
        self.searchd = None
        # Loopback-only Nginx server with the app's /metrics and /stub_status;
        # derived from the HTTPS port, so two stacks up at once never share it.
        self.status_port = self.https_port + 1000
        self.metrics_allow = list(metrics_allow or [])
        self.microcache_seconds = microcache_seconds
        self.origin = f"https://{host}:{self.https_port}"
        self.nginx_workers = nginx_workers
        self.access_log = access_log
        # Another Django project (the benchmark's Wagtail peer) may run in the same stack.
        self.app_dir = Path(app_dir)
        self.python = str(Path(venv) / "bin" / "python")
        self.gunicorn = str(Path(venv) / "bin" / "gunicorn")
        self.health_path = health_path
        self.tmp = Path(tempfile.mkdtemp(prefix=f"aiblogger-{self.db_name}-"))
        self.tmp.chmod(0o755)  # Nginx's workers (www-data) read static files here
        for sub in ("logs", "nginx", "static", "media", "acme", "cache", "metrics"):
            (self.tmp / sub).mkdir()
        # A database kept between runs needs its uploads kept too.
        self.media_root = Path(media_root) if media_root else self.tmp / "media"
        self.media_root.mkdir(parents=True, exist_ok=True)
        self.socket = self.tmp / "gunicorn.sock"
        self.ready_file = self.tmp / "gunicorn.ready"
        self.cert = self.tmp / "tls.crt"
        self.key = self.tmp / "tls.key"
        self.gunicorn_log = self.tmp / "logs" / "gunicorn.log"
        self.nginx_access_log = self.tmp / "logs" / "nginx-access.log"
        self.supervisor = None
        self.nginx = None
        # host:port of an app that listens on TCP (the image test's container), else the socket.
        self.app_address = ""
        self.env = self._app_environment(app_env or {})

    def _app_environment(self, extra):
        """Production settings, as the systemd unit's environment file gives them."""
        environment = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="aiblogger.settings.prod",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS=self.host,
            DJANGO_CSRF_TRUSTED_ORIGINS=self.origin,
            SITE_URL=self.origin,
            DATABASE_URL=(
                f"mysql://{DB_USER}:{quote(DB_PASSWORD)}@127.0.0.1:{self.db_port}/{self.db_name}"
            ),
            CACHE_URL=self.cache_url,
            CACHE_KEY_PREFIX=self.db_name,
            SEARCH_URL=f"sphinx://127.0.0.1:{self.search_port}/articles",
            STATIC_ROOT=str(self.tmp / "static"),
            MEDIA_ROOT=str(self.media_root),
            SITE_INDEXABLE="false",
            PYTHONUNBUFFERED="1",
            # gunicorn's workers share their counters here (systemd's RuntimeDirectory=).
            PROMETHEUS_MULTIPROC_DIR=str(self.tmp / "metrics"),
        )
        return {**environment, **extra}

    # --- search engine --------------------------------------------------------
    def start_search(self):
        """Start (or start again, keeping its index) the stack's searchd."""
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        from articles.search.sphinx import LocalSearchd

        if self.searchd is None:
            # The app's LANGUAGE_CODE (its settings' default when the stack sets none).
            language = self.env.get("LANGUAGE_CODE", "en-gb")
            self.searchd = LocalSearchd(
                self.tmp / "searchd", self.search_port, language_code=language
            )
        self.searchd.start()

    def stop_search(self):
        if self.searchd is not None:
            self.searchd.stop()

    # --- database and files -------------------------------------------------
    def mysql(self, sql):
        result = subprocess.run(
            ["mysql", "-h127.0.0.1", f"-P{self.db_port}", f"-u{DB_USER}", "-N", "-B", "-e", sql],
            capture_output=True,
            text=True,
            env=dict(os.environ, MYSQL_PWD=DB_PASSWORD),
        )
        if result.returncode:
            raise StackError(f"mysql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self):
        self.mysql(
            f"DROP DATABASE IF EXISTS `{self.db_name}`; CREATE DATABASE `{self.db_name}` "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )

    def drop_database(self):
        self.mysql(f"DROP DATABASE IF EXISTS `{self.db_name}`")

    def manage(self, *args, env=None, timeout=None):
        result = subprocess.run(
            [self.python, "manage.py", *args],
            cwd=self.app_dir,
            env=dict(self.env, **(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
            raise StackError(f"manage.py {args[0]} failed: {' '.join(last)}")
        return result.stdout

    def shell(self, code):
        """Run Python inside Django with the stack's settings and return its stdout."""
        return self.manage("shell", "-c", code)

    def shell_json(self, code):
        return json.loads(self.shell(code).strip().splitlines()[-1])

    def make_certificate(self):
        result = subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", f"/CN={self.host}", "-addext", f"subjectAltName=DNS:{self.host}",
                "-keyout", str(self.key), "-out", str(self.cert),
            ],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if result.returncode:
            raise StackError(f"openssl failed: {result.stderr.strip()}")

    def render_nginx(self):
        site = render_template(
            REPO / "nginx" / "aiblogger.conf.j2",
            nginx_server_name=self.host,
            nginx_http_port=self.http_port,
            nginx_https_port=self.https_port,
            nginx_listen_address="127.0.0.1",
            nginx_listen_ipv6=False,
            nginx_app_socket=str(self.socket),
            nginx_app_address=self.app_address,
            nginx_static_root=str(self.tmp / "static"),
            nginx_media_root=str(self.media_root),
            nginx_tls_certificate=str(self.cert),
            nginx_tls_certificate_key=str(self.key),
            nginx_acme_root=str(self.tmp / "acme"),
            nginx_pages_root=str(REPO / "nginx" / "pages"),
            nginx_cache_path=str(self.tmp / "cache"),
            nginx_microcache_seconds=self.microcache_seconds,
            nginx_metrics_allow=self.metrics_allow,
            nginx_status_port=self.status_port,
        )
        (self.tmp / "aiblogger.conf").write_text(site)
        access_log = f"{self.nginx_access_log} timed" if self.access_log else "off"
        (self.tmp / "nginx.conf").write_text(
            NGINX_MAIN.format(tmp=self.tmp, workers=self.nginx_workers, access_log=access_log)
        )

    # --- processes ------------------------------------------------------------
    def start_app(self, timeout=60):
        self.ready_file.unlink(missing_ok=True)
        log = open(self.gunicorn_log, "ab")  # noqa: SIM115 (lives as long as the process)
        self.supervisor = subprocess.Popen(
            [
                PYTHON, str(REPO / "scripts" / "stack_supervisor.py"),
                str(self.socket), str(self.ready_file),
                "--", self.gunicorn, "-c", str(REPO / "gunicorn.conf.py"),
            ],
            cwd=self.app_dir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self.wait_ready(None, timeout)

    def wait_ready(self, old_pid, timeout=60):
        """Wait until a gunicorn other than old_pid has told us READY=1; return its pid."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.supervisor.poll() is not None:
                raise StackError(f"gunicorn did not start; see {self.gunicorn_log}")
            if self.ready_file.exists():
                pid = int(self.ready_file.read_text() or 0)
                if pid and pid != old_pid:
                    return pid
            time.sleep(0.05)
        raise StackError(f"gunicorn not ready after {timeout}s; see {self.gunicorn_log}")

    def app_pid(self):
        return int(self.ready_file.read_text())

    def restart_app(self):
        """Stop gunicorn gracefully and start a new one on the same socket."""
        old = self.app_pid()
        self.supervisor.send_signal(signal.SIGHUP)
        return self.wait_ready(old)

    def stop_app(self):
        if self.supervisor and self.supervisor.poll() is None:
            self.supervisor.terminate()
            try:
                self.supervisor.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(self.supervisor.pid, signal.SIGKILL)
                self.supervisor.wait()
        self.supervisor = None

    def start_nginx(self):
        conf = str(self.tmp / "nginx.conf")
        test = subprocess.run(
            ["nginx", "-t", "-q", "-p", str(self.tmp), "-c", conf], capture_output=True, text=True
        )
        if test.returncode:
            raise StackError(f"nginx -t failed: {test.stderr.strip()}")
        self.nginx = subprocess.Popen(
            ["nginx", "-p", str(self.tmp), "-c", conf, "-g", "daemon off;"],
            stderr=open(self.tmp / "logs" / "nginx-stderr.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not (self.tmp / "nginx.pid").exists():
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                raise StackError("nginx did not start; see logs/nginx-error.log")
            time.sleep(0.05)

    def stop_nginx(self):
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)
                self.nginx.wait()
        self.nginx = None

    def wait_healthy(self, timeout=60):
        """Wait until /healthz answers 200 through Nginx: workers booted, database reachable."""
        context = ssl.create_default_context(cafile=str(self.cert))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=10)
            try:
                # Nginx may still be starting its workers: a refused or reset
                # handshake is a reason to wait, like any other early failure.
                conn.sock = context.wrap_socket(
                    socket.create_connection(("127.0.0.1", self.https_port), timeout=10),
                    server_hostname=self.host,
                )
                conn.request("GET", self.health_path, headers={"Host": self.host})
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise StackError(f"{self.health_path} did not answer 200 within {timeout}s")

    def up(self, *, seed_articles, password, fresh=True):
        """Database, static files, certificate, processes; fresh=False keeps the database."""
        self.start_search()
        if fresh:
            self.create_database()
        else:
            self.mysql(
                f"CREATE DATABASE IF NOT EXISTS `{self.db_name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        self.manage("migrate", "--noinput")
        if not fresh:  # the database outlived the last stack's index
            self.manage("search_index", "--rebuild", "-v0")
        if seed_articles is not None:
            # One argument: a generated password may start with "-".
            self.manage("seed_demo", "--articles", str(seed_articles), f"--password={password}")
        self.manage("collectstatic", "--noinput")
        self.make_certificate()
        self.render_nginx()
        self.start_app()
        self.start_nginx()
        self.wait_healthy()

    def down(self, *, drop_database=False, keep_files=False):
        self.stop_nginx()
        self.stop_app()
        self.stop_search()
        if drop_database:
            self.drop_database()
        if keep_files:
            print(f"stack files kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
