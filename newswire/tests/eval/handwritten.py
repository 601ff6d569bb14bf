"""Build a hand-written labelled set (JSON Lines) from the items_*.txt files beside it.

The texts are written by hand; this module only parses them, copies the text of syndicated
copies from the item they copy, assigns opaque ids in publication order, writes the JSON Lines
file, validates it and prints the counts. Each set's parameters (which files, which output, id
prefix, checks of its own, the lists its counts use) live in a short script beside its texts:
`python -m newswire.tests.eval.independent.build`, `python -m newswire.tests.eval.devreal.build`.

Source format, one item per block:

    ### key | event | language | source | rights | published [| copy=KEY [nosummary]]
    T title
    S summary (one line; omitted when there is none)
    B one body paragraph per line

The language column is the code as the feed declares it; ``(xx)`` means the feed declared
nothing (stored as "") and the text is in language xx (used only for the counts). A copy takes
title, summary and body from the item it copies unless it has its own T or S line; its body is
kept only when its rights are "full", its summary only when they are not "headline" and the
header does not say "nosummary".
"""

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

FIELDS = [
    "id", "event", "language", "source", "rights", "published", "title", "summary", "body",
    "duplicate_of",
]  # fmt: skip
RIGHTS = ("headline", "summary", "full")


class BuildError(ValueError):
    """The hand-written files or the built set break a rule; the message names where."""


@dataclass(frozen=True)
class HandwrittenSet:
    """One hand-written set: where its texts are, what it writes and what it checks."""

    folder: Path
    items: str  # glob of the source files in folder
    out: str  # the JSON Lines file, written in folder
    id_prefix: str
    window: tuple[date, date] | None = None  # first and last local date as published
    event_prefix: str = ""  # every event label starts with it
    one_rights_per_source: bool = False
    one_language_per_source: bool = False  # one declared code per source
    generic_titles: tuple[str, ...] = ()  # only for the printed counts
    boilerplate: tuple[str, ...] = ()  # only for the printed counts


def part(folder, name, letter, id_stem, window, **rules):
    """One writer's part of a set written by several: items_<letter>_*.txt in `folder` to
    <name>_<letter>.jsonl, ids <id_stem><letter>-; `rules` are HandwrittenSet's other fields."""
    return HandwrittenSet(
        folder=folder,
        items=f"items_{letter}_*.txt",
        out=f"{name}_{letter}.jsonl",
        id_prefix=f"{id_stem}{letter}-",
        window=window,
        **rules,
    )


def writers(folder, name, window):
    """The part maker of a held-out set written at once by several writers: writer(letter,
    **rules) is items_<letter>_*.txt to <name>_<letter>.jsonl, ids un<letter>-, event labels
    <letter>-, one rights level a source."""

    def writer(letter, **rules):
        return part(
            folder, name, letter, "un", window,
            event_prefix=f"{letter}-", one_rights_per_source=True, **rules,
        )  # fmt: skip

    return writer


@dataclass
class Built:
    """What a build produced: the items in id order and the file's exact text."""

    items: list
    text: str


def parse(path):
    """The item blocks of one source file, in file order."""
    blocks = []
    current = None
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line or line.startswith("#!"):
            continue
        where = f"{path.name}:{lineno}"
        if line.startswith("### "):
            cols = [c.strip() for c in line[4:].split("|")]
            if len(cols) not in (6, 7):
                raise BuildError(f"{where}: header needs 6 or 7 columns")
            key, event, lang, source, rights, published = cols[:6]
            copy_of, nosummary = None, False
            if len(cols) == 7:
                opts = cols[6].split()
                copy_of = opts[0].removeprefix("copy=")
                nosummary = "nosummary" in opts[1:]
            current = {
                "key": key,
                "event": event,
                "lang": lang,
                "source": source,
                "rights": rights,
                "published": published,
                "copy_of": copy_of,
                "nosummary": nosummary,
                "title": None,
                "summary": None,
                "body": [],
                "where": where,
            }
            blocks.append(current)
        elif current is None:
            raise BuildError(f"{where}: text before the first header")
        elif line.startswith("T "):
            current["title"] = line[2:].strip()
        elif line.startswith("S "):
            current["summary"] = line[2:].strip()
        elif line.startswith("B "):
            current["body"].append(line[2:].strip())
        else:
            raise BuildError(f"{where}: unknown line {line[:40]!r}")
    return blocks


