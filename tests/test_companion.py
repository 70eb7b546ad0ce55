"""The companion notebooks in notebooks/ run through the same machinery as the reports."""

from __future__ import annotations

import pytest

from tevredenheidsrapport.cli import main
from tevredenheidsrapport.config import PROJECT_ROOT


@pytest.mark.parametrize(
    "name,expect", [("datakwaliteit", "geen problemen"), ("overzicht", "Werkpad Noord")]
)
def test_companion_notebook_renders(demo_2025, tmp_path, name, expect):
    assert main(["companion", name, "--data", str(demo_2025), "--out", str(tmp_path)]) == 0
    html = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
    assert expect in html and "<table" in html


def test_quality_notebook_lists_problems_of_a_broken_delivery(demo_2025, tmp_path):
    import shutil

    broken = tmp_path / "2025"
    shutil.copytree(demo_2025, broken)
    codebooks = (
        demo_2025.parent.parent / "codebooks"
        if (demo_2025.parent.parent / "codebooks").exists()
        else None
    )
    text = (broken / "period.yaml").read_text(encoding="utf-8")
    (broken / "period.yaml").write_text(
        text.replace(
            "codebooks: ../../codebooks", f"codebooks: {PROJECT_ROOT / 'data' / 'codebooks'}"
        ),
        encoding="utf-8",
    )
    sample = broken / "sample.csv"
    lines = sample.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",netto,", ",zoekgeraakt,")
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert codebooks is None or codebooks.exists()
    assert (
        main(["companion", "datakwaliteit", "--data", str(broken), "--out", str(tmp_path / "o")])
        == 0
    )
    html = (tmp_path / "o" / "datakwaliteit.html").read_text(encoding="utf-8")
    assert "zoekgeraakt" in html and "problemen" in html
