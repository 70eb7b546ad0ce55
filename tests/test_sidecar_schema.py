"""The sidecar's JSON Schema: shipped with the package, documented, strict, and it fits every
sidecar the program writes (the demo reports of 2021, 2024 and 2025).

Beside these tests, conftest.py checks after every test that each sidecar written under the
session's temporary folders fits the schema.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import fnmatch
import inspect
import io
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import typing
from importlib import resources
from pathlib import Path

import pytest
from conftest import SidecarWatch
from jsonschema import Draft202012Validator

from tevredenheidsrapport import blocks, config, labels, metrics, render, sidecar

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "src" / "tevredenheidsrapport" / "resources" / sidecar.SCHEMA_FILE

#: The reports checked here, per period with its formats, chosen for their shapes: several
#: services (baankracht-zuid, a service's grade hidden as derivable in 2025), opdrachtgevers
#: who did not answer (stapsteen-midden) or were too few (duo-loopbaan), nobody answering
#: (werkvonk: no grade, no norm outcome), the norm missed (opstap-kust), no opdrachtgevers
#: (koersmakers), a provider new in 2025 (duurzaam-vooruit-west: a previous measurement
#: exists, but not of this provider). 2021 is a first measurement for everyone.
#: (The demo batch renders every provider of 2021 and 2025; conftest checks those too.)
REPORTS = {
    "2021": (
        ("html",),
        ("baankracht-zuid", "stapsteen-midden", "duo-loopbaan", "werkvonk", "koersmakers"),
    ),
    "2024": (
        ("docx",),
        ("baankracht-zuid", "stapsteen-midden", "werkvonk", "werkpad-noord"),
    ),
    "2025": (
        ("html", "pdf"),
        (
            "baankracht-zuid",
            "duo-loopbaan",
            "opstap-kust",
            "duurzaam-vooruit-west",
            "koersvast-werk",
        ),
    ),
}


@pytest.fixture(scope="module")
def rendered(demo_batch, demo_data, settings, tmp_path_factory) -> dict[str, Path]:
    """Per period, the batch's output folder with the reports of :data:`REPORTS` and their
    overview: 2021 and 2025 from the session's demo batch (every provider, its formats);
    2024, which that batch leaves out, rendered here."""
    from conftest import PERIOD_FORMATS

    folders = {p: demo_batch / p for p in PERIOD_FORMATS}
    out, work = tmp_path_factory.mktemp("sidecars"), tmp_path_factory.mktemp("sidecars-work")
    for period, (formats, providers) in REPORTS.items():
        if period in folders:
            assert set(formats) <= set(PERIOD_FORMATS[period])
            continue
        # in a child process: the Word figures are compiled by Typst, and once its thread
        # pool runs in this process, later batches here may not fork their workers
        (fmt,) = formats
        command = [str(Path(sys.executable).parent / "tevreden"), "batch", "--quiet"]
        command += ["--data", str(demo_data / period), "--out", str(out), "--work", str(work)]
        command += ["--format", fmt, *(a for p in providers for a in ("--provider", p))]
        subprocess.run(command, check=True, capture_output=True)
        folders[period] = out / period
    return folders


@pytest.fixture(scope="module")
def written(rendered) -> dict[str, dict[str, dict]]:
    """The sidecars of :data:`REPORTS` by period and provider, as read from disk."""
    found: dict[str, dict[str, dict]] = {}
    for period, (_, providers) in REPORTS.items():
        for provider in providers:
            data = json.loads((rendered[period] / f"{provider}.json").read_text(encoding="utf-8"))
            if sidecar.is_sidecar(data):
                found.setdefault(period, {})[provider] = data
    return found


def _all(written):
    return [(p, pid, s) for p, by_id in written.items() for pid, s in by_id.items()]


# --------------------------------------------------------------------------- the schema


def test_schema_is_draft_2020_12_and_shipped_with_the_package():
    data = sidecar.schema()
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(data)
    # read through importlib.resources: the same file as in the source tree
    shipped = resources.files("tevredenheidsrapport").joinpath("resources", sidecar.SCHEMA_FILE)
    assert shipped.is_file()
    assert json.loads(shipped.read_text(encoding="utf-8")) == data
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == data
    # and package data covers it, so a wheel has it too
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["tevredenheidsrapport"]
    assert any(fnmatch.fnmatch(f"resources/{sidecar.SCHEMA_FILE}", p) for p in patterns)
    assert any(re.match(r"jsonschema\b", d) for d in project["project"]["dependencies"])


def _properties(node, path="#"):
    """(path, property name, its schema, the object schema) of every property in the schema."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}/properties/{name}", name, sub
        for key, sub in node.items():
            yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}/{i}")


