# ruff: noqa: E501  (template text: one sentence a string)
"""Write dev.jsonl, the DEVELOPMENT set: every threshold of newswire/events.py is chosen on it.

Deterministic (fixed seed): `python newswire/tests/eval/make_dev.py` rewrites the file byte for
byte. Fictional countries, companies and people; seven kinds of event (rate decisions,
earthquakes, airline strikes, takeovers, elections, cup finals, floods) in English, German,
French, Spanish and Italian, with the hard cases of issue 20 (see README.md beside this file).
The held-out set (make_heldout.py) is written separately, with other kinds of event, other
names and other wording.
"""

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261205
OUT = Path(__file__).with_name("dev.jsonl")
LANGS = ["en", "de", "fr", "es", "it"]
LANG_WEIGHTS = [45, 15, 15, 13, 12]

COUNTRIES = [
    "Norland", "Vastria", "Kelmar", "Orsova", "Tiberland", "Marnia", "Elbania", "Quessa",
    "Doravia", "Sundmark", "Pellonia", "Rusquet", "Varnholm", "Ostrigo", "Caldera",
    "Aldoria", "Brevia", "Carpenta", "Delvany", "Estmark", "Fenwara", "Gorvinia", "Hestria",
    "Ilvania", "Jastria", "Korbinia", "Lorvane", "Mendaria", "Nordavia", "Olbrecht",
]  # fmt: skip
CITIES = [
    "Brenton", "Halvik", "Moravo", "Lisket", "Torrin", "Zell", "Amsel", "Corvo", "Dunmere",
    "Fjelby", "Grasso", "Hollen", "Istra", "Jorvan", "Kessel", "Lunde", "Mirabel", "Norwick",
    "Ossian", "Pradel", "Quinton", "Rovigo", "Selma", "Tarvis", "Ulmen", "Veldt", "Wexley",
    "Arbon", "Belcastro", "Caddock", "Dravik", "Emsworth", "Falcade", "Gellert", "Harnsby",
    "Ivrea Nova", "Jelling", "Karsten", "Lomond", "Marchmont", "Nevers", "Orlan", "Piran",
]  # fmt: skip
PEOPLE = [
    "Anna Lindqvist", "Marco Bellini", "Jonas Weber", "Claire Dupuis", "Rafael Ortega",
    "Ingrid Solberg", "Tomas Havel", "Lucia Ferraro", "Pieter Maas", "Elena Varga",
    "Henrik Dahl", "Sofia Marquez", "Luca Moretti", "Nadia Kovac", "Oskar Brandt",
    "Helene Aubert", "Diego Salas", "Greta Holm", "Viktor Stan", "Paula Neri",
]  # fmt: skip
COMPANIES = [
    "Aerolux", "Brightway", "Corvena", "Delmar Air", "Eastjet", "Fiorda", "Galvanta",
    "Helix Foods", "Ionis", "Juniper Steel", "Kordia", "Lumera", "Montano", "Nexova",
    "Orbis Chemicals", "Pantera Motors", "Quarto Bank", "Rivalta", "Solvane", "Trivium",
    "Umbra Logistics", "Velora", "Westgate Pharma", "Xantos", "Yardley Cement", "Zephyra",
    "Arcturo", "Belmonte Foods", "Cirrus Telecom", "Duvall Energy", "Elmira Textiles",
    "Farnham Retail", "Gideon Labs", "Harwick Shipping", "Isola Wines", "Jasper Mining",
]  # fmt: skip
COMPANIES += [
    f"{head}{tail}"
    for head in ("Nor", "Vel", "Cas", "Tor", "Mer", "Bal", "Quen")
    for tail in ("tex", "via", "gen", "cor", "dia", "mont")
]
UNIONS = ["Vereinigte Cockpit", "UPA", "Skyworkers", "CabinCrew United", "AeroStaff"]
PARTIES = ["Civic Union", "Green Alliance", "Progress Party", "National Front", "New Centre"]
CLUBS = [
    f"{city} {suffix}" for city in CITIES for suffix in ("Rovers", "United", "Athletic", "Sport")
]
RIVERS = [
    "Vell", "Ambra", "Sorna", "Talis", "Oderin", "Greve", "Lunn", "Marro", "Aldra", "Berna",
    "Cesna", "Dolla", "Emme", "Farro", "Gilda", "Hessa", "Irva", "Jauna", "Kerra", "Lisa",
    "Molta", "Nera", "Orva", "Pessa", "Quira", "Rima", "Sella", "Tova", "Umbra", "Vanna",
    "Wella", "Xera", "Yssa", "Zorna", "Arlen", "Brisa", "Corva", "Drava", "Elsa", "Fonta",
]  # fmt: skip


def num(value, lang, decimals=0):
    text = f"{value:,.{decimals}f}"  # 1,234.5
    if lang == "en":
        return text
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text.replace(",", "#").replace(".", ",").replace("#", ".")


