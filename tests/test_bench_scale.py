"""The bench's tables: scale (each page's p50 at each size and the ratio) and render."""

import sys
from pathlib import Path

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
