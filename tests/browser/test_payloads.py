"""Hostile text in every writable field runs nowhere in Chromium: feeds, pages, the admin.

The payloads (articles/tests/payloads.py) are packed into as few stories as the
fields allow, so the test loads few pages. Pages are rendered with their CSP
bypassed: the test is about escaping, which must hold without the CSP's help.
A dialog (every payload calls alert, confirm or prompt) means an execution;
handler attributes, script URLs and stray scripts mean injected markup.
"""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from articles import feeds
from articles.tests.payloads import PAYLOADS, build_newsroom, feed_fields, pack

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Every article field takes 150 characters (the credit's limit).
PACKED = pack(PAYLOADS, 150)

# What a page may not contain after rendering, whatever its author typed.
# The admin's Markdown preview frame (articles/tests/payloads.py is_preview_frame) is
# the site's own: it runs no script, and what it shows is checked like the page.
INJECTED = """(admin) => {
  const found = [];
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data",
                         "srcdoc", "poster", "background"];
  const previewFrame = (el) => admin && el.tagName === "IFRAME" &&
    el.className === "markdown-preview__frame" &&
    el.getAttribute("sandbox") === "allow-same-origin" && !el.hasAttribute("src");
  const elements = [...document.querySelectorAll("*")];
  for (const frame of elements.filter(previewFrame)) {
    if (frame.contentDocument) elements.push(...frame.contentDocument.querySelectorAll("*"));
  }
  for (const el of elements) {
    const tag = el.tagName.toLowerCase();
    if (previewFrame(el)) continue;
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(`<${tag} ${name}="${attr.value}">`);
      if (urlAttributes.includes(name) && /^(javascript|data|vbscript):/.test(value)) {
        found.push(`<${tag} ${name}="${attr.value}">`);
      }
    }
    if (["iframe", "object", "embed", "base", "frame", "math", "video", "marquee"]
        .includes(tag)) found.push(`<${tag}>`);
    if (tag === "svg" && !admin) found.push("<svg>");
    if (tag === "meta" && el.httpEquiv) found.push(`<meta http-equiv=${el.httpEquiv}>`);
    if (tag === "script") {
      const data = ["application/ld+json", "application/json"].includes(el.type);
      let own = false;
      try { own = Boolean(el.src) && new URL(el.src).origin === location.origin; } catch {}
      if (!data && !own) found.push(`<script>${el.textContent.slice(0, 60)}`);
    }
  }
  return found;
}"""


class Executions:
    """Dialogs a page opened: each is a payload that ran."""

    def __init__(self, page):
        self.dialogs = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message} at {dialog.page.url}")
        dialog.dismiss()


INNER_HTML = """(fragments) => {
  for (const html of fragments) {
    const item = document.createElement("article");
    item.innerHTML = html;
    document.body.appendChild(item);
  }
}"""
DOCUMENT_WRITE = """(fragments) => {
  document.open();
  document.write(fragments.map((html) => `<article>${html}</article>`).join(""));
  document.close();
}"""


def render_like_a_feed_reader(browser, fragments):
    """Show HTML fields as readers do without a CSP: innerHTML, then document.write.

    Returns the dialogs opened and the markup injected. Each way gets a fresh
    page, closed afterwards: live payloads (autofocus with onfocus) can open
    dialogs forever.
    """
    dialogs, found = [], []
    for script in (INNER_HTML, DOCUMENT_WRITE):
        page = browser.new_page()
        page.set_default_timeout(10_000)
        executions = Executions(page)
        page.goto("about:blank")
        page.evaluate(script, fragments)
        # Broken images report their error asynchronously.
        page.wait_for_timeout(300)
        found += page.evaluate(INJECTED, False)
        dialogs += executions.dialogs
        page.close()
    return dialogs, found


def test_hostile_text_runs_nowhere_in_chromium(browser, live_server, monkeypatch):
    """Feeds in a feed reader's view, then the public pages and the admin."""
    monkeypatch.setattr(feeds, "FEED_ITEMS", len(PACKED))
    # The check can fail: raw markup in a field does run and is seen.
    dialogs, found = render_like_a_feed_reader(browser, ["<img src=x onerror=alert(1)>"])
    assert dialogs
    assert found

    stories = build_newsroom(PACKED)
    check_feeds(browser, live_server.url, stories)
    check_pages_and_admin(browser, live_server.url, stories)


