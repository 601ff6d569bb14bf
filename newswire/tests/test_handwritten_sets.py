"""The hand-written labelled sets under newswire/tests/eval/ (independent/, devreal/, unseen/ to
unseen6/): every committed JSON Lines file is byte for byte what its build script writes from
the items_*.txt beside it (so a hand edit of the texts without a rebuild fails here),
evaluate_assist reads each, and the build refuses a file that breaks the format's rules."""

import json
import shutil
from dataclasses import replace
from datetime import date

import pytest

from newswire import evaluation
from newswire.tests.eval import handwritten
from newswire.tests.eval.devreal import build as devreal
from newswire.tests.eval.independent import build as independent
from newswire.tests.eval.unseen import build as unseen
from newswire.tests.eval.unseen2 import build as unseen2
from newswire.tests.eval.unseen3 import build as unseen3
from newswire.tests.eval.unseen4 import build as unseen4
from newswire.tests.eval.unseen5 import build as unseen5
from newswire.tests.eval.unseen6 import build as unseen6

SCRIPTS = {
    "independent": independent,
    "devreal": devreal,
    "unseen": unseen,
    "unseen2": unseen2,
    "unseen3": unseen3,
    "unseen4": unseen4,
    "unseen5": unseen5,
    "unseen6": unseen6,
}


def committed_files(script):
    files = [spec.folder / spec.out for spec in script.SETS]
    if script.COMBINED:
        files.append(script.SETS[0].folder / script.COMBINED)
    return files


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_committed_set_is_what_its_build_writes(name, tmp_path, capsys):
    script = SCRIPTS[name]
    handwritten.main(script.SETS, combined=script.COMBINED, out_dir=tmp_path)
    assert "items " in capsys.readouterr().out  # the counts were printed
    for committed in committed_files(script):
        rebuilt = tmp_path / committed.name
        assert rebuilt.read_bytes() == committed.read_bytes(), f"{committed.name}: rebuild it"


@pytest.mark.parametrize(
    "path", [path for script in SCRIPTS.values() for path in committed_files(script)],
    ids=lambda path: path.name,
)  # fmt: skip
def test_evaluate_assist_reads_each_set(path):
    items = evaluation.load_jsonl(path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(items) == len(rows) > 0
    assert all(list(row) == list(evaluation.FIELDS) for row in rows)
    assert all(item["published"].utcoffset() is not None for item in items)
    by_id = {item["id"]: item for item in items}
    for item in items:
        if item["duplicate_of"]:
            original = by_id[item["duplicate_of"]]
            assert original["event"] == item["event"] and original["duplicate_of"] is None


@pytest.mark.parametrize(
    ("script", "prefixes"),
    [
        (devreal, ["dra-", "drb-", "drc-", "drd-", "dre-", "drf-", "drg-", "drh-"]),
        (unseen, ["unx-", "uny-", "unz-"]),
        (unseen2, ["unu-", "unv-", "unw-"]),
        (unseen3, ["unr-", "uns-", "unt-"]),
        (unseen4, ["uni-", "unj-", "unk-"]),
        (unseen5, ["unl-", "unm-", "unn-"]),
        (unseen6, ["uno-", "unp-", "unq-"]),
    ],
    ids=["devreal", "unseen", "unseen2", "unseen3", "unseen4", "unseen5", "unseen6"],
)
def test_a_set_of_parts_is_its_parts_in_order(script, prefixes):
    parts = [spec.folder / spec.out for spec in script.SETS]
    whole = script.SETS[0].folder / script.COMBINED
    assert whole.read_bytes() == b"".join(part.read_bytes() for part in parts)
    loaded = [evaluation.load_jsonl(part) for part in parts]
    events = [{i["event"] for i in items} for items in loaded]
    sources = [{i["source"] for i in items} for items in loaded]
    for n in range(len(parts)):
        later = range(n + 1, len(parts))
        assert not any(events[n] & events[m] for m in later)
        if script is not devreal:  # written at the same time: no feed carries two writers' items
            assert not any(sources[n] & sources[m] for m in later)
    assert [{i["id"][:4] for i in items} for items in loaded] == [{p} for p in prefixes]


def test_a_hand_edit_without_a_rebuild_is_caught(tmp_path):
    spec = replace(devreal.HALF_B, folder=tmp_path)
    for path in devreal.HALF_B.folder.glob(spec.items):
        shutil.copy(path, tmp_path)
    first = sorted(tmp_path.glob(spec.items))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("\nT ", "\nT Edited: ", 1))
    committed = (devreal.HALF_B.folder / spec.out).read_text(encoding="utf-8")
    assert handwritten.build(spec).text != committed


ORIGINAL = """\
### one | quake | en-GB | Wire | full | 2026-11-03T08:00:00+00:00
T Quake hits the coast
S A strong earthquake struck.
B First paragraph.
B Second paragraph.
"""
COPIES = """\
### two | quake | (es) | Diario | full | 2026-11-03T09:30:00+01:00 | copy=one nosummary
### three | quake | en | Aggregator | headline | 2026-11-03T09:00:00+00:00 | copy=one
T Quake hits the coast - Aggregator
"""


