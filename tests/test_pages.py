"""One Pandoc run makes the outline, the HTML page and the Typst source (resources/pages.lua).

The same document written by Pandoc's own writers, one run per page, is the reference: our
writer must give the same pages, plus the two changes the Typst writer cannot make (alt
text on every image, the caption of a figure as a Typst figure caption) and sticky intros.
"""

from __future__ import annotations

import json
import re

import pytest

from tevredenheidsrapport import render
from tevredenheidsrapport.config import RESOURCES

META = """---
tevreden:
  opdrachtgevers: true
tevreden-prefix:
  figure: "fig."
  table: "tabel"
---
"""

DOC = (
    META
    + "# Een hoofdstuk\n\n## Een *paragraaf* met [nadruk]{.x}\n\n"
    + "De figuur hieronder laat iets zien.\n\n"
    + ":::: {#fig-vraag-1 .rfigure}\n::: {.rcaption}\nDe eerste figuur\n:::\n\n"
    + '![Staafdiagram\\: 40\\% \\"ja\\"\\, pad C\\:\\\\x \\#set page\\(fill\\: red\\)]'
    + "(figures/een.svg){width=50%}\n\n::::\n\n"
    + ":::: {#fig-vraag-2 .rfigure}\n::: {.rcaption}\nDe tweede\n:::\n\n"
    + "![Tweede](figures/twee.svg){width=3in}\n\n::::\n\n"
    + "# Twee\n\nTekst voor de tabel.\n\n"
    + ":::: {#tbl-tabel-1 .rtable}\n::: {.rcaption}\nDe tabel\n:::\n\n"
    + "| A | B |\n|:--|--:|\n| x | 1 |\n\n::::\n\n"
    + "# Zonder nummer {.unnumbered}\n"
)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    work = tmp_path_factory.mktemp("pages")
    return work, render.pages(DOC, work, "Rapport – A & B <c>")


def _pandoc(work, *args: str) -> str:
    """A page written the plain way: the numbered AST through one of Pandoc's writers."""
    return render.run_pandoc(["-f", "json", *args], json.dumps(render.to_ast(DOC, work)), work)


def test_the_outline_lists_numbered_headings_figures_and_tables_in_order(made):
    _, pages = made
    assert [(f["type"], f.get("title") or f["id"], f["number"]) for f in pages.outline] == [
        ("heading", "Een hoofdstuk", "1"),
        ("heading", "Een paragraaf met nadruk", "1.1"),
        ("figure", "vraag-1", "1.1"),
        ("figure", "vraag-2", "1.2"),
        ("heading", "Twee", "2"),
        ("table", "tabel-1", "2.1"),
    ]
    assert [f["level"] for f in pages.outline if f["type"] == "heading"] == [1, 2, 1]


def test_the_html_page_is_what_pandocs_html_writer_makes(made):
    work, pages = made
    plain = _pandoc(
        work,
        "-t",
        "html5",
        "--standalone",
        "--wrap=none",
        "--template",
        str(RESOURCES / "report.html"),
        "--toc",
        "--toc-depth=2",
        "--metadata",
        "pagetitle=Rapport – A & B <c>",
    )
    # but for the headers of the table's cells (the next test)
    page = pages.html.replace(' scope="col"', "")
    page = re.sub(r'<th([^>]*) scope="row">(.*?)</th>', r"<td\1>\2</td>", page)
    assert page == plain
    assert "<title>Rapport – A &amp; B &lt;c&gt;</title>" in pages.html


def test_a_tables_first_column_holds_its_row_headers_in_the_html(made):
    _, pages = made
    table = re.search(r"<table.*?</table>", pages.html, re.S).group()
    head, body = table.split("<tbody>")
    assert re.findall(r"<t[hd]\b", head) == ["<th"] * len(re.findall(r"<t[hd]\b", head))
    assert head.count('scope="col"') == len(re.findall(r"<th\b", head)) > 0
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert rows and all(re.match(r'\s*<th [^>]*scope="row"', row) for row in rows)
    assert all(len(re.findall(r"<th\b", row)) == 1 for row in rows)


def test_every_image_in_the_typst_source_carries_its_alt_text_escaped(made):
    _, pages = made
    calls = re.findall(r"#box\(image\((.*)\)\)", pages.typst)
    assert calls == [
        '"figures/een.svg", width: 50%, alt: "Staafdiagram: 40% \\"ja\\", pad C:\\\\x '
        '#set page(fill: red)"',
        '"figures/twee.svg", width: 100%, alt: "Tweede"',  # only percentages are kept
    ]
    assert not re.search(r"^\s*#set page\(fill", pages.typst, re.M)


def test_a_figure_caption_is_the_caption_of_a_typst_figure(made):
    _, pages = made
    first = pages.typst.index("#figure(kind: image, caption: figure.caption(position: top)[")
    rest = pages.typst[first:]
    assert rest.index("fig. 1.1") < rest.index("])[") < rest.index('image("figures/een.svg"')
    # a table's caption goes through Pandoc's own table caption
    assert re.search(r"#table\(.*, caption: \[#strong\[tabel 2\.1 De tabel\]", rest, re.S)


def test_an_intro_right_before_a_figure_or_table_is_kept_with_it(made):
    _, pages = made
    for intro in ("De figuur hieronder laat iets zien.", "Tekst voor de tabel."):
        before = pages.typst[: pages.typst.index(intro)]
        assert before.rstrip().endswith("#block(sticky: true)["), intro
    assert pages.typst.count("#block(sticky: true)[") == 2


def test_without_images_the_typst_source_is_pandocs_own(tmp_path):
    text = META + "# Een\n\nAlleen tekst, *nadruk* en een lijst:\n\n- a\n- b\n"
    pages = render.pages(text, tmp_path, "T")
    ast = json.dumps(render.to_ast(text, tmp_path))
    args = ["-f", "json", "-t", "typst", "--template", str(RESOURCES / "report.typ")]
    assert pages.typst == render.run_pandoc(args, ast, tmp_path)


def test_only_the_pages_asked_for_are_written(tmp_path):
    only_html = render.pages(DOC, tmp_path, "T", ["html"])
    assert only_html.html and only_html.typst == ""
    outline_only = render.pages(DOC, tmp_path, "T", [])
    assert (outline_only.html, outline_only.typst) == ("", "")
    assert len(outline_only.outline) == 6


def test_a_document_without_numbered_parts_has_an_empty_outline(tmp_path):
    assert render.pages("Alleen een zin.\n", tmp_path, "T").outline == []
