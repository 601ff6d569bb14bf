"""Build the sixth held-out set with real wording: its three parts and their concatenation.

unseen5_l.jsonl (items_l_*.txt, ids unl-, event labels l-), unseen5_m.jsonl (items_m_*.txt,
ids unm-, labels m-) and unseen5_n.jsonl (items_n_*.txt, ids unn-, labels n-) were written at
the same time by three writers, each on topics of their own, in one fortnight (2026-01-05 ..
2026-01-18); unseen5.jsonl is l, m, then n. Nothing was chosen on this set. The shared
parser, checks and counts are in ../handwritten.py (the source format is described there).

Usage: python -m newswire.tests.eval.unseen5.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import main, writers

HERE = Path(__file__).resolve().parent
COMBINED = "unseen5.jsonl"
WINDOW = (date(2026, 1, 5), date(2026, 1, 18))

writer = writers(HERE, "unseen5", WINDOW)


# Each writer fills in their own generic headlines and feed boilerplate (only for the counts).
PART_L = writer(
    "l",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Cosa sappiamo", "Wat we weten", "O que se sabe",
    ),
    boilerplate=(
        "Elmsworth Radio: news for Bradford and the Aire Valley on the hour.",
        "Fernhill Money Hour is out every Saturday; subscribe wherever you listen.",
        "Distributed by Globelink Digest.",
    ),
)  # fmt: skip

# (writer m below)

PART_M = writer(
    "m",
    one_language_per_source=True,
    generic_titles=(
        "Live updates", "What we know so far", "Latest", "Liveblog", "Wat we weten",
        "Was wir wissen", "Ce que l'on sait", "Lo que sabemos", "Cosa sappiamo",
        "O que se sabe", "Última hora", "En direct",
    ),
    boilerplate=(
        "Paragon Radio: news for Hull and the East Riding, on 97.2 FM, DAB and online.",
        "Parsec is an independent science podcast. New episodes every Tuesday and Friday.",
        "Inkwell Digest collects news from publishers across Europe.",
    ),
)  # fmt: skip

# (writer n below)

PART_N = writer(
    "n",
    generic_titles=(
        "Live updates", "What we know so far", "Was wir wissen", "Ce que l'on sait",
        "Lo que sabemos", "Directo", "Cosa sappiamo", "In diretta", "Wat we weten", "Liveblog",
        "O que sabemos",
    ),
    boilerplate=(
        "Wexcombe Radio - news for Exeter and East Devon",
        "Voxel Lab is made by Priya Nandakumar and Tom Adeyemi",
        "Wire copy supplied by Quernmoor Wire",
    ),
)  # fmt: skip

# (end of the writers' lines)

SETS = [PART_L, PART_M, PART_N]

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
