# ruff: noqa: E501  (template text: one sentence a string)
"""Write heldout.jsonl, the HELD-OUT set: never used to choose anything in newswire/events.py.

Written after the development set and apart from it: other kinds of event (wildfires, court
fines, train derailments, product recalls, trade agreements, tennis finals), other invented
names, other sources and other wording; its figures were read once, after every threshold had
been fixed on dev.jsonl. Deterministic: `python newswire/tests/eval/make_heldout.py`.
"""

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 7741
OUT = Path(__file__).with_name("heldout.jsonl")
LANGUAGES = {"en": 40, "de": 16, "fr": 16, "es": 14, "it": 14}

REGIONS = [
    "Kastelland", "Mirovia", "Sarnath", "Velmora", "Trondia", "Ebrenia", "Lusvik", "Corantia",
    "Hallstedt", "Ombria", "Pirenna", "Zaltor", "Braskia", "Quellmark", "Ravenna Alta",
    "Sildavia", "Tornesa", "Ubrecht", "Varlonia", "Westerholm", "Yssel", "Aurenia", "Belgor",
    "Cimbria", "Drostia", "Elvand", "Fornia", "Galtia", "Hiberna", "Istmark",
]  # fmt: skip
TOWNS = [
    "Altwick", "Bramford", "Castelnuovo", "Dernau", "Ellisport", "Fontevrel", "Grünhal",
    "Hasselby", "Irongate", "Jaromir", "Kilbride", "Lachen", "Montclar", "Nyborg", "Oberlin",
    "Pinewood", "Queensferry", "Rothbury", "Saltcombe", "Thornaby", "Uffing", "Valdemoro",
    "Wyndham", "Ystad", "Zermatten", "Ashcombe", "Brixen", "Colmera", "Dunholt", "Eskvik",
    "Farlow", "Gorran", "Heddon", "Inverkip", "Jessen", "Kirkwall", "Lorca Vieja", "Mossley",
    "Nantwich", "Orvieto Basso", "Penrith", "Quarles", "Ravello", "Stenby", "Tolmin",
]  # fmt: skip
FIRMS = [
    "Calderon Group", "Dunmore Digital", "Everlake", "Foxbridge", "Granitex", "Halcyon Devices",
    "Istria Foods", "Jetstream Toys", "Kappel Pharma", "Larkspur", "Meridiana", "Northvale",
    "Oakhurst", "Primavera Home", "Quillon", "Redfern Auto", "Silverline", "Tamarind",
    "Ulster Dairy", "Vantor", "Willowby", "Xylem Kitchens", "Yarrow", "Zenobia Cosmetics",
    "Arkwright", "Brightmoor", "Cobalt Mobile", "Delphine", "Emberly", "Fairhaven Baby",
]  # fmt: skip
PEOPLE = [
    "Maren Kessler", "Tobias Lindgren", "Aurélie Fontaine", "Javier Morales", "Chiara Bassi",
    "Rupert Allingham", "Ilse Vogt", "Mateo Ruiz", "Giulia Conti", "Benoît Lacroix",
    "Frieda Olsen", "Samuel Achterberg", "Lorena Vidal", "Emil Hartmann", "Noemi Gallo",
]  # fmt: skip
PLAYERS = [
    "Lena Petrova", "Carla Mendes", "Yuki Tanabe", "Ines Delgado", "Mara Svensson",
    "Olga Brandt", "Zoe Hartley", "Amira Haddad", "Paula Lindt", "Nina Kowal", "Ella Ramos",
    "Sara Bellucci", "Tess Moreau", "Vera Novak", "Hana Ito", "Lia Costa", "Ruth Keller",
    "Dana Fox", "Mila Horvat", "Isla Grant", "Jana Weiss", "Kira Lund", "Rosa Pinto",
]  # fmt: skip


def number(value, lang, places=0):
    text = f"{value:,.{places}f}"
    return {
        "en": text,
        "fr": text.replace(",", " ").replace(".", ","),
    }.get(lang, text.replace(",", "_").replace(".", ",").replace("_", "."))