# Templates: h headlines, s core sentences, a angle (headline, sentences), f follow-up next day
# (headline, sentences). Slots: {X} names, {a} {b} {c} numbers (formatted per language).
T = {
    "rates": {
        "en": {
            "h": [
                "{bank} raises interest rates to {a} percent",
                "{country}'s central bank lifts key rate by {b} basis points",
                "Rate rise in {country} as {bank} fights inflation",
            ],
            "s": [
                "The {bank} raised its main interest rate by {b} basis points to {a} percent on {day}.",
                "Governor {person} told reporters in {city} that inflation in {country} remained too high.",
                "It was the central bank's third increase this year, and markets had expected a smaller step.",
                "The {bank} said it would watch wage growth in {country} closely before deciding again.",
                "The decision was taken by a vote of seven to two, with two members preferring to hold.",
            ],
            "a": [
                "Mortgage holders in {country} brace for higher payments",
                [
                    "Homeowners in {country} face higher monthly repayments after the {bank} decision, lenders in {city} said.",
                    "Estate agents warned that the rise to {a} percent would cool the housing market further.",
                ],
            ],
            "f": [
                "{country} currency climbs a day after {bank} rate rise",
                [
                    "The currency of {country} rose for a second day after the {bank} lifted rates to {a} percent.",
                    "Analysts in {city} said {person} had signalled that more increases could follow.",
                ],
            ],
        },
        "de": {
            "h": [
                "{bank} erhöht den Leitzins auf {a} Prozent",
                "Zentralbank von {country} hebt Zinsen um {b} Basispunkte an",
            ],
            "s": [
                "Die {bank} hat ihren Leitzins am {day} um {b} Basispunkte auf {a} Prozent angehoben.",
                "Notenbankchef {person} sagte in {city}, die Inflation in {country} sei weiterhin zu hoch.",
                "Es ist bereits die dritte Zinserhöhung in diesem Jahr.",
                "Die Entscheidung fiel mit sieben zu zwei Stimmen.",
            ],
            "a": [
                "Hauskäufer in {country} müssen mehr zahlen",
                [
                    "Nach dem Zinsschritt der {bank} steigen die Kreditraten für Hausbesitzer in {country}.",
                    "Makler in {city} erwarten, dass der Immobilienmarkt weiter abkühlt.",
                ],
            ],
            "f": [
                "Währung von {country} legt nach Zinsschritt weiter zu",
                [
                    "Die Währung von {country} hat am zweiten Tag nach der Entscheidung der {bank} weiter zugelegt.",
                    "{person} hatte weitere Erhöhungen nicht ausgeschlossen.",
                ],
            ],
        },
        "fr": {
            "h": [
                "La {bank} relève son taux directeur à {a} %",
                "Hausse des taux de {b} points de base en {country}",
            ],
            "s": [
                "La {bank} a relevé son principal taux directeur de {b} points de base, à {a} %, {day}.",
                "Le gouverneur {person} a déclaré à {city} que l'inflation en {country} restait trop élevée.",
                "Il s'agit de la troisième hausse depuis le début de l'année.",
                "La décision a été prise par sept voix contre deux.",
            ],
            "a": [
                "Les emprunteurs de {country} vont payer plus cher",
                [
                    "Les ménages de {country} verront leurs mensualités augmenter après la décision de la {bank}.",
                    "Les agents immobiliers de {city} redoutent un nouveau ralentissement du marché.",
                ],
            ],
            "f": [
                "La monnaie de {country} grimpe au lendemain de la hausse des taux",
                [
                    "La monnaie de {country} a progressé pour la deuxième journée après la décision de la {bank}.",
                    "{person} a laissé entendre que d'autres hausses pourraient suivre.",
                ],
            ],
        },
        "es": {
            "h": [
                "El {bank} sube los tipos de interés al {a} %",
                "{country} eleva su tipo oficial en {b} puntos básicos",
            ],
            "s": [
                "El {bank} elevó su tipo de interés principal en {b} puntos básicos, hasta el {a} %, el {day}.",
                "El gobernador {person} dijo en {city} que la inflación en {country} sigue siendo demasiado alta.",
                "Es la tercera subida de tipos en lo que va de año.",
                "La decisión se adoptó por siete votos a favor y dos en contra.",
            ],
            "a": [
                "Las hipotecas encarecen en {country} tras la subida",
                [
                    "Los hipotecados de {country} pagarán más cada mes tras la decisión del {bank}.",
                    "Las inmobiliarias de {city} prevén un nuevo enfriamiento del mercado.",
                ],
            ],
            "f": [
                "La moneda de {country} sube un día después de la decisión del {bank}",
                [
                    "La moneda de {country} subió por segundo día consecutivo tras la subida al {a} %.",
                    "{person} no descartó nuevas subidas en los próximos meses.",
                ],
            ],
        },
        "it": {
            "h": [
                "La {bank} alza i tassi al {a} per cento",
                "{country}, la banca centrale aumenta i tassi di {b} punti base",
            ],
            "s": [
                "La {bank} ha alzato il tasso di riferimento di {b} punti base, al {a} per cento, {day}.",
                "Il governatore {person} ha detto a {city} che l'inflazione in {country} resta troppo alta.",
                "Si tratta del terzo rialzo dall'inizio dell'anno.",
                "La decisione è stata presa con sette voti favorevoli e due contrari.",
            ],
            "a": [
                "Mutui più cari in {country} dopo il rialzo",
                [
                    "Le famiglie di {country} pagheranno rate più alte dopo la decisione della {bank}.",
                    "Gli agenti immobiliari di {city} temono un rallentamento del mercato.",
                ],
            ],
            "f": [
                "La valuta di {country} sale il giorno dopo il rialzo dei tassi",
                [
                    "La valuta di {country} è salita per il secondo giorno dopo la decisione della {bank}.",
                    "{person} non ha escluso ulteriori rialzi.",
                ],
            ],
        },
    },
    "quake": {
        "en": {
            "h": [
                "Magnitude {a} earthquake strikes {country}",
                "Earthquake near {city} kills at least {b}",
                "Strong quake shakes {city} region",
            ],
            "s": [
                "An earthquake of magnitude {a} struck near {city} in {country} on {day}, killing at least {b} people.",
                "The quake hit at a depth of {c} kilometres, the national seismology institute said.",
                "Rescue teams were searching collapsed buildings in the old town of {city} through the night.",
                "Interior minister {person} said the death toll was likely to rise.",
                "Aftershocks were felt as far away as the capital.",
            ],
            "a": [
                "Survivors in {city} describe night of terror",
                [
                    "Residents of {city} spent the night in the streets after the earthquake destroyed their homes.",
                    "Volunteers handed out blankets and water at a sports hall in {city}.",
                ],
            ],
            "f": [
                "Death toll from {country} earthquake rises to {d}",
                [
                    "The number of people killed by the earthquake near {city} rose to {d}, officials in {country} said.",
                    "{person} announced three days of national mourning.",
                ],
            ],
        },
        "de": {
            "h": [
                "Erdbeben der Stärke {a} erschüttert {country}",
                "Mindestens {b} Tote bei Erdbeben nahe {city}",
            ],
            "s": [
                "Ein Erdbeben der Stärke {a} hat am {day} die Region um {city} in {country} erschüttert und mindestens {b} Menschen getötet.",
                "Das Beben ereignete sich in einer Tiefe von {c} Kilometern.",
                "Rettungskräfte suchten in der Nacht in eingestürzten Gebäuden in {city} nach Verschütteten.",
                "Innenminister {person} rechnet mit weiteren Opfern.",
            ],
            "a": [
                "Überlebende in {city} berichten von einer Nacht voller Angst",
                [
                    "Viele Bewohner von {city} verbrachten die Nacht nach dem Beben im Freien.",
                    "Helfer verteilten Decken und Wasser in einer Sporthalle in {city}.",
                ],
            ],
            "f": [
                "Zahl der Toten nach Beben in {country} steigt auf {d}",
                [
                    "Die Zahl der Todesopfer nach dem Erdbeben bei {city} ist auf {d} gestiegen.",
                    "{person} ordnete drei Tage Staatstrauer an.",
                ],
            ],
        },
        "fr": {
            "h": [
                "Un séisme de magnitude {a} frappe {country}",
                "Au moins {b} morts dans un tremblement de terre près de {city}",
            ],
            "s": [
                "Un séisme de magnitude {a} a frappé la région de {city}, en {country}, {day}, faisant au moins {b} morts.",
                "La secousse s'est produite à {c} kilomètres de profondeur.",
                "Les secours ont fouillé toute la nuit les immeubles effondrés de {city}.",
                "Le ministre de l'Intérieur {person} a averti que le bilan pourrait s'alourdir.",
            ],
            "a": [
                "À {city}, les rescapés racontent une nuit d'angoisse",
                [
                    "De nombreux habitants de {city} ont passé la nuit dehors après le séisme.",
                    "Des bénévoles distribuaient couvertures et eau dans un gymnase de {city}.",
                ],
            ],
            "f": [
                "Le bilan du séisme en {country} passe à {d} morts",
                [
                    "Le bilan du tremblement de terre près de {city} est passé à {d} morts.",
                    "{person} a décrété trois jours de deuil national.",
                ],
            ],
        },
        "es": {
            "h": [
                "Un terremoto de magnitud {a} sacude {country}",
                "Al menos {b} muertos por un sismo cerca de {city}",
            ],
            "s": [
                "Un terremoto de magnitud {a} sacudió la región de {city}, en {country}, el {day} y causó al menos {b} muertos.",
                "El sismo se produjo a {c} kilómetros de profundidad.",
                "Los equipos de rescate buscaron durante toda la noche entre los edificios derrumbados de {city}.",
                "El ministro del Interior, {person}, advirtió de que la cifra de víctimas podría aumentar.",
            ],
            "a": [
                "Los supervivientes de {city} relatan una noche de miedo",
                [
                    "Muchos vecinos de {city} pasaron la noche en la calle tras el terremoto.",
                    "Voluntarios repartieron mantas y agua en un polideportivo de {city}.",
                ],
            ],
            "f": [
                "Sube a {d} la cifra de muertos por el terremoto en {country}",
                [
                    "La cifra de fallecidos por el terremoto cerca de {city} ascendió a {d}.",
                    "{person} decretó tres días de luto oficial.",
                ],
            ],
        },
        "it": {
            "h": [
                "Terremoto di magnitudo {a} in {country}",
                "Almeno {b} morti per il sisma vicino a {city}",
            ],
            "s": [
                "Un terremoto di magnitudo {a} ha colpito la zona di {city}, in {country}, {day}, causando almeno {b} morti.",
                "La scossa è avvenuta a una profondità di {c} chilometri.",
                "I soccorritori hanno cercato superstiti tra gli edifici crollati di {city} per tutta la notte.",
                "Il ministro dell'Interno {person} ha detto che il bilancio potrebbe salire.",
            ],
            "a": [
                "I sopravvissuti di {city} raccontano una notte di paura",
                [
                    "Molti abitanti di {city} hanno trascorso la notte all'aperto dopo il sisma.",
                    "I volontari hanno distribuito coperte e acqua in una palestra di {city}.",
                ],
            ],
            "f": [
                "Sale a {d} il bilancio del terremoto in {country}",
                [
                    "Il numero dei morti del terremoto vicino a {city} è salito a {d}.",
                    "{person} ha proclamato tre giorni di lutto nazionale.",
                ],
            ],
        },
    },
    "strike": {
        "en": {
            "h": [
                "{org} pilots strike, {b} flights cancelled",
                "Strike grounds {org} flights at {city} airport",
                "{org} cancels {b} flights as pilots walk out",
            ],
            "s": [
                "Pilots at {org} began a {a}-day strike on {day}, forcing the airline to cancel {b} flights.",
                "The union {org2} said talks on pay and rosters had broken down.",
                "Passengers at {city} airport queued for hours to rebook their journeys.",
                "{org} chief executive {person} called the walkout irresponsible.",
                "The airline said about 60,000 passengers were affected.",
            ],
            "a": [
                "Stranded travellers at {city} vent their anger",
                [
                    "Families bound for holidays were stuck at {city} airport as {org} cancelled its flights.",
                    "Some travellers said they had slept on the terminal floor.",
                ],
            ],
            "f": [
                "{org} and pilots agree to resume talks",
                [
                    "A day after the strike began, {org} and the union {org2} agreed to meet again.",
                    "{person} said flights would return to normal within {a} days.",
                ],
            ],
        },
        "de": {
            "h": [
                "Pilotenstreik bei {org}: {b} Flüge gestrichen",
                "Streik legt {org} am Flughafen {city} lahm",
            ],
            "s": [
                "Die Piloten von {org} haben am {day} einen {a}-tägigen Streik begonnen; die Fluggesellschaft strich {b} Flüge.",
                "Die Gewerkschaft {org2} erklärte die Tarifgespräche für gescheitert.",
                "Am Flughafen {city} bildeten sich lange Schlangen.",
                "{org}-Chef {person} nannte den Streik unverantwortlich.",
            ],
            "a": [
                "Gestrandete Reisende in {city} sind wütend",
                [
                    "Familien auf dem Weg in den Urlaub saßen am Flughafen {city} fest.",
                    "Einige Reisende schliefen im Terminal.",
                ],
            ],
            "f": [
                "{org} und Piloten wollen wieder verhandeln",
                [
                    "Einen Tag nach Streikbeginn haben sich {org} und {org2} auf neue Gespräche geeinigt.",
                    "{person} erwartet einen normalen Flugplan in {a} Tagen.",
                ],
            ],
        },
        "fr": {
            "h": [
                "Grève des pilotes chez {org} : {b} vols annulés",
                "La grève cloue au sol les avions de {org} à {city}",
            ],
            "s": [
                "Les pilotes de {org} ont entamé {day} une grève de {a} jours, obligeant la compagnie à annuler {b} vols.",
                "Le syndicat {org2} a annoncé l'échec des négociations salariales.",
                "À l'aéroport de {city}, les passagers ont fait la queue pendant des heures.",
                "Le patron de {org}, {person}, a jugé la grève irresponsable.",
            ],
            "a": [
                "À {city}, la colère des voyageurs bloqués",
                [
                    "Des familles en route pour les vacances sont restées bloquées à l'aéroport de {city}.",
                    "Certains voyageurs ont dormi dans le terminal.",
                ],
            ],
            "f": [
                "{org} et les pilotes vont reprendre les discussions",
                [
                    "Au lendemain du début de la grève, {org} et le syndicat {org2} ont accepté de se revoir.",
                    "{person} espère un retour à la normale d'ici {a} jours.",
                ],
            ],
        },
        "es": {
            "h": [
                "Huelga de pilotos en {org}: {b} vuelos cancelados",
                "La huelga paraliza a {org} en el aeropuerto de {city}",
            ],
            "s": [
                "Los pilotos de {org} iniciaron el {day} una huelga de {a} días que obligó a cancelar {b} vuelos.",
                "El sindicato {org2} dio por rotas las negociaciones salariales.",
                "En el aeropuerto de {city} los pasajeros hicieron colas de horas.",
                "El consejero delegado de {org}, {person}, calificó la huelga de irresponsable.",
            ],
            "a": [
                "Indignación entre los viajeros atrapados en {city}",
                [
                    "Familias que se iban de vacaciones quedaron atrapadas en el aeropuerto de {city}.",
                    "Algunos viajeros durmieron en la terminal.",
                ],
            ],
            "f": [
                "{org} y los pilotos retomarán las negociaciones",
                [
                    "Un día después del inicio de la huelga, {org} y {org2} acordaron volver a reunirse.",
                    "{person} prevé normalidad en {a} días.",
                ],
            ],
        },
        "it": {
            "h": [
                "Sciopero dei piloti {org}, cancellati {b} voli",
                "Lo sciopero blocca {org} all'aeroporto di {city}",
            ],
            "s": [
                "I piloti di {org} hanno iniziato {day} uno sciopero di {a} giorni e la compagnia ha cancellato {b} voli.",
                "Il sindacato {org2} ha dichiarato fallite le trattative sugli stipendi.",
                "All'aeroporto di {city} i passeggeri hanno fatto code di ore.",
                "L'amministratore delegato di {org}, {person}, ha definito lo sciopero irresponsabile.",
            ],
            "a": [
                "La rabbia dei viaggiatori bloccati a {city}",
                [
                    "Famiglie dirette in vacanza sono rimaste bloccate all'aeroporto di {city}.",
                    "Alcuni viaggiatori hanno dormito nel terminal.",
                ],
            ],
            "f": [
                "{org} e i piloti riprendono il dialogo",
                [
                    "Il giorno dopo l'inizio dello sciopero, {org} e {org2} hanno deciso di incontrarsi di nuovo.",
                    "{person} prevede un ritorno alla normalità entro {a} giorni.",
                ],
            ],
        },
    },
    "takeover": {
        "en": {
            "h": [
                "{org} agrees to buy {org2} for {a} billion",
                "{org} strikes {a} billion deal for rival {org2}",
                "{org2} accepts takeover offer from {org}",
            ],
            "s": [
                "{org} has agreed to buy {org2} for {a} billion euros in cash, the companies said on {day}.",
                "The offer values {org2} shares at a premium of {b} percent to Friday's close.",
                "{org} chief executive {person} said the deal would create a European leader.",
                "The takeover still needs approval from competition authorities.",
                "Shares in {org2} jumped in early trading in {city}.",
            ],
            "a": [
                "Workers at {org2} fear job cuts after sale",
                [
                    "Staff at the {org2} headquarters in {city} said they feared cuts after the sale to {org}.",
                    "A union representative asked {person} for guarantees.",
                ],
            ],
            "f": [
                "Regulators to examine {org} bid for {org2}",
                [
                    "Competition regulators said a day after the announcement that they would look closely at the {org} deal for {org2}.",
                    "The {a} billion purchase is expected to close next year.",
                ],
            ],
        },
        "de": {
            "h": [
                "{org} übernimmt {org2} für {a} Milliarden",
                "{org2} nimmt Übernahmeangebot von {org} an",
            ],
            "s": [
                "{org} kauft den Konkurrenten {org2} für {a} Milliarden Euro in bar, teilten die Unternehmen am {day} mit.",
                "Das Angebot liegt {b} Prozent über dem letzten Schlusskurs von {org2}.",
                "{org}-Chef {person} sprach von einem europäischen Marktführer.",
                "Die Kartellbehörden müssen noch zustimmen.",
            ],
            "a": [
                "Beschäftigte von {org2} fürchten Stellenabbau",
                [
                    "Mitarbeiter in der Zentrale von {org2} in {city} befürchten Kürzungen nach dem Verkauf an {org}.",
                    "Der Betriebsrat verlangt Garantien von {person}.",
                ],
            ],
            "f": [
                "Wettbewerbshüter prüfen Übernahme von {org2}",
                [
                    "Die Kartellbehörde will den Kauf von {org2} durch {org} genau prüfen.",
                    "Der Abschluss der {a}-Milliarden-Übernahme wird im nächsten Jahr erwartet.",
                ],
            ],
        },
        "fr": {
            "h": [
                "{org} va racheter {org2} pour {a} milliards",
                "{org2} accepte l'offre de rachat de {org}",
            ],
            "s": [
                "{org} va racheter son concurrent {org2} pour {a} milliards d'euros en numéraire, ont annoncé les deux groupes {day}.",
                "L'offre représente une prime de {b} % sur le dernier cours de {org2}.",
                "Le directeur général de {org}, {person}, évoque la naissance d'un leader européen.",
                "L'opération doit encore être approuvée par les autorités de la concurrence.",
            ],
            "a": [
                "Les salariés de {org2} craignent des suppressions d'emplois",
                [
                    "Au siège de {org2} à {city}, les salariés redoutent des coupes après le rachat par {org}.",
                    "Les syndicats demandent des garanties à {person}.",
                ],
            ],
            "f": [
                "Les autorités vont examiner le rachat de {org2}",
                [
                    "Les autorités de la concurrence examineront de près l'offre de {org} sur {org2}.",
                    "La transaction de {a} milliards devrait être finalisée l'an prochain.",
                ],
            ],
        },
        "es": {
            "h": [
                "{org} comprará {org2} por {a} mil millones",
                "{org2} acepta la oferta de compra de {org}",
            ],
            "s": [
                "{org} comprará a su rival {org2} por {a} mil millones de euros en efectivo, anunciaron las empresas el {day}.",
                "La oferta supone una prima del {b} % sobre el último cierre de {org2}.",
                "El consejero delegado de {org}, {person}, habló de crear un líder europeo.",
                "La operación necesita el visto bueno de las autoridades de competencia.",
            ],
            "a": [
                "Los empleados de {org2} temen despidos tras la venta",
                [
                    "La plantilla de {org2} en {city} teme recortes tras la venta a {org}.",
                    "Los sindicatos piden garantías a {person}.",
                ],
            ],
            "f": [
                "Competencia examinará la compra de {org2} por {org}",
                [
                    "Los reguladores estudiarán con detalle la compra de {org2} por parte de {org}.",
                    "Se espera que la operación de {a} mil millones se cierre el próximo año.",
                ],
            ],
        },
        "it": {
            "h": [
                "{org} compra {org2} per {a} miliardi",
                "{org2} accetta l'offerta di acquisto di {org}",
            ],
            "s": [
                "{org} acquisterà la rivale {org2} per {a} miliardi di euro in contanti, hanno annunciato le società {day}.",
                "L'offerta rappresenta un premio del {b} per cento sull'ultima chiusura di {org2}.",
                "L'amministratore delegato di {org}, {person}, parla di un leader europeo.",
                "L'operazione deve ancora essere approvata dall'Antitrust.",
            ],
            "a": [
                "I dipendenti di {org2} temono tagli dopo la vendita",
                [
                    "Nella sede di {org2} a {city} i lavoratori temono tagli dopo la vendita a {org}.",
                    "I sindacati chiedono garanzie a {person}.",
                ],
            ],
            "f": [
                "L'Antitrust esaminerà l'acquisto di {org2}",
                [
                    "Le autorità della concorrenza esamineranno con attenzione l'offerta di {org} su {org2}.",
                    "La chiusura dell'operazione da {a} miliardi è attesa il prossimo anno.",
                ],
            ],
        },
    },
    "election": {
        "en": {
            "h": [
                "{person} wins presidential election in {country}",
                "{country} elects {person} as president",
                "{org} candidate {person} claims victory in {country}",
            ],
            "s": [
                "{person} of the {org} won the presidential election in {country} on {day} with {a} percent of the vote.",
                "Turnout was {b} percent, the electoral commission said.",
                "Supporters celebrated in the streets of {city} until late at night.",
                "{person} promised to fight corruption and to lower food prices.",
                "The defeated candidate conceded shortly after midnight.",
            ],
            "a": [
                "What {person}'s victory means for {country}'s economy",
                [
                    "Investors in {city} welcomed the result, which they said would bring stability to {country}.",
                    "Economists expect {person} to keep the budget rules.",
                ],
            ],
            "f": [
                "{person} names new cabinet a day after {country} vote",
                [
                    "A day after winning the election, {person} presented the ministers of the new government in {city}.",
                    "The {org} will hold {c} seats in the new parliament.",
                ],
            ],
        },
        "de": {
            "h": [
                "{person} gewinnt Präsidentenwahl in {country}",
                "{country} wählt {person} zum Präsidenten",
            ],
            "s": [
                "{person} von der Partei {org} hat die Präsidentenwahl in {country} am {day} mit {a} Prozent der Stimmen gewonnen.",
                "Die Wahlbeteiligung lag bei {b} Prozent.",
                "Anhänger feierten bis spät in die Nacht in den Straßen von {city}.",
                "{person} versprach, die Korruption zu bekämpfen.",
            ],
            "a": [
                "Was der Sieg von {person} für die Wirtschaft in {country} bedeutet",
                [
                    "Anleger in {city} begrüßten das Ergebnis als Zeichen der Stabilität für {country}.",
                    "Ökonomen erwarten, dass {person} an den Haushaltsregeln festhält.",
                ],
            ],
            "f": [
                "{person} stellt einen Tag nach der Wahl das Kabinett vor",
                [
                    "Einen Tag nach dem Wahlsieg hat {person} in {city} die Minister der neuen Regierung vorgestellt.",
                    "Die Partei {org} wird {c} Sitze im Parlament haben.",
                ],
            ],
        },
        "fr": {
            "h": [
                "{person} remporte la présidentielle en {country}",
                "{country} élit {person} à la présidence",
            ],
            "s": [
                "{person}, candidat du parti {org}, a remporté l'élection présidentielle en {country} {day} avec {a} % des voix.",
                "La participation s'est établie à {b} %.",
                "Ses partisans ont fait la fête dans les rues de {city} jusque tard dans la nuit.",
                "{person} a promis de lutter contre la corruption.",
            ],
            "a": [
                "Ce que la victoire de {person} change pour l'économie de {country}",
                [
                    "Les investisseurs de {city} ont salué un résultat synonyme de stabilité pour {country}.",
                    "Les économistes s'attendent à ce que {person} respecte les règles budgétaires.",
                ],
            ],
            "f": [
                "{person} présente son gouvernement au lendemain du scrutin",
                [
                    "Au lendemain de sa victoire, {person} a présenté à {city} les ministres du nouveau gouvernement.",
                    "Le parti {org} disposera de {c} sièges au parlement.",
                ],
            ],
        },
        "es": {
            "h": [
                "{person} gana las elecciones presidenciales en {country}",
                "{country} elige a {person} como presidente",
            ],
            "s": [
                "{person}, del partido {org}, ganó las elecciones presidenciales en {country} el {day} con el {a} % de los votos.",
                "La participación fue del {b} %.",
                "Sus seguidores celebraron en las calles de {city} hasta altas horas de la noche.",
                "{person} prometió luchar contra la corrupción.",
            ],
            "a": [
                "Qué supone la victoria de {person} para la economía de {country}",
                [
                    "Los inversores de {city} celebraron un resultado que aporta estabilidad a {country}.",
                    "Los economistas esperan que {person} mantenga las reglas fiscales.",
                ],
            ],
            "f": [
                "{person} presenta su gabinete un día después de las elecciones",
                [
                    "Un día después de su victoria, {person} presentó en {city} a los ministros del nuevo gobierno.",
                    "El partido {org} tendrá {c} escaños en el parlamento.",
                ],
            ],
        },
        "it": {
            "h": [
                "{person} vince le presidenziali in {country}",
                "{country} elegge {person} presidente",
            ],
            "s": [
                "{person}, del partito {org}, ha vinto le elezioni presidenziali in {country} {day} con il {a} per cento dei voti.",
                "L'affluenza è stata del {b} per cento.",
                "I sostenitori hanno festeggiato nelle strade di {city} fino a tarda notte.",
                "{person} ha promesso di combattere la corruzione.",
            ],
            "a": [
                "Cosa significa la vittoria di {person} per l'economia di {country}",
                [
                    "Gli investitori di {city} hanno accolto il risultato come un segnale di stabilità per {country}.",
                    "Gli economisti si aspettano che {person} rispetti le regole di bilancio.",
                ],
            ],
            "f": [
                "{person} presenta il governo il giorno dopo il voto",
                [
                    "Il giorno dopo la vittoria, {person} ha presentato a {city} i ministri del nuovo governo.",
                    "Il partito {org} avrà {c} seggi in parlamento.",
                ],
            ],
        },
    },
    "final": {
        "en": {
            "h": [
                "{org} beat {org2} {a}-{b} to win the cup",
                "Cup final: {org} {a}, {org2} {b}",
                "{person} double seals cup for {org}",
            ],
            "s": [
                "{org} won the national cup on {day}, beating {org2} {a}-{b} in the final in {city}.",
                "{person} scored twice in the second half in front of {c} fans.",
                "It was the club's first trophy in eleven years.",
                "The {org2} coach said his team had paid for defensive mistakes.",
                "Thousands of fans welcomed the players back in the city centre.",
            ],
            "a": [
                "Heartbreak for {org2} fans after cup final defeat",
                [
                    "Supporters of {org2} left the stadium in {city} in silence after the {a}-{b} defeat.",
                    "Many had travelled through the night to see the final.",
                ],
            ],
            "f": [
                "{org} parade the cup through the streets",
                [
                    "A day after the final, {org} showed the cup to thousands of supporters.",
                    "{person} said the win against {org2} was the best night of his career.",
                ],
            ],
        },
        "de": {
            "h": [
                "{org} gewinnt Pokalfinale gegen {org2} mit {a}:{b}",
                "Pokalsieg für {org}: {person} trifft doppelt",
            ],
            "s": [
                "{org} hat am {day} das Pokalfinale in {city} gegen {org2} mit {a}:{b} gewonnen.",
                "{person} traf in der zweiten Halbzeit zweimal vor {c} Zuschauern.",
                "Es ist der erste Titel des Vereins seit elf Jahren.",
                "Der Trainer von {org2} bemängelte Fehler in der Abwehr.",
            ],
            "a": [
                "Enttäuschung bei den Fans von {org2}",
                [
                    "Die Anhänger von {org2} verließen das Stadion in {city} nach dem {a}:{b} schweigend.",
                    "Viele waren die ganze Nacht angereist.",
                ],
            ],
            "f": [
                "{org} feiert den Pokal mit den Fans",
                [
                    "Einen Tag nach dem Finale präsentierte {org} den Pokal Tausenden Anhängern.",
                    "{person} sprach vom schönsten Abend seiner Karriere.",
                ],
            ],
        },
        "fr": {
            "h": [
                "{org} bat {org2} {a}-{b} et remporte la coupe",
                "Finale de la coupe : doublé de {person} pour {org}",
            ],
            "s": [
                "{org} a remporté la coupe nationale {day} en battant {org2} {a}-{b} en finale à {city}.",
                "{person} a marqué deux fois en seconde période devant {c} spectateurs.",
                "C'est le premier trophée du club depuis onze ans.",
                "L'entraîneur de {org2} a regretté des erreurs défensives.",
            ],
            "a": [
                "La déception des supporters de {org2}",
                [
                    "Les supporters de {org2} ont quitté le stade de {city} en silence après la défaite {a}-{b}.",
                    "Beaucoup avaient voyagé toute la nuit.",
                ],
            ],
            "f": [
                "{org} fête la coupe avec ses supporters",
                [
                    "Au lendemain de la finale, {org} a présenté la coupe à des milliers de supporters.",
                    "{person} a parlé de la plus belle soirée de sa carrière.",
                ],
            ],
        },
        "es": {
            "h": [
                "El {org} gana la copa al {org2} por {a}-{b}",
                "Final de copa: doblete de {person} para el {org}",
            ],
            "s": [
                "El {org} ganó la copa nacional el {day} al vencer al {org2} por {a}-{b} en la final de {city}.",
                "{person} marcó dos goles en la segunda parte ante {c} espectadores.",
                "Es el primer título del club en once años.",
                "El entrenador del {org2} lamentó los errores defensivos.",
            ],
            "a": [
                "Decepción entre los aficionados del {org2}",
                [
                    "Los seguidores del {org2} abandonaron en silencio el estadio de {city} tras el {a}-{b}.",
                    "Muchos habían viajado toda la noche.",
                ],
            ],
            "f": [
                "El {org} celebra la copa con su afición",
                [
                    "Un día después de la final, el {org} mostró la copa a miles de aficionados.",
                    "{person} dijo que fue la mejor noche de su carrera.",
                ],
            ],
        },
        "it": {
            "h": [
                "Il {org} batte il {org2} {a}-{b} e vince la coppa",
                "Finale di coppa: doppietta di {person} per il {org}",
            ],
            "s": [
                "Il {org} ha vinto la coppa nazionale {day} battendo il {org2} {a}-{b} nella finale di {city}.",
                "{person} ha segnato due volte nel secondo tempo davanti a {c} spettatori.",
                "È il primo trofeo del club in undici anni.",
                "L'allenatore del {org2} ha lamentato errori difensivi.",
            ],
            "a": [
                "Delusione tra i tifosi del {org2}",
                [
                    "I tifosi del {org2} hanno lasciato in silenzio lo stadio di {city} dopo il {a}-{b}.",
                    "Molti avevano viaggiato tutta la notte.",
                ],
            ],
            "f": [
                "Il {org} festeggia la coppa con i tifosi",
                [
                    "Il giorno dopo la finale, il {org} ha mostrato la coppa a migliaia di tifosi.",
                    "{person} ha parlato della serata più bella della sua carriera.",
                ],
            ],
        },
    },
    "flood": {
        "en": {
            "h": [
                "Floods force {b} to leave homes in {city}",
                "River {org} bursts its banks after record rain",
                "Flooding in {country}: {b} evacuated",
            ],
            "s": [
                "The river {org} burst its banks near {city} on {day} after {a} millimetres of rain fell in two days.",
                "About {b} people were evacuated from low-lying streets, the fire service said.",
                "Mayor {person} said the water was still rising in the old town of {city}.",
                "Trains between {city} and the capital of {country} were suspended.",
                "Forecasters expect more rain over the weekend.",
            ],
            "a": [
                "Farmers near {city} count the cost of the floods",
                [
                    "Fields along the {org} are under water and farmers near {city} fear the harvest is lost.",
                    "The farmers' association asked the government of {country} for help.",
                ],
            ],
            "f": [
                "Water recedes in {city} as clean-up begins",
                [
                    "A day after the river {org} flooded {city}, residents began clearing mud from their homes.",
                    "{person} estimated the damage at {c} million euros.",
                ],
            ],
        },
        "de": {
            "h": [
                "Hochwasser in {city}: {b} Menschen in Sicherheit gebracht",
                "Fluss {org} tritt nach Rekordregen über die Ufer",
            ],
            "s": [
                "Der Fluss {org} ist am {day} bei {city} über die Ufer getreten, nachdem in zwei Tagen {a} Millimeter Regen gefallen waren.",
                "Rund {b} Menschen wurden aus tief gelegenen Straßen evakuiert.",
                "Bürgermeisterin {person} sagte, das Wasser steige in der Altstadt von {city} weiter.",
                "Der Zugverkehr zwischen {city} und der Hauptstadt von {country} wurde eingestellt.",
            ],
            "a": [
                "Landwirte bei {city} beklagen Ernteausfälle",
                [
                    "Felder entlang der {org} stehen unter Wasser; Bauern bei {city} fürchten um die Ernte.",
                    "Der Bauernverband bittet die Regierung von {country} um Hilfe.",
                ],
            ],
            "f": [
                "In {city} beginnt das Aufräumen",
                [
                    "Einen Tag nach dem Hochwasser der {org} haben die Bewohner von {city} begonnen, den Schlamm zu beseitigen.",
                    "{person} schätzt den Schaden auf {c} Millionen Euro.",
                ],
            ],
        },
        "fr": {
            "h": [
                "Inondations à {city} : {b} personnes évacuées",
                "La rivière {org} sort de son lit après des pluies record",
            ],
            "s": [
                "La rivière {org} est sortie de son lit près de {city} {day}, après {a} millimètres de pluie en deux jours.",
                "Environ {b} personnes ont été évacuées des rues basses, selon les pompiers.",
                "Le maire, {person}, a indiqué que l'eau montait encore dans la vieille ville de {city}.",
                "Les trains entre {city} et la capitale de {country} ont été suspendus.",
            ],
            "a": [
                "Près de {city}, les agriculteurs font les comptes",
                [
                    "Les champs le long de la {org} sont sous l'eau et les agriculteurs de {city} craignent pour la récolte.",
                    "Leur syndicat demande l'aide du gouvernement de {country}.",
                ],
            ],
            "f": [
                "À {city}, la décrue laisse place au nettoyage",
                [
                    "Au lendemain de la crue de la {org}, les habitants de {city} ont commencé à évacuer la boue.",
                    "{person} estime les dégâts à {c} millions d'euros.",
                ],
            ],
        },
        "es": {
            "h": [
                "Inundaciones en {city}: {b} evacuados",
                "El río {org} se desborda tras lluvias récord",
            ],
            "s": [
                "El río {org} se desbordó cerca de {city} el {day} después de que cayeran {a} litros por metro cuadrado en dos días.",
                "Unas {b} personas fueron evacuadas de las calles más bajas, según los bomberos.",
                "La alcaldesa, {person}, dijo que el agua seguía subiendo en el casco antiguo de {city}.",
                "Se suspendieron los trenes entre {city} y la capital de {country}.",
            ],
            "a": [
                "Los agricultores de {city} calculan las pérdidas",
                [
                    "Los campos junto al {org} están bajo el agua y los agricultores de {city} temen perder la cosecha.",
                    "Piden ayuda al gobierno de {country}.",
                ],
            ],
            "f": [
                "Baja el agua en {city} y empieza la limpieza",
                [
                    "Un día después de la crecida del {org}, los vecinos de {city} empezaron a retirar el barro.",
                    "{person} calcula los daños en {c} millones de euros.",
                ],
            ],
        },
        "it": {
            "h": [
                "Alluvione a {city}, evacuate {b} persone",
                "Il fiume {org} esonda dopo piogge record",
            ],
            "s": [
                "Il fiume {org} è esondato vicino a {city} {day} dopo {a} millimetri di pioggia in due giorni.",
                "Circa {b} persone sono state evacuate dalle strade più basse, secondo i vigili del fuoco.",
                "Il sindaco {person} ha detto che l'acqua continua a salire nel centro storico di {city}.",
                "Sospesi i treni tra {city} e la capitale di {country}.",
            ],
            "a": [
                "Gli agricoltori di {city} contano i danni",
                [
                    "I campi lungo il {org} sono sott'acqua e gli agricoltori di {city} temono per il raccolto.",
                    "Chiedono aiuto al governo di {country}.",
                ],
            ],
            "f": [
                "A {city} l'acqua si ritira, al via la pulizia",
                [
                    "Il giorno dopo l'esondazione del {org}, gli abitanti di {city} hanno iniziato a spalare il fango.",
                    "{person} stima i danni in {c} milioni di euro.",
                ],
            ],
        },
    },
}

