"""Turn newswire items into a draft Article that uses only what each source's rights allow.

Pure Python, no models: web workers run it. The extract of an event (its most central
sentences) is computed beforehand by the task worker (newswire.assist) and read from
Cluster.digest; the copy guard compares word shingles.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q

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


# Sentences ------------------------------------------------------------------------------------

# Abbreviations after which a full stop never ends a sentence, in en/de/fr/es/it/pt (lower case,
# without the stop). "etc.", "usw.", "ecc." are left out: they often do end one.
ABBREVIATIONS = frozenset(
    word
    for line in (
        "mr mrs ms dr prof st jr sr gen col lt sgt capt cmdr adm gov sen rep rev hon pres supt",
        "insp dept univ hr hrn fr frl str bzw ca vgl evtl ggf inkl sog allg bzgl einschl mio",
        "mrd tsd geb gest mme mmes mlle mlles pr ste av bd env cf sres sra srta dra dña ud",
        "uds vd vds lic ing arq avda gral excmo ilmo sig sigg dott avv geom arch rag cfr srª",
        "profa exmo exma",
    )
    for word in line.split()
)
# ... and those that end no sentence when a number follows (No. 10, Jan. 5, Art. 3, pág. 12).
BEFORE_NUMBER = frozenset(
    ("no", "nos", "nr", "nº", "fig", "vol", "art", "abs", "pag", "pág", "núm", "p", "pp")
    + ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
)
_BOUNDARY = re.compile(r"([.!?…]+)([\"»”’)\]]*)\s+(?=[\"«“‘(\[¿¡]?[A-ZÀ-ÖØ-ÞĀ-Ž0-9])")
_TIME_ZONE = re.compile(r"[A-Z]{2,4}\b|local\b|ora\b|hora\b|heure\b|Uhr\b")


def _ends_sentence(text, match):
    """Whether the punctuation at `match` ends a sentence, or closes an abbreviation."""
    if match.group(1) != ".":
        return True
    before = text[: match.start()].rsplit(None, 2)
    token = before[-1].lstrip('"«“‘([') if before else ""
    core = token.lower()
    after = text[match.end() :].lstrip('"«“‘([¿¡')
    following = after.split(None, 1)[0].rstrip(".,;:") if after else ""
    if core == "h" and len(before) > 1 and before[-2][-1:].isdigit():
        return True  # à 10 h. Le…
    if core in BEFORE_NUMBER and following[:1].isdigit():
        return False
    if core in ABBREVIATIONS or (len(core) == 1 and core.isalpha()):
        return False  # Dr. Smith, z. B. Autos, M. Macron, J. K. Rowling
    if "." in core:  # p.m. GMT, U.S. President, e.g. Paris
        return core in ("a.m", "p.m") and not _TIME_ZONE.match(following)
    if core.isdigit():  # am 3. Oktober; but "since 2019. The"
        return fetch._fold_accents(following) not in fetch.MONTHS
    return True


def split_sentences(text):
    """Sentences of plain text, not cut at abbreviations, initials or times (en/de/fr/es/it/pt)."""
    return list(iter_sentences(text))


def iter_sentences(text):
    """split_sentences one at a time: a reader of the first few leaves the rest unsplit."""
    text = " ".join((text or "").split())
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ends_sentence(text, match):
            part = text[start : match.end()].strip()
            if part:
                yield part
            start = match.end()
    part = text[start:].strip()
    if part:
        yield part


# Teasers and page furniture a feed leaves in its text, in the six languages.
_BOILERPLATE = re.compile(
    r"^\W*(?:here(?: is|'s|’s) what (?:we know|you need to know|happened)|what we know|"
    r"read (?:more|also|the full|our)|click here|sign up|subscribe|follow (?:us|our|live)|"
    r"live(?: updates| blog| coverage)?\b|watch\b|listen\b|advertisement|"
    r"(?:photo|image|video|credit|source)s?\s*:|all rights reserved|copyright|©|"
    r"this (?:article|story|page) (?:was|has been|is being|will be) updated|"
    r"lesen sie (?:auch|mehr|hier)|mehr (?:dazu|zum thema)|live-?ticker|jetzt abonnieren|"
    r"(?:à )?lire (?:aussi|la suite|également)|en direct|ce (?:que l'on|qu'on|qu’on) sait|"
    r"ce qu(?:'|’)il faut savoir|abonnez-vous|suivez notre|"
    r"lee (?:también|más)|leer más|en (?:directo|vivo)|lo que sabemos|suscríbete|"
    r"leggi (?:anche|tutto|di più)|in diretta|cosa sappiamo|iscriviti|"
    r"leia (?:mais|também)|saiba mais|ao vivo|o que (?:se sabe|sabemos)|inscreva-se|assine)",
    re.IGNORECASE,
)


def is_boilerplate(sentence):
    """A teaser or furniture ("Here is what we know.", "Read more", "Live updates")."""
    text = sentence.strip()
    return bool(_BOILERPLATE.match(text)) or text.endswith(":")


# Figures: digits, and number words from two to twenty (one is also an article: "un", "ein").
_NUMBER_WORDS = {
    word: n
    for n, words in enumerate(
        (
            "two zwei deux dos due dois duas",
            "three drei trois tres tre três",
            "four vier quatre cuatro quattro quatro",
            "five fünf cinq cinco cinque",
            "six sechs seis sei",
            "seven sieben sept siete sette sete",
            "eight acht huit ocho otto oito",
            "nine neun neuf nueve nove",
            "ten zehn dix diez dieci dez",
            "eleven elf onze once undici",
            "twelve zwölf douze doce dodici",
            "thirteen dreizehn treize trece tredici treze",
            "fourteen vierzehn quatorze catorce quattordici",
            "fifteen fünfzehn quinze quince",
            "sixteen sechzehn seize dieciséis sedici dezesseis",
            "seventeen siebzehn dix-sept diecisiete diciassette dezessete",
            "eighteen achtzehn dix-huit dieciocho diciotto dezoito",
            "nineteen neunzehn dix-neuf diecinueve diciannove dezenove",
            "twenty zwanzig vingt veinte venti vinte",
        ),
        2,
    )
    for word in words.split()
}
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)?")


def figures(sentence):
    """The numbers a sentence states, as strings ("21", "0.25"; "nine" -> "9")."""
    found = set()
    for token in _FIGURE.findall(sentence.lower()):
        if token[0].isdigit():
            found.add(token.replace(",", "."))
        elif token in _NUMBER_WORDS:
            found.add(str(_NUMBER_WORDS[token]))
        elif token.startswith("twenty-"):
            unit = "one" if token.endswith("-one") else token.split("-", 1)[1]
            found.add(str(20 + (1 if unit == "one" else _NUMBER_WORDS.get(unit, 0))))
    return found


def citation_url(item):
    """Where a draft cites an item: its own link, else its source's site, never the feed."""
    if item.url:
        return item.url
    if item.source.site_url:
        return item.source.site_url
    parts = urlsplit(item.source.feed_url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""


# Editor-only scaffolding: what the drafter writes into a draft for the editor, and how the
# publish check finds it again. Each marker is written from here and read by `pattern`, which
# also finds it after light editing (another heading level, the parenthesis cut, the bold
# dropped); none of it may reach readers, whatever the rewrite confirmation says.
CANDIDATES_HEADING = "## Headline candidates (rewrite, then delete this section)"
DIFFER_LEAD = "**Reports differ:**"
DIFFER_CHECK = "Check the figure before publishing."


@dataclass(frozen=True)
class EditorOnly:
    written: str  # what make_draft writes
    pattern: re.Pattern  # what refuses publishing
    refusal: str  # the field error, saying what to delete
    name: str  # what it is, in a list of stories that still carry it
    hints: tuple  # words every match contains (any case): a database's LIKE finds suspects


EDITOR_ONLY = (
    EditorOnly(
        CANDIDATES_HEADING,
        re.compile(r"^[ \t]*#{1,6}[ \t]*headline candidates\b", re.IGNORECASE | re.MULTILINE),
        "The body still has the editor-only section “Headline candidates (rewrite, then delete "
        "this section)”: write the headline, then delete that heading and the source "
        "headlines listed under it.",
        name="the “Headline candidates” section",
        hints=("headline candidates",),
    ),
    EditorOnly(
        DIFFER_LEAD,
        re.compile(
            r"(?:\*\*|__)?reports differ:|check the figure before publishing", re.IGNORECASE
        ),
        "The body still has the editor-only note “Reports differ: … Check the figure before "
        "publishing.”: check the figure against the reports, then delete that note.",
        name="a “Reports differ” note",
        hints=("reports differ:", "check the figure before publishing"),
    ),
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


def _credit(item):
    """The source's name, linked to the item (or the source's site), for a body line."""
    url = citation_url(item)
    return _link(str(item.source), url) if url else _md_text(str(item.source))


def _extract_parts(items, digest):
    """Standfirst and attributed body lines from the worker's extract, as rights allow now.

    The most central sentence is the standfirst and is not repeated in the body; where
    reports differ on a figure, a line says so and names both reports.
    """
    by_pk = {item.pk: item for item in items}

    def usable(pk, text):
        item = by_pk.get(pk)
        if item is None or item.status == Item.Status.DUPLICATE or not text:
            return None
        return item if text in quotable_text(item) else None  # rights or text changed since

    chosen = []
    for entry in (digest or {}).get("sentences", []):
        item = usable(entry.get("item"), entry.get("text", ""))
        if item is not None:
            chosen.append((entry["text"], item))
    if not chosen:
        return "", []
    lead_text, lead_item = chosen[0]
    standfirst = f"{lead_text} ({lead_item.source})"
    lines = [f"{_md_text(text)} ({_credit(item)})" for text, item in chosen[1:]]
    for conflict in (digest or {}).get("differ", []):
        newer = usable(conflict.get("newer_item"), conflict.get("newer", ""))
        older = usable(conflict.get("older_item"), conflict.get("older", ""))
        if newer is None or older is None:
            continue
        lines.append(
            f"{DIFFER_LEAD} this draft follows the newest report ({_credit(newer)}); "
            f"an earlier one ({_credit(older)}) said: “{_md_text(conflict['older'])}” "
            + DIFFER_CHECK
        )
    return standfirst, lines


def _lead_sentence(text):
    """(first sentence, the rest) of a source's text, so the standfirst is not said twice."""
    parts = split_sentences(text)
    if not parts:
        return "", text
    return parts[0], text.replace(parts[0], "", 1).strip()


@transaction.atomic
def make_draft(*, items, by, digest=None):
    """One draft Article from one or several items, owned by `by`; items become used.

    With an event's `digest` (central sentences picked by the worker), the body is those
    sentences, each linked to its source; otherwise each source's text is quoted in turn.
    The sources themselves are listed under the story from the provenance rows (DraftSource),
    not in the body, so readers see them once.
    """
    items = sorted(items, key=lambda item: (item.first_seen_at, item.pk))
    if not items:
        raise ValueError("Choose at least one item.")
    existing = _draft_of(items)
    if existing is not None:
        existing.drafted_before = True
        return existing
    lead = items[0]
    standfirst, body = _extract_parts(items, digest)
    if standfirst:
        candidates = []
        for item in items:
            if item.status != Item.Status.DUPLICATE and item.title not in candidates:
                candidates.append(item.title)
        body.append(
            CANDIDATES_HEADING
            + "\n\n"
            + "\n".join(f"- {_md_text(title)}" for title in candidates[:5])
        )
    for item in items if not standfirst else []:
        rights = item.source.rights
        url = citation_url(item)
        if rights == Source.Rights.HEADLINE or not (item.summary or item.content):
            body.append(
                f"- {_link(item.title, url) if url else _md_text(item.title)}"
                f" ({_md_text(str(item.source))})"
            )
            continue
        text = item.summary
        if rights == Source.Rights.FULL and item.content:
            text = "\n\n".join(
                p for p in (fetch.text_of(part) for part in item.content.split("</p>")) if p
            )
        if not standfirst:
            first, text = _lead_sentence(text)
            standfirst = f"{first} ({item.source})" if first else ""
        body.append(
            f"{_quote(text)}\n\nSource: {_credit(item)}" if text else f"Source: {_credit(item)}"
        )
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
            url=citation_url(item),
        )
        for position, item in enumerate(items)
    )
    Item.objects.filter(pk__in=[item.pk for item in items]).update(status=Item.Status.USED)
    article.drafted_before = False
    return article


