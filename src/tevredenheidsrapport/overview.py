"""Overview of a period's reports for the survey owner: ``index.html``, two CSVs and Excel.

Built from the JSON sidecars the reports wrote, never from the data: one row per provider
with its table 1.1 totals (cliënten and opdrachtgevers: netto steekproef, ingevuld,
respons, rapportcijfer, publicatie), the norm outcome, whether its report is current, and
links to its HTML and PDF. Privacy as in table 1.1: a grade the report withholds is ``*``
(``–`` when nobody gave one) in the HTML and an empty cell in the CSVs and Excel, always
with the reason beside it (the sidecar's, e.g. "minder dan 3 antwoorden"), never the value.

Files:

- ``index.html``: the table with a totals row (netto, ingevuld and the response they give).
- ``overzicht.csv`` (:data:`EXCEL_CSV_FILE`): for people, in the form a Dutch Excel opens
  with a double-click: UTF-8 with a BOM, semicolons, decimal commas, Dutch column names.
- ``overzicht-data.csv`` (:data:`DATA_CSV_FILE`): the same rows for code: column keys,
  commas, decimal points, UTF-8 without BOM (like the data contract).
- ``overzicht.xlsx``: numbers as numbers (shown with one decimal, in the locale's
  separators: ``7,8`` in a Dutch Excel), a withheld grade as an empty cell with the reason
  in the column beside it, and the totals row of the HTML below the filtered rows.

Text is never a formula: a name such as ``=HYPERLINK(...)`` or ``+SUM(1,2)`` is written to
the CSVs with a leading ``'`` (as OWASP advises against CSV injection) and to Excel as a
text cell; numbers stay numbers.

The content is built once as rows (:func:`collect`), then one writer per format.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from urllib.parse import quote

from . import fmt, labels
from .fsutil import atomic_write, safe_name

HTML_FILE = "index.html"
#: Used instead of index.html when a provider's own report is called index.html.
HTML_FALLBACK = "overzicht.html"
#: The CSV for people: a double-click opens it in a Dutch Excel in columns (semicolons,
#: decimal commas, UTF-8 with a BOM, Dutch column names).
EXCEL_CSV_FILE = "overzicht.csv"
#: The CSV for code: column keys, commas, decimal points, UTF-8 without BOM.
DATA_CSV_FILE = "overzicht-data.csv"
XLSX_FILE = "overzicht.xlsx"

# ---- user-facing Dutch text, kept together -------------------------------------------
GEREED, VEROUDERD, MISLUKT, ONTBREEKT = "gereed", "verouderd", "mislukt", "ontbreekt"
STATUS_HELP = MappingProxyType(
    {
        GEREED: "rapport is actueel",
        VEROUDERD: "rapport is gemaakt met oudere data, instellingen of code",
        MISLUKT: "rapport kon niet worden gemaakt",
        ONTBREEKT: "rapport is nog niet gemaakt",
    }
)
HEADING = "{title} {period}: overzicht van de rapporten"
INTRO = "Meetperiode {label}."
COUNTS = "{n} dienstverleners: {parts}."
ALL_PROVIDERS = "Alle dienstverleners"
NOTE_SUPPRESSED = (
    f"{labels.SUPPRESSED} Rapportcijfer niet getoond: het berust op te weinig antwoorden, "
    "zodat geen respondent herkenbaar is (zoals in tabel 2.2 van het rapport)."
)
NOTE_NO_ANSWERS = (
    f"{labels.NO_ANSWERS} {labels.NOTE_NO_ANSWERS[0].upper()}{labels.NOTE_NO_ANSWERS[1:]}."
)
NOTE_SORT = "Klik op een kolomkop om te sorteren."
SHEET_TITLE = "Overzicht"
#: Why a grade is not shown when the sidecar gives no reason (a report that withholds a
#: grade always gives one: see labels.RECORD_*).
REASON_TOO_FEW = "te weinig antwoorden"
#: Excel number formats by kind of column. Excel shows them in the reader's locale, so a
#: Dutch Excel shows 7,8 and 1.331; the cell holds the number itself.
XLSX_NUMBER_FORMATS = MappingProxyType(
    {
        "int": "#,##0",
        "pct": "0.0",
        "grade": "0.0",
        "decimal": "0.0",
        "margin": "+0.0;-0.0;0.0",
    }
)
#: The decimal separator and field delimiter of the CSV for a Dutch Excel.
EXCEL_DECIMAL, EXCEL_DELIMITER = ",", ";"
#: Text a spreadsheet would take for a formula (OWASP, CSV injection): starting with one of
#: these, also in their full-width forms, or with a tab or a line break.
_FORMULA_START = re.compile(r"[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]")
#: Prefixed to such text in the CSV: spreadsheets show it as text, without the quote.
_TEXT_MARK = "'"
LINK_TEXT = MappingProxyType({"html": "HTML", "pdf": "PDF"})
#: The two ends of the 95 % interval of the rapportcijfer (see table 2.2 of a report).
INTERVAL_LABELS = ("Interval van", "Interval tot")
#: The grade of the previous measurement and the change since (see table 2.3 of a report).
PREVIOUS_LABELS = ("Vorige meting", "Verschil")
#: Totaal minus the norm's minimum for Totaal: how far a provider is from missing the norm.
MARGIN_LABEL = "Marge tot de norm"


@dataclass(frozen=True)
class Column:
    """A column of the overview: CSV name, Dutch label, header group and kind of value."""

    key: str
    label: str
    group: str | None = None
    kind: str = "text"  # text | int | pct | grade | decimal | margin | bool | status | link | note

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (a number format in Excel, empty when missing)."""
        return self.kind in XLSX_NUMBER_FORMATS

    @property
    def header(self) -> str:
        """The column's name in the Excel file and the CSV for Excel (group and label)."""
        if self.group and self.kind != "link":
            return f"{self.group} {self.label.lower()}"
        return self.label


