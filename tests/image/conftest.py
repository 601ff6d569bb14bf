"""The Docker image, built and run, for the `image` tests (`make image-test`, as root).

Every test module here carries `pytestmark = pytest.mark.image`: `make test`
leaves them out. Two session fixtures, built by scripts/image_lib.py:

- `image`: the Dockerfile's default target (web and task worker) built with
  buildah from the cached local Debian 12 base, its filesystem mounted
  (buildah from + mount) and its config read; `web_image`: its `web` target
  (no model or numeric libraries), likewise.
- `running`: the web image's filesystem run with systemd-nspawn as the image's
  USER with its ENV, ENTRYPOINT and CMD against MariaDB (database
  aiblogger_image_<run>): `migrate` first, as compose's migrate service does,
  then gunicorn on a TCP port (GUNICORN_BIND) behind the host's Nginx from
  nginx/aiblogger.conf.j2. The default image runs the worker's commands.

Only the cached base is built under a lock (IMAGE_TEST_CACHE/lock); everything
else carries this run's id (scripts/image_lib.py), so two runs can overlap.

Teardown removes the nspawn, the mount, the buildah container and the database,
also when a test fails or the run is interrupted. The run ends with the line
"N passed, M failed".
"""

import contextlib
import fcntl
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import image_lib as lib  # noqa: E402
from stack_lib import Stack, StackError  # noqa: E402

WORKERS = 2
TIMINGS = {}
COUNTS = {}


class Image:
    def __init__(self, root, info, name):
        self.root = root
        self.config = info.get("Docker", {}).get("config") or {}
        self.name = name


class Running:
    def __init__(self, image, stack, container):
        self.image = image
        self.stack = stack
        self.container = container
        self.migrate_status = None
        self.health = None
        self.cafile = str(stack.cert)


