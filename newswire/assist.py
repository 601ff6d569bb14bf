"""Machine assistance, offline: embeddings, language, near-duplicates, events, draft extracts,
suggestions and related stories.

Loaded only by the task worker (newswire.tasks imports it inside the tasks' bodies), never by
web workers: numpy, wordllama and py3langid stay out of gunicorn's memory. The model ships
inside the wordllama wheel and is loaded with downloads disabled, so nothing is fetched.
"""

import os
from collections import Counter
from functools import lru_cache
from importlib import metadata
from itertools import islice, zip_longest
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Substr

from articles.models import Article, ArticleTag, Section, Tag
from articles.pagecache import invalidate_public_pages

from . import events, fetch
from .dedupe import normalise_text
from .drafts import figures, is_boilerplate, iter_sentences, quotable_text
from .models import ArticleAssist, Cluster, Item, Suggester, language_code

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: no hub look-ups, ever
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

MODEL_CONFIG = "l2_supercat"
MODEL_DIM = 256
# Texts are cut to what the representation uses and embedded in batches bounded in characters:
# wordllama pads a batch to its longest text, so 256 long summaries at once peaked at 3.8 GB
# (issue 20).
BATCH = 64  # at most this many texts a batch ...
BATCH_CHARS = 32000  # ... and at most this many characters, counting each as the longest
EMBED_CHARS = 2000
LANGUAGE_CHARS = 600
ITEMS_A_RUN = 5000  # process_items takes at most this many; refresh_assist loops
ROWS_A_QUERY = 500  # items are read from the database this many at a time
WRITES_A_TRANSACTION = 500  # placed items are stored this many a transaction (bulk UPDATEs)
CONTEXT_LIMIT = 20000  # earlier items (already in events) the new ones are compared with

# Events and duplicates: newswire/events.py (thresholds chosen on the development set).
CLUSTER_WINDOW_HOURS = events.WINDOW_HOURS
SOURCE_LANGUAGE_MIN = 3  # detected reports before a source's language is known ...
SOURCE_LANGUAGE_SHARE = 0.8  # ... and the share of them in one language
KNN_NEIGHBOURS = 10
MIN_TRAINING_ARTICLES = 50  # below this, suggestions are a nearest-neighbour vote


class AssistUnavailable(RuntimeError):
    """The model package is missing or incomplete: a clear message, never a download."""


def model_id():
    """Name and version of the model; a change makes every stored embedding stale."""
    try:
        version = metadata.version("wordllama")
    except metadata.PackageNotFoundError:
        raise AssistUnavailable(
            "Machine assistance needs the Python package 'wordllama' "
            "(pip install -r requirements.txt)."
        ) from None
    return f"wordllama-{version}/{MODEL_CONFIG}-{MODEL_DIM}"


def model_dir():
    """Where the model files are: inside the installed wordllama package."""
    try:
        import wordllama
    except ImportError as exc:
        raise AssistUnavailable(
            f"Machine assistance needs the Python package 'wordllama': {exc}"
        ) from exc
    return Path(wordllama.__file__).parent


@lru_cache(maxsize=1)
def model():
    """The embedding model from inside the wordllama package; never downloads."""
    model_id()
    package = model_dir()
    from wordllama import WordLlama

    # The wheel ships wordllama/tokenizers/ and wordllama/weights/; the loader looks under
    # wordllama/tokenizer/ first, then cache_dir/tokenizers/: point cache_dir at the package.
    try:
        return WordLlama.load(
            config=MODEL_CONFIG, dim=MODEL_DIM, cache_dir=package, disable_download=True
        )
    except FileNotFoundError as exc:
        raise AssistUnavailable(
            f"The Python package 'wordllama' in {package} lacks its model files ({exc}); "
            "reinstall it: pip install --force-reinstall wordllama"
        ) from exc


def embed(texts):
    """Unit-length float32 vectors, one row per text (its first EMBED_CHARS characters)."""
    texts = list(texts)
    if not texts:
        return np.zeros((0, MODEL_DIM), dtype=np.float32)
    texts = [text[:EMBED_CHARS] for text in texts]
    out = np.zeros((len(texts), MODEL_DIM), dtype=np.float32)
    # Similar lengths together (less padding), batches bounded in texts and in characters.
    order = sorted(range(len(texts)), key=lambda n: len(texts[n]))
    batch = []
    for n in order + [None]:
        longest = len(texts[n]) if n is not None else 0
        if batch and (
            n is None or len(batch) >= BATCH or (len(batch) + 1) * longest > BATCH_CHARS
        ):
            vectors = model().embed([texts[m] for m in batch], norm=True, batch_size=len(batch))
            out[batch] = vectors
            batch = []
        if n is not None:
            batch.append(n)
    return out


