"""The overview of a period (index.html, CSV, Excel), built from hand-made sidecars."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tevredenheidsrapport import labels, overview


def _row(kind, netto, ingevuld, grade, reason=None, publicatie=True):
    return {
        "kind": kind,
        "dienst": None,
        "label": kind,
        "netto": netto,
        "ingevuld": ingevuld,
        "respons": round(100 * ingevuld / netto, 1) if netto else None,
        "rapportcijfer": grade,
        "rapportcijfer_weggelaten": reason,
        "publicatie": publicatie,
    }


#: id -> (name, table 1.1 rows, norm status)
SIDECARS = {
    "alfa-werk": (
        "Alfa Werk",
        [
            _row("dienst", 40, 12, 7.6),
            _row("totaal", 89, 28, 7.8)
            | {"interval": [7.4, 8.2], "vorige_rapportcijfer": 8.1, "verschil": -0.3},
            _row("opdrachtgevers", 6, 1, None, "minder dan 3 antwoorden"),
        ],
        "behaald",
    ),
    "beta-coaching": (
        "Bèta & Coaching",
        [_row("totaal", 16, 2, None, "minder dan 3 antwoorden", publicatie=False)],
        "behaald na correctie",
    ),
    "gamma": (
        "Gamma",
        [_row("totaal", 12, 0, None, "geen antwoorden", publicatie=False)],
        "geen oordeel",
    ),
}
FAILED = {"delta": "rapport voor 'delta' mislukt bij stap 'cel 3': ValueError: kapot"}
PROVIDERS = [(pid, name) for pid, (name, _, _) in SIDECARS.items()] + [("delta", "Delta")]


def _write_sidecars(folder):
    for pid, (name, rows, norm) in SIDECARS.items():
        sidecar = {
            "provider": {"id": pid, "name": name},
            "period": {"id": "2025", "label": "1 september 2024 tot en met 31 augustus 2025"},
            "table11": rows,
            "norm": {"status": norm, "met": norm.startswith("behaald")}
            | ({"marge": 1.3} if pid == "alfa-werk" else {}),
            "files": {"html": f"{pid}.html", "pdf": f"{pid}.pdf"},
        }
        (folder / f"{pid}.json").write_text(json.dumps(sidecar), encoding="utf-8")
        (folder / f"{pid}.html").write_text("<html></html>", encoding="utf-8")
        if pid != "gamma":  # gamma's PDF is missing: no link to it
            (folder / f"{pid}.pdf").write_bytes(b"%PDF")


class _Table(HTMLParser):
    """Rows of the body of the first table: a list of cells (text, attrs, links)."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell, self._in_body = [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = {"text": "", "attrs": attrs, "links": []}
        elif tag == "a" and self._cell is not None:
            self._cell["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


@pytest.fixture
def written(tmp_path):
    _write_sidecars(tmp_path)
    paths = overview.write_overview(tmp_path, PROVIDERS, failures=FAILED, stale={"beta-coaching"})
    return tmp_path, paths


def _html_rows(path):
    parser = _Table()
    parser.feed(path.read_text(encoding="utf-8"))
    html_columns = overview.HTML_COLUMNS
    return {
        row[html_columns.index(next(c for c in html_columns if c.key == "provider_id"))]["text"]: {
            c.key: cell for c, cell in zip(html_columns, row, strict=True)
        }
        for row in parser.rows
    }


def test_writes_three_files_atomically(written):
    folder, paths = written
    assert {p.name for p in paths.values()} == {"index.html", "overzicht.csv", "overzicht.xlsx"}
    assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))
    assert overview.overview_exists(folder)


def test_html_lists_every_provider_with_links(written):
    folder, paths = written
    rows = _html_rows(paths["html"])
    assert list(rows) == [pid for pid, _ in PROVIDERS]
    alfa = rows["alfa-werk"]
    assert alfa["naam"]["links"] == ["alfa-werk.html"]
    assert alfa["html"]["links"] == ["alfa-werk.html"] and alfa["pdf"]["links"] == ["alfa-werk.pdf"]
    assert rows["gamma"]["pdf"]["links"] == []  # the file is not there
    assert rows["delta"]["html"]["links"] == [] and rows["delta"]["clienten_netto"]["text"] == ""


@pytest.mark.parametrize(
    ("pid", "status"),
    [
        ("alfa-werk", overview.GEREED),
        ("beta-coaching", overview.VEROUDERD),
        ("gamma", overview.GEREED),
        ("delta", overview.MISLUKT),
    ],
)
def test_status(written, pid, status):
    cell = _html_rows(written[1]["html"])[pid]["status"]
    assert cell["text"] == status
    if pid == "delta":
        assert cell["attrs"]["title"] == FAILED["delta"]


