"""Turn newswire items into a draft Article that uses only what each source's rights allow.

Pure Python, no models: web workers run it. The extract of an event (its most central
sentences) is computed beforehand by the task worker (newswire.assist) and read from
Cluster.digest; the copy guard compares word shingles.
"""

import re

from django.db import transaction

from articles.models import Article, ArticleAuthor

from . import fetch
from .dedupe import normalise_text
from .models import DraftSource, Item, Source

REWRITE_WARNING = (
    "The headline is still the headline of {source}: rewrite it in the newsroom's own words."
)


def _md_text(text):
    """Plain text made safe for Markdown (no accidental links, emphasis or HTML)."""
    for char in "\\`*_[]#|":
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _link(title, url):
    return f"[{_md_text(title)}]({url.replace(')', '%29').replace(' ', '%20')})"


def _quote(text):
    return "\n".join(f"> {_md_text(line)}" for line in text.splitlines() if line.strip())


CANDIDATES_HEADING = "## Headline candidates (rewrite, then delete this section)"
CANDIDATES_WARNING = (
    "The body still has the section of headline candidates: write the headline, then delete it."
)
COPY_SHINGLE_WORDS = 8
COPY_MAX_SHARE = 0.2
COPY_WARNING = (
    "The text still shares {share:.0%} of its 8-word phrases with its sources; rewrite it in "
    "the newsroom's own words (quote only with attribution). Overlapping passages: {passages}"
)


def quotable_text(item):
    """What the source's rights let a draft quote: nothing, the summary, or the full text."""
    rights = item.source.rights
    if rights == Source.Rights.HEADLINE:
        return ""
    if rights == Source.Rights.FULL and item.content:
        return fetch.text_of(item.content.replace("</p>", "</p> "), 20000)
    return item.summary


def _extract_parts(items, digest):
    """Standfirst and attributed body lines from the worker's extract, as rights allow now."""
    by_pk = {item.pk: item for item in items}
    chosen = []
    for entry in (digest or {}).get("sentences", []):
        item = by_pk.get(entry.get("item"))
        text = entry.get("text", "")
        if item is None or item.status == Item.Status.DUPLICATE or not text:
            continue
        if text not in quotable_text(item):  # rights or text changed since: leave it out
            continue
        chosen.append((text, item))
    if not chosen:
        return "", []
    lead_text, lead_item = chosen[0]
    standfirst = f"{lead_text} ({lead_item.source})"
    lines = []
    for text, item in chosen:
        name = _md_text(str(item.source))
        credit = _link(str(item.source), item.url) if item.url else name
        lines.append(f"{_md_text(text)} ({credit})")
    return standfirst, lines


@transaction.atomic
def make_draft(*, items, by, digest=None):
    """One draft Article from one or several items, owned by `by`; items become used.

    With an event's `digest` (central sentences picked by the worker), the body is those
    sentences, each linked to its source; otherwise each source's text is quoted in turn.
    """
    items = sorted(items, key=lambda item: (item.first_seen_at, item.pk))
    if not items:
        raise ValueError("Choose at least one item.")
    lead = items[0]
    standfirst, body = _extract_parts(items, digest)
    if body:
        candidates = []
        for item in items:
            if item.status != Item.Status.DUPLICATE and item.title not in candidates:
                candidates.append(item.title)
        body.append(
            CANDIDATES_HEADING
            + "\n\n"
            + "\n".join(f"- {_md_text(title)}" for title in candidates[:5])
        )
    for item in items if not body else []:
        rights = item.source.rights
        name = str(item.source)
        if rights == Source.Rights.HEADLINE or not (item.summary or item.content):
            body.append(
                f"- {_link(item.title, item.url) if item.url else _md_text(item.title)}"
                f" ({_md_text(name)})"
            )
            continue
        text = item.summary
        if rights == Source.Rights.FULL and item.content:
            text = "\n\n".join(
                p for p in (fetch.text_of(part) for part in item.content.split("</p>")) if p
            )
        standfirst = standfirst or fetch.text_of(item.summary or text, 300)
        credit = _link(name, item.url) if item.url else _md_text(name)
        body.append(f"{_quote(text)}\n\nSource: {credit}")
    sources = "\n".join(
        f"- {_link(item.title, item.url) if item.url else _md_text(item.title)}, "
        f"{_md_text(str(item.source))}"
        for item in items
    )
    body.append(f"## Sources\n\n{sources}")
    article = Article(
        title=lead.title[:255],
        standfirst=standfirst[:300],
        body="\n\n".join(body),
        section=lead.source.section,
        status=Article.Status.DRAFT,
    )
    article.save()
    ArticleAuthor.objects.create(article=article, author=by, position=0)
    DraftSource.objects.bulk_create(
        DraftSource(
            article=article,
            item=item,
            position=position,
            source_name=str(item.source)[:200],
            title=item.title[:500],
            url=item.url or item.source.site_url or item.source.feed_url,
        )
        for position, item in enumerate(items)
    )
    Item.objects.filter(pk__in=[item.pk for item in items]).update(status=Item.Status.USED)
    return article


