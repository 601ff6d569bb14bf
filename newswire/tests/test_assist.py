"""Machine assistance: offline model, embeddings, language, near-duplicates, events."""

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from newswire import assist
from newswire.models import Cluster, Item, Source

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

CB_EN_1 = (
    "Central bank raises interest rates by half a point",
    "The Bank of Valdoria lifted its main interest rate by 0.5 percentage points to 4.25 "
    "percent on Tuesday, saying inflation had stayed too high for too long.",
)
CB_EN_2 = (
    "Rates go up as central bank fights stubborn inflation",
    "Policymakers at the Bank of Valdoria raised borrowing costs by half a percentage point to "
    "4.25 percent, the biggest rise since 2004, and signalled further increases could follow.",
)
CB_EN_SYNDICATED = (
    "Central bank raises interest rates by half a point",
    "The Bank of Valdoria lifted its main interest rate by 0.5 percentage points to 4.25 "
    "percent on Tuesday, saying inflation had stayed too high for too long. (AP)",
)
FLOOD_EN = (
    "Floods force thousands from their homes in river valley",
    "Heavy rain burst the banks of the river overnight, flooding villages and forcing about "
    "3,000 residents into emergency shelters, the regional fire service said.",
)
CB_DE = (
    "Zentralbank erhöht den Leitzins um einen halben Prozentpunkt",
    "Die Bank of Valdoria hat am Dienstag den Leitzins um 0,5 Prozentpunkte auf 4,25 Prozent "
    "angehoben, weil die Inflation hartnäckig hoch bleibt.",
)


def make_source(name, rights=Source.Rights.SUMMARY, **kwargs):
    return Source.objects.create(
        name=name, feed_url=f"https://{name.lower()}.example/feed", rights=rights, **kwargs
    )


def make_item(source, text, *, minutes=0, **kwargs):
    title, summary = text
    now = timezone.now() - timedelta(hours=1) + timedelta(minutes=minutes)
    return Item.objects.create(
        source=source,
        guid=f"{source.pk}-{title}-{minutes}",
        guid_hash=f"{source.pk}-{minutes}-{abs(hash(title))}"[:64],
        url=f"https://{source.name.lower()}.example/{minutes}",
        title=title,
        summary=summary,
        text_hash=f"{minutes}-{abs(hash(summary))}"[:64],
        first_seen_at=now,
        published_at=now,
        **kwargs,
    )


def test_embeddings_are_compact_and_carry_the_model():
    source = make_source("Wire")
    item = make_item(source, CB_EN_1)
    assert assist.process_items() == 1
    item.refresh_from_db()
    assert len(item.embedding) == assist.MODEL_DIM * 2  # float16
    assert (
        item.embedding_model.startswith("wordllama-") and "l2_supercat-256" in item.embedding_model
    )
    assert item.language == "en"
    assert assist.process_items() == 0  # nothing stale: nothing recomputed


def test_a_model_change_recomputes_embeddings(monkeypatch):
    item = make_item(make_source("Wire"), CB_EN_1)
    assist.process_items()
    monkeypatch.setattr(assist, "model_id", lambda: "wordllama-9.9/l2_supercat-256")
    assert assist.process_items() == 1
    item.refresh_from_db()
    assert item.embedding_model == "wordllama-9.9/l2_supercat-256"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_polling_new_items_queues_the_assistance_task_and_the_worker_runs_it(monkeypatch):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from newswire import tasks

    source = make_source("Wire")
    monkeypatch.setattr(tasks.fetch, "fetch", lambda *a, **k: _Response())
    monkeypatch.setattr(
        tasks.fetch,
        "parse",
        lambda *a: _Feed(
            [
                {
                    "guid": "g1", "url": "https://wire.example/1", "title": CB_EN_1[0],
                    "summary": CB_EN_1[1], "content": "", "authors": "", "published_at": None,
                    "image_url": "", "image_credit": "", "language": "",
                }
            ]
        ),
    )  # fmt: skip
    result = tasks.poll_source(source.pk, force=True)
    assert result.counts.get("new") == 1
    queued = DBTaskResult.objects.filter(task_path__endswith="assist_items_task")
    assert queued.count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    assert queued.get().status == "SUCCESSFUL"
    item = Item.objects.get()
    assert item.embedding and item.language == "en" and item.cluster_id