def to_bytes(vector):
    return np.asarray(vector, dtype=np.float16).tobytes()  # 512 bytes a vector


def from_bytes(data):
    return np.frombuffer(bytes(data), dtype=np.float16).astype(np.float32)


def matrix(rows):
    if not rows:
        return np.zeros((0, MODEL_DIM), dtype=np.float32)
    return np.vstack([from_bytes(row) for row in rows])


@lru_cache(maxsize=1)
def _langid():
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError as exc:
        raise AssistUnavailable(
            f"Language detection needs the Python package 'py3langid': {exc}"
        ) from exc
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language(text):
    """ISO 639-1 code of the text's language, or "" when too short to tell (its first
    LANGUAGE_CHARS characters decide: the cost of a 50,000-character text is a headline's)."""
    text = (text or "")[:LANGUAGE_CHARS]
    if len(normalise_text(text)) < 12:
        return ""
    code, probability = _langid().classify(text)
    return code if probability >= 0.5 else ""


def item_text(item):
    return f"{item.title}. {item.summary or fetch.text_of(item.content, 2000)}"


def item_time(item):
    return item.published_at or item.first_seen_at


# Items ---------------------------------------------------------------------------------------


def stale_items():
    """Items without an embedding of the current model."""
    return Item.objects.filter(~Q(embedding_model=model_id()) | Q(embedding__isnull=True))


_FIELDS = (
    "id", "source_id", "source__language", "language", "title", "cluster_id", "duplicate_of_id",
    "status", "published_at", "first_seen_at", "embedding", "embedding_model", "desk_placed",
)  # fmt: skip


def _rows(queryset):
    """Items as light dicts, summary and full text cut to what the assistance reads (never
    the whole 50,000 characters), ROWS_A_QUERY at a time."""
    head = events.TEXT_CHARS * 3  # HTML is longer than the text it holds
    rows = queryset.values(*_FIELDS, head=Substr("summary", 1, events.TEXT_CHARS),
                           content_head=Substr("content", 1, head))  # fmt: skip
    last = None
    while True:
        page = rows.order_by("id")
        if last is not None:
            page = page.filter(id__gt=last)
        page = list(page[:ROWS_A_QUERY])
        if not page:
            return
        yield from page
        last = page[-1]["id"]


def _doc(row, current=None):
    """The engine's report of a row; its stored embedding when of the `current` model."""
    body = fetch.text_of(row["content_head"], events.TEXT_CHARS)
    when = row["published_at"] or row["first_seen_at"]
    return events.Doc(
        key=row["id"], source=row["source_id"], language=language_code(row["language"]),
        hours=when.timestamp() / 3600, title=row["title"], text=row["head"] or body,
        body=body[: events.DUPLICATE_CHARS] if row["head"] else "",
        cluster=row["cluster_id"], duplicate_of=row["duplicate_of_id"],
        vector=from_bytes(row["embedding"])
        if current and row["embedding"] and row["embedding_model"] == current else None,
    )  # fmt: skip


def _languages(docs, rows):
    """Detected language of each new report; the source's own setting wins; a report too short
    to tell takes its source's language when that source's other reports agree on one."""
    by_source = {}
    for doc in docs:
        by_source.setdefault(doc.source, Counter())
        if doc.language:
            by_source[doc.source][doc.language] += 1
    for doc, row in zip(docs, rows, strict=True):
        pinned = language_code(row["source__language"])
        if pinned:
            doc.language = pinned
        elif not doc.language:
            doc.language = language(f"{doc.title}. {doc.text}")
            if doc.language:
                by_source[doc.source][doc.language] += 1
    for doc in docs:
        if not doc.language and by_source[doc.source]:
            code, count = by_source[doc.source].most_common(1)[0]
            total = sum(by_source[doc.source].values())
            if count >= SOURCE_LANGUAGE_MIN and count >= SOURCE_LANGUAGE_SHARE * total:
                doc.language = code