def _group_columns(prefix: str, group: str, *, interval: bool = False) -> tuple[Column, ...]:
    """The table 1.1 columns of one group (cliënten or opdrachtgevers)."""
    head = labels.TABLE11_COLUMNS
    return (
        Column(f"{prefix}_netto", head[1], group, "int"),
        Column(f"{prefix}_ingevuld", head[2], group, "int"),
        Column(f"{prefix}_respons", head[3], group, "pct"),
        Column(f"{prefix}_rapportcijfer", head[4], group, "grade"),
        # the reason right beside the grade, whose cell is empty when it is withheld
        Column(f"{prefix}_rapportcijfer_weggelaten", "Cijfer niet getoond", group, "note"),
        *(
            (
                Column(f"{prefix}_interval_laag", INTERVAL_LABELS[0], group, "decimal"),
                Column(f"{prefix}_interval_hoog", INTERVAL_LABELS[1], group, "decimal"),
                Column(f"{prefix}_vorige", PREVIOUS_LABELS[0], group, "decimal"),
                Column(f"{prefix}_verschil", PREVIOUS_LABELS[1], group, "margin"),
            )
            if interval
            else ()
        ),
        Column(f"{prefix}_publicatie", head[5], group, "bool"),
    )


COLUMNS: tuple[Column, ...] = (
    Column("naam", "Dienstverlener"),
    Column("provider_id", "Code"),
    *_group_columns("clienten", labels.CLIENTEN, interval=True),
    *_group_columns("opdrachtgevers", labels.OPDRACHTGEVERS),
    Column("norm", "Norm"),
    Column("norm_marge", MARGIN_LABEL, kind="margin"),
    Column("status", "Status", kind="status"),
    Column("html", LINK_TEXT["html"], "Rapport", "link"),
    Column("pdf", LINK_TEXT["pdf"], "Rapport", "link"),
    Column("fout", "Fout", kind="note"),
)


