"""Row headers in the tags of a Typst PDF (pdftags.py): tagged as PDF/UA-1 asks, and
nothing else of the file changed."""

from __future__ import annotations

import io

import pikepdf
import pytest
import typst

from tevredenheidsrapport.pdftags import tag_row_headers

TABLE = """#set document(title: "Toets")
#set text(lang: "nl")
#figure(caption: [Rapportcijfers], table(columns: 3,
  table.header([Dienst], [Ingevuld], [Cijfer]),
  [Werk], [10], [7,1],
  [Scholing], [8], [6,9],
  [Totaal], [18], [7,0]))
"""


def _compiled(tmp_path, source: str) -> bytes:
    path = tmp_path / "toets.typ"
    path.write_text(source, encoding="utf-8")
    return typst.compile(str(path), pdf_standards=["ua-1"])


def _kids(node) -> list:
    k = node.get("/K")
    return [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]


def _find(node, tag: str) -> list:
    out = []
    for kid in _kids(node):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            out += [kid] if kid.S == tag else _find(kid, tag)
    return out


def _table_attribute(cell, key):
    return next(a[key] for a in cell.A if a.get("/O") == "/Table" and key in a)


@pytest.fixture
def tagged(tmp_path):
    original = _compiled(tmp_path, TABLE)
    return original, tag_row_headers(original)


def test_the_first_cell_of_every_body_row_is_its_row_header(tagged):
    _, pdf = tagged
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root = doc.Root.StructTreeRoot
        ids = {str(k) for k in pikepdf.NameTree(root.IDTree).keys()}
        (table,) = _find(root, "/Table")
        rows = _find(_find(table, "/TBody")[0], "/TR")
        assert len(rows) == 3
        for row in rows:
            head, *cells = _kids(row)
            assert head.S == "/TH" and _table_attribute(head, "/Scope") == "/Row"
            assert str(head.ID) in ids
            for cell in cells:  # each data cell names its column's header, then its row's
                assert cell.S == "/TD"
                column, row_header = (str(h) for h in _table_attribute(cell, "/Headers"))
                assert column in ids and column.startswith("U")
                assert row_header == str(head.ID)
        # the header row is Typst's, as it was
        header = _kids(_find(table, "/THead")[0])[0]
        assert [_table_attribute(c, "/Scope") for c in _kids(header)] == ["/Column"] * 3


def test_only_the_tags_change_and_the_same_pdf_gives_the_same_bytes(tagged):
    original, pdf = tagged
    assert tag_row_headers(original) == pdf
    with pikepdf.open(io.BytesIO(original)) as a, pikepdf.open(io.BytesIO(pdf)) as b:
        assert [p.Contents.read_bytes() for p in a.pages] == [
            p.Contents.read_bytes() for p in b.pages
        ]
        assert a.Root.Metadata.read_bytes() == b.Root.Metadata.read_bytes()  # PDF/UA-1
        assert str(b.Root.Lang) == "nl" and b.Root.ViewerPreferences.DisplayDocTitle


def test_a_pdf_without_tables_is_left_as_it_is(tmp_path):
    plain = _compiled(tmp_path, '#set document(title: "Toets")\n#set text(lang: "nl")\nTekst.\n')
    assert tag_row_headers(plain) == plain