@pytest.mark.parametrize(
    ("pid", "key", "text"),
    [
        ("alfa-werk", "clienten_netto", "89"),
        ("alfa-werk", "clienten_ingevuld", "28"),
        ("alfa-werk", "clienten_respons", "31,5"),
        ("alfa-werk", "clienten_rapportcijfer", "7,8"),
        ("alfa-werk", "clienten_publicatie", "ja"),
        ("alfa-werk", "opdrachtgevers_rapportcijfer", labels.SUPPRESSED),
        ("beta-coaching", "clienten_rapportcijfer", labels.SUPPRESSED),
        ("beta-coaching", "clienten_publicatie", "nee"),
        ("gamma", "clienten_rapportcijfer", labels.NO_ANSWERS),
        ("gamma", "opdrachtgevers_netto", ""),
        ("gamma", "norm", "geen oordeel"),
    ],
)
def test_html_values_as_in_table_11(written, pid, key, text):
    assert _html_rows(written[1]["html"])[pid][key]["text"] == text


def test_suppressed_grade_carries_reason_and_footnote(written):
    rows = _html_rows(written[1]["html"])
    assert (
        rows["beta-coaching"]["clienten_rapportcijfer"]["attrs"]["title"]
        == "minder dan 3 antwoorden"
    )
    page = written[1]["html"].read_text(encoding="utf-8")
    assert overview.NOTE_SUPPRESSED in page.replace("&#x27;", "'")


def test_html_is_self_contained_and_dutch(written):
    page = written[1]["html"].read_text(encoding="utf-8")
    assert '<html lang="nl">' in page and "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "Bèta &amp; Coaching" in page  # escaped, not mangled
    assert "overzicht van de rapporten" in page and "1 september 2024" in page


def test_footer_sums_netto_and_ingevuld(written):
    page = written[1]["html"].read_text(encoding="utf-8")
    footer = page[page.index("<tfoot>") : page.index("</tfoot>")]
    assert ">117<" in footer and ">30<" in footer  # 89 + 16 + 12 and 28 + 2 + 0


