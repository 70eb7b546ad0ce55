"""The look of every figure, in one place: colours, font, sizes and byte-stable SVG output.

:func:`style` applies our rcParams (seaborn's ``white`` style and ``paper`` context as the
base, then our overrides) for the duration of a ``with`` block and restores matplotlib's
afterwards, as seaborn's ``axes_style`` does; nothing is set globally. Every plot function
is :func:`styled`, and :func:`save_svg` saves inside the style; make your own Axes for the
plot functions inside ``with theme.style():`` so those get the look too.

Determinism: the font is pinned to DejaVu Sans (ships with matplotlib) instead of seaborn's
"Arial if installed" fallback list, so the output does not depend on the machine's fonts;
ids in the SVG come from a fixed hash salt, and no date is written. Text stays text
(``svg.fonttype: none``): searchable, selectable and read aloud, set by Typst in the PDF with
the same DejaVu fonts, and in the HTML inline with a subset of them (:mod:`.webfigures`).
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import ParamSpec, TypeVar

import matplotlib
import seaborn as sns
from matplotlib import cbook, font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.colors import LinearSegmentedColormap, to_hex, to_rgb
from matplotlib.figure import Figure

P = ParamSpec("P")
R = TypeVar("R")

#: The fonts of every output (DejaVu, shipped with matplotlib): the figures' text, the
#: WOFF subsets of the HTML and the fonts Typst may use for the PDF and the PNG fallbacks.
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

# --- colours -------------------------------------------------------------------------------
#: The provider's series: a strong blue.
PROVIDER = "#1F5AA6"
#: The benchmark "Alle deelnemers": a mid grey that still prints on a laser printer.
BENCHMARK = "#A3A3A3"
#: Further non-benchmark series, should a figure ever show more than one (e.g. a prior year).
EXTRA_SERIES = ("#7FA6D6", "#C3D6EE")
#: "geen mening", "weet niet": outside the ordered scale, so outside the palette.
NEUTRAL = "#C9C9C9"
TEXT = "#222222"
MUTED_TEXT = "#5F5F5F"
SPINE = "#8C8C8C"
GRID = "#E3E3E3"
BOX_FILL = "#E9F0F9"

#: The documents' colour tokens: the one source of every colour in ``report.css``,
#: ``report.typ``, ``cover.typ`` and the overview page. The templates name them as Pandoc
#: variables ``$colour-<token>$`` (see :func:`pandoc_variables`), the overview as CSS custom
#: properties (:func:`css_variables`). The document ``accent`` is not the figures' PROVIDER
#: blue (#1F5AA6): the two are a shade apart, and every HTML and PDF carries the bytes of both.
COLOURS: Mapping[str, str] = MappingProxyType(
    {
        "ink": "#1d2733",  # body text
        "muted": "#5b6875",  # source lines, notes, the contents' title
        "accent": "#1f5fa8",  # headings, figure and table numbers, links, the cover
        "accent-deep": "#163f6e",  # far end of the HTML cover's gradient
        "rule": "#d6dde4",  # table rules, borders
        "band": "#f3f6f9",  # contents bar, summary tiles, notes
        "paper": "#fff",  # page background, text on the HTML cover
        # the overview page only
        "stripe": "#fafbfc",  # every other table row
        "hover": "#eef4fb",  # the row under the pointer
        "faint": "#9aa5b1",  # sort arrows
        "done": "#e3f9e5",  # status badges: background, then text
        "done-ink": "#1f6b2a",
        "stale": "#fff3c4",
        "stale-ink": "#8a6d00",
        "failed": "#ffe3e3",
        "failed-ink": "#a61b1b",
        "missing": "#e4e7eb",
        "missing-ink": "#3e4c59",
    }
)

#: Ordered scales, very positive -> very negative, per number of ordered options.
#: Blue-to-red (after ColorBrewer RdBu) stays readable for colour-blind readers; the middle of
#: an odd scale ("een beetje") is a pale sand so it is not mistaken for the neutral grey.
#: Chosen for greyscale too: up to five options, every two colours of a scale differ in
#: luminance by a contrast of at least 1,4:1 (neighbours in a bar by more), so "tevreden"
#: and "ontevreden" never print as the same grey; and each takes a value label (white or
#: dark, see :func:`text_color_on`) with a contrast of at least 4,5:1.
SCALE_PALETTES: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {
        1: ("#1B5590",),
        2: ("#1B5590", "#E9815C"),
        3: ("#1B5590", "#F2EBD3", "#E9815C"),
        4: ("#0B3C73", "#5E9BD1", "#F7BFA0", "#B2182B"),
        5: ("#0B3C73", "#5E9BD1", "#F2EBD3", "#F4A582", "#B2182B"),
        6: ("#0B3C73", "#4F93C7", "#A8CFE6", "#F7BFA0", "#E9815C", "#B2182B"),
        7: ("#0B3C73", "#4F93C7", "#A8CFE6", "#F2EBD3", "#F7BFA0", "#E9815C", "#B2182B"),
    }
)

# --- sizes (inches and points) for A4 print -------------------------------------------------
#: Text width of an A4 page with 2.5 cm margins: 16 cm.
FIG_WIDTH = 6.3
FONT = "DejaVu Sans"
FONT_SIZE = 8.5
TICK_SIZE = 8.0
VALUE_SIZE = 7.5
SMALL_SIZE = 7.0

#: Fixed salt for the ids matplotlib writes into an SVG (clip paths, glyphs).
SVG_HASHSALT = "tevredenheidsrapport"
_SVG_RC = MappingProxyType({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "none"})


def _rc() -> dict[str, object]:
    """Seaborn's white/paper base with our overrides; built once at import."""
    rc: dict[str, object] = {**sns.axes_style("white"), **sns.plotting_context("paper")}
    rc.update(
        {
            "font.family": ["sans-serif"],
            "font.sans-serif": [FONT],
            "font.size": FONT_SIZE,
            "axes.titlesize": FONT_SIZE + 0.5,
            "axes.labelsize": FONT_SIZE,
            "xtick.labelsize": TICK_SIZE,
            "ytick.labelsize": TICK_SIZE,
            "legend.fontsize": TICK_SIZE,
            "legend.title_fontsize": TICK_SIZE,
            "legend.frameon": False,
            "legend.handlelength": 1.2,
            "legend.handleheight": 0.9,
            "legend.handletextpad": 0.5,
            "legend.columnspacing": 1.6,
            "legend.borderaxespad": 0.3,
            "text.color": TEXT,
            "axes.labelcolor": TEXT,
            "axes.edgecolor": SPINE,
            "axes.linewidth": 0.6,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": False,
            "axes.axisbelow": True,
            "axes.prop_cycle": matplotlib.cycler(color=[PROVIDER, BENCHMARK, *EXTRA_SERIES]),
            "grid.color": GRID,
            "grid.linewidth": 0.6,
            "xtick.color": SPINE,
            "ytick.color": SPINE,
            "xtick.labelcolor": TEXT,
            "ytick.labelcolor": TEXT,
            "xtick.major.size": 3.0,
            "ytick.major.size": 3.0,
            "xtick.major.width": 0.6,
            "ytick.major.width": 0.6,
            "xtick.bottom": True,
            "ytick.left": True,
            "patch.linewidth": 0.0,
            "figure.figsize": (FIG_WIDTH, 3.0),
            "figure.dpi": 100,
            "figure.facecolor": "white",
            "figure.constrained_layout.use": False,
            "figure.autolayout": False,
            "savefig.dpi": 200,
            "savefig.bbox": "standard",
            "savefig.facecolor": "white",
            "pdf.fonttype": 42,
            # Labels come from data (provider names, answer texts): a "$" must stay a "$".
            "text.parse_math": False,
            **_SVG_RC,
        }
    )
    return rc


