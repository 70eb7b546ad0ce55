"""Answers as the export holds them: SPSS codes and labels, and label text in CSV and Excel.

An SPSS file's codes mean what its own value labels say; they are matched with the codebook by
label (case and spacing ignored), renumbered when the file numbers them differently (with a
notice), empty when the file declares them missing, and an error naming the nearest codebook
label only when no codebook label matches. CSV and Excel may hold labels when period.yaml says
``labels: true`` for the questionnaire.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from fixtures.periods import (
    ROUTING_CODEBOOK,
    add_codebook,
    answers,
    valid_spec,
    write_period,
    write_table,
)

from tevredenheidsrapport.codebook import parse_codebook
from tevredenheidsrapport.dataset import Notice, load_period
from tevredenheidsrapport.errors import Problem
from tevredenheidsrapport.validate import validate_delivery, validate_path

#: The routing codebook plus a background item numbered as the issue describes.
CODEBOOK = copy.deepcopy(ROUTING_CODEBOOK) | {"codebook": "labels-test"}
CODEBOOK["items"] = [
    *CODEBOOK["items"],
    {
        "id": "geslacht",
        "type": "single",
        "section": "alles",
        "text": "Wat is uw geslacht?",
        "options": {1: "Man", 2: "Vrouw", 3: "Anders"},
    },
]
SCALE = CODEBOOK["scales"]["tevreden"]
GESLACHT = "1 (Man), 2 (Vrouw), 3 (Anders)"


def _period(tmp_path: Path, responses: str = "responses/arbeid.sav", **options) -> Path:
    """A valid period whose arbeid questionnaire uses CODEBOOK, its responses not written."""
    cb = add_codebook(tmp_path, CODEBOOK)
    spec = valid_spec()
    source = spec["period"]["questionnaires"]["arbeid"]
    source.update(codebook=cb.id, responses=responses, **options)
    spec["responses"]["arbeid"] = None
    return write_period(tmp_path, spec)


def _row(**cells: object) -> dict[str, object]:
    """The answers of c1 (the one arbeid respondent) with ``cells`` changed."""
    row: dict[str, object] = dict(answers(parse_codebook(CODEBOOK), "c1"))
    row.update(cells)
    return row


def _write_sav(
    path: Path,
    row: dict[str, object],
    labels: dict[str, dict] | None = None,
    missing: dict[str, list] | None = None,
) -> None:
    """One respondent as an SPSS file: numbers as doubles, text as strings, an empty open
    answer as an empty number (as SPSS stores an unused variable)."""
    data = {}
    for column, value in row.items():
        if value is None:
            data[column] = [float("nan")]
        elif isinstance(value, int | float):
            data[column] = [float(value)]
        else:
            try:
                data[column] = [float(str(value))]
            except ValueError:
                data[column] = [str(value)]
    pyreadstat.write_sav(
        pd.DataFrame(data),
        str(path),
        variable_value_labels=labels or None,
        missing_ranges=missing or None,
    )


def _answers(period: Path) -> pd.Series:
    """c1's answers as loaded."""
    return load_period(period).responses["labels-test"].loc["c1"]


def _sav(period: Path) -> str:
    return str(period / "responses" / "arbeid.sav")


# --------------------------------------------------------------------------- SPSS


def test_labels_stored_as_values_become_the_codebook_codes(tmp_path):
    period = _period(tmp_path)
    row = _row(
        contact="Ja", coach_uitleg="  heel   TEVREDEN ", coach_tijd="Tevreden", geslacht="vrouw"
    )
    _write_sav(period / "responses" / "arbeid.sav", row)
    result = validate_delivery(tmp_path)
    assert result.problems == () and result.notices == ()
    loaded = _answers(period)
    assert loaded[["contact", "coach_uitleg", "coach_tijd", "geslacht"]].tolist() == [1, 1, 2, 2]


