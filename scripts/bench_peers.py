"""aiblogger beside a minimal Wagtail news site on the same articles (`make bench-peers`).

For each size in BENCH_PEERS_SIZES ("1000 10000"), aiblogger is seeded with that
many articles and the Wagtail peer (scripts/wagtail_peer/) loads the published
ones; both run at once on loopback with the same gunicorn.conf.py and the same
Nginx template, and wrk drives their home and article pages, cold and warm, in
interleaved rounds. Wagtail lives in its own virtualenv under
BENCH_PEERS_CACHE (/var/cache/aiblogger-bench-peers), never in aiblogger's.
Writes bench-results/peers.md. A benchmark: nothing passes or fails on a number.
"""

# ruff: noqa: S603 (fixed command lines)
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import (  # noqa: E402
    COLD_SCRIPT,
    Bench,
    bench_settings,
    fmt,
    merge,
    per_round_ratios,
    report_loads,
    spread,
    start_round,
    stop_on_signals,
)
from stack_lib import REPO, Stack, StackError  # noqa: E402

PEER_DIR = REPO / "scripts" / "wagtail_peer"
CACHE = Path(os.environ.get("BENCH_PEERS_CACHE", "/var/cache/aiblogger-bench-peers"))
WAGTAIL = "wagtail==8.0.1"
# The peer runs the same server and driver as aiblogger (requirements.txt's pins).
PEER_PACKAGES = [WAGTAIL, "gunicorn==27.0.1", "mysqlclient==2.3.1", "django-environ==0.14.0"]


def peer_venv():
    """Wagtail's own virtualenv, made once and kept outside the checkout."""
    venv = CACHE / ("venv-" + WAGTAIL.replace("==", "-"))
    if not (venv / ".installed").exists():
        print(f"bench-peers: installing {WAGTAIL} into {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", *PEER_PACKAGES]
        subprocess.run(pip, check=True)
        (venv / ".installed").touch()
    return venv


def stacks(size, venv):
    quiet = {"GUNICORN_ACCESS_LOG": ""}
    offset = int(os.environ.get("STACK_PORT_OFFSET", "0"))
    ours = Stack(
        db_name=f"aiblogger_peers_{size}",
        host="localhost",
        http_port=18082 + offset,
        https_port=18445 + offset,
        app_env=quiet,
        access_log=False,
        media_root=REPO / "var" / "bench-peers-media",
    )
    peer = Stack(
        db_name=f"aiblogger_peers_wagtail_{size}",
        host="localhost",
        http_port=18083 + offset,
        https_port=18446 + offset,
        app_env={
            **quiet,
            "DJANGO_SETTINGS_MODULE": "peer.settings",
            "GUNICORN_WSGI_APP": "peer.wsgi:application",
        },
        access_log=False,
        app_dir=PEER_DIR,
        venv=venv,
        health_path="/",
    )
    return ours, peer


def bring_up(ours, peer, size):
    password = secrets.token_urlsafe(9)
    print(f"bench-peers: {size:,} articles in both sites", flush=True)
    ours.up(seed_articles=size, password=password, fresh=False)
    peer.create_database()
    peer.manage("migrate", "--noinput")
    peer.manage("load_stories", ours.env["DATABASE_URL"])
    peer.up(seed_articles=None, password=password, fresh=False)
    slug = ours.shell_json(
        "import json\nfrom articles.models import Article\n"
        "qs = Article.objects.published().order_by('-published_at', '-id')\n"
        "print(json.dumps(qs[qs.count() // 3].slug))"
    )
    return [
        ("home", ours, "/", peer, "/"),
        ("article", ours, f"/articles/{slug}/", peer, f"/{slug}/"),
    ]


def run_size(size, venv, config, cold_script):
    ours, peer = stacks(size, venv)
    results = {}
    try:
        pages = bring_up(ours, peer, size)
        benches = {"aiblogger": Bench(ours, config["seconds"], cold_script)}
        benches["Wagtail"] = Bench(peer, config["seconds"], cold_script)
        for _, _, our_path, _, peer_path in pages:
            benches["aiblogger"].run(our_path, 1)
            benches["Wagtail"].run(peer_path, 1)
        for round_number in range(config["rounds"]):
            start_round(config, f"peers {size:,}", round_number)
            # Alternate who goes first, so a drift in load favours no one.
            order = ["aiblogger", "Wagtail"][:: 1 if round_number % 2 == 0 else -1]
            for concurrency in config["concurrencies"]:
                for page, _, our_path, _, peer_path in pages:
                    for mode in ("cold", "warm"):
                        for site in order:
                            path = our_path if site == "aiblogger" else peer_path
                            run = benches[site].run(path, concurrency, cold=mode == "cold")
                            results.setdefault((page, mode, concurrency, site), []).append(run)
    finally:
        ours.down()
        peer.down(drop_database=True)
    return results


def report(all_results, config, started):
    lines = [
        "# aiblogger beside Wagtail",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores, "
        f"load average {config['load']:.2f} before the run. Both sites on MariaDB behind "
        "the same Nginx template and gunicorn.conf.py; wrk over HTTPS; "
        f"{config['seconds']} s per case, {config['rounds']} interleaved rounds; req/s "
        "are medians, the ratio is taken inside each round and given as median (range).",
        "",
        "| articles | page | mode | conns | aiblogger req/s | Wagtail req/s | ratio "
        "| aiblogger p50 ms | Wagtail p50 ms | errors |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, results in all_results.items():
        keys = sorted({key[:3] for key in results}, key=lambda k: (k[2], k[0], k[1]))
        for page, mode, concurrency in keys:
            our_runs = results[(page, mode, concurrency, "aiblogger")]
            peer_runs = results[(page, mode, concurrency, "Wagtail")]
            ours, peer = merge(our_runs), merge(peer_runs)
            ratio = spread(per_round_ratios(our_runs, peer_runs), 2)
            lines.append(
                f"| {size:,} | {page} | {mode} | {concurrency} | {fmt(ours['rps'])} "
                f"| {fmt(peer['rps'])} | {ratio} | {fmt(ours['p50'], 1)} "
                f"| {fmt(peer['p50'], 1)} | {ours['errors'] + peer['errors']} |"
            )
    lines.append("")
    for size in all_results:
        lines += [f"{size:,} articles. " + report_loads(config, f"peers {size:,}")[0], ""]
    lines += [f"Whole run: {time.monotonic() - started:.0f} s."]
    return "\n".join(lines) + "\n"


def main():
    stop_on_signals()
    config = bench_settings()
    sizes = [int(s) for s in os.environ.get("BENCH_PEERS_SIZES", "1000 10000").split()]
    started = time.monotonic()
    cold_script = Path(tempfile.mkstemp(suffix=".lua")[1])
    cold_script.write_text(COLD_SCRIPT)
    try:
        venv = peer_venv()
        results = {size: run_size(size, venv, config, str(cold_script)) for size in sizes}
    except (StackError, subprocess.CalledProcessError) as exc:
        sys.exit(f"bench-peers: {exc}")
    finally:
        cold_script.unlink(missing_ok=True)
    text = report(results, config, started)
    out = REPO / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "peers.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
