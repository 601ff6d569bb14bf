import random
import re
from datetime import datetime, timedelta
from html import unescape
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from articles import search
from articles.demotext import NewsText
from articles.management.commands import seed_demo
from articles.management.commands.seed_demo import (
    BODIES,
    DAYS,
    LEAD,
    OBJECTS,
    SUBJECTS,
    VERBS,
    DemoBodies,
)
from articles.markdown import render_markdown
from articles.models import Article, Checkpoint, Section
from articles.pagecache import public_cache_generation
from articles.search import sphinx
from articles.tests.factories import ArticleFactory
from newswire.models import Item, Source

pytestmark = pytest.mark.django_db


def _generated():
    """The articles seed_demo writes, without the draft its demo newswire makes."""
    return Article.objects.filter(newswire_links__isnull=True)


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_demo_builds_a_newsroom_and_prints_the_logins():
    output = run(
        "seed_demo", "--articles", "40", "--images", "1", "--password", "demo-passphrase-1"
    )
    assert _generated().count() == 40  # and the demo newswire's draft (newswire/tests)
    assert Section.objects.count() == 6
    assert "admin" in output and "demo-passphrase-1" in output
    roles = set(User.objects.filter(is_staff=True).values_list("groups__name", flat=True))
    assert {"Contributor", "Author", "Editor"} <= roles
    assert User.objects.get(username="admin").is_superuser
    statuses = set(Article.objects.values_list("status", flat=True))
    assert {"published", "draft", "review"} <= statuses
    assert Article.objects.filter(status="published", published_at__gt=timezone.now()).exists()
    pictured = Article.objects.exclude(featured_image="")
    assert pictured.count() == 1
    assert list(pictured.values_list("featured_image_width", "featured_image_height")) == [
        (1600, 900)
    ]
    assert all(a.authors.exists() and a.tags.exists() for a in _generated())


def test_seed_demo_run_twice_does_not_duplicate():
    run("seed_demo", "--articles", "25", "--images", "0", "--password", "demo-passphrase-1")
    slugs = set(Article.objects.values_list("slug", flat=True))
    output = run(
        "seed_demo", "--articles", "25", "--images", "0", "--password", "demo-passphrase-2"
    )
    assert set(Article.objects.values_list("slug", flat=True)) == slugs
    assert "(0 new)" in output
    assert User.objects.filter(username="editor").count() == 1
    assert User.objects.get(username="editor").check_password("demo-passphrase-2")


def test_seed_demo_rejects_a_negative_count():
    with pytest.raises(CommandError, match="between 0 and"):
        call_command("seed_demo", "--articles", "-5")


def test_publish_due_reports_what_went_live_once():
    first = run("publish_due")
    assert "First run" in first
    Checkpoint.objects.update(at=timezone.now() - timedelta(hours=1))
    ArticleFactory(title="Scheduled budget story", status="published",
                   published_at=timezone.now() - timedelta(minutes=30))  # fmt: skip
    ArticleFactory(title="Still in the future", scheduled=True)
    before = public_cache_generation()
    second = run("publish_due")
    assert "1 article(s) went live" in second
    assert "Scheduled budget story" in second
    assert "Still in the future" not in second
    assert public_cache_generation() != before
    third = run("publish_due")
    assert "0 article(s) went live" in third


def logins(output):
    """The printed account lines: username, role, password."""
    rows = output.split("with any of these accounts:\n", 1)[1].splitlines()
    return [row.split() for row in rows]


def test_seed_demo_keeps_its_generated_password_across_runs(settings, tmp_path):
    settings.DEMO_PASSWORD_FILE = tmp_path / "var" / "demo-password"
    first = logins(run("seed_demo", "--articles", "0", "--images", "0"))
    assert len(first) == 7
    password = first[0][-1]
    assert {row[-1] for row in first} == {password}
    assert settings.DEMO_PASSWORD_FILE.read_text().strip() == password
    assert settings.DEMO_PASSWORD_FILE.stat().st_mode & 0o077 == 0  # private to its owner
    again = logins(run("seed_demo", "--articles", "0", "--images", "0"))
    assert again == first  # printed again, and still the same
    assert User.objects.get(username="editor").check_password(password)


def test_seed_demo_password_option_changes_the_kept_password(settings, tmp_path):
    settings.DEMO_PASSWORD_FILE = tmp_path / "demo-password"
    run("seed_demo", "--articles", "0", "--images", "0")
    run("seed_demo", "--articles", "0", "--images", "0", "--password", "a-new-passphrase-7")
    later = logins(run("seed_demo", "--articles", "0", "--images", "0"))
    assert {row[-1] for row in later} == {"a-new-passphrase-7"}
    assert User.objects.get(username="author").check_password("a-new-passphrase-7")


def row_values(article):
    """Everything saved about an article that a save may derive, links included."""
    values = model_to_dict(article, exclude=["updated_at", "tags", "authors"])
    values["slug"] = article.slug
    values["body_html"] = article.body_html
    values["first_published_at"] = article.first_published_at
    values["featured_image_width"] = article.featured_image_width
    values["tags"] = sorted(article.tag_links.values_list("tag_id", "public_since"))
    values["bylines"] = list(
        article.author_links.values_list("author_id", "position", "public_since")
    )
    return values