@dataclass(frozen=True)
class Group:
    """Table 1.1 totals of one group of a provider (None where the report has no row)."""

    netto: int | None = None
    ingevuld: int | None = None
    respons: float | None = None
    rapportcijfer: float | None = None
    weggelaten: str | None = None  # why the grade is not shown (from the sidecar)
    publicatie: bool | None = None
    interval: tuple[float, float] | None = None  # the 95 % interval of the grade, as printed
    vorige: float | None = None  # the grade of the previous measurement, as it printed it
    verschil: float | None = None  # this grade minus that one, where both are shown

    @property
    def interval_laag(self) -> float | None:
        return None if self.interval is None else self.interval[0]

    @property
    def interval_hoog(self) -> float | None:
        return None if self.interval is None else self.interval[1]

    @property
    def grade_text(self) -> str:
        """The grade as table 1.1 prints it: ``7,8``, ``*`` (withheld) or ``–`` (none)."""
        if self.rapportcijfer is not None:
            return fmt.number(self.rapportcijfer, 1)
        if self.netto is None:
            return ""
        if not self.ingevuld or (self.weggelaten or "").startswith("geen"):
            return labels.NO_ANSWERS
        return labels.SUPPRESSED

    @property
    def reason(self) -> str | None:
        """Why the grade is not shown (the sidecar's reason), None when it is shown or the
        group has no row. The reason goes into every format; the value never does."""
        if self.rapportcijfer is not None or self.netto is None:
            return None
        if self.weggelaten:
            return self.weggelaten
        return labels.RECORD_NO_ANSWERS if not self.ingevuld else REASON_TOO_FEW


@dataclass(frozen=True)
class Row:
    """One provider in the overview."""

    provider_id: str
    name: str
    status: str
    clienten: Group = field(default_factory=Group)
    opdrachtgevers: Group = field(default_factory=Group)
    norm: str | None = None
    marge: float | None = None  # Totaal minus the norm's minimum (from the sidecar)
    links: Mapping[str, str] = field(default_factory=dict)  # format -> relative file name
    error: str | None = None

    def value(self, column: Column) -> object:
        """The raw value of ``column`` (numbers as numbers, None when empty)."""
        key = column.key
        for prefix in ("clienten", "opdrachtgevers"):
            if key.startswith(prefix + "_"):
                group: Group = getattr(self, prefix)
                attr = key[len(prefix) + 1 :]
                return group.reason if attr == "rapportcijfer_weggelaten" else getattr(group, attr)
        return {
            "naam": self.name,
            "provider_id": self.provider_id,
            "norm": self.norm,
            "norm_marge": self.marge,
            "status": self.status,
            "html": self.links.get("html"),
            "pdf": self.links.get("pdf"),
            "fout": self.error,
        }[key]

    def group_of(self, column: Column) -> Group:
        return self.clienten if column.key.startswith("clienten_") else self.opdrachtgevers


# --------------------------------------------------------------------------- content


def read_sidecar(path: Path) -> dict | None:
    """A report's sidecar, or None when it is missing or not a sidecar."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("provider"), dict)
        or "table11" not in data
    ):
        return None
    return data


def _group(rows: Iterable[dict], kind: str) -> Group:
    """The totals row of ``kind`` in a sidecar's table 1.1."""
    row = next((r for r in rows if r.get("kind") == kind), None)
    if row is None:
        return Group()
    # a grade with a reason is withheld, whatever else the sidecar holds: its value, its
    # interval and its change go nowhere (a valid sidecar has none of them then)
    hidden = bool(row.get("rapportcijfer_weggelaten")) or row.get("rapportcijfer") is None
    return Group(
        netto=row.get("netto"),
        ingevuld=row.get("ingevuld"),
        respons=row.get("respons"),
        rapportcijfer=None if hidden else row.get("rapportcijfer"),
        weggelaten=row.get("rapportcijfer_weggelaten"),
        publicatie=row.get("publicatie"),
        interval=tuple(row["interval"]) if row.get("interval") and not hidden else None,
        vorige=row.get("vorige_rapportcijfer"),
        verschil=None if hidden else row.get("verschil"),
    )


