"""What operators rely on: restarts lose nothing, backups, valid systemd units."""

import gzip
import shutil
import subprocess
import threading
import time

import pytest
from stack_lib import REPO, render_template

pytestmark = pytest.mark.stack


def _load(client, total, concurrency):
    """Start `concurrency` threads sending `total` GETs; return (threads, results)."""
    results, lock = [], threading.Lock()
    counter = iter(range(total))

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                # A unique query string misses the microcache: gunicorn answers each.
                status = client.get(f"/healthz?n={i}").status
            except Exception as exc:
                status = type(exc).__name__
            with lock:
                results.append((time.monotonic(), status))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    return threads, results


def test_gunicorn_restart_under_load_loses_no_request(stack, client):
    total = 2000
    threads, results = _load(client, total, concurrency=8)
    pids, windows = [stack.app_pid()], []
    for fraction in (0.25, 0.6):
        while len(results) < total * fraction and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        started = time.monotonic()
        pids.append(stack.restart_app())
        windows.append((started, time.monotonic()))
    for thread in threads:
        thread.join()
    failures = [status for _, status in results if status != 200]
    assert len(results) == total
    assert not failures, f"{len(failures)} failed: {sorted(set(map(str, failures)))}"
    assert len(set(pids)) == 3, f"gunicorn pids {pids}: the restarts did not happen"
    during = sum(1 for t, _ in results if any(a <= t <= b for a, b in windows))
    assert during > 0, "no request completed while gunicorn restarted"


def test_nightly_database_backup_keeps_the_newest_n(stack):
    backups = stack.tmp / "backups"
    script = str(REPO / "scripts" / "backup-db.sh")
    env = dict(stack.env)
    for _ in range(3):
        run = subprocess.run([script, str(backups), "2"], env=env, capture_output=True)
        assert run.returncode == 0, f"backup failed: {run.stderr.decode().strip()}"
        time.sleep(1.1)  # one dump per second: names carry the time
    dumps = sorted(backups.glob(f"{stack.db_name}-*.sql.gz"))
    assert len(dumps) == 2, f"{len(dumps)} dumps kept, expected the newest 2"
    sql = gzip.decompress(dumps[-1].read_bytes()).decode()
    assert "CREATE TABLE `articles_article`" in sql, "the dump has no articles table"
    assert "INSERT INTO `articles_article`" in sql, "the dump has no article rows"
    database = f"/{stack.db_name}"
    env["DATABASE_URL"] = env["DATABASE_URL"].replace(database, "/aiblogger_no_db")
    run = subprocess.run([script, str(backups), "2"], env=env, capture_output=True)
    reason = run.stderr.decode().strip()
    assert run.returncode != 0 and len(reason.splitlines()) == 1, f"bad URL gave {reason!r}"
    assert len(list(backups.glob("*.gz*"))) == 2, "a failed dump left a file behind"


def test_systemd_units_pass_systemd_analyze_verify(stack):
    assert shutil.which("systemd-analyze"), "systemd-analyze is not installed"
    units = stack.tmp / "units"
    units.mkdir()
    # The values Ansible uses, except paths that must exist on this machine.
    for template in sorted((REPO / "systemd").glob("*.j2")):
        (units / template.name.removesuffix(".j2")).write_text(
            render_template(
                template,
                app_name="aiblogger",
                app_user="www-data",
                app_group="www-data",
                app_root="/srv/aiblogger",
                app_current_dir=str(REPO),
                app_env_file="/etc/aiblogger/aiblogger.env",
                app_socket_path="/run/aiblogger/gunicorn.sock",
                app_media_root="/srv/aiblogger/media",
                app_backup_dir="/var/backups/aiblogger",
                app_backup_keep=14,
                app_metrics_textfile_dir="/var/lib/prometheus/node-exporter",
            )
        )
    names = sorted(path.name for path in units.iterdir())
    run = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=units,
        capture_output=True,
        text=True,
    )
    complaints = (run.stdout + run.stderr).strip()
    assert run.returncode == 0 and not complaints, complaints.splitlines()[:3]
