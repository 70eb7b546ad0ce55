"""Figures in the HTML as inline SVG with real text, and the one font they need.

Our SVGs keep their text as text (``svg.fonttype: none``, see :mod:`.theme`): it can be
searched, selected and read aloud, and Typst sets it in the PDF with the same DejaVu fonts.
An SVG shown through ``<img>`` cannot use a font of its page, so a reader without DejaVu
Sans would see the labels in another font, laid out for DejaVu's widths. So the HTML writer
puts every figure inline (:func:`inline_figures`), and the page carries one subset of
DejaVu Sans (and Bold, where a figure uses it) with exactly the characters its figures show,
as a WOFF font in a data URL: nothing is fetched, and the bytes depend only on the text.

Inline SVGs share the page's id space and style sheet, so every id of a figure gets the
figure's number as a prefix, and matplotlib's page-wide ``*{...}`` rule is dropped (its
stroke settings are in ``report.css``, scoped to the figures). An inline figure is an image
for assistive technology: ``role="img"`` and the alt text as ``aria-label``.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path
from types import MappingProxyType

from .renderers import checked_image
from .theme import FONT_DIR

#: The family the figures name (theme.FONT), and the font file of each weight they use.
FAMILY = "DejaVu Sans"
FILES = MappingProxyType({"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"})
#: Per weight, a subset of that file with every character a report is likely to show:
#: Latin with its accents, punctuation, and the arrows, triangles and check mark of the
#: figures (:data:`WEB_CHARACTERS`). A page's subset is cut from it in a third of the time it
#: takes from the whole font, with the same bytes; ``scripts/web_fonts.py`` makes them from
#: matplotlib's DejaVu, and a test checks that they are what it makes.
WEB_FONTS = MappingProxyType({"normal": "DejaVuSans-web.ttf", "bold": "DejaVuSans-Bold-web.ttf"})
WEB_FONT_DIR = Path(__file__).parent / "resources" / "fonts"
WEB_CHARACTERS = frozenset(
    [*range(0x20, 0x250), *range(0x2000, 0x2070)]
    + [0x20AC, 0x2191, 0x2193, 0x2212, 0x2264, 0x2265, 0x25B2, 0x25BC, 0x2713]
)

_IMG = re.compile(r"<img\b([^>]*)>")
_SRC = re.compile(r'\bsrc="([^"]*)"')
_SVG_DATA = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_ALT = re.compile(r'\balt="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')
_TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", re.S)
_PAGE_RULE = re.compile(r'<style type="text/css">\*\{[^}]*\}</style>\s*')
_HEAD_END = "</head>"


def _svg_element(svg: str, alt: str, index: int) -> str:
    """The SVG document ``svg`` as an element for the page: no XML prologue, ids made
    unique with the prefix ``f<index>-``, an image with ``alt`` as its accessible name."""
    start = svg.find("<svg")
    svg = _PAGE_RULE.sub("", svg[start:])
    prefix = f"f{index}-"
    ids = set(_ID.findall(svg))
    if ids:
        svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
        svg = re.sub(
            r"(url\(#|href=\"#)([^)\"]+)",
            lambda m: f"{m.group(1)}{prefix}{m.group(2)}" if m.group(2) in ids else m.group(0),
            svg,
        )
    label = html.escape(html.unescape(alt), quote=True)
    return svg.replace(
        "<svg ", f'<svg class="rchart" role="img" aria-label="{label}" focusable="false" ', 1
    )


def characters(svg_elements: str) -> dict[str, set[str]]:
    """Per font weight, every character the figures' ``<text>`` elements show."""
    used: dict[str, set[str]] = {weight: set() for weight in FILES}
    for attrs, body in _TEXT.findall(svg_elements):
        weight = "bold" if re.search(r"font-weight:\s*(bold|[6-9]00)", attrs) else "normal"
        used[weight] |= set(html.unescape(re.sub(r"<[^>]+>", "", body)))
    return used


