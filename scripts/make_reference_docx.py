"""Write ``src/tevredenheidsrapport/resources/reference.docx``, the styles of the Word report.

Pandoc's docx writer takes the styles, page setup, footer, fonts and theme of a *reference
document*. This script makes ours from Pandoc's own default (``pandoc -o custom-reference.docx
--print-default-data-file reference.docx``) by editing its XML parts with the standard library
only: the report's font and colours (the tokens of :mod:`tevredenheidsrapport.theme`), A4
with the PDF's margins, Dutch (nl-NL), a page number in the footer (not on the cover), and the
custom paragraph styles our content targets with Pandoc's ``custom-style`` attribute (see
:data:`CUSTOM_STYLES`; ``resources/docx.lua`` maps the report's classes onto them).

The zip is deterministic (fixed order and timestamps), so the committed file only changes
when this script, the theme or Pandoc's default changes. Run it after changing any of those::

    .venv/bin/python scripts/make_reference_docx.py          # write the file
    .venv/bin/python scripts/make_reference_docx.py --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pypandoc

from tevredenheidsrapport import theme

OUT = Path(__file__).resolve().parents[1] / "src/tevredenheidsrapport/resources/reference.docx"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ET.register_namespace("w", W)
ET.register_namespace("r", R)

# ---- the look, from the theme and the PDF (report.typ) --------------------------------------
FONT = theme.FONT
ACCENT = theme.PROVIDER.lstrip("#").upper()  # headings, captions' numbers, the cover
INK = theme.TEXT.lstrip("#").upper()  # body text
MUTED = theme.MUTED_TEXT.lstrip("#").upper()  # source lines, notes
RULE = theme.GRID.lstrip("#").upper()  # table rules
BAND = theme.BOX_FILL.lstrip("#").upper()  # background of a suppressed figure's note
LANG = "nl-NL"
BODY_SIZE = 19  # half-points: 9.5 pt, as the PDF
SMALL_SIZE = 16  # 8 pt, the PDF's source lines and notes
#: A4 in twentieths of a point, with the PDF's margins (2.3 cm sides, 2.4 top, 2.6 bottom).
PAGE = {"w": 11906, "h": 16838, "left": 1304, "right": 1304, "top": 1361, "bottom": 1474}
TEXT_WIDTH = PAGE["w"] - PAGE["left"] - PAGE["right"]
EPOCH = (1980, 1, 1, 0, 0, 0)  # the zip timestamp of every part

#: Custom paragraph styles (name -> what uses it), for the sample body and the docs.
CUSTOM_STYLES = {
    "Cover Title": "cover: the report's title, in capitals",
    "Cover Provider": "cover: the provider's name",
    "Cover Meta": "cover: period, status, client, place and date",
    "Cover Status": "cover: the status line (draft or final), set lower on the page",
    "Summary Title": "summary page: its title, on a new page",
    "Summary": "summary page: a statement's introduction",
    "Summary Item": "summary page: an item of a statement (a ticked aspect)",
    "Summary Grade": "summary page: the mean grade",
    "Summary Caption": "summary page: the caption under a figure",
    "Disclaimer": "the disclaimer (docx.lua starts a page before it)",
    "Figure Caption": "numbered caption above a figure (div.rcaption in div.rfigure)",
    "Table Caption": "numbered caption above a table (div.rcaption in div.rtable)",
    "Figure": "the paragraph holding a figure's image",
    "Source": "source line under a figure (div.rsource)",
    "Note": "note under a table or figure (div.rnote)",
    "Suppressed": "note in place of a withheld figure or table (div.rsuppressed)",
}


def default_reference() -> dict[str, bytes]:
    """The parts of Pandoc's default reference.docx, in their order."""
    proc = subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        capture_output=True,
        check=True,
    )
    with zipfile.ZipFile(io.BytesIO(proc.stdout)) as z:
        return {name: z.read(name) for name in z.namelist()}


# ---- styles.xml -----------------------------------------------------------------------------
def _el(xml: str) -> ET.Element:
    return ET.fromstring(f'<w:x xmlns:w="{W}">{xml}</w:x>')[0]


def _fonts() -> str:
    return f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'


def _style(
    kind: str,
    sid: str,
    name: str,
    *,
    based_on: str | None = "Normal",
    next_: str | None = None,
    link: str | None = None,
    ppr: str = "",
    rpr: str = "",
    custom: bool = True,
    extra: str = "",
) -> str:
    parts = [f'<w:name w:val="{name}"/>']
    if based_on:
        parts.append(f'<w:basedOn w:val="{based_on}"/>')
    if next_:
        parts.append(f'<w:next w:val="{next_}"/>')
    if link:
        parts.append(f'<w:link w:val="{link}"/>')
    parts.append(extra or "<w:qFormat/>")
    if ppr:
        parts.append(f"<w:pPr>{ppr}</w:pPr>")
    if rpr:
        parts.append(f"<w:rPr>{rpr}</w:rPr>")
    flag = ' w:customStyle="1"' if custom else ""
    return f'<w:style w:type="{kind}"{flag} w:styleId="{sid}">{"".join(parts)}</w:style>'