def process_items(ids=None):
    """Embed, detect language, mark near-duplicates and group events; return how many items.

    Memory stays flat whatever the texts' length: rows are read a page at a time with the
    summary and full text cut in the database, embedded BATCH at a time."""
    queryset = stale_items() if ids is None else Item.objects.filter(pk__in=ids)
    pks = list(queryset.order_by("first_seen_at", "id").values_list("pk", flat=True)[:ITEMS_A_RUN])
    if not pks:
        return 0
    current = model_id()
    rows, new = [], []
    for row in _rows(Item.objects.filter(pk__in=pks)):
        new.append(_doc(row))
        del row["head"], row["content_head"], row["embedding"]  # the Doc has what it needs
        rows.append(row)
    # A new or changed item is placed afresh; one an editor placed stays where it is, and
    # joins the engine as a report of its event, which later reports may join.
    kept = {row["id"] for row in rows if row["desk_placed"] and row["cluster_id"]}
    for doc in new:
        if doc.key not in kept:
            doc.cluster = None
        doc.duplicate_of = None
    vectors = embed([f"{doc.title}. {doc.text}" for doc in new])
    for doc, vector in zip(new, vectors, strict=True):
        doc.vector = vector
    start = min(doc.hours for doc in new) - CLUSTER_WINDOW_HOURS
    end = max(doc.hours for doc in new) + CLUSTER_WINDOW_HOURS
    from datetime import UTC, datetime

    span = (datetime.fromtimestamp(start * 3600, UTC), datetime.fromtimestamp(end * 3600, UTC))
    context_rows = Item.objects.filter(cluster__isnull=False).exclude(pk__in=pks)
    context_rows = context_rows.filter(
        Q(published_at__range=span) | Q(published_at__isnull=True, first_seen_at__range=span)
    ).order_by("-first_seen_at")
    context_ids = list(context_rows.values_list("pk", flat=True)[:CONTEXT_LIMIT])
    context = [_doc(row, current) for row in _rows(Item.objects.filter(pk__in=context_ids))]
    del context_ids
    rows_by_key = {row["id"]: row for row in rows}
    _languages(new, rows)
    engine = events.Engine(context + new)
    placed = {}
    for doc in sorted(new, key=lambda d: (d.hours, d.key)):
        placed[doc.key] = (doc.cluster, None) if doc.key in kept else engine.add(doc)
    merged = engine.finish()  # split events healed: {absorbed event: the event it is part of}
    # ... except an event holding a report an editor placed: the desk split it on purpose.
    desk = _desk_events({key for pair in merged.items() for key in pair})
    merged = {a: e for a, e in merged.items() if a not in desk and e not in desk}
    placed = {key: (merged.get(e, e), original) for key, (e, original) in placed.items()}
    del engine
    clusters = {}
    touched = set()
    pairs = list(zip(new, vectors, strict=True))
    for start in range(0, len(pairs), WRITES_A_TRANSACTION):
        _write(pairs[start : start + WRITES_A_TRANSACTION], placed, rows_by_key, clusters,
               touched, current, kept)  # fmt: skip
    for absorbed, event in merged.items():
        if isinstance(absorbed, tuple):
            continue  # an event of this run: its reports were placed in `event` above
        if isinstance(event, tuple):  # (never: the older event absorbs, and stored ones are)
            continue
        with transaction.atomic():
            # Locked as the desk locks them (newswire/placing.py): an editor's move into or
            # out of either event while this run grouped is seen here, not undone.
            locked = Cluster.objects.select_for_update().filter(pk__in=[absorbed, event])
            if len(locked.order_by("pk").values_list("pk")) < 2 or _desk_events({absorbed, event}):
                continue  # an editor emptied one (it is gone) or placed a report in one
            Item.objects.filter(cluster_id=absorbed).update(cluster_id=event)
            Cluster.objects.filter(pk=absorbed).delete()
        touched.discard(absorbed)
        touched.add(event)
    # The events reports placed afresh were in (a changed report, one an editor gave back):
    # recounted, or removed when none is left, as the desk removes an event it empties.
    left = {row["cluster_id"] for row in rows if row["cluster_id"] and row["id"] not in kept}
    for cluster_id in left - touched:
        with transaction.atomic():
            event = Cluster.objects.select_for_update().filter(pk=cluster_id)
            if event.exists() and not Item.objects.filter(cluster_id=cluster_id).exists():
                event.delete()
                continue
        touched.add(cluster_id)
    # Their sizes and dates in one UPDATE (one an event took 14-17 ms, Django compiling its
    # correlated subqueries each time: 23-29 s of a 10,000-item profile), then their extracts.
    Cluster.objects.filter(pk__in=touched).recount()
    refresh_digests(touched, current)
    return len(pks)


