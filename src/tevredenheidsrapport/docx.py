"""The Word document: Pandoc's docx writer with the report's reference document.

:func:`write_docx` takes the numbered Pandoc AST (as :func:`.render.to_ast` returns it, as
JSON) and returns the bytes of a ``.docx``. ``resources/reference.docx`` carries the styles
(made by ``scripts/make_reference_docx.py``); ``resources/docx.lua`` maps our classes onto
them and writes the table of contents; the title goes into the document properties only.
The same input gives the same bytes: the time Pandoc stamps into the zip and the document
properties is fixed through ``SOURCE_DATE_EPOCH``.

Figures are SVG. Pandoc embeds them as Word's SVG picture (the ``svgBlip`` extension, which
Word 2016 and later draw, with its text still text). The PNG that every other reader needs
(older Word, LibreOffice, previews) Pandoc adds only when ``rsvg-convert`` is on the PATH;
:func:`add_png_fallbacks` adds it instead, rasterised by Typst with the fonts of the PDF, so a
figure is never an empty frame.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

import pypandoc

from .config import RESOURCES
from .labels import CONTENTS_TITLE
from .md import printable
from .theme import FONT_DIR

REFERENCE_DOCX = RESOURCES / "reference.docx"
DOCX_FILTER = RESOURCES / "docx.lua"
#: Pandoc's openxml template without the title block (the title is a document property).
DOCX_TEMPLATE = RESOURCES / "docx-template.openxml"
#: The date Pandoc writes into the document (zip entries, created/modified): a fixed one,
#: 1 January 1980, the earliest a zip can hold, so that the bytes depend on the input only.
SOURCE_DATE_EPOCH = "315532800"
#: Resolution of the PNG fallbacks: sharp on screen and in print at the figure's width.
FALLBACK_PPI = 192
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
# The picture Pandoc writes for an SVG without a fallback: an empty blip holding an svgBlip.
_SVG_ONLY_BLIP = re.compile(r'<a:blip>(<a:extLst>(?:(?!</a:blip>).)*?r:embed="(rId\d+)")', re.S)
_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*>")


def _pandoc_args(work_dir: Path, title: str) -> list[str]:
    """Pandoc's arguments for the Word document (the AST comes on standard input).

    The title holds the provider's name: one line without hidden characters, so that it stays
    one metadata value (Pandoc reads it as a plain string, never as markup)."""
    title = " ".join(printable(title).split())
    return [
        "-f",
        "json",
        "-t",
        "docx",
        "--reference-doc",
        str(REFERENCE_DOCX),
        "--template",
        str(DOCX_TEMPLATE),
        "--lua-filter",
        str(DOCX_FILTER),
        "--metadata",
        f"title={title}",
        "--metadata",
        f"toc-title={CONTENTS_TITLE}",
        "--resource-path",
        str(work_dir),
        "-o",
        "-",
    ]


def write_docx(ast_json: str, work_dir: Path, title: str) -> bytes:
    """The report as a Word document; ``title`` goes into its properties (not on a page).

    ``ast_json`` is the numbered document (:func:`.render.to_ast`) as JSON; figure paths in
    it are relative to ``work_dir``. Raises RuntimeError with Pandoc's message.
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    proc = subprocess.run(
        [pypandoc.get_pandoc_path(), *_pandoc_args(work_dir, title)],
        input=ast_json.encode("utf-8"),
        capture_output=True,
        cwd=work_dir,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pandoc -t docx: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return add_png_fallbacks(proc.stdout)


def _attr(tag: str, name: str) -> str:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found.group(1) if found else ""


def rasterise(svgs: list[bytes]) -> list[bytes]:
    """Each SVG as a PNG on white, in one Typst run (the fonts are those of the PDF)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="tevreden-png-") as tmp:
        root = Path(tmp)
        for i, svg in enumerate(svgs):
            (root / f"{i}.svg").write_bytes(svg)
        pages = "\n#pagebreak()\n".join(f'#image("{i}.svg")' for i in range(len(svgs)))
        (root / "png.typ").write_text(
            "#set page(width: auto, height: auto, margin: 0pt, fill: white)\n" + pages,
            encoding="utf-8",
        )
        try:
            out = typst.compile(
                str(root / "png.typ"),
                root=str(root),
                format="png",
                ppi=FALLBACK_PPI,
                font_paths=[str(FONT_DIR)],
                ignore_system_fonts=True,
            )
        except Exception as exc:  # typst raises its own error type with the compiler's message
            raise RuntimeError(f"typst (png): {exc}") from exc
    return out if isinstance(out, list) else [out]


def add_png_fallbacks(docx: bytes) -> bytes:
    """``docx`` with a PNG beside every SVG-only picture, as Word itself saves one.

    The picture's blip embeds the PNG and its ``svgBlip`` keeps the SVG; the zip keeps its
    order and its fixed dates, so the same input still gives the same bytes."""
    src = zipfile.ZipFile(BytesIO(docx))
    doc = src.read("word/document.xml").decode("utf-8")
    svg_ids = list(dict.fromkeys(m.group(2) for m in _SVG_ONLY_BLIP.finditer(doc)))
    if not svg_ids:
        return docx
    rels = src.read("word/_rels/document.xml.rels").decode("utf-8")
    targets = {_attr(t, "Id"): _attr(t, "Target") for t in _RELATIONSHIP.findall(rels)}
    pngs = rasterise([src.read(f"word/{targets[rid]}") for rid in svg_ids])
    png_of = {rid: f"{rid}png" for rid in svg_ids}
    new_parts = {
        f"word/{Path(targets[rid]).with_suffix('.png').as_posix()}": png
        for rid, png in zip(svg_ids, pngs, strict=True)
    }
    doc = _SVG_ONLY_BLIP.sub(lambda m: f'<a:blip r:embed="{png_of[m.group(2)]}">{m.group(1)}', doc)
    links = "".join(
        f'<Relationship Type="{IMAGE_REL}" Id="{png_of[rid]}" '
        f'Target="{Path(targets[rid]).with_suffix(".png").as_posix()}" />'
        for rid in svg_ids
    )
    rels = rels.replace("</Relationships>", links + "</Relationships>")
    types = src.read("[Content_Types].xml").decode("utf-8")
    if 'Extension="png"' not in types:
        types = types.replace(
            "<Default ", '<Default Extension="png" ContentType="image/png" /><Default ', 1
        )
    changed = {
        "word/document.xml": doc,
        "word/_rels/document.xml.rels": rels,
        "[Content_Types].xml": types,
    }
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = changed.get(info.filename)
            dst.writestr(info, data.encode("utf-8") if data is not None else src.read(info))
            if info.filename.endswith(".svg") and info.filename.startswith("word/media/"):
                png_name = info.filename[: -len(".svg")] + ".png"
                if png_name in new_parts:
                    png_info = zipfile.ZipInfo(png_name, date_time=info.date_time)
                    png_info.compress_type = zipfile.ZIP_STORED
                    dst.writestr(png_info, new_parts.pop(png_name))
    return out.getvalue()