def _draft_of(items):
    """The draft already made from exactly these items, or None.

    The items' rows are locked first, so two editors drafting from the same items
    at the same moment queue here: the second finds the first's draft (a locking
    read sees what the first committed).
    """
    pks = sorted(item.pk for item in items)
    list(Item.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))
    links = DraftSource.objects.select_for_update().filter(item__in=pks)
    for article_id in sorted({link.article_id for link in links}, reverse=True):
        made_from = sorted(
            DraftSource.objects.select_for_update()
            .filter(article_id=article_id)
            .values_list("item_id", flat=True)
        )
        if made_from == pks:
            return Article.objects.select_for_update().get(pk=article_id)
    return None


def sources_for(article):
    """The article's newswire sources, read once per article object."""
    if not hasattr(article, "_newswire_sources"):
        article._newswire_sources = list(DraftSource.objects.filter(article=article.pk))
    return article._newswire_sources


def headline_warnings(article):
    """Pre-publish check: warn while the headline is still a source's headline."""
    if not article.pk:
        return []
    title = normalise_text(article.title)
    for link in DraftSource.objects.filter(article=article.pk):
        if title == normalise_text(link.title):
            return [REWRITE_WARNING.format(source=link.source_name)]
    return []


def editor_only_left(article):
    """Publish refusal: the drafter's editor-only sections and notes still in the story.

    Not a judgement the rewrite confirmation can override: readers would see them (the
    page, the feeds, search snippets) whoever made or pasted them, so every story is read.
    """
    return [part.refusal for part in editor_only_in(article.standfirst, article.body)]


def editor_only_in(standfirst, body):
    """The kinds of editor-only scaffolding in a story's standfirst and body."""
    text = f"{standfirst}\n{body}"
    return [part for part in EDITOR_ONLY if part.pattern.search(text)]


def with_editor_only(articles):
    """(pk, title, [EditorOnly]) for the stories in a queryset that still carry editor-only
    scaffolding, by pk: a LIKE scan of every body (seconds at 1M), so only when asked."""
    suspect = Q()
    for part in EDITOR_ONLY:
        for hint in part.hints:
            suspect |= Q(standfirst__icontains=hint) | Q(body__icontains=hint)
    rows = (
        articles.filter(suspect)
        .select_related(None)
        .prefetch_related(None)
        .order_by("pk")
        .values_list("pk", "title", "standfirst", "body")
        .iterator()
    )
    found = ((pk, title, editor_only_in(standfirst, body)) for pk, title, standfirst, body in rows)
    return [(pk, title, parts) for pk, title, parts in found if parts]


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
