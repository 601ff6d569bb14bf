"""Grafana dashboards: valid JSON, the provisioned data source, and only metrics that exist.

The names are checked against a real scrape of the application (Django's test
client), a real node_exporter run here, and the other exporters' scrapes kept in
tests/fixtures/exporters/ (captured from Debian 12's exporter packages; `make
deploy-test` checks them again against the exporters running in its host).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.apps import apps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import check_dashboards  # noqa: E402

ROLE = REPO / "ansible" / "roles" / "monitoring"
DASHBOARDS = ROLE / "files" / "dashboards"
FIXTURES = REPO / "tests" / "fixtures" / "exporters"
# Collected at scrape time only when their apps are installed (aiblogger/metrics.py).
NEWSWIRE_PREFIXES = ("aiblogger_newswire_", "aiblogger_task_queue_", "aiblogger_tasks_")


def test_metric_names_are_read_from_promql():
    expr = (
        "sum by (view, le) (rate(django_http_requests_latency_seconds_by_view_method_bucket"
        '{status=~"5..", view!="x"}[5m])) / on (instance) group_left up'
        " or absent(aiblogger_job_success) > 14 * 86400 - time()"
    )
    assert check_dashboards.metric_names(expr) == {
        "django_http_requests_latency_seconds_by_view_method_bucket",
        "up",
        "aiblogger_job_success",
    }


def test_dashboards_are_valid_and_use_the_provisioned_data_source():
    paths = check_dashboards.dashboards(DASHBOARDS)
    titles = " ".join(p.stem for p in paths)
    for topic in ("traffic", "errors", "database", "cache", "nginx", "host", "newswire"):
        assert topic in titles
    problems = [p for path in paths for p in check_dashboards.problems_in(path)]
    assert not problems, problems
    uids = [json.loads(p.read_text())["uid"] for p in paths]
    assert len(set(uids)) == len(uids)
    grafana = yaml.safe_load((ROLE / "tasks" / "grafana.yml").read_text())
    role = next(task for task in grafana if "ansible.builtin.include_role" in task)
    datasources = role["vars"]["grafana_datasources"]
    assert [d["uid"] for d in datasources] == [check_dashboards.DATASOURCE_UID]


@pytest.fixture
def app_scrape(client, db):
    from articles.tests.factories import ArticleFactory

    article = ArticleFactory(published=True)
    for path in ("/", article.get_absolute_url(), "/no-such-page/", "/healthz"):
        client.get(path)
    # A cache backend with counters: the dashboards read django_cache_* too.
    from aiblogger.cache_backends import LocMemCache

    LocMemCache("dashboards", {}).get("absent")
    return client.get("/metrics").content.decode()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def node_scrape(tmp_path):
    """A real node_exporter's /metrics, with one job textfile for it to read."""
    binary = shutil.which("prometheus-node-exporter")
    if not binary:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must install prometheus-node-exporter (.ci/run)")
        return (FIXTURES / "node.prom").read_text()
    from aiblogger.metrics import write_job_metrics

    write_job_metrics("backup", success=True, duration=1, directory=tmp_path)
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--web.listen-address=127.0.0.1:{port}",
            f"--collector.textfile.directory={tmp_path}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    return r.read().decode()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_dashboard_metric_is_exported(app_scrape, node_scrape):
    assert "aiblogger_job_success" in node_scrape or "textfile" in node_scrape
    scrapes = [app_scrape, node_scrape]
    scrapes += [p.read_text() for p in sorted(FIXTURES.glob("*.prom")) if p.stem != "node"]
    optional = ()
    if not apps.is_installed("newswire"):
        optional = NEWSWIRE_PREFIXES
    missing = check_dashboards.missing_metrics(DASHBOARDS, scrapes, optional)
    assert not missing, missing
    # Skipped names must still be ones aiblogger/metrics.py exports.
    source = (REPO / "aiblogger" / "metrics.py").read_text()
    used = {
        name
        for path in check_dashboards.dashboards(DASHBOARDS)
        for _, expr in check_dashboards.queries(path)
        for name in check_dashboards.metric_names(expr)
        if name.startswith(NEWSWIRE_PREFIXES)
    }
    assert used and all(f'"{name}"' in source for name in used), used


def test_a_metric_nothing_exports_is_reported(tmp_path, app_scrape):
    broken = (DASHBOARDS / "aiblogger-traffic.json").read_text()
    broken = broken.replace("django_http_requests_total_by_method_total", "django_http_typo_total")
    (tmp_path / "traffic.json").write_text(broken)
    missing = check_dashboards.missing_metrics(tmp_path, [app_scrape])
    assert list(missing) == ["django_http_typo_total"]
    assert check_dashboards.main([str(tmp_path), str(FIXTURES / "nginx.prom")]) == 1
