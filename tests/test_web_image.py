"""The web image (Dockerfile target `web`) leaves out the worker's libraries: the
web app must load and route without them (make image-test builds and runs it)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER_ONLY = ("wordllama", "numpy", "py3langid", "babel")

BLOCKED_START = """
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in %r:
            raise ImportError(f"{name} is not in the web image")
sys.meta_path.insert(0, Blocked())
import django
django.setup()
from django.urls import resolve
import aiblogger.wsgi, aiblogger.urls
from django.contrib import admin
for path in ("/", "/search/", "/admin/", "/admin/newswire/item/", "/sitemap.xml"):
    resolve(path)
print("web app loaded without", %r)
"""


def test_the_web_requirements_are_requirements_txt_without_the_worker_block():
    """The Dockerfile cuts requirements.txt at this comment; all after it is the worker's."""
    text = (ROOT / "requirements.txt").read_text()
    web, marker, worker = text.partition("# Machine assistance")
    worker = worker.partition("\n")[2]  # the rest of the comment line
    assert marker, "requirements.txt lost the comment the Dockerfile's web target cuts at"
    names = lambda part: {  # noqa: E731
        re.split(r"[=<>; ]", line)[0].lower()
        for line in part.splitlines()
        if line and not line.startswith("#")
    }
    assert names(worker) == set(WORKER_ONLY)
    assert not names(web) & set(WORKER_ONLY)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "sed '/^# Machine assistance/,$d' requirements.txt > requirements-web.txt" in dockerfile
    assert re.search(r"^FROM runtime-base AS web$", dockerfile, flags=re.M)


def test_the_web_app_loads_and_routes_without_the_worker_libraries():
    code = BLOCKED_START % (WORKER_ONLY, WORKER_ONLY)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "aiblogger.settings.test"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
