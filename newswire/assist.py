"""Machine assistance, offline: embeddings, language, near-duplicates, events, draft extracts,
suggestions and related stories.

Loaded only by the task worker (newswire.tasks imports it inside the tasks' bodies), never by
web workers: numpy, wordllama and py3langid stay out of gunicorn's memory. The model ships
inside the wordllama wheel and is loaded with downloads disabled, so nothing is fetched.
"""

import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from articles.models import Article, ArticleTag, Section, Tag
from articles.pagecache import invalidate_public_pages

from . import fetch
from .dedupe import normalise_text
from .drafts import figures, is_boilerplate, quotable_text, split_sentences
from .models import ArticleAssist, Cluster, Item, Suggester

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: no hub look-ups, ever
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

MODEL_CONFIG = "l2_supercat"
MODEL_DIM = 256
BATCH = 256

# Tuned on newswire/tests/eval (see README "Machine assistance").
CLUSTER_WINDOW_HOURS = 72
CLUSTER_SIMILARITY = 0.48  # mean cosine to the event's items to join it (English)
# wordllama is English-centric: unrelated German or French reports score up to 0.66, so other
# languages join an event only when very close (fewer merges, more events of one item).
CLUSTER_SIMILARITY_OTHER = 0.70
DUPLICATE_SIMILARITY = 0.85  # cosine at which word shingles are compared
DUPLICATE_JACCARD = 0.5  # share of 3-word shingles in common: a syndicated copy
SHINGLE_WORDS = 3
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
    """Unit-length float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, MODEL_DIM), dtype=np.float32)
    vectors = model().embed(list(texts), norm=True, batch_size=BATCH)
    return np.asarray(vectors, dtype=np.float32)


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
    """ISO 639-1 code of the text's language, or "" when too short to tell."""
    if len(normalise_text(text)) < 12:
        return ""
    code, probability = _langid().classify(text)
    return code if probability >= 0.5 else ""


def shingles(text, size=SHINGLE_WORDS):
    words = normalise_text(text).split()
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def item_text(item):
    return f"{item.title}. {item.summary or fetch.text_of(item.content, 2000)}"


def item_time(item):
    return item.published_at or item.first_seen_at


# Items ---------------------------------------------------------------------------------------


def stale_items():
    """Items without an embedding of the current model."""
    return Item.objects.filter(~Q(embedding_model=model_id()) | Q(embedding__isnull=True))


def process_items(ids=None):
    """Embed, detect language, mark near-duplicates and group events; return how many items."""
    queryset = stale_items() if ids is None else Item.objects.filter(pk__in=ids)
    items = list(queryset.select_related("source").order_by("first_seen_at", "id")[:5000])
    if not items:
        return 0
    current = model_id()
    vectors = embed([item_text(item) for item in items])
    for item, vector in zip(items, vectors, strict=True):
        item.embedding = to_bytes(vector)
        item.embedding_model = current
        if not item.language:
            item.language = language(item_text(item))
    touched = set()
    for item, vector in zip(items, vectors, strict=True):
        with transaction.atomic():
            if _mark_duplicate(item, vector):
                # Only a still-new item: an editor may have used or dismissed it meanwhile.
                Item.objects.filter(pk=item.pk, status=Item.Status.NEW).update(
                    status=Item.Status.DUPLICATE, duplicate_of=item.duplicate_of_id
                )
            touched.add(_place_in_cluster(item, vector))
            item.save(update_fields=["embedding", "embedding_model", "language", "cluster"])
    for cluster_id in touched - {None}:
        refresh_digest(cluster_id)
    return len(items)


def _window(item):
    from datetime import timedelta

    when = item_time(item)
    span = timedelta(hours=CLUSTER_WINDOW_HOURS)
    return when - span, when + span