# Background sentences a wire story carries whatever the event (shared, low information).
FILLER = {
    "en": ["The figures could not be independently verified.", "Officials are expected to give more details later this week.", "The government has been under pressure from the opposition for months.", "Economists have warned of a slowdown in the region this year.", "The announcement came after weeks of speculation in local media.", "Reporters were not allowed to ask questions after the statement.", "Observers said the coming days would be decisive.", "A spokesperson declined to comment further when contacted by phone."],
    "de": ["Die Angaben ließen sich zunächst nicht unabhängig überprüfen.", "Weitere Einzelheiten sollen im Laufe der Woche bekanntgegeben werden.", "Die Regierung steht seit Monaten unter Druck der Opposition.", "Ökonomen warnen in diesem Jahr vor einer Abschwächung in der Region.", "Der Ankündigung waren wochenlange Spekulationen vorausgegangen.", "Fragen von Journalisten waren nach der Erklärung nicht zugelassen."],
    "fr": ["Ces chiffres n'ont pas pu être vérifiés de source indépendante.", "Des précisions sont attendues dans le courant de la semaine.", "Le gouvernement est sous la pression de l'opposition depuis des mois.", "Les économistes redoutent un ralentissement dans la région cette année.", "L'annonce intervient après des semaines de spéculations.", "Les journalistes n'ont pas pu poser de questions après la déclaration."],
    "es": ["Las cifras no pudieron ser verificadas de forma independiente.", "Se esperan más detalles a lo largo de la semana.", "El gobierno está desde hace meses bajo presión de la oposición.", "Los economistas advierten de una desaceleración en la región este año.", "El anuncio llega tras semanas de especulaciones.", "No se permitieron preguntas de los periodistas tras la declaración."],
    "it": ["I dati non hanno potuto essere verificati in modo indipendente.", "Ulteriori dettagli sono attesi nel corso della settimana.", "Il governo è da mesi sotto la pressione dell'opposizione.", "Gli economisti temono un rallentamento nella regione quest'anno.", "L'annuncio arriva dopo settimane di indiscrezioni.", "Ai giornalisti non è stato permesso di fare domande dopo la dichiarazione."],
}  # fmt: skip
DAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "it": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
}
GENERIC = {
    "en": ["Live updates", "What we know so far", "News in brief", "Latest: the story so far"],
    "de": ["Liveticker", "Was wir bisher wissen", "Nachrichten kompakt"],
    "fr": ["En direct", "Ce que l'on sait", "L'essentiel de l'actualité"],
    "es": ["Directo", "Lo que sabemos", "Noticias breves"],
    "it": ["Diretta", "Cosa sappiamo", "Notizie in breve"],
}
SOURCES = {
    "en": [("Wire Service", "full"), ("Daily Courier", "summary"), ("Morning Post", "summary"), ("City Herald", "headline"), ("Global Times Online", "summary"), ("Evening Standard Digest", "full"), ("Business Line", "summary")],
    "de": [("Nachrichtenagentur Nord", "full"), ("Tagesblatt", "summary"), ("Rundschau", "summary"), ("Stadtanzeiger", "headline")],
    "fr": [("Agence Presse Sud", "full"), ("Le Quotidien", "summary"), ("La Gazette", "summary"), ("Ouest Matin", "headline")],
    "es": [("Agencia Ibérica", "full"), ("El Diario", "summary"), ("La Crónica", "summary"), ("Heraldo Local", "headline")],
    "it": [("Agenzia Italia Nord", "full"), ("Il Corriere Locale", "summary"), ("La Gazzetta", "summary"), ("Il Mattino Breve", "headline")],
}  # fmt: skip

