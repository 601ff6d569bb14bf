"""Production settings refuse to start without their secrets, and pass check --deploy."""

import ast
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
    "SEARCH_URL": "sphinx://127.0.0.1:9306/articles",
}


def manage(*args, env):
    return python("manage.py", *args, env=env)


def python(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    for name in ("SITE_URL", "HOST", "PORT"):
        clean.pop(name, None)
    return subprocess.run(
        [sys.executable, *args],
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
    assert result.stderr.strip().splitlines() == [
        f"Production settings need these environment variables: {missing}"
    ]


@pytest.mark.parametrize(
    "entry_point",
    [["manage.py", "check"], ["-c", "import aiblogger.wsgi"]],
    ids=["manage.py", "wsgi"],
)
def test_every_missing_production_variable_is_named_on_one_line(entry_point, tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "aiblogger.settings.prod", "HOME": str(tmp_path)}
    result = python(*entry_point, env=env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Production settings need these environment variables: DJANGO_SECRET_KEY, "
        "DJANGO_ALLOWED_HOSTS, DJANGO_CSRF_TRUSTED_ORIGINS, DATABASE_URL, SITE_URL"
    ]


def test_production_templates_are_cached_by_django_not_by_a_copied_loader_list():
    probe = (
        "import django; django.setup()\n"
        "from django.conf import settings; from django.template import engines\n"
        "dtl = [t for t in settings.TEMPLATES if t['BACKEND'].endswith('DjangoTemplates')]\n"
        "print('loaders' in dtl[0]['OPTIONS'])\n"
        "print(type(engines['django'].engine.template_loaders[0]).__module__)\n"
        "print(engines['jinja2'].env.auto_reload)\n"
        "print(settings.DATABASES['default']['OPTIONS']['charset'])\n"
    )
    result = python("-c", probe, env=PROD_ENV)
    assert result.stdout.split() == [
        "False",
        "django.template.loaders.cached",
        "False",
        "utf8mb4",
    ]


def test_production_settings_use_only_public_names_from_base():
    tree = ast.parse((ROOT / "aiblogger" / "settings" / "prod.py").read_text())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "base"
        for alias in node.names
    ]
    assert "tune_database" in imported
    assert not [name for name in imported if name.startswith("_")]


def dev_setting(name, **env):
    probe = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = python("-c", probe, env={"DJANGO_SETTINGS_MODULE": "aiblogger.settings.dev", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_development_site_url_follows_host_and_port():
    assert dev_setting("SITE_URL") == "http://127.0.0.1:8000"
    assert dev_setting("SITE_URL", PORT="18600") == "http://127.0.0.1:18600"
    assert dev_setting("SITE_URL", HOST="0.0.0.0", PORT="18600") == "http://127.0.0.1:18600"  # noqa: S104
    assert dev_setting("SITE_URL", HOST="news.local", PORT="9000") == "http://news.local:9000"
    assert "news.local" in dev_setting("ALLOWED_HOSTS", HOST="news.local")


def test_development_site_url_set_explicitly_wins():
    assert (
        dev_setting("SITE_URL", PORT="18600", SITE_URL="https://dev.example.com/")
        == "https://dev.example.com"
    )


def test_make_run_passes_host_and_port_to_django():
    result = subprocess.run(
        ["make", "-n", "run", "PORT=18600", "HOST=0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    commands = [line for line in result.stdout.splitlines() if "manage.py" in line]
    served = [line for line in commands if "runserver" in line]
    seeded = [line for line in commands if "seed_demo" in line]
    assert served and "HOST=0.0.0.0 PORT=18600" in served[0]
    assert served[0].endswith("runserver 0.0.0.0:18600")
    assert seeded and "PORT=18600" in seeded[0]


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("search_url", "said"),
    [
        ("", "?: (articles.W001) SEARCH_URL is empty, so search uses SQLite's FTS5"),
        ("elastic://es:9200", "?: (articles.E001) SEARCH_URL names an unknown engine"),
    ],
)
def test_the_deploy_check_fails_without_a_search_engine_it_can_use(search_url, said):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PROD_ENV, "SEARCH_URL": search_url}
    )
    assert result.returncode != 0
    assert said in result.stderr


def test_a_redis_cache_url_gets_the_fail_soft_backend_with_short_timeouts(tmp_path):
    code = (
        "from django.conf import settings; c = settings.CACHES['default']; o = c['OPTIONS']; "
        "print(c['BACKEND'], o['socket_timeout'], o['socket_connect_timeout'])"
    )
    env = {**PROD_ENV, "CACHE_URL": "redis://127.0.0.1:6379/0", "HOME": str(tmp_path)}
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    backend, timeout, connect_timeout = result.stdout.split()[-3:]
    from django.utils.module_loading import import_string

    from aiblogger.cache import FailSoftRedisCache

    assert issubclass(import_string(backend), FailSoftRedisCache), backend
    assert (timeout, connect_timeout) == ("0.25", "0.25")


COMMANDS_ON_TABLES = [
    ["evaluate_assist", "--file", "newswire/tests/eval/devreal/devreal_b.jsonl"],
    ["poll_feeds"],
    ["refresh_assist"],
    ["publish_due"],
    ["search_index", "--reconcile"],
    ["seed_demo", "--articles", "1"],
]


@pytest.mark.parametrize("command", COMMANDS_ON_TABLES, ids=lambda command: command[0])
def test_a_command_on_a_database_without_tables_says_so_in_one_line(command, tmp_path):
    """A checkout whose `migrate` has not run: every project command that reads the tables
    exits 1 with one line naming the command and the fix, never a traceback."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3", "HOME": str(tmp_path)}
    result = manage(*command, env=env)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{command[0]}: database error: no such table")
    assert "manage.py migrate" in lines[0]


def test_a_database_error_keeps_its_traceback_when_asked(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3", "HOME": str(tmp_path)}
    result = manage("publish_due", "--traceback", env=env)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "no such table" in result.stderr


def test_a_command_whose_database_is_down_says_so_in_one_line(tmp_path):
    """MariaDB unreachable (nothing listens on port 1): one line, exit 1."""
    env = {"DATABASE_URL": "mysql://aiblogger:secret@127.0.0.1:1/aiblogger", "HOME": str(tmp_path)}
    result = manage("publish_due", env=env)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("publish_due: database error:"), lines
    assert "Can't connect" in lines[0]
