"""Validation: each way a delivery can break yields a Problem naming file, row, column, value."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest
from fixtures.periods import (
    ROUTING_CODEBOOK,
    add_codebook,
    answers,
    codebook,
    valid_spec,
    write_period,
)

from tevredenheidsrapport import checks
from tevredenheidsrapport.dataset import Notice, load_period
from tevredenheidsrapport.errors import DataError, Problem
from tevredenheidsrapport.validate import validate_delivery, validate_path

ARBEID = codebook("arbeid-2024")
SINGLE = next(i.id for i in ARBEID.items if i.type == "single")
SCALE = next(i.id for i in ARBEID.items if i.type == "scale")
DELETE = object()
#: Expected row of a problem in a YAML file: any line number (the parser knows it exactly).
LINE = object()


# --------------------------------------------------------------------------- edits
#
# An edit breaks one thing in the valid spec (before writing) or in the written files (after).
# ``where`` is the (file, row, column, value) the problem must name; cell edits know it.

TABLE_FILES = {
    "providers": "providers.csv",
    "sample": "sample.csv",
    "responses.arbeid": "responses/arbeid.csv",
    "responses.opdrachtgevers": "responses/opdrachtgevers.csv",
}
Where = tuple[str, "int | None", "str | None", object]


class Edit(NamedTuple):
    before: Callable[[dict], None] | None = None
    after: Callable[[Path], None] | None = None
    where: Where | None = None


def _table(spec: dict, name: str) -> list[dict]:
    """``providers``, ``sample`` or ``responses.<questionnaire>`` rows of a spec."""
    if name.startswith("responses."):
        return spec["responses"][name.split(".", 1)[1]]
    return spec[name]


def at(table_or_file: str, row: int | None, column: str | None, value: object) -> Where:
    """Where a problem must point: a table name of TABLE_FILES or a path under ``2025/``."""
    return (TABLE_FILES.get(table_or_file, table_or_file), row, column, value)


def cell(table: str, index: int, column: str, value: str | None) -> Edit:
    """Set one cell (``index`` counts data rows from 0; the spreadsheet row is index + 2)."""

    def edit(spec: dict) -> None:
        _table(spec, table)[index][column] = value

    return Edit(edit, where=at(table, index + 2, column, value))


def rename(table: str, old: str, new: str) -> Edit:
    """Rename a column, keeping its position; the problem names the old name and finds the new."""

    def edit(spec: dict) -> None:
        rows = _table(spec, table)
        rows[:] = [{(new if k == old else k): v for k, v in row.items()} for row in rows]

    return Edit(edit, where=at(table, 1, old, new))


def drop(table: str, column: str) -> Edit:
    """Remove a column."""

    def edit(spec: dict) -> None:
        for row in _table(spec, table):
            del row[column]

    return Edit(edit, where=at(table, 1, column, None))


def add_row(table: str, **values: str | None) -> Edit:
    """Append a copy of the first row with ``values`` changed (it lands on row 3)."""

    def edit(spec: dict) -> None:
        rows = _table(spec, table)
        rows.append({**copy.deepcopy(rows[0]), **values})

    return Edit(edit)


def meta(path: str, value: object) -> Edit:
    """Set (or with DELETE remove) a field of period.yaml; ``a.b`` reaches nested fields."""

    def edit(spec: dict) -> None:
        *parents, key = path.split(".")
        target = spec["period"]
        for p in parents:
            target = target[p]
        if value is DELETE:
            del target[key]
        else:
            target[key] = value

    if value is DELETE:
        return Edit(edit, where=at("period.yaml", None, path, None))
    return Edit(edit, where=at("period.yaml", LINE, path, value))


def no_file(questionnaire: str) -> Edit:
    """Do not write the response file of ``questionnaire``."""

    def edit(spec: dict) -> None:
        spec["responses"][questionnaire] = None

    return Edit(edit, where=at(f"responses/{questionnaire}.csv", None, None, None))


def remove(name: str, content: bytes | None = None) -> Edit:
    """After writing: delete a file of the period, or replace its content."""

    def edit(period: Path) -> None:
        if content is None:
            (period / name).unlink()
        else:
            (period / name).write_bytes(content)

    return Edit(after=edit, where=at(name, None, None, None))


def break_codebook(cb_id: str, old: str, new: str) -> Edit:
    """After writing: edit the period's copy of a codebook (data/codebooks is untouched)."""

    def edit(period: Path) -> None:
        path = period.parent / "codebooks" / f"{cb_id}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return Edit(after=edit)