def _described(node, defs) -> bool:
    if "description" in node:
        return True
    ref = node.get("$ref", "")
    return ref.startswith("#/$defs/") and "description" in defs[ref.removeprefix("#/$defs/")]


def test_every_field_is_described():
    data = sidecar.schema()
    defs = data["$defs"]
    assert data.get("description") and all("description" in d for d in defs.values())
    undescribed = [
        path
        for path, _, sub in _properties(data)
        # the conditions (if/then/else) only restate fields described where they are defined
        if not re.search(r"/(if|then|else)/", path) and not _described(sub, defs)
    ]
    assert not undescribed, undescribed


def test_readme_describes_every_field():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## De sidecar")
    section = readme[start : readme.index("\n## ", start + 1)]
    names = {name for path, name, _ in _properties(sidecar.schema()) if "/if/" not in path}
    missing = sorted(n for n in names if f"`{n}`" not in section)
    assert not missing, missing
    assert "src/tevredenheidsrapport/resources/sidecar.schema.json" in section


def test_fixed_shapes_allow_no_other_fields():
    """Every object of the schema has a fixed set of fields (additionalProperties: false),
    and all but ``files`` (only the formats made) require each of them or say which."""
    data = sidecar.schema()
    files = data["properties"]["files"]
    objects = {"#": data, "files": files} | {f"$defs/{k}": v for k, v in data["$defs"].items()}
    shaped = {k: o for k, o in objects.items() if "properties" in o}
    assert len(shaped) > 10
    assert [k for k, o in shaped.items() if o.get("additionalProperties") is not False] == []
    assert [k for k, o in shaped.items() if o is not files and not o.get("required")] == []


# ---- the schema's lists are the program's -------------------------------------------------


def suppressed_kinds() -> set[str]:
    """The kinds blocks.Suppressed's ``of`` can have: its Literal, or the values its
    comment lists (``of: str  # figure | table``)."""
    hint = typing.get_type_hints(blocks.Suppressed)["of"]
    if typing.get_origin(hint) is typing.Literal:
        return set(typing.get_args(hint))
    found = re.search(r"^\s*of:[^#\n]*#\s*(.+)$", inspect.getsource(blocks.Suppressed), re.M)
    assert found, "blocks.Suppressed.of lists its kinds neither as a Literal nor in a comment"
    return {k.strip() for k in found.group(1).split("|")}


def test_lists_in_the_schema_are_the_programs():
    defs = sidecar.schema()["$defs"]
    assert set(defs["suppressed"]["properties"]["kind"]["enum"]) == suppressed_kinds()
    assert tuple(defs["norm"]["properties"]["status"]["enum"]) == metrics.NORM_STATUSES
    files = sidecar.schema()["properties"]["files"]["properties"]
    assert tuple(files) == config.FORMATS
    tegen = defs["test"]["properties"]["tegen"]["enum"]
    assert set(tegen) == {blocks.AGAINST_REST, blocks.AGAINST_PREVIOUS}
    reason = re.compile(defs["withheld_reason"]["pattern"])
    for text in (
        labels.RECORD_NO_ANSWERS,
        labels.RECORD_TOO_FEW.format(k=3),
        labels.RECORD_TOO_FEW.format(k=12),
        labels.RECORD_DERIVABLE,
    ):
        assert reason.fullmatch(text), text


