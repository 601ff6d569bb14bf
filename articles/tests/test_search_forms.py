"""Search finds word forms, on the real engine of the run (SQLite's FTS5 with Porter's
English stemmer, or on MariaDB the session's own searchd with Snowball's), for readers
and editors: "floods" finds "flooded", the snippet marks every form, phrases stay
phrases (of forms), a minus leaves out every form, an exact headline still comes first.
The stemmer follows the site's LANGUAGE_CODE (README "Search")."""

import re
import shutil
import socket

import pytest
from django.db import connection

from articles import search
from articles.search import fts5, sphinx
from articles.tests.factories import ArticleFactory
from articles.tests.test_search import found

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def story(title, body="A quiet day.", **fields):
    return ArticleFactory(published=True, title=title, standfirst="News.", body=body, **fields)


def other_stories(count=3):
    for n in range(count):
        story(f"Council budget {n}", body="Rates and roads.")


def snippet_of(client, query):
    text = client.get("/search/", {"q": query}).text
    return re.search(r'<p class="search-snippet">(.*?)</p>', text, re.S)[1]


def test_a_word_finds_its_other_forms(client):
    other_stories()
    story("River bursts its banks", body="The town was flooded overnight.")
    story("Polls open", body="Two elections on one day.")
    assert found(client, "floods") == ["River bursts its banks"]
    assert found(client, "election") == ["Polls open"]
    assert found(client, "flooding elected") == []  # every word still required


def test_the_snippet_marks_every_form_of_the_word(client):
    story("River bursts its banks", body="Flooding closed the road; the floods may return.")
    snippet = snippet_of(client, "flood")
    assert "<mark>Flooding</mark> closed" in snippet
    assert "the <mark>floods</mark> may" in snippet
    assert "<mark>closed</mark>" not in snippet


def test_the_snippet_marks_forms_by_the_engines_stemmer_and_escapes_the_rest():
    html = search.snippet(
        "Wet <b>Flooded</b> & flooding: the flood-plain's floodgates <i>floods</i>",
        ["floods"],
        stemmer="english",
    )
    assert html == (
        "Wet &lt;b&gt;<mark>Flooded</mark>&lt;/b&gt; &amp; <mark>flooding</mark>: the "
        "<mark>flood</mark>-plain&#x27;s floodgates &lt;i&gt;<mark>floods</mark>&lt;/i&gt;"
    )
    # No stemmer (a language without one): the exact word only.
    assert "<mark>" not in search.snippet("Flooding closed the road.", ["floods"])
    # German, umlauts and all.
    assert search.snippet("Die Häuser am Hafen", ["haus"], stemmer="german") == (
        "Die <mark>Häuser</mark> am Hafen"
    )


def test_the_exact_headline_still_comes_first_among_other_forms(client):
    other_stories(10)
    headline = "Floods close the valley road"
    story(headline)
    for n in range(6):
        story(f"Valley news {n}", body="Flooding closes the valley roads again.")
    results = found(client, headline)
    assert results[0] == headline
    assert len(results) == 7  # the other forms are found too, after it


def test_a_quoted_phrase_is_still_a_phrase_of_word_forms(client):
    other_stories()
    story("Commuters stranded", body="The flooded road was closed.")
    story("Roads reopen", body="Last week's road flooding is over.")
    assert found(client, '"floods roads"') == ["Commuters stranded"]
    assert found(client, '"roads flooded"') == ["Roads reopen"]
    assert found(client, '"flooded road"') == ["Commuters stranded"]


def test_a_minus_leaves_out_every_form_of_the_word(client):
    other_stories()
    story("Valley farms", body="Flooding ruined the harvest.")
    story("Valley fair", body="A sunny weekend.")
    assert found(client, "valley -flood") == ["Valley fair"]
    assert found(client, 'valley -"floods ruin"') == ["Valley fair"]


def test_editors_find_word_forms_in_the_article_list(admin_client):
    story("River bursts its banks", body="The town was flooded overnight.")
    ArticleFactory(title="Draft about elections", body="Draft.")
    for query, headline in (("floods", "River bursts its banks"), ("election", "Draft about")):
        response = admin_client.get("/admin/articles/article/", {"q": query})
        assert response.status_code == 200
        assert headline in response.text, query


def test_the_stemmer_follows_the_sites_language():
    assert search.stemmer_of("en-gb") == "english"
    assert search.stemmer_of("de-AT") == "german"
    assert search.stemmer_of("pt-br") == "portuguese"
    assert search.stemmer_of("el") is None  # no stemmer (nor letters in the index) for it
    table = search._stemmers()
    assert {"en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "no", "fi", "ru"} <= set(table)
    import snowballstemmer

    # The highlighting stems with the Python port of the same algorithms.
    assert set(table.values()) <= set(snowballstemmer.algorithms())


def test_searchds_configuration_stems_in_the_sites_language(tmp_path):
    def render(language_code):
        return sphinx.render_config(
            host="127.0.0.1", port=9306, data_dir=tmp_path, log_dir=tmp_path,
            run_dir=tmp_path, language_code=language_code,
        )  # fmt: skip

    german = render("de-de")
    assert german.count("morphology = libstemmer_german") == 2
    # An index keeps the morphology it was made with: another language, other files.
    assert f"path = {tmp_path}/articles_german\n" in german
    assert f"path = {tmp_path}/newswire_items_german\n" in german
    greek = render("el")
    assert "morphology =" not in greek and f"path = {tmp_path}/articles\n" in greek


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 lives in SQLite")
def test_a_rebuild_makes_fts5_follow_a_change_of_language(settings):
    river = story("River bursts its banks", body="The town was flooded overnight.")
    assert search.search("floods").ids == [river.pk]
    try:
        settings.LANGUAGE_CODE = "de-de"  # FTS5 stems English only: exact words
        assert fts5.tokenize() == fts5.EXACT
        search.rebuild()
        assert search.search("floods").ids == []
        assert search.search("flooded").ids == [river.pk]
    finally:
        settings.LANGUAGE_CODE = "en-gb"
        search.rebuild()
    assert search.search("floods").ids == [river.pk]


@pytest.mark.skipif(shutil.which("searchd") is None, reason="needs Sphinx's searchd")
def test_a_german_site_stems_german_on_sphinx(client, settings, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    searchd = sphinx.LocalSearchd(tmp_path, port, language_code="de-de").start()
    try:
        settings.LANGUAGE_CODE = "de-de"
        settings.SEARCH_URL = searchd.url
        story("Wohnungsnot", body="Die Häuser am Hafen: neue Wohnungen.")
        story("Hafenfest", body="Ein Fest am Wasser.")
        assert found(client, "Haus") == ["Wohnungsnot"]
        assert found(client, "Wohnung") == ["Wohnungsnot"]
        assert found(client, "Häusern") == ["Wohnungsnot"]
        assert "<mark>Häuser</mark>" in snippet_of(client, "haus")
    finally:
        searchd.stop()
