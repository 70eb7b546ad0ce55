"""Readers: every format gives the same text table, indexed by spreadsheet row number."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import zipfile

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from tevredenheidsrapport import readers
from tevredenheidsrapport.errors import DataError
from tevredenheidsrapport.readers import (
    parse_number,
    read_table,
    read_table_with_labels,
    to_numbers,
)

EXPECTED = pd.DataFrame(
    {"id": ["a1", "a2"], "naam": ["Café Oost", None], "cijfer": ["8,5", "7"]},
    index=pd.Index([2, 3], name="row"),
    dtype=object,
)


def _write(path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ('id,naam,cijfer\na1,Café Oost,"8,5"\na2,,7\n', "utf-8"),
        ("id;naam;cijfer\na1;Café Oost;8,5\na2;;7\n", "utf-8"),
        ("id;naam;cijfer\r\na1;Café Oost;8,5\r\na2;;7\r\n", "cp1252"),
        ("\ufeffid;naam;cijfer\na1;Café Oost;8,5\na2;;7\n", "utf-8"),
        ("id\tnaam\tcijfer\na1\t Café Oost \t8,5\na2\t \t7\n", "utf-8"),
    ],
    ids=["comma", "semicolon", "cp1252", "bom", "tab-and-spaces"],
)
def test_csv_variants_read_the_same(tmp_path, text, encoding):
    path = tmp_path / "t.csv"
    _write(path, text, encoding)
    frame = read_table(path)
    pd.testing.assert_frame_equal(frame, EXPECTED)
    assert frame.dtypes.eq(object).all()


def test_csv_row_numbers_count_blank_lines_and_short_rows_are_padded(tmp_path):
    path = tmp_path / "t.csv"
    _write(path, "id,naam,cijfer\na1,x,8\n\na3,y\n")
    frame = read_table(path)
    assert frame.index.tolist() == [2, 4]
    assert frame.loc[4, "cijfer"] is None


def test_csv_trailing_delimiter_column_is_dropped(tmp_path):
    path = tmp_path / "t.csv"
    _write(path, "id;naam;\na1;x;\n")
    assert list(read_table(path).columns) == ["id", "naam"]


@pytest.mark.parametrize(
    ("text", "row", "column", "message"),
    [
        ("id,naam\na1,x,extra\n", 2, None, "velden"),
        ("id,id\na1,a2\n", 1, "id", "meer dan één keer"),
        ("id,\na1,x\n", 1, None, "geen naam"),
    ],
    ids=["too-many-fields", "duplicate-header", "nameless-column"],
)
def test_csv_structure_problems(tmp_path, text, row, column, message):
    path = tmp_path / "t.csv"
    _write(path, text)
    with pytest.raises(DataError) as err:
        read_table(path)
    [problem] = err.value.problems
    assert (problem.file, problem.row, problem.column) == (str(path), row, column)
    assert message in problem.message


def test_xlsx_numbers_read_as_their_text(tmp_path):
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "cijfer", "code", "naam"])
    sheet.append(["a1", 8.0, 1, " Café "])
    sheet.append([None, None, None, None])  # an empty row keeps its number
    sheet.append([1002, 7.5, 0.1 + 0.2, None])
    book.create_sheet("tweede").append(["genegeerd"])
    book.save(path)
    frame = read_table(path)
    assert frame.index.tolist() == [2, 4]
    assert frame.to_dict("list") == {
        "id": ["a1", "1002"],
        "cijfer": ["8", "7.5"],
        "code": ["1", "0.3"],
        "naam": ["Café", None],
    }


def test_sav_codes_as_text_with_value_labels(tmp_path):
    path = tmp_path / "t.sav"
    data = pd.DataFrame(
        {
            "respondent_id": ["r1", "r2", "r3"],
            "cijfer": [8.0, 7.5, float("nan")],
            "tevreden": [1.0, 9.0, 2.0],
        }
    )
    pyreadstat.write_sav(
        data,
        str(path),
        variable_value_labels={"tevreden": {1: "Heel tevreden", 2: "Tevreden", 9: "Geen mening"}},
    )
    frame, labels = read_table_with_labels(path)
    assert frame.to_dict("list") == {
        "respondent_id": ["r1", "r2", "r3"],
        "cijfer": ["8", "7.5", None],
        "tevreden": ["1", "9", "2"],
    }
    assert labels == {"tevreden": {1: "Heel tevreden", 2: "Tevreden", 9: "Geen mening"}}
    assert read_table(path).equals(frame)


def test_sav_text_column_with_labels_is_translated_to_codes(tmp_path):
    path = tmp_path / "t.sav"
    data = pd.DataFrame({"respondent_id": ["r1", "r2"], "tevreden": ["Tevreden", "1"]})
    pyreadstat.write_sav(
        data, str(path), variable_value_labels={"tevreden": {"1": "Heel tevreden", "2": "Tevreden"}}
    )
    frame, labels = read_table_with_labels(path)
    assert frame["tevreden"].tolist() == ["2", "1"]
    assert labels == {"tevreden": {1: "Heel tevreden", 2: "Tevreden"}}


def test_sav_text_labels_are_matched_regardless_of_case_and_spacing(tmp_path):
    path = tmp_path / "t.sav"
    data = pd.DataFrame(
        {"respondent_id": ["r1", "r2"], "tevreden": ["  heel  TEVREDEN", "tevreden"]}
    )
    pyreadstat.write_sav(
        data, str(path), variable_value_labels={"tevreden": {"1": "Heel tevreden", "2": "Tevreden"}}
    )
    assert read_table(path)["tevreden"].tolist() == ["1", "2"]


def test_sav_user_missing_values_are_empty_and_lose_their_labels(tmp_path):
    path = tmp_path / "t.sav"
    data = pd.DataFrame(
        {
            "respondent_id": ["r1", "r2", "r3", "r4"],
            "contact": [1.0, -99.0, -98.0, 2.0],
            "cijfer": [8.0, 99.0, 7.0, float("nan")],
            "toelichting": ["prima", "xx", "", "goed"],
        }
    )
    pyreadstat.write_sav(
        data,
        str(path),
        variable_value_labels={
            "contact": {1: "Ja", 2: "Nee", -99: "Niet gesteld", -98: "Weigert"},
            "cijfer": {99: "Weet niet"},
        },
        missing_ranges={
            "contact": [{"lo": -99, "hi": -98}],
            "cijfer": [99],
            "toelichting": ["xx"],
        },
    )
    frame, labels = read_table_with_labels(path)
    assert frame.to_dict("list") == {
        "respondent_id": ["r1", "r2", "r3", "r4"],
        "contact": ["1", None, None, "2"],
        "cijfer": ["8", None, "7", None],
        "toelichting": ["prima", None, None, "goed"],
    }
    assert labels == {"contact": {1: "Ja", 2: "Nee"}}


def test_parquet_typed_columns_as_text(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame(
        {
            "id": ["a1", "a2"],
            "dienst": pd.array([5, None], dtype="Int64"),
            "cijfer": [8.0, 6.5],
            "gekozen": [True, False],
        }
    ).to_parquet(path)
    assert read_table(path).to_dict("list") == {
        "id": ["a1", "a2"],
        "dienst": ["5", None],
        "cijfer": ["8", "6.5"],
        "gekozen": ["1", "0"],
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.txt", b"id\n1\n", "onbekend bestandstype"),
        ("t.csv", b"", "leeg"),
        ("t.xlsx", b"dit is geen Excel-bestand", "niet te lezen als Excel"),
        ("t.sav", b"geen SPSS", "niet te lezen als SPSS"),
        ("t.parquet", b"geen parquet", "niet te lezen als Parquet"),
    ],
)
def test_unreadable_files_raise_data_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_table(path)
    [problem] = err.value.problems
    assert problem.file == str(path)
    assert message in problem.message


def test_missing_file_raises_data_error(tmp_path):
    with pytest.raises(DataError, match="niet te openen"):
        read_table(tmp_path / "weg.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8,5", 8.5), ("8.5", 8.5), (" 7 ", 7.0), ("10", 10.0), ("", None), (None, None), (6, 6.0)],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["acht", "1.234,5", "8,5,1", "7-"])
def test_parse_number_rejects_text(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_to_numbers_marks_only_text_that_is_not_a_number():
    values = pd.Series(["8", "8,5", None, "acht", "7.25"], index=[2, 3, 4, 5, 6], dtype=object)
    numbers, invalid = to_numbers(values)
    assert numbers.dtype == "float64"
    assert numbers.loc[[2, 3, 6]].tolist() == [8.0, 8.5, 7.25]
    assert math.isnan(numbers.loc[4]) and math.isnan(numbers.loc[5])
    assert invalid[invalid].index.tolist() == [5]


# --------------------------------------------------------------------------- hostile files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need POSIX")
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p, t: p.symlink_to(t), "symbolische koppeling, die niet gevolgd wordt"),
        (lambda p, t: os.mkfifo(p), "bestand is een named pipe (FIFO)"),
        (lambda p, t: p.symlink_to("/dev/zero"), "symbolische koppeling, die niet gevolgd wordt"),
        (lambda p, t: p.mkdir(), "pad is een map, geen bestand"),
    ],
    ids=["link", "fifo", "link-dev-zero", "directory"],
)
def test_only_regular_files_are_read(tmp_path, make, message):
    """A link is never followed (it may point anywhere); a FIFO or device is never opened."""
    target = tmp_path / "elders.csv"
    _write(target, "geheim:x:0:0\n")
    path = tmp_path / "t.csv"
    make(path, target)
    with pytest.raises(DataError) as err:
        read_table(path)
    [problem] = err.value.problems
    assert problem.file == str(path) and problem.message.startswith(message)
    assert "geheim" not in str(problem)


def _xlsx(path, rows: int = 3) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "cijfer", "code"])
    for i in range(rows):
        book.active.append([f"a{i}", 8, 1])
    book.save(path)


def _set_dimension(path, ref: str) -> None:
    """Rewrite the declared size of the first sheet of the Excel file ``path``."""
    with zipfile.ZipFile(path) as old:
        parts = {info.filename: old.read(info) for info in old.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(
        rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), sheet
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("MAX_UNPACKED_BYTES", 2000, "Excel-bestand is uitgepakt te groot"),
        ("MAX_PARTS", 3, "Excel-bestand wordt niet gelezen: het zip-archief heeft"),
        # which part is the first too large depends on openpyxl's writer (lxml or not)
        ("MAX_PART_BYTES", 500, "Excel-bestand wordt niet gelezen: onderdeel "),
        ("MAX_CELLS", 11, "eerste werkblad is te groot (volgens zijn afmetingen A1:C4: 4 rijen"),
        ("MAX_ROWS", 2, "eerste werkblad is te groot (volgens zijn afmetingen A1:C4"),
    ],
)
def test_xlsx_is_checked_before_openpyxl_unpacks_it(tmp_path, monkeypatch, limit, value, message):
    """The archive's directory and the sheet's declared size, against lowered limits."""
    path = tmp_path / "t.xlsx"
    _xlsx(path)
    monkeypatch.setattr(readers, limit, value)
    with pytest.raises(DataError) as err:
        read_table(path)
    [problem] = err.value.problems
    assert problem.file == str(path) and message in problem.message


@pytest.mark.parametrize(
    ("limit", "value", "row", "message"),
    [
        ("MAX_CELLS", 8, 3, "eerste werkblad is te groot (meer dan 8 cellen tot en met rij 3)"),
        ("MAX_ROWS", 2, 4, "bestand heeft te veel rijen"),
    ],
)
def test_xlsx_that_declares_less_than_it_holds_is_stopped_while_reading(
    tmp_path, monkeypatch, limit, value, row, message
):
    path = tmp_path / "t.xlsx"
    _xlsx(path)
    _set_dimension(path, "A1")  # writers that store a wrong (small) size exist
    monkeypatch.setattr(readers, limit, value)
    with pytest.raises(DataError) as err:
        read_table(path)
    [problem] = err.value.problems
    assert (problem.row, problem.message) == (row, message)


def test_xlsx_within_the_limits_reads_as_before(tmp_path):
    path = tmp_path / "t.xlsx"
    _xlsx(path, rows=2)
    _set_dimension(path, "A1:C3")
    assert read_table(path).to_dict("list") == {
        "id": ["a0", "a1"],
        "cijfer": ["8", "8"],
        "code": ["1", "1"],
    }


def test_parquet_columns_for_numbers_are_checked_once_per_column(tmp_path):
    """Booleans for a grade and dates for a code: one problem each, naming the type; a 0/1
    column may hold booleans, text and dictionary-encoded numbers stay fine."""
    path = tmp_path / "t.parquet"
    pd.DataFrame(
        {
            "id": ["a1", "a2"],
            "cijfer": [True, False],
            "code": [dt.date(2025, 1, 1), dt.date(2025, 1, 2)],
            "gekozen": [True, False],
            "tekst": ["8", "7,5"],
            "schaal": pd.Categorical([1, 2]),
        }
    ).to_parquet(path)
    numbers = {"cijfer": False, "code": False, "gekozen": True, "tekst": False, "schaal": False}
    with pytest.raises(DataError) as err:
        read_table(path, numbers)
    assert [(p.column, p.message, p.expected) for p in err.value.problems] == [
        (
            "cijfer",
            "kolom bevat waar/onwaar-waarden (Parquet-type bool) in plaats van getallen",
            "getallen (de codes of cijfers uit het codeboek)",
        ),
        (
            "code",
            "kolom bevat datums of tijden (Parquet-type date32[day]) in plaats van getallen",
            "getallen (de codes of cijfers uit het codeboek)",
        ),
    ]
    assert "verwacht: getallen" in str(err.value.problems[0])
    del numbers["cijfer"], numbers["code"]
    frame = read_table(path, numbers)
    assert frame["gekozen"].tolist() == ["1", "0"] and frame["schaal"].tolist() == ["1", "2"]


def test_parquet_that_unpacks_too_big_is_refused_from_its_footer(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"id": [f"a{i}" for i in range(1000)]}).to_parquet(path)
    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 100)
    with pytest.raises(DataError) as err:
        read_table(path)
    [problem] = err.value.problems
    assert problem.message.startswith("Parquet-bestand is uitgepakt te groot")