def check_feeds(browser, base, stories):
    """The site feeds (every story), every section feed, and a third of the tag and
    author feeds (the rest only repeat the items), in RSS and Atom."""
    urls = []
    for kind in ("rss", "atom"):
        urls.append(reverse(f"feeds:latest-{kind}"))
        for n, story in enumerate(stories):
            urls.append(reverse(f"feeds:section-{kind}", kwargs={"slug": story["section"].slug}))
            subject = ("tag", "author", None)[n % 3]
            if subject:
                slug = story[subject].slug
                urls.append(reverse(f"feeds:{subject}-{kind}", kwargs={"slug": slug}))
    # Fetched in parallel over HTTP, as a feed reader polls; only rendering needs Chromium.
    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = list(pool.map(lambda url: _get(base + url), urls))
    fragments = []
    for body in bodies:
        html_fields, _ = feed_fields(body)
        fragments += [value for _, value in html_fields if value]
    assert len(fragments) > len(stories) * 2
    dialogs, found = render_like_a_feed_reader(browser, fragments)
    assert dialogs == []
    assert found == []


def _get(url):
    with urlopen(url, timeout=30) as response:  # noqa: S310 - the live test server
        assert response.status == 200, url
        return response.read()


def check_pages_and_admin(browser, base, stories):
    from accounts.tests.factories import UserFactory

    # Every story's page (every article field, its section, tag and byline); the
    # section, tag and author pages of every third story in turn, which keeps the
    # page count low (every one of them is parsed on the server in
    # articles/tests/test_payloads.py).
    public = [reverse("articles:home"), "/no-such-page/"]
    public += [story["article"].get_absolute_url() for story in stories]
    for n, story in enumerate(stories):
        subject = ("section", "tag", "author")[n % 3]
        public.append(story[subject].get_absolute_url())
    for query in pack(PAYLOADS, 200):
        public.append(f"{reverse('articles:search')}?{_query(query)}")

    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    executions = Executions(page)
    injected = []
    for url in public:
        expected = 404 if url == "/no-such-page/" else None
        response = page.goto(base + url, wait_until="domcontentloaded")
        assert response.status == (expected or 200), url
        injected += [(url, found) for found in page.evaluate(INJECTED, False)]

    # The newsroom's side: the change list, and the form, history and compare view
    # of a few stories (all of them are parsed on the server).
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    admin_pages = [reverse("admin:articles_article_changelist")]
    for story in stories[:: len(stories) // 3]:
        article = story["article"]
        versions = _two_versions(article)
        admin_pages += [
            reverse("admin:articles_article_change", args=[article.pk]),
            reverse("admin:articles_article_history", args=[article.pk]),
            reverse("admin:articles_article_compare", args=[article.pk])
            + f"?version_id1={versions[0]}&version_id2={versions[1]}",
        ]
    for url in admin_pages:
        response = page.goto(base + url, wait_until="domcontentloaded")
        assert response.status == 200, url
        assert "/admin/login/" not in page.url
        injected += [(url, found) for found in page.evaluate(INJECTED, True)]
    page.wait_for_timeout(300)
    context.close()

    assert executions.dialogs == []
    assert injected == []


def _query(text):
    return urlencode({"q": text})


def _two_versions(article):
    """The story saved as a plain and then as its hostile revision, for the compare view."""
    import reversion
    from reversion.models import Version

    hostile = {name: getattr(article, name) for name in ("title", "standfirst", "body")}
    for name in hostile:
        setattr(article, name, "Plain")
    with reversion.create_revision():
        article.save()
    for name, value in hostile.items():
        setattr(article, name, value)
    with reversion.create_revision():
        article.save()
        # The admin writes each changed inline object's name into the comment.
        reversion.set_comment(f"Changed byline “{article.author_links.first().author}”.")
    return list(
        Version.objects.get_for_object(article).order_by("pk").values_list("pk", flat=True)
    )
