"""Production settings refuse to start without their secrets, and pass check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "aiblogger.settings.prod",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "news.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://news.example.com",
    "SITE_URL": "https://news.example.com",
    "DATABASE_URL": "mysql://aiblogger:secret@127.0.0.1:3306/aiblogger",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("SITE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "SITE_URL"]
)
def test_production_refuses_to_start_without_a_required_variable(missing, tmp_path):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = manage("check", env={**env, "HOME": str(tmp_path)})
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        f"django.core.exceptions.ImproperlyConfigured: Set the {missing} environment variable"
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
