"""The Word writer: Pandoc's docx writer with our reference document and docx.lua."""

from __future__ import annotations

import importlib.util
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tevredenheidsrapport import render
from tevredenheidsrapport.docx import REFERENCE_DOCX, write_docx

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_reference_docx.py"
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
}
W = f"{{{NS['w']}}}"
TITLE = "Tevredenheidsonderzoek – Werkpad Noord"
ALT = "Staafdiagram: Werkpad Noord 7,8; alle deelnemers 7,6."
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">'
    '<rect width="400" height="200" fill="#1F5AA6"/></svg>'
)
# the conventions of the report's markdown, as its renderer writes them
MARKDOWN = f"""---
pagetitle: "{TITLE}"
lang: nl-NL
tevreden-prefix:
  figure: "fig."
  table: "tabel"
---

::: {{custom-style="Cover Title"}}
Tevredenheidsonderzoek
:::

::: {{custom-style="Cover Provider"}}
Werkpad Noord & Zn
:::

::: disclaimer
Dit rapport is opgesteld door Peilwerk.
:::

# Inleiding

## Achtergrond

Tekst over het onderzoek.

### Een detail

:::: {{.rfigure #fig-cijfer}}
::: rcaption
Gemiddeld rapportcijfer
:::

![{ALT}](figures/cijfer.svg){{width=100%}}

::: rsource
Bron: Peilwerk, tevredenheidsonderzoek 2024–2025
:::
::::

# Onderzoek

:::: {{.rtable #tbl-diensten}}
::: rcaption
De diensten
:::

| Dienst | Benaming |
|:--|:--|
| dienst 1 | Scholing en opleiding |
| dienst 2 | Jobcoaching |

::: rnote
Dienst 12 wordt al enkele jaren niet meer aangeboden.
:::
::::

::: rsuppressed
**Klachten.** Deze figuur ontbreekt: er zijn minder dan 3 antwoorden.
:::
"""


def _write(markdown: str, work_dir: Path) -> bytes:
    ast = render.to_ast(markdown, work_dir)
    return write_docx(json.dumps(ast), work_dir, TITLE)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    work = tmp_path_factory.mktemp("docx")
    (work / "figures").mkdir()
    (work / "figures" / "cijfer.svg").write_text(SVG)
    return work, _write(MARKDOWN, work)


def part(docx: bytes, name: str) -> ET.Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return ET.fromstring(z.read(name))


def paragraphs(doc: ET.Element) -> list[tuple[str, str]]:
    """(style id, text) of every paragraph of the body, in order."""
    out = []
    for p in doc.iter(f"{W}p"):
        style = p.find("w:pPr/w:pStyle", NS)
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))
        out.append((style.get(f"{W}val") if style is not None else "", text))
    return out


def styled(doc: ET.Element, style: str) -> list[str]:
    return [text for s, text in paragraphs(doc) if s == style]


def test_a_word_document_with_our_styles_and_page(small):
    _, docx = small
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        assert z.testzip() is None
        assert {"[Content_Types].xml", "word/document.xml", "word/styles.xml"} <= set(z.namelist())
    names = {n.get(f"{W}val") for n in part(docx, "word/styles.xml").iter(f"{W}name")}
    for name in (
        "Cover Title",
        "Cover Provider",
        "Cover Meta",
        "Summary Title",
        "Summary",
        "Figure Caption",
        "Table Caption",
        "Source",
        "Note",
        "Suppressed",
    ):
        assert name in names
    size = part(docx, "word/document.xml").find(".//w:sectPr/w:pgSz", NS)
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")  # A4
    lang = part(docx, "word/styles.xml").find(".//w:rPrDefault//w:lang", NS)
    assert lang.get(f"{W}val") == "nl-NL"


def test_title_is_a_property_and_no_metadata_leaks(small):
    _, docx = small
    core = part(docx, "docProps/core.xml")
    assert core.find("dc:title", NS).text == TITLE
    assert list(part(docx, "docProps/custom.xml")) == []  # no pagetitle, no tevreden-* keys
    # the title is not a paragraph of its own: the document starts with the cover
    first = paragraphs(part(docx, "word/document.xml"))[0]
    assert first == ("CoverTitle", "Tevredenheidsonderzoek")