AR, OP, RID = "responses.arbeid", "responses.opdrachtgevers", "respondent_id"

# id, edit, where the problem must point when the edit does not know (file under 2025/).
# Sample rows: 2 c1 (arbeid, dienst 5), 3 c2 (arbeid_laagdrempelig), 4 c3 (inburgeren,
# dienst 11), 5 c4 (not netto), 6 o1 and 7 o2 (opdrachtgevers).
# fmt: off
CASES: list[tuple[str, Edit, Where | None]] = [
    # providers.csv
    ("provider-column-renamed", rename("providers", "telefonisch", "telefoon"), None),
    ("provider-id-duplicate", cell("providers", 1, "provider_id", "P1"), None),
    ("provider-id-invalid", cell("providers", 1, "provider_id", "P 2"), None),
    ("provider-name-empty", cell("providers", 0, "name", None), None),
    ("telefonisch-not-ja-nee", cell("providers", 0, "telefonisch", "misschien"), None),
    # sample.csv
    ("sample-column-missing", drop("sample", "status"), None),
    ("person-id-duplicate", cell("sample", 1, "person_id", "c1"), None),
    ("person-id-empty", cell("sample", 3, "person_id", None), None),
    ("provider-unknown", cell("sample", 0, "provider_id", "P9"), None),
    ("group-unknown", cell("sample", 0, "group", "cliënt"), None),
    ("status-unknown", cell("sample", 3, "status", "weg"), None),
    ("questionnaire-unknown", cell("sample", 3, "questionnaire", "arbeid2"), None),
    ("questionnaire-missing-netto", cell("sample", 0, "questionnaire", None), None),
    ("dienst-decimal", cell("sample", 0, "dienst", "5,5"), None),
    ("dienst-too-high", cell("sample", 0, "dienst", "14"), None),
    ("dienst-zero", cell("sample", 0, "dienst", "0"), None),
    ("dienst-text", cell("sample", 0, "dienst", "vijf"), None),
    ("dienst-missing-client", cell("sample", 0, "dienst", None), None),
    ("dienst-for-opdrachtgever", cell("sample", 4, "dienst", "5"), None),
    ("dienst-11-not-inburgeren", cell("sample", 0, "dienst", "11"),
     at("sample", 2, "questionnaire", "arbeid")),
    ("inburgeren-not-dienst-11", cell("sample", 2, "dienst", "5"),
     at("sample", 4, "questionnaire", "inburgeren")),
    ("questionnaire-other-group", cell("sample", 0, "questionnaire", "opdrachtgevers"), None),
    ("province-unknown", cell("sample", 0, "province", "Utreg"), None),
    ("province-for-opdrachtgever", cell("sample", 4, "province", "Utrecht"), None),
    # responses
    ("response-column-missing", drop(AR, "cijfer"), None),
    ("response-column-renamed", rename(AR, SCALE, SCALE + "_v2"), None),
    ("respondent-duplicate", add_row(AR), at(AR, 3, RID, "c1")),
    ("respondent-empty", add_row(AR, respondent_id=None), at(AR, 3, RID, None)),
    ("respondent-not-in-sample", add_row(AR, respondent_id="x9"), at(AR, 3, RID, "x9")),
    ("respondent-other-questionnaire", add_row(AR, respondent_id="c2"), at(AR, 3, RID, "c2")),
    ("grade-too-high", cell(AR, 0, "cijfer", "11"), None),
    ("grade-zero", cell(AR, 0, "cijfer", "0"), None),
    ("grade-text", cell(AR, 0, "cijfer", "acht"), None),
    ("grade-decimal-comma-client", cell(AR, 0, "cijfer", "8,5"), None),
    ("grade-decimal-point-client", cell(AR, 0, "cijfer", "8.5"), None),
    ("grade-opdrachtgever-too-high", cell(OP, 0, "cijfer", "10,5"), None),
    ("single-code-unknown", cell(AR, 0, SINGLE, "77"), None),
    ("scale-code-unknown", cell(AR, 0, SCALE, "77"), None),
    ("scale-code-text", cell(AR, 0, SCALE, "tevreden"), None),
    ("response-file-missing", no_file("inburgeren"), None),
    # period.yaml and codebooks
    ("period-field-missing", meta("start", DELETE), None),
    ("period-bad-date", meta("end", "2025-02-30"), None),
    ("period-end-before-start", meta("end", "2024-08-31"), None),
    ("codebook-unknown", meta("questionnaires.arbeid.codebook", "arbeid-2099"),
     at("period.yaml", LINE, "questionnaires.arbeid.codebook", "arbeid-2099")),
    ("codebooks-dir-missing", meta("codebooks", "../geen"), None),
    ("codebook-broken", break_codebook("opdrachtgevers-2019", "type: grade", "type: schuif"),
     at("../codebooks/opdrachtgevers-2019.yaml", LINE, "type", "schuif")),
    # files
    ("sample-empty-file", remove("sample.csv", b""), None),
    ("sample-file-missing", remove("sample.csv"), None),
    ("providers-unknown-extension", meta("providers", "providers.txt"),
     at("providers.txt", None, None, ".txt")),
]
# fmt: on