def test_label_text_goes_through_the_files_own_numbering(tmp_path):
    period = _period(tmp_path)
    # A text variable with value labels keyed "1", "2": the file's numbering, not the codebook's.
    _write_sav(
        period / "responses" / "arbeid.sav",
        _row(geslacht=" VROUW"),
        labels={"geslacht": {"1": "Vrouw", "2": "Man"}},
    )
    result = validate_delivery(tmp_path)
    assert result.problems == ()
    assert [(n.column, n.message.rsplit(": ", 1)[1]) for n in result.notices] == [
        ("geslacht", "1 (Vrouw) wordt 2, 2 (Man) wordt 1")
    ]
    assert _answers(period)["geslacht"] == 2


def test_codes_numbered_differently_are_renumbered_by_label_and_reported(tmp_path):
    period = _period(tmp_path)
    # The file numbers Vrouw 1 and Man 2; c1 answered 1: Vrouw, which is 2 in the codebook.
    _write_sav(
        period / "responses" / "arbeid.sav",
        _row(geslacht=1),
        labels={"geslacht": {1: "Vrouw", 2: "Man", 3: "anders"}},
    )
    result = validate_delivery(tmp_path)
    assert result.problems == ()
    assert result.notices == (
        Notice(
            _sav(period),
            "antwoordcodes omgenummerd naar codeboek labels-test volgens de waardelabels van "
            "het bestand: 1 (Vrouw) wordt 2, 2 (Man) wordt 1",
            column="geslacht",
        ),
    )
    assert _answers(period)["geslacht"] == 2
    assert load_period(period).notices == result.notices


def test_matching_labels_with_the_codebooks_numbers_give_no_notice(tmp_path):
    period = _period(tmp_path)
    _write_sav(
        period / "responses" / "arbeid.sav",
        _row(geslacht=2, coach_uitleg=9),
        labels={"geslacht": {1: "MAN", 2: " vrouw "}, "coach_uitleg": SCALE},
    )
    assert validate_delivery(tmp_path).notices == ()
    assert _answers(period)[["geslacht", "coach_uitleg"]].tolist() == [2, 9]


def test_a_code_without_label_in_a_renumbered_column_is_an_error(tmp_path):
    period = _period(tmp_path)
    _write_sav(
        period / "responses" / "arbeid.sav",
        _row(geslacht=3),
        labels={"geslacht": {1: "Vrouw", 2: "Man"}},
    )
    assert validate_path(tmp_path) == [
        Problem(
            _sav(period),
            "code zonder waardelabel in een kolom die volgens de waardelabels is omgenummerd",
            row=2,
            column="geslacht",
            value="3",
            expected="een waardelabel in het bestand voor elke code in deze kolom",
        )
    ]


def test_a_user_missing_code_is_an_empty_cell(tmp_path):
    period = _period(tmp_path)
    _write_sav(
        period / "responses" / "arbeid.sav",
        _row(geslacht=-99),
        labels={"geslacht": {1: "Man", 2: "Vrouw", 3: "Anders", -99: "Niet gesteld"}},
        missing={"geslacht": [-99]},
    )
    assert validate_path(tmp_path) == []
    assert math.isnan(_answers(period)["geslacht"])


def test_a_missing_code_not_declared_missing_says_how_to_fix_it(tmp_path):
    period = _period(tmp_path)
    _write_sav(
        period / "responses" / "arbeid.sav",
        _row(geslacht=-99),
        labels={"geslacht": {1: "Man", 2: "Vrouw", -99: "Niet gesteld"}},
    )
    # One problem: the cell holding -99 is not reported a second time as an unknown code.
    assert validate_path(tmp_path) == [
        Problem(
            _sav(period),
            "waardelabel voor code -99 staat niet in codeboek labels-test (1 cel met deze code)",
            column="geslacht",
            value="Niet gesteld",
            expected=f"een label uit het codeboek: {GESLACHT}; of, als code -99 'niet gesteld' "
            "of 'geen antwoord' betekent: markeer die code in SPSS als ontbrekende waarde "
            "(Missing Values), dan worden die cellen als leeg gelezen",
        )
    ]