def collect(
    folder: str | Path,
    providers: Sequence[tuple[str, str]] | None = None,
    *,
    failures: Mapping[str, str] | None = None,
    stale: Iterable[str] = (),
) -> tuple[list[Row], dict]:
    """Rows of the overview of ``folder`` and the period (from the sidecars).

    ``providers`` are (id, name) pairs in the order to list them (default: every sidecar
    in the folder, by name); ``failures`` maps ids to the error of this run; ``stale`` ids
    have a report that no longer matches its inputs.
    """
    folder = Path(folder)
    failures = dict(failures or {})
    stale = set(stale)
    sidecars: dict[str, dict] = {}
    if providers is None:
        for path in sorted(folder.glob("*.json")):
            data = read_sidecar(path)
            if data is not None:
                sidecars[str(data["provider"]["id"])] = data
        providers = sorted(
            ((pid, str(d["provider"].get("name", pid))) for pid, d in sidecars.items()),
            key=lambda p: (p[1].casefold(), p[0]),
        )
    rows: list[Row] = []
    period: dict = {}
    for pid, name in providers:
        data = sidecars.get(pid) or read_sidecar(folder / f"{safe_name(pid)}.json")
        if pid in failures:
            status = MISLUKT
        elif data is None:
            status = ONTBREEKT
        else:
            status = VEROUDERD if pid in stale else GEREED
        if data is None:
            rows.append(Row(pid, name, status, error=failures.get(pid)))
            continue
        period = period or data.get("period") or {}
        files = data.get("files") or {}
        links = {f: n for f, n in files.items() if f in LINK_TEXT and (folder / n).is_file()}
        table = data.get("table11") or []
        norm = (data.get("norm") or {}).get("status")
        marge = (data.get("norm") or {}).get("marge")
        rows.append(
            Row(
                pid,
                str(data["provider"].get("name") or name),
                status,
                clienten=_group(table, "totaal"),
                opdrachtgevers=_group(table, "opdrachtgevers"),
                norm=norm,
                marge=marge,
                links=links,
                error=failures.get(pid),
            )
        )
    return rows, period


def write_overview(
    folder: str | Path,
    providers: Sequence[tuple[str, str]] | None = None,
    *,
    failures: Mapping[str, str] | None = None,
    stale: Iterable[str] = (),
    title: str = "Tevredenheidsonderzoek",
) -> dict[str, Path]:
    """Write ``index.html``, ``overzicht.csv``, ``overzicht-data.csv`` and ``overzicht.xlsx``
    into ``folder``.

    See :func:`collect` for the arguments. Every file is written atomically; returns the
    paths by format (``html``, ``excel_csv``, ``data_csv``, ``xlsx``).
    """
    folder = Path(folder)
    rows, period = collect(folder, providers, failures=failures, stale=stale)
    period = {"id": folder.name, "label": "", **period}
    html_name = html_file(r.provider_id for r in rows)
    return {
        "html": atomic_write(folder / html_name, to_html(rows, period, title=title)),
        "excel_csv": atomic_write(folder / EXCEL_CSV_FILE, to_excel_csv(rows)),
        "data_csv": atomic_write(folder / DATA_CSV_FILE, to_data_csv(rows)),
        "xlsx": atomic_write(folder / XLSX_FILE, to_xlsx(rows)),
    }


def html_file(provider_ids: Iterable[str]) -> str:
    """``index.html``, unless a provider's own report has that name."""
    return HTML_FALLBACK if any(safe_name(p) == "index" for p in provider_ids) else HTML_FILE


def overview_exists(folder: str | Path) -> bool:
    """Whether the folder has every overview file (an older overview without the data CSV
    counts as missing, so that the next batch writes it)."""
    folder = Path(folder)
    has_html = (folder / HTML_FILE).is_file() or (folder / HTML_FALLBACK).is_file()
    return has_html and all(
        (folder / name).is_file() for name in (EXCEL_CSV_FILE, DATA_CSV_FILE, XLSX_FILE)
    )


def totals(rows: Sequence[Row]) -> dict[str, int | float | None]:
    """The totals row of every format, by column key: per group the sums of netto and
    ingevuld over all providers, and the response they give (rounded as printed)."""
    out: dict[str, int | float | None] = {}
    for prefix in ("clienten", "opdrachtgevers"):
        netto = sum(getattr(r, prefix).netto or 0 for r in rows)
        done = sum(getattr(r, prefix).ingevuld or 0 for r in rows)
        out[f"{prefix}_netto"] = netto
        out[f"{prefix}_ingevuld"] = done
        out[f"{prefix}_respons"] = fmt.round_half_up(100 * done / netto, 1) if netto else None
    return out


