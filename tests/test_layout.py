"""Where things live: the boundaries a newcomer relies on when finding their way."""

import ast
import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_accounts_does_not_import_articles():
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "accounts").rglob("*.py")
        if "tests" not in path.parts
        for module in imported_modules(path)
        if module == "articles" or module.startswith("articles.")
    ]
    assert offenders == []


ROLES = ROOT / "ansible" / "roles"
JINJA = re.compile(r"\{\{(.*?)\}\}|\bwhen:(.*)$", re.MULTILINE)


def role_reads(role):
    """Variables of other roles that a role reads in its expressions and conditions."""
    others = [path.name for path in ROLES.iterdir() if path.name != role.name]
    variable = re.compile(rf"\b(?:{'|'.join(others)})_[a-z0-9_]+")
    reads = set()
    for path in role.rglob("*"):
        if path.is_file() and "meta" not in path.parts:
            for match in JINJA.finditer(path.read_text()):
                reads |= set(variable.findall(match[1] or match[2]))
    return reads


def test_every_ansible_role_has_meta_and_lists_what_it_reads_from_others():
    for role in sorted(ROLES.iterdir()):
        assert (role / "meta" / "main.yml").is_file(), role.name
        defaults = (role / "defaults" / "main.yml").read_text().splitlines()
        header = " ".join(itertools.takewhile(bool, defaults[1:]))  # up to the first blank
        missing = {name for name in role_reads(role) if not re.search(rf"\b{name}\b", header)}
        assert missing == set(), f"{role.name}/defaults/main.yml does not list {missing}"