# One feed's unrelated stories that share the feed's boilerplate (must stay apart), and one
# podcast's episodes with a shared description (never duplicates of each other).
GADGET_TOPICS = [
    "A beekeeper in Halvik uses sensors to count her bees", "Review: the Lumera X5 phone has a great screen and a weak battery",
    "Smartwatch from Kordia wins a design award", "Why your router needs an update this week", "We tried the new Nexova e-bike for a month",
    "A startup in Brenton prints houses from recycled plastic", "The best budget headphones of the year", "How a school in Zell teaches coding with robots",
    "Solar roof tiles arrive in Moravo shops", "An app that translates birdsong", "Ionis unveils a foldable laptop", "Retro games console sells out in hours",
    "A farmer in Lisket flies drones to spray vines", "Electric scooters banned from trains in Torrin", "The museum that lets you touch dinosaur bones",
    "Review: Solvane's smart oven burns the toast", "Chess robot beats the mayor of Corvo", "Five tips to make your laptop battery last",
]  # fmt: skip
GADGET_BOILERPLATE = (
    "This story first appeared on Gadget Garden, your daily dose of tech news, reviews and "
    "deals. Subscribe to the Gadget Garden newsletter for the best stories of the week, follow "
    "us on social media and download our app for iPhone and Android. Prices and availability "
    "were correct at the time of publishing; we may earn a commission on purchases."
)
GADGET_DE_TOPICS = [
    "Gärtnerin in Ulmen steuert Bewässerung per Handy", "Test: Das Tablet Brightway Tab 7 ist zu schwer", "Rivalta zeigt faltbaren Kinderwagen",
    "Warum Sie Ihr Passwort heute ändern sollten", "Wir haben die Kaffeemaschine von Fiorda zwei Wochen benutzt", "Verein in Selma baut Lastenräder selbst",
    "Wärmepumpen werden in Wexley knapp", "Diese App erkennt Pilze", "Tastatur aus Holz erobert Büros", "Roboter mäht den Rasen im Stadtpark von Veldt",
]  # fmt: skip
GADGET_DE_BOILERPLATE = (
    "Dieser Artikel erschien zuerst bei Technik Heute, Ihrem täglichen Portal für Technik, Tests "
    "und Angebote. Abonnieren Sie unseren Newsletter, folgen Sie uns in den sozialen Netzwerken "
    "und laden Sie unsere App herunter. Preise zum Zeitpunkt der Veröffentlichung; wir erhalten "
    "gegebenenfalls eine Provision."
)
EPISODE_TOPICS = [
    "inflation and your savings", "the housing market", "electric cars", "pensions", "the price of coffee",
    "remote work", "the four-day week", "crypto winters", "airline loyalty points", "the cost of weddings",
    "student loans", "the gig economy",
]  # fmt: skip
EPISODE_DESCRIPTION = (
    "The Money Hour is a weekly podcast about money and the economy. Every week our hosts "
    "Greta Holm and Diego Salas talk to experts and listeners about the questions that matter "
    "for your wallet. New episodes every Friday; listen wherever you get your podcasts."
)