# --------------------------------------------------------------------------- CSV


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet could read the text ``value`` as a formula."""
    return isinstance(value, str) and bool(_FORMULA_START.match(value))


def _csv_text(value: str) -> str:
    """Text as both CSVs hold it: line breaks as the CSV writer quotes them (a lone CR
    would end the row unquoted, as the XML of the Excel file keeps it), and a formula-like
    text with a quote in front."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_MARK + text if is_formula_like(value) else text


def _csv_value(row: Row, column: Column) -> object:
    value = row.value(column)
    if value is None:
        return ""
    if column.kind == "bool":
        return labels.JA if value else labels.NEE
    if isinstance(value, str):
        return _csv_text(value)
    return value


def dutch_number(value: int | float) -> str:
    """A number as a Dutch Excel reads it from a CSV: ``7,8``, ``-0,3``, ``146``.

    No thousands separator (``1331``: a dot could be read as a decimal point elsewhere) and
    an ASCII minus, which Excel takes for a sign; the digits are the sidecar's, unrounded."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return ""
    text = format(Decimal(repr(value)), "f")  # never 1e-05
    return text.replace(".", EXCEL_DECIMAL)


def _excel_csv_value(row: Row, column: Column) -> str:
    value = _csv_value(row, column)
    if column.numeric and value != "":
        return dutch_number(value)
    return str(value)


def to_data_csv(rows: Sequence[Row]) -> str:
    """The CSV for code: UTF-8 without BOM, comma separated, decimal point, column keys,
    empty for missing (like the data contract). No totals row: every row is a provider."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in COLUMNS])
    for row in rows:
        writer.writerow([_csv_value(row, c) for c in COLUMNS])
    return out.getvalue()


def to_excel_csv(rows: Sequence[Row]) -> bytes:
    """The CSV for a Dutch Excel: UTF-8 with a BOM (so that ë stays ë), semicolons, decimal
    commas, Dutch column names, CRLF line ends. Empty for missing, a withheld grade empty
    with its reason beside it; no totals row (the Excel file has one)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=EXCEL_DELIMITER, lineterminator="\r\n")
    writer.writerow([_csv_text(c.header) for c in COLUMNS])
    for row in rows:
        writer.writerow([_excel_csv_value(row, c) for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------- Excel


def to_xlsx(rows: Sequence[Row]) -> bytes:
    """An Excel workbook: numbers as numbers, links clickable, a totals row.

    Every numeric column holds numbers with a number format (:data:`XLSX_NUMBER_FORMATS`);
    a withheld grade is an empty cell of that column, its reason the text in the column
    beside it. The filter covers the header and the providers; the totals row of the HTML
    (:func:`totals`) sits below them, so that sorting and filtering leave it in place."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append([c.header for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for col, column in enumerate(COLUMNS, start=1):
            value = row.value(column)
            cell = ws.cell(r, col)
            if column.numeric:
                cell.value = value  # None: an empty cell (a withheld grade: see the reason)
                cell.number_format = XLSX_NUMBER_FORMATS[column.kind]
                cell.alignment = Alignment(horizontal="right")
            elif column.kind == "bool":
                cell.value = None if value is None else (labels.JA if value else labels.NEE)
            elif column.kind == "link":
                if value:
                    cell.value = LINK_TEXT[column.key]
                    cell.hyperlink = str(value)
                    cell.style = "Hyperlink"
            else:
                cell.value = value
            if isinstance(cell.value, str):
                _as_text(cell)
    last_row = len(rows) + 1
    total_row = last_row + 1
    sums = totals(rows)
    for col, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(total_row, col)
        cell.font = Font(bold=True)
        if column.key == "naam":
            cell.value = ALL_PROVIDERS
        elif column.key in sums:
            cell.value = sums[column.key]
            cell.number_format = XLSX_NUMBER_FORMATS[column.kind]
            cell.alignment = Alignment(horizontal="right")
    widths = {
        "text": 14,
        "int": 10,
        "pct": 11,
        "grade": 13,
        "margin": 11,
        "decimal": 10,
        "bool": 11,
        "status": 11,
        "link": 7,
        "note": 24,
    }
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = (
            34 if column.key == "naam" else widths[column.kind]
        )
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last_row}"
    buf = io.BytesIO()
    wb.save(buf)
    return _without_dates(buf.getvalue())


