"""The template as a Jupyter notebook: what a reader sees after "run all".

The notebook from ``tevreden notebook`` is executed in a real kernel, for two providers one
after the other in the same folder: one with nbclient (as Jupyter runs it), one with
papermill's own CLI and ``-p`` parameters. Both must show the report's text rendered, inline
values filled in, conditional content applied and figures embedded.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from tevredenheidsrapport import cli
from tevredenheidsrapport.jupyter import TEXT_TAG, to_jupyter
from tevredenheidsrapport.qmd import read_qmd
from tevredenheidsrapport.survey import load_survey

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

# what Jupyter would otherwise show literally: Pandoc and Quarto markup of the template
RAW_MARKUP = ("{python}", ":::", "{=html}", "{=typst}", "{.content-", "when-meta", "{width", "{#")
FIGURE = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def _html(nb) -> str:
    """Every HTML output of the executed notebook, in order."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{out.ename}: {out.evalue}"
            if out.output_type == "stream":
                pytest.fail(f"a cell printed: {out.text[:300]}")
            parts.append(out.get("data", {}).get("text/html", ""))
    return " ".join("\n".join(parts).split())  # whitespace as a reader sees it


def _chapter(html: str, title: str) -> str | None:
    m = re.search(rf'<span class="secnum">(\d+)</span> {title}</h2>', html)
    return m.group(1) if m else None


@pytest.fixture(scope="module")
def two_providers(demo_2025, settings):
    """A provider with an opdrachtgevers chapter and one without, with their names."""
    from tevredenheidsrapport.facts import ProviderFacts

    survey = load_survey(demo_2025, settings)
    with_chapter = without = None
    for p in survey.provider_ids():
        chapter = ProviderFacts(survey, p).opdrachtgevers_chapter
        if chapter and with_chapter is None:
            with_chapter = p
        if not chapter and without is None:
            without = p
    assert with_chapter and without
    return [
        (p, survey.dataset.provider_name(p), c) for p, c in ((with_chapter, True), (without, False))
    ]


def test_notebook_shows_the_report_for_two_providers_in_a_row(tmp_path, demo_2025, two_providers):
    notebook = tmp_path / "rapport.ipynb"
    assert cli.main(["notebook", "--out", str(notebook)]) == 0
    (a, name_a, chapter_a), (b, name_b, chapter_b) = two_providers

    # provider A as Jupyter runs it: the parameters cell edited, then "run all"
    nb = nbformat.read(notebook, as_version=4)
    params = nb.cells[0]
    assert "parameters" in params.metadata["tags"]
    params.source = params.source.replace('"werkpad-noord"', repr(a)).replace(
        '"data/demo/2025"', repr(str(demo_2025))
    )
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    nbformat.write(nb, tmp_path / "a.ipynb")

    # provider B with papermill's own CLI, in the same folder
    subprocess.run(
        [sys.executable, "-m", "papermill", str(notebook), str(tmp_path / "b.ipynb")]
        + ["-p", "provider", b, "-p", "data", str(demo_2025), "--cwd", str(tmp_path)]
        + ["--no-progress-bar"],
        check=True,
        capture_output=True,
    )

    shown = {}
    for path, name, chapter in (
        (tmp_path / "a.ipynb", name_a, chapter_a),
        (tmp_path / "b.ipynb", name_b, chapter_b),
    ):
        html = _html(nbformat.read(path, as_version=4))
        for markup in RAW_MARKUP:
            assert markup not in html, f"{path.name} shows {markup!r}"
        assert f"rapport beschrijft de uitkomsten van dat onderzoek voor {name}" in html
        # conditional content: chapter 4 only with opdrachtgevers, and the numbers follow
        assert (_chapter(html, "Opdrachtgevers") == "4") is chapter
        assert _chapter(html, "Contactgegevens") == ("5" if chapter else "4")
        assert _chapter(html, "Inleiding") == "1"
        assert "zie paragraaf 1.3." in html
        figures = FIGURE.findall(html)
        assert len(figures) >= 10, "figures are embedded in the cell outputs"
        assert not re.search(r'<img src="(?!data:)', html), "no figure is a link to a file"
        shown[path.name] = figures

    # each report drew its own figures in its own work folder
    assert shown["a.ipynb"][:3] != shown["b.ipynb"][:3]
    for p in (a, b):
        assert any((tmp_path / "_work" / "handmatig" / "2025" / p).rglob("*.svg"))


def test_conversion_balances_divs_that_span_cells():
    text = (
        "---\ntitle: t\n---\n\n"
        "```{python}\n#| tags: [parameters]\nprovider = 'x'\n```\n\n"
        "```{python}\nr = open_report(data, provider)\n```\n\n"
        "# Een\n\n"
        '::: {.content-visible when-meta="tevreden.opdrachtgevers"}\n# Twee\n\nTekst.\n\n'
        "```{python}\n#| output: asis\nr.opdrachtgever_sections()\n```\n:::\n\n"
        "```{python}\nr.record()\n```\n\n# Drie\n"
    )
    nb = to_jupyter(read_qmd(text))
    texts = [c.source for c in nb.cells if TEXT_TAG in c.metadata.get("tags", [])]
    assert len(texts) == 2  # the lone closing fence leaves no cell of its own
    assert texts[0].count(":::") == 2  # opened in the cell, closed at its end
    assert texts[1].startswith('#| echo: false\ntext("""\n# Drie')
    guarded = next(c.source for c in nb.cells if "opdrachtgever_sections" in c.source)
    assert "if text.when('tevreden.opdrachtgevers') else None" in guarded
    after = next(c.source for c in nb.cells if "r.record()" in c.source)
    assert after == "r.record()"  # outside the div: runs unconditionally
    setup = next(c.source for c in nb.cells if "TextCells" in c.source)
    outline = (
        '[[1, "een", []], [1, "twee", [["when-meta", "tevreden.opdrachtgevers"]]], [1, "drie", []]]'
    )
    assert outline in setup
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells[1:])