def fill(template, slots, lang):
    return template.format(**slots[lang])


USED = set()


def make_slots(kind, rng, when):
    """Names for one event; an event's leading name is never reused by another of its kind
    (a central bank decides once, a club wins the cup once)."""
    for _attempt in range(200):
        slots = _make_slots(kind, rng, when)
        leads = {"rates": ["country"], "quake": ["city"], "strike": ["org"],
                 "takeover": ["org", "org2"], "election": ["country"], "final": ["org", "org2"],
                 "flood": ["org", "city"]}[kind]  # fmt: skip
        names = {(kind, slots["en"][lead]) for lead in leads}
        if not names & USED:
            USED.update(names)
            return slots
    raise SystemExit(f"not enough names for {kind}")


def _make_slots(kind, rng, when):
    pick = rng.choice
    raw = {
        "country": pick(COUNTRIES), "city": pick(CITIES), "person": pick(PEOPLE),
        "org": pick(COMPANIES), "org2": pick(COMPANIES),
    }  # fmt: skip
    while raw["org2"] == raw["org"]:
        raw["org2"] = pick(COMPANIES)
    numbers = {}
    if kind == "rates":
        raw["bank"] = pick(["Reserve Bank of ", "Central Bank of ", "Banca "]) + raw["country"]
        numbers = {"a": (rng.choice([2, 2.5, 3, 3.25, 3.5, 3.75, 4, 4.25, 4.5, 5.5]), 2),
                   "b": (rng.choice([25, 50, 75]), 0), "c": (0, 0), "d": (0, 0)}  # fmt: skip
    elif kind == "quake":
        deaths = rng.randint(3, 60)
        numbers = {"a": (rng.choice([5.4, 5.8, 6.1, 6.4, 6.7, 7.0, 7.2]), 1), "b": (deaths, 0),
                   "c": (rng.randint(8, 40), 0), "d": (deaths + rng.randint(5, 40), 0)}  # fmt: skip
    elif kind == "strike":
        raw["org"] = pick(COMPANIES) + pick([" Air", " Airways", " Airlines"])
        raw["org2"] = pick(UNIONS)
        numbers = {"a": (rng.randint(2, 5), 0), "b": (rng.randint(3, 12) * 100, 0),
                   "c": (0, 0), "d": (0, 0)}  # fmt: skip
    elif kind == "takeover":
        numbers = {"a": (rng.choice([1.2, 2.8, 4.5, 6.1, 8.0, 12.5]), 1),
                   "b": (rng.randint(15, 45), 0), "c": (0, 0), "d": (0, 0)}  # fmt: skip
    elif kind == "election":
        raw["org"] = pick(PARTIES)
        numbers = {"a": (rng.randint(51, 64), 0), "b": (rng.randint(48, 79), 0),
                   "c": (rng.randint(90, 180), 0), "d": (0, 0)}  # fmt: skip
    elif kind == "final":
        raw["org"], raw["org2"] = rng.sample(CLUBS, 2)
        numbers = {"a": (rng.randint(2, 4), 0), "b": (rng.randint(0, 1), 0),
                   "c": (rng.randint(40, 80) * 1000, 0), "d": (0, 0)}  # fmt: skip
    elif kind == "flood":
        raw["org"] = pick(RIVERS)
        numbers = {"a": (rng.randint(90, 260), 0), "b": (rng.randint(4, 60) * 100, 0),
                   "c": (rng.randint(20, 400), 0), "d": (0, 0)}  # fmt: skip
    slots = {}
    for lang in LANGS:
        values = dict(raw)
        for key, (value, decimals) in numbers.items():
            values[key] = num(value, lang, decimals)
        day = DAYS[lang][when.weekday()]
        values["day"] = day
        slots[lang] = values
    return slots


