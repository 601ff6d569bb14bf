"""docker-compose.yml's search service: the searchd configuration compose's setup renders
(scripts/stack_docker.py) starts Debian's searchd with both indexes, and the app's
SEARCH_URL names that service, port and index. (No Docker engine here: the image
stage is checked by `make image-test`'s kind of machine; this runs the same binary.)"""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack_docker  # noqa: E402

from articles.search import sphinx  # noqa: E402


def test_compose_points_the_app_at_the_search_service_it_configures():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["search"]["build"]["target"] == "search"
    assert "FROM debian:bookworm-slim AS search" in (ROOT / "Dockerfile").read_text()
    url = f"sphinx://search:{stack_docker.SEARCH_PORT}/articles"
    for name in ("app", "worker", "timers", "migrate"):
        assert services[name]["environment"]["SEARCH_URL"] == url, name
    # The rendered configuration reaches searchd through a volume setup writes.
    setup = services["setup"]["volumes"]
    assert "search-conf:/out/search" in setup
    assert "search-conf:/etc/aiblogger-search:ro" in services["search"]["volumes"]
    assert services["timers"]["depends_on"]["search"]["condition"] == "service_healthy"


@pytest.mark.skipif(not shutil.which("searchd"), reason="Debian's sphinxsearch is not installed")
def test_the_compose_configuration_starts_searchd_with_both_indexes(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = stack_docker.search_config(
        data_dir=str(tmp_path), log_dir=str(tmp_path), run_dir=str(tmp_path),
        address="127.0.0.1", port=port,
    )  # fmt: skip
    assert f"listen = 127.0.0.1:{port}:mysql41" in text
    config = tmp_path / "compose.conf"
    config.write_text(text)
    # searchd forks into the background once it listens (as LocalSearchd starts it).
    subprocess.run(["searchd", "--config", str(config)], check=True, capture_output=True)  # noqa: S603, S607
    try:
        backend = sphinx.Backend(f"sphinx://127.0.0.1:{port}/articles")
        tables = {row[0] for row in backend._run([("SHOW TABLES", None)])}
        assert tables == {"articles", sphinx.ITEMS_INDEX}
    finally:
        subprocess.run(["searchd", "--config", str(config), "--stopwait"], capture_output=True)  # noqa: S603, S607