@pytest.mark.parametrize("kind", sorted(suppressed_kinds()))
def test_a_withheld_entry_of_every_kind_fits(kind):
    """An omitted figure or table as blocks.entries and build_sidecar list it."""
    withheld = [
        blocks.Suppressed(of=kind, id="arbeid-klacht", title="Klacht", reason="Ontbreekt."),
        blocks.Suppressed(of=kind, id="cijfer-verdeling", title="V", reason="Weg.", item="c"),
    ]
    if "shown" in {f.name for f in dataclasses.fields(blocks.Suppressed)}:
        # one the report says nothing about (the sidecar lists it all the same)
        withheld.append(
            blocks.Suppressed(of=kind, id="arbeid-x", title="X", reason="Geen.", shown=False)
        )
    data = render.build_sidecar(None, blocks.entries(withheld), [], ("html",), "x")
    assert [e["kind"] for e in data["suppressed"]] == [kind] * len(withheld)
    sidecar.validate(data)
    # and the same entries in a real report's sidecar
    data = render.build_sidecar(None, blocks.entries(withheld), [], config.FORMATS, "werkpad-noord")
    assert sidecar.validate(data)["files"]["docx"] == "werkpad-noord.docx"


def test_a_document_without_report_record_fits():
    """A template without the record block (provider, period, table 2.2, norm) writes a
    sidecar with those null and an empty table: it fits, and only in that form."""
    data = render.build_sidecar(None, [], [], ("html",), "x")
    assert data["provider"] is None and data["table11"] == []
    sidecar.validate(data)
    with pytest.raises(sidecar.SidecarError, match=r"period: moet null zijn"):
        sidecar.validate(data | {"period": {"id": "2025"}})


# --------------------------------------------------------------------------- real sidecars


def test_every_sidecar_of_every_period_fits(written):
    assert {p: set(by_id) for p, by_id in written.items()} == {
        p: set(providers) for p, (_, providers) in REPORTS.items()
    }
    bad = {(p, pid): sidecar.problems(s) for p, pid, s in _all(written)}
    assert not {k: v for k, v in bad.items() if v}


def test_the_sidecars_cover_every_shape(written):
    """The reports above have every shape the schema must accept (else the test above
    would prove less than it says)."""
    everything = _all(written)

    def rows(kind):
        return [r for _, _, s in everything for r in s["table11"] if r["kind"] == kind]

    # mixed client groups: several services in one report
    assert any(sum(r["kind"] == "dienst" for r in s["table11"]) >= 3 for _, _, s in everything)
    # opdrachtgevers too few, or none answering; a grade that would give another away
    reasons = {r["rapportcijfer_weggelaten"] for r in rows("opdrachtgevers")}
    assert labels.RECORD_TOO_FEW.format(k=3) in reasons and labels.RECORD_NO_ANSWERS in reasons
    assert labels.RECORD_DERIVABLE in {r["rapportcijfer_weggelaten"] for r in rows("dienst")}
    assert labels.RECORD_NO_ANSWERS in {r["rapportcijfer_weggelaten"] for r in rows("totaal")}
    # without opdrachtgevers
    assert any(all(r["kind"] != "opdrachtgevers" for r in s["table11"]) for _, _, s in everything)
    # first measurement (2021), and a later one that compares with the one before
    assert all(s["period"]["vorige"] is None for s in written["2021"].values())
    assert all("verschil" not in r for s in written["2021"].values() for r in s["table11"])
    assert all(s["period"]["vorige"]["id"] == "2024" for s in written["2025"].values())
    assert any("verschil" in r for s in written["2025"].values() for r in s["table11"])
    # a provider new in 2025: a previous measurement exists, but not of this provider
    assert any(all("verschil" not in r for r in s["table11"]) for s in written["2025"].values())
    # withheld figures, tests against the rest and against the previous measurement
    assert any(s["suppressed"] for _, _, s in everything)
    tests = [
        t
        for _, _, s in everything
        for e in s["figures"] + s["tables"]
        for t in e.get("toetsen", [])
    ]
    assert {t["tegen"] for t in tests} == {blocks.AGAINST_REST, blocks.AGAINST_PREVIOUS}
    assert {t["methode"] for t in tests} == {"welch", "fisher"}
    # every norm outcome the demo has, and every format
    assert {s["norm"]["status"] for _, _, s in everything} >= {
        "behaald",
        "niet behaald",
        "geen oordeel",
    }
    assert {f for _, _, s in everything for f in s["files"]} == set(config.FORMATS)


