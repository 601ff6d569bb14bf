"""Quality of the machine assistance on a labelled set: events, duplicates, language.

`manage.py evaluate_assist --file PATH [--json]` and the test suite run it; everything it writes
is rolled back. The set is JSON Lines, one item a line (README "Machine assistance", and
newswire/tests/eval/README.md): id, event, language (may be empty), source, rights, published
(ISO 8601), title, summary, body (paragraphs separated by blank lines), duplicate_of (an id or
null). The tag suggestions are measured separately, on events.txt (`evaluate_suggestions`).
Imports newswire.assist (the models): never imported by web workers.
"""

import html
import json
import resource
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article, Section, Tag

from . import assist
from .models import Item, Source, language_code

EVAL_DIR = Path(__file__).parent / "tests" / "eval"
EVAL_FILE = EVAL_DIR / "events.txt"  # the tag-suggestion set
DEV_FILE = EVAL_DIR / "dev.jsonl"  # every threshold is chosen on this set
HELD_OUT_FILE = EVAL_DIR / "heldout.jsonl"  # never used for a choice
FIELDS = (
    "id", "event", "language", "source", "rights", "published", "title", "summary", "body",
    "duplicate_of",
)  # fmt: skip
RIGHTS = {choice.value for choice in Source.Rights}


class BadFile(ValueError):
    """The labelled set cannot be read; the message names the line and the reason."""


@dataclass
class Example:
    n: int
    event: str
    section: str
    tags: list
    language: str
    source: str
    title: str
    text: str
    copy_of: int | None = None


def load(path=EVAL_FILE):
    examples, event, first_en = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("= "):
            name, section, tags = (part.strip() for part in line[2:].split("|"))
            event = (name, section, [t.strip() for t in tags.split(",")])
            first_en = None
            continue
        language, source, title, text = (part.strip() for part in line.split("|", 3))
        copy = language.endswith("*")
        example = Example(
            len(examples), *event, language.rstrip("*"), source, title, text,
            copy_of=first_en if copy else None,
        )  # fmt: skip
        if example.language == "en" and first_en is None:
            first_en = example.n
        examples.append(example)
    return examples


class _Rollback(Exception):
    pass


def load_jsonl(path):
    """The labelled items of a JSON Lines file, checked; BadFile names the first fault."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadFile(f"{path}: cannot be read ({exc.__class__.__name__}: {exc})") from None
    items, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadFile(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise BadFile(f"{where}: not a JSON object")
        missing = [field for field in FIELDS if field not in item]
        if missing:
            raise BadFile(f"{where}: missing {', '.join(missing)}")
        for field in FIELDS:
            value = item[field]
            if field == "duplicate_of" and value is None:
                continue
            if not isinstance(value, str):
                raise BadFile(f"{where}: {field} must be a string")
        if not item["id"] or not item["event"] or not item["source"]:
            raise BadFile(f"{where}: id, event and source must not be empty")
        if item["id"] in seen:
            raise BadFile(f"{where}: id {item['id']!r} appears twice")
        if item["rights"] not in RIGHTS:
            raise BadFile(f"{where}: rights must be one of {', '.join(sorted(RIGHTS))}")
        try:
            when = datetime.fromisoformat(item["published"])
        except ValueError:
            raise BadFile(f"{where}: published is not an ISO 8601 date") from None
        item["published"] = when if when.tzinfo else when.replace(tzinfo=dt_timezone.utc)
        if not item["title"].strip():
            raise BadFile(f"{where}: title must not be empty")
        seen.add(item["id"])
        items.append(item)
    if not items:
        raise BadFile(f"{path}: no items")
    for item in items:
        if item["duplicate_of"] is not None and item["duplicate_of"] not in seen:
            raise BadFile(
                f"{path}: {item['id']} is a duplicate of unknown id {item['duplicate_of']}"
            )
    return items


def evaluate_file(path=DEV_FILE):
    """Run the assistance on a labelled set (rolled back); the metrics as one JSON-ready dict."""
    items = load_jsonl(path)
    started = time.monotonic()
    result = {}
    try:
        with transaction.atomic():
            predicted = _run(items)
            raise _Rollback
    except _Rollback:
        pass
    result = score(items, predicted)
    result["seconds"] = round(time.monotonic() - started, 2)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _body_html(item):
    parts = (part.strip() for part in item["body"].split("\n\n"))
    return "".join(f"<p>{html.escape(part)}</p>" for part in parts if part)


def docs_of(items):
    """The reports of a labelled set as the worker builds them (text cut as the database cuts
    it, language detected as for a source without one), without a database: for training the
    join decision (tests/eval/train_join.py)."""
    from . import events, fetch

    sources, docs = {}, []
    for item in items:
        when = item["published"]
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt_timezone.utc)
        summary = (item["summary"] or "")[: events.TEXT_CHARS]
        body = fetch.text_of(_body_html(item)[: events.TEXT_CHARS * 3], events.TEXT_CHARS)
        docs.append(
            events.Doc(
                key=item["id"],
                source=sources.setdefault(item["source"], len(sources)),
                language="",
                hours=when.timestamp() / 3600,
                title=item["title"][:500],
                text=summary or body,
                body=body[: events.DUPLICATE_CHARS] if summary else "",
            )  # fmt: skip
        )
    assist._languages(docs, [{"source__language": ""} for _ in docs])
    for doc, vector in zip(docs, assist.embed(f"{d.title}. {d.text}" for d in docs), strict=True):
        doc.vector = vector
    return docs


def _run(items):
    """Store the items as one newsroom's feeds would, assist them; {id: (cluster, dup, lang)}."""
    sources = {}
    rows = {}
    for n, e in enumerate(items):
        if e["source"] not in sources:
            slug = slugify(e["source"])[:40] or f"s{len(sources)}"
            sources[e["source"]] = Source.objects.create(
                name=e["source"][:200], feed_url=f"https://{slug}-{len(sources)}.eval.invalid/feed",
                rights=e["rights"],
            )  # fmt: skip
        body = _body_html(e)
        rows[e["id"]] = Item(
            source=sources[e["source"]], guid=f"eval-{n}", guid_hash=f"eval-{n}",
            url=f"https://eval.invalid/{n}", title=e["title"][:500], summary=e["summary"],
            content=body, text_hash=f"eval-{n}", first_seen_at=e["published"],
            published_at=e["published"],
        )  # fmt: skip
    Item.objects.bulk_create(rows.values(), batch_size=500)
    ids = [row.pk for row in rows.values()]
    for start in range(0, len(ids), assist.ITEMS_A_RUN):
        assist.process_items(ids[start : start + assist.ITEMS_A_RUN])
    stored = {
        pk: (cluster, duplicate, language)
        for pk, cluster, duplicate, language in Item.objects.filter(pk__in=ids).values_list(
            "pk", "cluster_id", "duplicate_of_id", "language"
        )
    }
    by_pk = {row.pk: key for key, row in rows.items()}
    return {
        key: (stored[row.pk][0], by_pk.get(stored[row.pk][1]), stored[row.pk][2])
        for key, row in rows.items()
    }