def build(spec):
    """Parse, check, resolve copies and number the items of one set; nothing is written."""
    blocks = []
    for path in sorted(spec.folder.glob(spec.items)):
        blocks.extend(parse(path))
    if not blocks:
        raise BuildError(f"{spec.folder}/{spec.items}: no items")
    by_key = {}
    for b in blocks:
        if b["key"] in by_key:
            raise BuildError(f"{b['where']}: duplicate key {b['key']}")
        by_key[b["key"]] = b

    items = []
    rights_of, lang_of = {}, {}
    for b in blocks:
        where = b["where"]
        m = re.fullmatch(r"\((\w\w)\)", b["lang"])
        declared, true_lang = ("", m.group(1)) if m else (b["lang"], b["lang"][:2].lower())
        if b["rights"] not in RIGHTS:
            raise BuildError(f"{where}: bad rights {b['rights']}")
        when = datetime.fromisoformat(b["published"])
        if when.utcoffset() is None:
            raise BuildError(f"{where}: published needs an offset")
        if spec.window and not spec.window[0] <= when.date() <= spec.window[1]:
            first, last = (day.isoformat() for day in spec.window)
            raise BuildError(f"{where}: published outside {first}..{last}")
        if not b["event"].startswith(spec.event_prefix):
            raise BuildError(f"{where}: event labels start with {spec.event_prefix}")
        first_rights = rights_of.setdefault(b["source"], b["rights"])
        if spec.one_rights_per_source and first_rights != b["rights"]:
            raise BuildError(f"{where}: {b['source']} has rights {first_rights} elsewhere")
        first_code = lang_of.setdefault(b["source"], declared)
        if spec.one_language_per_source and first_code != declared:
            raise BuildError(f"{where}: {b['source']} declares {first_code!r} elsewhere")
        title, summary, body = b["title"], b["summary"] or "", b["body"]
        if b["copy_of"]:
            orig = by_key.get(b["copy_of"])
            if orig is None:
                raise BuildError(f"{where}: copy of unknown key {b['copy_of']}")
            if orig["copy_of"]:
                raise BuildError(f"{where}: copy of a copy")
            if orig["event"] != b["event"]:
                raise BuildError(f"{where}: copy in another event than its original")
            if b["body"]:
                raise BuildError(f"{where}: a copy takes its body from its original")
            title = title or orig["title"]
            drop = b["nosummary"] or b["rights"] == "headline"
            summary = "" if drop else (b["summary"] or orig["summary"] or "")
            if datetime.fromisoformat(orig["published"]) > when:
                raise BuildError(f"{where}: copy published before its original")
            body = orig["body"] if b["rights"] == "full" else []
        if not title:
            raise BuildError(f"{where}: no title")
        if b["rights"] == "headline" and (summary or body):
            raise BuildError(f"{where}: headline-only item with text")
        if b["rights"] == "full" and not body:
            raise BuildError(f"{where}: full rights without body")
        if b["rights"] != "full" and body:
            raise BuildError(f"{where}: body without full rights")
        row = dict.fromkeys(FIELDS)
        row.update(
            event=b["event"],
            language=declared,
            source=b["source"],
            rights=b["rights"],
            published=b["published"],
            title=title,
            summary=summary,
            body="\n\n".join(body),
        )
        items.append(
            {
                "key": b["key"],
                "true_lang": true_lang,
                "when": when,
                "copy_of": b["copy_of"],
                "row": row,
            }
        )

    items.sort(key=lambda i: (i["when"], i["key"]))
    ids = {}
    for n, item in enumerate(items, 1):
        ids[item["key"]] = item["row"]["id"] = f"{spec.id_prefix}{n:04d}"
    for item in items:
        if item["copy_of"]:
            item["row"]["duplicate_of"] = ids[item["copy_of"]]
    text = "".join(json.dumps(i["row"], ensure_ascii=False) + "\n" for i in items)
    validate(text)
    return Built(items, text)


def combine(name, parts):
    """Several built sets as one file, in the given order; ids and events must not overlap."""
    items = [item for part in parts for item in part.items]
    for field in ("id", "event"):
        owner = {}
        for n, part in enumerate(parts):
            for value in {i["row"][field] for i in part.items}:
                if owner.setdefault(value, n) != n:
                    raise BuildError(f"{name}: {field} {value} is in two parts")
    text = "".join(part.text for part in parts)
    validate(text)
    return Built(items, text)


