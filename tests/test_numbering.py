"""The Lua filter that numbers chapters, figures and tables (shared with Quarto)."""

from __future__ import annotations

from tevredenheidsrapport import render


def doc(*chapters: tuple[str, int, int]) -> str:
    parts = []
    for title, figures, tables in chapters:
        parts.append(f"# {title}\n\n## Sub\n")
        for i in range(figures):
            parts.append(f":::: {{.rfigure #fig-{title}-{i}}}\n::: rcaption\nF{i}\n:::\n::::\n")
        for i in range(tables):
            parts.append(f":::: {{.rtable #tbl-{title}-{i}}}\n::: rcaption\nT{i}\n:::\n::::\n")
    return "\n".join(parts)


def test_numbers_follow_the_chapters_that_exist(tmp_path):
    ast = render.to_ast(doc(("a", 1, 1), ("b", 2, 0), ("c", 0, 1)), tmp_path)
    found = [(f["type"], f.get("id") or f["title"], f["number"]) for f in render.outline(ast)]
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
    html = render._pandoc(["-f", "json", "-t", "html5"], __import__("json").dumps(ast), tmp_path)
    assert "fig. 1.1" in html and "tabel 1.1" in html


def test_unnumbered_headings_are_skipped(tmp_path):
    ast = render.to_ast("# Voorwoord {.unnumbered}\n\n# Een\n\n# Twee\n", tmp_path)
    assert [f["number"] for f in render.outline(ast)] == ["1", "2"]