def font_face(weight: str, chars: set[str]) -> str:
    """An ``@font-face`` rule with the DejaVu Sans subset for ``chars``: a WOFF file in a
    data URL, byte-stable (no timestamps). Cut from the weight's web font when that has
    every character (:data:`WEB_FONTS`), else from the whole font file."""
    from fontTools.ttLib import TTFont

    web = WEB_FONT_DIR / WEB_FONTS[weight]
    whole = not web.is_file() or any(ord(c) not in WEB_CHARACTERS for c in chars)
    font = TTFont(FONT_DIR / FILES[weight] if whole else web, recalcTimestamp=False, lazy=True)
    options = _subset_options()
    options.flavor = "woff"
    options.name_IDs = []  # the family is named by the rule, not by the file
    _subset(font, options, text="".join(sorted(chars)))
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer, reorderTables=True)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f"@font-face {{ font-family: '{FAMILY}'; font-weight: {weight}; font-style: normal;"
        f" src: url(data:font/woff;base64,{data}) format('woff'); }}"
    )


def web_font(weight: str) -> bytes:
    """The web font of ``weight`` (:data:`WEB_FONTS`) as ``scripts/web_fonts.py`` writes it:
    the whole font's outlines and metrics of :data:`WEB_CHARACTERS`, with its names (and so
    its copyright and licence) kept."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / FILES[weight], recalcTimestamp=False, lazy=True)
    options = _subset_options()
    options.name_IDs = ["*"]
    options.glyph_names = True
    _subset(font, options, unicodes=sorted(WEB_CHARACTERS))
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _subset_options():
    """What every subset keeps: outlines and metrics only. The layout tables are most of
    the subsetting time, and without kerning a label is at most a percent or two wider than
    matplotlib measured it."""
    from fontTools import subset

    options = subset.Options()
    options.notdef_outline = True
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF"]
    return options


def _subset(font, options, **populate) -> None:
    from fontTools import subset

    subsetter = subset.Subsetter(options)
    subsetter.populate(**populate)
    subsetter.subset(font)


def inline_figures(page: str, base: Path | None = None) -> str:
    """``page`` (Pandoc's HTML) with every SVG image put inline and the font subset its text
    needs in the head.

    An image is an SVG in a data URL (Pandoc's ``--embed-resources``) or, with ``base``, an
    SVG file named relative to ``base`` (the report's work folder): reading those files here
    spares Pandoc encoding every figure in base64 only for this function to decode it. A
    file outside ``base`` is not read and its image is left as it is."""
    figures: list[str] = []

    def inline(match: re.Match[str]) -> str:
        src = _SRC.search(match.group(1))
        svg = _svg_source(src.group(1), base) if src else None
        if svg is None:
            return match.group(0)
        alt = _ALT.search(match.group(1))
        figures.append(_svg_element(svg, alt.group(1) if alt else "", len(figures) + 1))
        return figures[-1]

    page = _IMG.sub(inline, page)
    if not figures:
        return page
    rules = [font_face(w, chars) for w, chars in characters("".join(figures)).items() if chars]
    if rules and _HEAD_END in page:
        style = '<style id="figure-fonts">\n' + "\n".join(rules) + "\n</style>\n"
        page = page.replace(_HEAD_END, style + _HEAD_END, 1)
    return page


def _svg_source(src: str, base: Path | None) -> str | None:
    """The SVG document an image's ``src`` names: decoded from a data URL, or read from a
    figure file under ``base`` (:func:`.renderers.checked_image`); None for anything else."""
    data = _SVG_DATA.fullmatch(src)
    if data:
        return base64.b64decode(data.group(1)).decode("utf-8")
    if base is None or ":" in src:
        return None
    try:  # the renderer's own rule for a report's image: a figure file inside the folder
        path = checked_image(base / html.unescape(src), base)
    except ValueError:
        return None
    return path.read_text(encoding="utf-8") if path.is_file() else None