class _Response:
    not_modified = False
    body = b""
    content_type = "application/rss+xml"
    url = "https://wire.example/feed"
    headers = {}


class _Feed:
    title = "Wire"
    site_url = "https://wire.example/"

    def __init__(self, entries):
        self.entries = entries


def test_syndicated_copy_is_a_duplicate_of_the_first():
    first = make_item(make_source("Wire"), CB_EN_1, minutes=0)
    other = make_item(make_source("Daily"), CB_EN_2, minutes=5)
    copy = make_item(make_source("Herald"), CB_EN_SYNDICATED, minutes=10)
    assist.process_items()
    for item in (first, other, copy):
        item.refresh_from_db()
    assert copy.status == Item.Status.DUPLICATE and copy.duplicate_of_id == first.pk
    assert other.status == Item.Status.NEW and other.duplicate_of_id is None
    assert first.status == Item.Status.NEW


def test_every_item_gets_a_language_and_the_source_setting_wins():
    english = make_item(make_source("Wire"), CB_EN_1)
    german = make_item(make_source("Zeitung"), CB_DE)
    pinned = make_item(make_source("Pinned"), CB_EN_2, language="fr")
    assist.process_items()
    for item in (english, german, pinned):
        item.refresh_from_db()
    assert (english.language, german.language, pinned.language) == ("en", "de", "fr")


def test_reports_of_one_event_share_a_cluster_and_others_do_not():
    a = make_item(make_source("Wire"), CB_EN_1, minutes=0)
    b = make_item(make_source("Daily"), CB_EN_2, minutes=5)
    c = make_item(make_source("Herald"), FLOOD_EN, minutes=10)
    d = make_item(make_source("Zeitung"), CB_DE, minutes=15)
    assist.process_items()
    for item in (a, b, c, d):
        item.refresh_from_db()
    assert a.cluster_id and a.cluster_id == b.cluster_id
    assert c.cluster_id not in (None, a.cluster_id)
    # The German report names the same bank and figures: one event across languages.
    assert d.cluster_id == a.cluster_id
    cluster = Cluster.objects.get(pk=a.cluster_id)
    assert cluster.size == 3 and cluster.title == CB_EN_1[0]


def test_items_outside_the_time_window_start_a_new_event():
    a = make_item(make_source("Wire"), CB_EN_1, minutes=0)
    later = (assist.CLUSTER_WINDOW_HOURS + 2) * 60
    b = make_item(make_source("Daily"), CB_EN_2, minutes=later)
    assist.process_items()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.cluster_id != b.cluster_id


def test_a_missing_model_is_a_clear_error_naming_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(assist, "model_dir", lambda: tmp_path)
    assist.model.cache_clear()
    try:
        with pytest.raises(assist.AssistUnavailable, match="wordllama"):
            assist.model()
    finally:
        assist.model.cache_clear()


def test_a_missing_package_is_a_clear_error(monkeypatch):
    from importlib import metadata

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(assist.metadata, "version", missing)
    with pytest.raises(assist.AssistUnavailable, match="'wordllama'"):
        assist.model_id()


def test_embedding_a_thousand_items_takes_under_30_seconds():
    texts = [f"{CB_EN_1[0]} {n}. {CB_EN_1[1]} {FLOOD_EN[1]}" for n in range(1000)]
    assist.embed(texts[:2])  # load once
    started = time.monotonic()
    vectors = assist.embed(texts)
    assert vectors.shape == (1000, assist.MODEL_DIM)
    assert time.monotonic() - started < 30


@pytest.mark.django_db(transaction=False)
def test_web_workers_do_not_import_the_models():
    code = (
        "import sys\n"
        "from aiblogger.wsgi import application\n"
        "from django.contrib import admin\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        "admin.site.get_urls()\n"
        "import articles.views, newswire.admin, newswire.tasks, newswire.drafts\n"
        "bad = sorted(m for m in ('wordllama', 'sklearn', 'numpy', 'py3langid', "
        "'newswire.assist') if m in sys.modules)\n"
        "assert not bad, bad\n"
        "print('clean')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aiblogger.settings.test"}
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and "clean" in run.stdout, run.stderr[-2000:]