def mini_set(tmp_path, *texts, **rules):
    for n, text in enumerate(texts):
        (tmp_path / f"items_{n}.txt").write_text(text, encoding="utf-8")
    return handwritten.HandwrittenSet(
        folder=tmp_path, items="items_*.txt", out="mini.jsonl", id_prefix="t-", **rules
    )


def test_copies_take_the_original_text_their_rights_allow(tmp_path):
    built = handwritten.build(mini_set(tmp_path, COPIES, ORIGINAL))
    rows = [json.loads(line) for line in built.text.splitlines()]
    # In publication order, not file order: "two" (09:30+01:00) precedes "three" (09:00 UTC).
    assert [(r["id"], r["duplicate_of"]) for r in rows] == [
        ("t-0001", None),
        ("t-0002", "t-0001"),
        ("t-0003", "t-0001"),
    ]
    original, copy, headline = rows
    assert original["body"] == "First paragraph.\n\nSecond paragraph."
    assert (copy["language"], copy["summary"], copy["body"]) == ("", "", original["body"])
    assert (headline["summary"], headline["body"]) == ("", "")
    assert headline["title"] == "Quake hits the coast - Aggregator"


def test_a_copy_published_before_its_original_is_refused(tmp_path):
    late_original = ORIGINAL.replace("08:00:00+00:00", "11:00:00+00:00")
    with pytest.raises(handwritten.BuildError, match="items_1.txt:1: copy published before"):
        handwritten.build(mini_set(tmp_path, late_original, COPIES))


@pytest.mark.parametrize(
    "extra, rules, reason",
    [
        ("### one | quake | en | X | summary | 2026-11-03T08:00:00+00:00\nT t\n", {},
         "duplicate key one"),
        ("### four | other | en | X | summary | 2026-11-03T12:00:00+00:00 | copy=one\n", {},
         "copy in another event"),
        ("### four | quake | en | X | summary | 2026-11-03T12:00:00+00:00 | copy=three\n", {},
         "copy of a copy"),
        ("### four | quake | en | X | summary | 2026-11-03T12:00:00+00:00\nT t\nB text\n", {},
         "body without full rights"),
        ("### four | quake | en | X | headline | 2026-11-03T12:00:00+00:00\nT t\nS text\n", {},
         "headline-only item with text"),
        ("### four | quake | en | X | full | 2026-11-03T12:00:00+00:00\nT t\n", {},
         "full rights without body"),
        ("### four | quake | en | X | paywall | 2026-11-03T12:00:00+00:00\nT t\n", {},
         "bad rights"),
        ("### four | quake | en | X | summary | 2026-11-03T12:00:00\nT t\n", {},
         "needs an offset"),
        ("### four | quake | en | X | summary | 2026-11-03T12:00:00+00:00\nX t\n", {},
         "unknown line"),
        ("### four | quake | en | X | summary | 2026-11-03T12:00:00+00:00\n", {}, "no title"),
        ("### four | quake | en | X | summary | 2026-11-16T00:30:00+01:00\nT t\n",
         {"window": (date(2026, 11, 2), date(2026, 11, 15))},
         "published outside 2026-11-02..2026-11-15"),
        ("", {"event_prefix": "b-"}, "event labels start with b-"),
        ("### four | quake | en | Wire | summary | 2026-11-03T12:00:00+00:00\nT t\n",
         {"one_rights_per_source": True}, "Wire has rights full elsewhere"),
        ("### four | quake | en | Wire | full | 2026-11-03T12:00:00+00:00\nT t\nB b\n",
         {"one_language_per_source": True}, "Wire declares 'en-GB' elsewhere"),
    ],
)  # fmt: skip
def test_the_build_refuses_a_broken_rule_with_one_line(tmp_path, extra, rules, reason):
    spec = mini_set(tmp_path, ORIGINAL, COPIES + extra, **rules)
    with pytest.raises(handwritten.BuildError, match=reason) as error:
        handwritten.build(spec)
    assert "\n" not in str(error.value)
    # The command exits with that line and writes nothing.
    with pytest.raises(SystemExit, match=reason):
        handwritten.main([spec], out_dir=tmp_path)
    assert not (tmp_path / "mini.jsonl").exists()


def test_the_whole_refuses_halves_that_share_an_event(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    half_a = handwritten.build(mini_set(tmp_path / "a", ORIGINAL))
    half_b = handwritten.build(replace(mini_set(tmp_path / "b", ORIGINAL), id_prefix="u-"))
    with pytest.raises(handwritten.BuildError, match="event quake is in two parts"):
        handwritten.combine("whole.jsonl", [half_a, half_b])
    with pytest.raises(handwritten.BuildError, match="id t-0001 is in two parts"):
        handwritten.combine("whole.jsonl", [half_a, half_a])