def test_csv_matches_sidecars(written):
    text = written[1]["csv"].read_text(encoding="utf-8")
    rows = {r["provider_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert list(rows) == [pid for pid, _ in PROVIDERS]
    assert (
        rows["alfa-werk"]["clienten_netto"] == "89"
        and rows["alfa-werk"]["clienten_respons"] == "31.5"
    )
    assert rows["alfa-werk"]["clienten_rapportcijfer"] == "7.8"
    # privacy: a withheld grade is absent, its reason is there
    assert rows["beta-coaching"]["clienten_rapportcijfer"] == ""
    assert rows["beta-coaching"]["clienten_rapportcijfer_weggelaten"] == "minder dan 3 antwoorden"
    assert rows["delta"]["status"] == "mislukt" and "kapot" in rows["delta"]["fout"]
    assert rows["alfa-werk"]["html"] == "alfa-werk.html" and rows["gamma"]["pdf"] == ""


def test_interval_margin_and_trend_of_totaal_as_the_sidecar_has_them(written):
    text = written[1]["csv"].read_text(encoding="utf-8")
    rows = {r["provider_id"]: r for r in csv.DictReader(io.StringIO(text))}
    alfa = rows["alfa-werk"]
    assert (alfa["clienten_interval_laag"], alfa["clienten_interval_hoog"]) == ("7.4", "8.2")
    assert (alfa["clienten_vorige"], alfa["clienten_verschil"], alfa["norm_marge"]) == (
        "8.1",
        "-0.3",
        "1.3",
    )
    # a report without them (a hidden grade, a first measurement) leaves them empty
    beta = rows["beta-coaching"]
    assert beta["clienten_interval_laag"] == beta["clienten_vorige"] == beta["norm_marge"] == ""
    html = _html_rows(written[1]["html"])["alfa-werk"]
    assert html["norm_marge"]["text"] == "+1,3" and html["clienten_verschil"]["text"] == "−0,3"
    assert html["clienten_interval_laag"]["text"] == "7,4"


def test_excel_is_readable_with_numbers_and_links(written):
    ws = load_workbook(written[1]["xlsx"]).active
    header = [c.value for c in ws[1]]
    assert header[0] == "Dienstverlener" and len(header) == len(overview.COLUMNS)
    rows = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    assert set(rows) == {pid for pid, _ in PROVIDERS}
    col = {c.key: i for i, c in enumerate(overview.COLUMNS)}
    alfa = rows["alfa-werk"]
    assert alfa[col["clienten_netto"]].value == 89
    assert alfa[col["clienten_rapportcijfer"]].value == pytest.approx(7.8)
    assert alfa[col["html"]].hyperlink.target == "alfa-werk.html"
    assert rows["beta-coaching"][col["clienten_rapportcijfer"]].value == labels.SUPPRESSED
    assert rows["gamma"][col["clienten_rapportcijfer"]].value == labels.NO_ANSWERS


def test_excel_reads_with_pandas(written):
    pd = pytest.importorskip("pandas")
    frame = pd.read_excel(written[1]["xlsx"])
    assert len(frame) == len(PROVIDERS)


def test_without_provider_list_every_sidecar_is_listed(tmp_path):
    _write_sidecars(tmp_path)
    (tmp_path / "notes.json").write_text('{"not": "a sidecar"}', encoding="utf-8")
    rows, period = overview.collect(tmp_path)
    assert [r.name for r in rows] == ["Alfa Werk", "Bèta & Coaching", "Gamma"]  # by name
    assert all(r.status == overview.GEREED for r in rows) and period["id"] == "2025"


def test_a_provider_called_index_keeps_its_report(tmp_path):
    _write_sidecars(tmp_path)
    paths = overview.write_overview(tmp_path, [*PROVIDERS, ("index", "Index BV")])
    assert paths["html"].name == overview.HTML_FALLBACK
    assert not (tmp_path / "index.html").exists()


# --------------------------------------------------------------------------- formulas

#: Provider names a spreadsheet would run as a formula (OWASP, CSV injection).
FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://x")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width equals sign
]


@pytest.fixture
def formulas(tmp_path):
    """A sidecar per formula-like name (the id is plain; the name is the attack)."""
    providers = []
    for i, name in enumerate(FORMULAS):
        pid = f"p{i}"
        sidecar = {
            "provider": {"id": pid, "name": name},
            "period": {"id": "2025", "label": ""},
            "table11": [_row("totaal", 40, 12, 7.6)],
            "norm": {"status": "behaald", "met": True},
            "files": {"html": f"{pid}.html"},
        }
        (tmp_path / f"{pid}.json").write_text(json.dumps(sidecar), encoding="utf-8")
        providers.append((pid, name))
    paths = overview.write_overview(
        tmp_path, providers, failures={"p0": '=HYPERLINK("http://x") mislukt'}
    )
    return paths


def test_csv_writes_formula_like_text_with_a_quote_in_front(formulas):
    text = formulas["csv"].read_text(encoding="utf-8")
    rows = {r["provider_id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    for i, name in enumerate(FORMULAS):
        assert rows[f"p{i}"]["naam"] == "'" + name.replace("\r", "\n")  # a CR ends no row
        assert rows[f"p{i}"]["clienten_netto"] == "40"  # numbers stay numbers
        assert rows[f"p{i}"]["clienten_rapportcijfer"] == "7.6"
    assert rows["p0"]["fout"] == '\'=HYPERLINK("http://x") mislukt'


def test_excel_writes_formula_like_text_as_text_cells(formulas):
    ws = load_workbook(formulas["xlsx"]).active
    col = {c.key: i for i, c in enumerate(overview.COLUMNS)}
    rows = {r[col["provider_id"]].value: r for r in ws.iter_rows(min_row=2)}
    for i, name in enumerate(FORMULAS):
        cell = rows[f"p{i}"][col["naam"]]
        # the name as text: a CR kept (openpyxl with lxml) or read back as LF (without)
        assert cell.data_type == "s" and cell.value in (name, name.replace("\r", "\n"))
        assert cell.quotePrefix  # and stays text when someone edits the cell
        netto = rows[f"p{i}"][col["clienten_netto"]]
        assert netto.data_type == "n" and netto.value == 40
    assert rows["p0"][col["fout"]].data_type == "s"
    with zipfile.ZipFile(formulas["xlsx"]) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet  # not a single formula in the sheet


def test_html_overview_shows_formula_like_names_as_they_are(formulas):
    rows = _html_rows(formulas["html"])
    assert [rows[f"p{i}"]["naam"]["text"] for i in range(len(FORMULAS))] == [
        name.replace("\r", "\n")
        for name in FORMULAS  # the HTML parser reads CR as LF
    ]


def test_the_page_puts_the_norm_first_and_every_header_cell_has_a_header(written):
    folder, paths = written
    page = paths["html"].read_text(encoding="utf-8")
    assert [c.key for c in overview.HTML_COLUMNS[:4]] == [
        "naam",
        "provider_id",
        "norm",
        "norm_marge",
    ]
    assert "<th></th>" not in page and not re.search(r"<th[^>]*>\s*</th>", page)
    assert 'document.createElement("button")' in page  # headers sort by keyboard too