#: The complete rcParams of our look.
RC: Mapping[str, object] = MappingProxyType(_rc())
#: The same, validated once by matplotlib, so that :func:`style` can set them cheaply.
_VALIDATED: Mapping[str, object] = MappingProxyType(dict(matplotlib.RcParams(RC)))


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Our look for the figures drawn and saved inside the block, as seaborn's
    ``axes_style`` scopes a style: matplotlib's rcParams are restored afterwards.

    Cheap (the values are validated once, at import), so every drawing can be wrapped.
    """
    params = matplotlib.rcParams
    saved = {key: params._get(key) for key in _VALIDATED}
    for key, value in _VALIDATED.items():
        params._set(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            params._set(key, value)


def styled(plot: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run a plot function inside :func:`style` (for callers outside one)."""

    @functools.wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with style():
            return plot(*args, **kwargs)

    return wrapper


def new_figure(height: float, width: float = FIG_WIDTH) -> Figure:
    """A figure on an Agg canvas, outside pyplot's registry (nothing to leak or close)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def new_axes(height: float, width: float, rect: tuple[float, float, float, float]) -> Axes:
    """A new figure ``width`` by ``height`` inches with one Axes at ``rect`` (figure
    fractions): what ``new_figure(height, width).add_axes(rect)`` gives, made faster.

    Building a figure with its Axes (spines, axes, ticks, title texts) takes about 4 ms,
    and a report draws some forty; unpickling an empty one (:func:`_blank_figure`) and
    giving it its size takes about 1.5 ms and draws the same bytes (the tests compare
    them). The copy has the settings of :func:`style`, where the plot functions draw, even
    when called outside it."""
    fig = pickle.loads(_blank_figure())  # noqa: S301 - our own bytes (_blank_figure)
    FigureCanvasAgg(fig)
    fig.set_size_inches(width, height)
    (ax,) = fig.axes
    ax.set_position(rect)
    return ax


@functools.lru_cache(maxsize=1)
def _blank_figure() -> bytes:
    """An empty figure with one Axes in our style, pickled: a function of the style's
    constants only, so the same bytes for every report (memoised; see :func:`new_axes`)."""
    with style():
        ax = new_figure(1.0, 1.0).add_axes((0.0, 0.0, 1.0, 1.0))
    return pickle.dumps(ax.figure, protocol=pickle.HIGHEST_PROTOCOL)


def scale_colors(n: int) -> list[str]:
    """``n`` colours for an ordered scale, very positive first."""
    if n <= 0:
        return []
    if n in SCALE_PALETTES:
        return list(SCALE_PALETTES[n])
    # Longer scales are rare; interpolate the 7-step palette.
    cmap = LinearSegmentedColormap.from_list("scale", SCALE_PALETTES[7])
    return [to_hex(cmap(i / (n - 1))) for i in range(n)]


def luminance(color: str) -> float:
    """Relative luminance of ``color`` (WCAG 2.1)."""
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_color_on(color: str) -> str:
    """White or dark text, whichever has the higher contrast on ``color``."""
    return "white" if contrast(color, "#ffffff") > contrast(color, TEXT) else TEXT


def save_svg(fig: Figure | Axes, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as a byte-deterministic SVG to ``path`` atomically and close it.

    The same drawing gives the same bytes: no date, fixed id salt. The file
    is written to a temporary name in the same directory and moved into place, so a reader
    never sees half a file. Returns the path.
    """
    if isinstance(fig, Axes):
        fig = fig.figure
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh, style():
            _SvgCanvas(fig)
            fig.savefig(fh, format="svg", metadata={"Date": None})
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        close(fig)
    return path


