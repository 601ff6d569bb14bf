import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from articles import listing, views
from articles.models import Article, ArticleAuthor, Correction
from articles.tests.factories import (
    ArticleFactory,
    SectionFactory,
    TagFactory,
    archive,
    image_upload,
)

pytestmark = pytest.mark.django_db


def titles(response):
    return re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', response.text)


def test_home_leads_with_the_latest_featured_story(client):
    older_featured = ArticleFactory(
        published_ago=timedelta(minutes=30), featured=True, title="Older featured"
    )
    lead = ArticleFactory(
        published_ago=timedelta(minutes=20), featured=True, title="Harbour reopens after storm"
    )
    ArticleFactory(published_ago=timedelta(minutes=10), title="Newest ordinary story")
    response = client.get("/")
    assert response.status_code == 200
    lead_html = response.text.split('class="lead"', 1)[1].split("</section>", 1)[0]
    assert lead.title in lead_html
    stream = response.text.split('id="latest-heading"', 1)[1].split("</section>", 1)[0]
    assert "Newest ordinary story" in stream
    assert older_featured.title in stream
    assert lead.title not in stream, "the lead story is not repeated below itself"


def test_home_page_one_asked_for_by_number_shows_the_lead_and_the_blocks_too(client):
    section = SectionFactory(name="Politics", slug="politics")
    ArticleFactory(published_ago=timedelta(minutes=20), featured=True, title="Lead story")
    for n in range(25):
        ArticleFactory(published_ago=timedelta(minutes=30 + n), section=section)
    for url in ("/", "/?page=1"):
        text = client.get(url).text
        assert "Lead story" in text.split('class="lead"', 1)[1].split("</section>", 1)[0], url
        assert 'id="block-politics"' in text, url
    page_two = client.get("/?page=2").text
    assert 'class="lead"' not in page_two and 'id="block-politics"' not in page_two


def test_home_hides_drafts_reviews_and_scheduled_stories(client):
    ArticleFactory(published_ago=timedelta(minutes=5), title="Visible story")
    ArticleFactory(title="Draft story")
    ArticleFactory(title="Story in review", status=Article.Status.REVIEW)
    ArticleFactory(title="Scheduled story", scheduled=True)
    text = client.get("/").text
    assert "Visible story" in text
    for hidden in ("Draft story", "Story in review", "Scheduled story"):
        assert hidden not in text


def test_home_shows_a_block_per_section(client):
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    sport = SectionFactory(name="Sport", slug="sport", position=2)
    for n in range(22):
        ArticleFactory(
            published_ago=timedelta(minutes=n + 1), section=politics if n % 2 else sport
        )
    text = client.get("/").text
    assert 'id="block-politics"' in text
    assert 'id="block-sport"' in text
    assert text.index('id="block-politics"') < text.index('id="block-sport"')


