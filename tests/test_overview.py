"""The overview of a period (index.html, two CSVs, Excel), built from hand-made sidecars.

The sidecars are complete (they fit the schema, as every sidecar a test writes must)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tevredenheidsrapport import fmt, labels, overview, sidecar


def _row(kind, netto, ingevuld, grade, reason=None, publicatie=True, dienst=None):
    return {
        "kind": kind,
        "dienst": dienst,
        "label": kind,
        "netto": netto,
        "ingevuld": ingevuld,
        "respons": round(100 * ingevuld / netto, 1) if netto else None,
        "rapportcijfer": grade,
        "rapportcijfer_weggelaten": reason,
        "interval": None,
        "publicatie": publicatie,
    }


def _previous(grade=None, respons=None, change=None):
    return {"vorige_rapportcijfer": grade, "vorige_respons": respons, "verschil": change}


#: id -> (name, table 1.1 rows, norm status)
SIDECARS = {
    "alfa-werk": (
        "Alfa Werk",
        [
            _row("dienst", 40, 12, 7.6, dienst=5) | _previous(),
            _row("totaal", 89, 28, 7.8)
            | {"interval": [7.4, 8.2]}
            | _previous(grade=8.1, respons=30.0, change=-0.3),
            _row("opdrachtgevers", 6, 1, None, "minder dan 3 antwoorden") | _previous(),
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


def _sidecar(pid, name, rows, norm, *, marge=None, files=("html", "pdf"), previous=False):
    """A complete sidecar (as render.build_sidecar writes one) with these table 2.2 rows."""
    return sidecar.validate(
        {
            "provider": {"id": pid, "name": name},
            "period": {
                "id": "2025",
                "start": "2024-09-01",
                "end": "2025-08-31",
                "label": "1 september 2024 tot en met 31 augustus 2025",
                "vorige": {"id": "2024", "start": "2023-09-01", "end": "2024-08-31"}
                if previous
                else None,
            },
            "table11": rows,
            "norm": {
                "status": norm,
                "met": None if norm == "geen oordeel" else norm.startswith("behaald"),
                "marge": marge,
            },
            "sections": [{"number": "1", "title": "Inleiding", "level": 1}],
            "figures": [],
            "tables": [{"kind": "table", "id": "tabel11", "title": "Resultaten", "number": "2.2"}],
            "cover": [],
            "suppressed": [],
            "files": {f: f"{pid}.{f}" for f in files},
        }
    )


def _write_sidecars(folder):
    for pid, (name, rows, norm) in SIDECARS.items():
        data = _sidecar(
            pid,
            name,
            rows,
            norm,
            marge=1.3 if pid == "alfa-werk" else None,
            previous=pid == "alfa-werk",
        )
        (folder / f"{pid}.json").write_text(json.dumps(data), encoding="utf-8")
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


def test_writes_every_file_atomically(written):
    folder, paths = written
    assert {p.name for p in paths.values()} == {
        "index.html",
        "overzicht.csv",
        "overzicht-data.csv",
        "overzicht.xlsx",
    }
    assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))
    assert overview.overview_exists(folder)
    # an overview of before the data CSV is incomplete: the next batch writes it again
    (folder / overview.DATA_CSV_FILE).unlink()
    assert not overview.overview_exists(folder)


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


def _data_csv(paths):
    return {
        r["provider_id"]: r
        for r in csv.DictReader(io.StringIO(paths["data_csv"].read_text(encoding="utf-8")))
    }


def test_data_csv_is_for_code_comma_decimal_point_no_bom(written):
    raw = written[1]["data_csv"].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8").splitlines()[0]
    assert header.split(",") == [c.key for c in overview.COLUMNS]


def test_csv_matches_sidecars(written):
    text = written[1]["data_csv"].read_text(encoding="utf-8")
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
    rows = _data_csv(written[1])
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


# --------------------------------------------------------------------------- Dutch Excel CSV


def _excel_csv(paths):
    """The CSV for Excel as a Dutch Excel reads it: header and rows by provider code."""
    raw = paths["excel_csv"].read_bytes()
    text = raw.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = table[0], table[1:]
    code = header.index(next(c.header for c in overview.COLUMNS if c.key == "provider_id"))
    return header, {
        r[code]: dict(zip([c.key for c in overview.COLUMNS], r, strict=True)) for r in body
    }


def test_excel_csv_bytes_are_what_a_dutch_excel_opens_in_columns(written):
    raw = written[1]["excel_csv"].read_bytes()
    assert written[1]["excel_csv"].name == "overzicht.csv"
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: ë stays ë
    text = raw[3:].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == "" and "\n" not in "".join(lines[:-1])  # CRLF, no stray line breaks
    assert lines[0] == ";".join(c.header for c in overview.COLUMNS)
    assert "Cliënten netto steekproef" in lines[0] and "," not in lines[0]
    # every row has every column when split on semicolons (no field has one)
    assert {len(line.split(";")) for line in lines[:-1]} == {len(overview.COLUMNS)}
    assert "Bèta & Coaching".encode() in raw


@pytest.mark.parametrize(
    ("pid", "key", "text"),
    [
        ("alfa-werk", "clienten_netto", "89"),
        ("alfa-werk", "clienten_respons", "31,5"),
        ("alfa-werk", "clienten_rapportcijfer", "7,8"),
        ("alfa-werk", "clienten_interval_laag", "7,4"),
        ("alfa-werk", "clienten_verschil", "-0,3"),  # ASCII minus: Excel reads a number
        ("alfa-werk", "norm_marge", "1,3"),
        ("alfa-werk", "clienten_publicatie", "ja"),
        ("alfa-werk", "opdrachtgevers_respons", "16,7"),
        ("beta-coaching", "clienten_respons", "12,5"),
        ("delta", "clienten_netto", ""),
    ],
)
def test_excel_csv_numbers_have_a_decimal_comma(written, pid, key, text):
    _, rows = _excel_csv(written[1])
    assert rows[pid][key] == text


def _numbers_in(folder):
    """How many numbers the overview of ``folder`` holds (the totals row left out)."""
    rows, _ = overview.collect(folder, PROVIDERS, failures=FAILED)
    return sum(r.value(c) is not None for r in rows for c in overview.COLUMNS if c.numeric)


def test_excel_csv_numbers_are_the_sidecars_in_dutch(written):
    """Every number of the CSV for Excel is the data CSV's, with a comma for the point."""
    _, dutch = _excel_csv(written[1])
    data = _data_csv(written[1])
    numeric = [c.key for c in overview.COLUMNS if c.numeric]
    compared = 0
    for pid, row in data.items():
        for key in numeric:
            assert dutch[pid][key] == row[key].replace(".", ","), (pid, key)
            assert "." not in dutch[pid][key]
            compared += bool(row[key])
    assert compared == _numbers_in(written[0])