def sources_for(article):
    """The article's newswire sources, read once per article object."""
    if not hasattr(article, "_newswire_sources"):
        article._newswire_sources = list(DraftSource.objects.filter(article=article.pk))
    return article._newswire_sources


def headline_warnings(article):
    """Pre-publish check: warn while the headline is still a source's headline."""
    if not article.pk:
        return []
    warnings = []
    if CANDIDATES_HEADING in article.body:
        warnings.append(CANDIDATES_WARNING)
    title = normalise_text(article.title)
    for link in DraftSource.objects.filter(article=article.pk):
        if title == normalise_text(link.title):
            return [*warnings, REWRITE_WARNING.format(source=link.source_name)]
    return warnings


_MD_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def _own_text(article):
    """The words the newsroom publishes as its own: the source list and link targets aside."""
    body = article.body.split("## Sources", 1)[0].split(CANDIDATES_HEADING, 1)[0]
    body = _MD_LINK_TARGET.sub("]", body)
    return f"{article.title}\n{article.standfirst}\n{body}"


def copied_passages(text, sources, size=COPY_SHINGLE_WORDS):
    """(share of the text's `size`-word shingles found in the sources, overlapping passages)."""
    words = normalise_text(text).split()
    if len(words) < size:
        return 0.0, []
    theirs = set()
    for source in sources:
        other = normalise_text(source).split()
        theirs.update(tuple(other[i : i + size]) for i in range(len(other) - size + 1))
    covered = [False] * len(words)
    hits = 0
    total = len(words) - size + 1
    for i in range(total):
        if tuple(words[i : i + size]) in theirs:
            hits += 1
            covered[i : i + size] = [True] * size
    passages, run = [], []
    for word, hit in zip(words, covered, strict=True):
        if hit:
            run.append(word)
        elif run:
            passages.append(" ".join(run))
            run = []
    if run:
        passages.append(" ".join(run))
    return hits / total, passages


def copy_warnings(article):
    """Pre-publish copy guard: too much of the draft is still its sources' wording."""
    if not article.pk:
        return []
    links = DraftSource.objects.filter(article=article.pk).select_related("item__source")
    sources = []
    for link in links:
        item = link.item
        sources += [item.title, item.summary, fetch.text_of(item.content, 50000)]
    if not sources:
        return []
    share, passages = copied_passages(_own_text(article), sources)
    if share <= COPY_MAX_SHARE:
        return []
    shown = "; ".join(
        f"“{p if len(p.split()) <= 25 else ' '.join(p.split()[:25]) + ' …'}”" for p in passages[:5]
    )
    return [COPY_WARNING.format(share=share, passages=shown)]


def jsonld_is_based_on(article):
    """JSON-LD for a story built from the newswire: cite the sources (isBasedOn)."""
    links = sources_for(article)
    if not links:
        return {}
    return {
        "isBasedOn": [
            {"@type": "CreativeWork", "name": link.title, "url": link.url,
             "publisher": {"@type": "Organization", "name": link.source_name}}
            for link in links
        ]
    }  # fmt: skip


def related_ids(article):
    """Related stories by meaning, precomputed by the worker (None: not computed yet)."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return article.assist.related
    except ObjectDoesNotExist:
        return None