def _desk_events(keys):
    """Of these events (stored ones: ids; this run's: tuples), those holding a report an
    editor placed."""
    stored = [key for key in keys if not isinstance(key, tuple)]
    if not stored:
        return set()
    return set(
        Item.objects.filter(cluster_id__in=stored, desk_placed=True)
        .values_list("cluster_id", flat=True)
        .distinct()
    )


def _write(pairs, placed, rows_by_key, clusters, touched, current, kept=frozenset()):
    """Store one slice of placed reports in one transaction: the events they start (one
    INSERT), their embeddings, languages and events (bulk UPDATEs), the duplicates marked.

    The slice's events, then its rows, are locked first, in the desk's order: an item an
    editor placed while this run grouped keeps the editor's event, one an editor gave back to
    the machine meanwhile (it was `kept` here) is left waiting for the next run, and the
    reports placed in an event an editor emptied meanwhile (and so removed) start a new one
    together."""
    from datetime import UTC, datetime

    with transaction.atomic():
        stored = {placed[doc.key][0] for doc, _vector in pairs}
        stored = [event for event in stored if not isinstance(event, tuple)]
        locked = Cluster.objects.select_for_update().filter(pk__in=stored).order_by("pk")
        gone = set(stored) - set(locked.values_list("pk", flat=True))
        for doc, _vector in pairs:
            event, original = placed[doc.key]
            if event in gone:
                placed[doc.key] = (("gone", event), original)
        by_desk = {
            pk: event
            for pk, event, desk_placed in Item.objects.select_for_update()
            .filter(pk__in=[doc.key for doc, _vector in pairs])
            .values_list("pk", "cluster_id", "desk_placed")
            if desk_placed
        }
        given_back = {doc.key for doc, _vector in pairs if doc.key in kept} - set(by_desk)
        pairs = [(doc, vector) for doc, vector in pairs if doc.key not in given_back]
        starts = {}
        for doc, _vector in pairs:  # a new event: its first report names it
            event = placed[doc.key][0]
            if doc.key in by_desk:
                continue
            if isinstance(event, tuple) and event not in clusters and event not in starts:
                when = datetime.fromtimestamp(doc.hours * 3600, UTC)
                starts[event] = Cluster(
                    language=doc.language, title=doc.title[:500], first_item_at=when,
                    last_item_at=when,
                )  # fmt: skip
        if starts:
            made = Cluster.objects.bulk_create(starts.values())
            clusters.update((event, c.pk) for event, c in zip(starts, made, strict=True))
        updates, duplicates = [], {}
        for doc, vector in pairs:
            event, original = placed[doc.key]
            event = clusters.get(event, event) if isinstance(event, tuple) else event
            event = by_desk.get(doc.key, event)
            updates.append((doc.key, to_bytes(vector), current, doc.language, event))
            if original is not None and rows_by_key[doc.key]["status"] == Item.Status.NEW:
                duplicates.setdefault(original, []).append(doc.key)
            touched.add(event)
        _update_rows(Item, updates, ("embedding", "embedding_model", "language", "cluster"))
        for original, keys in duplicates.items():
            # Only a still-new item: an editor may have used or dismissed it meanwhile.
            Item.objects.filter(pk__in=keys, status=Item.Status.NEW).update(
                status=Item.Status.DUPLICATE, duplicate_of=original
            )


def _update_rows(model, rows, names):
    """UPDATE each row's `names` columns, rows (pk, value...): one parameterised statement,
    executed once a row. (Item.objects.bulk_update wrote the same rows through a CASE of 500
    branches a column, which Django compiled for 1.5 s a slice: 30 s of CPU for 10,000
    items.)"""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 - our names; values are parameters
    params = [
        [
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, values, strict=True)
        ]
        + [pk]
        for pk, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# Draft extracts ------------------------------------------------------------------------------


