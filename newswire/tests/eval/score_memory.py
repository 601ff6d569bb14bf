"""Score the event grouping in memory over the development data, as right and wrong pairs.

    .venv/bin/python newswire/tests/eval/score_memory.py --save before
    .venv/bin/python newswire/tests/eval/score_memory.py --base before HEADLINE_WORDS=0

Runs newswire/events.py's Engine as assist.process_items drives it in evaluate_assist (every
item new, one run: each report added in time order, then Engine.finish) on
evaluation.docs_of's reports, whose language and embeddings are cached under var/ (keyed by
the file's bytes and the model). The figures equal `manage.py evaluate_assist --json`'s
(checked on dev.jsonl and devreal.jsonl, 2026-12-06): 13-18 s for the fifteen sets on two
shared cores once their reports are cached, about 30 s the first time. Each set is scored
alone; devreal in one and each of its parts. Prints pairwise precision / recall per language
and the same-event pairs it made, right and wrong (pairs of items with a labelled language,
in one language or across two; copies counted). NAME=VALUE (JSON) sets a constant of
newswire.events first; --base compares with a saved run: the right and wrong pairs gained and
lost per set, and every figure that changed. The pickles under var/eval_cache/ are this
script's own, never another's.

Only development data: dev.jsonl, devreal/, and the held-out sets that have informed
decisions already (heldout.jsonl, independent/, unseen/ to unseen3/, read as development data
since the fourth round; unseen4/ and unseen5/ since they judged the headline round,
ROUNDS.md). unseen6/ is never listed: it is the held-out set read once before and once after
the next round.
"""

import copy
import hashlib
import json
import os
import pickle
import sys
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EVAL = Path(__file__).resolve().parent
CACHE = ROOT / "var" / "eval_cache"
SETS = {
    "dev": EVAL / "dev.jsonl",
    "heldout": EVAL / "heldout.jsonl",
    "independent": EVAL / "independent" / "independent.jsonl",
    "unseen": EVAL / "unseen" / "unseen.jsonl",
    "unseen2": EVAL / "unseen2" / "unseen2.jsonl",
    "unseen3": EVAL / "unseen3" / "unseen3.jsonl",
    "unseen4": EVAL / "unseen4" / "unseen4.jsonl",
    "unseen5": EVAL / "unseen5" / "unseen5.jsonl",
    "devreal": EVAL / "devreal" / "devreal.jsonl",
    **{f"devreal_{p}": EVAL / "devreal" / f"devreal_{p}.jsonl" for p in "abcdefgh"},
}
PARTS = {  # the older held-out sets' parts: --sets parts
    **{f"unseen_{p}": EVAL / "unseen" / f"unseen_{p}.jsonl" for p in "xyz"},
    **{f"unseen2_{p}": EVAL / "unseen2" / f"unseen2_{p}.jsonl" for p in "uvw"},
    **{f"unseen3_{p}": EVAL / "unseen3" / f"unseen3_{p}.jsonl" for p in "rst"},
    **{f"unseen4_{p}": EVAL / "unseen4" / f"unseen4_{p}.jsonl" for p in "ijk"},
    **{f"unseen5_{p}": EVAL / "unseen5" / f"unseen5_{p}.jsonl" for p in "lmn"},
}
FORBIDDEN = ("unseen6",)
assert not any(word in str(path) for path in {**SETS, **PARTS}.values() for word in FORBIDDEN)


def prepared(name):
    """(items, docs) of a set; a doc's key is its item's index (the database's pk order)."""
    from newswire import assist, evaluation

    path = {**SETS, **PARTS}[name]
    digest = hashlib.sha256(path.read_bytes() + str(assist.model_id()).encode()).hexdigest()[:12]
    cached = CACHE / f"{name}-{digest}.pickle"
    if cached.exists():
        return pickle.loads(cached.read_bytes())  # noqa: S301 (written by this script)
    items = evaluation.load_jsonl(path)
    docs = evaluation.docs_of(items)
    for n, doc in enumerate(docs):
        doc.key = n
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps((items, docs)))
    return items, docs


