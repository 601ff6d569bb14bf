"""Search's snippets (articles.search.snippet) for one results page: 20 bodies of news-like
text (articles/demotext.py) with the query word's other form only at their ends, and a
query whose words are in no body (each body scanned whole), with no stemmer (exact
words), Snowball's English (Sphinx) and Porter's (FTS5), each round with a cold stem cache.

    .venv/bin/python scripts/bench_snippets.py [body characters, default 50000] [rounds]

Prints the median and the fastest round per case; nothing is written.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.test")

import django  # noqa: E402

django.setup()

from articles import search  # noqa: E402
from articles.demotext import NewsText  # noqa: E402

QUERIES = {"a form at the end": ["avalanche"], "in no body": ["zeppelin", "tram"]}
STEMMERS = (None, "english", "porter")


def bodies(size, count=20):
    text = NewsText(seed=3)
    made = []
    for n in range(count):
        rng = random.Random(n)
        parts = []
        while sum(map(len, parts)) < size:
            parts.append(text.paragraphs(rng, 1))
        made.append("\n\n".join(parts)[: size - 30] + " Avalanches were reported.")
    return made


def main(size=50_000, rounds=9):
    page = bodies(size)
    load = os.getloadavg()[0]
    print(f"20 snippets of {size:,}-character bodies, {rounds} rounds, load average {load:.2f}")
    for case, terms in QUERIES.items():
        times = {stemmer: [] for stemmer in STEMMERS}
        for _ in range(rounds):
            for stemmer in STEMMERS:  # interleaved: the machine's load falls on each alike
                search.stem.cache_clear()
                start = time.perf_counter()
                for body in page:
                    search.snippet(body, terms, stemmer=stemmer)
                times[stemmer].append(time.perf_counter() - start)
        for stemmer, taken in times.items():
            print(
                f"{case:18} {stemmer or 'exact words':12} median "
                f"{statistics.median(taken) * 1000:6.1f} ms, fastest {min(taken) * 1000:6.1f} ms"
            )


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