def test_home_pages_by_number_then_by_keyset_without_repeats(client, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(views.PagedArticlesMixin, "max_pages", 2)
    articles = archive(7)
    # Two stories share a publication time: the id breaks the tie.
    Article.objects.filter(pk=articles[4].pk).update(published_at=articles[3].published_at)
    seen, url, hops = [], "/", 0
    while url and hops < 10:
        response = client.get(url)
        assert response.status_code == 200
        stream = response.text.split('id="latest-heading"', 1)[1].split("</section>", 1)[0]
        seen += re.findall(r'href="/articles/([^/]+)/"', stream)
        older = re.search(r'href="([^"]+)" rel="next"', stream)
        url = older[1].replace("&amp;", "&") if older else None
        hops += 1
        if hops == 2:
            assert url and "?before=" in url, "past the numbered pages, keyset takes over"
    lead = listing.lead_story()
    expected = [a.slug for a in Article.objects.published().exclude(pk=lead.pk)]
    assert seen == expected


def test_article_page_shows_the_whole_story(client):
    section = SectionFactory(name="Science", slug="science")
    tag = TagFactory(name="Space", slug="space")
    first, second = UserFactory(display_name="Ada Byline"), UserFactory(display_name="Bo Second")
    article = ArticleFactory(
        published_ago=timedelta(minutes=60),
        title="Probe lands on comet",
        standfirst="A ten-year journey ends.",
        body="The **probe** touched down.\n\n<script>alert(1)</script>",
        section=section,
        tags=[tag],
        authors=[first, second],
    )
    Correction.objects.create(article=article, note="An earlier version misspelt the comet.")
    response = client.get(article.get_absolute_url())
    text = response.text
    assert response.status_code == 200
    assert '<h1 class="story__title">Probe lands on comet</h1>' in text
    assert "A ten-year journey ends." in text
    assert "<strong>probe</strong>" in text and "<script>alert" not in text
    assert text.index("Ada Byline") < text.index("Bo Second")
    assert f'href="{first.get_absolute_url()}"' in text
    assert f'<time datetime="{article.published_at.isoformat()}"' in text
    assert "1 min read" in text
    assert 'href="/section/science/"' in text and 'href="/tag/space/"' in text
    assert "An earlier version misspelt the comet." in text


def test_related_stories_share_a_tag_or_section_and_are_public(client):
    tag = TagFactory()
    article = ArticleFactory(published_ago=timedelta(minutes=10), tags=[tag])
    by_tag = ArticleFactory(
        published_ago=timedelta(minutes=20), tags=[tag], title="Shares the tag"
    )
    by_section = ArticleFactory(
        published_ago=timedelta(minutes=30), section=article.section, title="Shares the section"
    )
    ArticleFactory(published_ago=timedelta(minutes=40), title="Unrelated story")
    ArticleFactory(tags=[tag], section=article.section, title="Draft relative")
    for n in range(4):
        ArticleFactory(
            published_ago=timedelta(minutes=50 + n),
            section=article.section,
            title=f"Old relative {n}",
        )
    text = client.get(article.get_absolute_url()).text
    related = text.split('id="related-heading"', 1)[1]
    linked = re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', related)
    assert linked[:2] == [by_tag.title, by_section.title]
    assert len(linked) == 4
    assert article.title not in linked
    assert "Unrelated story" not in related and "Draft relative" not in related


def test_related_stories_are_the_newest_across_every_tag_and_the_section(client):
    space, comets = TagFactory(), TagFactory()
    article = ArticleFactory(published_ago=timedelta(days=1), tags=[space, comets])
    for minutes in (10, 30, 50, 70, 90):
        ArticleFactory(
            published_ago=timedelta(minutes=minutes), tags=[space], title=f"Space {minutes}"
        )
    for minutes in (20, 40, 60):
        ArticleFactory(
            published_ago=timedelta(minutes=minutes), tags=[comets], title=f"Comets {minutes}"
        )
    ArticleFactory(published_ago=timedelta(minutes=35), section=article.section, title="Desk 35")
    ArticleFactory(scheduled=True, tags=[space], section=article.section, title="Not yet")
    text = client.get(article.get_absolute_url()).text
    related = text.split('id="related-heading"', 1)[1]
    linked = re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', related)
    assert linked == ["Space 10", "Comets 20", "Space 30", "Desk 35"]


def test_old_slug_redirects_permanently_to_the_current_address(client, editor):
    article = ArticleFactory(title="First headline")
    old_url = article.get_absolute_url()
    article.title = "Better headline"
    article.save()
    article.status = Article.Status.PUBLISHED
    article.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_unpublished_article_is_not_found_for_readers(client):
    draft = ArticleFactory()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_featured_image_is_responsive_and_reserves_its_box(client):
    upload = image_upload("harbour.jpg", size=(1600, 900))
    article = ArticleFactory(
        published_ago=timedelta(minutes=5),
        featured_image=upload,
        featured_image_alt="Boats in the harbour at dawn",
        featured_image_caption="The harbour on Monday",
        featured_image_credit="Jo Photographer",
    )
    text = client.get(article.get_absolute_url()).text
    img = re.search(r"<img [^>]*srcset=[^>]*>", text)[0]
    assert " 480w" in img and " 960w" in img and " 1440w" in img
    assert 'width="1440"' in img and 'height="810"' in img
    assert 'alt="Boats in the harbour at dawn"' in img
    assert 'sizes="' in img
    assert "The harbour on Monday" in text and "Jo Photographer" in text


@pytest.mark.parametrize("kind", ["section", "tag", "author"])
def test_subject_pages_list_only_their_public_stories(client, kind):
    section, tag, person = SectionFactory(), TagFactory(), UserFactory(role="Author")
    mine = ArticleFactory(
        published_ago=timedelta(minutes=5),
        section=section,
        tags=[tag],
        authors=[person],
        title="Belongs here",
    )
    ArticleFactory(published_ago=timedelta(minutes=6), title="Belongs elsewhere")
    ArticleFactory(section=section, tags=[tag], authors=[person], title="Unpublished one")
    subject = {"section": section, "tag": tag, "author": person}[kind]
    response = client.get(subject.get_absolute_url())
    assert response.status_code == 200
    assert titles(response) == [mine.title]


def test_author_page_shows_name_bio_and_avatar(client):
    person = UserFactory(
        role="Author",
        display_name="Rita Reporter",
        bio="Covers the city council.",
        avatar=image_upload("rita.png", size=(300, 300)),
    )
    ArticleFactory(published_ago=timedelta(minutes=5), authors=[person])
    text = client.get(person.get_absolute_url()).text
    assert "<h1>Rita Reporter" in text
    assert "Covers the city council." in text
    assert 'alt="Portrait of Rita Reporter"' in text


def test_reader_accounts_have_no_public_author_page(client):
    reader = UserFactory()
    assert client.get(reader.get_absolute_url()).status_code == 404


def test_tag_page_pages_through_the_link_table_by_keyset(client, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(views.PagedArticlesMixin, "max_pages", 1)
    tag = TagFactory()
    mine = [ArticleFactory(published_ago=timedelta(minutes=n + 1), tags=[tag]) for n in range(5)]
    seen, url = [], tag.get_absolute_url()
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += titles(response)
        older = re.search(r'href="([^"]+)" rel="next"', response.text)
        url = older[1] if older else None
    assert seen == [a.title for a in mine]


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_says_503_when_the_database_fails(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken():
        raise OperationalError("server has gone away")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_robots_txt_points_at_the_sitemap_on_production(client, settings):
    settings.SITE_INDEXABLE = True
    text = client.get("/robots.txt").text
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_robots_txt_keeps_staging_out_of_search_engines(client, settings):
    settings.SITE_INDEXABLE = False
    assert "Disallow: /\n" in client.get("/robots.txt").text
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").text


def test_bylines_keep_the_editors_order(client):
    lead, second = UserFactory(display_name="Zed Lead"), UserFactory(display_name="Amy Second")
    article = ArticleFactory(published_ago=timedelta(minutes=5), authors=[lead, second])
    ArticleAuthor.objects.filter(article=article, author=lead).update(position=1)
    ArticleAuthor.objects.filter(article=article, author=second).update(position=0)
    text = client.get(article.get_absolute_url()).text
    assert text.index("Amy Second") < text.index("Zed Lead")


LIST_PAGES = ["home", "article", "section", "tag", "author", "search"]


def _page_urls(articles):
    article = articles[0]
    tag = article.tags.first()
    person = article.authors.first()
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": article.section.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "author": person.get_absolute_url(),
        "search": reverse("articles:search") + "?q=council",
    }


# MariaDB's FULLTEXT index sees committed rows only; the roles come back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("count", [3, 60])
def test_every_public_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, count
):
    articles = archive(count)
    for name, url in _page_urls(articles).items():
        with django_assert_max_num_queries(6, info=f"{name} with {count} articles"):
            response = client.get(url)
        assert response.status_code == 200, name
        if name != "article":
            assert len(titles(response)) >= min(count, 1), name