@pytest.mark.parametrize(
    ("pid", "prefix", "reason"),
    [
        ("alfa-werk", "opdrachtgevers", "minder dan 3 antwoorden"),
        ("beta-coaching", "clienten", "minder dan 3 antwoorden"),
        ("gamma", "clienten", labels.RECORD_NO_ANSWERS),
    ],
)
def test_a_hidden_grade_is_empty_in_both_csvs_with_its_reason_beside_it(
    written, pid, prefix, reason
):
    header, dutch = _excel_csv(written[1])
    data = _data_csv(written[1])
    keys = [c.key for c in overview.COLUMNS]
    grade = keys.index(f"{prefix}_rapportcijfer")
    assert keys[grade + 1] == f"{prefix}_rapportcijfer_weggelaten"  # right beside it
    for rows in (dutch, data):
        assert rows[pid][f"{prefix}_rapportcijfer"] == ""
        assert rows[pid][f"{prefix}_rapportcijfer_weggelaten"] == reason
        assert rows[pid][f"{prefix}_interval_laag" if prefix == "clienten" else "naam"] != "*"
    assert header[grade + 1].endswith("cijfer niet getoond")


def test_excel_csv_writes_formula_like_text_with_a_quote_in_front(formulas):
    _, rows = _excel_csv(formulas)
    for i, name in enumerate(FORMULAS):
        assert rows[f"p{i}"]["naam"] == "'" + name.replace("\r", "\n")
        assert rows[f"p{i}"]["clienten_rapportcijfer"] == "7,6"  # a number, no quote
    assert rows["p0"]["fout"].startswith("'=")