#: The dates openpyxl writes into a workbook's core properties: the time of saving.
_CORE_DATES = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")


def _without_dates(xlsx: bytes) -> bytes:
    """The workbook ``xlsx`` without the moment it was saved, so that the same overview
    gives the same bytes: openpyxl stamps the core properties with the time of saving, and
    every member of the zip with the local time. The dates are left out (as the figures
    carry none); each member gets the zip format's first date."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(b"", data)
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            dst.writestr(member, data)
    return out.getvalue()


def _as_text(cell) -> None:
    """Keep a text cell text: never a formula, even when it starts with ``=``.

    openpyxl makes any string starting with ``=`` a formula; the cell is set back to a
    string, and text that a spreadsheet could take for a formula gets Excel's quote prefix,
    so that editing the cell keeps it text. Characters that XML cannot hold are replaced."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell.value)
    cell.data_type = "s"
    if is_formula_like(cell.value):
        cell.quotePrefix = True


# --------------------------------------------------------------------------- HTML


# Colours are the theme's tokens (theme.COLOURS), defined as custom properties on :root.
_CSS = """
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 2rem auto; max-width: 1400px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
p { margin: .25rem 0; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 1.25rem 0 .75rem;
        font-variant-numeric: tabular-nums; }
th, td { padding: .4rem .55rem; border-bottom: 1px solid var(--rule); text-align: left;
         vertical-align: top; }
thead th { background: var(--band); font-weight: 600; position: sticky; top: 0; }
thead tr.groups th { text-align: center; border-bottom: 2px solid var(--paper); }
thead tr.cols th { cursor: pointer; user-select: none; white-space: nowrap; }
thead tr.cols th button { font: inherit; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; text-align: inherit; }
thead tr.cols th button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
thead tr.cols th::after { content: " \\2195"; color: var(--faint); font-size: .8em; }
thead tr.cols th[aria-sort="ascending"]::after { content: " \\2191"; color: var(--ink); }
thead tr.cols th[aria-sort="descending"]::after { content: " \\2193"; color: var(--ink); }
tbody tr:nth-child(even) { background: var(--stripe); }
tbody tr:hover { background: var(--hover); }
td.num { text-align: right; }
tfoot td { font-weight: 600; border-top: 2px solid var(--rule); }
a { color: var(--accent); }
.status { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .85em; }
.status-gereed { background: var(--done); color: var(--done-ink); }
.status-verouderd { background: var(--stale); color: var(--stale-ink); }
.status-mislukt { background: var(--failed); color: var(--failed-ink); }
.status-ontbreekt { background: var(--missing); color: var(--missing-ink); }
.norm-niet-behaald { color: var(--failed-ink); }
.notes { font-size: .9em; }
"""