def interrupt_once(_signum, _frame):
    """Ctrl-C or TERM: unwind through the fixtures' teardown, which no repeat may cut short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


@pytest.fixture(scope="session")
def image():
    TIMINGS["started"] = True
    # A background job of a shell starts with SIGINT ignored; a stray TERM must clean up too.
    signal.signal(signal.SIGINT, interrupt_once)
    signal.signal(signal.SIGTERM, interrupt_once)
    if os.geteuid() != 0:
        pytest.fail("the image tests run as root (debootstrap, buildah's storage, nspawn)")
    for path in (lib.CACHE, lib.RUNROOT, lib.ARTIFACTS):
        path.mkdir(parents=True, exist_ok=True)
    lib.start_run()
    try:
        # The shared base (and leftovers of dead runs) under the lock; builds run unlocked.
        with open(lib.CACHE / "lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lib.log(f"another run holds {lib.CACHE / 'lock'}; waiting")
                fcntl.flock(lock, fcntl.LOCK_EX)
            lib.kill_leftovers()
            TIMINGS["base image"] = lib.ensure_base()
        start = time.monotonic()
        info = lib.build_image(lib.IMAGE)
        TIMINGS["build"] = f"{time.monotonic() - start:.0f} s"
        with mounted_image(lib.IMAGE, lib.CONTAINER, info) as built:
            yield built
    finally:
        lib.remove_image(lib.IMAGE)
        lib.end_run()


@pytest.fixture(scope="session")
def web_image(image):
    start = time.monotonic()
    info = lib.build_image(lib.IMAGE_WEB, target="web")
    TIMINGS["web build"] = f"{time.monotonic() - start:.0f} s"
    sizes = (lib.image_size_mb(lib.IMAGE), lib.image_size_mb(lib.IMAGE_WEB))
    TIMINGS["sizes"] = "default {:.0f} MB, web {:.0f} MB".format(*sizes)
    try:
        with mounted_image(lib.IMAGE_WEB, f"{lib.CONTAINER}-web", info) as built:
            yield built
    finally:
        lib.remove_image(lib.IMAGE_WEB)


@contextlib.contextmanager
def mounted_image(name, container, info):
    """The image's filesystem, mounted from a buildah container of this run's own."""
    mounted = False
    try:
        lib.buildah("from", "--pull-never", "--name", container, name)
        root = Path(lib.buildah("mount", container).stdout.strip())
        mounted = True
        yield Image(root, info, name)
    finally:
        if mounted:
            lib.buildah("umount", container, check_rc=False)
        lib.buildah("rm", container, check_rc=False)


@pytest.fixture(scope="session")
def running(web_image):
    image = web_image  # what gunicorn runs in production
    stack = Stack(
        db_name=f"aiblogger_image_{lib.RUN_ID}", http_port=lib.HTTP_PORT, https_port=lib.HTTPS_PORT
    )
    stack.app_address = f"127.0.0.1:{lib.APP_PORT}"
    keep = ("DJANGO_SECRET_KEY", "DATABASE_URL", "CACHE_URL", "CACHE_KEY_PREFIX", "SITE_INDEXABLE")
    env = {key: stack.env[key] for key in keep}
    env.update(
        DJANGO_ALLOWED_HOSTS=stack.host,
        DJANGO_CSRF_TRUSTED_ORIGINS=stack.origin,
        SITE_URL=stack.origin,
        GUNICORN_BIND=stack.app_address,
        WEB_CONCURRENCY=str(WORKERS),
    )
    container = lib.Container(image.root, image.config, env)
    state = Running(image, stack, container)
    state.env = env
    try:
        stack.create_database()
        start = time.monotonic()
        migrate = ["python", "manage.py", "migrate", "--noinput"]
        state.migrate_status = container.run_once(migrate, "migrate.log")
        TIMINGS["migrate"] = f"{time.monotonic() - start:.0f} s"

        container.start("gunicorn.log")  # the image's own CMD
        state.health = wait_for_healthcheck(container, image.config.get("Healthcheck") or {})
        TIMINGS["healthy after"] = f"{time.monotonic() - start:.0f} s"

        # Nginx serves the static files the image collected, as compose's setup copies them.
        static = image.root / container.env["STATIC_ROOT"].lstrip("/")
        shutil.copytree(static, stack.tmp / "static", dirs_exist_ok=True)
        stack.make_certificate()
        stack.render_nginx()
        stack.start_nginx()
        stack.wait_healthy()
        yield state
    finally:
        stack.stop_nginx()
        container.stop()
        with contextlib.suppress(StackError):
            stack.drop_database()
        shutil.rmtree(stack.tmp, ignore_errors=True)


def wait_for_healthcheck(container, healthcheck):
    """Run the image's HEALTHCHECK in the container until it passes or its start period ends."""
    test = healthcheck.get("Test") or ["NONE"]
    command = ["/bin/sh", "-c", test[1]] if test[0] == "CMD-SHELL" else test[1:]
    if not command:
        return None
    deadline = time.monotonic() + healthcheck.get("StartPeriod", 30e9) / 1e9 + 10
    while True:
        result = container.exec(command)
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        if container.nspawn.poll() is not None:
            return result
        time.sleep(1)


def pytest_terminal_summary(terminalreporter, exitstatus):
    if not TIMINGS:  # the image tests did not run (`make test` deselects them)
        return
    stats = terminalreporter.stats
    COUNTS["passed"] = len(stats.get("passed", []))
    COUNTS["failed"] = len(stats.get("failed", [])) + len(stats.get("error", []))
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        COUNTS["failed"] += 1  # the tests that never ran cannot count as passed
    timings = ", ".join(f"{key} {value}" for key, value in TIMINGS.items() if key != "started")
    terminalreporter.write_line(f"image-test: {timings}")


def pytest_unconfigure(config):
    """The line every test target ends with, after pytest's own summary."""
    if COUNTS:
        print(f"{COUNTS['passed']} passed, {COUNTS['failed']} failed", flush=True)