# kind -> language -> {"head": [...], "lede": [...], "more": [...], "side": (head, [..]),
# "next": (head, [...])}
K = {
    "wildfire": {
        "en": {"head": ["Wildfire near {town} forces {n1} to flee", "{region} battles blaze as fire spreads towards {town}", "Firefighters struggle to contain {town} wildfire"],
               "lede": ["A wildfire fanned by strong winds has burned {n2} hectares of forest near {town}, in {region}, forcing {n1} residents to leave their homes.", "More than {n1} people were ordered out of villages around {town} as a forest fire tore across {n2} hectares of {region}."],
               "more": ["Civil protection chief {person} said {n3} firefighters and six water-bombing aircraft were at work.", "Smoke from the fire could be seen from the regional capital.", "The cause of the fire is under investigation.", "Roads into {town} have been closed until further notice."],
               "side": ("Evacuees from {town} wait in school gymnasium", ["Families evacuated from {town} spent the night on camp beds in a school gym.", "Volunteers from {region} brought food and water."]),
               "next": ("{town} fire contained after {n2} hectares burn", ["Firefighters brought the blaze near {town} under control on the second day, {person} said.", "Residents were allowed back to most villages."])},
        "de": {"head": ["Waldbrand bei {town}: {n1} Menschen müssen fliehen", "Feuer in {region} breitet sich Richtung {town} aus"],
               "lede": ["Ein von starkem Wind angefachter Waldbrand hat bei {town} in {region} {n2} Hektar Wald zerstört; {n1} Bewohner mussten ihre Häuser verlassen."],
               "more": ["Der Leiter des Katastrophenschutzes, {person}, sagte, {n3} Feuerwehrleute seien im Einsatz.", "Die Brandursache ist noch unklar.", "Die Zufahrtsstraßen nach {town} sind gesperrt."],
               "side": ("Evakuierte aus {town} warten in Turnhalle", ["Familien aus {town} verbrachten die Nacht auf Feldbetten in einer Schulturnhalle.", "Helfer aus {region} brachten Essen."]),
               "next": ("Brand bei {town} unter Kontrolle", ["Die Feuerwehr hat den Brand bei {town} am zweiten Tag unter Kontrolle gebracht, sagte {person}.", "Die meisten Bewohner dürfen zurück."])},
        "fr": {"head": ["Incendie près de {town} : {n1} personnes évacuées", "La région de {region} lutte contre un feu de forêt"],
               "lede": ["Un incendie attisé par des vents violents a ravagé {n2} hectares de forêt près de {town}, en {region}, et contraint {n1} habitants à partir."],
               "more": ["Le chef de la protection civile, {person}, a indiqué que {n3} pompiers étaient mobilisés.", "L'origine du feu reste inconnue.", "Les routes menant à {town} sont fermées."],
               "side": ("Les évacués de {town} attendent dans un gymnase", ["Des familles de {town} ont passé la nuit sur des lits de camp dans un gymnase.", "Des bénévoles de {region} ont apporté des repas."]),
               "next": ("L'incendie de {town} est maîtrisé", ["Les pompiers ont maîtrisé le feu près de {town} au deuxième jour, selon {person}.", "La plupart des habitants ont pu rentrer."])},
        "es": {"head": ["Un incendio cerca de {town} obliga a desalojar a {n1} personas", "{region} lucha contra un fuego que avanza hacia {town}"],
               "lede": ["Un incendio avivado por fuertes vientos ha quemado {n2} hectáreas de monte cerca de {town}, en {region}, y ha obligado a desalojar a {n1} vecinos."],
               "more": ["El jefe de protección civil, {person}, dijo que trabajan {n3} bomberos.", "Se investigan las causas del fuego.", "Las carreteras de acceso a {town} están cortadas."],
               "side": ("Los desalojados de {town} esperan en un polideportivo", ["Familias de {town} pasaron la noche en catres en un polideportivo.", "Voluntarios de {region} llevaron comida."]),
               "next": ("Controlado el incendio de {town}", ["Los bomberos controlaron el fuego cerca de {town} en la segunda jornada, según {person}.", "La mayoría de vecinos ha vuelto a casa."])},
        "it": {"head": ["Incendio vicino a {town}, evacuate {n1} persone", "{region}, il fuoco avanza verso {town}"],
               "lede": ["Un incendio alimentato da forti venti ha distrutto {n2} ettari di bosco vicino a {town}, in {region}, costringendo {n1} residenti a lasciare le case."],
               "more": ["Il capo della protezione civile, {person}, ha detto che sono impegnati {n3} vigili del fuoco.", "Le cause dell'incendio sono in corso di accertamento.", "Le strade per {town} sono chiuse."],
               "side": ("Gli sfollati di {town} in una palestra", ["Le famiglie di {town} hanno passato la notte su brandine in una palestra.", "Volontari della {region} hanno portato cibo."]),
               "next": ("Domato l'incendio di {town}", ["I vigili del fuoco hanno domato il rogo vicino a {town} al secondo giorno, ha detto {person}.", "Quasi tutti i residenti sono rientrati."])},
    },
    "fine": {
        "en": {"head": ["{firm} fined {n2} million by {region} competition watchdog", "Regulator hits {firm} with record {n2} million penalty", "{firm} to appeal {n2} million antitrust fine"],
               "lede": ["The competition authority of {region} fined {firm} {n2} million euros for abusing its dominant position, the regulator said.", "{firm} must pay a {n2} million euro penalty after {region}'s competition regulator found it had squeezed out smaller rivals."],
               "more": ["The investigation began after complaints from {n1} small retailers.", "{firm} said it disagreed with the decision and would appeal.", "Authority president {person} called the conduct serious and long-lasting.", "It is the largest fine the watchdog has ever imposed."],
               "side": ("Small rivals hail {firm} ruling as overdue", ["Shop owners who complained about {firm} said the penalty came too late for many of them.", "A trade association in {region} asked for compensation."]),
               "next": ("{firm} shares slide after {n2} million fine", ["Shares in {firm} fell on the day after the fine was announced in {region}.", "Analysts said the penalty was manageable but the reputational damage was not."])},
        "de": {"head": ["Wettbewerbsbehörde verhängt {n2} Millionen Euro Strafe gegen {firm}", "{firm} muss {n2} Millionen zahlen"],
               "lede": ["Die Wettbewerbsbehörde von {region} hat gegen {firm} eine Geldbuße von {n2} Millionen Euro wegen Missbrauchs einer marktbeherrschenden Stellung verhängt."],
               "more": ["Auslöser waren Beschwerden von {n1} kleinen Händlern.", "{firm} kündigte Berufung an.", "Behördenchef {person} sprach von einem schweren Verstoß."],
               "side": ("Kleine Konkurrenten begrüßen Urteil gegen {firm}", ["Händler, die sich über {firm} beschwert hatten, sagten, die Strafe komme für viele zu spät.", "Ein Verband in {region} fordert Entschädigung."]),
               "next": ("Aktie von {firm} fällt nach Millionenstrafe", ["Die Aktie von {firm} hat einen Tag nach der Strafe in {region} nachgegeben.", "Analysten halten die Buße für verkraftbar."])},
        "fr": {"head": ["{firm} condamné à {n2} millions d'euros d'amende", "L'autorité de la concurrence de {region} sanctionne {firm}"],
               "lede": ["L'autorité de la concurrence de {region} a infligé à {firm} une amende de {n2} millions d'euros pour abus de position dominante."],
               "more": ["L'enquête avait été ouverte après les plaintes de {n1} petits commerçants.", "{firm} a annoncé faire appel.", "Le président de l'autorité, {person}, a dénoncé des pratiques graves."],
               "side": ("Les petits concurrents saluent la sanction contre {firm}", ["Les commerçants qui avaient porté plainte contre {firm} estiment que la sanction arrive trop tard.", "Une fédération de {region} réclame des indemnités."]),
               "next": ("L'action {firm} chute après l'amende", ["Le titre {firm} a reculé au lendemain de l'amende infligée en {region}.", "Les analystes jugent la sanction supportable."])},
        "es": {"head": ["Multa de {n2} millones a {firm} por abuso de posición dominante", "Competencia de {region} sanciona a {firm}"],
               "lede": ["La autoridad de competencia de {region} ha impuesto a {firm} una multa de {n2} millones de euros por abusar de su posición dominante."],
               "more": ["La investigación se abrió tras las quejas de {n1} pequeños comercios.", "{firm} recurrirá la decisión.", "El presidente del organismo, {person}, habló de una conducta grave."],
               "side": ("Los pequeños competidores celebran la multa a {firm}", ["Los comerciantes que denunciaron a {firm} dicen que la sanción llega tarde.", "Una asociación de {region} pide indemnizaciones."]),
               "next": ("Las acciones de {firm} caen tras la multa", ["Las acciones de {firm} bajaron un día después de la multa en {region}.", "Los analistas creen que la sanción es asumible."])},
        "it": {"head": ["Multa da {n2} milioni a {firm} per abuso di posizione dominante", "L'Antitrust di {region} sanziona {firm}"],
               "lede": ["L'autorità garante della concorrenza di {region} ha inflitto a {firm} una multa di {n2} milioni di euro per abuso di posizione dominante."],
               "more": ["L'indagine era partita dalle denunce di {n1} piccoli negozianti.", "{firm} ha annunciato ricorso.", "Il presidente dell'autorità, {person}, ha parlato di condotte gravi."],
               "side": ("I piccoli concorrenti applaudono la multa a {firm}", ["I negozianti che avevano denunciato {firm} dicono che la sanzione arriva tardi.", "Un'associazione della {region} chiede risarcimenti."]),
               "next": ("Il titolo {firm} scende dopo la multa", ["Le azioni di {firm} sono calate il giorno dopo la multa in {region}.", "Gli analisti ritengono la sanzione sostenibile."])},
    },
    "train": {
        "en": {"head": ["Train derails near {town}, {n1} injured", "Passenger train leaves the tracks in {region}", "Derailment at {town} disrupts rail traffic"],
               "lede": ["A passenger train carrying about {n2} people derailed near {town} in {region}, injuring {n1}, the rail operator said.", "{n1} people were hurt when a regional train came off the rails outside {town}, in {region}."],
               "more": ["Transport minister {person} travelled to the scene.", "Investigators are examining a section of track that had been repaired last month.", "Services on the line will be suspended for several days.", "Three of the injured are in a serious condition."],
               "side": ("Passengers describe moment {town} train left the rails", ["Travellers said the carriages shook violently before tipping over near {town}.", "Some passengers climbed out through the windows."]),
               "next": ("Track fault suspected in {town} derailment", ["Investigators said a day after the crash near {town} that a faulty rail joint was the likely cause.", "{person} ordered checks on the whole line."])},
        "de": {"head": ["Zug entgleist bei {town}: {n1} Verletzte", "Personenzug in {region} aus den Gleisen gesprungen"],
               "lede": ["Ein Personenzug mit rund {n2} Fahrgästen ist bei {town} in {region} entgleist; {n1} Menschen wurden verletzt."],
               "more": ["Verkehrsminister {person} reiste zur Unglücksstelle.", "Die Ermittler untersuchen einen kürzlich reparierten Gleisabschnitt.", "Die Strecke bleibt mehrere Tage gesperrt."],
               "side": ("Fahrgäste schildern die Entgleisung bei {town}", ["Reisende berichteten, die Waggons hätten heftig gewackelt, bevor sie bei {town} umkippten.", "Einige kletterten durch die Fenster ins Freie."]),
               "next": ("Schienenschaden vermutlich Ursache des Unglücks bei {town}", ["Ein defekter Schienenstoß gilt als wahrscheinliche Ursache der Entgleisung bei {town}.", "{person} ordnete Kontrollen der ganzen Strecke an."])},
        "fr": {"head": ["Déraillement près de {town} : {n1} blessés", "Un train de voyageurs déraille en {region}"],
               "lede": ["Un train de voyageurs transportant environ {n2} personnes a déraillé près de {town}, en {region}, faisant {n1} blessés."],
               "more": ["Le ministre des Transports, {person}, s'est rendu sur place.", "Les enquêteurs examinent une portion de voie réparée le mois dernier.", "La circulation sur la ligne est interrompue pour plusieurs jours."],
               "side": ("Les passagers racontent le déraillement de {town}", ["Des voyageurs ont raconté que les voitures ont violemment tremblé avant de se renverser près de {town}.", "Certains sont sortis par les fenêtres."]),
               "next": ("Un défaut de voie en cause dans le déraillement de {town}", ["Un joint de rail défectueux serait à l'origine du déraillement près de {town}.", "{person} a ordonné l'inspection de toute la ligne."])},
        "es": {"head": ["Descarrila un tren cerca de {town}: {n1} heridos", "Un tren de pasajeros se sale de la vía en {region}"],
               "lede": ["Un tren con unos {n2} pasajeros descarriló cerca de {town}, en {region}, y dejó {n1} heridos."],
               "more": ["El ministro de Transportes, {person}, se desplazó al lugar.", "Los investigadores examinan un tramo de vía reparado el mes pasado.", "La línea permanecerá cortada varios días."],
               "side": ("Los pasajeros relatan el descarrilamiento de {town}", ["Los viajeros contaron que los vagones temblaron con fuerza antes de volcar cerca de {town}.", "Algunos salieron por las ventanillas."]),
               "next": ("Un fallo en la vía, posible causa del accidente de {town}", ["Una junta de carril defectuosa sería la causa del descarrilamiento cerca de {town}.", "{person} ordenó revisar toda la línea."])},
        "it": {"head": ["Deraglia un treno vicino a {town}, {n1} feriti", "Treno passeggeri esce dai binari in {region}"],
               "lede": ["Un treno con circa {n2} passeggeri è deragliato vicino a {town}, in {region}, causando {n1} feriti."],
               "more": ["Il ministro dei Trasporti {person} si è recato sul posto.", "Gli investigatori esaminano un tratto di binario riparato il mese scorso.", "La linea resterà chiusa per alcuni giorni."],
               "side": ("I passeggeri raccontano il deragliamento di {town}", ["I viaggiatori hanno raccontato che le carrozze hanno tremato prima di ribaltarsi vicino a {town}.", "Alcuni sono usciti dai finestrini."]),
               "next": ("Un guasto al binario dietro l'incidente di {town}", ["Un giunto difettoso sarebbe la causa del deragliamento vicino a {town}.", "{person} ha ordinato controlli su tutta la linea."])},
    },
    "recall": {
        "en": {"head": ["{firm} recalls {n2} products over safety fears", "{firm} pulls {product} from shelves", "Safety recall: {firm} {product} may overheat"],
               "lede": ["{firm} is recalling {n2} units of its {product} sold in {region} after reports that they can overheat.", "Customers in {region} have been told to stop using the {firm} {product}, {n2} of which are affected by a recall."],
               "more": ["The company said it had received {n1} reports of incidents but no serious injuries.", "Buyers can return the product to any shop for a full refund.", "Consumer safety office head {person} praised the quick response.", "The fault affects models made between March and June."],
               "side": ("What owners of the {firm} {product} should do now", ["Owners of the {product} should unplug it and check the serial number on the base.", "{firm} has set up a free helpline."]),
               "next": ("{firm} widens {product} recall", ["A day after the first announcement, {firm} extended the recall of the {product} to more batches.", "{person} said inspectors would visit the factory."])},
        "de": {"head": ["{firm} ruft {n2} Geräte zurück", "Rückruf: {firm} {product} kann überhitzen"],
               "lede": ["{firm} ruft {n2} Exemplare seines {product} zurück, die in {region} verkauft wurden, weil sie überhitzen können."],
               "more": ["Das Unternehmen erhielt {n1} Meldungen über Vorfälle, schwere Verletzungen gab es nicht.", "Kunden erhalten den vollen Kaufpreis zurück.", "Die Leiterin der Verbraucherschutzbehörde, {person}, lobte die schnelle Reaktion."],
               "side": ("Was Besitzer des {firm} {product} jetzt tun sollten", ["Besitzer des {product} sollten das Gerät vom Strom trennen und die Seriennummer prüfen.", "{firm} hat eine kostenlose Hotline eingerichtet."]),
               "next": ("{firm} weitet Rückruf des {product} aus", ["Einen Tag nach der ersten Ankündigung hat {firm} den Rückruf des {product} ausgeweitet.", "{person} kündigte eine Kontrolle des Werks an."])},
        "fr": {"head": ["{firm} rappelle {n2} appareils", "Rappel : le {product} de {firm} peut surchauffer"],
               "lede": ["{firm} rappelle {n2} exemplaires de son {product} vendus en {region}, qui risquent de surchauffer."],
               "more": ["L'entreprise a reçu {n1} signalements d'incidents, sans blessé grave.", "Les clients seront intégralement remboursés.", "La responsable de la sécurité des consommateurs, {person}, a salué la rapidité de la réaction."],
               "side": ("Ce que doivent faire les propriétaires du {product} de {firm}", ["Les propriétaires du {product} doivent le débrancher et vérifier le numéro de série.", "{firm} a ouvert une ligne d'assistance gratuite."]),
               "next": ("{firm} élargit le rappel du {product}", ["Au lendemain de la première annonce, {firm} a étendu le rappel du {product} à d'autres lots.", "{person} a annoncé une inspection de l'usine."])},
        "es": {"head": ["{firm} retira {n2} aparatos por riesgo de sobrecalentamiento", "Alerta: el {product} de {firm} puede sobrecalentarse"],
               "lede": ["{firm} retira del mercado {n2} unidades de su {product} vendidas en {region} porque pueden sobrecalentarse."],
               "more": ["La empresa recibió {n1} avisos de incidentes, sin heridos graves.", "Los clientes recibirán el reembolso íntegro.", "La responsable de consumo, {person}, elogió la rapidez de la respuesta."],
               "side": ("Qué deben hacer los dueños del {product} de {firm}", ["Los propietarios del {product} deben desenchufarlo y comprobar el número de serie.", "{firm} ha abierto una línea gratuita."]),
               "next": ("{firm} amplía la retirada del {product}", ["Un día después del primer aviso, {firm} amplió la retirada del {product} a más lotes.", "{person} anunció una inspección de la fábrica."])},
        "it": {"head": ["{firm} richiama {n2} apparecchi", "Richiamo: il {product} di {firm} può surriscaldarsi"],
               "lede": ["{firm} richiama {n2} esemplari del suo {product} venduti in {region} perché possono surriscaldarsi."],
               "more": ["L'azienda ha ricevuto {n1} segnalazioni di incidenti, senza feriti gravi.", "I clienti saranno rimborsati per intero.", "La responsabile della sicurezza dei consumatori, {person}, ha lodato la rapidità."],
               "side": ("Cosa devono fare i proprietari del {product} di {firm}", ["I proprietari del {product} devono staccare la spina e controllare il numero di serie.", "{firm} ha attivato un numero verde."]),
               "next": ("{firm} estende il richiamo del {product}", ["Il giorno dopo il primo annuncio, {firm} ha esteso il richiamo del {product} ad altri lotti.", "{person} ha annunciato un'ispezione nello stabilimento."])},
    },
    "tennis": {
        "en": {"head": ["{player} wins {town} Open title", "{player} beats {rival} in {town} final", "{town} Open: {player} lifts the trophy"],
               "lede": ["{player} won the {town} Open on Sunday, beating {rival} {n1}-{n3}, 6-4 in the final.", "{player} claimed the {town} Open title with a {n1}-{n3}, 6-4 victory over {rival}."],
               "more": ["It was her {n2}th career title.", "{rival} had saved three match points in the semi-final.", "The crowd of 12,000 gave both players a standing ovation.", "The win lifts her into the world's top ten."],
               "side": ("{rival} left to rue missed chances in {town}", ["{rival} said she had let the final slip away after leading early in the first set.", "Her coach called the week in {town} a step forward."]),
               "next": ("{player} rises in rankings after {town} win", ["A day after her victory in {town}, {player} climbed four places in the world rankings.", "She will play next week in {region}."])},
        "de": {"head": ["{player} gewinnt das Turnier von {town}", "{player} schlägt {rival} im Finale von {town}"],
               "lede": ["{player} hat das Turnier von {town} gewonnen und im Finale {rival} mit {n1}:{n3}, 6:4 besiegt."],
               "more": ["Es ist ihr {n2}. Titel.", "{rival} hatte im Halbfinale drei Matchbälle abgewehrt.", "Die Zuschauer feierten beide Spielerinnen."],
               "side": ("{rival} hadert mit vergebenen Chancen", ["{rival} sagte, sie habe das Finale in {town} nach gutem Start aus der Hand gegeben.", "Ihr Trainer sprach von Fortschritten."]),
               "next": ("{player} klettert nach Sieg in {town} in der Weltrangliste", ["Einen Tag nach ihrem Sieg in {town} ist {player} in der Weltrangliste um vier Plätze gestiegen.", "Nächste Woche spielt sie in {region}."])},
        "fr": {"head": ["{player} remporte le tournoi de {town}", "{player} bat {rival} en finale à {town}"],
               "lede": ["{player} a remporté le tournoi de {town} en battant {rival} {n1}-{n3}, 6-4 en finale."],
               "more": ["C'est son {n2}e titre en carrière.", "{rival} avait sauvé trois balles de match en demi-finale.", "Le public a ovationné les deux joueuses."],
               "side": ("{rival} regrette ses occasions manquées", ["{rival} a reconnu avoir laissé filer la finale de {town} après un bon début.", "Son entraîneur parle de progrès."]),
               "next": ("{player} gagne des places au classement après {town}", ["Au lendemain de sa victoire à {town}, {player} a gagné quatre places au classement mondial.", "Elle jouera la semaine prochaine en {region}."])},
        "es": {"head": ["{player} gana el torneo de {town}", "{player} derrota a {rival} en la final de {town}"],
               "lede": ["{player} ganó el torneo de {town} tras vencer a {rival} por {n1}-{n3} y 6-4 en la final."],
               "more": ["Es su {n2}.º título.", "{rival} había salvado tres bolas de partido en semifinales.", "El público ovacionó a las dos jugadoras."],
               "side": ("{rival} lamenta las ocasiones perdidas", ["{rival} admitió que dejó escapar la final de {town} tras un buen comienzo.", "Su entrenador habló de progresos."]),
               "next": ("{player} sube en la clasificación tras ganar en {town}", ["Un día después de su victoria en {town}, {player} subió cuatro puestos en la clasificación mundial.", "La próxima semana jugará en {region}."])},
        "it": {"head": ["{player} vince il torneo di {town}", "{player} batte {rival} nella finale di {town}"],
               "lede": ["{player} ha vinto il torneo di {town} battendo in finale {rival} {n1}-{n3}, 6-4."],
               "more": ["È il suo {n2}° titolo in carriera.", "{rival} aveva annullato tre match point in semifinale.", "Il pubblico ha applaudito entrambe le giocatrici."],
               "side": ("{rival} recrimina per le occasioni mancate", ["{rival} ha ammesso di aver lasciato sfuggire la finale di {town} dopo un buon inizio.", "Il suo allenatore parla di progressi."]),
               "next": ("{player} sale in classifica dopo {town}", ["Il giorno dopo la vittoria a {town}, {player} è salita di quattro posizioni nella classifica mondiale.", "La prossima settimana giocherà in {region}."])},
    },
}  # fmt: skip
PRODUCTS = [
    "air fryer",
    "baby monitor",
    "e-scooter charger",
    "hair dryer",
    "space heater",
    "power bank",
    "kettle",
    "toy drone",
]
BACKGROUND = {
    "en": ["Further details were not immediately available.", "Local media reported the news first.", "The story is developing and will be updated.", "Officials have promised a full inquiry.", "Opposition politicians demanded answers.", "The region has seen several similar incidents in recent years."],
    "de": ["Weitere Einzelheiten waren zunächst nicht bekannt.", "Lokale Medien hatten zuerst berichtet.", "Die Behörden kündigten eine Untersuchung an.", "Die Opposition verlangt Aufklärung."],
    "fr": ["Aucun autre détail n'était disponible dans l'immédiat.", "Les médias locaux ont été les premiers à en parler.", "Les autorités ont promis une enquête.", "L'opposition réclame des explications."],
    "es": ["No se conocieron más detalles de inmediato.", "Los medios locales adelantaron la noticia.", "Las autoridades prometieron una investigación.", "La oposición exige explicaciones."],
    "it": ["Non sono stati resi noti altri dettagli.", "I media locali hanno dato per primi la notizia.", "Le autorità hanno promesso un'inchiesta.", "L'opposizione chiede chiarimenti."],
}  # fmt: skip
ROUNDUP = {
    "en": ["Morning briefing", "Live: follow the latest"],
    "de": ["Newsblog", "Das Wichtigste am Morgen"],
    "fr": ["Le direct", "Le point du matin"],
    "es": ["Última hora", "Resumen de la mañana"],
    "it": ["Le notizie del mattino", "In aggiornamento"],
}
OUTLETS = {
    "en": [("Northern Wire", "full"), ("The Ledger", "summary"), ("Metro Daily", "summary"), ("Coastal Gazette", "headline"), ("Capital Report", "summary"), ("Sunday Observer Online", "full")],
    "de": [("Presseagentur Mitte", "full"), ("Abendpost", "summary"), ("Landeszeitung", "summary"), ("Kurier am Morgen", "headline")],
    "fr": [("Agence Centre Presse", "full"), ("Le Républicain", "summary"), ("Midi Info", "summary"), ("L'Écho du Soir", "headline")],
    "es": [("Agencia Norte", "full"), ("Diario del Sur", "summary"), ("El Observador", "summary"), ("La Voz Local", "headline")],
    "it": [("Agenzia Stampa Centro", "full"), ("Il Giornale di Sera", "summary"), ("La Nazione Breve", "summary"), ("Il Messaggero Locale", "headline")],
}  # fmt: skip
RADIO_STORIES = [
    "Farmers' market returns to the old square", "Local choir wins national contest", "Bridge repairs to start in spring",
    "Library extends opening hours", "Hospital opens new maternity ward", "City council debates cycle lanes", "Zoo welcomes twin lynx cubs",
    "Marathon route changed for roadworks", "School meals to include more local produce", "Historic cinema reopens after restoration",
    "Heatwave warning for the weekend", "Volunteers clean up the riverbank", "Jazz festival announces line-up", "New bus line to the airport",
]  # fmt: skip
RADIO_TAIL = (
    "Radio Meridian brings you news from the region every hour. Listen live on 98.4 FM, on "
    "our app and online; send your tips to the newsroom and follow Radio Meridian on social "
    "media. All rights reserved."
)
ANIME_STORIES = [
    "Starfall Knights gets a second season", "Moonlit Bakery anime film dated for autumn", "Iron Petal manga ends after ten years",
    "Cloud Runner game adaptation announced", "Tiny Dragon Café reveals voice cast", "Neon Samurai to stream worldwide",
    "Paper Lantern Club teaser trailer released", "Ghost Orchard wins anime award", "Harbor Lights creator starts new series",
    "Crystal Fox movie tops box office",
]  # fmt: skip
ANIME_TAIL = (
    "Anime Pulse covers anime, manga and games news daily. Follow Anime Pulse for trailers, "
    "release dates and reviews, and join our community forum. Images courtesy of the studios."
)
SHOW_TOPICS = [
    "sourdough",
    "knife skills",
    "fermentation",
    "street food",
    "pasta by hand",
    "spices",
    "barbecue",
    "desserts",
    "soups",
    "vegetarian classics",
]
SHOW_BLURB = (
    "In Inside the Kitchen, chef Noemi Gallo visits home cooks and restaurants to learn one "
    "dish at a time. A new video every Wednesday."
)