@pytest.mark.parametrize(("edit", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_input_is_reported_precisely(tmp_path, edit, where):
    spec = valid_spec()
    if edit.before:
        edit.before(spec)
    period = write_period(tmp_path, spec)
    if edit.after:
        edit.after(period)
    file, row, column, value = where or edit.where
    expected = os.path.normpath(period / file)
    problems = validate_path(tmp_path)
    hits = [
        p
        for p in problems
        if (p.file, p.column, p.value) == (expected, column, value)
        and (p.row == row or (row is LINE and isinstance(p.row, int)))
    ]
    assert hits, "\n".join(map(str, problems))
    with pytest.raises(DataError) as err:
        load_period(period)
    assert err.value.problems == problems
    assert all(str(p) for p in problems)  # every problem renders as one Dutch line


def test_valid_period_has_no_problems(tmp_path):
    write_period(tmp_path)
    assert validate_path(tmp_path) == []
    assert validate_path(tmp_path / "2025") == []


def test_every_problem_in_every_file_at_once(tmp_path):
    spec = valid_spec()
    for edit in (
        cell("providers", 0, "telefonisch", "misschien"),
        cell("sample", 0, "province", "Utreg"),
        cell("sample", 4, "dienst", "5"),
        cell("responses.arbeid", 0, "cijfer", "acht"),
        cell("responses.opdrachtgevers", 0, "cijfer", "11"),
        meta("end", "2024-08-31"),
    ):
        edit.before(spec)
    write_period(tmp_path, spec)
    files = {Path(p.file).name for p in validate_path(tmp_path)}
    assert files == {
        "providers.csv",
        "sample.csv",
        "arbeid.csv",
        "opdrachtgevers.csv",
        "period.yaml",
    }


def test_spss_value_labels_must_match_the_codebook(tmp_path):
    item = ARBEID.item(SCALE)
    code, label = next(iter(item.options.items()))
    labels = {SCALE: {**item.options, code: label + " (oud)", 77: "Extra"}}
    period = write_period(tmp_path, ext=".sav", sav_labels={"arbeid": labels})
    problems = validate_path(tmp_path)
    file = str(period / "responses" / "arbeid.sav")
    used = sum(row[SCALE] == str(code) for row in valid_spec()["responses"]["arbeid"])
    assert used  # the first code is the answer of every generated row
    options = checks.options_text(item)
    assert problems == [
        Problem(
            file,
            f"waardelabel voor code {code} wijkt af van codeboek arbeid-2024 "
            f"({used} cel met deze code)",
            column=SCALE,
            value=label + " (oud)",
            expected=f"een label uit het codeboek: {options}; het meest gelijkend is "
            f"'{label}' (code {code})",
        ),
        Problem(
            file,
            "waardelabel voor code 77 staat niet in codeboek arbeid-2024",
            column=SCALE,
            value="Extra",
            expected=f"een label uit het codeboek: {options}; of, als code 77 'niet gesteld' "
            "of 'geen antwoord' betekent: markeer die code in SPSS als ontbrekende waarde "
            "(Missing Values), dan worden die cellen als leeg gelezen",
        ),
    ]


def test_spss_labels_differing_only_in_case_and_spaces_are_accepted(tmp_path):
    item = ARBEID.item(SCALE)
    labels = {SCALE: {c: "  " + label.upper() for c, label in item.options.items()}}
    write_period(tmp_path, ext=".sav", sav_labels={"arbeid": labels})
    assert validate_path(tmp_path) == []


@pytest.mark.parametrize(
    ("column", "value"),
    [("kanaal_2", "2"), ("kanaal_1", "ja"), ("coach_tijd", "4"), ("contact", "1,5")],
    ids=["multi-not-0-1", "multi-text", "matrix-code-unknown", "single-decimal"],
)
def test_item_types_of_a_synthetic_codebook(tmp_path, column, value):
    cb = add_codebook(tmp_path, ROUTING_CODEBOOK)
    spec = valid_spec()
    spec["period"]["questionnaires"]["arbeid"]["codebook"] = cb.id
    spec["responses"]["arbeid"] = [answers(cb, "c1")]
    spec["responses"]["arbeid"][0][column] = value
    write_period(tmp_path, spec)
    assert [(p.row, p.column, p.value) for p in validate_path(tmp_path)] == [(2, column, value)]


def test_open_items_accept_any_text(tmp_path):
    cb = add_codebook(tmp_path, ROUTING_CODEBOOK)
    spec = valid_spec()
    spec["period"]["questionnaires"]["arbeid"]["codebook"] = cb.id
    spec["responses"]["arbeid"] = [answers(cb, "c1") | {"kanaal_anders": "via mijn buurvrouw; 3x"}]
    write_period(tmp_path, spec)
    assert validate_path(tmp_path) == []


def test_many_bad_rows_are_capped_with_a_summary():
    n = checks.MAX_ROWS_PER_CHECK + 15
    frame = pd.DataFrame(
        {
            "provider_id": [f"P{i}" for i in range(n)],
            "name": ["x"] * n,
            "telefonisch": ["soms"] * n,
        },
        index=pd.RangeIndex(2, n + 2, name="row"),
        dtype=object,
    )
    problems = checks.check_providers(frame, "providers.csv")
    assert len(problems) == checks.MAX_ROWS_PER_CHECK + 1
    assert [p.row for p in problems[:-1]] == list(range(2, checks.MAX_ROWS_PER_CHECK + 2))
    summary = problems[-1]
    assert summary.row is None and "nog 15 rij(en)" in summary.message
    assert str(checks.MAX_ROWS_PER_CHECK + 2) in summary.message  # names the first row not listed


def test_duplicate_names_the_first_row():
    frame = pd.DataFrame(
        {
            "provider_id": ["A", "B", "A"],
            "name": ["a", "b", "c"],
            "telefonisch": ["ja", "nee", "ja"],
        },
        index=pd.RangeIndex(2, 5, name="row"),
        dtype=object,
    )
    [problem] = checks.check_providers(frame, "providers.csv")
    assert (problem.row, problem.value) == (4, "A")
    assert "rij 2" in problem.expected


def test_missing_period_yaml(tmp_path):
    (tmp_path / "2025").mkdir()
    with pytest.raises(DataError, match="period.yaml ontbreekt"):
        load_period(tmp_path / "2025")
    assert validate_path(tmp_path / "nergens")[0].message == "geen meetperiode gevonden"


def test_large_sample_is_checked_quickly():
    n = 50_000
    frame = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(n)],
            "provider_id": [f"P{i % 300}" for i in range(n)],
            "group": ["client"] * n,
            "dienst": [str(1 + i % 10) for i in range(n)],
            "questionnaire": ["arbeid"] * n,
            "status": ["netto"] * n,
            "province": ["Utrecht"] * n,
        },
        index=pd.RangeIndex(2, n + 2, name="row"),
        dtype=object,
    )
    frame.loc[40_000, "dienst"] = "99"
    problems = checks.check_sample(
        frame, "sample.csv", [f"P{i}" for i in range(300)], {"arbeid": ARBEID}
    )
    assert [(p.row, p.column) for p in problems] == [(40_000, "dienst")]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("end: 2025-02-30", "2025-02-30"),
        ("end: 31-08-2025", "31-08-2025"),
        ("end: morgen", "morgen"),
    ],
)
def test_unquoted_bad_dates_in_period_yaml(tmp_path, line, value):
    period = write_period(tmp_path)
    path = period / "period.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("end: '2025-08-31'", line), encoding="utf-8")
    [problem] = validate_path(tmp_path)
    assert (problem.column, problem.value, problem.message) == ("end", value, "ongeldige datum")


