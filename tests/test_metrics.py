"""Prometheus metrics: /metrics, the newsroom's collectors, jobs' textfiles, gunicorn's hook."""

import os
import runpy
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from aiblogger import metrics
from aiblogger.cache_backends import LocMemCache
from articles.models import Article
from articles.tests.factories import ArticleFactory

REPO = Path(__file__).resolve().parent.parent


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-store" in response["Cache-Control"]
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            samples[key] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.mark.django_db
def test_metrics_count_requests_by_view_and_the_newsroom_articles(client):
    ArticleFactory.create_batch(2, published=True)
    ArticleFactory(scheduled=True)
    ArticleFactory(status=Article.Status.REVIEW)
    ArticleFactory()  # a draft counts nowhere
    client.get("/")
    samples = scrape(client)
    assert value(samples, "aiblogger_articles", state="published") == 2
    assert value(samples, "aiblogger_articles", state="scheduled") == 1
    assert value(samples, "aiblogger_articles", state="in_review") == 1
    assert value(samples, "aiblogger_newsroom_metrics_up") == 1
    home = value(
        samples,
        "django_http_requests_latency_seconds_by_view_method_count",
        view="articles:home",
        method="GET",
    )
    assert home and home >= 1
    assert value(samples, "django_http_responses_total_by_status_total", status="200") >= 1
    # Database metrics come from django-prometheus's wrapper of the engine.
    assert any(name == "django_db_execute_total" for name, _ in samples)


@pytest.mark.django_db
def test_page_cache_hits_and_misses_are_counted(client):
    article = ArticleFactory(published=True)
    before = scrape(client)
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    after = scrape(client)

    def delta(result):
        name = "aiblogger_page_cache_requests_total"
        return value(after, name, result=result) - value(before, name, result=result)

    assert delta("miss") == 1
    assert delta("hit") == 1


@pytest.mark.django_db
def test_degraded_flag_and_errors_are_exported():
    metrics.set_page_cache_degraded(True)
    try:
        text = metrics.render_metrics().decode()
        assert "aiblogger_page_cache_degraded 1.0" in text
    finally:
        metrics.set_page_cache_degraded(False)
    assert "aiblogger_page_cache_degraded 0.0" in metrics.render_metrics().decode()
    before = metrics.PAGE_CACHE_ERRORS._value.get()
    metrics.page_cache_error()
    assert metrics.PAGE_CACHE_ERRORS._value.get() == before + 1


@pytest.mark.django_db
def test_newswire_and_task_collectors_are_skipped_cleanly_without_their_apps(monkeypatch):
    monkeypatch.setattr(metrics.apps, "is_installed", lambda name: False)
    text = metrics.render_metrics().decode()
    assert "aiblogger_newswire_" not in text
    assert "aiblogger_task_queue_depth" not in text
    assert "aiblogger_newsroom_metrics_up 1.0" in text


@pytest.mark.django_db
def test_newswire_families_are_exported_when_the_app_is_installed():
    text = metrics.render_metrics().decode()
    assert "aiblogger_newsroom_metrics_up 1.0" in text
    if not metrics.apps.is_installed("newswire"):
        pytest.skip("the newswire app is not installed in this tree yet")
    for name in (
        "aiblogger_newswire_items",
        "aiblogger_newswire_source_last_success_timestamp_seconds",
        "aiblogger_newswire_source_stale",
    ):
        assert f"# TYPE {name} gauge" in text


def test_a_database_failure_gives_metrics_up_0_not_an_error(db, monkeypatch):
    from django.db import DatabaseError

    def broken():
        raise DatabaseError("server has gone away")

    collector = metrics.NewsroomCollector()
    monkeypatch.setattr(collector, "_articles", broken)
    broken.__name__ = "_articles"
    families = {f.name: f for f in collector.collect()}
    assert families["aiblogger_newsroom_metrics_up"].samples[0].value == 0


def read_prom(path):
    found = {}
    for family in text_string_to_metric_families(path.read_text()):
        for sample in family.samples:
            found[sample.name] = (sample.labels, sample.value)
    return found


