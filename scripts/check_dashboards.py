"""Check the Grafana dashboards: valid JSON, one data source, and no metric that nothing exports.

Usage: check_dashboards.py [--optional PREFIX]... DASHBOARD_DIR SCRAPE_FILE...

Each SCRAPE_FILE is a Prometheus text exposition (an exporter's or the app's
/metrics). Every metric name a dashboard query uses must appear in one of them,
as a sample or as a # TYPE line; names starting with an --optional prefix may
be absent (series that appear only after their first event). Prints what is
missing and exits 1. Used by tests/test_dashboards.py and scripts/deploy-test.sh.
"""

import argparse
import json
import re
import sys
from pathlib import Path

DATASOURCE_UID = "prometheus"  # the data source the monitoring role provisions

# PromQL words that look like metric names.
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "inf", "nan", "le",
}  # fmt: skip
# Series Prometheus writes itself for every target.
SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
}


def metric_names(expr):
    """The metric names a PromQL expression reads."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # range selectors
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\$\w+", "", text)  # Grafana variables
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end() :].lstrip()
        if following.startswith("(") or word.lower() in KEYWORDS:
            continue  # a function or a keyword
        if re.fullmatch(r"\d+[smhdwy]?", word) or word[0].isdigit():
            continue
        names.add(word)
    return names


def dashboards(directory):
    return sorted(Path(directory).glob("*.json"))


def queries(path):
    """(panel title, expression) for every target of every panel, rows included."""
    data = json.loads(Path(path).read_text())
    found = []

    def walk(panels):
        for panel in panels:
            walk(panel.get("panels", []))
            for target in panel.get("targets", []):
                found.append((panel.get("title", "?"), target.get("expr", "")))

    walk(data.get("panels", []))
    return found


def problems_in(path):
    """Structural problems of one dashboard file, as text."""
    try:
        data = json.loads(Path(path).read_text())
    except ValueError as exc:
        return [f"{path.name}: invalid JSON: {exc}"]
    problems = []
    for key in ("uid", "title", "panels"):
        if not data.get(key):
            problems.append(f"{path.name}: no {key}")
    if not queries(path):
        problems.append(f"{path.name}: no queries")
    for panel in data.get("panels", []):
        uids = [panel.get("datasource", {}).get("uid")]
        uids += [t.get("datasource", {}).get("uid") for t in panel.get("targets", [])]
        if any(uid != DATASOURCE_UID for uid in uids):
            problems.append(f"{path.name}: panel {panel.get('title')!r} uses data source {uids}")
        if not all(t.get("expr", "").strip() for t in panel.get("targets", [])):
            problems.append(f"{path.name}: panel {panel.get('title')!r} has an empty query")
    return problems


def exposed(text):
    """Every sample name a text exposition offers, from its samples and # TYPE lines."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) >= 4:
                name, kind = parts[2], parts[3]
                names.add(name)
                names.update(name + suffix for suffix in SUFFIXES.get(kind, ()))
                if kind == "counter" and name.endswith("_total"):
                    names.add(name.removesuffix("_total"))
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def missing_metrics(directory, scrapes, optional=()):
    """{metric: [where used]} for names no scrape offers."""
    offered = set(SYNTHETIC)
    for text in scrapes:
        offered |= exposed(text)
    missing = {}
    for path in dashboards(directory):
        for title, expr in queries(path):
            for name in metric_names(expr):
                if name in offered or name.startswith(tuple(optional)):
                    continue
                missing.setdefault(name, []).append(f"{path.name}: {title}")
    return missing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optional", action="append", default=[])
    parser.add_argument("directory")
    parser.add_argument("scrapes", nargs="+")
    args = parser.parse_args(argv)
    problems = [p for path in dashboards(args.directory) for p in problems_in(path)]
    texts = [Path(path).read_text() for path in args.scrapes]
    missing = missing_metrics(args.directory, texts, args.optional)
    for name, used in missing.items():
        problems.append(f"{name}: not exported (used in {', '.join(used)})")
    for problem in problems:
        print(problem)
    paths = dashboards(args.directory)
    count = sum(len(queries(path)) for path in paths)
    print(f"{len(paths)} dashboards, {count} queries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