def _prf(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _pairs(counts):
    return sum(n * (n - 1) // 2 for n in counts)


def _pairwise(predicted, gold, keys, language=None):
    """Pairwise scores over the pairs of `keys`; with `language`, only pairs across languages.
    Returns (scores, same-event pairs counted)."""

    def counts(key_of):
        return (
            _pairs(Counter((predicted[k], gold[k], key_of(k)) for k in keys).values()),
            _pairs(Counter((predicted[k], key_of(k)) for k in keys).values()),
            _pairs(Counter((gold[k], key_of(k)) for k in keys).values()),
        )

    tp, pred, true = counts(lambda k: "")
    if language:  # take away the pairs within one language
        same = counts(lambda k: language[k])
        tp, pred, true = tp - same[0], pred - same[1], true - same[2]
    return _prf(tp, pred - tp, true - tp), true


def _bcubed(predicted, gold, keys):
    cells = Counter((predicted[k], gold[k]) for k in keys)
    pred = Counter(predicted[k] for k in keys)
    true = Counter(gold[k] for k in keys)
    precision = sum(cells[(predicted[k], gold[k])] / pred[predicted[k]] for k in keys) / len(keys)
    recall = sum(cells[(predicted[k], gold[k])] / true[gold[k]] for k in keys) / len(keys)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def score(items, predicted):
    """Metrics of a prediction {id: (cluster id or None, duplicate-of id or None, language)}."""
    gold = {e["id"]: e["event"] for e in items}
    # An item the assistance left without an event is an event of its own.
    cluster = {k: (c if c is not None else f"alone-{k}") for k, (c, _d, _l) in predicted.items()}
    # A label may be spelled as a feed declares it (en-US, DE): score by the language.
    language = {e["id"]: language_code(e["language"]) for e in items}
    events = {}
    for lang in sorted({lang for lang in language.values() if lang}, key=lambda x: (x != "en", x)):
        keys = [k for k in gold if language[k] == lang]
        pairwise, same_event_pairs = _pairwise(cluster, gold, keys)
        if same_event_pairs:
            events[lang] = {"pairwise": pairwise, "bcubed": _bcubed(cluster, gold, keys)}
    labelled = [k for k in gold if language[k]]
    cross, cross_pairs = _pairwise(cluster, gold, labelled, language)
    if cross_pairs:
        events["cross"] = {"pairwise": cross}
    root = {}

    def original(key):
        seen = set()
        while gold_dup.get(key) and key not in seen:
            seen.add(key)
            key = gold_dup[key]
        return key

    gold_dup = {e["id"]: e["duplicate_of"] for e in items}
    for key in gold:
        root[key] = original(key)
    found = {k: d for k, (_c, d, _l) in predicted.items() if d is not None}
    right = sum(1 for k, d in found.items() if gold_dup[k] is not None and root[d] == root[k])
    labelled_dups = sum(1 for d in gold_dup.values() if d is not None)
    duplicates = {
        "precision": round(right / len(found), 4) if found else 1.0,
        "recall": round(right / labelled_dups, 4) if labelled_dups else 1.0,
    }

    accuracy = sum(language_code(predicted[k][2]) == language[k] for k in labelled)
    return {
        "events": events,
        "duplicates": duplicates,
        "language_accuracy": round(accuracy / len(labelled), 4) if labelled else 1.0,
    }


def report_file(metrics, path):
    """The metrics of evaluate_file as a short table."""
    lines = [f"{path}", "events       pairwise P / R / F1      B-cubed P / R / F1"]
    for lang, scores in metrics["events"].items():
        pair = scores["pairwise"]
        row = f"{lang:<12} {pair['precision']:.3f} / {pair['recall']:.3f} / {pair['f1']:.3f}"
        if "bcubed" in scores:
            b = scores["bcubed"]
            row += f"    {b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f}"
        lines.append(row)
    dup = metrics["duplicates"]
    lines.append(f"duplicates   precision {dup['precision']:.3f} recall {dup['recall']:.3f}")
    lines.append(f"language accuracy {metrics['language_accuracy']:.3f}")
    lines.append(f"{metrics['seconds']:.1f} s, peak RSS {metrics['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


# Tag and section suggestions, on events.txt -------------------------------------------------


def _ratio(a, b):
    return a / b if b else None


def evaluate_suggestions(path=EVAL_FILE):
    """Tag and section suggestions on events.txt, inside a transaction that is rolled back."""
    result = {}
    try:
        with transaction.atomic():
            result = _tags(load(path), list(dict.fromkeys(e.event for e in load(path))))
            raise _Rollback
    except _Rollback:
        pass
    return result


def _tags(examples, events):
    """Tag suggestions: published articles of 3 in 4 events train, the 4th event's are held out."""
    held_out = {event for i, event in enumerate(events) if i % 4 == 3}
    tags, sections = {}, {}
    articles = []
    for e in examples:
        if e.language != "en" or e.copy_of is not None:
            continue
        section = (
            sections.get(e.section)
            or Section.objects.get_or_create(
                slug=f"eval-{slugify(e.section)}", defaults={"name": f"{e.section} (eval)"}
            )[0]
        )
        sections[e.section] = section
        train = e.event not in held_out
        article = Article.objects.create(
            title=e.title, slug=f"eval-{e.n}", standfirst=e.text[:300], body=e.text,
            section=section if train else None,
            status=Article.Status.PUBLISHED if train else Article.Status.DRAFT,
            published_at=timezone.now() - timedelta(days=1) if train else None,
        )  # fmt: skip
        if train:
            for name in e.tags:
                if name not in tags:
                    tags[name] = Tag.objects.get_or_create(
                        slug=f"eval-{name}", defaults={"name": f"eval {name}"}
                    )[0]
            article.set_tags([tags[name] for name in e.tags])
        articles.append((article, e, train))
    for article, _e, train in articles:
        if train:
            assist.process_article(article.pk)
    result = {"trained_on": assist.train_suggesters()}
    precision, section_right, tested = 0.0, 0, 0
    by_id = {tag.pk: name for name, tag in tags.items()}
    section_name = {section.pk: name for name, section in sections.items()}
    for article, e, train in articles:
        if train:
            continue
        vector = assist.embed([assist.article_text(article)])[0]
        suggestion = assist.suggest(article, vector)
        top = [by_id.get(t["id"]) for t in suggestion["tags"][:3]]
        precision += sum(name in e.tags for name in top) / 3
        guessed = [section_name.get(s["id"]) for s in suggestion["section"]]
        section_right += guessed[:1] == [e.section]
        tested += 1
    return {
        **result,
        "tags_precision_at_3": precision / tested if tested else 0.0,
        "tags_ceiling_at_3": min(2, 3) / 3,
        "section_accuracy": section_right / tested if tested else 0.0,
        "held_out_articles": tested,
    }


def report_suggestions(metrics):
    return (
        f"tags precision@3: {metrics['tags_precision_at_3']:.3f} "
        f"(ceiling {metrics['tags_ceiling_at_3']:.3f}: two true tags an article), "
        f"section accuracy {metrics['section_accuracy']:.3f}, "
        f"{metrics['held_out_articles']} held-out articles, "
        + (
            f"trained centroids on {metrics['trained_on']} articles"
            if metrics["trained_on"]
            else "nearest-neighbour vote (too few articles to train)"
        )
    )
