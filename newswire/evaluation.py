"""Quality of the machine assistance on the labelled set in newswire/tests/eval/events.txt.

Run by `manage.py evaluate_assist` and by the test suite; everything it writes is rolled back.
Imports newswire.assist (the models): never imported by web workers.
"""

from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article, Section, Tag

from . import assist
from .models import Item, Source

EVAL_FILE = Path(__file__).parent / "tests" / "eval" / "events.txt"


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


def _pairs_scores(predicted, gold, keep):
    """Pairwise precision and recall of a grouping, over the pairs of items `keep` allows."""
    tp = fp = fn = 0
    for a, b in combinations(sorted(keep), 2):
        same_pred = predicted[a] is not None and predicted[a] == predicted[b]
        same_gold = gold[a] == gold[b]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return _ratio(tp, tp + fp), _ratio(tp, tp + fn), tp + fn


def _ratio(a, b):
    return a / b if b else None


def _num(value):
    return "n/a" if value is None else f"{value:.3f}"


def evaluate(path=EVAL_FILE):
    """Run the assistance on the set inside a transaction that is rolled back; return metrics."""
    result = {}
    try:
        with transaction.atomic():
            result = _evaluate(load(path))
            raise _Rollback
    except _Rollback:
        pass
    return result


def _evaluate(examples):
    base = timezone.now() - timedelta(days=5)
    sources = {}
    events = list(dict.fromkeys(e.event for e in examples))
    items = {}
    rank = {}
    for e in examples:
        if e.source not in sources:
            sources[e.source] = Source.objects.get_or_create(
                feed_url=f"https://{e.source.lower()}.eval.invalid/feed",
                defaults={"name": f"{e.source} (eval)", "rights": Source.Rights.SUMMARY},
            )[0]
        rank[e.event] = rank.get(e.event, -1) + 1
        when = base + timedelta(minutes=75 * events.index(e.event) + 20 * rank[e.event])
        items[e.n] = Item.objects.create(
            source=sources[e.source], guid=f"eval-{e.n}", guid_hash=f"eval-{e.n}",
            url=f"https://{e.source.lower()}.eval.invalid/{e.n}", title=e.title, summary=e.text,
            text_hash=f"eval-{e.n}", first_seen_at=when, published_at=when,
        )  # fmt: skip
    assist.process_items([item.pk for item in items.values()])
    stored = {i.pk: i for i in Item.objects.filter(pk__in=[i.pk for i in items.values()])}
    got = {n: stored[item.pk] for n, item in items.items()}
    gold_event = {e.n: e.event for e in examples}
    cluster = {n: got[n].cluster_id for n in got}
    english = [e.n for e in examples if e.language == "en"]
    result = {"items": len(examples), "events": len(events)}
    result["languages"] = sorted({e.language for e in examples})
    result["clustering_en"] = _pairs_scores(cluster, gold_event, english)
    result["clustering_all"] = _pairs_scores(cluster, gold_event, [e.n for e in examples])
    for language in result["languages"]:
        if language != "en":
            keep = [e.n for e in examples if e.language == language]
            result[f"clustering_{language}"] = _pairs_scores(cluster, gold_event, keep)
    pk_to_n = {got[n].pk: n for n in got}
    predicted = {(n, pk_to_n.get(got[n].duplicate_of_id)) for n in got if got[n].duplicate_of_id}
    gold = {(e.n, e.copy_of) for e in examples if e.copy_of is not None}
    result["duplicates"] = (
        _ratio(len(predicted & gold), len(predicted)),
        _ratio(len(predicted & gold), len(gold)),
    )
    result["duplicates_counts"] = (len(predicted), len(gold))
    right = sum(got[e.n].language == e.language for e in examples)
    result["language_accuracy"] = right / len(examples)
    result.update(_tags(examples, events))
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


def report(metrics):
    lines = [
        f"{metrics['items']} items, {metrics['events']} events, "
        f"languages: {', '.join(metrics['languages'])}",
    ]
    for key in [k for k in metrics if k.startswith("clustering_")]:
        p, r, pairs = metrics[key]
        lines.append(f"{key}: precision {_num(p)} recall {_num(r)} ({pairs} same-event pairs)")
    p, r = metrics["duplicates"]
    found, gold = metrics["duplicates_counts"]
    lines.append(
        f"duplicates: precision {_num(p)} recall {_num(r)} ({found} found, {gold} labelled)"
    )
    lines.append(f"language accuracy: {metrics['language_accuracy']:.3f}")
    lines.append(
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
    return "\n".join(lines)
