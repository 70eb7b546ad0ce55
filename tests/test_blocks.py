"""Content blocks and their renderers, without Pandoc or Typst.

The report's methods return frozen blocks; these tests check the blocks themselves (what a
report contains, what the sidecar lists) and each renderer's form of them, directly.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from tevredenheidsrapport import blocks as b
from tevredenheidsrapport.drawing import FigureSink
from tevredenheidsrapport.renderers import DocxMarkdown, JupyterHtml, PandocMarkdown
from tevredenheidsrapport.report import Report
from tevredenheidsrapport.session import Session
from tevredenheidsrapport.survey import load_survey

FIG = b.Figure(
    id="arbeid-q1",
    title="Hoe tevreden bent u?",
    image="/w/figures/arbeid-q1.svg",
    alt="Staafdiagram: 80 % tevreden",
    source="Bron: Bureau, onderzoek 2025",
    n=12,
    n_benchmark=300,
    item="q1",
    data=pd.DataFrame({"x": [1]}),
)
TABLE = b.Table(
    "t",
    "Een tabel",
    pd.DataFrame([["Cliënten", "", ""], ["Totaal", "10", "7,5"]], columns=["", "n", "cijfer"]),
    "lrr",
    (20, 5, 5),
    ("group", "strong"),
    ("* minder dan 3 antwoorden",),
)


def test_blocks_are_frozen_and_join_flattens():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FIG.title = "anders"  # type: ignore[misc]
    joined = b.Blocks.join([b.Blocks((FIG,)), None, b.Paragraph("tekst"), b.Blocks(())])
    assert [type(x) for x in joined] == [b.Figure, b.Paragraph]
    assert len(joined + b.Paragraph("nog een")) == 3
    with pytest.raises(TypeError):
        b.Blocks.join(["geen blok"])


def test_json_round_trip_keeps_everything_but_the_figure_frame():
    summary = b.Summary(
        "7,5",
        "n=12",
        "cijfer",
        "medewerkers:",
        "uitleg",
        "best:",
        ("a", "b"),
        "Samenvatting",
        map=b.CoverFigure("kaart", "Herkomst", "/w/figures/kaart.svg", "kaart", "uit", 12),
    )
    original = b.Blocks((FIG, TABLE, summary, b.Suppressed("figure", "x", "X", "te weinig")))
    text = json.dumps(original.to_json())  # must be plain JSON
    back = b.Blocks.from_json(json.loads(text))
    assert back == original  # figure data and table frame are not compared
    assert back[0].data is None
    assert back[1].frame.values.tolist() == TABLE.frame.values.tolist()
    assert back[2].map.id == "kaart"


def test_entries_list_what_the_sidecar_needs_in_document_order():
    summary = b.Summary(
        "7,5",
        "n=12",
        "c",
        "s",
        "x",
        "b",
        (),
        "Samenvatting",
        map=b.CoverFigure("kaart", "Herkomst", "k.svg", "alt", "cap", 12),
        donut=b.CoverFigure("tevredenheid", "Tevreden", "d.svg", "alt", "cap", 10, "q9"),
    )
    found = b.entries([summary, FIG, TABLE, b.Suppressed("figure", "y", "Y", "reden", "q2")])
    assert [e["id"] for e in found] == ["kaart", "tevredenheid", "arbeid-q1", "t", "y"]
    assert found[0] == {"kind": "cover", "id": "kaart", "title": "Herkomst", "n": 12}
    assert found[2] == {
        "kind": "figure",
        "id": "arbeid-q1",
        "title": "Hoe tevreden bent u?",
        "n": 12,
        "n_benchmark": 300,
        "item": "q1",
    }
    assert found[4]["suppressed"] == "reden" and "n" not in found[4]


def test_pandoc_markdown_of_a_figure_escapes_data_and_relativises_the_image():
    md = PandocMarkdown(base="/w").render([FIG])
    assert md.startswith(":::: {#fig-arbeid-q1 .rfigure")
    assert 'data-n="12"' in md and 'data-item="q1"' in md
    assert "](figures/arbeid-q1.svg){width=100%}" in md
    assert "Hoe tevreden bent u\\?" in md  # escaped, shown literally
    assert "::: {.rsource" in md


def test_the_one_table_renderer_sets_widths_and_bold_rows():
    md = PandocMarkdown().render([TABLE])
    lines = md.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("|  | n"))
    assert lines[header + 1] == "|:" + "-" * 20 + "|" + "-" * 5 + ":|" + "-" * 5 + ":|"
    assert lines[header + 2].startswith("| **Cliënten** |")
    assert lines[header + 3] == "| **Totaal** | 10 | 7\\,5 |"
    assert "minder dan 3 antwoorden" in md and ".rnote" in md


def test_format_specific_blocks_get_one_raw_block_per_asked_format():
    cover = b.Cover(
        "Onderzoek", "Werk & Co", "meetperiode: 2025", "Definitief", "In opdracht", "Utrecht"
    )
    both = PandocMarkdown().render([cover])
    assert "```{=html}" in both and "```{=typst}" in both
    assert "Werk &amp; Co" in both and '#cover(title: "Onderzoek"' in both
    only_typst = PandocMarkdown(raw_formats=("typst",)).render([cover, b.Contents("Inhoud")])
    assert "```{=html}" not in only_typst and "#outline(title: [Inhoud]" in only_typst
    docx = DocxMarkdown().render([cover, b.Contents("Inhoud")])
    assert "```" not in docx
    assert '::: {custom-style="Cover Provider"}\nWerk \\& Co\n:::' in docx


def test_document_meta_carries_conditions_and_prefixes():
    meta = b.DocumentMeta(
        "Titel – X", "nl-NL", {"opdrachtgevers": True, "arbeid": False}, {"figure": "fig."}
    )
    md = PandocMarkdown().render([meta])
    assert md.startswith("---\n") and md.endswith("\n---")
    assert "tevreden:\n  opdrachtgevers: true\n  arbeid: false" in md
    assert 'tevreden-prefix:\n  figure: "fig\\\\."' in md


def test_jupyter_shows_html_with_the_figure_embedded(tmp_path):
    svg = tmp_path / "f.svg"
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    fig = dataclasses.replace(FIG, image=str(svg))
    out = JupyterHtml().render(
        [fig, TABLE, b.Suppressed("figure", "x", "Titel", "Te weinig antwoorden.")]
    )
    assert 'src="data:image/svg+xml;base64,' in out
    assert "<strong>Cliënten</strong>" in out and "<th>cijfer</th>" in out
    assert "<strong>Titel.</strong> Te weinig antwoorden." in out
    bundle = b.Blocks((fig,), JupyterHtml())._repr_mimebundle_()
    assert "text/html" in bundle and b.BLOCKS_MIME in bundle and "text/markdown" not in bundle


@pytest.fixture(scope="module")
def report(demo_2025, settings, tmp_path_factory):
    survey = load_survey(demo_2025, settings)
    work = tmp_path_factory.mktemp("blocks")
    session = Session(settings, survey, work, FigureSink(collect=True), PandocMarkdown(base=work))
    return Report(session, survey.provider_ids()[0])


def test_a_report_method_returns_the_same_blocks_every_time_and_records_nothing(report):
    first, second = report.client_sections(), report.client_sections()
    assert first == second and len(first) > 0
    figures = list(first.of(b.Figure))
    assert figures and all(f.data is not None and f.n >= report.min_answers for f in figures)
    # nothing accumulates: the sidecar entries are those of the blocks passed in
    assert len(b.entries(first)) == len(b.entries(second))
    assert all(isinstance(x, b.Block) for x in first)


def test_table_two_two_is_a_frame_of_display_strings(report):
    (table,) = report.table11()
    assert isinstance(table, b.Table) and table.id == "tabel11"
    assert list(table.frame.columns)[1:3] == ["Netto steekproef", "Ingevuld"]
    assert table.row_styles[0] == "group" and "strong" in table.row_styles
    totaal = table.frame[table.frame.iloc[:, 0] == "Totaal"].iloc[0]
    row = report.table[report.table["kind"] == "totaal"].iloc[0]
    assert totaal["Netto steekproef"] == str(row["netto"])


def test_figures_are_collected_by_the_session_sink_not_drawn(report):
    before = len(report.session.figures.pending)
    (flow,) = report.figure_invitation_flow()
    assert len(report.session.figures.pending) == before + 1
    assert Path(flow.image).name == "uitnodiging.svg" and not Path(flow.image).exists()


def test_a_summary_without_provinces_says_so_in_html_and_pdf_alike():
    from tevredenheidsrapport import labels

    summary = b.Summary("7,5", "n=12", "c", "s", "x", "b", (), labels.SUMMARY_LABEL)
    md = PandocMarkdown(base="/w").render([summary])
    html_part, typst_part = md.split("```{=typst}")
    for part in (html_part, typst_part):
        assert labels.SUMMARY_LABEL in part
        assert labels.SUMMARY_MAP_CAPTION in part and labels.SUMMARY_NO_MAP in part
