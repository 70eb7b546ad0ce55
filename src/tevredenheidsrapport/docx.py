"""The Word document: Pandoc's docx writer with the report's reference document.

:func:`write_docx` takes the numbered Pandoc AST (as :func:`.render.to_ast` returns it, as
JSON) and returns the bytes of a ``.docx``. ``resources/reference.docx`` carries the styles
(made by ``scripts/make_reference_docx.py``); ``resources/docx.lua`` maps our classes onto
them and writes the table of contents; the title goes into the document properties only.
The same input gives the same bytes: the time Pandoc stamps into the zip and the document
properties is fixed through ``SOURCE_DATE_EPOCH``.

Figures are SVG. Pandoc embeds them as Word's SVG picture (the ``svgBlip`` extension, which
Word 2016 and later draw); the PNG fallback that other readers need (LibreOffice 7.4 shows an
empty frame without it) is added by Pandoc only when ``rsvg-convert`` is on the PATH.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pypandoc

from .config import RESOURCES
from .labels import CONTENTS_TITLE
from .md import printable

REFERENCE_DOCX = RESOURCES / "reference.docx"
DOCX_FILTER = RESOURCES / "docx.lua"
#: Pandoc's openxml template without the title block (the title is a document property).
DOCX_TEMPLATE = RESOURCES / "docx-template.openxml"
#: The date Pandoc writes into the document (zip entries, created/modified): a fixed one,
#: 1 January 1980, the earliest a zip can hold, so that the bytes depend on the input only.
SOURCE_DATE_EPOCH = "315532800"


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
    return proc.stdout
