"""Train the join decision of newswire/events.py on labelled development sets.

    .venv/bin/python newswire/tests/eval/train_join.py dev.jsonl devreal_a.jsonl:2 ...

(paths; ":2" counts a set's pairs twice: the hand-written sets' real wording against the
template-written dev.jsonl's many look-alikes).

Each report of a set is streamed, in time order, into its true events (as Miranda et al. train
theirs): every candidate event the engine finds for it gives one example, JOIN_FEATURES of the
pair, labelled 1 when the candidate is the report's own event (candidates with no name in
common are left to the engine's rule for them). A logistic regression (L2,
Newton's method, numpy) is fitted to them; the script prints JOIN_WEIGHTS to paste into
events.py. Never give it the held-out or independent sets: their figures must stay unseen.
"""

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.dev")

L2 = 1.0  # ridge on the weights (not the bias): a few hundred events, keep them tame


def examples(path):
    from newswire import evaluation, events

    items = evaluation.load_jsonl(path)
    docs = evaluation.docs_of(items)
    gold = {item["id"]: item["event"] for item in items}
    copies = {item["id"] for item in items if item["duplicate_of"]}
    engine = events.Engine(list(docs))
    rows, labels = [], []
    for doc in sorted(docs, key=lambda d: (d.hours, d.key)):
        if doc.key not in copies:
            for event in engine._candidates(doc):
                features = engine.pair(doc, event)
                if not features[events.JOIN_FEATURES.index("shared_names")]:
                    continue  # no name in common: Engine.unnamed's rule decides, not this
                rows.append(features)
                labels.append(1.0 if event.key == gold[doc.key] else 0.0)
        engine._join(doc, gold[doc.key])
    return np.array(rows), np.array(labels)


def fit(x, y, l2=L2, steps=50, weights=None):
    """Weights of the logistic regression; `weights` (one a pair) count some pairs more."""
    weights = np.ones(len(y)) if weights is None else weights
    w = np.zeros(x.shape[1])
    ridge = np.full(x.shape[1], l2)
    ridge[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (weights * (p - y)) + ridge * w
        hessian = (x * (weights * p * (1 - p))[:, None]).T @ x + np.diag(ridge)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def main(args):
    import django

    django.setup()
    from newswire import events

    paths, weights, parts = [], [], []
    for arg in args:
        path, _, weight = str(arg).partition(":")
        paths.append(arg)
        parts.append(examples(path))
        weights.append(np.full(len(parts[-1][1]), float(weight or 1)))
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    w = fit(x, y, weights=np.concatenate(weights))
    names = ", ".join(Path(str(p)).name for p in paths)
    print(f"# {len(y)} pairs, {int(y.sum())} joins, from {names}")
    print("JOIN_WEIGHTS = (")
    for name, value in zip(events.JOIN_FEATURES, w, strict=True):
        print(f"    {value:.4f},  # {name}")
    print(")")


if __name__ == "__main__":
    main(sys.argv[1:] or [Path(__file__).with_name("dev.jsonl")])
