"""Anonymous pages come from the cache, yet no reader sees an edit late; only changes
readers can see retire the cached pages."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from articles.models import Article, Correction, PreviewLink
from articles.pagecache import invalidate_public_pages, public_cache_generation
from articles.publishing import article_publish, article_unpublish
from articles.tests.factories import ArticleFactory, archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the cache invalidation that a real commit would trigger."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    return run


def test_second_anonymous_request_is_served_without_the_database(
    client, django_assert_num_queries
):
    article = ArticleFactory(published=True, title="Cached story")
    first = client.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second.status_code == 200
    assert "Cached story" in second.content.decode()

    def without_nonce(response):
        return re.sub(r' nonce="[^"]+"', "", response.content.decode())

    assert without_nonce(first) == without_nonce(second)


def test_publishing_shows_up_on_the_cached_home_page_at_once(client, editor, on_commit):
    ArticleFactory(published=True, title="Already out")
    draft = ArticleFactory(title="Fresh scoop")
    assert "Fresh scoop" not in client.get("/").content.decode()
    on_commit(lambda: article_publish(article=draft, by=editor))
    assert "Fresh scoop" in client.get("/").content.decode()


def test_editing_changes_the_cached_article_page_at_once(client, on_commit):
    article = ArticleFactory(published=True, standfirst="The first version.")
    url = article.get_absolute_url()
    assert "The first version." in client.get(url).content.decode()

    def edit():
        article.standfirst = "The corrected version."
        article.save()

    on_commit(edit)
    assert "The corrected version." in client.get(url).content.decode()


def test_a_correction_shows_up_at_once(client, on_commit):
    article = ArticleFactory(published=True)
    url = article.get_absolute_url()
    client.get(url)
    on_commit(lambda: Correction.objects.create(article=article, note="We got the date wrong."))
    assert "We got the date wrong." in client.get(url).content.decode()


def test_unpublishing_removes_the_cached_page_at_once(client, editor, on_commit):
    article = ArticleFactory(published=True, title="Withdrawn story")
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200
    assert "Withdrawn story" in client.get("/").content.decode()
    on_commit(lambda: article_unpublish(article=article, by=editor))
    assert client.get(url).status_code == 404
    assert "Withdrawn story" not in client.get("/").content.decode()


def test_cached_pages_expire_within_the_public_bound(client, settings):
    """A scheduled story going live triggers no save; the timeout bounds the wait."""
    from django.core.cache import cache

    settings.PUBLIC_CACHE_SECONDS = 60
    ArticleFactory(published=True)
    client.get("/")
    page_keys = [key for key in cache._cache if re.search(r":page(-\d+)?:", key)]
    assert page_keys
    for key in page_keys:
        assert cache._expire_info[key] - timezone.now().timestamp() <= 60


def test_logged_in_members_never_get_or_fill_the_cache(client, client_for, author):
    ArticleFactory(published=True)
    anonymous = client.get("/").content.decode()
    assert "Log in" in anonymous
    member = client_for(author).get("/")
    assert "Log out" in member.content.decode()
    assert "private" in member["Cache-Control"]
    client.logout()
    assert "Log out" not in client.get("/").content.decode()


def test_staff_preview_of_a_draft_is_never_cached(client_for, author, client):
    draft = ArticleFactory(authors=[author], title="Secret draft")
    response = client_for(author).get(draft.get_absolute_url())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_preview_links_are_never_cached(client):
    draft = ArticleFactory(title="Shared for review")
    link = PreviewLink.objects.create(article=draft)
    first = client.get(link.get_absolute_url())
    assert first["Cache-Control"] == "no-store"
    link.revoked_at = timezone.now()
    link.save()
    assert client.get(link.get_absolute_url()).status_code == 410  # withdrawn, not served stale


def test_pages_for_readers_with_a_session_are_not_cached(client):
    ArticleFactory(published=True)
    client.cookies["sessionid"] = "whatever"
    response = client.get("/")
    assert "private" in response["Cache-Control"]
    assert "ETag" not in response


def test_article_page_answers_a_matching_etag_with_304(client):
    article = ArticleFactory(published=True)
    first = client.get(article.get_absolute_url())
    etag = first["ETag"]
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_article_page_answers_if_modified_since_with_304(client):
    article = ArticleFactory(published=True)
    first = client.get(article.get_absolute_url())
    assert first.status_code == 200
    again = client.get(article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_an_edit_changes_the_etag(client, on_commit):
    article = ArticleFactory(published=True)
    etag = client.get(article.get_absolute_url())["ETag"]

    def edit():
        article.title = "A new headline"
        article.save()

    on_commit(edit)
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


# The same address twice: the second is a page-cache hit. Two addresses: the second
# is rendered past the page cache, around the story kept from the first.
@pytest.mark.parametrize("queries", [("", ""), ("?first=1", "?second=1")])
def test_each_cached_page_gets_its_own_csp_nonce(client, queries):
    article = ArticleFactory(published=True)
    nonces = []
    for query in queries:
        response = client.get(article.get_absolute_url() + query)
        header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
        script = re.search(r'<script type="application/ld\+json" nonce="([^"]+)"', response.text)
        assert script[1] == header, "the JSON-LD carries the nonce this response allows"
        nonces.append(header)
    assert nonces[0] != nonces[1]


def test_scheduled_story_stays_hidden_until_its_time(client):
    article = ArticleFactory(scheduled=True, title="Embargoed results")
    assert client.get(article.get_absolute_url()).status_code == 404
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    invalidate_public_pages()  # what publish_due does when the time comes
    assert client.get(article.get_absolute_url()).status_code == 200


def test_logging_in_does_not_empty_the_readers_cache(client, django_capture_on_commit_callbacks):
    UserFactory(username="editor1", password="correct-horse-battery", role="Editor")
    before = public_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:login"), {"username": "editor1", "password": "correct-horse-battery"}
        )
    assert response.status_code == 302
    assert public_cache_generation() == before


def test_changing_a_byline_name_retires_the_cached_pages(django_capture_on_commit_callbacks):
    author = UserFactory(role="Author")
    before = public_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        author.display_name = "A. New Name"
        author.save()
    assert public_cache_generation() != before


def test_a_cached_page_is_served_before_sessions_and_authentication(client, monkeypatch):
    from django.contrib.sessions.middleware import SessionMiddleware

    article = ArticleFactory(published=True, title="Served early")
    client.get(article.get_absolute_url())
    calls = []
    original = SessionMiddleware.process_request
    monkeypatch.setattr(
        SessionMiddleware,
        "process_request",
        lambda self, request: calls.append(request.path) or original(self, request),
    )
    response = client.get(article.get_absolute_url())
    assert "Served early" in response.text
    assert calls == [], "a hit is answered before the session middleware"
    assert client.get("/no-such-page/").status_code == 404
    assert calls == ["/no-such-page/"], "other URLs go through the whole stack"


def test_a_cached_page_keeps_the_headers_of_a_rendered_one(client):
    article = ArticleFactory(published=True)
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    for name in (
        "X-Frame-Options",
        "Cache-Control",
        "Vary",
        "ETag",
        "Last-Modified",
        "X-Content-Type-Options",  # SecurityMiddleware's, which wraps the page cache
        "Cross-Origin-Opener-Policy",
        "Referrer-Policy",
    ):
        assert second[name] == first[name], name
    assert "Cookie" in second["Vary"]
    assert int(second["Content-Length"]) == len(second.content)
    assert "Content-Security-Policy" in second


def test_a_page_stored_under_an_older_generation_is_not_served(client, on_commit):
    article = ArticleFactory(published=True, title="Old headline")
    url = article.get_absolute_url()
    client.get(url)
    Article.objects.filter(pk=article.pk).update(title="New headline")
    invalidate_public_pages()  # as the change's transaction would, without its signals
    assert "New headline" in client.get(url).text


# --- The card cache ------------------------------------------------------------


def test_cards_rendered_once_serve_other_pages_until_the_next_change(client):
    """Cards are shared by pages of one generation: a change no signal saw stays unseen..."""
    article = ArticleFactory(published=True, title="First headline")
    assert "First headline" in client.get("/").text
    Article.objects.filter(pk=article.pk).update(title="Second headline")
    assert "First headline" in client.get("/?page-not-cached-yet=1").text
    invalidate_public_pages()  # ...until the generation moves on, as every real change does
    assert "Second headline" in client.get("/?page-not-cached-yet=2").text


def test_an_edited_headline_reaches_every_page_showing_its_card_at_once(client, on_commit):
    article = ArticleFactory(published=True, title="Council delays tram")
    other = ArticleFactory(published=True, section=article.section)
    for url in ("/", article.section.get_absolute_url(), other.get_absolute_url()):
        assert "Council delays tram" in client.get(url).text, url

    def edit():
        article.title = "Council approves tram"
        article.save()

    on_commit(edit)
    for url in ("/", article.section.get_absolute_url(), other.get_absolute_url()):
        page = client.get(url).text
        assert "Council approves tram" in page, url
        assert "Council delays tram" not in page, url


def test_a_renamed_author_is_renamed_on_every_card_at_once(client, on_commit):
    author = UserFactory(role="Author", display_name="Ana Old")
    ArticleFactory(published=True, authors=[author])
    assert "Ana Old" in client.get("/").text

    def rename():
        author.display_name = "Ana New"
        author.save()

    on_commit(rename)
    page = client.get("/?after-rename=1").text
    assert "Ana New" in page
    assert "Ana Old" not in page


def test_members_and_readers_get_the_same_cards_and_no_markers(client, client_for, author):
    ArticleFactory(published=True, title="Shared card", authors=[author])
    anonymous = client.get("/").text
    member = client_for(author).get("/").text
    for page in (anonymous, member):
        assert "Shared card" in page
        assert "<!--card-" not in page
    card = re.search(r'<article class="card.*?</article>', anonymous, re.S)[0]
    assert card in member


def test_a_page_reads_all_its_cards_in_one_cache_call(client, monkeypatch):
    from django.core.cache import cache

    for _ in range(6):
        ArticleFactory(published=True)
    client.get("/")
    calls = []
    original = cache.get_many
    monkeypatch.setattr(
        cache, "get_many", lambda keys, **kw: calls.append(keys) or original(keys, **kw)
    )
    client.get("/?another-page=1")
    card_calls = [
        keys for keys in calls if any(":card:" in k or k.startswith("card:") for k in keys)
    ]
    assert len(card_calls) == 1


def test_an_article_past_the_page_cache_reads_its_story_and_the_menu_in_one_cache_call(
    client, monkeypatch
):
    """Rendered once per generation, an article page then costs one cache read
    besides the page cache's own (the generation and the page) and its store."""
    from django.core.cache import cache

    article = ArticleFactory(published=True, title="Kept whole")
    ArticleFactory(published=True, section=article.section)  # a related story
    client.get(article.get_absolute_url())
    reads, inside = [], []

    def spy(original):
        def read(key, *args, **kwargs):
            if not inside:  # a backend's get_many may call its own get
                reads.append(key)
            inside.append(key)
            try:
                return original(key, *args, **kwargs)
            finally:
                inside.pop()

        return read

    for name in ("get", "get_many"):
        monkeypatch.setattr(cache, name, spy(getattr(cache, name)))
    response = client.get(article.get_absolute_url() + "?again=1")
    assert "Kept whole" in response.text
    assert "Related stories" in response.text
    assert len(reads) == 2, reads  # the page cache's, then the story's with the sections
    assert any(key.startswith("sections:") for key in reads[1]), reads


