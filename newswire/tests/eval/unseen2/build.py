"""Build the third held-out set with real wording: its three parts and their concatenation.

unseen2_u.jsonl (items_u_*.txt, ids unu-, event labels u-), unseen2_v.jsonl (items_v_*.txt,
ids unv-, labels v-) and unseen2_w.jsonl (items_w_*.txt, ids unw-, labels w-) were written at
the same time by three writers, each on topics of their own, in one fortnight (2026-04-06 ..
2026-04-19); unseen2.jsonl is u, v, then w. Nothing was chosen on this set: it exists to judge
the round after the one `../unseen/` judged (README, "Machine assistance"). The shared
parser, checks and counts are in ../handwritten.py (the source format is described there).

Usage: python -m newswire.tests.eval.unseen2.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import main, writers

HERE = Path(__file__).resolve().parent
COMBINED = "unseen2.jsonl"
WINDOW = (date(2026, 4, 6), date(2026, 4, 19))

writer = writers(HERE, "unseen2", WINDOW)


# Each writer fills in their own generic headlines and feed boilerplate (only for the counts).
PART_U = writer(
    "u",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Was wir wissen",
        "Ce que l'on sait",
        "Wat we weten",
        "Cosa sappiamo",
        "Lo que sabemos",
        "O que se sabe",
    ),
    boilerplate=(
        "Fairhaven FM: local news for Hull and the East Riding, on the hour.",
        "The Grafton Policy Podcast is out every weekday; tell us what we missed.",
    ),
)

PART_V = writer(
    "v",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Explained",
        "Q&A",
        "Was wir wissen",
        "Ce que l'on sait",
        "Lo que sabemos",
        "Cosa sappiamo",
        "Wat we weten",
        "O que se sabe",
    ),
    boilerplate=(
        "Kirkgate Radio: your news, your weather, your roads, on 104.2 FM and online.",
        "Orbit & Oxygen is made by two science journalists and a microphone; write to us at the"
        " mailbag and we will read the best letters on air.",
    ),
)

PART_W = writer(
    "w",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Wat we weten",
        "Lo que sabemos", "Q&A",
    ),
    boilerplate=(
        "Upper Tamar Radio — local news for Tavistock",
        "Rottal Echo – Nachrichten aus Pfarrkirchen",
        "Tinkerers' Hour is an independent podcast",
        "Watch the full session on Stage Door Sessions",
    ),
)  # fmt: skip

SETS = [PART_U, PART_V, PART_W]

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
