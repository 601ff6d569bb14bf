"""Build independent.jsonl (the held-out hand-written set) from items_*.txt beside it.

The shared parser, checks and counts are in ../handwritten.py (the source format is described
there). This set's own rules: none beyond the shared ones (its sources mix rights and declared
codes from item to item, so neither is checked per source).

Usage: python -m newswire.tests.eval.independent.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import HandwrittenSet, main

INDEPENDENT = HandwrittenSet(
    folder=Path(__file__).resolve().parent,
    items="items_*.txt",
    out="independent.jsonl",
    id_prefix="ind-",
    window=(date(2026, 3, 2), date(2026, 3, 15)),
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Five things to watch today",
        "Lo que sabemos",
        "Les résultats en direct",
        "Liveblog",
        "Cinq choses à surveiller ce dimanche",
        "What to watch in today's jobs report",
        # added by helper indep, 2026-12-06
        "Ce que l'on sait",
        "Was wir wissen",
        "Em direto",
    ),
    boilerplate=(
        "Subscribe to our newsletter",
        "Jetzt den Alpenpost-Newsletter abonnieren",
        "Abonnez-vous à notre lettre d'information",
        "Iscriviti alla newsletter",
        "Suscríbete a nuestro boletín",  # added by helper indep, 2026-12-06
    ),
)
SETS = [INDEPENDENT]
COMBINED = None  # one file, no halves

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