def _list_pages(article):
    return {
        "home": "/",
        "section": article.section.get_absolute_url(),
        "tag": article.tags.first().get_absolute_url(),
        "author": article.authors.first().get_absolute_url(),
        "search": reverse("articles:search") + "?q=" + article.title.split()[0],
        "article": article.get_absolute_url(),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_page_whose_cards_are_cached_reads_no_whole_article(client):
    """Lists read ids; whole rows only for the cards the card cache lacks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stories = archive(12)
    article = stories[1]
    for name, url in _list_pages(article).items():
        joiner = "&" if "?" in url else "?"
        first = client.get(f"{url}{joiner}first=1").text
        with CaptureQueriesContext(connection) as queries:
            again = client.get(f"{url}{joiner}again=1").text
        assert again.count('class="card') == first.count('class="card'), name
        # A whole row carries body_html (search's snippets read the page's standfirst
        # and body, nothing more).
        sqls = [q["sql"] for q in queries]
        whole_rows = [
            sql for sql in sqls if re.search(r"""articles_article[`"]\.[`"]body_html""", sql)
        ]
        assert not whole_rows, name
        # The embedded engine's own queries (FTS5, in this database) are search's work.
        sqls = [sql for sql in sqls if "articles_search" not in sql]
        # Home's page one and the article (with its related stories) are kept whole.
        assert len(sqls) <= (0 if name in ("home", "article") else 3), (name, sqls)


