"""Article HTML is sanitised for everyone: no payload survives into stored or served HTML."""

from html.parser import HTMLParser

import pytest

from articles.markdown import render_markdown
from articles.tests.factories import ArticleFactory

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert('x')\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<img src=x:alert(1) onerror=eval(src)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JAVASCRIPT:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html,<script>alert(1)</script>">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![pic](javascript:alert(1))",
    '![pic](x" onerror="alert(1))',
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    "<style>body{display:none}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example/"><input name="password"></form>',
    "<details open ontoggle=alert(1)>x</details>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)//<</script>/script>",
    '<video><source onerror="alert(1)"></video>',
    '<input autofocus onfocus="alert(1)">',
    "<textarea><script>alert(1)</script></textarea>",
]
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "link", "meta",
    "base", "form", "input", "textarea", "video", "source", "body",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class DangerFinder(HTMLParser):
    """Collect what could execute or restyle: tags, handlers, URLs, inline styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "style":
                self.problems.append(f"{tag}[style]")
            is_url = name in ("href", "src", "action", "formaction", "xlink:href")
            if is_url and (value or "").strip().lower().startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"{tag}[{name}={value}]")


def dangers(html):
    finder = DangerFinder()
    finder.feed(html)
    return finder.problems


def test_at_least_thirty_payloads_are_checked():
    assert len(XSS_PAYLOADS) >= 30


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_is_neutralised_in_stored_html(payload):
    html = render_markdown(f"Before.\n\n{payload}\n\nAfter.")
    assert dangers(html) == []
    assert "Before." in html and "After." in html


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_is_neutralised_on_the_public_page(client, payload):
    # The site's own chrome (its <body>, a log-in form) is the baseline.
    clean = ArticleFactory(published=True, body="Story text.")
    baseline = sorted(dangers(client.get(clean.get_absolute_url()).content.decode()))
    article = ArticleFactory(published=True, body=f"Story text.\n\n{payload}")
    assert dangers(article.body_html) == []
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert article.body_html in page
    assert sorted(dangers(page)) == baseline


def test_links_get_noopener_and_safe_markdown_survives():
    html = render_markdown(
        "## Results\n\nSee [the report](https://example.com/r) and **bold** *text*.\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted"
    )
    assert 'rel="noopener noreferrer"' in html
    assert 'href="https://example.com/r"' in html
    assert "<strong>bold</strong>" in html
    assert "<table>" in html and "<blockquote>" in html
    assert '<h2 id="results">Results</h2>' in html
