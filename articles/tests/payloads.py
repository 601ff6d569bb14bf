"""Hostile text for every field a person can write, and checks for every output context.

Shared by articles/tests/test_payloads.py (feeds, sitemaps, pages and the admin
parsed on the server) and tests/browser/test_payloads.py (the same rendered in
Chromium). Every payload runs alert/confirm/prompt when it is ever live, so a
dialog in the browser means an execution.
"""

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, URL_SCHEMES

# Short enough that "NN " + payload fits the 80-character section and tag names.
PAYLOAD_MAX_CHARS = 76

PAYLOADS = [
    # script elements
    "<script>alert(1)</script>",
    "<ScRiPt>alert(2)</sCrIpT>",
    "<script src=//x.invalid/a.js></script>",
    "<scr<script>ipt>alert(4)</scr</script>ipt>",
    "</script><script>alert(5)</script>",
    "</title><script>alert(6)</script>",
    "</textarea><script>alert(7)</script>",
    "</style></noscript><script>alert(8)</script>",
    # event handlers
    "<img src=x onerror=alert(9)>",
    "<IMG SRC=x OnErRoR=alert(10)>",
    "<img/src=x/onerror=alert(11)>",
    "<img src=x onerror=alert&#40;12&#41;>",
    '<img src=x onerror="alert(13)"//',
    "<<img src=x onerror=alert(14)//<",
    "<body onload=alert(15)>",
    "<details open ontoggle=alert(16)>",
    "<input autofocus onfocus=alert(17)>",
    "<video><source onerror=alert(18)></video>",
    "<marquee onstart=alert(19)>x</marquee>",
    '<a href="#" onclick="alert(20)" id=c20>x</a>',
    "<div onmouseover=alert(21) style=position:fixed;inset:0>x</div>",
    # javascript:, data:, vbscript: URLs
    '<a href="javascript:alert(22)">x</a>',
    '<a href="JaVaScRiPt:alert(23)">x</a>',
    '<a href="jav&#x09;ascript:alert(24)">x</a>',
    '<a href="&#106;avascript:alert(25)">x</a>',
    '<a href=" javascript:alert(26)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgyNyk8L3NjcmlwdD4=">x</a>',
    '<a href="vbscript:msgbox(28)">x</a>',
    '<iframe src="javascript:alert(29)"></iframe>',
    "<iframe srcdoc='<script>alert(30)</script>'>",
    '<object data="javascript:alert(31)"></object>',
    '<embed src="data:text/html,<script>alert(32)</script>">',
    '<form action="javascript:alert(33)"><button>x</button></form>',
    '<button formaction="javascript:alert(34)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(35)">',
    '<base href="javascript:alert(36)//">',
    '<link rel=stylesheet href="javascript:alert(37)">',
    # SVG and MathML
    "<svg onload=alert(38)>",
    "<svg><script>alert(39)</script></svg>",
    "<svg><animate onbegin=alert(40) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(41)"><text y=9>x</text></a></svg>',
    '<math href="javascript:alert(42)">x</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(43)>",
    # breaking out of attributes, elements, comments and CDATA
    '"><script>alert(44)</script>',
    "'><img src=x onerror=alert(45)>",
    '" autofocus onfocus="alert(46)" x="',
    "' autofocus onfocus='alert(47)' x='",
    '<!--<img src="--><img src=x onerror=alert(48)//">',
    "]]><script>alert(49)</script><![CDATA[",
    '<noscript><p title="</noscript><img src=x onerror=alert(50)>">',
    '<style>@import"javascript:alert(51)";</style>',
    '<div style="background:url(javascript:alert(52))">x</div>',
    # Markdown link tricks
    "[x](javascript:alert(53))",
    "[x](  JaVaScRiPt:alert(54) )",
    '![x](x" onerror="alert(55))',
    '[x](https://x.invalid/"onmouseover="alert(56))',
    "<javascript:alert(57)>",
    "[x][r]\n\n[r]: javascript:alert(58)",
    # encoded variants, which must stay text
    "&lt;script&gt;alert(59)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(60)&#62;",
    "%3Cscript%3Ealert(61)%3C/script%3E",
    "\\u003cscript\\u003ealert(62)\\u003c/script\\u003e",
    "\u2028\u2029</script><script>alert(63)</script>",
]

assert len(PAYLOADS) >= 40
assert all(len(p) <= PAYLOAD_MAX_CHARS for p in PAYLOADS), [
    p for p in PAYLOADS if len(p) > PAYLOAD_MAX_CHARS
]