def sentences(text, limit=None):
    """Quotable sentences of plain text: four words or more, teasers and furniture left out;
    the first `limit` of them (the rest of the text is not split)."""
    found = (
        sentence
        for sentence in iter_sentences(text)
        if len(sentence.split()) >= 4 and not is_boilerplate(sentence)
    )
    return list(islice(found, limit))


def mmr(vectors, count, diversity=0.35):
    """Indices of the most central, least redundant rows (maximal marginal relevance)."""
    if len(vectors) == 0:
        return []
    centroid = vectors.mean(axis=0)
    centrality = vectors @ centroid
    chosen = []
    while len(chosen) < min(count, len(vectors)):
        if chosen:
            redundancy = (vectors @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(vectors))
        score = (1 - diversity) * centrality - diversity * redundancy
        score[chosen] = -np.inf
        chosen.append(int(score.argmax()))
    return chosen


# Two sentences this close say the same thing; when their figures differ, reports disagree.
# Chosen on a handful of pairs (death tolls, durations: 0.69-0.77; unrelated: below 0.60).
FIGURE_SIMILARITY = 0.65
# A report's facts are in its first paragraphs; the pool's size bounds extract()'s memory
# (a pool x pool similarity matrix: 600 sentences are 2.9 MB of float64).
EXTRACT_SENTENCES_PER_ITEM = 12
EXTRACT_POOL = 600


def extract(items, count=6):
    """Central sentences across quotable sources, most central first, and where reports differ.

    Returns ([{"text", "item"}], [{"older", "older_item", "newer", "newer_item"}]): of two
    sentences that say the same thing with different figures, only the newest one is kept.
    """
    per_item = []
    for item in items:
        if item.status == Item.Status.DUPLICATE:
            continue  # a copy adds nothing a reader needs twice
        found = sentences(quotable_text(item), EXTRACT_SENTENCES_PER_ITEM)
        per_item.append([{"text": s, "item": item.pk, "when": item_time(item)} for s in found])
    # Leads first, round-robin over the reports, so a big event's pool stays bounded (every
    # pair of sentences is compared: 10,000 full texts once took 2.4 GB and killed the worker)
    # and every report still contributes its first sentences.
    pool = [entry for rank in zip_longest(*per_item) for entry in rank if entry is not None][
        :EXTRACT_POOL
    ]
    if not pool:
        return [], []
    vectors = embed([entry["text"] for entry in pool])
    numbers = [figures(entry["text"]) for entry in pool]
    superseded, differ = set(), []
    similar = vectors @ vectors.T
    for i, j in zip(*np.nonzero(np.triu(similar >= FIGURE_SIMILARITY, k=1)), strict=True):
        a, b = pool[i], pool[j]
        if a["item"] == b["item"] or not numbers[i] or not numbers[j]:
            continue
        if not (numbers[i] - numbers[j] and numbers[j] - numbers[i]):
            continue  # one merely says less ("6.4" and "6.4, two hurt"): no disagreement
        older, newer = (i, j) if (a["when"], a["item"]) < (b["when"], b["item"]) else (j, i)
        superseded.add(older)
        differ.append(
            {"older": pool[older]["text"], "older_item": pool[older]["item"],
             "newer": pool[newer]["text"], "newer_item": pool[newer]["item"]}
        )  # fmt: skip
    keep = [n for n in range(len(pool)) if n not in superseded]
    chosen = [keep[k] for k in mmr(vectors[keep], count)]
    return [{"text": pool[n]["text"], "item": pool[n]["item"]} for n in chosen], differ


def refresh_digest(cluster_id):
    """One event's counts (recount) and extract (refresh_digests), after the desk changed it."""
    Cluster.objects.filter(pk=cluster_id).recount()
    refresh_digests([cluster_id], model_id())


_DIGEST_FIELDS = (
    "id", "status", "title", "summary", "content", "published_at", "first_seen_at",
    "source__rights", "source__name",
)  # fmt: skip
DIGEST_EVENTS = 50  # refresh_digests reads this many events' items a query


