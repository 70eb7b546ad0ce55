"""Row headers in the tags of a PDF that Typst made: what its Python binding cannot tag.

Typst tags a table's header row as TH cells (``/Scope /Column``, each with an ID that the
data cells name in ``/Headers``), but a row header, the first cell of a row, only with
``pdf.header-cell``, behind a feature flag (``a11y-extras``) that the ``typst`` package
(0.15) cannot turn on. A screen reader then reads "67" without "Toeleiden naar werk".

Every table of our reports names its rows in its first column (a service, a group, a
total: :class:`.blocks.Table`), so :func:`tag_row_headers` turns the first cell of every
body row of every table into what PDF/UA-1 asks for a row header: a TH with
``/Scope /Row`` and an ID (in the structure tree's ID tree), which the other cells of its
row name in their ``/Headers`` after their column's header. Only the structure tree
changes: the page content, its marked-content ids and the XMP (PDF/UA-1) stay as Typst
wrote them. The file is written again (with object streams) and a deterministic ID, so
the same PDF gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pikepdf


def _kids(element) -> list:
    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _elements(element, tag: str) -> Iterator:
    """Structure elements of type ``tag`` below ``element``, in document order."""
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            if kid.S == tag:
                yield kid
            else:
                yield from _elements(kid, tag)


def _table_attributes(cell):
    """The cell's attribute dictionary of owner /Table (made when it has none)."""
    attributes = cell.get("/A")
    if attributes is None:
        attributes = pikepdf.Array()
        cell.A = attributes
    elif isinstance(attributes, pikepdf.Dictionary):
        attributes = pikepdf.Array([attributes])
        cell.A = attributes
    for entry in attributes:
        if isinstance(entry, pikepdf.Dictionary) and entry.get("/O") == "/Table":
            return entry
    entry = pikepdf.Dictionary(O=pikepdf.Name.Table)
    attributes.append(entry)
    return entry


def tag_row_headers(pdf: bytes) -> bytes:
    """``pdf`` with the first cell of every body row of every table tagged as its row
    header (see the module); a PDF without tables is returned as it is."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root.get("/StructTreeRoot")
        tables = list(_elements(root, "/Table")) if root is not None else []
        if not tables:
            return pdf
        if "/IDTree" not in root:
            root.IDTree = pikepdf.NameTree.new(doc).obj
        tree = pikepdf.NameTree(root.IDTree)
        for t, table in enumerate(tables):
            for body in _elements(table, "/TBody"):
                for r, row in enumerate(_elements(body, "/TR")):
                    cells = [c for c in _kids(row) if isinstance(c, pikepdf.Dictionary)]
                    if not cells or cells[0].get("/S") != "/TD":
                        continue
                    head, name = cells[0], f"R{t}y{r}"
                    while name in tree:
                        name += "r"
                    head.S = pikepdf.Name.TH
                    attributes = _table_attributes(head)
                    attributes.Scope = pikepdf.Name.Row
                    head.ID = pikepdf.String(name)
                    tree[name] = head
                    for cell in cells[1:]:
                        attributes = _table_attributes(cell)
                        headers = attributes.get("/Headers")
                        if headers is None:
                            headers = attributes.Headers = pikepdf.Array()
                        headers.append(pikepdf.String(name))
        out = io.BytesIO()
        # object streams: a third smaller than Typst's own file, and quicker to write
        doc.save(
            out,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            fix_metadata_version=False,  # the XMP as Typst wrote it, not rewritten by pikepdf
        )
        return out.getvalue()