def test_a_story_taken_down_after_its_list_was_read_shows_no_card():
    from articles.listing import Card
    from articles.pagecache import CardFragments

    shown = ArticleFactory(published=True, title="Still out")
    gone = ArticleFactory(published=True, title="Taken down")
    Article.objects.filter(pk=gone.pk).update(status=Article.Status.DRAFT)
    cards = CardFragments(public_cache_generation(), None)
    options = {"is_lead": False, "level": 3, "compact": False, "hide_section": False}
    page = cards.fill(cards.add(Card(shown.pk), options) + "|" + cards.add(Card(gone.pk), options))
    assert "Still out" in page
    assert page.endswith("|")


@pytest.mark.parametrize(
    ("shared", "same_as"),
    [
        ("?fbclid=IwAR0x", ""),
        ("?utm_source=newsletter&utm_medium=email&utm_campaign=monday", ""),
        ("?q=harbour&gclid=abc&_ga=1.2", "?q=harbour"),
        ("?utm_source=x&page=2", "?page=2"),
    ],
)
def test_tracking_parameters_share_the_cache_entry_of_the_address_without_them(
    rf, shared, same_as
):
    from articles.pagecache import _page_key

    assert _page_key(rf.get(f"/search/{shared}")) == _page_key(rf.get(f"/search/{same_as}"))


