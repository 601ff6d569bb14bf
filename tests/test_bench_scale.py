"""The bench's tables: scale (each page's p50 at each size and the ratio) and render."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_run  # noqa: E402


def size(published, p50s):
    return {
        "published": published,
        "up_seconds": 12.0,
        "paths": {"home": "/", "article": "/articles/a-1/"},
        "rows": {
            name: {"rps": 10.0, "p50": p50, "p99": p50 * 2, "errors": 0}
            for name, p50 in p50s.items()
        },
    }


def test_scale_table_gives_each_page_its_ratio_and_flags_the_slow_ones():
    scale = {
        1000: size(850, {"home": 20.0, "article": 10.0}),
        1_000_000: size(850_000, {"home": 24.0, "article": 30.0}),
    }
    config = {"scale_concurrency": 1, "rounds": 2}
    table = "\n".join(bench_run.report_scale(scale, config))
    assert "| page | p50 / p99 ms at 1,000 | p50 / p99 ms at 1,000,000 |" in table
    assert "| home | 20.0 / 40.0 | 24.0 / 48.0 | 1.20 | 0 |" in table
    assert "| article | 10.0 / 20.0 | 30.0 / 60.0 | 3.00 (over goal) | 0 |" in table
    assert "1,000,000: 850,000 published" in table


def test_make_bench_runs_the_scale_part_on_sizes_from_the_environment(monkeypatch):
    monkeypatch.setenv("BENCH_FORCE", "1")
    monkeypatch.setenv("BENCH_SIZES", "100000 300")
    monkeypatch.delenv("BENCH_PARTS", raising=False)
    config = bench_run.bench_settings()
    assert config["sizes"] == [300, 100_000]
    assert "scale" in config["parts"]


def test_render_table_gives_each_page_both_costs_and_runs_by_default(monkeypatch):
    render = {"home": [3.44, 22.58], "article": [3.05, 15.87]}
    table = "\n".join(bench_run.report_render(render, {"rounds": 2}))
    assert "| page | past the page caches, ms | after a change, ms |" in table
    assert "| home | 3.44 | 22.58 |" in table
    assert "best of 3 rounds" in table
    monkeypatch.setenv("BENCH_FORCE", "1")
    monkeypatch.delenv("BENCH_PARTS", raising=False)
    assert "render" in bench_run.bench_settings()["parts"]


def run(rps):
    return {"rps": rps, "p50": 1.0, "p99": 2.0, "errors": 0}


def test_pages_table_gives_every_ratio_as_median_and_range_of_same_round_ratios():
    """A ratio is taken inside each round, then summarised: a drift shows as a range."""
    results = {
        (bench_run.STATIC, 8): [run(1000), run(500), run(1000)],
        (bench_run.BARE, 8): [run(200), run(100), run(250)],
        (bench_run.HELLO, 8): [run(100), run(50), run(100)],
        ("home cold", 8): [run(50), run(40), run(20)],
    }
    table = "\n".join(bench_run.report_pages(results, 8))
    assert "| case | req/s | p50 ms | p99 ms | vs static | vs bare Django | vs hello |" in table
    # vs static 0.05, 0.08, 0.02; vs bare 0.25, 0.4, 0.08; vs hello 0.5, 0.8, 0.2
    assert (
        "| home cold | 40 (20–50) | 1.0 | 2.0 | 0.050 (0.020–0.080) | 0.250 (0.080–0.400) "
        "| 0.500 (0.200–0.800) | 0 |" in table
    )
    config = {"round_loads": {"pages": [0.5, 2.25, 3.0]}}
    assert bench_run.report_loads(config, "pages")[0].endswith("round: 0.50, 2.25, 3.00.")


def test_scale_table_states_the_measured_share_of_a_search_word():
    scale = {
        1000: size(850, {"home": 20.0}),
        1_000_000: size(850_000, {"home": 24.0}),
    }
    scale[1_000_000]["search_shares"] = {"harbour": [308, 2000], "officials": [2000, 2000]}
    table = "\n".join(bench_run.report_scale(scale, {"scale_concurrency": 1, "rounds": 2}))
    assert (
        "`harbour` is in 308 of the window's 2,000 newest stories at 1,000,000 (one in 6.5)"
        in table
    )


@pytest.mark.django_db
def test_bare_view_runs_no_middleware_and_every_other_path_is_the_site(monkeypatch):
    from wsgiref.util import setup_testing_defaults

    import django
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # Django is set up already; a second setup() would configure logging afresh
    # and hide later tests' log records from caplog.
    monkeypatch.setattr(django, "setup", lambda *args, **kwargs: None)
    import bench_wsgi  # noqa: I001 (after the patch above)

    def call(path):
        environ = {
            "PATH_INFO": path, "HTTP_HOST": "testserver", "wsgi.url_scheme": "https",
            "REMOTE_ADDR": "127.0.0.1", "SERVER_PORT": "443",
        }  # fmt: skip
        setup_testing_defaults(environ)
        seen = {}

        def start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, dict(headers)

        # As Django's test client does: the test's transaction keeps its connection.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            body = b"".join(bench_wsgi.application(environ, start_response))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return seen["status"], seen["headers"], body

    status, headers, body = call("/bench/bare/")
    assert (status, body) == ("200 OK", b"hello\n")
    assert "X-Frame-Options" not in headers and "Content-Security-Policy" not in headers
    status, headers, _ = call("/robots.txt")
    assert status == "200 OK"
    assert "X-Frame-Options" in headers or "Content-Security-Policy" in headers
    status, _, _ = call("/bench/bare/more")
    assert status.startswith("404")
