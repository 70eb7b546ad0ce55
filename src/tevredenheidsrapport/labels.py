"""Dutch vocabulary of the report, kept in one place.

Everything a reader sees that is not narrative in ``report_template.qmd`` or item text in a
codebook lives here: names of the 13 services, sample statuses, provinces, table headers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

#: The 13 services (diensten). Official names: facts, keep them exactly.
DIENSTEN: Mapping[int, str] = MappingProxyType(
    {
        1: "Scholing en opleiding",
        2: "Fysieke en mentale behandeling of begeleiding",
        3: "Diagnose, onderzoek en loopbaanoriëntatie",
        4: "Organisatieadvies en onderzoek",
        5: "Jobcoaching",
        6: "Verzuimbegeleiding (wet poortwachter)",
        7: "Outplacement",
        8: "Toeleiden van werk naar werk (eerste en tweede spoor)",
        9: "Toeleiden naar werk vanuit situatie geen werk",
        10: "Sociale activering en participatie",
        11: "Inburgeringscursussen en duale trajecten",
        12: "Duurzame inzetbaarheid",
        13: "Supported employment",
    }
)
#: Service 11 is surveyed with the inburgeren questionnaire, all others with arbeid.
DIENST_INBURGEREN = 11
#: Service that no longer exists but is still listed.
DIENST_VERVALLEN = 12

#: Sample groups.
GROUP_CLIENT = "client"
GROUP_OPDRACHTGEVER = "opdrachtgever"
GROUPS = (GROUP_CLIENT, GROUP_OPDRACHTGEVER)

#: Sample statuses; only ``netto`` belongs to the netto steekproef.
STATUS_NETTO = "netto"
STATUSES: Mapping[str, str] = MappingProxyType(
    {
        "netto": "in de netto steekproef",
        "dubbel": "dubbel aangeleverd",
        "onvolledig": "essentiële gegevens ontbreken",
        "onbestelbaar": "uitnodiging onbestelbaar",
        "niet_getrokken": "niet getrokken in de steekproef",
    }
)

PROVINCIES: tuple[str, ...] = (
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)
#: Other names of a province that people write, besides case and spacing variants (which
#: :func:`province` accepts for every name): the official Frisian name of Friesland, also
#: typed without its circumflex.
PROVINCE_ALIASES: Mapping[str, str] = MappingProxyType(
    {"Fryslân": "Friesland", "Fryslan": "Friesland"}
)
# Case, spaces and hyphens do not tell two provinces apart ("noord holland", "Noord-Holland").
_PROVINCE_NOISE = re.compile(r"[\s\-\u2010-\u2015]+")


def _province_key(name: str) -> str:
    """A province name without case, spaces and hyphens, as provinces are looked up."""
    return _PROVINCE_NOISE.sub("", unicodedata.normalize("NFC", name)).casefold()


_PROVINCE_KEYS: Mapping[str, str] = MappingProxyType(
    {_province_key(name): name for name in PROVINCIES}
    | {_province_key(alias): name for alias, name in PROVINCE_ALIASES.items()}
)


def province(name: object) -> str | None:
    """The name of a province as :data:`PROVINCIES` has it, for a name as people write it.

    Case, spaces and hyphens are ignored (``noord-holland``, `` Noord Holland `` give
    ``Noord-Holland``) and :data:`PROVINCE_ALIASES` are known (``Fryslân`` gives
    ``Friesland``). None when ``name`` is no province.
    """
    if not isinstance(name, str):
        return None
    return _PROVINCE_KEYS.get(_province_key(name))


#: Table 1.1
#: The first column names its rows (a header cell is never empty: screen readers announce it).
TABLE11_COLUMNS = (
    "Groep en dienst",
    "Netto steekproef",
    "Ingevuld",
    "Respons (%)",
    "Rapportcijfer",
    "Publicatie",
)
TABLE11_TITLE = "Resultaten voor het keurmerk"
#: The table that sets table 2.2 beside the previous measurement.
TREND_TITLE = "Vergelijking met de vorige meting"
TREND_COLUMNS = (
    "Groep en dienst",
    "Rapportcijfer",
    "Vorige meting",
    "Verschil",
    "Respons (%)",
    "Vorige respons (%)",
)
TREND_NOTE_PERIOD = "Vorige meting: {period}."
TREND_NOTE_MARK = (
    "↑ of ↓ bij het verschil: het cijfer ligt significant hoger of lager dan bij de vorige "
    "meting; zonder teken kan het verschil op toeval berusten."
)
TREND_NOTE_ABSENT = "geen cijfer: in die meting niet gemeten of door niemand gegeven"
#: The symbol beside a result that differs significantly from the other participants.
MARKS = MappingProxyType({"hoger": "▲", "lager": "▼"})
#: The symbol beside a result that differs significantly from the previous measurement.
TREND_MARKS = MappingProxyType({"hoger": "↑", "lager": "↓"})
#: The group of the previous measurement in a figure: "Vorige meting (2021)".
PREVIOUS_MEASUREMENT = "Vorige meting"
PREVIOUS_GROUP = "Vorige meting ({period})"
TREND_NOT_COMPARABLE = (
    "Bij de vorige meting luidde deze vraag anders, zodat de uitkomsten niet naast elkaar "
    "passen: {reason}"
)
#: The minus sign of a negative change (reads as "min", unlike a hyphen).
MINUS = "−"
#: The column of table 2.2 with the 95 % interval of the rapportcijfer ("7,2–8,0").
TABLE11_INTERVAL = "Interval ({level}%)"
INTERVAL = "{low}–{high}"
CLIENTEN = "Cliënten"
OPDRACHTGEVERS = "Opdrachtgevers"
TOTAAL = "Totaal"
TOTAAL_OPDRACHTGEVERS = "Totaal opdrachtgevers"
JA, NEE = "ja", "nee"

#: Shown instead of a number that rests on too few answers (privacy), and where nobody answered.
SUPPRESSED = "*"
#: Shown instead of a number that has enough answers but would give a hidden one away.
DERIVABLE = "**"
NO_ANSWERS = "–"

#: Benchmark labels in figures.
ALLE_DEELNEMERS = "Alle deelnemers"
FIGURE_PREFIX = "fig."
TABLE_PREFIX = "tabel"
SOURCE_PREFIX = "Bron:"
N_LABEL = "n"
GRADE_AXIS = "Rapportcijfer"
PERCENT_AXIS = "Percentage"

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

#: Figure and table titles that are report vocabulary (item texts come from the codebooks).
TITLES = MappingProxyType(
    {
        "invitation_flow": "Uitnodigingstraject voor cliënten en opdrachtgevers",
        "services": "De dertien diensten",
        "table11": TABLE11_TITLE,
        "trend": TREND_TITLE,
        "grade_means": "Gemiddeld rapportcijfer, totaal en per dienst",
        "grade_distribution": "Verdeling van de rapportcijfers",
        "grade_means_opdr": "Gemiddeld rapportcijfer van opdrachtgevers",
        "grade_distribution_opdr": "Verdeling van de rapportcijfers van opdrachtgevers (afgerond)",
        "map": "Herkomst van de cliënten naar provincie",
        "donut": "Algemene tevredenheid van cliënten",
    }
)
NOTE_ROUNDED = (
    "Opdrachtgevers mogen een cijfer met een decimaal geven. In de verdeling hieronder zijn "
    "die cijfers afgerond op hele getallen (7,5 telt als 8)."
)

#: Steps of the invitation flow diagram, in order.
INVITATION_STEPS = (
    "Dienstverlener levert gegevens aan",
    "Controle op volledigheid en dubbelingen",
    "Uitnodiging per e-mail",
    "Herinnering",
    ("Eventueel extra herinnering", "Telefonische benadering"),
    "Vragenlijst ingevuld",
)

#: Notes under tables and in place of figures.
NOTE_SUPPRESSED = "minder dan {k} antwoorden: niet getoond, zodat geen respondent herkenbaar is"
NOTE_NO_ANSWERS = "niemand heeft een rapportcijfer gegeven"
NOTE_DERIVABLE = (
    "niet getoond, omdat een cijfer met minder antwoorden anders uit de overige cijfers van "
    "deze tabel te berekenen zou zijn"
)
NOTE_INTERVAL = (
    "het gebied waarin het cijfer van alle uitgenodigde cliënten met {level}% zekerheid "
    "ligt; zie de leeswijzer"
)
NOTE_INTERVAL_WITHHELD = (
    "bij de cliënten ontbreken de intervallen, omdat daarmee een niet getoond cijfer te "
    "berekenen zou zijn"
)
FIGURE_SIGNIFICANCE = (
    "▲ significant hoger, ▼ significant lager dan de andere deelnemers samen: zo'n verschil "
    "is waarschijnlijk geen toeval (zie de leeswijzer)."
)
FIGURE_SIGNIFICANCE_SCALE = (
    "▲ of ▼ achter de naam: het aandeel (heel) tevreden ligt significant hoger of lager dan "
    "bij de andere deelnemers samen; zo'n verschil is waarschijnlijk geen toeval (zie de "
    "leeswijzer)."
)
FIGURE_TREND = (
    "↑ significant hoger, ↓ significant lager dan bij de vorige meting: zo'n verandering is "
    "waarschijnlijk geen toeval."
)
FIGURE_TREND_SCALE = (
    "↑ of ↓ achter de naam: het aandeel (heel) tevreden ligt significant hoger of lager dan "
    "bij de vorige meting; zo'n verandering is waarschijnlijk geen toeval."
)
ALT_TREND_HIGHER = "Significant hoger dan bij de vorige meting: {what}."
ALT_TREND_LOWER = "Significant lager dan bij de vorige meting: {what}."
ALT_HIGHER = "Significant hoger dan de andere deelnemers: {what}."
ALT_LOWER = "Significant lager dan de andere deelnemers: {what}."
POSITIVE_SHARE = "het aandeel (heel) tevreden"
FIGURE_SUPPRESSED = (
    "Deze figuur ontbreekt: ze zou berusten op minder dan {k} antwoorden. Zo blijft iedere "
    "respondent onherkenbaar."
)
FIGURE_DERIVABLE = (
    "Deze figuur ontbreekt: met de cijfers die dit rapport wel toont, zou een weggelaten "
    "cijfer van minder dan {k} antwoorden eruit te berekenen zijn."
)
FIGURE_SECONDARY_NOTE = (
    "Bij een * ontbreekt het cijfer: het berust op minder dan {k} antwoorden, of een cijfer "
    "met minder dan {k} antwoorden zou er anders uit te berekenen zijn (in de tabel met de "
    "resultaten voor het keurmerk: **)."
)
FIGURE_BACKGROUND_FEW = (
    "Deze figuur ontbreekt: een achtergrondkenmerk wordt pas getoond bij {k} antwoorden of "
    "meer, omdat het iets zegt over de personen zelf en niet over de dienstverlening."
)
FIGURE_ONE_ANSWER = (
    "Deze figuur ontbreekt: iedereen die de vraag beantwoordde, gaf hetzelfde antwoord, en "
    "dan zou de figuur dat van ieder van hen vertellen."
)
FIGURE_BENCHMARK_WITHHELD = (
    "Voor alle deelnemers staat hier geen cijfer: zonder één organisatie zouden er te weinig "
    "andere organisaties of antwoorden in overblijven."
)
FIGURE_NO_ANSWERS = "Deze figuur ontbreekt: niemand heeft deze vraag beantwoord."
#: Why a question has no figure when it belongs only to services this provider's clients
#: did not use (listed in the sidecar, not in the report).
FIGURE_OTHER_SERVICES = (
    "Deze figuur ontbreekt: de vraag hoort bij diensten die deze cliënten niet afnamen."
)
#: Why a follow-up question has no figure when no answer to an earlier question led to it
#: (listed in the sidecar, not in the report).
FIGURE_NOT_ASKED = (
    "Deze figuur ontbreekt: geen enkel antwoord op een eerdere vraag leidde naar deze vervolgvraag."
)
#: The one line of a section in which nobody answered any question.
SECTION_NO_ANSWERS = "Niemand heeft de vragen van dit onderdeel beantwoord."
#: Where the 95 % interval of a grade lies against its norm, for a manager: {what} is
#: "het cijfer voor Totaal" or a service, {interval} "7,2–8,0", {norm} "6,5".
NORM_INTERVAL_TEXT = MappingProxyType(
    {
        "boven": (
            "Het interval van {what} ({interval}) ligt helemaal boven de norm van {norm}: "
            "ook als andere cliënten de vragenlijst hadden ingevuld, was dit cijfer vrijwel "
            "zeker voldoende geweest."
        ),
        "rond": (
            "Het interval van {what} ({interval}) omvat de norm van {norm}: het cijfer ligt "
            "zo dicht bij de norm dat het bij andere invullers aan de andere kant ervan had "
            "kunnen uitkomen."
        ),
        "onder": (
            "Het interval van {what} ({interval}) ligt helemaal onder de norm van {norm}: ook "
            "met andere invullers was dit cijfer vrijwel zeker onvoldoende geweest."
        ),
    }
)
TEST_MEANS = "gemiddelde cijfers: de t-toets van Welch"
TEST_SHARES = "percentages: de exacte toets van Fisher"
TEST_FDR = "de drempel volgens Benjamini en Hochberg"
NORM_INTERVAL_TOTAL = "het cijfer voor Totaal"
NORM_INTERVAL_SERVICE = "het cijfer voor {service}"
NORM_STATUS_TEXT = MappingProxyType(
    {
        "behaald": "voldoet aan de tevredenheidsnorm",
        "behaald na correctie": "voldoet aan de tevredenheidsnorm na correctie voor zeer lage rapportcijfers",
        # the correction for very low grades is always tried before this verdict
        "niet behaald": (
            "voldoet niet aan de tevredenheidsnorm, ook niet na de correctie voor zeer lage "
            "rapportcijfers"
        ),
        "geen oordeel": "kan niet aan de tevredenheidsnorm worden getoetst, omdat geen cliënt een rapportcijfer gaf",
    }
)

#: Words used in figures and their alt texts.
FIGURE_TEXT = MappingProxyType(
    {
        "multi_note": "Meer antwoorden mogelijk",
        "bar_chart": "Staafdiagram",
        "stacked_chart": "Gestapeld staafdiagram",
        "donut_chart": "Ringdiagram",
        "flow_chart": "Stroomschema",
        "means": "gemiddeld rapportcijfer",
        "grade_distribution": "verdeling van de rapportcijfers 1 tot en met 10, in procenten",
        "single": "percentage per antwoord",
        "multi": "percentage van de respondenten per antwoord, meer antwoorden mogelijk",
        "stacked": "verdeling van de antwoorden in procenten",
        "grade": "cijfer",
        "no_answers": "geen antwoorden",
        "suppressed": "niet getoond wegens te weinig antwoorden",
        "interval": "interval",
        "steps": "stappen",
        "and": "en",
        "or": "of",
    }
)

#: "No opinion": options outside an ordered scale (drawn grey, not counted in aspect scores),
#: by label (lower case). The one definition; test a label with :func:`is_no_opinion`.
NEUTRAL_OPTIONS = frozenset(
    {"geen mening", "weet niet", "weet ik niet", "niet van toepassing", "n.v.t.", "nvt"}
)


def is_no_opinion(label: str) -> bool:
    """Whether an answer label means "no opinion" (case and surrounding spaces ignored)."""
    return str(label).strip().casefold() in NEUTRAL_OPTIONS


def label_key(label: object) -> str:
    """An answer label as it is compared: case, surrounding spaces and runs of whitespace
    ignored (``" heel  Tevreden"`` and ``"Heel tevreden"`` are one label)."""
    return " ".join(unicodedata.normalize("NFC", str(label)).split()).casefold()


# ---- sentences and phrases the report's package code fills in --------------------------
#: Counts in the narrative: (none, one, more).
CLIENTS_COUNT = ("geen cliënten", "{n} cliënt", "{n} cliënten")
OPDRACHTGEVERS_COUNT = ("geen opdrachtgevers", "{n} opdrachtgever", "{n} opdrachtgevers")
#: How an invitation went, inside a sentence ("in de regel per e-mail of per post").
INVITATION_CHANNEL = MappingProxyType({"e-mail": "per e-mail", "post": "per post"})
#: The end of the sentence "<provider> ..." about the phone option.
PHONE_USED = "heeft van deze telefonische benadering gebruikgemaakt"
PHONE_NOT_USED = "heeft daar geen gebruik van gemaakt"
HELPDESK_HOURS = "{days} van {hours}"
PROMOTOR = (
    "Van de cliënten die deze vraag beantwoordden, heeft {score}% {name} al bij anderen "
    "aanbevolen. Dat percentage is de promotorscore."
)
PROMOTOR_TOO_FEW = (
    "Minder dan {k} cliënten beantwoordden de vraag of zij {name} al bij anderen hebben "
    "aanbevolen; dat is te weinig voor een promotorscore."
)
PROMOTOR_NONE = (
    "Geen van de cliënten beantwoordde de vraag of zij {name} al bij anderen hebben "
    "aanbevolen, zodat er geen promotorscore is."
)

#: Cover page and summary.
COVER_PERIOD = "meetperiode: {period}"
COVER_CLIENT = "In opdracht van {name}"
COVER_PLACE_DATE = "{place}, {date}"
SUMMARY_LABEL = "Samenvatting"
SUMMARY_MAP_CAPTION = "Waar de cliënten vandaan komen"
SUMMARY_NO_MAP = "Van geen van de cliënten is de provincie bekend."
SUMMARY_GRADE_CAPTION = "gemiddeld rapportcijfer van cliënten"
SUMMARY_GRADE_NONE = "nog geen rapportcijfer gegeven"
SUMMARY_GRADE_FEW = "minder dan {k} cijfers"
SUMMARY_GRADE_DERIVABLE = "niet getoond: een weggelaten cijfer zou eruit af te leiden zijn"
SUMMARY_STAFF = (
    "Het onderdeel over de medewerkers waarop de dienstverlener het verst boven alle "
    "deelnemers uitkomt:"
)
SUMMARY_STAFF_NONE = (
    "Op geen van de onderdelen over de medewerkers komt de dienstverlener boven alle "
    "deelnemers uit."
)
#: {questionnaire}: "vragenlijst arbeid"; {n}: the respondents the donut rests on.
SUMMARY_DONUT_CAPTION = "Algemene tevredenheid van cliënten ({questionnaire}, n={n})"
SUMMARY_DONUT_PART = "Algemene tevredenheid van cliënten ({questionnaire}: n={n} van {total})"
QUESTIONNAIRE = "vragenlijst {name}"
SUMMARY_BEST = "Hier scoort de dienstverlener hoger dan alle deelnemers:"
SUMMARY_BEST_NONE = "Op geen van de onderdelen scoort de dienstverlener hoger dan alle deelnemers."
#: After an aspect above the benchmark whose difference is significant (see the figures).
SUMMARY_SIGNIFICANT = "{label} (significant)"
CONTENTS_TITLE = "Inhoudsopgave"

#: Source line under every figure: bureau, report title (lower case), years.
SOURCE_LINE = "{prefix} {bureau}, {title} {years}"
#: Notes beside figures.
MATRIX_ROWS_LEFT_OUT = "Onderdelen met minder dan {k} antwoorden zijn weggelaten."
OPEN_ANSWERS_INTRO = "Toelichting bij 'anders':"
SERVICE_DISCONTINUED = "Dienst {code} wordt al enkele jaren niet meer aangeboden."
SERVICE_LABEL = "dienst {code}"
SERVICES_COLUMNS = ("Dienst", "Benaming")
#: Why a grade of table 2.2 is missing, in the sidecar.
RECORD_NO_ANSWERS = "geen antwoorden"
RECORD_TOO_FEW = "minder dan {k} antwoorden"
RECORD_DERIVABLE = "af te leiden uit de overige cijfers"
#: "n=12" after a group in a figure's rows.
WITH_N = "{group} (n={n})"

#: Refusals of the figure sink and the renderers: a figure file or an image path that would
#: leave the report's work directory (only reachable when a codebook got past validation).
FIGURE_OUTSIDE_WORK_DIR = (
    "figuur {path!r} valt buiten de map {root!r}: een figuur van dit rapport mag alleen "
    "daarin geschreven worden"
)
FIGURE_DIR_MISSING = "figuur {path!r}: de map {directory!r} bestaat niet"
IMAGE_OUTSIDE_WORK_DIR = (
    "afbeelding {path!r} ligt buiten de werkmap {root!r} en wordt niet in het rapport opgenomen"
)
IMAGE_NOT_A_FIGURE = "afbeelding {path!r} is geen figuur van het rapport (verwacht: {suffixes})"
IMAGE_PATH_HIDDEN = "afbeelding {path!r}: het pad bevat een onzichtbaar stuurteken"