def test_headings_are_numbered(small):
    _, docx = small
    doc = part(docx, "word/document.xml")
    assert styled(doc, "Heading1") == ["1 Inleiding", "2 Onderzoek"]
    assert styled(doc, "Heading2") == ["1.1 Achtergrond"]
    assert styled(doc, "Heading3") == ["1.1.1 Een detail"]


def test_contents_comes_after_the_cover_and_lists_two_levels(small):
    _, docx = small
    doc = part(docx, "word/document.xml")
    body = list(doc.find("w:body", NS))
    toc = next(i for i, el in enumerate(body) if el.tag == f"{W}sdt")
    first_heading = next(
        i
        for i, el in enumerate(body)
        if ("Heading1", "1 Inleiding") in paragraphs(el)
        if el.tag == f"{W}p"
    )
    disclaimer = next(
        i
        for i, el in enumerate(body)
        if paragraphs(el)[:1] == [("Disclaimer", "Dit rapport is opgesteld door Peilwerk.")]
    )
    assert disclaimer < toc < first_heading
    entries = paragraphs(body[toc])
    assert entries[0] == ("TOCHeading", "Inhoudsopgave")
    assert entries[1:] == [
        ("TOC1", "1 Inleiding"),
        ("TOC2", "1.1 Achtergrond"),
        ("TOC1", "2 Onderzoek"),
    ]
    instr = "".join(t.text for t in body[toc].iter(f"{W}instrText"))
    assert 'TOC \\o "1-2"' in instr


def test_captions_sources_and_notes_have_their_styles(small):
    _, docx = small
    doc = part(docx, "word/document.xml")
    assert styled(doc, "FigureCaption") == ["fig. 1.1 Gemiddeld rapportcijfer"]
    assert styled(doc, "TableCaption") == ["tabel 2.1 De diensten"]
    assert styled(doc, "Source") == ["Bron: Peilwerk, tevredenheidsonderzoek 2024–2025"]
    assert styled(doc, "Note") == ["Dienst 12 wordt al enkele jaren niet meer aangeboden."]
    assert styled(doc, "Suppressed") == [
        "Klachten. Deze figuur ontbreekt: er zijn minder dan 3 antwoorden."
    ]
    numbers = [
        "".join(t.text for t in r.iter(f"{W}t"))
        for r in doc.iter(f"{W}r")
        if r.find("w:rPr/w:rStyle[@w:val='CaptionNumber']", NS) is not None
    ]
    assert numbers == ["fig. 1.1", "tabel 2.1"]


def test_figure_keeps_its_image_and_alt_text(small):
    _, docx = small
    doc = part(docx, "word/document.xml")
    figure = [p for p in doc.iter(f"{W}p") if paragraphs(p)[0][0] == "Figure"]
    assert len(figure) == 1
    assert [d.get("descr") for d in figure[0].iter(f"{{{NS['wp']}}}docPr")] == [ALT]
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        assert any(n.startswith("word/media/") and n.endswith(".svg") for n in z.namelist())


def _relationships(docx: bytes) -> dict[str, str]:
    rels = part(docx, "word/_rels/document.xml.rels")
    return {r.get("Id"): r.get("Target") for r in rels}


def test_figure_has_a_png_beside_its_svg(small):
    """Readers without SVG support (older Word, LibreOffice, previews) draw the PNG; Word
    2016 and later draw the SVG, as in a document Word itself saved."""
    _, docx = small
    doc = part(docx, "word/document.xml")
    a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
    (blip,) = doc.iter(f"{a}blip")
    (svg_blip,) = blip.iter("{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip")
    targets = _relationships(docx)
    png, svg = targets[blip.get(r)], targets[svg_blip.get(r)]
    assert png.endswith(".png") and svg.endswith(".svg")
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        data = z.read(f"word/{png}")
        types = z.read("[Content_Types].xml").decode()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 2 * height  # the SVG's 400 × 200, at 192 ppi
    assert width == round(400 * 0.75 * 192 / 72)  # 400 px of the SVG are 300 pt
    assert 'Extension="png" ContentType="image/png"' in types