def _shingles(text):
    words = text.casefold().split()
    return {" ".join(words[i : i + 4]) for i in range(len(words) - 3)}


def _same_words(a, b):
    """Two texts that share most of their wording are copies, not independent reports."""
    a, b = _shingles(a), _shingles(b)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= 0.5


def body_from(sentences, filler, rng, target):
    """Paragraphs of two or three sentences, padded with background to a real length."""
    pool = list(sentences)
    extra = list(filler)
    rng.shuffle(extra)
    while sum(len(s) + 1 for s in pool) < target and extra:
        pool.insert(rng.randint(2, len(pool)), extra.pop())
    while sum(len(s) + 1 for s in pool) < target:  # long pieces repeat the background
        pool.append(rng.choice(filler))
    paragraphs, n = [], 0
    while n < len(pool):
        step = rng.randint(2, 3)
        paragraphs.append(" ".join(pool[n : n + step]))
        n += step
    return "\n\n".join(paragraphs)


def main():
    rng = random.Random(SEED)
    base = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
    kinds = list(T)
    items = []
    events = []
    # 150 news events over 30 days; one in three has a same-kind twin on the same day.
    plan = []
    for n in range(150):
        if plan and n % 3 == 1:
            kind, when = plan[-1][0], plan[-1][1] + timedelta(hours=rng.randint(1, 5))
        else:
            kind = rng.choice(kinds)
            when = base + timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 12))
        plan.append((kind, when))
    for n, (kind, when) in enumerate(plan):
        event = f"dev-{n:03d}-{kind}"
        slots = make_slots(kind, rng, when)
        events.append(event)
        size = rng.choice([2, 3, 4, 5, 5, 6, 6, 7, 8, 9, 10, 12])
        originals = []
        titles, texts = set(), []
        for k in range(size):
            for _attempt in range(12):  # independent reports never share a headline
                lang = "en" if k == 0 else rng.choices(LANGS, LANG_WEIGHTS)[0]
                tpl = T[kind][lang]
                source, rights = rng.choice(SOURCES[lang])
                roll = rng.random()
                at = when + timedelta(minutes=rng.randint(0, 600))
                if k > 0 and roll < 0.15:  # next-day follow-up
                    title = fill(tpl["f"][0], slots, lang)
                    core = [fill(s, slots, lang) for s in tpl["f"][1]] + [
                        fill(rng.choice(tpl["s"]), slots, lang)
                    ]
                    at = when + timedelta(hours=rng.randint(20, 34))
                elif k > 0 and roll < 0.30:  # angle piece
                    title = fill(tpl["a"][0], slots, lang)
                    core = [fill(s, slots, lang) for s in tpl["a"][1]] + [
                        fill(rng.choice(tpl["s"][1:]), slots, lang)
                    ]
                else:
                    title = fill(rng.choice(tpl["h"]), slots, lang)
                    core = [fill(s, slots, lang) for s in tpl["s"][:1]] + [
                        fill(s, slots, lang) for s in rng.sample(tpl["s"][1:], rng.randint(2, 3))
                    ]
                if k > 0 and rng.random() < 0.08:
                    title = rng.choice(GENERIC[lang])
                summary = " ".join(core[: rng.randint(2, len(core))])
                body = ""
                if rights == "full":
                    body = body_from(core, FILLER[lang], rng, rng.randint(1500, 6000))
                if k > 0 and rng.random() < 0.1:  # the feed gives a headline only
                    summary, body = "", ""
                if title.casefold() in titles or any(_same_words(summary, o) for o in texts):
                    continue
                titles.add(title.casefold())
                texts.append(summary)
                item = {
                    "id": f"{event}-{k}", "event": event, "language": lang, "source": source,
                    "rights": rights, "published": at.isoformat(), "title": title,
                    "summary": summary, "body": body, "duplicate_of": None,
                }  # fmt: skip
                items.append(item)
                if summary:
                    originals.append(item)
                break
        # Syndicated copies of an original with text: same headline, another source; some
        # keep the summary, some carry only the full text.
        for c in range(rng.choice([0, 0, 1, 1, 2])):
            if not originals:
                break
            original = rng.choice(originals)
            lang = original["language"]
            others = [
                s for s in SOURCES[lang] if s[0] != original["source"] and s[1] != "headline"
            ]
            source, rights = rng.choice(others)
            full_text = original["summary"] + "\n\n" + (original["body"] or "")
            copy = dict(original, id=f"{event}-c{c}", source=source, rights=rights,
                        duplicate_of=original["id"])  # fmt: skip
            copy["published"] = (
                datetime.fromisoformat(original["published"])
                + timedelta(minutes=rng.randint(5, 240))
            ).isoformat()
            if rng.random() < 0.4:
                copy["summary"], copy["body"] = "", full_text.strip()
                copy["rights"] = "full"
            items.append(copy)
    for n, topic in enumerate(GADGET_TOPICS):
        when = base + timedelta(days=n % 4, hours=n)
        lead = f"{topic}. Our reporter looked at what it means for readers and what it costs."
        items.append({
            "id": f"gadget-{n}", "event": f"dev-gadget-{n}", "language": "en",
            "source": "Gadget Garden", "rights": "summary", "published": when.isoformat(),
            "title": topic, "summary": f"{lead} {GADGET_BOILERPLATE}", "body": "",
            "duplicate_of": None,
        })  # fmt: skip
    for n, topic in enumerate(GADGET_DE_TOPICS):
        when = base + timedelta(days=n % 3, hours=2 * n)
        lead = f"{topic}. Unser Redakteur hat sich angesehen, was das für Leser bedeutet."
        items.append({
            "id": f"technik-{n}", "event": f"dev-technik-{n}", "language": "de",
            "source": "Technik Heute", "rights": "summary", "published": when.isoformat(),
            "title": topic, "summary": f"{lead} {GADGET_DE_BOILERPLATE}", "body": "",
            "duplicate_of": None,
        })  # fmt: skip
    for n, topic in enumerate(EPISODE_TOPICS):
        when = base + timedelta(days=n // 3, hours=9)
        items.append({
            "id": f"episode-{n}", "event": f"dev-episode-{n}", "language": "en",
            "source": "The Money Hour", "rights": "summary", "published": when.isoformat(),
            "title": f"The Money Hour, episode {40 + n}: {topic}",
            "summary": EPISODE_DESCRIPTION, "body": "", "duplicate_of": None,
        })  # fmt: skip
    items.sort(key=lambda i: (i["published"], i["id"]))
    with OUT.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{OUT.name}: {len(items)} items, {len({i['event'] for i in items})} events")


if __name__ == "__main__":
    main()