def _para(sid, name, ppr="", rpr="", **kw) -> str:
    return _style("paragraph", sid, name, ppr=ppr, rpr=rpr, **kw)


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def _color(rgb: str) -> str:
    return f'<w:color w:val="{rgb}"/>'


def _spacing(before: int, after: int) -> str:
    return f'<w:spacing w:before="{before}" w:after="{after}"/>'


def _heading_rpr(level: int) -> str:
    size, colour, italic = {1: (34, ACCENT, ""), 2: (25, ACCENT, ""), 3: (21, INK, "<w:i/>")}[level]
    return f"{_fonts()}<w:b/><w:bCs/>{italic}{_color(colour)}{_size(size)}"


def _headings() -> list[str]:
    rule = f'<w:pBdr><w:bottom w:val="single" w:sz="10" w:space="6" w:color="{ACCENT}"/></w:pBdr>'
    ppr = {
        1: f"<w:keepNext/><w:keepLines/><w:pageBreakBefore/>{rule}{_spacing(240, 240)}",
        2: f"<w:keepNext/><w:keepLines/>{_spacing(320, 140)}",
        3: f"<w:keepNext/><w:keepLines/>{_spacing(240, 120)}",
    }
    out = []
    for level in (1, 2, 3):
        out.append(
            _para(
                f"Heading{level}",
                f"heading {level}",
                ppr=f'{ppr[level]}<w:outlineLvl w:val="{level - 1}"/>',
                rpr=_heading_rpr(level),
                next_="BodyText",
                link=f"Heading{level}Char",
                custom=False,
                extra='<w:uiPriority w:val="9"/><w:qFormat/>',
            )
        )
        out.append(
            _style(
                "character",
                f"Heading{level}Char",
                f"Heading {level} Char",
                based_on="DefaultParagraphFont",
                link=f"Heading{level}",
                rpr=_heading_rpr(level),
                extra='<w:uiPriority w:val="9"/>',
            )
        )
    return out


def _toc_styles() -> list[str]:
    tab = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'
    extra = '<w:uiPriority w:val="39"/><w:unhideWhenUsed/>'
    return [
        _para(
            "TOCHeading",
            "TOC Heading",
            ppr='<w:outlineLvl w:val="9"/>',
            based_on="Heading1",
            next_="BodyText",
            custom=False,
            extra=extra + "<w:qFormat/>",
        ),
        _para(
            "TOC1",
            "toc 1",
            ppr=f"{tab}{_spacing(120, 40)}",
            rpr="<w:b/><w:bCs/>",
            next_="Normal",
            custom=False,
            extra=extra,
        ),
        _para(
            "TOC2",
            "toc 2",
            ppr=f'{tab}{_spacing(0, 40)}<w:ind w:left="220"/>',
            next_="Normal",
            custom=False,
            extra=extra,
        ),
    ]


def _body_styles() -> list[str]:
    small = f"{_color(MUTED)}{_size(SMALL_SIZE)}"
    return [
        _para("BodyText", "Body Text", ppr=_spacing(0, 190), link="BodyTextChar", custom=False),
        _para(
            "Title",
            "Title",
            ppr=_spacing(0, 240),
            rpr=f"{_fonts()}<w:b/>{_color(ACCENT)}{_size(40)}",
            next_="BodyText",
            custom=False,
        ),
        _para(
            "Caption",
            "Caption",
            ppr=f"<w:keepNext/>{_spacing(280, 100)}",
            rpr="<w:b/><w:bCs/>",
            custom=False,
        ),
        _para("FigureCaption", "Figure Caption", based_on="Caption", next_="Figure"),
        _para("TableCaption", "Table Caption", based_on="Caption"),
        _para("Figure", "Figure", ppr=f"<w:keepNext/>{_spacing(0, 0)}", next_="Source"),
        _para("Source", "Source", ppr=_spacing(40, 240), rpr=small, next_="BodyText"),
        _para("Note", "Note", ppr=_spacing(60, 240), rpr=small, next_="BodyText"),
        _para(
            "Suppressed",
            "Suppressed",
            ppr=(
                f'<w:pBdr><w:left w:val="single" w:sz="24" w:space="8" w:color="{MUTED}"/></w:pBdr>'
                f'<w:shd w:val="clear" w:color="auto" w:fill="{BAND}"/>'
                f'{_spacing(240, 240)}<w:ind w:left="200" w:right="0"/>'
            ),
            rpr=_size(18),
            next_="BodyText",
        ),
        _para("Disclaimer", "Disclaimer", ppr=_spacing(0, 160), rpr=small),
        _para(
            "Footer",
            "footer",
            ppr='<w:jc w:val="right"/>',
            rpr=small,
            custom=False,
            extra='<w:uiPriority w:val="99"/><w:unhideWhenUsed/>',
        ),
        _style(
            "character",
            "CaptionNumber",
            "Caption Number",
            based_on="DefaultParagraphFont",
            rpr=_color(ACCENT),
        ),
        _style(
            "character",
            "Hyperlink",
            "Hyperlink",
            based_on="BodyTextChar",
            rpr=f'{_color(ACCENT)}<w:u w:val="single"/>',
            custom=False,
            extra='<w:uiPriority w:val="99"/><w:unhideWhenUsed/>',
        ),
    ]


