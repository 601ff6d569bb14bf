"""Build the development set with real wording: its eight parts and their concatenation.

devreal_a.jsonl (items_a_*.txt, ids dra-, 2026-10-05..2026-10-18), devreal_b.jsonl
(items_b_*.txt, ids drb-, event labels b-, 2026-11-02..2026-11-15), devreal_c.jsonl
(items_c_*.txt, ids drc-, event labels c-, 2026-09-07..2026-09-20), devreal_d.jsonl
(items_d_*.txt, ids drd-, event labels d-, 2026-08-10..2026-08-23) and devreal_e.jsonl
(items_e_*.txt, ids dre-, event labels e-, 2026-07-13..2026-07-26) were written by five
writers; devreal_f.jsonl (items_f_*.txt, ids drf-, event labels f-, 2026-06-01..2026-06-14),
devreal_g.jsonl (items_g_*.txt, ids drg-, event labels g-, 2026-06-15..2026-06-28) and
devreal_h.jsonl (items_h_*.txt, ids drh-, event labels h-, 2026-08-24..2026-09-06; German,
Dutch and Portuguese look-alikes) by three more; devreal.jsonl is a, b, c, d, e, f, g, then h,
the whole development set in one file. The shared parser, checks and counts are in
../handwritten.py (the source format is described there).
Every part also checks one rights level and one declared language code per source (half b's
writer asked only for the first; its data passes both). The whole does not check rights across
parts: Meridian Wire and Ouest Matin have rights summary in half a and full in half b (parts c,
d and e share no source name with the others; nor does h).

Usage: python -m newswire.tests.eval.devreal.build
"""

from datetime import date
from pathlib import Path

from newswire.tests.eval.handwritten import main, part

HERE = Path(__file__).resolve().parent
COMBINED = "devreal.jsonl"


def half(letter, first_day, last_day, **rules):
    """One writer's half: items_<letter>_*.txt to devreal_<letter>.jsonl, ids dr<letter>-."""
    return part(
        HERE, "devreal", letter, "dr", (first_day, last_day),
        one_rights_per_source=True, one_language_per_source=True, **rules,
    )  # fmt: skip


HALF_A = half(
    "a",
    date(2026, 10, 5),
    date(2026, 10, 18),
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Liveblog",
        "Lo que sabemos",
        "Ce que l'on sait",
        "Was wir wissen",
    ),
    boilerplate=(
        "Get the Gazette's business briefing every weekday morning",
        "WRVL 88.3 FM — news for the Ohio Valley",
        "Jetzt den Elbe-Kurier-Newsletter abonnieren",
        "The Money Shelf is a twice-weekly conversation",
    ),
)
HALF_B = half(
    "b",
    date(2026, 11, 2),
    date(2026, 11, 15),
    event_prefix="b-",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Lo que sabemos",
        "Ce que l'on sait",
        "Liveblog",
    ),
    boilerplate=(
        "You're listening to Riverbend 97.4",
        "Mehr Nachrichten aus Aalen, Schwäbisch Gmünd und der Region",
        "Science Unpacked is the weekly video series",
        "Wissen kompakt – jeden Mittwoch",
        "Radio Léman Info, l'info de l'arc lémanique",
        "Ouça a cobertura completa na Bandeirante",
    ),
)
HALF_C = half(
    "c",
    date(2026, 9, 7),
    date(2026, 9, 20),
    event_prefix="c-",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Was wir wissen",
        "Ce que l'on sait",
        "Lo que sabemos",
        "Cosa sappiamo",
        "Wat we weten",
        "Liveblog",
    ),
    boilerplate=(
        "Lakeside Herald — local news for Door County since 1911",
        "Mehr aus dem Allgäu gibt es täglich auf allgaeu-aktuell.de",
        "Ràdio Marina 96.2, la voz del Maresme",
        "Docket Notes is a weekly podcast",
        "Kernow Coast Radio - news for Cornwall and the Isles of Scilly",
    ),
)
HALF_D = half(
    "d",
    date(2026, 8, 10),
    date(2026, 8, 23),
    event_prefix="d-",
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
        "Liveblog",
    ),
    boilerplate=(
        "Kitchen Table Economics is a weekly podcast",
        "Strathspey Radio 102.1 — news for Badenoch and the Cairngorms",
        "Radio Calanques Info, l'actu de Marseille et de la côte",
        "Ciencia en cinco minutos es la serie de vídeos",
    ),
)
HALF_E = half(
    "e",
    date(2026, 7, 13),
    date(2026, 7, 26),
    event_prefix="e-",
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
        "Liveblog",
    ),
    boilerplate=(
        "Medway Valley Radio — news for Maidstone and the Medway towns",
        "The Lab Notebook is a weekly podcast",
    ),
)
# Parts f and g: written at the same time by two writers (2026-12-06), each fills in its lists.
HALF_F = half(
    "f",
    date(2026, 6, 1),
    date(2026, 6, 14),
    event_prefix="f-",
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
        "Fenland Radio 104.2 — news for Wisbech, March and the Fens",
        "Radio Causses Info, l'actu du Rouergue et des Grands Causses",
    ),
)
HALF_G = half(
    "g",
    date(2026, 6, 15),
    date(2026, 6, 28),
    event_prefix="g-",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Explained",
        "Liveblog",
        "Was wir wissen",
        "Ce que l'on sait",
        "Lo que sabemos",
        "Cosa sappiamo",
        "Wat we weten",
        "O que se sabe",
    ),
    boilerplate=("Estuary FM 104.6 — news for Southend, Basildon and the Thames estuary",),
)
HALF_H = half(
    "h",
    date(2026, 8, 24),
    date(2026, 9, 6),
    event_prefix="h-",
    generic_titles=(
        "Live updates",
        "What we know so far",
        "Explained",
        "Liveblog",
        "Was wir wissen",
        "Ce que l'on sait",
        "Lo que sabemos",
        "Cosa sappiamo",
        "Wat we weten",
        "O que se sabe",
        "Die wichtigsten Fragen",
        "Perguntas e respostas",
    ),
    boilerplate=(
        "Wyvern Sound 97.9 — news for Worcester, Malvern and the Teme valley",
        "Radio Achterhoek 104,7 — nieuws uit Doetinchem, Winterswijk en de Achterhoek",
        "Ledger Lines is a weekly podcast about money, markets and the people behind them",
    ),
)
SETS = [HALF_A, HALF_B, HALF_C, HALF_D, HALF_E, HALF_F, HALF_G, HALF_H]

if __name__ == "__main__":
    main(SETS, combined=COMBINED)