def _neighbours(item):
    """Recent embedded items in the item's language and time window, other than itself."""
    start, end = _window(item)
    candidates = (
        Item.objects.filter(embedding_model=item.embedding_model, embedding__isnull=False)
        .filter(Q(published_at__range=(start, end)) | Q(published_at__isnull=True,
                                                          first_seen_at__range=(start, end)))
        .exclude(pk=item.pk)
    )  # fmt: skip
    if item.language:
        candidates = candidates.filter(language=item.language)
    fields = (
        "id", "embedding", "title", "summary", "content", "cluster_id", "status",
        "duplicate_of_id", "first_seen_at", "published_at", "source_id",
    )  # fmt: skip
    return list(candidates.only(*fields).order_by("first_seen_at", "id")[:2000])


def _mark_duplicate(item, vector):
    """A near-verbatim copy (syndicated wire copy) of an earlier item becomes its duplicate."""
    if item.status != Item.Status.NEW or item.duplicate_of_id:
        return False
    earlier = [
        other for other in _neighbours(item)
        if (other.first_seen_at, other.pk) < (item.first_seen_at, item.pk)
    ]  # fmt: skip
    if not earlier:
        return False
    sims = matrix([other.embedding for other in earlier]) @ vector
    mine = shingles(item_text(item))
    for other, sim in zip(earlier, sims, strict=True):
        if sim >= DUPLICATE_SIMILARITY and jaccard(mine, shingles(item_text(other))) >= (
            DUPLICATE_JACCARD
        ):
            item.status = Item.Status.DUPLICATE
            item.duplicate_of_id = other.duplicate_of_id or other.pk
            return True
    return False


def _place_in_cluster(item, vector):
    """Join the event whose items are on average most similar, or start a new one."""
    if item.duplicate_of_id:
        original = Item.objects.filter(pk=item.duplicate_of_id).values("cluster_id").first()
        if original and original["cluster_id"]:
            item.cluster_id = original["cluster_id"]
            _touch(item.cluster_id, item)
            return item.cluster_id
    members = {}
    for other in _neighbours(item):
        if other.cluster_id:
            members.setdefault(other.cluster_id, []).append(other.embedding)
    threshold = CLUSTER_SIMILARITY if item.language in ("en", "") else CLUSTER_SIMILARITY_OTHER
    best, best_sim = None, threshold
    for cluster_id, rows in members.items():
        sim = float((matrix(rows) @ vector).mean())
        if sim >= best_sim:
            best, best_sim = cluster_id, sim
    if best is None:
        when = item_time(item)
        cluster = Cluster.objects.create(
            language=item.language, title=item.title[:500], first_item_at=when, last_item_at=when
        )
        best = cluster.pk
    item.cluster_id = best
    _touch(best, item)
    return best


def _touch(cluster_id, item):
    cluster = Cluster.objects.select_for_update().get(pk=cluster_id)
    cluster.size = Item.objects.filter(cluster_id=cluster_id).exclude(pk=item.pk).count() + 1
    cluster.last_item_at = max(cluster.last_item_at, item.first_seen_at)
    cluster.save(update_fields=["size", "last_item_at"])


# Draft extracts ------------------------------------------------------------------------------


def sentences(text):
    """Quotable sentences of plain text: four words or more, teasers and furniture left out."""
    return [
        sentence
        for sentence in split_sentences(text)
        if len(sentence.split()) >= 4 and not is_boilerplate(sentence)
    ]


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


def extract(items, count=6):
    """Central sentences across quotable sources, most central first, and where reports differ.

    Returns ([{"text", "item"}], [{"older", "older_item", "newer", "newer_item"}]): of two
    sentences that say the same thing with different figures, only the newest one is kept.
    """
    pool = []
    for item in items:
        if item.status == Item.Status.DUPLICATE:
            continue  # a copy adds nothing a reader needs twice
        for sentence in sentences(quotable_text(item)):
            pool.append({"text": sentence, "item": item.pk, "when": item_time(item)})
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
    cluster = Cluster.objects.get(pk=cluster_id)
    items = list(cluster.items.select_related("source").order_by("first_seen_at", "id"))
    chosen, differ = extract(items)
    cluster.digest = {"model": model_id(), "sentences": chosen, "differ": differ}
    cluster.size = len(items)
    cluster.save(update_fields=["digest", "size"])


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
