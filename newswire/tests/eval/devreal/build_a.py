"""Build devreal_a.jsonl from the hand-written source files items_a_*.txt beside it.

The texts are written by hand in items_*.txt; this script only parses them, copies the
text of syndicated copies from the item they copy, assigns opaque ids in publication
order, writes the JSON Lines file, validates it and prints the counts.

Source format, one item per block:

    ### key | event | language | source | rights | published [| copy=KEY [nosummary]]
    T title
    S summary (one line; omitted when there is none)
    B one body paragraph per line

The language column is the code as the feed declares it; ``(xx)`` means the feed
declared nothing (stored as "") and the text is in language xx (used only for the
counts). A copy takes title, summary and body from the item it copies unless it has
its own T or S line; its body is kept only when its rights are "full", its summary only
when they are not "headline" and the header does not say "nosummary".

Usage: python newswire/tests/eval/devreal/build_a.py

Adapted from newswire/tests/eval/independent/build.py: reads only items_a_*.txt,
writes devreal_a.jsonl with ids dra-0001..., and also checks that every item lies in
the window 2026-10-05..2026-10-18 (local date as published) and that all items of one
source share its rights.
"""

import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "devreal_a.jsonl"
PREFIX = "dra-"
WINDOW = ("2026-10-05", "2026-10-18")

# Only for the counts printed at the end.
GENERIC_TITLES = [
    "Live updates",
    "Liveblog",
    "What we know so far",
    "Lo que sabemos",
    "Ce que l'on sait",
    "Was wir wissen",
]
BOILERPLATE = [
    "Get the Gazette's business briefing every weekday morning",
    "WRVL 88.3 FM — news for the Ohio Valley",
    "Jetzt den Elbe-Kurier-Newsletter abonnieren",
    "The Money Shelf is a twice-weekly conversation",
]


def parse(path):
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
                sys.exit(f"{where}: header needs 6 or 7 columns")
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
            sys.exit(f"{where}: text before the first header")
        elif line.startswith("T "):
            current["title"] = line[2:].strip()
        elif line.startswith("S "):
            current["summary"] = line[2:].strip()
        elif line.startswith("B "):
            current["body"].append(line[2:].strip())
        else:
            sys.exit(f"{where}: unknown line {line[:40]!r}")
    return blocks


def main():
    blocks = []
    for path in sorted(HERE.glob("items_a_*.txt")):
        blocks.extend(parse(path))
    by_key = {}
    for b in blocks:
        if b["key"] in by_key:
            sys.exit(f"{b['where']}: duplicate key {b['key']}")
        by_key[b["key"]] = b

    items = []
    rights_of = {}
    lang_of = {}
    for b in blocks:
        m = re.fullmatch(r"\((\w\w)\)", b["lang"])
        declared, true_lang = ("", m.group(1)) if m else (b["lang"], b["lang"][:2].lower())
        if b["rights"] not in ("headline", "summary", "full"):
            sys.exit(f"{b['where']}: bad rights {b['rights']}")
        when = datetime.fromisoformat(b["published"])
        if when.utcoffset() is None:
            sys.exit(f"{b['where']}: published needs an offset")
        if not WINDOW[0] <= when.date().isoformat() <= WINDOW[1]:
            sys.exit(f"{b['where']}: published outside {WINDOW[0]}..{WINDOW[1]}")
        if rights_of.setdefault(b["source"], b["rights"]) != b["rights"]:
            sys.exit(f"{b['where']}: {b['source']} has rights {rights_of[b['source']]} elsewhere")
        if lang_of.setdefault(b["source"], declared) != declared:
            sys.exit(f"{b['where']}: {b['source']} declares {lang_of[b['source']]!r} elsewhere")
        title, summary, body = b["title"], b["summary"] or "", b["body"]
        if b["copy_of"]:
            orig = by_key.get(b["copy_of"])
            if orig is None:
                sys.exit(f"{b['where']}: copy of unknown key {b['copy_of']}")
            if orig["copy_of"]:
                sys.exit(f"{b['where']}: copy of a copy")
            if orig["event"] != b["event"]:
                sys.exit(f"{b['where']}: copy in another event than its original")
            if b["body"]:
                sys.exit(f"{b['where']}: a copy takes its body from its original")
            title = title or orig["title"]
            drop = b["nosummary"] or b["rights"] == "headline"
            summary = "" if drop else (b["summary"] or orig["summary"] or "")
            if datetime.fromisoformat(orig["published"]) > when:
                sys.exit(f"{b['where']}: copy published before its original")
            body = orig["body"] if b["rights"] == "full" else []
        if not title:
            sys.exit(f"{b['where']}: no title")
        if b["rights"] == "headline" and (summary or body):
            sys.exit(f"{b['where']}: headline-only item with text")
        if b["rights"] == "full" and not body:
            sys.exit(f"{b['where']}: full rights without body")
        if b["rights"] != "full" and body:
            sys.exit(f"{b['where']}: body without full rights")
        items.append(
            {
                "key": b["key"],
                "true_lang": true_lang,
                "when": when,
                "copy_of": b["copy_of"],
                "row": {
                    "id": None,
                    "event": b["event"],
                    "language": declared,
                    "source": b["source"],
                    "rights": b["rights"],
                    "published": b["published"],
                    "title": title,
                    "summary": summary,
                    "body": "\n\n".join(body),
                    "duplicate_of": None,
                },
            }
        )

    items.sort(key=lambda i: (i["when"], i["key"]))
    ids = {}
    for n, item in enumerate(items, 1):
        ids[item["key"]] = item["row"]["id"] = f"{PREFIX}{n:04d}"
    for item in items:
        if item["copy_of"]:
            item["row"]["duplicate_of"] = ids[item["copy_of"]]

    with OUT.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item["row"], ensure_ascii=False) + "\n")
    validate(items)