def run(docs):
    """{doc key: (event, duplicate of, language)} as process_items places a run's reports."""
    from newswire import events

    docs = copy.deepcopy(docs)
    engine = events.Engine(list(docs))
    placed = {doc.key: engine.add(doc) for doc in sorted(docs, key=lambda d: (d.hours, d.key))}
    merged = engine.finish()
    language = {doc.key: doc.language for doc in docs}
    return {k: (merged.get(e, e), d, language[k]) for k, (e, d) in placed.items()}


def pairs(items, predicted):
    """(right, wrong): sets of (key, key, language or "cross") placed in one event."""
    from newswire.models import language_code

    gold = [item["event"] for item in items]
    lang = [language_code(item["language"]) for item in items]
    by_event = {}
    for key, (event, _d, _l) in predicted.items():
        by_event.setdefault(event, []).append(key)
    right, wrong = set(), set()
    for keys in by_event.values():
        for a, b in combinations(sorted(keys), 2):
            if lang[a] and lang[b]:
                kind = lang[a] if lang[a] == lang[b] else "cross"
                (right if gold[a] == gold[b] else wrong).add((a, b, kind))
    return right, wrong


def score_set(name):
    """(evaluation.score's metrics, right pairs, wrong pairs) of one set."""
    from newswire import evaluation

    items, docs = prepared(name)
    predicted = run(docs)
    by_id = {
        items[k]["id"]: (event, items[d]["id"] if d is not None else None, language)
        for k, (event, d, language) in predicted.items()
    }
    return (evaluation.score(items, by_id), *pairs(items, predicted))


def _row(metrics):
    return " ".join(
        f"{lang} {s['pairwise']['precision']:.3f}/{s['pairwise']['recall']:.3f}"
        for lang, s in metrics["events"].items()
    )


def compare(old, new):
    total = Counter()
    for name, (metrics, right, wrong) in new.items():
        if name not in old:
            continue
        old_metrics, old_right, old_wrong = old[name]
        changed = []
        for lang, scores in metrics["events"].items():
            after = scores["pairwise"]
            before = old_metrics["events"].get(lang, {}).get("pairwise", after)
            if (before["precision"], before["recall"]) != (after["precision"], after["recall"]):
                changed.append(
                    f"{lang} {before['precision']:.3f}/{before['recall']:.3f}->"
                    f"{after['precision']:.3f}/{after['recall']:.3f}"
                )
        gains = {
            "right+": len(right - old_right), "right-": len(old_right - right),
            "wrong+": len(wrong - old_wrong), "wrong-": len(old_wrong - wrong),
        }  # fmt: skip
        print(f"{name:<12} " + " ".join(f"{k} {v}" for k, v in gains.items()), *changed)
        if "_" not in name:  # the sets, not their parts (devreal in one counts once)
            total.update(gains)
    print("all sets:", dict(total))


def main(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from newswire import events

    save = base = None
    names = list(SETS)
    while args and args[0].startswith("--"):
        flag, value = args.pop(0), args.pop(0)
        if flag == "--save":
            save = value
        elif flag == "--base":
            base = value
        elif flag == "--sets":
            names = list(PARTS) if value == "parts" else value.split(",")
    for arg in args:
        name, _, value = arg.partition("=")
        if not hasattr(events, name):
            raise SystemExit(f"newswire.events has no {name}")
        setattr(events, name, json.loads(value))
    results, started = {}, time.monotonic()
    for name in names:
        results[name] = score_set(name)
        metrics, right, wrong = results[name]
        print(f"{name:<12} right {len(right):6,} wrong {len(wrong):5,}  {_row(metrics)}")
    print(f"{time.monotonic() - started:.1f} s")
    if save:
        (CACHE / f"run-{save}.pickle").write_bytes(pickle.dumps(results))
    if base:
        old = pickle.loads((CACHE / f"run-{base}.pickle").read_bytes())  # noqa: S301 (ours)
        compare(old, results)


if __name__ == "__main__":
    main(sys.argv[1:])