def test_unquoted_dates_in_period_yaml_are_read(tmp_path):
    period = write_period(tmp_path)
    path = period / "period.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("'", ""), encoding="utf-8")
    assert load_period(period).period.end.isoformat() == "2025-08-31"


@pytest.mark.parametrize(
    ("written", "province"),
    [
        ("Fryslân", "Friesland"),
        ("fryslan", "Friesland"),
        ("noord-holland", "Noord-Holland"),
        (" Noord Holland ", "Noord-Holland"),
        ("NOORD  BRABANT", "Noord-Brabant"),
        ("zuid-Holland", "Zuid-Holland"),
    ],
)
def test_provinces_as_people_write_them(tmp_path, written, province):
    spec = valid_spec()
    spec["sample"][0]["province"] = written
    period = write_period(tmp_path, spec)
    assert validate_path(tmp_path) == []
    sample = load_period(period).sample.set_index("person_id")
    assert sample.loc["c1", "province"] == province


def test_a_province_that_is_none_stays_as_written_in_the_problem(tmp_path):
    spec = valid_spec()
    spec["sample"][0]["province"] = "Noord Hollandia"
    write_period(tmp_path, spec)
    [problem] = validate_path(tmp_path)
    assert (problem.column, problem.value, problem.message) == (
        "province",
        "Noord Hollandia",
        "onbekende provincie",
    )