def validate(text):
    """Every line an item with the fields in order, ids unique, each copy names an original."""
    rows = [json.loads(line) for line in text.splitlines()]
    if not all(list(r) == FIELDS for r in rows):
        raise BuildError("a line lacks a field or has them in another order")
    by_id = {r["id"]: r for r in rows}
    if len(by_id) != len(rows):
        raise BuildError("ids not unique")
    for r in rows:
        if r["duplicate_of"] is not None:
            orig = by_id[r["duplicate_of"]]
            if orig["event"] != r["event"] or orig["duplicate_of"] is not None:
                raise BuildError(f"{r['id']}: duplicate_of must name an original of its event")


def counts(built, generic_titles=(), boilerplate=(), per_event=True):
    """The figures a set's README quotes, as printable lines."""
    items = built.items
    rows = [i["row"] for i in items]
    by_id = {r["id"]: r for r in rows}
    copies = [r for r in rows if r["duplicate_of"] is not None]
    events = Counter(r["event"] for r in rows)
    ev_langs = {}
    for i in items:
        ev_langs.setdefault(i["row"]["event"], set()).add(i["true_lang"])
    first = {}
    for i in items:
        first[i["row"]["event"]] = min(first.get(i["row"]["event"], i["when"]), i["when"])
    generic = {t.lower() for t in generic_titles}
    days = sorted({i["when"].date().isoformat() for i in items})
    later = sum(
        i["row"]["duplicate_of"] is None
        and (i["when"] - first[i["row"]["event"]]).total_seconds() > 12 * 3600
        for i in items
    )
    lines = [
        f"items {len(rows)}, events {len(events)}, sources {len({r['source'] for r in rows})}",
        f"languages (text): {dict(Counter(i['true_lang'] for i in items).most_common())}",
        f"languages (declared): {dict(Counter(r['language'] for r in rows).most_common())}",
        f"rights: {dict(Counter(r['rights'] for r in rows).most_common())}",
        f"duplicates: {len(copies)}",
        f"copies without summary: {sum(not r['summary'] for r in copies)} of which full text: "
        f"{sum(not r['summary'] and r['body'] != '' for r in copies)}",
        f"generic headlines: {sum(r['title'].lower() in generic for r in rows)}",
        "re-posts by the same source: "
        f"{sum(by_id[r['duplicate_of']]['source'] == r['source'] for r in copies)}",
        "items carrying a feed's boilerplate: "
        f"{sum(any(b in r['summary'] + r['body'] for b in boilerplate) for r in rows)}",
        f"reports on a later day than the event's first (not copies): {later}",
        f"singleton events: {sum(1 for n in events.values() if n == 1)}",
        f"multilingual events: {sum(1 for s in ev_langs.values() if len(s) > 1)}",
        f"days: {days[0]} .. {days[-1]} ({len(days)} days)",
    ]
    if per_event:
        lines += [
            f"  {n:3d}  {event}  {','.join(sorted(ev_langs[event]))}"
            for event, n in sorted(events.items())
        ]
    return lines


def write(built, path):
    path.write_text(built.text, encoding="utf-8", newline="\n")


def main(specs, combined=None, out_dir=None):
    """Build and write every set (and their concatenation, when named), printing the counts.

    combined: the file name of all sets concatenated in order, written beside the first set.
    out_dir: where to write instead of each set's own folder (the tests rebuild into a temp one).
    """
    try:
        parts = [build(spec) for spec in specs]
        whole = combine(combined, parts) if combined else None
    except BuildError as exc:
        sys.exit(str(exc))
    for spec, part in zip(specs, parts, strict=True):
        write(part, Path(out_dir or spec.folder) / spec.out)
        if whole:
            print(f"== {spec.out}")
        print("\n".join(counts(part, spec.generic_titles, spec.boilerplate)))
    if whole:
        write(whole, Path(out_dir or specs[0].folder) / combined)
        print(f"== {combined}")
        generic = tuple(t for spec in specs for t in spec.generic_titles)
        boilerplate = tuple(b for spec in specs for b in spec.boilerplate)
        print("\n".join(counts(whole, generic, boilerplate, per_event=False)))