def _words4(text):
    w = text.lower().split()
    return {tuple(w[i : i + 4]) for i in range(len(w) - 3)}


def _too_close(text, others):
    mine = _words4(text)
    return bool(mine) and any(len(mine & o) >= 0.5 * min(len(mine), len(o)) for o in others if o)


class Names:
    """A name leads one story at a time: it comes back only after most of its pool has been
    used since (a town burns once a week, not twice)."""

    def __init__(self, rng):
        self.rng, self.recent = rng, {}

    def fresh(self, pool, tag):
        recent = self.recent.setdefault(tag, [])
        name = self.rng.choice([n for n in pool if n not in recent])
        recent.append(name)
        del recent[: max(0, len(recent) - (len(pool) - 5))]
        return name


def event_values(kind, rng, names):
    base = {"region": rng.choice(REGIONS), "town": rng.choice(TOWNS), "person": rng.choice(PEOPLE),
            "firm": rng.choice(FIRMS), "product": rng.choice(PRODUCTS), "player": "", "rival": ""}  # fmt: skip
    nums = {"n1": (rng.randint(2, 90), 0), "n2": (rng.randint(3, 60), 0), "n3": (0, 0)}
    if kind == "wildfire":
        base["town"] = names.fresh(TOWNS, "place")
        nums = {
            "n1": (rng.randint(3, 40) * 100, 0),
            "n2": (rng.randint(4, 90) * 100, 0),
            "n3": (rng.randint(80, 600), 0),
        }
    elif kind == "fine":
        base["firm"] = names.fresh(FIRMS, "firm")
        nums = {
            "n1": (rng.randint(20, 400), 0),
            "n2": (rng.choice([12.5, 38, 74, 120, 210, 455]), 1 if rng.random() < 0.2 else 0),
            "n3": (0, 0),
        }
    elif kind == "train":
        base["town"] = names.fresh(TOWNS, "place")
        nums = {"n1": (rng.randint(4, 70), 0), "n2": (rng.randint(12, 45) * 10, 0), "n3": (0, 0)}
    elif kind == "recall":
        base["firm"] = names.fresh(FIRMS, "firm")
        nums = {"n1": (rng.randint(5, 80), 0), "n2": (rng.randint(2, 300) * 1000, 0), "n3": (0, 0)}
    elif kind == "tennis":
        base["town"] = names.fresh(TOWNS, "place")
        base["player"] = names.fresh(PLAYERS, "player")
        base["rival"] = names.fresh(PLAYERS, "player")
        nums = {
            "n1": (rng.choice([6, 7]), 0),
            "n2": (rng.randint(2, 19), 0),
            "n3": (rng.choice([2, 3, 4]), 0),
        }
    out = {}
    for lang in LANGUAGES:
        values = dict(base)
        values.update({k: number(v, lang, p) for k, (v, p) in nums.items()})
        out[lang] = values
    return out


