"""/metrics through the real Nginx and gunicorn: who may read it, and multiprocess counting."""

import http.client
import os
import signal
import subprocess
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import MONITORING_HOST

pytestmark = pytest.mark.stack

READER = "127.0.0.2"  # any address that is neither loopback's 127.0.0.1 nor the monitoring host


def samples(text):
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def healthz_count(text):
    key = (
        "django_http_requests_latency_seconds_by_view_method_count",
        (("method", "GET"), ("view", "healthz")),
    )
    return samples(text).get(key, 0)


def status_server(stack, path):
    conn = http.client.HTTPConnection("127.0.0.1", stack.status_port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/metrics", "/metrics?format=text", "//metrics", "/%6detrics"])
def test_a_reader_gets_404_for_metrics(client, path):
    r = client.get(path, source=READER)
    assert r.status == 404, f"{path} from {READER} gave {r.status}"
    assert "django_http" not in r.text


def test_loopback_and_the_monitoring_host_get_metrics_never_cached(client):
    for source in ("127.0.0.1", MONITORING_HOST):
        first = client.get("/metrics", source=source)
        assert first.status == 200, f"/metrics from {source} gave {first.status}"
        assert first.headers["Content-Type"].startswith("text/plain")
        assert "django_http_requests_total_by_method_total" in first.text
        assert 'aiblogger_articles{state="published"}' in first.text
        assert "no-store" in first.headers["Cache-Control"]
        assert first.headers.get("X-Cache-Status") is None
        second = client.get("/metrics", source=source)
        assert healthz_count(second.text) >= healthz_count(first.text)
        assert first.text != second.text, "the second scrape was a cached copy"


def test_loopback_status_server_serves_metrics_and_stub_status_only(stack):
    status, body = status_server(stack, "/stub_status")
    assert status == 200 and body.startswith("Active connections:"), body[:100]
    status, body = status_server(stack, "/metrics")
    assert status == 200 and "aiblogger_newsroom_metrics_up 1.0" in body, body[:300]
    assert status_server(stack, "/")[0] == 404
    assert status_server(stack, "/admin/")[0] == 404


def test_a_scrape_counts_every_workers_requests(stack, client):
    """Multiprocess mode: without it a scrape would see only the worker that answered."""
    before = healthz_count(client.get("/metrics").text)
    total, results, lock = 120, [], threading.Lock()
    numbers = iter(range(total))

    def worker():
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            status = client.get(f"/healthz?metrics={n}").status  # unique: not microcached
            with lock:
                results.append(status)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(200) == total
    pids = {name.rsplit("_", 1)[-1] for name in os.listdir(stack.tmp / "metrics")}
    assert len(pids) >= 2, f"one worker answered everything ({pids}): the test proves nothing"
    after = healthz_count(client.get("/metrics").text)
    assert after - before == total


def _workers(master):
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return {int(pid) for pid in out.split()}


def test_a_killed_worker_is_marked_dead_and_its_counts_stay(stack, client):
    master = stack.app_pid()
    workers = _workers(master)
    assert workers, "no gunicorn workers found"
    victim = min(workers)
    live_gauge = stack.tmp / "metrics" / f"gauge_livemax_{victim}.db"
    assert live_gauge.exists(), sorted(os.listdir(stack.tmp / "metrics"))
    before = healthz_count(client.get("/metrics").text)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while live_gauge.exists() or len(_workers(master)) < len(workers):
        assert time.monotonic() < deadline, "child_exit did not mark the worker dead"
        time.sleep(0.1)
    # The dead worker's counters still count: totals never go backwards.
    assert healthz_count(client.get("/metrics").text) >= before
    assert client.get("/healthz").status == 200