def test_a_document_without_figures_is_left_as_pandoc_wrote_it():
    from tevredenheidsrapport.docx import add_png_fallbacks

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert add_png_fallbacks(out.getvalue()) == out.getvalue()


def test_table_is_a_word_table_with_a_header_row(small):
    _, docx = small
    tables = list(part(docx, "word/document.xml").iter(f"{W}tbl"))
    assert len(tables) == 1
    rows = tables[0].findall("w:tr", NS)
    assert len(rows) == 3
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None  # repeated on every page
    assert [paragraphs(tc)[0][1] for tc in rows[1].findall("w:tc", NS)] == [
        "dienst 1",
        "Scholing en opleiding",
    ]


def test_same_input_same_bytes(small):
    work, docx = small
    assert _write(MARKDOWN, work) == docx


def test_reference_docx_is_made_by_its_script():
    """The committed reference document is what scripts/make_reference_docx.py makes now
    (from Pandoc's default and the theme's colours): rerun the script when this fails."""
    spec = importlib.util.spec_from_file_location("make_reference_docx", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.build() == REFERENCE_DOCX.read_bytes()


# ---- a demo report ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_report(demo_2025, settings, tmp_path_factory):
    """A demo report's numbered AST (as the renderer saves its markdown) and its docx."""
    work = tmp_path_factory.mktemp("work")
    out = tmp_path_factory.mktemp("out")
    render.render_report(
        "taalkade-oost", demo_2025, out, settings=settings, work_root=work, formats=("html",)
    )
    (md,) = work.rglob("report.md")
    ast = render.to_ast(md.read_text(encoding="utf-8"), md.parent)
    return ast, write_docx(json.dumps(ast), md.parent, TITLE)


def _plain(inlines) -> str:
    """Plain text of Pandoc inlines, as Pandoc writes an image's alt text into the docx."""
    out = []
    for el in inlines:
        if el["t"] == "Str":
            out.append(el["c"])
        elif el["t"] in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif el["t"] in ("Emph", "Strong"):
            out.append(_plain(el["c"]))
    return "".join(out)


def _walk(blocks):
    for b in blocks:
        yield b
        if b["t"] == "Div":
            yield from _walk(b["c"][1])


def test_demo_report_tables_are_word_tables(demo_report):
    ast, docx = demo_report
    tables = [b for b in _walk(ast["blocks"]) if b["t"] == "Table"]
    assert tables
    assert len(list(part(docx, "word/document.xml").iter(f"{W}tbl"))) == len(tables)


def test_demo_report_figures_have_caption_and_alt_text(demo_report):
    ast, docx = demo_report
    figures = [b for b in _walk(ast["blocks"]) if b["t"] == "Div" and "rfigure" in b["c"][0][1]]
    alts = []
    for f in figures:
        (image,) = [i for b in f["c"][1] if b["t"] == "Para" for i in b["c"] if i["t"] == "Image"]
        alts.append(_plain(image["c"][1]))
    doc = part(docx, "word/document.xml")
    captions = styled(doc, "FigureCaption")
    assert len(captions) == len(figures) > 0
    assert all(c.startswith("fig. ") for c in captions)
    # every picture of the document has its alt text; the figures' are theirs, in order
    descr = [d.get("descr") for d in doc.iter(f"{{{NS['wp']}}}docPr")]
    assert all(descr) and all(alts)
    found = iter(descr)
    assert all(alt in found for alt in alts)


def test_demo_report_figures_all_have_a_png(demo_report):
    _, docx = demo_report
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    svgs = {n[: -len(".svg")] for n in media if n.endswith(".svg")}
    assert len(svgs) > 20
    assert {n[: -len(".png")] for n in media if n.endswith(".png")} == svgs
