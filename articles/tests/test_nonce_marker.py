"""The CSP nonce of a cached page is put back into its nonce attributes only, never
into text a reader searched for or an editor typed, on every kind of cached page."""

import html
import re
from html.parser import HTMLParser

import pytest

from articles.pagecache import NONCE_ATTRIBUTE, NONCE_SOURCE
from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory

# Search commits its rows (InnoDB FULLTEXT sees only committed ones).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The placeholder of earlier releases, today's markers and the attribute as a page
# writes it: a person may type any of them.
MARKERS = ("__aiblogger_csp_nonce__", NONCE_ATTRIBUTE.strip(), NONCE_SOURCE)
TYPED = "Quokka " + " ".join(MARKERS)


class _NonceAttributes(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.found = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name == "nonce"]


def nonce_attributes(text):
    """The values of the page's nonce attributes, read as a browser would."""
    return _NonceAttributes(text).found


@pytest.fixture
def marked_site():
    section = SectionFactory(name=f"Section {TYPED}", slug="marked")
    tag = TagFactory(name=f"Tag {TYPED}", slug="marked")
    article = ArticleFactory(
        published=True,
        title=f"Headline {TYPED}",
        standfirst=f"Standfirst {TYPED}",
        body=f"Body {TYPED}\n\n`{TYPED}`",
        section=section,
        tags=[tag],
    )
    author = article.author_links.get().author
    author.display_name = f"Author {TYPED}"
    author.save()
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": section.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "author": author.get_absolute_url(),
        "search": "/search/?q=" + TYPED.replace(" ", "+").replace('"', "%22").replace("<", "%3C"),
    }


def _nonce(response):
    """The answer's nonce (None when the page has no element needing one), checked
    to be the same in the header and in every nonce attribute."""
    sources = re.findall(r"'nonce-([^']*)'", response["Content-Security-Policy"])
    attributes = set(nonce_attributes(response.content.decode()))
    if not attributes:
        assert sources == [], "a nonce is allowed only where the page uses one"
        return None
    assert len(sources) == 1 and attributes == {sources[0]}, "the attributes carry the header's"
    return sources[0]


# Pages whose own elements carry a nonce (the article's JSON-LD); the others have none.
WITH_NONCE = {"article"}


@pytest.mark.parametrize("kind", ["home", "article", "section", "tag", "author", "search"])
def test_typed_markers_stay_as_typed_on_first_and_cached_render(client, marked_site, kind):
    url = marked_site[kind]
    pages = [client.get(url) for _ in range(3)]  # rendered, then twice from the page cache
    nonces = []
    for response in pages:
        assert response.status_code == 200
        nonce = _nonce(response)
        nonces.append(nonce)
        text = response.content.decode()
        assert TYPED in html.unescape(text), "the text shows as typed"
        assert "<csp-nonce>" not in text, "no marker is left in the page"
        assert "<csp-nonce>" not in response["Content-Security-Policy"]
        if nonce:
            elsewhere = text.replace(f' nonce="{nonce}"', "")
            assert nonce not in elsewhere, "the nonce is only in nonce attributes"
    if kind in WITH_NONCE:
        assert None not in nonces and len(set(nonces)) == 3, "each answer has its own nonce"
    else:
        assert nonces == [None] * 3
    # The cached pages are the rendered page, nonce apart.
    first, *cached = (
        r.content.decode().replace(str(n), "N") for r, n in zip(pages, nonces, strict=True)
    )
    assert all(page == first for page in cached)