def _cover_styles() -> list[str]:
    return [
        _para(
            "CoverTitle",
            "Cover Title",
            ppr=_spacing(1700, 120),
            rpr=f'<w:caps/>{_color(ACCENT)}<w:spacing w:val="24"/>{_size(24)}',
            next_="CoverProvider",
        ),
        _para(
            "CoverProvider",
            "Cover Provider",
            ppr=_spacing(0, 360),
            rpr=f"<w:b/><w:bCs/>{_color(ACCENT)}{_size(56)}",
            next_="CoverMeta",
        ),
        _para("CoverMeta", "Cover Meta", ppr=_spacing(0, 100), rpr=_size(22)),
        _para(
            "CoverStatus", "Cover Status", ppr=_spacing(5600, 100), rpr=f"<w:b/><w:bCs/>{_size(26)}"
        ),
        _para(
            "SummaryTitle",
            "Summary Title",
            ppr=f"<w:keepNext/><w:pageBreakBefore/>{_spacing(0, 240)}",
            rpr=f"<w:b/><w:bCs/>{_color(ACCENT)}{_size(32)}",
        ),
        _para("Summary", "Summary", ppr=f"<w:keepNext/>{_spacing(240, 60)}", rpr="<w:b/><w:bCs/>"),
        _para("SummaryItem", "Summary Item", ppr=_spacing(0, 40), next_="SummaryItem"),
        _para(
            "SummaryGrade",
            "Summary Grade",
            ppr=_spacing(240, 120),
            rpr=f"<w:b/><w:bCs/>{_color(ACCENT)}{_size(28)}",
        ),
        _para("SummaryCaption", "Summary Caption", ppr=_spacing(60, 240), rpr="<w:b/><w:bCs/>"),
    ]


def _table_style() -> str:
    line = f'w:val="single" w:sz="4" w:space="0" w:color="{RULE}"'
    return (
        '<w:style w:type="table" w:default="1" w:styleId="Table"><w:name w:val="Table"/>'
        '<w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>'
        f"<w:pPr>{_spacing(0, 0)}</w:pPr><w:rPr>{_size(17)}</w:rPr>"
        '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        f"<w:tblBorders><w:bottom {line}/><w:insideH {line}/></w:tblBorders>"
        '<w:tblCellMar><w:top w:w="60" w:type="dxa"/><w:left w:w="80" w:type="dxa"/>'
        '<w:bottom w:w="60" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr><w:tcPr><w:tcBorders>'
        f'<w:bottom w:val="single" w:sz="8" w:space="0" w:color="{INK}"/>'
        '</w:tcBorders><w:vAlign w:val="bottom"/></w:tcPr></w:tblStylePr></w:style>'
    )


def styles_xml(xml: bytes) -> bytes:
    """Pandoc's styles with our defaults and our styles replacing or joining its own."""
    root = ET.fromstring(xml)
    defaults = root.find(f"{{{W}}}docDefaults")
    defaults.clear()
    defaults.extend(
        [
            _el(
                f"<w:rPrDefault><w:rPr>{_fonts()}{_color(INK)}{_size(BODY_SIZE)}"
                f'<w:lang w:val="{LANG}" w:eastAsia="{LANG}" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
            ),
            _el(
                '<w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="264" w:lineRule="auto"/>'
                "</w:pPr></w:pPrDefault>"
            ),
        ]
    )
    new = [
        _el(s)
        for s in [*_headings(), *_toc_styles(), *_body_styles(), *_cover_styles(), _table_style()]
    ]
    ids = {s.get(f"{{{W}}}styleId") for s in new}
    for old in list(root.findall(f"{{{W}}}style")):
        if old.get(f"{{{W}}}styleId") in ids:
            root.remove(old)
    root.extend(new)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