def test_responses_outside_the_netto_sample_give_a_warning_and_do_not_count(tmp_path):
    spec = valid_spec()
    c4 = next(row for row in spec["sample"] if row["person_id"] == "c4")
    c4["status"] = "dubbel"
    spec["sample"].append({**c4, "person_id": "c5", "status": "onbestelbaar"})
    spec["responses"]["arbeid"] += [answers(ARBEID, "c4"), answers(ARBEID, "c5")]
    period = write_period(tmp_path, spec)
    result = validate_delivery(tmp_path)
    assert result.problems == ()
    assert result.notices == (
        Notice(
            str(period / "responses" / "arbeid.csv"),
            "antwoorden van 2 personen die niet tot de netto steekproef behoren (status "
            "dubbel: 1, onbestelbaar: 1); die tellen niet mee in de respons en de analyses",
            column="respondent_id",
            value="c4, c5",
        ),
    )
    assert "2 personen" in result.notice_lines()[1]
    persons = load_period(period).persons.set_index("person_id")
    assert persons.loc[["c4", "c5"], "responded"].all()
    assert not persons.loc[["c4", "c5"], "netto"].any()


def test_one_response_outside_the_netto_sample(tmp_path):
    spec = valid_spec()
    next(row for row in spec["sample"] if row["person_id"] == "c4")["status"] = "dubbel"
    spec["responses"]["arbeid"].append(answers(ARBEID, "c4"))
    write_period(tmp_path, spec)
    result = validate_delivery(tmp_path)
    assert validate_path(tmp_path) == []
    [notice] = result.notices
    assert notice.message.startswith(
        "antwoorden van 1 persoon die niet tot de netto steekproef behoort (status dubbel: 1)"
    )
    assert result.notice_lines() == ["1 waarschuwing:", f"  - {notice}"]


def test_a_delivery_without_notices(tmp_path):
    write_period(tmp_path)
    result = validate_delivery(tmp_path)
    assert result.ok and result.notices == () and result.notice_lines() == []
