"""Takedowns reach every reader through Nginx within the bound (articles/pagecache.py).

Each check warms the pages a story shows on (home, article, feed, news
sitemap, search, section) in Nginx's microcache and Django's page cache, makes
the change, then:
- "loud" addresses are requested every 0.4 s, to measure when each page
  changed (printed);
- "quiet" addresses (the same pages with ?v=quiet, warmed alike) get no
  request until the bound has passed; the first one after it must show the
  new state. With the old `proxy_cache_use_stale updating` that first request
  got the stale copy.
No publish_due timer runs in the stack.
"""

import secrets
import time

import pytest

from .conftest import MICROCACHE_SECONDS

pytestmark = pytest.mark.stack

BOUND = 10  # seconds: the takedown bound stated in articles/pagecache.py and README
POLL = 0.4


def _story(stack, *, title, delay=0):
    """Create a published story (delay seconds ahead = scheduled); its addresses and time."""
    return stack.shell_json(
        "import json, time\n"
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from articles.models import Article, Section\n"
        "section = Section.objects.order_by('pk').first()\n"
        f"at = timezone.now() + timedelta(seconds={delay})\n"
        f"a = Article.objects.create(title={title!r}, slug={title.lower().replace(' ', '-')!r},"
        " standfirst='A story for the takedown test.', body='Takedown test body.',"
        " section=section, status='published', published_at=at)\n"
        "print(json.dumps({'id': a.pk, 'article': a.get_absolute_url(), 'slug': a.slug,"
        " 'section': section.get_absolute_url(), 'at': at.timestamp()}))"
    )


def _change(stack, code):
    """Run a change inside Django; the moment it was committed."""
    return stack.shell_json(
        f"import json, time\n{code}\nprint(json.dumps({{'at': time.time()}}))"
    )["at"]


def _pages(story, word, suffix=""):
    joiner = "&" if suffix else ""
    return {
        "home": f"/{suffix and '?' + suffix}",
        "article": f"{story['article']}{suffix and '?' + suffix}",
        "feed": f"/feeds/latest.rss{suffix and '?' + suffix}",
        "sitemap": f"/sitemap-news.xml{suffix and '?' + suffix}",
        "search": f"/search/?q={word}{joiner}{suffix}",
        "section": f"{story['section']}{suffix and '?' + suffix}",
    }


def _shows(client, path, story, name):
    """Whether the page shows the story now (the article page: whether it answers 200)."""
    r = client.get(path)
    assert r.status in (200, 404), f"{path} gave {r.status}"
    if name == "article":
        return r.status == 200
    return story["slug"] in r.text


def _warm(client, pages, story, expected):
    """Load every page until it shows the state before the change, then once more.

    A page an earlier test loaded may sit in Nginx's microcache from before the
    story existed: it is given the microcache's lifetime to catch up.
    """
    for name, path in pages.items():
        deadline = time.time() + MICROCACHE_SECONDS + 2
        while (shown := _shows(client, path, story, name)) != expected and time.time() < deadline:
            time.sleep(POLL)
        assert shown == expected, f"{name} ({path}) before the change: shown={shown}"
        _shows(client, path, story, name)  # fills Nginx's microcache with this state


def _watch(client, story, word, changed_at, *, now_shown):
    """Poll the loud pages until the bound; check the quiet ones after it. Return delays."""
    loud, quiet = _pages(story, word), _pages(story, word, "v=quiet")
    delays = {}
    while time.time() < changed_at + BOUND:
        for name, path in loud.items():
            if name not in delays and _shows(client, path, story, name) == now_shown:
                delays[name] = round(time.time() - changed_at, 1)
        time.sleep(POLL)
    late = [name for name, path in quiet.items() if _shows(client, path, story, name) != now_shown]
    still = [name for name in loud if name not in delays]
    return delays, late, still


def _report(what, delays, late, still):
    print(f"{what}: seconds until each page changed: {delays}")
    assert not still, f"{what}: still old after {BOUND}s (polled): {still}"
    assert not late, f"{what}: first request after {BOUND}s showed the old state: {late}"


def test_an_unpublished_story_is_gone_everywhere_within_the_bound(stack, client):
    word = f"Takedown{secrets.token_hex(4)}"
    story = _story(stack, title=f"{word} withdrawn story")
    for suffix in ("", "v=quiet"):
        _warm(client, _pages(story, word, suffix), story, expected=True)
    changed_at = _change(
        stack,
        "from articles.models import Article\n"
        f"a = Article.objects.get(pk={story['id']})\n"
        "a.status = Article.Status.DRAFT\n"
        "a.save()",
    )
    _report("unpublish", *_watch(client, story, word, changed_at, now_shown=False))


def test_a_scheduled_story_arrives_everywhere_within_the_bound(stack, client):
    word = f"Embargo{secrets.token_hex(4)}"
    story = _story(stack, title=f"{word} scheduled story", delay=8)
    for suffix in ("", "v=quiet"):
        _warm(client, _pages(story, word, suffix), story, expected=False)
    assert time.time() < story["at"], "warming took longer than the schedule's 8 s"
    _report("scheduled", *_watch(client, story, word, story["at"], now_shown=True))


def test_a_correction_reaches_the_cached_article_within_the_bound(stack, client):
    word = f"Corrected{secrets.token_hex(4)}"
    story = _story(stack, title=f"{word} story to correct")
    note = f"Correction {secrets.token_hex(4)}: the vote was on Tuesday."
    pages = {"article": story["article"], "quiet": f"{story['article']}?v=quiet"}
    for path in pages.values():
        for _ in range(2):
            assert note not in client.get(path).text
    changed_at = _change(
        stack,
        "from articles.models import Correction\n"
        f"Correction.objects.create(article_id={story['id']}, note={note!r})",
    )
    seen = None
    while time.time() < changed_at + BOUND:
        if seen is None and note in client.get(pages["article"]).text:
            seen = round(time.time() - changed_at, 1)
        time.sleep(POLL)
    print(f"correction: seconds until the article page showed it: {seen}")
    assert seen is not None, f"correction not shown within {BOUND}s (polled)"
    assert note in client.get(pages["quiet"]).text, "first request after the bound: no correction"