# --------------------------------------------------------------------------- Excel


def _sheet(path):
    """The sheet, the provider rows by code, the totals row, and column positions."""
    ws = load_workbook(path).active
    col = {c.key: i for i, c in enumerate(overview.COLUMNS)}
    body = list(ws.iter_rows(min_row=2))
    providers = {r[col["provider_id"]].value: r for r in body[:-1]}
    return ws, providers, body[-1], col


def test_excel_is_readable_with_numbers_and_links(written):
    ws, rows, _, col = _sheet(written[1]["xlsx"])
    header = [c.value for c in ws[1]]
    assert header == [c.header for c in overview.COLUMNS] and header[0] == "Dienstverlener"
    assert list(rows) == [pid for pid, _ in PROVIDERS]
    alfa = rows["alfa-werk"]
    assert alfa[col["clienten_netto"]].value == 89
    assert alfa[col["clienten_rapportcijfer"]].value == pytest.approx(7.8)
    assert alfa[col["html"]].hyperlink.target == "alfa-werk.html"


def test_excel_bytes_do_not_depend_on_when_it_was_saved(written, monkeypatch):
    """The same overview gives the same workbook a day later: openpyxl's time of saving
    (core properties) and the zip members' times are not written."""
    import datetime as real_datetime
    import time

    import openpyxl.writer.excel as excel_writer

    tmp_path, paths = written
    first = paths["xlsx"].read_bytes()

    today = real_datetime.datetime

    class Tomorrow(today):
        @classmethod
        def now(cls, tz=None):
            return today.now(tz) + real_datetime.timedelta(days=1)

    later = time.time() + 86400
    monkeypatch.setattr(excel_writer.datetime, "datetime", Tomorrow)
    monkeypatch.setattr(time, "time", lambda: later)
    again = overview.write_overview(tmp_path, PROVIDERS, failures=FAILED, stale={"beta-coaching"})
    monkeypatch.undo()
    assert again["xlsx"].read_bytes() == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml")
    assert b"dcterms:created" not in core and b"dcterms:modified" not in core
    _sheet(paths["xlsx"])  # still a workbook openpyxl reads


def test_excel_numeric_columns_hold_numbers_with_a_number_format(written):
    _, rows, _, col = _sheet(written[1]["xlsx"])
    numbers = 0
    for row in rows.values():
        for column in overview.COLUMNS:
            cell = row[col[column.key]]
            if column.numeric:
                assert cell.data_type == "n", (column.key, cell.value)  # never "*" or "–"
                assert cell.value is None or isinstance(cell.value, int | float)
                assert cell.number_format == overview.XLSX_NUMBER_FORMATS[column.kind]
                numbers += cell.value is not None
    assert numbers == _numbers_in(written[0])
    assert rows["alfa-werk"][col["clienten_verschil"]].value == pytest.approx(-0.3)
    assert rows["alfa-werk"][col["clienten_respons"]].number_format == "0.0"


@pytest.mark.parametrize(
    ("pid", "prefix", "reason"),
    [
        ("alfa-werk", "opdrachtgevers", "minder dan 3 antwoorden"),
        ("beta-coaching", "clienten", "minder dan 3 antwoorden"),
        ("gamma", "clienten", labels.RECORD_NO_ANSWERS),
    ],
)
def test_excel_hidden_grade_is_an_empty_number_with_its_reason_beside_it(
    written, pid, prefix, reason
):
    _, rows, _, col = _sheet(written[1]["xlsx"])
    grade = rows[pid][col[f"{prefix}_rapportcijfer"]]
    assert grade.value is None and grade.data_type == "n" and grade.number_format == "0.0"
    beside = rows[pid][col[f"{prefix}_rapportcijfer"] + 1]
    assert beside.value == reason and beside.data_type == "s"
    assert rows[pid][col[f"{prefix}_netto"]].value is not None  # the row itself is there