class _SvgRenderer(RendererSVG):
    """matplotlib's SVG renderer that looks up what it needs of a font once.

    - The size of a plain text is a pure function of the text and its fonts
      (:func:`_text_extent`), measured once per process: matplotlib measures every text of
      every figure anew (its cache is per renderer, so per figure), while a report repeats
      the same tick labels, legends and options in figure after figure.
    - The font files of a font (matplotlib's search, which reads seven rcParams on every
      call) are looked up once per figure (whose rcParams do not change while it is
      drawn): its texts share a few fonts.
    - The line metrics of a font (ascent, descent, line gap), which matplotlib reads from
      the font's tables for every text it draws, come from :func:`_height_metrics`, through
      the hook matplotlib's text layout asks a renderer for (``_get_font_height_metrics``).

    The two lookups are private methods of matplotlib (pinned in pyproject.toml): should a
    later matplotlib drop them, its own measures are used, as before."""

    def __init__(self, *args, dpi: float = 72.0, **kwargs):
        super().__init__(*args, **kwargs)
        self._dpi = float(dpi)
        self._files: dict[tuple, tuple[str, ...] | None] = {}

    def _font_files(self, prop) -> tuple[str, ...] | None:
        """The font files matplotlib sets ``prop`` in (None: ask matplotlib itself)."""
        key = (
            tuple(prop.get_family()),
            prop.get_style(),
            prop.get_variant(),
            prop.get_weight(),
            prop.get_stretch(),
            prop.get_size(),
            prop.get_file(),
        )
        if key not in self._files:
            find = getattr(font_manager.fontManager, "_find_fonts_by_props", None)
            self._files[key] = None if find is None else tuple(str(f) for f in find(prop))
        return self._files[key]

    def get_text_width_height_descent(self, s, prop, ismath):
        files = None if ismath else self._font_files(prop)
        if files is None:
            return super().get_text_width_height_descent(s, prop, ismath)
        return _text_extent(s, files, float(prop.get_size_in_points()))

    def _get_font_height_metrics(self, prop):
        files = self._font_files(prop)
        if files is None:
            return None, None, None  # matplotlib measures the font itself
        return _height_metrics(files, prop.get_size_in_points(), self._dpi)


