"""The Docker image built with buildah and run under systemd-nspawn (`make image-test`).

No Docker engine runs here and podman cannot start containers, so:

1. A Debian 12 base (debootstrap: python3, python3-venv, this machine's CA
   certificates) is imported into buildah's storage under $IMAGE_TEST_CACHE and
   rebuilt only when BASE_VERSION changes.
2. The repository's Dockerfile is built from it twice (`buildah bud
   --isolation=chroot --network=host --build-arg PYTHON_IMAGE=<base> --format
   docker --layers`): its default target (everything, for the task worker) and
   `--target web` (without the worker's model and numeric libraries).
3. Container runs the image's filesystem with systemd-nspawn on the host's
   network, as the image's USER, in its WORKDIR, with its ENV, ENTRYPOINT and
   CMD, the way a container engine would.

The tests are tests/image/ (marker `image`); their session fixtures use this.

Two runs on one machine do not collide: the image tags, buildah container and
nspawn machine names, pid files and database carry the run's id
(IMAGE_TEST_RUN, default the pytest process's pid); only the cached Debian base
and buildah's layer storage under IMAGE_TEST_CACHE are shared, and the base is
built under a lock. Ports follow STACK_PORT_OFFSET, as for the stack test.
"""

# ruff: noqa: S603, S607 (fixed command lines; tools found on PATH as an operator would)
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_lib import StackError  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("IMAGE_TEST_CACHE", "/var/cache/aiblogger-image-test"))
RUNROOT = Path("/run/aiblogger-image-test")  # buildah's runroot: one per storage
# This run's id: in every name two runs on one machine could otherwise share.
RUN_ID = re.sub(r"[^a-z0-9]", "", os.environ.get("IMAGE_TEST_RUN", "").lower())[:24] or str(
    os.getpid()
)
RUNS = RUNROOT / "runs"
RUN_DIR = RUNS / RUN_ID  # this run's pid files
ARTIFACTS = REPO / "artifacts" / "image-test"
BASE_VERSION = 2  # bump when base_recipe() changes: the cached base is rebuilt
BASE_IMAGE = f"localhost/aiblogger-image-test-base:bookworm-v{BASE_VERSION}"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"
DPKG_SLIM = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
"""
_APT_RM = "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb"
APT_CLEAN = f"""\
DPkg::Post-Invoke {{ "{_APT_RM} /var/cache/apt/*.bin || true"; }};
APT::Update::Post-Invoke {{ "{_APT_RM} /var/cache/apt/*.bin || true"; }};
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
"""
IMAGE = f"localhost/aiblogger:image-test-{RUN_ID}"  # the default target: web and worker
IMAGE_WEB = f"localhost/aiblogger-web:image-test-{RUN_ID}"  # --target web
# The kernel's overlayfs shares layers; vfs (full copies, slower) works everywhere.
STORAGE_DRIVER = "overlay" if "overlay" in Path("/proc/filesystems").read_text() else "vfs"
STORAGE = "containers" if STORAGE_DRIVER == "overlay" else "containers-vfs"
CONTAINER_PREFIX = "aiblogger-image-test-"
CONTAINER = f"{CONTAINER_PREFIX}{RUN_ID}"
BASE_CONTAINER = f"{CONTAINER_PREFIX}base-{RUN_ID}"
OFFSET = int(os.environ.get("STACK_PORT_OFFSET", "0"))
APP_PORT = 18090 + OFFSET  # beside the stack test's 18080/18443 (+ the same offset)
HTTP_PORT = 18085 + OFFSET
HTTPS_PORT = 18448 + OFFSET
HOST = "news.test"


def log(message):
    print(f"{time.strftime('%H:%M:%S')} image-test: {message}", file=sys.stderr, flush=True)


def run(cmd, *, log_name=None, check_rc=True, timeout=None, **kwargs):
    """Run a command; its output goes to artifacts/<log_name> or is returned."""
    if log_name:
        with open(ARTIFACTS / log_name, "w") as out:
            result = subprocess.run(
                cmd, stdout=out, stderr=subprocess.STDOUT, text=True, timeout=timeout, **kwargs
            )
        if check_rc and result.returncode:
            tail = (ARTIFACTS / log_name).read_text().strip().splitlines()[-5:]
            raise StackError(f"{cmd[0]} failed ({log_name}): " + " | ".join(tail))
        return result
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check_rc and result.returncode:
        raise StackError(f"{' '.join(map(str, cmd[:4]))} failed: {result.stderr.strip()[-500:]}")
    return result


def buildah(*args, **kwargs):
    # Storage of our own: the cache survives between runs and touches nothing else.
    return run(
        [
            "buildah", "--root", str(CACHE / STORAGE),
            "--runroot", str(RUNROOT / "containers"), "--storage-driver", STORAGE_DRIVER, *args,
        ],
        **kwargs,
    )  # fmt: skip


def buildah_json(command):
    """`buildah <command> --json` as a list (buildah prints null for none)."""
    result = buildah(command, "--json", check_rc=False)
    return (json.loads(result.stdout or "null") if result.returncode == 0 else None) or []


def image_exists(name):
    return buildah("inspect", "--type", "image", name, check_rc=False).returncode == 0


# --- the base ---------------------------------------------------------------------


def apt_mirror(pattern, default):
    """The Debian mirror this machine's apt already uses."""
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]:
        with contextlib.suppress(OSError):
            for match in re.finditer(r"^(?:URIs:|deb)\s+(\S+)", path.read_text(), re.M):
                if re.search(pattern, match.group(1)):
                    return match.group(1).rstrip("/")
    return default


