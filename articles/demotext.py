"""News-like demo text for seed_demo: a large vocabulary with a Zipf-like spread.

A search engine sees real news as a few words in nearly every story, a long
tail of words in a handful, and names, places and numbers. The vocabulary is
made here, deterministically and without downloads: a list of common English
words first (the head of the curve), then made-up words built from syllables
(the tail). The word of rank r is drawn with a weight of 1 / (r + ZIPF_SHIFT),
so "the" is in every story and most words are in a few.
"""

import itertools
import random
from operator import itemgetter

import numpy as np

COMMON = """
the of and to in a is that for on was with he it as at by said his from be have has an
are they this which not but were had their who been will after its more one would there
about new also two people year years first last over city time government when up out
into than other state council could can what some them only before plan most minister
public national where three them under week between against police million since while
per all during report local country world told including month because would back made
many members officials local election party work percent according money house school
health children service market bank court law house schools students water energy
climate company companies business workers prices rise higher lower billion support
general project development centre region district board committee chairman director
president leader mayor hospital patients doctors research university study scientists
data figures families residents community village town road rail station bus airport
housing homes rents costs budget funding tax spending debt trade exports jobs union
strike talks deal agreement decision vote result season match league club team players
coach goal final championship title victory win film music festival theatre book author
artist museum gallery exhibition opening plans proposal review inquiry investigation
trial judge evidence case appeal ruling police officers crime arrest charges fire flood
storm weather winter summer spring autumn morning evening night weekend monday
""".split()  # noqa: SIM905 - a word list, easier to read
ONSETS = """
b br c ch cl d dr f fl g gr h j k l m n p pl pr r s sh st t tr v w z
""".split()  # noqa: SIM905 - a word list, easier to read
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
CODAS = ["", "", "n", "r", "l", "s", "th", "nd", "rk", "st", "m", "x"]
FIRST_NAMES = """
Ana Ben Carla David Elif Farid Grace Hugo Ines Jamal Kirsten Liam Maya Nadia Omar Paula
Quentin Rosa Samuel Tariq Ulla Victor Wen Yusuf Zofia Aiko Bruno Chiara Dmitri Esther
Felix Greta Hamid Ivana Jonas Leila Marco Noor Oscar Priya Rafael Sofia Tomas Vera Will
Xenia Yara Zane
""".split()  # noqa: SIM905 - a word list, easier to read
VOCABULARY_SIZE = 40_000
PLACES = 2_000
SURNAMES = 3_000
ZIPF_SHIFT = 2.7


def _made_up_words(rng, count, exclude):
    """count distinct pronounceable words of two or three syllables, none in exclude."""
    syllables = [o + v + c for o, v, c in itertools.product(ONSETS, VOWELS, CODAS)]
    words, seen = [], set(exclude)
    while len(words) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 2, 3))))
        if word not in seen and len(word) <= 12:
            seen.add(word)
            words.append(word)
    return words


class NewsText:
    """Deterministic news-like words, names, places and sentences."""

    def __init__(self, seed=0):
        rng = random.Random(seed)  # noqa: S311 - demo text, not security
        common = list(dict.fromkeys(COMMON))
        made = _made_up_words(rng, VOCABULARY_SIZE - len(common) + PLACES + SURNAMES, common)
        self.words = common + made[: VOCABULARY_SIZE - len(common)]
        rest = made[VOCABULARY_SIZE - len(common) :]
        self.places = [word.capitalize() for word in rest[:PLACES]]
        self.surnames = [word.capitalize() for word in rest[PLACES:]]
        weights = np.cumsum(1 / (np.arange(len(self.words)) + ZIPF_SHIFT))
        self.cumulative = weights / weights[-1]

    def zipf_words(self, rng, count):
        """count words drawn with Zipf-like weights (common words far more often).

        The draws come from rng's bytes, so the text depends on rng alone; numpy
        only makes a million stories' worth of draws fast.
        """
        draws = np.frombuffer(rng.randbytes(8 * count), dtype=np.uint64) / 2.0**64
        chosen = np.searchsorted(self.cumulative, draws, side="right").tolist()
        return list(itemgetter(*chosen)(self.words)) if count > 1 else [self.words[chosen[0]]]

    def rare_word(self, rng):
        """A word from the long tail, drawn evenly: it makes a headline its own."""
        return self.words[rng.randrange(len(COMMON) * 2, len(self.words))]

    def name(self, rng):
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(self.surnames)}"

    def place(self, rng):
        return rng.choice(self.places)

    def sentence(self, rng, words):
        """A sentence of these Zipf words with, now and then, a name, a place or a number."""
        words[0] = words[0].capitalize()
        extra = rng.random()
        if extra < 0.25:
            words.insert(rng.randint(1, len(words)), f"in {self.place(rng)}")
        elif extra < 0.45:
            words.insert(rng.randint(1, len(words)), f"said {self.name(rng)}")
        elif extra < 0.6:
            words.insert(rng.randint(1, len(words)), f"{rng.randint(2, 9800):,}")
        return " ".join(words) + "."

    def paragraphs(self, rng, count=2, sentences=(3, 5)):
        """Paragraphs of sentences, separated by blank lines (plain Markdown text)."""
        lengths = [
            [rng.randint(7, 15) for _ in range(rng.randint(*sentences))] for _ in range(count)
        ]
        words = iter(self.zipf_words(rng, sum(map(sum, lengths))))
        return "\n\n".join(
            " ".join(self.sentence(rng, list(itertools.islice(words, n))) for n in paragraph)
            for paragraph in lengths
        )