# ---- the other parts ------------------------------------------------------------------------
FOOTER_REL = "rIdFooter1"
FOOTER = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="{W}" xmlns:r="{R}"><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>
"""


def _sample_body() -> str:
    """One paragraph per custom style, so a reader of the reference document sees them."""
    paras = [
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>1 Hoofdstuk</w:t></w:r></w:p>'
    ]
    for name in CUSTOM_STYLES:
        sid = name.replace(" ", "")
        paras.append(
            f'<w:p><w:pPr><w:pStyle w:val="{sid}"/></w:pPr><w:r><w:t xml:space="preserve">{name}</w:t></w:r></w:p>'
        )
    return "".join(paras)


def document_xml(xml: bytes) -> bytes:
    """A sample body and the page setup Pandoc copies: A4, margins, footer, no number on page 1."""
    text = xml.decode("utf-8")
    p = PAGE
    sect = (
        f'<w:sectPr><w:footerReference w:type="default" r:id="{FOOTER_REL}"/>'
        '<w:footnotePr><w:numRestart w:val="eachSect"/></w:footnotePr>'
        f'<w:pgSz w:w="{p["w"]}" w:h="{p["h"]}"/>'
        f'<w:pgMar w:top="{p["top"]}" w:right="{p["right"]}" w:bottom="{p["bottom"]}" '
        f'w:left="{p["left"]}" w:header="709" w:footer="709" w:gutter="0"/><w:titlePg/></w:sectPr>'
    )
    body = re.search(r"<w:body>.*</w:body>", text, flags=re.S)
    return (
        text[: body.start()] + f"<w:body>{_sample_body()}{sect}</w:body>" + text[body.end() :]
    ).encode()


def _replace(xml: bytes, old: str, new: str) -> bytes:
    text = xml.decode("utf-8")
    if old not in text:
        raise SystemExit(f"make_reference_docx: {old!r} not found; did Pandoc's default change?")
    return text.replace(old, new).encode("utf-8")


def edit(parts: dict[str, bytes]) -> dict[str, bytes]:
    out = dict(parts)
    out["word/styles.xml"] = styles_xml(parts["word/styles.xml"])
    out["word/document.xml"] = document_xml(parts["word/document.xml"])
    out["word/footer1.xml"] = FOOTER.encode("utf-8")
    rel = (
        f'<Relationship Type="{R}/footer" Id="{FOOTER_REL}" Target="footer1.xml" /></Relationships>'
    )
    out["word/_rels/document.xml.rels"] = _replace(
        parts["word/_rels/document.xml.rels"], "</Relationships>", rel
    )
    override = (
        '<Override PartName="/word/footer1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.footer+xml" /></Types>'
    )
    out["[Content_Types].xml"] = _replace(parts["[Content_Types].xml"], "</Types>", override)
    settings = _replace(
        parts["word/settings.xml"],
        '<w:themeFontLang w:val="en-US" />',
        f'<w:themeFontLang w:val="{LANG}" />',
    )
    settings = _replace(settings, '<w:decimalSymbol w:val="." />', '<w:decimalSymbol w:val="," />')
    out["word/settings.xml"] = _replace(
        settings, '<w:listSeparator w:val="," />', '<w:listSeparator w:val=";" />'
    )
    th = parts["word/theme/theme1.xml"].decode("utf-8")
    th = re.sub(
        r'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*"( panose="[^"]*")?',
        rf'\g<1>{FONT}"',
        th,
    )
    th = re.sub(r"(<a:accent1>\s*<a:srgbClr val=\")[0-9A-Fa-f]{6}", rf"\g<1>{ACCENT}", th)
    th = re.sub(r"(<a:hlink>\s*<a:srgbClr val=\")[0-9A-Fa-f]{6}", rf"\g<1>{ACCENT}", th)
    out["word/theme/theme1.xml"] = th.encode("utf-8")
    font = (
        f'<w:font w:name="{FONT}"><w:altName w:val="Verdana"/><w:charset w:val="00"/>'
        '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font></w:fonts>'
    )
    out["word/fontTable.xml"] = _replace(parts["word/fontTable.xml"], "</w:fonts>", font)
    return out


def write_zip(parts: dict[str, bytes]) -> bytes:
    """A deterministic zip: ``[Content_Types].xml`` first, fixed timestamps."""
    names = ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, parts[name], compresslevel=9)
    return buf.getvalue()


def build() -> bytes:
    return write_zip(edit(default_reference()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check", action="store_true", help="fail when the committed file is out of date"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    data = build()
    if args.check:
        if not args.out.exists() or args.out.read_bytes() != data:
            print(
                f"{args.out} is niet bijgewerkt: draai scripts/make_reference_docx.py",
                file=sys.stderr,
            )
            return 1
        return 0
    args.out.write_bytes(data)
    print(f"{args.out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
