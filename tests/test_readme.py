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
    assert {"git", "make", "python3-venv", "nodejs", "npm"} <= set(first[1].split())
    assert first[2].startswith("git clone ")
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
