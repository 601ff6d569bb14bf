"""The README's first screen is what a newcomer types on a fresh Debian 12 machine."""

import re
from pathlib import Path

from articles.management.commands.seed_demo import PEOPLE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
QUICK_START = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def blocks(text):
    return re.findall(r"```(?:sh)?\n(.*?)```", text, flags=re.S)


def test_quick_start_commands_run_as_root_on_fresh_debian():
    first = blocks(QUICK_START)[0].splitlines()
    assert first[0] == "apt-get update"
    assert first[1].startswith("apt-get install -y ")
    assert {"git", "make", "python3-venv"} <= set(first[1].split())
    assert not {"nodejs", "npm"} & set(first[1].split()), "axe-core comes from PyPI, not npm"
    assert first[2].startswith("git clone ")
    assert "<" not in first[2], "the clone line must be typeable, not a placeholder"
    assert "AIBLOGGER_URL" in QUICK_START.split("```", 1)[0], "say where the URL comes from"
    assert first[-1] == "make run"
    assert "sudo " not in "\n".join(first), "Debian 12 installed with a root password has none"


def test_quick_start_lists_every_account_make_run_prints():
    shown = [b for b in blocks(QUICK_START) if "Log into the admin" in b][0]
    rows = [line.split()[:2] for line in shown.splitlines()[1:]]
    expected = [[username, role or "Administrator"] for username, _, role in PEOPLE]
    assert rows == expected


def test_quick_start_says_how_long_and_that_chromium_is_only_for_browser_tests():
    assert re.search(r"first `make run` takes about \d+ minutes", QUICK_START)
    assert "chromium" not in blocks(QUICK_START)[0]
    tests = [b for b in blocks(QUICK_START) if "make test" in b][0]
    assert "apt-get install -y chromium" in tests
    assert "Only its browser tests need Chromium" in QUICK_START


def test_nothing_needs_node():
    """No Node.js on the first screen, in `make run`, CI or the image (axe-core is a wheel)."""
    for path in ("Makefile", ".ci/run", "Dockerfile", "README.md"):
        text = (ROOT / path).read_text()
        assert not re.search(r"\bnpm\b|\bnodejs\b|node_modules|package(-lock)?\.json", text), path
    assert not (ROOT / "package.json").exists()


def test_make_test_mysql_is_on_the_first_screen_and_needs_no_login():
    assert "make test-mysql" in QUICK_START
    assert "mysql://root@" not in QUICK_START, "root logs in by socket only on a fresh install"
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test-mysql: .*\n\t.*scripts/test-mysql\.sh", makefile, flags=re.M)


def test_optional_packages_say_what_they_unskip():
    table = QUICK_START.split("| apt package | unskips |", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"`([a-z0-9-]+)`", table))
    for package in ("chromium", "mariadb-server", "redis-server", "prometheus",
                    "prometheus-alertmanager", "nginx-light"):  # fmt: skip
        assert package in listed, package


def test_first_install_shows_progress():
    """pip names each package as the first `make run` installs it (not minutes of silence)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(VENV)/.installed:", 1)[1].split("touch $@", 1)[0]
    install = recipe.split("-r requirements-dev.txt", 1)
    assert "--quiet" not in install[0].rsplit("\n", 1)[-1], "pip must not be quiet"
    assert "Collecting" in re.split(r"\n\t(?! )", install[1], maxsplit=1)[0]
