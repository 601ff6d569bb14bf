"""Articles: related stories by meaning on the reader's page, suggestions editors accept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Section, Tag
from articles.tests.factories import ArticleFactory
from newswire import assist
from newswire.models import ArticleAssist

pytestmark = pytest.mark.django_db

RATES = [
    (
        "Central bank lifts interest rates again",
        "The central bank raised its main interest "
        "rate by a quarter point to fight inflation; mortgages will cost more.",
    ),
    (
        "Mortgage costs rise after rate decision",
        "Banks passed on the central bank's interest "
        "rate rise to borrowers within a day, adding to household costs.",
    ),
    (
        "Inflation slows but rates stay high",
        "Consumer price inflation eased to 3 percent, but "
        "the central bank kept interest rates at their highest level in years.",
    ),
]
FOOTBALL = [
    (
        "United win the derby in stoppage time",
        "A header in the last minute gave United a 2-1 win over City in front of 40,000 fans.",
    ),
    (
        "Striker signs for record fee",
        "The club paid a record transfer fee for the striker, "
        "who signed a five-year contract on Friday.",
    ),
]


@pytest.fixture
def newsroom_articles():
    news = Section.objects.create(name="News", slug="news")
    business = Section.objects.create(name="Business", slug="business")
    economy = Tag.objects.create(name="Economy", slug="economy")
    football = Tag.objects.create(name="Football", slug="football")
    local = Tag.objects.create(name="Local", slug="local")
    now = timezone.now()
    made = {"rates": [], "football": []}
    for n, (title, text) in enumerate(RATES):
        article = ArticleFactory(
            title=title, standfirst=text, body=text, section=business, published=True,
            published_at=now - timedelta(days=3, minutes=n),
        )  # fmt: skip
        article.set_tags([economy, local])
        made["rates"].append(article)
    for n, (title, text) in enumerate(FOOTBALL):
        # Newer, same tag "Local": the tag-and-section rule would pick these first.
        article = ArticleFactory(
            title=title, standfirst=text, body=text, section=news, published=True,
            published_at=now - timedelta(hours=1, minutes=n),
        )  # fmt: skip
        article.set_tags([football, local])
        made["football"].append(article)
    for article in made["rates"] + made["football"]:
        assist.process_article(article.pk)  # what the worker does after each save
    for article in made["rates"] + made["football"]:
        assist.process_article(article.pk)  # again, now that all are embedded
    made.update(news=news, business=business, economy=economy, football=football)
    return made


def test_saving_an_article_queues_its_assistance(django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory()
    queued = DBTaskResult.objects.filter(task_path__endswith="assist_article_task")
    assert len([r for r in queued if r.args_kwargs["args"] == [article.pk]]) == 1


def test_related_stories_are_by_meaning(client, newsroom_articles):
    first = newsroom_articles["rates"][0]
    related = ArticleAssist.objects.get(article=first).related
    assert set(related[:2]) == {a.pk for a in newsroom_articles["rates"][1:]}
    page = client.get(first.get_absolute_url()).content.decode()
    section = page.split('id="related-heading"')[1]
    assert "Mortgage costs rise" in section and "Inflation slows" in section
    assert (
        section.index("Mortgage costs rise") < section.index("United win the derby")
        if ("United win the derby" in section)
        else True
    )


def test_the_article_page_keeps_its_query_bound(
    client, newsroom_articles, django_assert_max_num_queries
):
    first = newsroom_articles["rates"][0]
    client.get("/")  # as in articles' query-count test: the section menu is cached by then
    with django_assert_max_num_queries(6):
        assert client.get(first.get_absolute_url()).status_code == 200


def test_suggestions_by_nearest_neighbours_and_one_click_accept(
    client_for, editor, newsroom_articles
):
    draft = ArticleFactory(
        title="Rate rise expected as inflation stays high",
        standfirst="Economists expect the central bank to raise interest rates next week.",
        body="Economists expect the central bank to raise interest rates next week.",
        section=newsroom_articles["news"],
    )
    assist.process_article(draft.pk)
    suggestions = ArticleAssist.objects.get(article=draft).suggestions
    assert suggestions["tags"][0]["name"] in ("Economy", "Local")
    assert "Economy" in [t["name"] for t in suggestions["tags"]]
    assert suggestions["section"] == [{"id": newsroom_articles["business"].pk, "name": "Business"}]
    client = client_for(editor)
    url = f"/admin/articles/article/{draft.pk}/change/"
    page = client.get(url).content.decode()
    assert "Add tag “Economy”" in page and 'form="assist-accept"' in page
    assert "<script" not in page.split('class="assist-suggestions"')[1].split("</div>")[0]
    assert not draft.tags.exists()  # nothing applied silently
    accept = f"/admin/newswire/cluster/accept/{draft.pk}/"
    assert client.get(accept).status_code == 405
    weather = Tag.objects.create(name="Weather", slug="weather")
    response = client.post(
        accept, {"tag": weather.pk, "version": Article.objects.get(pk=draft.pk).version}
    )
    assert response.status_code == 302 and not draft.tags.exists()  # not a suggestion
    response = client.post(
        accept,
        {
            "tag": newsroom_articles["economy"].pk,
            "version": Article.objects.get(pk=draft.pk).version,
        },
    )
    assert response.status_code == 302
    assert list(draft.tags.values_list("name", flat=True)) == ["Economy"]
    client.post(
        accept,
        {
            "section": newsroom_articles["business"].pk,
            "version": Article.objects.get(pk=draft.pk).version,
        },
    )
    draft.refresh_from_db()
    assert draft.section == newsroom_articles["business"]
    page = client.get(url).content.decode()
    assert "Add tag “Economy”" not in page


def test_others_cannot_accept_suggestions_for_articles_they_cannot_edit(
    client_for, contributor, newsroom_articles
):
    article = newsroom_articles["rates"][0]
    response = client_for(contributor).post(
        f"/admin/newswire/cluster/accept/{article.pk}/", {"tag": newsroom_articles["economy"].pk}
    )
    assert response.status_code in (403, 404)
    assert list(article.tags.values_list("name", flat=True)) == ["Economy", "Local"]


def test_suggestions_are_offered_only_to_whoever_may_change_the_article(
    client_for, contributor, editor, newsroom_articles
):
    """A contributor's own published story opens read-only for them: no "Use this section"
    or "Add tag" button that would end on a refusal, and no accept form; an editor gets both."""
    from articles.models import Article

    article = ArticleFactory(
        authors=[contributor], status=Article.Status.PUBLISHED, section=newsroom_articles["news"]
    )
    business, weather = newsroom_articles["business"], Tag.objects.create(name="Weather")
    ArticleAssist.objects.update_or_create(
        article=article,
        defaults={
            "suggestions": {
                "section": [{"id": business.pk, "name": "Business"}],
                "tags": [{"id": weather.pk, "name": "Weather"}],
            }
        },
    )
    url = f"/admin/articles/article/{article.pk}/change/"
    page = client_for(contributor).get(url).content.decode()
    assert "Use this section" not in page and "Add tag" not in page
    assert 'id="assist-accept"' not in page
    page = client_for(editor).get(url).content.decode()
    assert "Move to Business" in page and "Add tag “Weather”" in page
    assert 'id="assist-accept"' in page


def test_a_suggested_section_names_the_one_already_chosen(client_for, editor, newsroom_articles):
    """Filed under News by a person, a story suggested for Business says where it is and
    offers a move; a story filed nowhere is offered the section as a first choice."""
    business = newsroom_articles["business"]
    filed = ArticleFactory(authors=[editor], section=newsroom_articles["news"])
    unfiled = ArticleFactory(authors=[editor], section=None)
    for article in (filed, unfiled):
        ArticleAssist.objects.update_or_create(
            article=article,
            defaults={"suggestions": {"section": [{"id": business.pk, "name": "Business"}]}},
        )
    client = client_for(editor)
    page = client.get(f"/admin/articles/article/{filed.pk}/change/").content.decode()
    offer = page.split('class="assist-suggestions"')[1].split("</div>")[0]
    assert "Section: Business (the story is filed under News now)" in offer
    assert "Move to Business</button>" in offer and "Use this section" not in offer
    page = client.get(f"/admin/articles/article/{unfiled.pk}/change/").content.decode()
    offer = page.split('class="assist-suggestions"')[1].split("</div>")[0]
    assert "Use this section</button>" in offer and "filed under" not in offer


def test_the_nightly_refresh_embeds_and_recomputes_from_one_index(newsroom_articles):
    from io import StringIO

    from django.core.management import call_command

    ArticleAssist.objects.all().delete()
    draft = ArticleFactory(
        title="Rates to stay high, central bank says",
        standfirst="The central bank said interest rates will stay high this year.",
        body="The central bank said interest rates will stay high this year.",
    )
    out = StringIO()
    call_command("refresh_assist", stdout=out)
    assert "6 article(s) embedded" in out.getvalue()
    first = newsroom_articles["rates"][0]
    related = ArticleAssist.objects.get(article=first).related
    assert set(related[:2]) == {a.pk for a in newsroom_articles["rates"][1:]}
    assert first.pk not in related
    tags = [t["name"] for t in ArticleAssist.objects.get(article=draft).suggestions["tags"]]
    assert "Economy" in tags
    out = StringIO()
    call_command("refresh_assist", stdout=out)
    assert "0 article(s) embedded" in out.getvalue()  # nothing stale: nothing re-embedded


def test_with_enough_published_articles_suggestions_come_from_trained_centroids(
    newsroom_articles, monkeypatch
):
    from newswire.models import Suggester

    monkeypatch.setattr(assist, "MIN_TRAINING_ARTICLES", 100)
    assert assist.train_suggesters() == 0 and not Suggester.objects.exists()
    monkeypatch.setattr(assist, "MIN_TRAINING_ARTICLES", 5)
    assert assist.train_suggesters() == 5
    tags = Suggester.objects.get(kind="tags")
    assert len(tags.labels) == 3  # Economy, Football, Local
    draft = ArticleFactory(
        title="Interest rates may rise again",
        standfirst="The central bank may raise interest rates again to curb inflation.",
        body="The central bank may raise interest rates again to curb inflation.",
        section=newsroom_articles["news"],
    )
    vector = assist.embed([assist.article_text(draft)])[0]
    monkeypatch.setattr(assist, "_published_vectors", lambda **k: pytest.fail("kNN used"))
    suggestions = assist.suggest(draft, vector)
    assert suggestions["tags"][0]["name"] in ("Economy", "Local")
    assert suggestions["tags"][0]["name"] != "Football"
    assert suggestions["section"] == [{"id": newsroom_articles["business"].pk, "name": "Business"}]
