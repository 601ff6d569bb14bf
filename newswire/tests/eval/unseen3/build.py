"""Build the fourth held-out set with real wording: its three parts and their concatenation.

unseen3_r.jsonl (items_r_*.txt, ids unr-, event labels r-), unseen3_s.jsonl (items_s_*.txt,
ids uns-, labels s-) and unseen3_t.jsonl (items_t_*.txt, ids unt-, labels t-) were written at
the same time by three writers, each on topics of their own, in one fortnight (2026-03-02 ..
2026-03-15); unseen3.jsonl is r, s, then t. Nothing was chosen on this set: it exists to judge
the round after the one `../unseen2/` judged (README, "Machine assistance"). The shared
parser, checks and counts are in ../handwritten.py (the source format is described there).

Usage: python -m newswire.tests.eval.unseen3.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import main, writers

HERE = Path(__file__).resolve().parent
COMBINED = "unseen3.jsonl"
WINDOW = (date(2026, 3, 2), date(2026, 3, 15))

writer = writers(HERE, "unseen3", WINDOW)


# Each writer fills in their own generic headlines and feed boilerplate (only for the counts).
PART_R = writer(
    "r",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Elmstead Radio: news for Leicester and Leicestershire, every hour on 97.1.",
        "Fenwick Street is a weekly podcast about money and power; send us your questions.",
    ),
)  # fmt: skip

# (writer s below)

PART_S = writer(
    "s",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Q&A",
        "Explained",
        "Was wir wissen",
        "Ce que l'on sait",
        "Lo que sabemos",
        "Cosa sappiamo",
        "Wat we weten",
        "O que se sabe",
    ),
    boilerplate=(
        "Northfield Radio: news for Kendal, the Lakes and the Eden valley, every hour on 97.4 FM.",
        "Orbital Notes is a weekly space and science podcast; subscribe wherever you listen.",
    ),
)

# (writer t below)

PART_T = writer(
    "t",
    generic_titles=(
        "Live updates", "What we know so far", "Q&A", "Was wir wissen", "Wat we weten",
        "Lo que sabemos", "O que se sabe", "Cosa sappiamo", "En direct",
    ),
    boilerplate=(
        "Wharfe Valley Radio: news for Otley, Ilkley and the dale, every hour.",
        "Zugspitz-Kurier – Nachrichten aus Garmisch-Partenkirchen und dem Werdenfelser Land",
        "Vinyl Hours is a listener-funded music podcast; new episodes every Tuesday and Friday.",
    ),
)  # fmt: skip

# (end of the writers' lines)

SETS = [PART_R, PART_S, PART_T]

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