@functools.lru_cache(maxsize=256)
def _height_metrics(
    files: tuple[str, ...], size: float, dpi: float
) -> tuple[float | None, float | None, float | None]:
    """(ascent, descent, line gap) in pixels of the first of the font ``files`` at ``size``
    points and ``dpi``, exactly as matplotlib's text layout reads them (Text._get_layout):
    from the OS/2 table, else from hhea; (None, None, None) when the font has neither."""
    font = font_manager.get_font(files)
    for table_name, gap_key, ascent_key, descent_key in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * size * dpi / 72  # matplotlib's order of operations
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


@functools.lru_cache(maxsize=8192)
def _text_extent(text: str, files: tuple[str, ...], size: float) -> tuple[float, float, float]:
    """(width, height, descent) in points of ``text`` set in the fonts ``files`` (the first
    with the glyph wins) at ``size`` points, as matplotlib's SVG renderer measures it."""
    from matplotlib.ft2font import LoadFlags
    from matplotlib.textpath import TextToPath

    font = font_manager.get_font(files)
    font.set_size(TextToPath.FONT_SCALE, TextToPath.DPI)
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)
    width, height = font.get_width_height()
    scale = size / TextToPath.FONT_SCALE
    return width / 64.0 * scale, height / 64.0 * scale, font.get_descent() / 64.0 * scale


class _SvgCanvas(FigureCanvasSVG):
    """The SVG canvas of :func:`save_svg`: matplotlib's ``print_svg``, with
    :class:`_SvgRenderer` as its renderer. ``savefig`` passes every canvas outside
    matplotlib the options of the raster formats too (``dpi``, ``facecolor``...), which
    matplotlib's own SVG canvas is spared and ignores; so does this one."""

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_raster):
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(
                self.figure,
                width,
                height,
                dpi,
                _SvgRenderer(
                    width * 72,
                    height * 72,
                    fh,
                    image_dpi=dpi,
                    metadata=metadata,
                    dpi=self.figure.dpi,
                ),
                bbox_inches_restore=bbox_inches_restore,
            )
            self.figure.draw(renderer)
            renderer.finalize()


def close(fig: Figure) -> None:
    """Release ``fig``; also drops it from pyplot if a caller made it there."""
    import matplotlib.pyplot as plt

    plt.close(fig)


def pandoc_variables() -> list[str]:
    """Pandoc arguments that give the templates every colour token as ``$colour-<token>$``."""
    return [f"--variable=colour-{name}:{value}" for name, value in COLOURS.items()]


def css_variables() -> str:
    """A CSS ``:root`` rule that defines every colour token as ``--<token>``."""
    return ":root { " + " ".join(f"--{k}: {v};" for k, v in COLOURS.items()) + " }"
