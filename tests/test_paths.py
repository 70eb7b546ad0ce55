"""Paths: no provider id can write outside the output directory or onto another's report.

Two lines of defence, each tested on its own:

1. The data contract allows provider ids of letters, digits, ``-`` and ``_`` only, and no two
   ids whose file names would be the same (also not on a disk that ignores case). Validation
   rejects anything else with a message naming the row and the id, so ``../../x``, ``/etc/x``,
   NUL bytes and ``nul.txt`` never reach a renderer.
2. Whatever id reaches it, :func:`fsutil.safe_name` gives a plain file name inside the output
   directory, never a reserved device name, and a different name for a different id (a short
   hash of the id is added whenever the id had to be changed). Valid ids that Windows reserves
   (``CON``, ``aux``) and ids that only differ in what ``safe_name`` strips are rendered here
   for real, and every report lands in its own file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from fixtures.periods import answers, codebook, valid_spec, write_period

from tevredenheidsrapport import fsutil, render
from tevredenheidsrapport.cli import main
from tevredenheidsrapport.validate import validate_path

HOSTILE_IDS = [
    "../../x",
    "..",
    ".",
    "",
    "/etc/x",
    "/",
    "C:\\Windows\\x",
    "a/b",
    "a\\b",
    "a\x00b",
    "\x00",
    "nul.txt",
    "NUL",
    "nul",
    "con",
    "CON.tar.gz",
    "COM1",
    "com¹",
    "LPT9",
    "aux",
    "prn",
    ".hidden",
    "-rf",
    "x" * 300,
    "é" * 100,
    "💼",
    "שלום",
    "a\nb",
    " spaced ",
    "~user",
    "$HOME",
    "%2e%2e%2f",
]
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.I)


def _hash_of(identifier: str) -> str:
    return hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:8]


# --------------------------------------------------------------------------- safe_name


@pytest.mark.parametrize("identifier", HOSTILE_IDS, ids=repr)
def test_safe_name_is_a_plain_file_name_inside_the_directory(identifier, tmp_path):
    name = fsutil.safe_name(identifier)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*|_[A-Za-z0-9._-]+", name), name
    assert len(name.encode()) <= 100
    assert not _RESERVED.fullmatch(name), name
    path = (tmp_path / f"{name}.html").resolve()
    assert path.parent == tmp_path.resolve()
    if name != identifier:
        assert name.endswith(_hash_of(identifier))


def test_safe_name_never_gives_two_ids_one_name():
    ids = [*HOSTILE_IDS, "a-", "-a", "_a_", "a", "x" * 80 + "1", "x" * 80 + "2", "a b", "a_b"]
    names = [fsutil.safe_name(i) for i in ids]
    assert len(set(names)) == len(ids)


@pytest.mark.parametrize("identifier", ["werkpad-noord", "P1", "abc_123", "A-b_C"])
def test_safe_name_keeps_valid_ids(identifier):
    assert fsutil.safe_name(identifier) == identifier


def test_atomic_write_keeps_the_old_file_when_a_write_fails(tmp_path, monkeypatch):
    target = fsutil.atomic_write(tmp_path / "P1.html", "oud")

    def fail(*_args):
        raise OSError("schijf vol")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        fsutil.atomic_write(target, "nieuw")
    assert target.read_text() == "oud"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P1.html"]  # no temporary left


# --------------------------------------------------------------------------- validation


def _period_with_provider(tmp_path: Path, provider_id: str, name: str = "Extra") -> Path:
    """The valid fixture period plus one provider (row 4 of providers.csv)."""
    spec = valid_spec()
    spec["providers"].append({"provider_id": provider_id, "name": name, "telefonisch": "nee"})
    return write_period(tmp_path, spec)


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("../../x", "ongeldige code"),
        ("/etc/x", "ongeldige code"),
        ("a\x00b", "ongeldige code"),
        ("nul.txt", "ongeldige code"),
        ("a/b", "ongeldige code"),
        ("C:\\x", "ongeldige code"),
        ("é", "ongeldige code"),
        ("p1", "dezelfde bestandsnaam als een andere dienstverlener"),
        # a valid id that is exactly what safe_name makes of another valid id ("-P1")
        (f"P1-{_hash_of('-P1')}", "dezelfde bestandsnaam als een andere dienstverlener"),
    ],
    ids=repr,
)
def test_invalid_or_clashing_ids_are_rejected_before_rendering(
    identifier, message, tmp_path, monkeypatch, capsys
):
    if identifier.startswith("P1-"):
        spec = valid_spec()
        spec["providers"] += [
            {"provider_id": "-P1", "name": "Streep", "telefonisch": "nee"},
            {"provider_id": identifier, "name": "Botsing", "telefonisch": "nee"},
        ]
        period, row = write_period(tmp_path, spec), 5
    else:
        period, row = _period_with_provider(tmp_path, identifier), 4
    [problem] = validate_path(period)
    assert (Path(problem.file).name, problem.row, problem.column, problem.value) == (
        "providers.csv",
        row,
        "provider_id",
        identifier,
    )
    assert message in problem.message
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "uit"
    assert main(["render", "P1", "--data", str(period), "--out", str(out), "--format", "html"]) != 0
    assert str(problem) in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "_work").exists()


def test_unknown_hostile_provider_argument_writes_nothing(tmp_path, settings):
    period = write_period(tmp_path / "data")
    before = sorted(tmp_path.rglob("*"))
    for identifier in ("../../x", "/etc/x", "a\x00b", "NUL"):
        with pytest.raises(KeyError, match="onbekende dienstverlener"):
            render.render_report(
                identifier, period, tmp_path / "uit", settings=settings, work_root=tmp_path / "w"
            )
    assert sorted(tmp_path.rglob("*")) == before


# --------------------------------------------------------------------------- rendering

#: Valid ids that Windows reserves, or that only differ in what safe_name strips or cuts.
TRICKY_IDS = ["CON", "aux", "-a", "a-", "_a_", "x" * 80 + "1", "x" * 80 + "2"]


def test_tricky_valid_ids_each_get_their_own_report_inside_the_output_dir(tmp_path, settings):
    arbeid = codebook("arbeid-2024")
    spec = valid_spec()
    spec["providers"] = [
        {"provider_id": pid, "name": f"Aanbieder {i}", "telefonisch": "nee"}
        for i, pid in enumerate(TRICKY_IDS)
    ]
    spec["sample"] = [
        {
            "person_id": f"c{i}",
            "provider_id": pid,
            "group": "client",
            "dienst": "5",
            "questionnaire": "arbeid",
            "status": "netto",
            "province": "Utrecht",
        }
        for i, pid in enumerate(TRICKY_IDS)
    ]
    spec["responses"] = {
        "arbeid": [answers(arbeid, f"c{i}") for i in range(len(TRICKY_IDS))],
        "arbeid_laagdrempelig": None,
        "inburgeren": None,
        "opdrachtgevers": None,
    }
    period = write_period(tmp_path / "data", spec)
    assert validate_path(period) == []
    out, work = tmp_path / "uit", tmp_path / "werk"
    before = set(tmp_path.rglob("*"))

    for pid in TRICKY_IDS:
        result = render.render_report(
            pid, period, out, settings=settings, formats=("html",), work_root=work
        )
        for path in result.outputs.values():
            assert path.resolve().parent == out.resolve()
            assert path.stem == fsutil.safe_name(pid)

    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 * len(TRICKY_IDS)  # html + sidecar each, none overwritten
    owners = {
        json.loads((out / f).read_text(encoding="utf-8"))["provider"]["id"]
        for f in files
        if f.endswith(".json")
    }
    assert owners == set(TRICKY_IDS)
    assert not any(_RESERVED.fullmatch(f.split(".")[0]) for f in files)
    new = set(tmp_path.rglob("*")) - before
    assert all(p in (out, work) or out in p.parents or work in p.parents for p in new)