def refresh_digests(cluster_ids, current):
    """The extracts of many events (their counts are recount's): their items read
    DIGEST_EVENTS events a query, their extracts written by one UPDATE a row (a query and an
    UPDATE an event cost Django 2 ms of compiling each)."""
    ids = sorted(pk for pk in cluster_ids if pk is not None)
    for start in range(0, len(ids), DIGEST_EVENTS):
        chunk = ids[start : start + DIGEST_EVENTS]
        items = {pk: [] for pk in chunk}
        for item in (
            Item.objects.filter(cluster_id__in=chunk)
            .select_related("source")
            .only("cluster", *_DIGEST_FIELDS)
            .order_by("cluster_id", "first_seen_at", "id")
        ):
            items[item.cluster_id].append(item)
        rows = []
        for pk in chunk:
            chosen, differ = extract(items.pop(pk))
            rows.append((pk, {"model": current, "sentences": chosen, "differ": differ}))
        _update_rows(Cluster, rows, ("digest",))


# Articles: embeddings, related stories, suggestions ------------------------------------------


def article_text(article):
    return f"{article.title}. {article.standfirst}. {article.body[:4000]}"


def process_article(article_id):
    """Embed one article, refresh its related stories and suggestions."""
    article = Article.objects.filter(pk=article_id).select_related("section").first()
    if article is None:
        return "gone"
    vector = embed([article_text(article)])[0]
    assist, _ = ArticleAssist.objects.get_or_create(article=article)
    shown = assist.related
    assist.embedding = to_bytes(vector)
    assist.embedding_model = model_id()
    assist.related = related_ids(article, vector)
    assist.suggestions = suggest(article, vector)
    assist.save()
    if assist.related != shown:
        invalidate_public_pages()  # its page shows them, maybe from the page cache
    return "ok"


def _published_vectors(exclude=None):
    rows = list(
        ArticleAssist.objects.filter(
            embedding_model=model_id(), article__in=Article.objects.published()
        )
        .exclude(article_id=exclude)
        .values_list("article_id", "embedding")
    )
    return [r[0] for r in rows], matrix([r[1] for r in rows])


def related_ids(article, vector, limit=4, index=None):
    ids, vectors = index if index is not None else _published_vectors(exclude=article.pk)
    if index is not None:  # a shared index: leave the article itself out
        keep = [n for n, pk in enumerate(ids) if pk != article.pk]
        ids, vectors = [ids[n] for n in keep], vectors[keep]
    if not ids:
        return []
    sims = vectors @ vector
    order = np.argsort(-sims)[:limit]
    return [int(ids[i]) for i in order if sims[i] > 0.2]


def train_suggesters():
    """Nightly: one centroid a tag and a section, from the published articles' embeddings.

    Until MIN_TRAINING_ARTICLES are published, no model is kept and suggestions are the
    nearest-neighbour vote. Returns how many articles it was trained on (0: not trained).
    """
    current = model_id()
    rows = list(
        ArticleAssist.objects.filter(
            embedding_model=current, article__in=Article.objects.published()
        ).values_list("article_id", "embedding", "article__section_id")
    )
    if len(rows) < MIN_TRAINING_ARTICLES:
        Suggester.objects.all().delete()
        return 0
    position = {pk: n for n, (pk, _e, _s) in enumerate(rows)}
    vectors = matrix([r[1] for r in rows])
    members = {"section": {}, "tags": {}}
    for pk, _e, section_id in rows:
        if section_id:
            members["section"].setdefault(section_id, []).append(position[pk])
    for pk, tag_id in ArticleTag.objects.filter(article_id__in=position).values_list(
        "article_id", "tag_id"
    ):
        members["tags"].setdefault(tag_id, []).append(position[pk])
    for kind, groups in members.items():
        labels = sorted(groups)
        if not labels:
            Suggester.objects.filter(kind=kind).delete()
            continue
        centroids = np.stack([vectors[groups[label]].mean(axis=0) for label in labels])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-9
        Suggester.objects.update_or_create(
            kind=kind,
            defaults={
                "embedding_model": current, "labels": labels,
                "centroids": centroids.astype(np.float16).tobytes(), "trained_on": len(rows),
            },
        )  # fmt: skip
    return len(rows)


@lru_cache(maxsize=4)
def _trained(kind, current, trained_at):
    row = Suggester.objects.filter(kind=kind, embedding_model=current).first()
    if row is None:
        return None
    vectors = np.frombuffer(bytes(row.centroids), dtype=np.float16).astype(np.float32)
    return row.labels, vectors.reshape(len(row.labels), MODEL_DIM)


