"""A snippet reads only a window of the text around its first match; it must say what a
reading of the whole text says, whatever the text's length, Markdown or match."""

import random
import re

import pytest
from django.utils.html import escape

from articles import search

VOCABULARY = (
    *("the", "council", "said", "flood", "floods", "flooded", "flooding", "harbour", "tram"),
    *("trams", "river", "budget", "élection", "Häuser", "haus", "road_works", "minister"),
    *("2026", "4.25", "it's", "l'été"),
)
MARKS = ("# ", "## ", "> ", "- ", "* ", "1. ", "**", "_", "`", "|", "[", "]", "![")


def whole_text_snippet(text, terms, words=search.SNIPPET_WORDS, *, stemmer=None):
    """The snippet as it was read before windows: the whole text stripped and split."""
    plain = " ".join(search._MARKDOWN_RE.sub(" ", text).split())
    tokens = re.split(r"(\w+)", plain)
    word_positions = list(range(1, len(tokens), 2))
    is_form = search.Forms(terms, stemmer)
    at = is_form.first(plain)
    first = 0 if at is None else len(re.findall(r"\w+", plain[:at]))
    start = max(0, first - words // 3)
    chosen = word_positions[start : start + words]
    if not chosen:
        return ""
    pieces = []
    for i in range(chosen[0], chosen[-1] + 1):
        piece = escape(tokens[i])
        if i % 2 and is_form(tokens[i]):
            piece = f"<mark>{piece}</mark>"
        pieces.append(piece)
    if chosen[-1] == word_positions[-1]:
        pieces.append(escape(tokens[-1]))
    suffix = " …" if chosen[-1] < word_positions[-1] else ""
    return ("… " if start else "") + "".join(pieces) + suffix


def markdown_text(rng, words):
    """Words with Markdown around some of them: headings, lists, emphasis, links whose
    targets hold the query's words, line and paragraph breaks."""
    out = []
    for _ in range(words):
        word = rng.choice(VOCABULARY)
        roll = rng.random()
        if roll < 0.02:
            word = f"[{word}](https://example.org/{rng.choice(VOCABULARY)}/flood)"
        elif roll < 0.04:  # a word right after the link's target
            word = f"[{word}](https://example.org/tram){rng.choice(VOCABULARY)}"
        elif roll < 0.1:
            word = rng.choice(MARKS) + word
        elif roll < 0.14:
            word = f"*{word}*"
        out.append(word)
        out.append(rng.choice(("  ", " ", " ", " ", "\n", "\n\n", ". ", ", ")))
    return "".join(out).strip() + "."


@pytest.mark.parametrize("stemmer", [None, "english", "porter", "german"])
def test_a_snippet_from_a_window_says_what_the_whole_text_says(stemmer):
    rng = random.Random(2026)
    for case in range(300):
        text = markdown_text(rng, rng.choice((3, 25, 60, 400, 3000)))
        if case % 3 == 0:  # the match far in, or nowhere
            text = text.replace("flood", "storm") + " " + markdown_text(rng, 50)
        terms = rng.choice((["floods"], ["tram", "haus"], ["zeppelin"], ["harbour", "flood"]))
        assert str(search.snippet(text, terms, stemmer=stemmer)) == whole_text_snippet(
            text, terms, stemmer=stemmer
        ), (case, terms)


def test_a_word_only_in_a_links_target_is_not_where_the_snippet_starts():
    text = "See [the report](https://example.org/tram-fares). " + "Words " * 200 + "A tram."
    html = str(search.snippet(text, ["tram"]))
    assert html.endswith("A <mark>tram</mark>.") and html.startswith("… ")
    # Right after a link, the word is the reader's.
    text = "See [the report](https://example.org/x)tram fares. " + "Words " * 200
    assert str(search.snippet(text, ["tram"])).startswith("See the report <mark>tram</mark>")