@pytest.mark.parametrize("period", sorted(REPORTS))
def test_the_overview_of_real_sidecars_hides_what_they_hide(rendered, written, period):
    """The overview files the batch wrote from these sidecars: a withheld grade is an empty
    number in Excel and empty in both CSVs, with the sidecar's reason beside it."""
    from openpyxl import load_workbook

    from tevredenheidsrapport import overview

    folder = rendered[period]
    keys = [c.key for c in overview.COLUMNS]
    ws = load_workbook(folder / overview.XLSX_FILE).active
    sheet = {r[keys.index("provider_id")].value: r for r in ws.iter_rows(min_row=2)}
    text = (folder / overview.EXCEL_CSV_FILE).read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
    dutch = {r[keys.index("provider_id")]: dict(zip(keys, r, strict=True)) for r in table}
    data = {
        r["provider_id"]: r
        for r in csv.DictReader(
            io.StringIO((folder / overview.DATA_CSV_FILE).read_text(encoding="utf-8"))
        )
    }
    hidden = 0
    for pid, side in written[period].items():
        for kind, prefix in (("totaal", "clienten"), ("opdrachtgevers", "opdrachtgevers")):
            row = next((r for r in side["table11"] if r["kind"] == kind), None)
            if row is None:
                continue
            grade = sheet[pid][keys.index(f"{prefix}_rapportcijfer")]
            beside = sheet[pid][keys.index(f"{prefix}_rapportcijfer_weggelaten")]
            assert grade.data_type == "n"
            if row["rapportcijfer"] is None:
                hidden += 1
                assert grade.value is None and beside.value == row["rapportcijfer_weggelaten"]
                for rows in (dutch, data):
                    assert rows[pid][f"{prefix}_rapportcijfer"] == ""
                    assert rows[pid][f"{prefix}_rapportcijfer_weggelaten"] == beside.value
            else:
                assert grade.value == pytest.approx(row["rapportcijfer"]) and beside.value is None
                assert dutch[pid][f"{prefix}_rapportcijfer"] == data[pid][
                    f"{prefix}_rapportcijfer"
                ].replace(".", ",")
    assert hidden  # every period above has a withheld grade


# --------------------------------------------------------------------------- strict enough


def _first(rows, test):
    return next(i for i, r in enumerate(rows) if test(r))


def _hide_with_value(s):
    i = _first(s["table11"], lambda r: r["rapportcijfer"] is None and r["netto"])
    s["table11"][i]["rapportcijfer"] = 6.5
    return f"table11[{i}].rapportcijfer_weggelaten"


def _shown_without_interval_rule(s):
    i = _first(s["table11"], lambda r: r["rapportcijfer"] is None)
    s["table11"][i]["interval"] = [5.0, 7.0]
    return f"table11[{i}].interval"


def _numbers_on_a_withheld_figure(s):
    s["suppressed"][0]["n"] = 2
    return "suppressed[0]"


def _unknown_field(s):
    s["toelichting"] = "extra"
    return "de sidecar zelf"


def _missing_files(s):
    del s["files"]
    return "de sidecar zelf"


