"""Build the seventh held-out set with real wording: its three parts and their concatenation.

unseen6_o.jsonl (items_o_*.txt, ids uno-, event labels o-), unseen6_p.jsonl (items_p_*.txt,
ids unp-, labels p-) and unseen6_q.jsonl (items_q_*.txt, ids unq-, labels q-) were written at
the same time by three writers, each on topics of their own, in one fortnight (2026-06-01 ..
2026-06-14); unseen6.jsonl is o, p, then q. Nothing was chosen on this set. The shared
parser, checks and counts are in ../handwritten.py (the source format is described there).

Usage: python -m newswire.tests.eval.unseen6.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import main, writers

HERE = Path(__file__).resolve().parent
COMBINED = "unseen6.jsonl"
WINDOW = (date(2026, 6, 1), date(2026, 6, 14))

writer = writers(HERE, "unseen6", WINDOW)


# Each writer fills in their own generic headlines and feed boilerplate (only for the counts).
PART_O = writer(
    "o",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Granby Radio: news for Leicester and Rutland, every hour on 101.4 FM.",
        "Balance Sheet Breakfast is out every weekday at 6am; find us wherever you get podcasts.",
        "Aggregated by Compendium Newsfeed.",
    ),
)  # fmt: skip

# (writer p below)

PART_P = writer(
    "p",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Lakeview Radio: news for Carlisle and the Eden Valley, on 101.4 FM and online.",
        "Orbitcast is a weekly space and science podcast; new episodes every Thursday.",
        "Collected by Newsfold Digest.",
    ),
)  # fmt: skip

# (writer q below)

PART_Q = writer(
    "q",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Ryecroft Radio: news for Leicester and Rutland on 104.6 FM and online.",
        "Tape Delay is made in Sheffield by Nadia Orrell and Sam Kettleby.",
        "Via Uplink Digest.",
    ),
)  # fmt: skip

# (end of the writers' lines)

SETS = [PART_O, PART_P, PART_Q]

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
