"""Build the fifth held-out set with real wording: its three parts and their concatenation.

unseen4_i.jsonl (items_i_*.txt, ids uni-, event labels i-), unseen4_j.jsonl (items_j_*.txt,
ids unj-, labels j-) and unseen4_k.jsonl (items_k_*.txt, ids unk-, labels k-) were written at
the same time by three writers, each on topics of their own, in one fortnight (2026-02-02 ..
2026-02-15); unseen4.jsonl is i, j, then k. Nothing was chosen on this set: it exists to judge
the next round, since `../unseen3/` and every older held-out set have informed a decision
(README, "Machine assistance"). The shared parser, checks and counts are in ../handwritten.py
(the source format is described there).

Usage: python -m newswire.tests.eval.unseen4.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import main, writers

HERE = Path(__file__).resolve().parent
COMBINED = "unseen4.jsonl"
WINDOW = (date(2026, 2, 2), date(2026, 2, 15))

writer = writers(HERE, "unseen4", WINDOW)


# Each writer fills in their own generic headlines and feed boilerplate (only for the counts).
PART_I = writer(
    "i",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Eastgate FM: news for Norwich and Norfolk, every hour on 96.2.",
        "The Gilded Ledger is a weekly podcast on money and markets; new episodes every Friday.",
    ),
)  # fmt: skip

# (writer j below)

PART_J = writer(
    "j",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Explained",
        "Was wir wissen",
        "Ce que l'on sait",
        "Lo que sabemos",
        "Cosa sappiamo",
        "Wat we weten",
        "O que se sabe",
    ),
    boilerplate=(
        "Marshgate Radio: Norwich and the Broads, news on the hour on 103.2 FM.",
        "Parallax Hour is a weekly science and space podcast; new episodes every Thursday.",
    ),
)

# (writer k below)

PART_K = writer(
    "k",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Vellacott Radio: news for Shrewsbury and the Marches, every hour on 96.2.",
        "Westgate Screen is a weekly film and TV show; "
        "watch or listen wherever you get your episodes.",
    ),
)  # fmt: skip

# (end of the writers' lines)

SETS = [PART_I, PART_J, PART_K]

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
