"""Hostile input: every broken delivery of the corpus gives one clear problem and no output.

The corpus lives in ``tests/hostile`` (see its README): a valid delivery ``base/``, one
directory per broken case with the files that differ (``cases/``), deliveries that look odd but
are valid (``accepted/``), and ``cases.yaml`` with the one problem each broken case must give.
Cases whose files are binary or huge are built here from the base by the ``BUILDERS`` below.

For every broken case this checks, in one go: ``validate_path`` finds exactly that problem
(file, row, column, value and message), and ``tevreden validate``, ``tevreden render`` and
``tevreden batch`` exit non-zero, print it, and leave no file anywhere (not under the output
directory, not in a work directory).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml

from tevredenheidsrapport import readers, yamlsafe
from tevredenheidsrapport.cli import main
from tevredenheidsrapport.codebook import load_codebook, parse_codebook
from tevredenheidsrapport.dataset import load_period
from tevredenheidsrapport.errors import CodebookError, DataError
from tevredenheidsrapport.validate import validate_path

HOSTILE = Path(__file__).parent / "hostile"
BASE = HOSTILE / "base"
CASES: dict[str, dict] = yaml.safe_load((HOSTILE / "cases.yaml").read_text(encoding="utf-8"))
ACCEPTED = sorted(p.name for p in (HOSTILE / "accepted").iterdir() if p.is_dir())


# --------------------------------------------------------------------------- builders
#
# Each builder turns a copy of the base (``root``: codebooks/ and 2025/) into one broken
# delivery whose files would not be reviewable as committed files.


def _set_in_period_yaml(root: Path, old: str, new: str) -> None:
    path = root / "2025" / "period.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def build_utf16(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sample.csv saved as UTF-16 with a byte-order mark (Excel's 'Unicode text')."""
    path = root / "2025" / "sample.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def build_excel_title_row(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sample.xlsx with a title in A1, an empty row, and the header in row 3."""
    frame = pd.read_csv(root / "2025" / "sample.csv", dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Steekproef tevredenheidsonderzoek 2025"])
    sheet.append([])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([v or None for v in row])
    book.save(root / "2025" / "sample.xlsx")
    (root / "2025" / "sample.csv").unlink()
    _set_in_period_yaml(root, "sample: sample.csv", "sample: sample.xlsx")


def build_spss_labels(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.sav whose value label for oordeel = 1 differs from the codebook."""
    frame = pd.read_csv(root / "2025" / "responses" / "klant.csv", dtype={"respondent_id": str})
    scale = load_codebook(root / "codebooks" / "klant-test.yaml").item("oordeel").options
    labels = {"oordeel": {**scale, 1: "Heel erg tevreden"}}
    pyreadstat.write_sav(
        frame, str(root / "2025" / "responses" / "klant.sav"), variable_value_labels=labels
    )
    (root / "2025" / "responses" / "klant.csv").unlink()
    _set_in_period_yaml(root, "responses/klant.csv", "responses/klant.sav")


def build_huge_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.csv one byte over readers.MAX_BYTES (sparse: instant, no disk used)."""
    path = root / "2025" / "responses" / "klant.csv"
    with path.open("r+b") as fh:
        fh.truncate(readers.MAX_BYTES + 1)


def build_too_many_rows(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.csv with 101 rows while the limit is lowered to 100 for the test."""
    monkeypatch.setattr(readers, "MAX_ROWS", 100)
    path = root / "2025" / "responses" / "klant.csv"
    header, first = path.read_text(encoding="utf-8").splitlines()[:2]
    rows = [first.replace("c1,", f"r{i},", 1) for i in range(101)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


# ---- file-level cases (issue 9): special files, links, zip bombs, typed columns
#
# FIFOs and links are made here, at test time: git cannot hold a FIFO, and a committed link
# would point wherever the checkout is. Files outside the delivery go to ``elders/`` beside
# it (``root.parent`` is the test's scratch directory).


def _outside(root: Path, name: str, text: str) -> Path:
    """A file outside the delivery (``<scratch>/elders/<name>``) holding ``text``."""
    path = root.parent / "elders" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def build_fifo_response(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.csv is a FIFO: reading it would wait forever for a writer."""
    path = root / "2025" / "responses" / "klant.csv"
    path.unlink()
    os.mkfifo(path)


def build_fifo_stray(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A FIFO in the period folder that period.yaml does not name (the batch hashes the
    folder: it used to hang there)."""
    os.mkfifo(root / "2025" / "export.csv")


def build_link_dev_zero(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.csv is a symbolic link to /dev/zero: an endless file."""
    path = root / "2025" / "responses" / "klant.csv"
    path.unlink()
    path.symlink_to("/dev/zero")


def build_link_outside(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """providers.csv is a link to a file outside the delivery, shaped like /etc/passwd: its
    lines must never appear in a message."""
    target = _outside(root, "passwd.csv", "root:x:0:0:root:/root:/bin/bash\ngeheim:x:1:1::/:/\n")
    path = root / "2025" / "providers.csv"
    path.unlink()
    path.symlink_to(target)


def build_link_folder(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """2025/responses is a link to a folder outside the delivery whose klant.csv has a
    wrong grade: the file's lines must not appear in a message (the link is the problem)."""
    folder = root / "2025" / "responses"
    target = shutil.move(folder, root.parent / "elders-responses")
    klant = Path(target) / "klant.csv"
    klant.write_text(klant.read_text(encoding="utf-8").replace("c1,8,", "c1,geheim,"), "utf-8")
    folder.symlink_to(target, target_is_directory=True)


def build_link_codebook(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """codebooks/klant-test.yaml is a link to a (valid) copy outside the delivery."""
    path = root / "codebooks" / "klant-test.yaml"
    target = _outside(root, "klant-test.yaml", path.read_text(encoding="utf-8"))
    path.unlink()
    path.symlink_to(target)


def build_link_period_yaml(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """2025/period.yaml is a link to a (valid) copy outside the delivery."""
    path = root / "2025" / "period.yaml"
    target = _outside(root, "period.yaml", path.read_text(encoding="utf-8"))
    path.unlink()
    path.symlink_to(target)


def build_yaml_too_big(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """codebooks/klant-test.yaml one byte over yamlsafe.MAX_YAML_BYTES (sparse)."""
    with (root / "codebooks" / "klant-test.yaml").open("r+b") as fh:
        fh.truncate(yamlsafe.MAX_YAML_BYTES + 1)


def _xlsx_responses(root: Path) -> Path:
    """responses/klant.csv as responses/klant.xlsx, named in period.yaml; returns its path."""
    csv = root / "2025" / "responses" / "klant.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    book.active.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        book.active.append([v or None for v in row])
    path = csv.with_suffix(".xlsx")
    book.save(path)
    csv.unlink()
    _set_in_period_yaml(root, "responses/klant.csv", "responses/klant.xlsx")
    return path


_PartWriter = Callable[[IO[bytes], bytes], object]


def _rewrite_parts(path: Path, writers: dict[str, _PartWriter]) -> None:
    """Rewrite parts of the zip archive ``path``: ``writers`` maps a part name to
    ``write(out, old_bytes)``; a part the archive lacks is added (``old_bytes`` is b"")."""
    with zipfile.ZipFile(path) as old:
        parts = {info.filename: old.read(info) for info in old.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for name in [*parts, *(n for n in writers if n not in parts)]:
            if name in writers:
                with new.open(name, "w", force_zip64=True) as out:
                    writers[name](out, parts.get(name, b""))
            else:
                new.writestr(name, parts[name])


def _pad(marker: bytes, filler: bytes, megabytes: int) -> _PartWriter:
    """A part writer: the old part with ``megabytes`` MB of ``filler`` before ``marker``."""

    def write(out: IO[bytes], old: bytes) -> None:
        head, tail = old.split(marker, 1)
        out.write(head)
        chunk = filler * (1024 * 1024 // len(filler))
        for _ in range(megabytes):
            out.write(chunk)
        out.write(marker + tail)

    return write


def build_xlsx_zip_bomb(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.xlsx whose sheet holds 64 MB of empty rows after its data, packed
    about 1000 times (issue 9: such a sheet ran for more than 300 s at 1 GB)."""
    bomb = _pad(b"</sheetData>", b"<row/>", 64)
    _rewrite_parts(_xlsx_responses(root), {"xl/worksheets/sheet1.xml": bomb})


_SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"></sst>'
_SST_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def build_xlsx_shared_strings_bomb(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.xlsx with 64 MB of shared strings packed about 1000 times; openpyxl
    keeps every shared string in memory (issue 9: 2 GB, then a MemoryError)."""
    strings = _pad(b"</sst>", b"<si><t>lol</t></si>", 64)
    _rewrite_parts(
        _xlsx_responses(root),
        {
            "[Content_Types].xml": lambda out, old: out.write(old.replace(b"</Types>", _SST_TYPE)),
            "xl/sharedStrings.xml": lambda out, old: strings(out, old or _SST),
        },
    )


def build_xlsx_dimension(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.xlsx whose sheet declares 2 million rows (A1:H2000000)."""

    def write(out: IO[bytes], old: bytes) -> None:
        out.write(re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:H2000000"', old))

    _rewrite_parts(_xlsx_responses(root), {"xl/worksheets/sheet1.xml": write})


def _parquet_responses(root: Path, **columns: object) -> None:
    """responses/klant.csv as responses/klant.parquet (numbers typed, ``columns`` replaced)."""
    csv = root / "2025" / "responses" / "klant.csv"
    frame = pd.read_csv(csv, dtype={"respondent_id": str})
    for column in frame.columns[1:]:
        frame[column] = frame[column].astype("Int64")
    for column, values in columns.items():
        frame[column] = values
    frame.to_parquet(csv.with_suffix(".parquet"), index=False)
    csv.unlink()
    _set_in_period_yaml(root, "responses/klant.csv", "responses/klant.parquet")


def build_parquet_bool_grade(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.parquet with booleans for the grade (True read as grade 1)."""
    _parquet_responses(root, cijfer=[True, True, False])


def build_parquet_date_codes(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """responses/klant.parquet with dates where the scale codes belong."""
    _parquet_responses(root, oordeel=[dt.date(2025, 1, d) for d in (1, 2, 3)])


BUILDERS: dict[str, Callable[[Path, pytest.MonkeyPatch], None]] = {
    "utf16": build_utf16,
    "excel_title_row": build_excel_title_row,
    "spss_labels": build_spss_labels,
    "huge_file": build_huge_file,
    "too_many_rows": build_too_many_rows,
    "fifo_response": build_fifo_response,
    "fifo_stray": build_fifo_stray,
    "link_dev_zero": build_link_dev_zero,
    "link_outside": build_link_outside,
    "link_folder": build_link_folder,
    "link_codebook": build_link_codebook,
    "link_period_yaml": build_link_period_yaml,
    "yaml_too_big": build_yaml_too_big,
    "xlsx_zip_bomb": build_xlsx_zip_bomb,
    "xlsx_shared_strings_bomb": build_xlsx_shared_strings_bomb,
    "xlsx_dimension": build_xlsx_dimension,
    "parquet_bool_grade": build_parquet_bool_grade,
    "parquet_date_codes": build_parquet_date_codes,
}


def build(case: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The delivery of ``case`` (broken or accepted) at ``root``; returns ``root``."""
    shutil.copytree(BASE, root)
    for folder in (HOSTILE / "cases" / case, HOSTILE / "accepted" / case):
        if folder.is_dir():
            shutil.copytree(folder, root, dirs_exist_ok=True)
    builder = CASES.get(case, {}).get("build")
    if builder:
        BUILDERS[builder](root, monkeypatch)
    return root


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under ``root`` with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


# --------------------------------------------------------------------------- the corpus


def test_corpus_is_complete():
    """At least 30 broken cases; every case directory is listed and every listed case exists."""
    assert len(CASES) >= 30
    folders = {p.name for p in (HOSTILE / "cases").iterdir() if p.is_dir()}
    built = {name for name, case in CASES.items() if case.get("build")}
    assert folders == set(CASES) - built
    assert {case["build"] for case in CASES.values() if "build" in case} == set(BUILDERS)
    assert not set(ACCEPTED) & set(CASES)
    for name, case in CASES.items():
        assert set(case) <= {"about", "expect", "build"} and len(case["expect"]) == 5, name


def test_base_delivery_is_valid(capsys):
    assert validate_path(BASE) == []
    assert main(["validate", str(BASE)]) == 0
    assert "geen problemen" in capsys.readouterr().out


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_delivery_gives_one_clear_problem_and_no_output(case, tmp_path, monkeypatch, capsys):
    root = build(case, tmp_path / "levering", monkeypatch)
    file, row, column, value, message = CASES[case]["expect"]

    problems = validate_path(root)
    assert len(problems) == 1, "\n".join(map(str, problems))
    [problem] = problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        str(root / file),
        row,
        column,
        value,
    )
    assert message in problem.message
    line = str(problem)
    assert "\n" not in line and line.startswith(str(root / file))

    # The command line, from a scratch directory so that a stray work directory would show.
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    out = tmp_path / "uit"
    period = root / "2025"
    runs = {
        "validate": ["validate", str(root)],
        "render": ["render", "P1", "--data", str(period), "--out", str(out), "--format", "html"],
        "batch": ["batch", "--data", str(root), "--out", str(out), "--quiet", "--format", "html"],
    }
    for command, argv in runs.items():
        assert main(argv) != 0, command
        captured = capsys.readouterr()
        assert line in captured.err, f"{command}:\n{captured.err}"
        assert "Traceback" not in captured.err
    assert not out.exists()
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_delivery_reads_like_the_base(case, tmp_path, monkeypatch):
    """Other encodings, delimiters and layouts the contract allows give the same data."""
    root = build(case, tmp_path / "levering", monkeypatch)
    assert validate_path(root) == []
    reference, data = load_period(BASE / "2025"), load_period(root / "2025")
    pd.testing.assert_frame_equal(data.providers, reference.providers)
    pd.testing.assert_frame_equal(data.persons, reference.persons)
    for cb_id, frame in reference.responses.items():
        pd.testing.assert_frame_equal(data.responses[cb_id], frame)


def test_opdrachtgever_decimals_are_read_as_numbers():
    """7,5 for the grade and 6,5 in a matrix with decimals: true (base delivery)."""
    answers = load_period(BASE / "2025").responses["opdrachtgever-test"]
    assert answers.loc["o1", "cijfer"] == 7.5
    assert answers.loc["o1", "aspecten_communicatie"] == 6.5


# --------------------------------------------------------------------------- the readers


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        ("BÃ¨ta Coaching", "Bèta Coaching"),
        ("CoÃ¶rdinatie", "Coördinatie"),
        ("re-integratie â€“ werk", "re-integratie – werk"),
        ("ï»¿person_id", "person_id"),
    ],
)
def test_double_encoded_text_is_recognised(text, repaired):
    message, expected = readers._garbled(text)
    assert expected == repaired


@pytest.mark.parametrize(
    "text",
    [
        "Bèta Coaching",
        "Coördinatie & Ærø",
        "Ångström, naïef, façade, €5",
        "Â propos",
        "Ã",
        "שלום עולם",
        "مرحبا",
        "💼 werk",
        "Gemeente 's-Hertogenbosch",
    ],
)
def test_correct_text_is_not_taken_for_garbled(text):
    assert readers._garbled(text) is None


def test_windows_1252_file_is_read(tmp_path):
    path = tmp_path / "namen.csv"
    path.write_bytes("id;naam\n1;Bèta Coaching\n2;Crème & Brûlée\n".encode("cp1252"))
    assert list(readers.read_table(path)["naam"]) == ["Bèta Coaching", "Crème & Brûlée"]


def test_excel_with_empty_first_row_says_where_the_header_is(tmp_path):
    book = openpyxl.Workbook()
    book.active.append([])
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    book.save(tmp_path / "t.xlsx")
    with pytest.raises(DataError) as err:
        readers.read_table(tmp_path / "t.xlsx")
    [problem] = err.value.problems
    assert (problem.row, problem.message) == (1, "kopregel ontbreekt")
    assert "rij 2" in problem.expected


def test_too_wide_rows_are_capped_with_a_summary(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "1,2,3\n" * 50, encoding="utf-8")
    with pytest.raises(DataError) as err:
        readers.read_table(path)
    assert len(err.value.problems) == readers.MAX_ROW_PROBLEMS + 1
    assert "nog 30 rij(en)" in err.value.problems[-1].message


def test_mangled_csv_bytes_never_crash_validation(tmp_path):
    """Random byte damage to every file of a delivery: problems, never an exception."""
    rng = random.Random(5)
    garbage = [b"\x00", b"\xff", b"\xe9", b'"', b";", b",", b"\n", b"\r", b"\xef\xbb\xbf", b"\t"]
    files = ["2025/providers.csv", "2025/sample.csv", "2025/responses/klant.csv"]
    for i in range(24):
        root = shutil.copytree(BASE, tmp_path / f"d{i}")
        path = root / files[i % len(files)]
        data = bytearray(path.read_bytes())
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            data[at : at + rng.randint(0, 3)] = rng.choice(garbage)
        path.write_bytes(bytes(data))
        problems = validate_path(root)  # must not raise
        assert all(p.file and "\n" not in str(p) for p in problems)


# --------------------------------------------------------------------------- codebooks

_GARBAGE: list[object] = [
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "x",
    "{provider.__class__}",
    [],
    {},
    [1, "a", None],
    {"item": None},
    {"a": {"b": []}},
]


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    """Every path into a nested structure of dicts and lists."""
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


def _replaced(node: object, path: tuple, value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (_replaced(v, rest, value) if k == head else v) for k, v in node.items()}
    return [(_replaced(v, rest, value) if i == head else v) for i, v in enumerate(node)]


def test_malformed_codebooks_give_codebook_errors_not_crashes():
    """Any value anywhere in a codebook: a Codebook or a CodebookError, nothing else."""
    data = yaml.safe_load((BASE / "codebooks" / "klant-test.yaml").read_text(encoding="utf-8"))
    rng = random.Random(7)
    paths = _paths(data)[1:]
    for path in paths:
        for value in rng.sample(_GARBAGE, 4):
            try:
                parse_codebook(_replaced(data, path, value), "klant-test.yaml")
            except CodebookError as exc:
                assert exc.problems and all(str(p) for p in exc.problems)
    for whole in (None, "tekst", ["a", "b"], {}, {"items": "x"}):
        with pytest.raises(CodebookError):
            parse_codebook(whole, "x")  # type: ignore[arg-type]


def test_codebook_problems_name_the_line(tmp_path):
    books = shutil.copytree(BASE / "codebooks", tmp_path / "codebooks")
    path = books / "klant-test.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "scale: tevreden\n    section", "scale: blij\n    section", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    [problem] = err.value.problems
    line = text.splitlines().index("    scale: blij") + 1
    assert (problem.row, problem.column, problem.value) == (line, "scale", "blij")


@pytest.mark.parametrize(
    "text",
    ["codebook: !!python/object/apply:os.system ['true']\n", "codebook: x\nitems: &i [*i]\n"],
    ids=["python-tag", "recursive-alias"],
)
def test_unsafe_yaml_is_refused(tmp_path, text):
    path = tmp_path / "klant-test.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError, match="niet te lezen"):
        load_codebook(path)
