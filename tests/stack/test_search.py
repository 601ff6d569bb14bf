"""Search through the real engine in the stack: Nginx, gunicorn, MariaDB and the stack's
own searchd (scripts/stack_lib.py). Unpublishing and scheduling are in test_takedown.py
(its search page goes through the engine too); here: a retitled and a deleted story
leave the results within the bound, and the engine stopped mid-run under load.
"""

import secrets
import threading
import time
from collections import Counter

import pytest

from .conftest import Client
from .test_takedown import BOUND, POLL, _change, _story

pytestmark = pytest.mark.stack


def _found(client, word, slug):
    response = client.get(f"/search/?q={word}&v={secrets.token_hex(3)}")
    assert response.status == 200, response.status
    return slug in response.text


def _seconds_until_gone(client, word, slug, changed_at):
    while time.time() < changed_at + BOUND:
        if not _found(client, word, slug):
            return round(time.time() - changed_at, 1)
        time.sleep(POLL)
    return None


def test_a_retitled_and_a_deleted_story_leave_search_within_the_bound(stack, client):
    word = f"Retitle{secrets.token_hex(4)}"
    story = _story(stack, title=f"{word} first headline")
    assert _found(client, word, story["slug"])
    changed_at = _change(
        stack,
        "from articles.models import Article\n"
        f"a = Article.objects.get(pk={story['id']})\n"
        "a.title = 'A corrected headline'\n"
        "a.body = 'The corrected body.'\n"
        "a.save()",
    )
    seconds = _seconds_until_gone(client, word, story["slug"], changed_at)
    print(f"retitled: gone from search after {seconds} s")
    assert seconds is not None, f"the old headline still found after {BOUND}s"
    assert _found(client, "corrected%20headline", story["slug"])

    changed_at = _change(
        stack,
        f"from articles.models import Article\nArticle.objects.filter(pk={story['id']}).delete()",
    )
    seconds = _seconds_until_gone(client, "corrected%20headline", story["slug"], changed_at)
    print(f"deleted: gone from search after {seconds} s")
    assert seconds is not None, f"the deleted story still found after {BOUND}s"


def test_the_engine_stopped_mid_run_gives_readers_503_never_500(stack):
    word = f"Outage{secrets.token_hex(4)}"
    story = _story(stack, title=f"{word} story")
    results, stop = [], threading.Event()

    def load(path):
        client = Client(stack)
        n = 0
        while not stop.is_set():
            n += 1
            # A new address each time: Nginx's microcache and the page cache answer nothing.
            response = client.get(f"{path}{n}-{secrets.token_hex(2)}")
            results.append((path, response.status, "Search is unavailable" in response.text))

    threads = [
        threading.Thread(target=load, args=(f"/search/?q={word}&v=",)),
        threading.Thread(target=load, args=("/?v=",)),
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        stack.stop_search()
        time.sleep(3)
        stack.start_search()
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    print(f"statuses: {dict(Counter((path[:8], status) for path, status, _ in results))}")
    assert {status for _, status, _ in results} <= {200, 503}, "never a 500"
    unavailable = [r for r in results if r[1] == 503]
    assert unavailable, "the engine's outage was never seen"
    assert all(path.startswith("/search/") and said for path, _, said in unavailable)
    assert all(status == 200 for path, status, _ in results if path == "/?v=")
    assert _found(Client(stack), word, story["slug"]), "search is back with the engine"
