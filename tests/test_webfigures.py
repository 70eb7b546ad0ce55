"""Figures inline in the HTML, with their text as text and the font it needs (webfigures)."""

from __future__ import annotations

import base64
import io
import re

from fontTools.ttLib import TTFont

from tevredenheidsrapport import figures, theme, webfigures


def _svg(tmp_path, name: str, title: str) -> str:
    import pandas as pd

    data = pd.DataFrame(
        {
            "label": ["Één", "Één"],
            "group": ["Werkpad Noord", "Alle deelnemers"],
            "mean": [7.5, 7.7],
            "n": [12, 300],
        }
    )
    path = theme.save_svg(figures.plot_means(data), tmp_path / f"{name}.svg")
    text = path.read_text(encoding="utf-8")
    return text.replace("</svg>", f'<text style="font-weight: bold">{title}</text></svg>')


def _page(*svgs_and_alts: tuple[str, str]) -> str:
    imgs = "".join(
        f'<img role="img" aria-label="{alt}" '
        f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}" alt="{alt}">'
        for svg, alt in svgs_and_alts
    )
    return f"<html><head><title>t</title></head><body>{imgs}<img src=x.png alt=y></body></html>"


def _fonts(page: str) -> dict[str, TTFont]:
    rules = re.findall(r"font-weight: (\w+);[^}]*base64,([A-Za-z0-9+/=]+)", page)
    return {w: TTFont(io.BytesIO(base64.b64decode(data))) for w, data in rules}


def test_figures_become_inline_images_with_unique_ids_and_their_alt_text(tmp_path):
    a, b = _svg(tmp_path, "a", "Kop"), _svg(tmp_path, "b", "Kop")
    page = webfigures.inline_figures(_page((a, "Staafdiagram &amp; meer"), (b, "Tweede")))
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert len(svgs) == 2 and "<img src=x.png alt=y>" in page  # other images stay as they are
    assert 'role="img" aria-label="Staafdiagram &amp; meer"' in svgs[0]
    assert 'aria-label="Tweede"' in svgs[1]
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids))  # the same figure twice: still no id twice
    for ref in re.findall(r'(?:url\(#|href="#)([^)"]+)', page):
        assert ref in ids  # every reference points at its own figure's element
    assert "*{stroke-linejoin" not in page  # matplotlib's page-wide rule is gone
    assert "<?xml" not in page and "data:image/svg+xml" not in page


def test_the_page_carries_a_subset_font_with_exactly_the_characters_shown(tmp_path):
    page = webfigures.inline_figures(_page((_svg(tmp_path, "a", "Kop ▲"), "x")))
    fonts = _fonts(page)
    assert set(fonts) == {"normal", "bold"}
    normal = set(chr(c) for c in fonts["normal"].getBestCmap())
    assert set("ÉénWerkpadNoord(n=12)Alledeelnemers7,5") <= normal
    assert "K" not in normal  # only in the bold title
    assert {"K", "o", "p", "▲"} <= set(chr(c) for c in fonts["bold"].getBestCmap())
    again = webfigures.inline_figures(_page((_svg(tmp_path, "a", "Kop ▲"), "x")))
    assert again == page  # byte-stable: no timestamp in the font


def test_a_page_without_figures_is_left_alone():
    page = "<html><head></head><body><p>tekst</p></body></html>"
    assert webfigures.inline_figures(page) == page


def test_figure_files_of_the_work_folder_are_read_and_nothing_outside_it(tmp_path):
    work = tmp_path / "werk"
    (work / "figures").mkdir(parents=True)
    (work / "figures" / "a.svg").write_text(_svg(tmp_path, "a", "Kop"), encoding="utf-8")
    (tmp_path / "buiten.svg").write_text(_svg(tmp_path, "b", "Geheim"), encoding="utf-8")
    page = (
        '<html><head></head><body><img src="figures/a.svg" alt="Eerste">'
        '<img src="../buiten.svg" alt="Buiten"><img src="figures/mist.svg" alt="Weg"></body></html>'
    )
    out = webfigures.inline_figures(page, work)
    assert len(re.findall(r"<svg\b", out)) == 1 and 'aria-label="Eerste"' in out
    assert '<img src="../buiten.svg" alt="Buiten">' in out and "Geheim" not in out
    assert '<img src="figures/mist.svg" alt="Weg">' in out
    assert webfigures.inline_figures(page) == page  # without a folder no file is read


# --- the web fonts --------------------------------------------------------------------------------
def test_the_shipped_web_fonts_are_what_the_script_makes_with_names_and_licence():
    for weight, name in webfigures.WEB_FONTS.items():
        shipped = (webfigures.WEB_FONT_DIR / name).read_bytes()
        assert shipped == webfigures.web_font(weight), (
            f"{name} is out of date: run scripts/web_fonts.py"
        )
        font = TTFont(io.BytesIO(shipped))
        assert set(font.getBestCmap()) == set(webfigures.WEB_CHARACTERS) & set(
            TTFont(theme.FONT_DIR / webfigures.FILES[weight]).getBestCmap()
        )
        assert font["name"].getDebugName(13)  # the licence travels with the file


def test_a_page_font_cut_from_the_web_font_is_the_one_cut_from_the_whole_font(
    monkeypatch, tmp_path
):
    samples = [
        set("Heel tevreden: 13% Alle deelnemers (n=35) ✓ ▲ ▼ ↑ ↓"),
        set("Ünïcödé Ærø ß ñ € ≤ ≥ − – — “x” … 0123456789,"),
        set("Привет"),  # not in the web font: cut from the whole font
    ]
    from_web = [webfigures.font_face(w, c) for w in webfigures.WEB_FONTS for c in samples]
    monkeypatch.setattr(webfigures, "WEB_FONT_DIR", tmp_path)  # no web fonts: the whole font
    assert from_web == [webfigures.font_face(w, c) for w in webfigures.WEB_FONTS for c in samples]