# Attributes whose value is a URL a browser may follow or load.
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster",
    "background", "codebase", "cite", "srcdoc",
}  # fmt: skip
# Elements no output should ever gain from a person's text.
FORBIDDEN_ELEMENTS = {
    "iframe", "object", "embed", "frame", "frameset", "applet", "base", "svg",
    "math", "marquee", "video", "audio", "source", "noscript", "isindex", "xmp",
}  # fmt: skip
_SCRIPT_TYPES_WITH_DATA = {"application/ld+json", "application/json"}
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]+")


def png(width=200, height=200, name="hostile.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name=name)


def pack(payloads, limit=PAYLOAD_MAX_CHARS, sep=" "):
    """Payloads joined into as few strings of at most limit characters as possible."""
    groups, current = [], ""
    for payload in payloads:
        joined = f"{current}{sep}{payload}" if current else payload
        if current and len(joined) > limit:
            groups.append(current)
            joined = payload
        current = joined
    if current:
        groups.append(current)
    return groups


def build_newsroom(texts):
    """One published story per text, carrying it in every field a person can write.

    Each story has its own section, tag and author (display name and bio), a
    featured image with the text as alt, caption and credit, and a correction.
    Returns a list of dicts with the objects and the text they carry. Names
    keep the first 80 characters (150 for display names), as their columns do.
    """
    from accounts.tests.factories import UserFactory
    from articles.models import Article, Correction, Section, Tag
    from articles.tests.factories import ArticleFactory

    stories = []
    now = timezone.now()
    for n, text in enumerate(texts):
        section = Section.objects.create(
            name=f"{n:02d} {text}"[:80], slug=f"hostile-{n}", description=text, position=n
        )
        tag = Tag.objects.create(name=f"{n:02d} {text}"[:80])
        author = UserFactory(role="Author", display_name=f"{n:02d} {text}"[:150], bio=text)
        article = ArticleFactory(
            published=True,
            published_at=now - timedelta(minutes=n + 1),
            title=f"{n:02d} {text}",
            standfirst=text,
            body=f"{text}\n\nA paragraph: {text}\n\n- {text}\n\n> {text}",
            featured_image=png() if n == 0 else "",
            featured_image_alt=text,
            featured_image_caption=text,
            featured_image_credit=text,
            meta_title=text,
            meta_description=text,
            section=section,
            tags=[tag],
            authors=[author],
        )
        Correction.objects.create(article=article, note=text)
        stories.append(
            {"text": text, "article": article, "section": section, "tag": tag, "author": author}
        )
    # One picture for all: its renditions are made once, not once per story.
    first = stories[0]["article"]
    Article.objects.filter(pk__in=[s["article"].pk for s in stories[1:]]).update(
        featured_image=first.featured_image.name,
        featured_image_width=first.featured_image_width,
        featured_image_height=first.featured_image_height,
    )
    for story in stories:
        story["article"].refresh_from_db()
    return stories


def delete_newsroom(stories):
    from articles.models import Article, Section, Tag

    Article.objects.filter(pk__in=[s["article"].pk for s in stories]).delete()
    Section.objects.filter(pk__in=[s["section"].pk for s in stories]).delete()
    Tag.objects.filter(pk__in=[s["tag"].pk for s in stories]).delete()
    for story in stories:
        story["author"].delete()


# --- parsing ------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Every start tag with its attributes, every comment, and the text of some elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.comments = []
        self.text = []
        self._stack = []
        self.scripts = []  # (attrs, raw text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        self._stack.append([tag, dict(attrs), []])

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                name, attrs, parts = self._stack[index]
                del self._stack[index:]
                if name == "script":
                    self.scripts.append((attrs, "".join(parts)))
                self.text.append((name, attrs, "".join(parts)))
                break

    def handle_data(self, data):
        for entry in self._stack:
            entry[2].append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def parse_html(html):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def url_is_safe(value, schemes=URL_SCHEMES):
    """A relative URL, or one whose scheme is allowed (as a browser would read it)."""
    value = _CONTROL_OR_SPACE.sub("", value).lower()
    scheme, colon, _ = value.partition(":")
    if not colon or any(char in scheme for char in "/?#"):
        return True
    return scheme in schemes


def fragment_violations(html):
    """What in an HTML fragment lies outside articles/markdown.py's allowlist."""
    parsed = parse_html(html)
    found = [f"comment <!--{c}-->" for c in parsed.comments]
    for tag, attrs in parsed.elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"element <{tag}>")
        for name, value in attrs:
            if tag == "a" and name == "rel" and value == LINK_REL:
                continue  # the sanitiser's own
            if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
                found.append(f"attribute <{tag} {name}>")
            elif name in URL_ATTRIBUTES and not url_is_safe(value or ""):
                found.append(f"URL <{tag} {name}={value!r}>")
    return found


