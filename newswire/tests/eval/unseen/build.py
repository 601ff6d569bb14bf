"""Build the second held-out set with real wording: its three parts and their concatenation.

unseen_x.jsonl (items_x_*.txt, ids unx-, event labels x-), unseen_y.jsonl (items_y_*.txt, ids
uny-, labels y-) and unseen_z.jsonl (items_z_*.txt, ids unz-, labels z-) were written at the
same time by three writers, each on topics of their own, in one fortnight (2026-05-04 ..
2026-05-17); unseen.jsonl is x, y, then z. Nothing was chosen on this set: it exists to judge
the first round of event-grouping changes made after the independent set had informed a
decision (README, "Machine assistance"). The shared parser, checks and counts are in
../handwritten.py (the source format is described there).

Usage: python -m newswire.tests.eval.unseen.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import main, writers

HERE = Path(__file__).resolve().parent
COMBINED = "unseen.jsonl"
WINDOW = (date(2026, 5, 4), date(2026, 5, 17))

writer = writers(HERE, "unseen", WINDOW)


# Each writer adds their own generic headlines and feed boilerplate (used only for the counts).
PART_X = writer(
    "x",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Was wir wissen",
        "Ce que l'on sait",
        "Lo que sabemos",
        "Cosa sappiamo",
        "Wat we weten",
        "O que sabemos",
    ),
    boilerplate=(
        "Tynebridge Radio News — on air and online across Tyneside.",
        "That's The Spread for today. Rate us, review us, and send us to a colleague.",
    ),
)
PART_Y = writer(
    "y",
    generic_titles=(
        "What we know so far", "Live updates", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Kellsbridge FM news — your valley, your voice.",
        "Orbit Notes is recorded in Leicester.",
        "Mehr Nachrichten aus der Region jeden Morgen im Rheinkurier-Briefing.",
    ),
)  # fmt: skip
PART_Z = writer(
    "z",
    generic_titles=(
        "Live updates", "What we know so far", "Explained", "Q&A", "Liveblog", "Was wir wissen",
        "Ce que l'on sait", "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Thornbury Community Radio: local news for Thornbury and the Severn Vale",
        "Radio Neckartal – Nachrichten aus Heilbronn und der Region",
        "The Long Pass is an independent football podcast",
        "Technik-Tresen – jeden Freitag neu",
    ),
)  # fmt: skip
SETS = [PART_X, PART_Y, PART_Z]

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