def _figure_without_number(s):
    del s["figures"][0]["number"]
    return "figures[0]"


def _netto_as_text(s):
    s["table11"][0]["netto"] = str(s["table11"][0]["netto"])
    return "table11[0].netto"


def _service_without_number(s):
    i = _first(s["table11"], lambda r: r["kind"] == "dienst")
    s["table11"][i]["dienst"] = None
    return f"table11[{i}].dienst"


def _two_totals(s):
    s["table11"].append(copy.deepcopy(next(r for r in s["table11"] if r["kind"] == "totaal")))
    return "table11"


def _unknown_norm(s):
    s["norm"]["status"] = "bijna behaald"
    return "norm.status"


def _bad_date(s):
    s["period"]["end"] = "2024-02-30"
    return "period.end"


def _half_a_trend(s):
    del s["table11"][0]["vorige_respons"]
    return "table11[0]"


@pytest.mark.parametrize(
    "spoil",
    [
        _hide_with_value,
        _shown_without_interval_rule,
        _numbers_on_a_withheld_figure,
        _unknown_field,
        _missing_files,
        _figure_without_number,
        _netto_as_text,
        _service_without_number,
        _two_totals,
        _unknown_norm,
        _bad_date,
        _half_a_trend,
    ],
)
def test_a_spoilt_sidecar_is_refused_naming_the_field(written, spoil):
    original = written["2024"]["baankracht-zuid"]
    assert original["suppressed"] and original["period"]["vorige"]  # what spoil() needs
    spoilt = copy.deepcopy(original)
    where = spoil(spoilt)
    with pytest.raises(sidecar.SidecarError) as error:
        sidecar.validate(spoilt, what="De sidecar van baankracht-zuid")
    message = str(error.value)
    assert message.startswith("De sidecar van baankracht-zuid voldoet niet aan het sidecarschema")
    assert any(path == where for path, _ in error.value.problems), error.value.problems
    assert f"- {where}: " in message
    assert sidecar.validate(original) is original  # the original still fits


def test_the_message_lists_at_most_so_many_problems(written):
    spoilt = copy.deepcopy(written["2024"]["werkvonk"])
    spoilt["sections"] = [{"number": str(i)} for i in range(30)]  # each without title, level
    with pytest.raises(sidecar.SidecarError) as error:
        sidecar.validate(spoilt)
    assert len(error.value.problems) > sidecar.MAX_LISTED
    assert str(error.value).count("\n- ") == sidecar.MAX_LISTED + 1  # and "… en nog n"


# --------------------------------------------------------------------------- the check after each test


def test_the_watch_reports_each_new_sidecar_that_does_not_fit(written):
    good = written["2024"]["baankracht-zuid"]
    bad = copy.deepcopy(good) | {"toelichting": "extra"}
    # outside the session's temporary folders: the check after this test must not see it
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        watch = SidecarWatch(root)
        (root / "out" / "2024").mkdir(parents=True)
        (root / "out" / "2024" / "goed.json").write_text(json.dumps(good), encoding="utf-8")
        (root / "out" / "2024" / "fout.json").write_text(json.dumps(bad), encoding="utf-8")
        (root / "out" / "2024" / "stuk.json").write_text("{", encoding="utf-8")  # broken on purpose
        (root / "out" / "stats.json").write_text('{"reports": []}', encoding="utf-8")
        found = watch.problems()
        assert len(found) == 1 and "fout.json" in found[0] and "toelichting" in found[0]
        assert watch.problems() == []  # each version of a file once
        # rewritten as the program writes (a temporary file renamed), it is looked at again
        tmp = root / "out" / "2024" / ".goed.json.part"
        tmp.write_text(json.dumps(bad), encoding="utf-8")
        tmp.replace(root / "out" / "2024" / "goed.json")
        found = watch.problems()
        assert len(found) == 1 and "goed.json" in found[0]