def _trained_scores(kind, vector):
    """{label id: score} from the trained centroids, or None when there is no model."""
    stamp = Suggester.objects.filter(kind=kind).values_list("trained_at", flat=True).first()
    if stamp is None:
        return None
    trained = _trained(kind, model_id(), stamp)
    if trained is None:
        return None
    labels, centroids = trained
    return dict(zip(labels, (centroids @ vector).tolist(), strict=True))


def suggest(article, vector, k=KNN_NEIGHBOURS, index=None):
    """Section and tags from the trained centroids, or, until there is enough data, by a
    similarity-weighted vote of the nearest published articles."""
    sections, tags = _trained_scores("section", vector), _trained_scores("tags", vector)
    if sections is not None and tags is not None:
        return _named_suggestions(article, sections, tags)
    ids, vectors = index if index is not None else _published_vectors(exclude=article.pk)
    if index is not None:
        keep = [n for n, pk in enumerate(ids) if pk != article.pk]
        ids, vectors = [ids[n] for n in keep], vectors[keep]
    if not ids:
        return {"section": [], "tags": []}
    sims = vectors @ vector
    order = np.argsort(-sims)[:k]
    weights = {ids[i]: max(float(sims[i]), 0.0) for i in order}
    sections, tags = {}, {}
    for pk, section_id in Article.objects.filter(pk__in=weights).values_list("pk", "section_id"):
        if section_id:
            sections[section_id] = sections.get(section_id, 0) + weights[pk]
    for pk, tag_id in ArticleTag.objects.filter(article_id__in=weights).values_list(
        "article_id", "tag_id"
    ):
        tags[tag_id] = tags.get(tag_id, 0) + weights[pk]
    return _named_suggestions(article, sections, tags)


def _named_suggestions(article, sections, tags):
    have = set(article.tags.values_list("pk", flat=True)) if article.pk else set()
    top_tags = [t for t in sorted(tags, key=tags.get, reverse=True) if t not in have][:3]
    top_section = sorted(sections, key=sections.get, reverse=True)[:1]
    if article.section_id in top_section:
        top_section = []
    names = dict(Tag.objects.filter(pk__in=top_tags).values_list("pk", "name"))
    section_names = dict(Section.objects.filter(pk__in=top_section).values_list("pk", "name"))
    return {
        "section": [
            {"id": s, "name": section_names[s]} for s in top_section if s in section_names
        ],
        "tags": [{"id": t, "name": names[t]} for t in top_tags if t in names],
    }


def refresh_articles(days=30, batch=BATCH):
    """Nightly: embed articles the current model has not, then recompute every published
    article's related stories and the suggestions of recent unpublished ones, from one index
    of the site's own published articles. Returns (embedded, refreshed)."""
    current = model_id()
    stale = Article.objects.exclude(
        pk__in=ArticleAssist.objects.filter(embedding_model=current).values("article_id")
    ).select_related("section")
    embedded = 0
    pending = list(stale.order_by("pk")[:batch])
    while pending:
        vectors = embed([article_text(a) for a in pending])
        for article, vector in zip(pending, vectors, strict=True):
            ArticleAssist.objects.update_or_create(
                article=article,
                defaults={"embedding": to_bytes(vector), "embedding_model": current},
            )
        embedded += len(pending)
        pending = list(stale.filter(pk__gt=pending[-1].pk).order_by("pk")[:batch])
    train_suggesters()
    index = _published_vectors()
    from datetime import timedelta

    from django.utils import timezone

    recent = timezone.now() - timedelta(days=days)
    targets = ArticleAssist.objects.filter(embedding_model=current).filter(
        Q(article__in=Article.objects.published()) | Q(article__updated_at__gte=recent)
    )
    refreshed, shown_changed = 0, False
    for row in targets.select_related("article").iterator(chunk_size=500):
        vector = from_bytes(row.embedding)
        shown = row.related
        row.related = related_ids(row.article, vector, index=index)
        row.suggestions = suggest(row.article, vector, index=index)
        row.save(update_fields=["related", "suggestions", "updated_at"])
        shown_changed = shown_changed or row.related != shown
        refreshed += 1
    if shown_changed:
        invalidate_public_pages()  # once, after every row: the pages showing them
    return embedded, refreshed
