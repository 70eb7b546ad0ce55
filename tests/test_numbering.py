"""The Lua filter (shared with Quarto): conditional content, numbering, chapter references."""

from __future__ import annotations

import json

import pytest

from tevredenheidsrapport import render

META = """---
tevreden:
  opdrachtgevers: true
  weinig: false
  nested:
    deep: true
tevreden-prefix:
  figure: "fig."
  table: "tabel"
---
"""


def doc(*chapters: tuple[str, int, int], meta: str = META) -> str:
    parts = [meta]
    for title, figures, tables in chapters:
        parts.append(f"# {title}\n\n## Sub\n")
        for i in range(figures):
            parts.append(f":::: {{.rfigure #fig-{title}-{i}}}\n::: rcaption\nF{i}\n:::\n::::\n")
        for i in range(tables):
            parts.append(f":::: {{.rtable #tbl-{title}-{i}}}\n::: rcaption\nT{i}\n:::\n::::\n")
    return "\n".join(parts)


def test_numbers_follow_the_chapters_that_exist(tmp_path):
    outline = render.pages(doc(("a", 1, 1), ("b", 2, 0), ("c", 0, 1)), tmp_path, "T").outline
    found = [(f["type"], f.get("id") or f["title"], f["number"]) for f in outline]
    assert found == [
        ("heading", "a", "1"),
        ("heading", "Sub", "1.1"),
        ("figure", "a-0", "1.1"),
        ("table", "a-0", "1.1"),
        ("heading", "b", "2"),
        ("heading", "Sub", "2.1"),
        ("figure", "b-0", "2.1"),
        ("figure", "b-1", "2.2"),
        ("heading", "c", "3"),
        ("heading", "Sub", "3.1"),
        ("table", "c-0", "3.1"),
    ]


def test_caption_gets_prefix_and_number(tmp_path):
    ast = render.to_ast(doc(("a", 1, 1)), tmp_path)
    html = render.run_pandoc(["-f", "json", "-t", "html5"], json.dumps(ast), tmp_path)
    assert "fig. 1.1" in html and "tabel 1.1" in html


def test_prefixes_come_from_the_metadata_only(tmp_path):
    meta = META.replace('figure: "fig."', 'figure: "Figuur"')
    ast = render.to_ast(doc(("a", 1, 0), meta=meta), tmp_path)
    html = render.run_pandoc(["-f", "json", "-t", "html5"], json.dumps(ast), tmp_path)
    assert "Figuur 1.1" in html and "fig. 1.1" not in html
    no_prefix = META.split("tevreden-prefix")[0] + "---\n"
    with pytest.raises(RuntimeError, match="tevreden-prefix.figure"):
        render.to_ast(doc(("a", 1, 0), meta=no_prefix), tmp_path)


def _text(tmp_path, body: str) -> str:
    ast = render.to_ast(META + body, tmp_path)
    return render.run_pandoc(["-f", "json", "-t", "plain"], json.dumps(ast), tmp_path)


def test_content_visible_follows_quartos_when_meta_and_unless_meta(tmp_path):
    body = (
        '::: {.content-visible when-meta="tevreden.opdrachtgevers"}\nMET\n:::\n\n'
        '::: {.content-visible when-meta="tevreden.weinig"}\nWEINIG\n:::\n\n'
        '::: {.content-hidden when-meta="tevreden.weinig"}\nNIET-VERBORGEN\n:::\n\n'
        '::: {.content-visible unless-meta="tevreden.weinig"}\nTENZIJ\n:::\n\n'
        'Zin [met deel]{.content-visible when-meta="tevreden.nested.deep"} en '
        '[zonder]{.content-visible when-meta="tevreden.weinig"} einde.\n'
    )
    text = _text(tmp_path, body)
    assert "MET" in text and "WEINIG" not in text
    assert "NIET-VERBORGEN" in text and "TENZIJ" in text
    assert "met deel" in text and "zonder" not in text


def test_an_unknown_condition_is_an_error_not_an_omission(tmp_path):
    with pytest.raises(RuntimeError, match="unknown metadata key 'tevreden.typo'"):
        _text(tmp_path, '::: {.content-visible when-meta="tevreden.typo"}\nX\n:::\n')
    with pytest.raises(RuntimeError, match="resolved by Quarto"):
        _text(tmp_path, '::: {.content-visible when-format="html"}\nX\n:::\n')


def test_chapter_references_take_the_number_of_their_heading(tmp_path):
    body = (
        '# Een\n\nZie hoofdstuk [9]{.chapter-ref target="drie"} en '
        'paragraaf [9.9]{.chapter-ref target="sub"}.\n\n'
        '::: {.content-visible when-meta="tevreden.weinig"}\n# Twee\n:::\n\n'
        "# Drie\n\n## Sub\n"
    )
    text = _text(tmp_path, body)
    assert "Zie hoofdstuk 2 en paragraaf 2.1." in " ".join(text.split())
    with pytest.raises(RuntimeError, match="unknown heading 'nergens'"):
        _text(tmp_path, '# Een\n\n[1]{.chapter-ref target="nergens"}\n')


def test_unnumbered_headings_are_skipped(tmp_path):
    found = render.pages("# Voorwoord {.unnumbered}\n\n# Een\n\n# Twee\n", tmp_path, "T").outline
    assert [f["number"] for f in found] == ["1", "2"]