def _unshare_allowed():
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(os.environ.get("ASSIST_OFFLINE") == "1", reason="already offline")
def test_assistance_tests_pass_with_no_network():
    """Run this module again in a network namespace with no route (loopback only)."""
    if not _unshare_allowed():
        if os.environ.get("CI"):
            pytest.fail("CI must be able to run `unshare -n` (root or user namespaces)")
        pytest.skip("unshare -n is not permitted here")
    database = os.environ.get("DATABASE_URL", "")
    env = {**os.environ, "ASSIST_OFFLINE": "1"}
    if database.startswith("mysql://"):
        # No TCP route in the namespace: reach MariaDB through its Unix socket (localhost).
        # (any port: `make test-mysql` serves its own MariaDB on another one and
        # names its socket in MYSQL_UNIX_PORT, which the client library reads).
        env["DATABASE_URL"] = (
            re.sub(r"@127\.0\.0\.1(:\d+)?/", "@localhost/", database).rstrip("/") + "_offline"
        )
    run = subprocess.run(
        ["unshare", "-n", "sh", "-c",
         f"ip link set lo up 2>/dev/null; exec {sys.executable} -m pytest -q -p no:cacheprovider "
         + " ".join(sorted(p.name for p in Path(__file__).parent.glob("test_assist*.py")))],
        cwd=Path(__file__).parent, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "passed" in run.stdout


def test_no_network_means_no_download_attempt():
    """In the namespace, a loader that tried the hub would fail loudly; ours never tries."""
    if os.environ.get("ASSIST_OFFLINE") != "1":
        pytest.skip("meaningful inside the network namespace (see the test above)")
    import socket

    with pytest.raises(OSError):
        socket.create_connection(("huggingface.co", 443), timeout=2)
    assist.model.cache_clear()
    assert assist.embed(["offline"]).shape == (1, assist.MODEL_DIM)


def test_the_worker_never_overwrites_what_an_editor_did_meanwhile(monkeypatch):
    first = make_item(make_source("Wire"), CB_EN_1, minutes=0)
    copy = make_item(make_source("Herald"), CB_EN_SYNDICATED, minutes=10)
    from newswire import events

    real_add = events.Engine.add

    def editor_uses_it_first(engine, doc):
        Item.objects.filter(pk=copy.pk).update(status=Item.Status.USED)  # a draft, meanwhile
        return real_add(engine, doc)

    monkeypatch.setattr(events.Engine, "add", editor_uses_it_first)
    assist.process_items()
    copy.refresh_from_db()
    first.refresh_from_db()
    assert copy.status == Item.Status.USED and copy.duplicate_of_id is None
    assert copy.embedding and copy.cluster_id == first.cluster_id


GERMAN = [
    ("Stadtrat beschließt neuen Haushalt", "Der Stadtrat hat am Montag den Haushalt für das "
     "kommende Jahr beschlossen, nachdem die Fraktionen lange über Schulen gestritten hatten."),
    ("Neue Buslinie fährt zum Flughafen", "Ab Dezember verbindet eine neue Buslinie die "
     "Innenstadt mit dem Flughafen, teilten die Verkehrsbetriebe am Dienstag mit."),
    ("Bibliothek verlängert Öffnungszeiten", "Die Stadtbibliothek öffnet künftig auch am "
     "Sonntag, weil immer mehr Studierende dort lernen wollen, sagte die Leiterin."),
]  # fmt: skip


def test_a_headline_only_item_takes_its_sources_language():
    source = make_source("Zeitung")
    for n, text in enumerate(GERMAN):
        make_item(source, text, minutes=n)
    short = make_item(source, ("Eilmeldung", ""), minutes=10)
    assist.process_items()
    short.refresh_from_db()
    assert short.language == "de"


def test_a_declared_regional_code_is_compared_as_its_language():
    pinned = make_item(make_source("Regional", language="en-US"), CB_EN_2, minutes=5)
    plain = make_item(make_source("Wire"), CB_EN_1, minutes=0)
    make_item(make_source("Herald"), FLOOD_EN, minutes=10)
    make_item(make_source("Zeitung"), CB_DE, minutes=15)
    assist.process_items()
    pinned.refresh_from_db()
    plain.refresh_from_db()
    assert pinned.language == "en" and pinned.cluster_id == plain.cluster_id
