"""scripts/compare_outputs.py: the comparison of two output trees (no rendering here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_outputs.py"


@pytest.fixture(scope="module")
def compare():
    spec = importlib.util.spec_from_file_location("compare_outputs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def write(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def compare_reports(compare, base: Path, head: Path):
    return compare.compare_trees(base, head, compare.report_files(base, head))


def test_reports_compared_overview_skipped_stamps_ignored(compare, tmp_path):
    common = {
        "2025/a.html": b"<p>\nzelfde\n</p>\n",
        "2025/a.pdf": b"%PDF\x00\x01",
        "2025/a.json": b"{}\n",
        "2025/.stamps/a.json": b"1",
    }
    base = write(tmp_path / "base", {**common, "2025/index.html": b"x", "2025/a.docx": b"1"})
    head = write(tmp_path / "head", {**common, "2025/index.html": b"y", "2025/overzicht.csv": b""})
    result = compare_reports(compare, base, head)
    assert result.identical
    assert [str(rel) for rel in result.compared] == ["2025/a.html", "2025/a.json", "2025/a.pdf"]
    skipped = sorted(map(str, result.skipped))
    assert skipped == ["2025/a.docx", "2025/index.html", "2025/overzicht.csv"]


def test_a_provider_called_index_is_compared(compare, tmp_path):
    files = {"2021/index.html": b"1", "2021/index.json": b"{}", "2021/overzicht.html": b"2"}
    base = write(tmp_path / "base", files)
    head = write(tmp_path / "head", {**files, "2021/index.html": b"3"})
    result = compare_reports(compare, base, head)
    assert [str(rel) for rel, _ in result.differ] == ["2021/index.html"]
    assert [str(rel) for rel in result.skipped] == ["2021/overzicht.html"]


def test_differences_and_one_sided_files_are_named(compare, tmp_path):
    sidecar = {"2025/a.json": b"{}"}
    base = write(
        tmp_path / "base",
        {
            **sidecar,
            "2025/a.html": b"een\ntwee\n",
            "2025/a.pdf": b"\xff\x00\x01",
            "2025/b.json": b"{}",
        },
    )
    head = write(
        tmp_path / "head", {**sidecar, "2025/a.html": b"een\ndrie\n", "2025/a.pdf": b"\xff\x00\x02"}
    )
    result = compare_reports(compare, base, head)
    assert not result.identical
    details = {str(rel): detail for rel, detail in result.differ}
    assert details["2025/a.html"].startswith("regel 2:")
    assert "'twee'" in details["2025/a.html"] and "'drie'" in details["2025/a.html"]
    assert details["2025/a.pdf"].endswith("eerste verschil bij byte 2")
    assert [(str(rel), side) for rel, side in result.only] == [("2025/b.json", "base")]


def test_codebooks_path_is_compared_relative_to_each_checkout(compare, tmp_path):
    def period(codebooks: str) -> bytes:
        return f"period: '2025'\ncodebooks: {codebooks}\nsample: sample.csv\n".encode()

    base = write(tmp_path / "a" / "demo", {"2025/period.yaml": period("../../repo/data/codebooks")})
    head = write(
        tmp_path / "b" / "x" / "demo",
        {"2025/period.yaml": period("../../../../repo/data/codebooks")},
    )
    checkouts = {base: tmp_path / "a" / "repo", head: tmp_path / "repo"}
    assert compare.compare_trees(base, head, read=compare.demo_reader(checkouts)).identical
    checkouts[head] = tmp_path / "elsewhere"
    assert not compare.compare_trees(base, head, read=compare.demo_reader(checkouts)).identical