def test_an_unknown_label_is_an_error_naming_the_nearest_codebook_label(tmp_path):
    period = _period(tmp_path)
    _write_sav(
        period / "responses" / "arbeid.sav",
        _row(geslacht=2, contact="Jaa"),
        labels={"geslacht": {1: "Man", 2: "Vrouwen"}},
    )
    # In the codebook's order of items: contact comes before geslacht.
    assert validate_path(tmp_path) == [
        Problem(
            _sav(period),
            "antwoord is geen code en geen label uit het codeboek",
            row=2,
            column="contact",
            value="Jaa",
            expected="een code of label uit het codeboek: 1 (Ja), 2 (Nee); het meest gelijkend "
            "is 'Ja' (code 1)",
        ),
        Problem(
            _sav(period),
            "waardelabel voor code 2 wijkt af van codeboek labels-test (1 cel met deze code)",
            column="geslacht",
            value="Vrouwen",
            expected=f"een label uit het codeboek: {GESLACHT}; het meest gelijkend is "
            "'Vrouw' (code 2)",
        ),
    ]


# --------------------------------------------------------------------------- CSV and Excel


def _text_period(tmp_path: Path, ext: str, row: dict, **options) -> Path:
    """A period whose arbeid answers (``row``) are a CSV or Excel file."""
    period = _period(tmp_path, responses=f"responses/arbeid{ext}", **options)
    write_table(period / "responses" / f"arbeid{ext}", [row])
    return period


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_label_text_in_csv_and_excel_is_read_when_period_yaml_allows_it(tmp_path, ext):
    row = _row(contact=" ja ", coach_uitleg="Heel  tevreden", geslacht="VROUW")
    period = _text_period(tmp_path, ext, row, labels=True)
    assert validate_delivery(tmp_path).problems == ()
    assert _answers(period)[["contact", "coach_uitleg", "geslacht"]].tolist() == [1, 1, 2]


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_label_text_without_permission_is_refused_with_a_hint(tmp_path, ext):
    period = _text_period(tmp_path, ext, _row(contact="Ja", geslacht="Vrouw"))
    result = validate_delivery(tmp_path)
    file = str(period / "responses" / f"arbeid{ext}")
    assert [(p.column, p.value, p.message) for p in result.problems] == [
        ("contact", "Ja", "onbekende antwoordcode"),
        ("geslacht", "Vrouw", "onbekende antwoordcode"),
    ]
    assert result.notices == (
        Notice(
            file,
            "2 antwoorden staan als label uit het codeboek in plaats van als code; staan de "
            "antwoorden zo in de export, zet dan 'labels: true' bij vragenlijst 'arbeid' in "
            "period.yaml",
            column="contact",
            value="Ja",
        ),
    )


def test_text_that_is_no_label_is_an_error_with_a_suggestion(tmp_path):
    period = _text_period(tmp_path, ".csv", _row(geslacht="Vrou"), labels=True)
    assert validate_path(tmp_path) == [
        Problem(
            str(period / "responses" / "arbeid.csv"),
            "antwoord is geen code en geen label uit het codeboek",
            row=2,
            column="geslacht",
            value="Vrou",
            expected=f"een code of label uit het codeboek: {GESLACHT}; het meest gelijkend is "
            "'Vrouw' (code 2)",
        )
    ]


@pytest.mark.parametrize("value", ["ja", 1, 0, [True]])
def test_labels_in_period_yaml_is_true_or_false(tmp_path, value):
    period = _text_period(tmp_path, ".csv", _row(), labels=value)
    [problem] = validate_path(tmp_path)
    assert (problem.file, problem.column, problem.value, problem.message) == (
        str(period / "period.yaml"),
        "questionnaires.arbeid.labels",
        value,
        "ongeldige waarde voor labels",
    )
    assert isinstance(problem.row, int)


def test_labels_false_is_the_default(tmp_path):
    _text_period(tmp_path, ".csv", _row(), labels=False)
    assert validate_path(tmp_path) == []
    meta = yaml.safe_load((tmp_path / "2025" / "period.yaml").read_text(encoding="utf-8"))
    assert meta["questionnaires"]["arbeid"]["labels"] is False