def validate(items):
    rows = [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]
    fields = [
        "id",
        "event",
        "language",
        "source",
        "rights",
        "published",
        "title",
        "summary",
        "body",
        "duplicate_of",
    ]
    assert all(list(r) == fields for r in rows), "fields"
    by_id = {r["id"]: r for r in rows}
    assert len(by_id) == len(rows), "ids not unique"
    for r in rows:
        if r["duplicate_of"] is not None:
            orig = by_id[r["duplicate_of"]]
            assert orig["event"] == r["event"], r["id"]
            assert orig["duplicate_of"] is None, r["id"]
    events = Counter(r["event"] for r in rows)
    langs = Counter(i["true_lang"] for i in items)
    declared = Counter(r["language"] for r in rows)
    rights = Counter(r["rights"] for r in rows)
    days = sorted({i["when"].date().isoformat() for i in items})
    ev_langs = {}
    for i in items:
        ev_langs.setdefault(i["row"]["event"], set()).add(i["true_lang"])
    print(f"items {len(rows)}, events {len(events)}, sources {len({r['source'] for r in rows})}")
    print("languages (text):", dict(langs.most_common()))
    print("languages (declared):", dict(declared.most_common()))
    print("rights:", dict(rights.most_common()))
    print("duplicates:", sum(r["duplicate_of"] is not None for r in rows))
    print(
        "copies without summary:",
        sum(r["duplicate_of"] is not None and not r["summary"] for r in rows),
        "of which full text:",
        sum(r["duplicate_of"] is not None and not r["summary"] and r["body"] != "" for r in rows),
    )
    generic = {t.lower() for t in GENERIC_TITLES}
    print("generic headlines:", sum(r["title"].lower() in generic for r in rows))
    print(
        "re-posts by the same source:",
        sum(
            r["duplicate_of"] is not None and by_id[r["duplicate_of"]]["source"] == r["source"]
            for r in rows
        ),
    )
    print(
        "items carrying a feed's boilerplate:",
        sum(any(b in r["summary"] + r["body"] for b in BOILERPLATE) for r in rows),
    )
    first = {}
    for i in items:
        first[i["row"]["event"]] = min(first.get(i["row"]["event"], i["when"]), i["when"])
    print(
        "reports on a later day than the event's first (not copies):",
        sum(
            i["row"]["duplicate_of"] is None
            and (i["when"] - first[i["row"]["event"]]).total_seconds() > 12 * 3600
            for i in items
        ),
    )
    print("singleton events:", sum(1 for n in events.values() if n == 1))
    print("multilingual events:", sum(1 for s in ev_langs.values() if len(s) > 1))
    print(f"days: {days[0]} .. {days[-1]} ({len(days)} days)")
    for event, n in sorted(events.items()):
        print(f"  {n:3d}  {event}  {','.join(sorted(ev_langs[event]))}")


if __name__ == "__main__":
    main()