def text_of_html(html):
    """The text a reader sees when html is shown as HTML."""
    collected = []

    class _Text(HTMLParser):
        def handle_data(self, data):
            collected.append(data)

    parser = _Text(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return "".join(collected)


def is_preview_frame(tag, attributes):
    """The admin's own Markdown preview (MarkdownEditor in articles/admin.py): a frame
    that may run no script and loads nothing by address; its document is drawn by
    static/js/markdown-preview.js from the sanitised body."""
    return (
        tag == "iframe"
        and attributes.get("class") == "markdown-preview__frame"
        and attributes.get("sandbox") == "allow-same-origin"
        and not {"src", "srcdoc"} & set(attributes)
    )


def page_violations(html, *, admin=False):
    """Live markup in a whole page that no template of ours writes.

    Inline handlers, script URLs, scripts other than our data blocks and
    same-origin files, and elements no person's text may add. The admin's
    pages are forms and draw their icons with inline SVG.
    """
    parsed = parse_html(html)
    found = []
    titles = 0
    for tag, attrs in parsed.elements:
        attributes = dict(attrs)
        titles += tag == "title"
        if admin and is_preview_frame(tag, attributes):
            continue
        if tag in FORBIDDEN_ELEMENTS and not (admin and tag == "svg"):
            found.append(f"element <{tag}>")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            src = attributes.get("src") or ""
            same_origin = src.startswith("/") and not src.startswith("//")
            if kind not in _SCRIPT_TYPES_WITH_DATA and not same_origin:
                found.append(f"script {attributes}")
        if tag == "meta" and "http-equiv" in attributes:
            found.append(f"meta http-equiv {attributes}")
        if tag == "style":
            found.append("element <style>")
        forms = {"textarea", "button", "input", "form"}
        if not admin and tag in forms and {"autofocus", "formaction"} & set(attributes):
            found.append(f"element <{tag} {attributes}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"handler <{tag} {name}={value!r}>")
            elif name in URL_ATTRIBUTES and not url_is_safe(
                value or "", schemes={"http", "https", "mailto"}
            ):
                found.append(f"URL <{tag} {name}={value!r}>")
            elif name == "style" and "url(" in (value or "").lower():
                found.append(f"style <{tag} style={value!r}>")
    if titles > 1:
        found.append(f"{titles} <title> elements")
    return found


def json_ld(html):
    """The decoded JSON-LD blocks of a page, after checking none can end its <script>."""
    blocks = []
    for attrs, raw in parse_html(html).scripts:
        if attrs.get("type") == "application/ld+json":
            assert "<" not in raw, raw
            blocks.append(json.loads(raw))
    return blocks


# --- feeds ----------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
MEDIA_CREDIT = "{http://search.yahoo.com/mrss/}credit"


def parse_xml(body):
    """Our own feed or sitemap as an element tree (raw XML, no feed library between)."""
    return ET.fromstring(body)  # noqa: S314 - the site's own output, in a test


def feed_fields(xml_bytes):
    """(html_fields, text_fields) of a feed read as raw XML: lists of (where, value).

    HTML-typed: RSS channel and item <description>, <content:encoded>; Atom
    elements with type="html". Text: titles, names, categories, credits.
    """
    root = parse_xml(xml_bytes)
    html, text = [], []
    if root.tag == "rss":
        channel = root.find("channel")
        html.append(("channel/description", channel.findtext("description") or ""))
        text.append(("channel/title", channel.findtext("title") or ""))
        for n, item in enumerate(channel.iter("item")):
            where = f"item[{n}]"
            html.append((f"{where}/description", item.findtext("description") or ""))
            html.append((f"{where}/content:encoded", item.findtext(CONTENT_ENCODED) or ""))
            text.append((f"{where}/title", item.findtext("title") or ""))
            text += [(f"{where}/dc:creator", e.text or "") for e in item.iter(DC_CREATOR)]
            text += [(f"{where}/category", e.text or "") for e in item.iter("category")]
            text += [(f"{where}/media:credit", e.text or "") for e in item.iter(MEDIA_CREDIT)]
        return html, text
    assert root.tag == f"{ATOM}feed", root.tag
    for element in root.iter():
        name = element.tag.removeprefix(ATOM)
        kind = element.get("type", "text")
        if kind == "html":
            html.append((name, element.text or ""))
        elif kind == "xhtml":
            raise AssertionError(f"{name} is xhtml: serialise it as html or text")
        elif name in {"title", "subtitle", "summary", "content", "name", "rights"}:
            text.append((name, element.text or ""))
        elif name == "category":
            text.append((name, element.get("term") or ""))
        elif element.tag == MEDIA_CREDIT:
            text.append(("media:credit", element.text or ""))
    return html, text