# Progressive enhancement: the table reads fine without it; with it, headers sort.
_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("thead tr.cols th");
  heads.forEach(function (th, index) {
    // a button in the header: reachable with Tab, sorted with Enter or Space
    var button = document.createElement("button");
    button.type = "button";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    th.appendChild(button);
    button.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[index];
        var v = cell.getAttribute("data-sort");
        return v === null ? cell.textContent.trim().toLowerCase() : v;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        var r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "nl");
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


#: The columns of ``index.html``: the notes left out (they are a cell's title there), and the
#: norm and its margin right after the name, so that on a screen of 1.920 px the question
#: "who is near the norm" fits without scrolling sideways.
_FIRST = ("naam", "provider_id", "norm", "norm_marge")
HTML_COLUMNS: tuple[Column, ...] = tuple(
    [c for key in _FIRST for c in COLUMNS if c.key == key]
    + [c for c in COLUMNS if c.kind != "note" and c.key not in _FIRST]
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _td(text: str, *, sort: object = None, css: str | None = None, title: str | None = None) -> str:
    attrs = ""
    if css:
        attrs += f' class="{css}"'
    if sort is not None:
        attrs += f' data-sort="{_e(sort)}"'
    if title:
        attrs += f' title="{_e(title)}"'
    return f"<td{attrs}>{text}</td>"


def _html_cell(row: Row, column: Column) -> str:
    value = row.value(column)
    kind = column.kind
    if kind == "int":
        return _td(
            "" if value is None else str(value), sort=-1 if value is None else value, css="num"
        )
    if kind == "pct":
        text = "" if value is None else fmt.number(value, 1)
        return _td(text, sort=-1 if value is None else value, css="num")
    if kind == "grade":
        group = row.group_of(column)
        sort = value if value is not None else -1
        return _td(_e(group.grade_text), sort=sort, css="num", title=group.reason)
    if kind == "decimal":
        text = "" if value is None else fmt.number(value, 1)
        return _td(text, sort=-1 if value is None else value, css="num")
    if kind == "margin":
        text = "" if value is None else fmt.signed(value)
        return _td(text, sort=-99 if value is None else value, css="num")
    if kind == "bool":
        return _td("" if value is None else (labels.JA if value else labels.NEE))
    if kind == "status":
        badge = f'<span class="status status-{_e(value)}">{_e(value)}</span>'
        return _td(badge, sort=value, title=row.error or STATUS_HELP.get(str(value)))
    if kind == "link":
        if not value:
            return _td("")
        return _td(f'<a href="{_e(quote(str(value)))}">{LINK_TEXT[column.key]}</a>')
    if column.key == "norm":
        css = f"norm-{str(value).replace(' ', '-')}" if value else None
        return _td(_e(value or ""), css=css)
    if column.key == "naam" and row.links.get("html"):
        return _td(
            f'<a href="{_e(quote(row.links["html"]))}">{_e(value)}</a>', sort=str(value).lower()
        )
    return _td(_e(value or ""))


def _footer(rows: Sequence[Row], columns: Sequence[Column]) -> str:
    """Sums of netto and ingevuld, and the response they give, over all providers."""
    sums = totals(rows)
    cells = []
    for column in columns:
        if column.key == "naam":
            cells.append(f"<td>{_e(ALL_PROVIDERS)}</td>")
        elif column.key not in sums:
            cells.append("<td></td>")
        elif sums[column.key] is None:
            cells.append('<td class="num"></td>')
        elif column.kind == "int":
            cells.append(f'<td class="num">{sums[column.key]}</td>')
        else:
            cells.append(f'<td class="num">{fmt.number(sums[column.key], 1)}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def to_html(rows: Sequence[Row], period: Mapping, *, title: str = "Tevredenheidsonderzoek") -> str:
    """A self-contained Dutch HTML page with the overview table (no external requests)."""
    from . import theme  # imports matplotlib: not for a batch that writes no overview

    columns = HTML_COLUMNS
    groups: list[list] = []  # [label, span]
    for c in columns:
        if groups and groups[-1][0] == c.group and c.group is not None:
            groups[-1][1] += 1
        else:
            groups.append([c.group, 1])
    group_row = "".join(
        f'<th colspan="{span}" scope="colgroup">{_e(label)}</th>'
        if label
        else f'<td colspan="{span}"></td>'  # no header cell without a header
        for label, span in groups
    )
    col_row = "".join(f'<th scope="col">{_e(c.label)}</th>' for c in columns)
    body = "\n".join("<tr>" + "".join(_html_cell(r, c) for c in columns) + "</tr>" for r in rows)
    counts = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in counts.items()) or "geen rapporten"
    heading = HEADING.format(title=title, period=period.get("id", ""))
    intro = INTRO.format(label=period["label"]) if period.get("label") else ""
    notes = [NOTE_SUPPRESSED, NOTE_NO_ANSWERS, NOTE_SORT]
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(heading)}</title>
<style>
{theme.css_variables()}{_CSS}</style>
</head>
<body>
<main>
<h1>{_e(heading)}</h1>
<p>{_e(intro)} {_e(COUNTS.format(n=len(rows), parts=parts))}</p>
<table class="sortable">
<thead>
<tr class="groups">{group_row}</tr>
<tr class="cols">{col_row}</tr>
</thead>
<tbody>
{body}
</tbody>
<tfoot>
{_footer(rows, columns)}
</tfoot>
</table>
<div class="notes">{"".join(f"<p>{_e(n)}</p>" for n in notes)}</div>
</main>
<script>{_JS}</script>
</body>
</html>
"""