def test_job_metrics_are_written_atomically_and_keep_the_last_success(tmp_path):
    path = metrics.write_job_metrics("publish_due", success=True, duration=1.5, directory=tmp_path)
    assert path == tmp_path / "aiblogger_job_publish_due.prom"
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    first = read_prom(path)
    assert first["aiblogger_job_success"] == ({"task": "publish_due"}, 1)
    assert first["aiblogger_job_duration_seconds"][1] == 1.5
    success_at = first["aiblogger_job_last_success_timestamp_seconds"][1]
    assert abs(success_at - time.time()) < 60

    metrics.write_job_metrics(
        "publish_due", success=False, duration=0.2, directory=tmp_path, now=success_at + 60
    )
    second = read_prom(path)
    assert second["aiblogger_job_success"][1] == 0
    assert second["aiblogger_job_last_run_timestamp_seconds"][1] == success_at + 60
    assert second["aiblogger_job_last_success_timestamp_seconds"][1] == success_at
    # Nothing half-written is left beside it.
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_job_metrics_need_a_directory_and_a_plain_name(tmp_path):
    assert metrics.write_job_metrics("x", success=True, duration=0, directory="") is None
    with pytest.raises(ValueError):
        metrics.write_job_metrics('x"} 1\nevil', success=True, duration=0, directory=tmp_path)


@pytest.mark.django_db
def test_publish_due_writes_its_textfile(tmp_path):
    with override_settings(METRICS_TEXTFILE_DIR=str(tmp_path)):
        call_command("publish_due", stdout=open(os.devnull, "w"))  # noqa: SIM115
    found = read_prom(tmp_path / "aiblogger_job_publish_due.prom")
    assert found["aiblogger_job_success"] == ({"task": "publish_due"}, 1)


@pytest.mark.django_db
def test_publish_due_records_a_failure(tmp_path, monkeypatch):
    from articles.management.commands import publish_due

    def fail(self):
        raise RuntimeError("database gone")

    monkeypatch.setattr(publish_due.Command, "_publish_due", fail)
    with override_settings(METRICS_TEXTFILE_DIR=str(tmp_path)), pytest.raises(RuntimeError):
        call_command("publish_due")
    found = read_prom(tmp_path / "aiblogger_job_publish_due.prom")
    assert found["aiblogger_job_success"][1] == 0
    assert found["aiblogger_job_last_success_timestamp_seconds"][1] == 0


def test_backup_script_writes_its_textfile_on_success_and_failure(tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "mysql" not in db["ENGINE"]:
        pytest.skip("backup-db.sh dumps MySQL/MariaDB only")
    url = f"mysql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}"
    env = dict(os.environ, METRICS_TEXTFILE_DIR=str(tmp_path), DATABASE_URL=f"{url}/{db['NAME']}")
    script = str(REPO / "scripts" / "backup-db.sh")
    subprocess.run([script, str(tmp_path / "dumps")], env=env, check=True, capture_output=True)
    path = tmp_path / "aiblogger_job_backup.prom"
    good = read_prom(path)
    assert good["aiblogger_job_success"] == ({"task": "backup"}, 1)
    env["DATABASE_URL"] = f"{url}/no_such_database_here"
    failed = subprocess.run([script, str(tmp_path / "dumps")], env=env, capture_output=True)
    assert failed.returncode != 0
    bad = read_prom(path)
    assert bad["aiblogger_job_success"][1] == 0
    assert (
        bad["aiblogger_job_last_success_timestamp_seconds"][1]
        == good["aiblogger_job_last_success_timestamp_seconds"][1]
    )


def test_cache_backend_counts_hits_and_misses_and_keeps_falsy_values():
    from django_prometheus.cache.metrics import django_cache_hits_total, django_cache_misses_total

    cache = LocMemCache("metrics-test", {})
    hits = django_cache_hits_total.labels(backend="locmem")
    misses = django_cache_misses_total.labels(backend="locmem")
    hits_before, misses_before = hits._value.get(), misses._value.get()
    cache.set("zero", 0)
    assert cache.get("zero", "default") == 0
    assert cache.get("absent", "default") == "default"
    assert hits._value.get() == hits_before + 1
    assert misses._value.get() == misses_before + 1


def test_gunicorn_child_exit_marks_the_dead_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for mode in ("livemax", "liveall", "max"):
        (tmp_path / f"gauge_{mode}_4242.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")
    config = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    config["child_exit"](None, SimpleNamespace(pid=4242))
    left = sorted(p.name for p in tmp_path.iterdir())
    # Live gauges of the dead worker go; its counters keep counting in the sums.
    assert left == ["counter_4242.db", "gauge_max_4242.db"]