def test_excel_totals_row_is_the_html_footer(written):
    ws, rows, total, col = _sheet(written[1]["xlsx"])
    assert total[col["naam"]].value == overview.ALL_PROVIDERS and total[col["naam"]].font.b
    groups = {
        p: [getattr(r, p) for r in overview.collect(written[0], PROVIDERS)[0]]
        for p in ("clienten", "opdrachtgevers")
    }
    for prefix, parts in groups.items():
        netto = sum(g.netto or 0 for g in parts)
        done = sum(g.ingevuld or 0 for g in parts)
        assert total[col[f"{prefix}_netto"]].value == netto
        assert total[col[f"{prefix}_ingevuld"]].value == done
        assert total[col[f"{prefix}_respons"]].value == pytest.approx(
            fmt.round_half_up(100 * done / netto, 1)
        )
        assert total[col[f"{prefix}_respons"]].data_type == "n"
    assert (total[col["clienten_netto"]].value, total[col["clienten_ingevuld"]].value) == (117, 30)
    # the HTML's footer has the same totals, in Dutch
    page = written[1]["html"].read_text(encoding="utf-8")
    footer = page[page.index("<tfoot>") : page.index("</tfoot>")]
    for key in ("clienten_netto", "clienten_ingevuld", "opdrachtgevers_netto"):
        assert f">{total[col[key]].value}<" in footer
    for key in ("clienten_respons", "opdrachtgevers_respons"):
        assert f">{fmt.number(total[col[key]].value, 1)}<" in footer
    # sorting or filtering the providers leaves the totals row below them
    assert (
        ws.auto_filter.ref == f"A1:{ws.cell(1, len(overview.COLUMNS)).column_letter}{len(rows) + 1}"
    )
    assert total[0].row == len(rows) + 2


def test_excel_reads_with_pandas(written):
    pd = pytest.importorskip("pandas")
    frame = pd.read_excel(written[1]["xlsx"])
    assert len(frame) == len(PROVIDERS) + 1  # and the totals row
    assert frame.iloc[-1]["Dienstverlener"] == overview.ALL_PROVIDERS
    grade = next(c.header for c in overview.COLUMNS if c.key == "clienten_rapportcijfer")
    assert pd.api.types.is_float_dtype(frame[grade])  # real numbers, the hidden ones NaN
    assert frame[grade].isna().sum() >= 2


def _table_body(page):
    """The rows and the footer of the overview table (the CSS holds numbers of its own)."""
    return page[page.index("<tbody>") : page.index("</tfoot>")]


def test_a_grade_with_a_reason_stays_hidden_everywhere(tmp_path):
    """A sidecar that somehow holds a withheld grade's value (the schema forbids it) still
    shows only the reason: the value, its interval and its change go into no file."""
    leaky = _row("totaal", 50, 2, 6.4, "minder dan 3 antwoorden") | {"interval": [5.3, 7.5]}
    group = overview._group([leaky | _previous(grade=7.1, change=-0.7)], "totaal")
    assert group.rapportcijfer is None and group.interval is None and group.verschil is None
    assert group.reason == "minder dan 3 antwoorden" and group.grade_text == labels.SUPPRESSED
    rows = [overview.Row("lek", "Lek BV", overview.GEREED, clienten=group)]
    texts = {
        "html": _table_body(overview.to_html(rows, {"id": "2025", "label": ""})),
        "data": overview.to_data_csv(rows),
        "excel": overview.to_excel_csv(rows).decode("utf-8-sig"),
    }
    path = tmp_path / "lek.xlsx"
    path.write_bytes(overview.to_xlsx(rows))
    ws = load_workbook(path).active
    texts["xlsx"] = "\n".join(str(c.value) for r in ws.iter_rows() for c in r)
    for name, text in texts.items():
        for secret in ("6.4", "6,4", "5.3", "5,3", "7.5", "7,5", "-0.7", "0,7"):
            assert secret not in text, (name, secret)
        assert "minder dan 3 antwoorden" in text, name


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
        data = _sidecar(pid, name, [_row("totaal", 40, 12, 7.6)], "behaald", files=("html",))
        (tmp_path / f"{pid}.json").write_text(json.dumps(data), encoding="utf-8")
        providers.append((pid, name))
    paths = overview.write_overview(
        tmp_path, providers, failures={"p0": '=HYPERLINK("http://x") mislukt'}
    )
    return paths


def test_csv_writes_formula_like_text_with_a_quote_in_front(formulas):
    text = formulas["data_csv"].read_text(encoding="utf-8")
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