def build():
    rng = random.Random(SEED)
    names = Names(rng)
    start = datetime(2026, 6, 8, 5, 30, tzinfo=timezone.utc)
    kinds = sorted(K)
    rows = []
    n_event = 0
    day = 0
    while n_event < 165:
        # Each day: two to four events; often two of one kind (look-alikes on the same day).
        todays = [rng.choice(kinds)]
        todays.append(todays[0] if rng.random() < 0.45 else rng.choice(kinds))
        todays += [rng.choice(kinds) for _ in range(rng.randint(0, 2))]
        for kind in todays:
            when = start + timedelta(
                days=day, hours=rng.randint(0, 14), minutes=rng.randint(0, 59)
            )
            rows.extend(one_event(f"ho-{n_event:03d}-{kind}", kind, when, rng, names))
            n_event += 1
        day += 1
    rows.extend(feed_noise(start, rng))
    rows.sort(key=lambda r: (r["published"], r["id"]))
    return rows


def one_event(event, kind, when, rng, names):
    values = event_values(kind, rng, names)
    count = rng.choice([2, 3, 3, 4, 4, 5, 6, 7, 8, 10, 13, 15])
    rows, heads, texts, with_text = [], set(), [], []
    languages, weights = list(LANGUAGES), list(LANGUAGES.values())
    for n in range(count):
        for _ in range(15):
            lang = "en" if n == 0 else rng.choices(languages, weights)[0]
            t = K[kind][lang]
            fill = lambda s, lang=lang: s.format(**values[lang])  # noqa: E731
            outlet, rights = rng.choice(OUTLETS[lang])
            at = when + timedelta(minutes=rng.randint(0, 540))
            r = rng.random()
            if n and r < 0.17:
                head, sents = fill(t["next"][0]), [fill(s) for s in t["next"][1]]
                at = when + timedelta(hours=rng.randint(19, 40))
            elif n and r < 0.34:
                head = fill(t["side"][0])
                sents = [fill(s) for s in t["side"][1]] + [fill(rng.choice(t["more"]))]
            else:
                head = fill(rng.choice(t["head"]))
                sents = [fill(rng.choice(t["lede"]))] + [
                    fill(s) for s in rng.sample(t["more"], rng.randint(1, 3))
                ]
            if n and rng.random() < 0.07:
                head = rng.choice(ROUNDUP[lang])
            summary = " ".join(sents[: max(1, rng.randint(1, len(sents)))])
            body = ""
            if rights == "full":
                extra = list(BACKGROUND[lang])
                rng.shuffle(extra)
                paragraphs = [" ".join(sents)] + [
                    " ".join(extra[i : i + 2]) for i in range(0, len(extra), 2)
                ]
                while sum(map(len, paragraphs)) < rng.randint(1200, 7000):
                    paragraphs.append(" ".join(rng.sample(BACKGROUND[lang], 2)))
                body = "\n\n".join(paragraphs)
            if n and rng.random() < 0.12:
                summary, body = "", ""
            if head.lower() in heads or _too_close(summary, texts):
                continue
            heads.add(head.lower())
            texts.append(_words4(summary))
            row = {"id": f"{event}/{n}", "event": event, "language": lang, "source": outlet,
                   "rights": rights, "published": at.isoformat(), "title": head, "summary": summary,
                   "body": body, "duplicate_of": None}  # fmt: skip
            rows.append(row)
            if summary:
                with_text.append(row)
            break
    for c in range(rng.choice([0, 1, 1, 2, 3])):
        if not with_text:
            break
        first = rng.choice(with_text)
        lang = first["language"]
        outlet, rights = rng.choice(
            [o for o in OUTLETS[lang] if o[0] != first["source"] and o[1] != "headline"]
        )
        copy = dict(
            first, id=f"{event}/copy{c}", source=outlet, rights=rights, duplicate_of=first["id"]
        )
        copy["published"] = (
            datetime.fromisoformat(first["published"]) + timedelta(minutes=rng.randint(3, 300))
        ).isoformat()
        style = rng.random()
        if style < 0.35:  # the full text, no summary
            copy["summary"], copy["body"], copy["rights"] = (
                "",
                (first["summary"] + "\n\n" + first["body"]).strip(),
                "full",
            )
        elif style < 0.55:  # the outlet adds its name to the headline
            copy["title"] = f"{first['title']} | {outlet}"
        rows.append(copy)
    return rows