def base_recipe(root):
    mirror = os.environ.get("IMAGE_TEST_MIRROR") or apt_mirror(
        r"/debian/?$", "http://deb.debian.org/debian"
    )
    security = apt_mirror(r"/debian-security/?$", "http://deb.debian.org/debian-security")
    log(f"debootstrap Debian 12 ({BASE_PACKAGES}) from {mirror}")
    run(
        [
            "debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}",
            "bookworm", str(root), mirror,
        ],
        log_name="debootstrap.log",
    )  # fmt: skip
    (root / "etc/apt/sources.list").write_text(
        f"deb {mirror} bookworm main\n"
        f"deb {mirror} bookworm-updates main\n"
        f"deb {security} bookworm-security main\n"
    )
    # Outbound TLS is re-signed by a proxy here: the builds' pip must trust its CA.
    for cert in Path("/usr/local/share/ca-certificates").glob("*.crt"):
        shutil.copy(cert, root / "usr/local/share/ca-certificates" / cert.name)
    run(["chroot", str(root), "update-ca-certificates"])
    (root / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
    # What makes debian:bookworm-slim (python:3.11-slim's base) slim: no manuals,
    # translations or downloaded packages kept, in the base or in layers built on it.
    (root / "etc/dpkg/dpkg.cfg.d/slim").write_text(DPKG_SLIM)
    (root / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    for pattern in (
        "usr/share/doc/*/*",
        "usr/share/man/*",
        "usr/share/info/*",
        "usr/share/locale/*",
    ):
        for path in root.glob(pattern):
            if path.name != "copyright":
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    run(["chroot", str(root), "apt-get", "clean"])
    for leftover in ("var/lib/apt/lists", "var/cache/apt", "var/log"):
        for child in (root / leftover).glob("*"):
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()


def ensure_base():
    """Build the base unless this recipe's is cached; say which."""
    if image_exists(BASE_IMAGE):
        return "cached"
    start = time.monotonic()
    # Older bases are dead weight now; images of other runs stay (they may be in use).
    for image in buildah_json("images"):
        for name in image.get("names") or []:
            if name.startswith(BASE_IMAGE.split(":")[0]) and name != BASE_IMAGE:
                buildah("rmi", "--force", name, check_rc=False)
    root = CACHE / "base-root"
    remove_tree(root)
    try:
        base_recipe(root)
        # `podman import` without podman: a scratch container filled with the root.
        buildah("rm", BASE_CONTAINER, check_rc=False)
        buildah("from", "--name", BASE_CONTAINER, "scratch")
        try:
            mount = Path(buildah("mount", BASE_CONTAINER).stdout.strip())
            tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
            run(["tar", "-C", str(mount), "-x", "--numeric-owner"], stdin=tar.stdout)
            tar.stdout.close()
            if tar.wait():
                raise StackError("tar of the base root failed")
            buildah("umount", BASE_CONTAINER)
            buildah(
                "config",
                "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--env", "LANG=C.UTF-8",
                "--cmd", "python3",
                BASE_CONTAINER,
            )  # fmt: skip
            buildah("commit", "--quiet", BASE_CONTAINER, BASE_IMAGE)
        finally:
            buildah("rm", BASE_CONTAINER, check_rc=False)
    finally:
        remove_tree(root)
    return f"built in {time.monotonic() - start:.0f} s"


# --- the image ----------------------------------------------------------------------


def build_image(image=IMAGE, target=None):
    """Build the Dockerfile (its `target`, else the default) as `image`; its inspect data."""
    start = time.monotonic()
    buildah(
        "bud", "--isolation=chroot", "--network=host", "--layers", "--format=docker",
        f"--build-arg=PYTHON_IMAGE={BASE_IMAGE}", f"--tag={image}",
        *([f"--target={target}"] if target else []),
        f"--file={REPO / 'Dockerfile'}", str(REPO),
        log_name=f"build-{target or 'default'}.log",
    )  # fmt: skip
    log(f"the Dockerfile ({target or 'default'} target) built in {time.monotonic() - start:.0f} s")
    return json.loads(buildah("inspect", "--type", "image", image).stdout)


def remove_image(image):
    """This run's tag goes; its layers stay cached for the next build."""
    buildah("rmi", image, check_rc=False)


def image_size_mb(image=IMAGE):
    """The image's unpacked size, as `docker images` states it ("388 MB")."""
    size = json.loads(buildah("images", "--json", image).stdout)[0]["size"]
    number, unit = size.split()
    return float(number) * {"kB": 1e-3, "MB": 1, "GB": 1e3}[unit]


def passwd_entry(root, user):
    """(uid, gid) of USER ("name", "uid" or "name:group") from the image's /etc/passwd."""
    name = user.split(":")[0]
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if name in (fields[0], fields[2]):
            return int(fields[2]), int(fields[3]), fields[0]
    raise StackError(f"user {user!r} is not in the image's /etc/passwd")


# --- running it -------------------------------------------------------------------


class Container:
    """The mounted image run with systemd-nspawn the way a container engine would."""

    def __init__(self, root, config, env, name=CONTAINER):
        self.root = root
        self.name = name  # the nspawn machine's name, unique on the host
        self.config = config
        self.user = config.get("User") or "root"
        self.workdir = config.get("WorkingDir") or "/"
        self.env = dict(e.split("=", 1) for e in config.get("Env") or [])
        self.env.update(env)  # `docker run -e` wins over the image's ENV
        self.uid, self.gid, self.user_name = passwd_entry(root, self.user)
        self.nspawn = None
        self.leader = None

    def nspawn_command(self, command):
        return [
            shutil.which("systemd-nspawn"), "--quiet",
            f"--directory={self.root}", f"--machine={self.name}",
            # No systemd runs this machine: no scope unit, no machined registration.
            "--register=no", "--keep-unit",
            "--link-journal=no", "--console=pipe", "--kill-signal=SIGTERM",
            f"--user={self.user_name}", f"--chdir={self.workdir}",
            # Names only: the values (a secret key, a password) stay out of argv.
            *(f"--setenv={key}" for key in self.env),
            "--", *command,
        ]  # fmt: skip

    def entrypoint(self, command=None):
        return [*(self.config.get("Entrypoint") or []), *(command or self.config.get("Cmd") or [])]

    def run_once(self, command, log_name, timeout=300):
        """A one-off command in a container of its own (compose's `run`); its exit status."""
        self.start(log_name, command)
        try:
            return self.nspawn.wait(timeout=timeout)
        finally:
            self.stop()  # nothing to do once it has exited

    def start(self, log_name, command=None):
        """Start ENTRYPOINT + (command or CMD); return the container's PID 1 as seen here."""
        self.leader = None
        self.log = open(ARTIFACTS / log_name, "wb")  # noqa: SIM115 (lives as long as the process)
        self.nspawn = subprocess.Popen(
            self.nspawn_command(self.entrypoint(command)),
            env=dict(os.environ, **self.env),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (RUN_DIR / f"{self.name}.nspawn.pid").write_text(str(self.nspawn.pid))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.nspawn.poll() is None:
            # nspawn forks helpers first; the container's PID 1 is the child that is
            # pid 1 in a namespace of its own ("NSpid: <host pid> 1").
            children = Path(f"/proc/{self.nspawn.pid}/task/{self.nspawn.pid}/children")
            with contextlib.suppress(OSError):
                for pid in children.read_text().split():
                    if proc_status(pid).get("NSpid", [])[1:] == ["1"]:
                        self.leader = int(pid)
                        (RUN_DIR / f"{self.name}.leader.pid").write_text(pid)
                        return self.leader
            time.sleep(0.05)
        if self.nspawn.poll() is None:
            raise StackError(f"systemd-nspawn started no container; see {self.log.name}")
        return None  # a one-off command that has already finished

    def exec(self, command, timeout=30):
        """`docker exec`: a command in the running container, as its user, in its WORKDIR."""
        return run(
            [
                shutil.which("nsenter"), f"--target={self.leader}",
                "--mount", "--uts", "--ipc", "--net", "--pid", "--root",
                f"--setuid={self.uid}", f"--setgid={self.gid}",
                "--", "/usr/bin/env", f"--chdir={self.workdir}", *command,
            ],
            env=self.env,  # exactly the container's environment, as `docker exec` gives
            check_rc=False,
            timeout=timeout,
        )  # fmt: skip

    def processes(self):
        """Host pids of every process in the container's pid namespace."""
        namespace = os.readlink(f"/proc/{self.leader}/ns/pid")
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if os.readlink(entry / "ns/pid") == namespace:
                        pids.append(int(entry.name))
        return pids

    def stop(self):
        if self.nspawn and self.nspawn.poll() is None:
            # nspawn passes TERM on to the container's PID 1: gunicorn stops gracefully.
            self.nspawn.terminate()
            try:
                self.nspawn.wait(timeout=40)
            except subprocess.TimeoutExpired:
                # A container outlives a killed nspawn: end its pid namespace first.
                if self.leader:
                    with contextlib.suppress(OSError):
                        os.kill(self.leader, signal.SIGKILL)
                self.nspawn.kill()
                self.nspawn.wait()
        if self.nspawn:
            self.log.close()
        for name in ("nspawn.pid", "leader.pid"):
            (RUN_DIR / f"{self.name}.{name}").unlink(missing_ok=True)


def start_run():
    """Record this run as alive (its pid), so another run leaves its things alone."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "owner.pid").write_text(str(os.getpid()))


def end_run():
    shutil.rmtree(RUN_DIR, ignore_errors=True)


def _alive(run_dir):
    with contextlib.suppress(OSError, ValueError):
        pid = int((run_dir / "owner.pid").read_text())
        return b"pytest" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def kill_leftovers():
    """A run killed with SIGKILL leaves its nspawn, containers and tags behind: end those
    of runs whose pytest is gone, by their recorded pids and names; never a live run's."""
    RUNS.mkdir(parents=True, exist_ok=True)
    dead = [path for path in RUNS.iterdir() if path.name != RUN_ID and not _alive(path)]
    for run_dir in dead:
        machine = f"--machine={CONTAINER_PREFIX}{run_dir.name}".encode()
        for path in sorted(run_dir.glob("*.pid"), key=lambda p: not p.name.endswith("leader.pid")):
            with contextlib.suppress(OSError, ValueError):
                pid = int(path.read_text())
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                words = (b"gunicorn", b"stack_docker", b"manage.py", b"python")
                ours = path.name.endswith("leader.pid") and any(w in cmdline for w in words)
                if path.name.endswith("nspawn.pid"):
                    ours = b"systemd-nspawn" in cmdline and machine in cmdline
                if ours:
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(run_dir, ignore_errors=True)
    alive = {path.name for path in RUNS.iterdir()} | {RUN_ID}
    for container in buildah_json("containers"):
        name = container.get("containername", "")
        # aiblogger-image-test-<run>, -<run>-web, -<run>-worker, -base-<run>
        run = name.removeprefix(CONTAINER_PREFIX).removeprefix("base-").split("-")[0]
        if name.startswith(CONTAINER_PREFIX) and run not in alive:
            buildah("rm", name, check_rc=False)
    for image in buildah_json("images"):
        for name in image.get("names") or []:
            run = name.rpartition(":image-test-")[2]
            if ":image-test-" in name and run not in alive:
                buildah("rmi", name, check_rc=False)


def remove_tree(path):
    """rm -rf that never follows a mount out of the tree (debootstrap mounts /proc in it)."""
    mounts = run(["findmnt", "-rn", "-o", "TARGET"], check_rc=False).stdout.split()
    for mount in sorted((m for m in mounts if m.startswith(f"{path}/")), reverse=True):
        run(["umount", "-l", mount], check_rc=False)
    run(["rm", "-rf", "--one-file-system", str(path)], check_rc=False)


def https_get(path, *, cafile, host=HOST):
    context = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection("127.0.0.1", HTTPS_PORT, timeout=20)
    conn.sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", HTTPS_PORT), timeout=20), server_hostname=host
    )
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def http_get(path):
    conn = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=20)
    try:
        conn.request("GET", path, headers={"Host": HOST})
        response = conn.getresponse()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


def proc_status(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()
    return fields