def test_seed_demo_rows_are_what_a_normal_save_writes(django_capture_on_commit_callbacks):
    before = public_cache_generation()
    # The demo's newswire draft is saved as any story is: indexed once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        run("seed_demo", "--articles", "60", "--images", "0", "--password", "demo-passphrase-1")
    assert public_cache_generation() != before
    articles = list(_generated().order_by("id"))
    assert len(articles) == 60
    for article in articles:
        assert article.body_html == render_markdown(article.body), article.slug
        assert article.slug.startswith(slugify(article.title) + "-")
        for link in [*article.tag_links.all(), *article.author_links.all()]:
            assert link.public_since == article.public_since, article.slug
    # The seed indexed every article it wrote: nothing for the reconcile to repair.
    assert search.reconcile() == ([], [], [])
    for article in articles[::7]:
        seeded = row_values(article)
        article.save()
        article.refresh_from_db()
        assert row_values(article) == seeded


@pytest.mark.parametrize("index", range(len(BODIES)))
def test_demo_bodies_render_as_render_markdown_does(index):
    bodies, text = DemoBodies(), NewsText()
    # Every subject, including the apostrophe that smart quotes turn into ’.
    for n, (subject, verb, obj) in enumerate(zip(SUBJECTS, VERBS * 2, OBJECTS, strict=False)):
        story = text.paragraphs(random.Random(n))
        lead = {"title": f"{subject} {verb} {obj}", "day": DAYS[index], "count": "12,000"}
        body, html = bodies.render(index, {**lead, "story": story})
        assert body == BODIES[index].format(lead=LEAD.format(**lead, story=story))
        assert html == render_markdown(body)
    assert "Teachers’ union" in bodies.render(index, {**lead, "title": "Teachers' union"})[1]


def test_demo_bodies_stop_when_the_fast_path_would_differ(monkeypatch):
    # A heading id is made from the words: the marks would end up in it.
    monkeypatch.setattr(seed_demo, "LEAD", "## {title} on {day}, {count}")
    with pytest.raises(CommandError, match="fast Markdown path"):
        DemoBodies().render(0, {"title": "A *bold* claim", "day": "Monday", "count": "1"})


# InnoDB's FULLTEXT index only sees committed rows; serialized_rollback restores the roles.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seeded_articles_are_found_by_search(client):
    run("seed_demo", "--articles", "40", "--images", "0", "--password", "demo-passphrase-1")
    harbour = Article.objects.published().filter(title__icontains="harbour")
    assert harbour.exists()
    response = client.get("/search/", {"q": "harbour"})
    titles = re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', response.text)
    assert set(harbour.values_list("title", flat=True)) <= {unescape(t) for t in titles}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_index_rebuilds_and_reconciles_and_says_so():
    stories = [ArticleFactory(published=True, title=f"Harbour story {n}") for n in range(3)]
    source = Source.objects.create(name="Wire", feed_url="https://wire.example/rss")
    item = Item.objects.create(source=source, guid="1", guid_hash="1", title="Harbour wire")
    search.backend()._delete(search.ARTICLES, [stories[0].pk])  # drift: writes the engine missed
    search.backend()._delete(search.ITEMS, [item.pk])
    out = run("search_index", "--reconcile")
    assert out.startswith(
        "Search index of the articles reconciled: 1 missing, 0 out of date, 0 no longer there"
    )
    assert f"missing: {stories[0].pk}" in out
    assert "Search index of the newswire items reconciled: 1 missing, 0 out of date" in out
    assert f"missing: {item.pk}" in out.split("items reconciled")[1]
    out = run("search_index", "--rebuild")
    assert out == "Search index rebuilt: 3 articles, 1 newswire item.\n"
    assert sorted(search.search("harbour").ids) == sorted(story.pk for story in stories)
    assert search.search("harbour", collection=search.ITEMS).ids == [item.pk]
    if isinstance(search.backend(), sphinx.Backend):
        # The rebuilt index is on disk, with no RAM chunk beside it for every search to read.
        status = dict(search.backend()._run([("SHOW INDEX articles STATUS", None)]))
        assert int(status["disk_chunks"]) >= 1 and int(status["ram_chunk"]) < 1024, status


def test_search_index_without_an_engine_exits_with_one_line(settings):
    settings.SEARCH_URL = "sphinx://127.0.0.1:9/articles"  # nothing listens on port 9
    with pytest.raises(CommandError, match="The search engine did not answer"):
        call_command("search_index", "--reconcile", stdout=StringIO())


def test_a_seeded_story_published_in_the_past_does_not_say_updated_at_the_seed_time(client):
    """seed_demo backdates publication; a story nobody touched since must not read "Updated
    <the time of the seed>" on its page, in its meta tags or in the admin's order."""
    run("seed_demo", "--articles", "40", "--images", "0", "--password", "demo-passphrase-1")
    now = timezone.now()
    past = [a for a in _generated() if a.published_at and a.published_at < now]
    assert len(past) > 30
    for article in past:
        assert article.updated_at == article.published_at == article.created_at, article.slug
    for article in _generated().filter(published_at__isnull=True):
        assert now - article.updated_at < timedelta(minutes=5)  # a draft: written at the seed
    story = past[-1]
    page = client.get(story.get_absolute_url()).content.decode()
    assert "story__updated" not in page
    modified = re.search(r'property="article:modified_time" content="([^"]+)"', page).group(1)
    assert datetime.fromisoformat(modified) == story.published_at