def feed_noise(start, rng):
    rows = []
    for n, story in enumerate(RADIO_STORIES):
        at = start + timedelta(days=n // 4, hours=6 + n % 4 * 3)
        rows.append({"id": f"radio/{n}", "event": f"ho-radio-{n}", "language": "en", "source": "Radio Meridian",
                     "rights": "summary", "published": at.isoformat(), "title": story,
                     "summary": f"{story}, our newsroom reports. {RADIO_TAIL}", "body": "", "duplicate_of": None})  # fmt: skip
    for n, story in enumerate(ANIME_STORIES):
        at = start + timedelta(days=n // 3, hours=10 + n)
        rows.append({"id": f"anime/{n}", "event": f"ho-anime-{n}", "language": "en", "source": "Anime Pulse",
                     "rights": "summary", "published": at.isoformat(), "title": story,
                     "summary": f"{story}, the studio said on Tuesday. {ANIME_TAIL}", "body": "", "duplicate_of": None})  # fmt: skip
    for n, topic in enumerate(SHOW_TOPICS):
        at = start + timedelta(days=2 * n, hours=16)
        rows.append({"id": f"show/{n}", "event": f"ho-show-{n}", "language": "en", "source": "Inside the Kitchen",
                     "rights": "summary", "published": at.isoformat(), "title": f"Inside the Kitchen, episode {12 + n}: {topic}",
                     "summary": SHOW_BLURB, "body": "", "duplicate_of": None})  # fmt: skip
    return rows


def main():
    rows = build()
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{OUT.name}: {len(rows)} items, {len({r['event'] for r in rows})} events")


if __name__ == "__main__":
    main()
