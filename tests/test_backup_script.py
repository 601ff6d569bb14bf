"""scripts/backup-db.sh run by hand: the dump is private whatever the caller's umask."""

import os
import stat
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "backup-db.sh"

pytestmark = pytest.mark.django_db


def database_url():
    db = connection.settings_dict
    if connection.vendor != "mysql":
        pytest.skip("backup-db.sh dumps MySQL/MariaDB only; DATABASE_URL is not one")
    user, password = quote(db["USER"] or "root", safe=""), quote(db["PASSWORD"] or "", safe="")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 3306
    return f"mysql://{user}:{password}@{host}:{port}/{db['NAME']}"


def run_backup(target, umask):
    def with_umask():
        os.umask(umask)

    env = {**os.environ, "DATABASE_URL": database_url()}
    return subprocess.run(
        ["bash", str(SCRIPT), str(target), "3"],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=with_umask,
        check=False,
    )


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000])
def test_a_dump_made_by_hand_is_readable_by_its_owner_only(tmp_path, umask):
    backups = tmp_path / "new-dir"  # the script creates it
    run = run_backup(backups, umask)
    assert run.returncode == 0, run.stderr
    (dump,) = backups.glob("*.sql.gz")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    assert dump.stat().st_size > 0


def test_a_dump_into_an_existing_shared_directory_is_still_private(tmp_path):
    backups = tmp_path / "shared"
    backups.mkdir(mode=0o755)
    run = run_backup(backups, 0o022)
    assert run.returncode == 0, run.stderr
    (dump,) = backups.glob("*.sql.gz")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600


def test_a_cluster_dumps_the_server_backup_database_url_names(tmp_path):
    """BACKUP_DATABASE_URL (a cluster's replica) wins over DATABASE_URL (its primary)."""
    good = database_url()
    # Port 9 on loopback: nothing listens, so a dump from there must fail.
    bad = good.replace(good.split("@", 1)[1].split("/", 1)[0], "127.0.0.1:9")
    base = {**os.environ, "DATABASE_URL": good}
    runs = {
        name: subprocess.run(
            ["bash", str(SCRIPT), str(tmp_path / name), "3"],
            env={**base, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        for name, extra in {
            "replica-down": {"BACKUP_DATABASE_URL": bad},
            "replica-up": {"BACKUP_DATABASE_URL": good, "DATABASE_URL": bad},
        }.items()
    }
    assert runs["replica-down"].returncode != 0
    assert not list((tmp_path / "replica-down").glob("*.sql.gz"))
    assert runs["replica-up"].returncode == 0, runs["replica-up"].stderr
    (dump,) = (tmp_path / "replica-up").glob("*.sql.gz")
    assert dump.stat().st_size > 0