@pytest.mark.parametrize("other", ["?ref=social", "?fbclidx=1", "?page=2", "%3Ffbclid=1"])
def test_any_other_parameter_is_another_cache_entry(rf, other):
    from articles.pagecache import _page_key

    assert _page_key(rf.get(f"/search/{other}")) != _page_key(rf.get("/search/"))


def test_a_story_shared_with_a_click_id_is_served_from_the_page_cache(client, monkeypatch):
    from articles import pagecache

    article = ArticleFactory(published=True, title="Gone viral")
    client.get(article.get_absolute_url())
    hits = []
    monkeypatch.setattr(pagecache.metrics, "page_cache_hit", lambda: hits.append(1))
    response = client.get(article.get_absolute_url() + "?fbclid=IwAR2abc&utm_source=facebook")
    assert "Gone viral" in response.text
    assert hits == [1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_page_shows_the_tracking_parameters_it_was_rendered_with(client):
    """A page rendered for ?utm_source=… is kept for every reader of the address
    without it, so nothing on it may come from those parameters."""
    article = archive(12)[1]
    pages = {**_list_pages(article), "feed": "/feeds/latest.rss", "sitemap": "/sitemap.xml"}
    for name, url in pages.items():
        joiner = "&" if "?" in url else "?"
        tracked = client.get(f"{url}{joiner}utm_source=trackme1&fbclid=trackme2")
        assert tracked.status_code == 200, name
        assert b"trackme" not in tracked.content, name


def test_an_address_with_no_article_keeps_nothing_in_the_cache(client, monkeypatch):
    """A crawler trying made-up addresses must not fill the cache with empty entries."""
    from django.core.cache import cache

    ArticleFactory(published=True)  # a section for the menu
    stored = []
    original = cache.set_many
    monkeypatch.setattr(
        cache, "set_many", lambda data, *a, **kw: stored.extend(data) or original(data, *a, **kw)
    )
    assert client.get("/articles/no-such-story/").status_code == 404
    assert not [key for key in stored if key.startswith("story-page")], stored
    assert any(key.startswith("sections:") for key in stored), "the menu is still kept"
