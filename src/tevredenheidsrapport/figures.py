"""Figures of the report: the provider next to the benchmark of all providers, with n.

Every plot function has the same contract, after seaborn's: ``plot_x(data, *, ..., ax=None)
-> Axes``. It checks its input frame up front (a ``ValueError`` lists the missing columns),
draws into ``ax`` (or into a new figure 6.3 in wide whose height fits the content) and returns
the Axes; it never saves. Save with :func:`tevredenheidsrapport.theme.save_svg`.

The frames come from ``metrics``: one row per bar (or segment), the group's display name in
``group`` (the provider's name, or ``labels.ALLE_DEELNEMERS`` for the benchmark). Providers are
drawn first and in the strong colour, the benchmark last and in grey, whatever the row order.
A figure whose provider values are all missing raises ``ValueError``: a report must never
show an empty figure, or a 0,0 where nobody answered. Every visible number goes through
:mod:`fmt` (``8,3``, ``33%``, ``n=2.345``).

Speed (a report draws ~35 figures; budget ~30 ms each including the SVG): the frames are
already aggregated, so bars are drawn with matplotlib directly; seaborn's ``barplot``
aggregates again and took about three times as long. Seaborn supplies the base style in
:mod:`theme`. The layout is fixed, computed from measured label widths, because
``constrained`` layout more than doubled the time to save. Category labels are plain texts
beside the bars rather than tick labels: matplotlib's tick objects cost about a millisecond
each here,
and value axes keep only a handful of real ticks.

``describe_<kind>`` (or :func:`alt_text`) gives the Dutch alt text of each figure.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import TransformedPatchPath

from . import fmt, labels, theme

__all__ = [
    "REQUIRED_COLUMNS",
    "NEUTRAL_OPTIONS",
    "plot_means",
    "plot_grade_distribution",
    "plot_single",
    "plot_multi",
    "plot_stacked",
    "plot_donut",
    "plot_invitation_flow",
    "describe_means",
    "describe_grade_distribution",
    "describe_single",
    "describe_multi",
    "describe_stacked",
    "describe_donut",
    "describe_invitation_flow",
    "alt_text",
    "legend_texts",
]

#: Dutch words of the figures live with the rest of the report's vocabulary.
_TEXT = MappingProxyType(labels.FIGURE_TEXT)

#: Options outside an ordered scale; drawn in the neutral grey (compared case-insensitively).
NEUTRAL_OPTIONS = labels.NEUTRAL_OPTIONS

#: The columns each plot function needs (``plot_stacked`` also takes an optional ``block``).
REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "means": ("label", "group", "mean", "n"),
        "grade_distribution": ("grade", "group", "percent", "n"),
        "single": ("option", "group", "percent", "n"),
        "multi": ("option", "group", "percent", "n"),
        "stacked": ("row", "option", "percent"),
        "donut": ("option", "percent"),
    }
)
#: Columns that identify a row; a frame may hold each combination once.
_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "means": ("label", "group"),
        "grade_distribution": ("grade", "group"),
        "single": ("option", "group"),
        "multi": ("option", "group"),
        "stacked": ("row", "option"),
        "donut": ("option",),
    }
)

# Layout, in inches unless named otherwise.
_BAR = 0.19  # one bar of a grouped horizontal bar chart
_STACK_BAR = 0.2  # one 100% stacked bar
_LINE = 8.0 * 1.2 / 72  # one line of 8 pt text
_LEGEND_H = 0.30  # one-row legend above the axes
_PAD = 0.06
_RIGHT_LABEL = 0.42  # room for a value label right of a bar that reaches the axis end
_WRAP = 34  # characters per line of a category label
_LABEL_GAP = 4.0  # points between a category label and its bar


# --- input checks ----------------------------------------------------------------------------
def _check(data: pd.DataFrame, kind: str) -> None:
    """Raise unless ``data`` is a non-empty frame with the columns ``kind`` needs, once each."""
    required = REQUIRED_COLUMNS[kind]
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"plot_{kind}: data must be a pandas DataFrame, not {type(data).__name__}")
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ValueError(
            f"plot_{kind}: missing column(s) {', '.join(map(repr, missing))}; "
            f"required: {', '.join(required)}"
        )
    if data.empty:
        raise ValueError(f"plot_{kind}: data has no rows")
    keys = list(_KEYS[kind]) + (["block"] if kind == "stacked" and "block" in data else [])
    seen: set[tuple[str, ...]] = set()
    for key in zip(*(_strings(data, c) for c in keys), strict=True):
        if key in seen:
            raise ValueError(f"plot_{kind}: duplicate rows for {dict(zip(keys, key, strict=True))}")
        seen.add(key)


def _strings(data: pd.DataFrame, column: str) -> list[str]:
    """``data[column]`` as a list of strings (what ``astype(str)`` makes of it, without
    building another column first)."""
    values = data[column]
    if isinstance(values.dtype, pd.StringDtype):  # astype(str) would change nothing
        return values.tolist()
    missing = values.isna().to_numpy()  # astype(str) keeps a missing value missing (NaN)
    return [math.nan if gone else str(v) for v, gone in zip(values.tolist(), missing, strict=True)]


def _numbers(data: pd.DataFrame, column: str, kind: str) -> np.ndarray:
    """``data[column]`` as floats (missing: NaN); raise if it holds anything else."""
    try:
        return pd.to_numeric(data[column], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"plot_{kind}: column {column!r} must be numeric ({exc})") from None


def _in_order(values: list[str]) -> list[str]:
    """Distinct values in order of first appearance (the display order)."""
    return list(dict.fromkeys(values))


def _groups(data: pd.DataFrame, kind: str) -> list[str]:
    """Group names: providers first (in frame order), the benchmark last."""
    groups = _in_order(_strings(data, "group"))
    providers = [g for g in groups if g != labels.ALLE_DEELNEMERS]
    if not providers:
        raise ValueError(f"plot_{kind}: no provider group, only {labels.ALLE_DEELNEMERS!r}")
    return providers + [g for g in groups if g == labels.ALLE_DEELNEMERS]


def _table(
    row_keys: list[str], col_keys: list[str], values: np.ndarray, rows: list[str], cols: list[str]
) -> np.ndarray:
    """``values`` laid out as a rows x cols array in display order (missing cells NaN)."""
    r_index = {r: i for i, r in enumerate(rows)}
    c_index = {c: j for j, c in enumerate(cols)}
    out = np.full((len(rows), len(cols)), np.nan)
    for r, c, v in zip(row_keys, col_keys, values, strict=True):
        out[r_index[r], c_index[c]] = v
    return out


MARKS = labels.MARKS
TREND_MARKS = labels.TREND_MARKS


def _marks(
    data: pd.DataFrame, row_keys: list[str], col_keys: list[str], rows: list[str], cols: list[str]
) -> np.ndarray | None:
    """The optional ``mark`` column (``hoger``/``lager``) as symbols, rows x cols; None
    without the column."""
    symbols = _symbols(data)
    if symbols is None:
        return None
    out = np.full((len(rows), len(cols)), "", dtype=object)
    r_index = {r: i for i, r in enumerate(rows)}
    c_index = {c: j for j, c in enumerate(cols)}
    for r, c, m in zip(row_keys, col_keys, symbols, strict=True):
        if m:
            out[r_index[r], c_index[c]] = m
    return out


def _symbols(data: pd.DataFrame) -> list[str] | None:
    """Per row the symbols of its significant differences: ``mark`` (against the rest: ▲▼)
    then ``trend`` (against the previous measurement: ↑↓); None without either column."""
    columns = [(c, table) for c, table in (("mark", MARKS), ("trend", TREND_MARKS)) if c in data]
    if not columns:
        return None
    out = []
    for values in zip(*(data[c] for c, _ in columns), strict=True):
        found = [table[v] for v, (_, table) in zip(values, columns, strict=True) if v in table]
        out.append(" ".join(found))
    return out


def _require_provider(values: np.ndarray, kind: str, provider: str) -> None:
    """Raise if the provider has no value at all: such a figure must not be drawn."""
    if np.isnan(values).all():
        raise ValueError(f"plot_{kind}: all values of the provider {provider!r} are missing")


def _group_ns(data: pd.DataFrame, groups: list[str], kind: str) -> list[int]:
    """The one n of each group; raise if a group's rows disagree."""
    ns: dict[str, set[float]] = {g: set() for g in groups}
    for g, n in zip(_strings(data, "group"), _numbers(data, "n", kind), strict=True):
        if not math.isnan(n):
            ns[g].add(n)
    for g, values in ns.items():
        if len(values) != 1:
            raise ValueError(f"plot_{kind}: group {g!r} needs one n, got {sorted(values)}")
    return [int(ns[g].pop()) for g in groups]


def _percent_range(values: np.ndarray, kind: str, *, capped: bool = True) -> None:
    """Raise if a percentage is negative (or, if ``capped``, above 100 beyond rounding)."""
    finite = values[~np.isnan(values)]
    if (finite < 0).any() or (capped and (finite > 100.05).any()):
        rule = "lie between 0 and 100" if capped else "not be negative"
        raise ValueError(f"plot_{kind}: percent must {rule}")


# --- text helpers ----------------------------------------------------------------------------
def _n(n: float) -> str:
    """``n=2.345``."""
    return f"{labels.N_LABEL}={fmt.number(n, 0)}"


def _with_n(group: str, n: float) -> str:
    """``Werkpad Noord (n=34)``."""
    return f"{group} ({_n(n)})"


def _in_sentence(group: str) -> str:
    """The benchmark's name and the previous measurement lower-cased inside a sentence
    ("alle deelnemers", "vorige meting (2021)")."""
    common = group == labels.ALLE_DEELNEMERS or group.startswith(labels.PREVIOUS_MEASUREMENT)
    return group[0].lower() + group[1:] if common else group


def _wrap(text: str, width: int = _WRAP) -> str:
    """Wrap a label on word boundaries; never breaks a word."""
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text)


@lru_cache(maxsize=1024)
def _advance(char: str) -> float:
    """Advance width of ``char`` in em (kerning ignored: a percent or two)."""
    font = get_font(findfont(FontProperties(family=theme.FONT)))
    font.set_size(100, 72)
    # a character the font lacks (an emoji in a provider's name) is measured as an "M"
    code = ord(char) if font.get_char_index(ord(char)) else ord("M")
    glyph = font.load_char(code, flags=LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536 / 100


def _text_width(text: str, size: float) -> float:
    """Width in inches of the widest line of ``text`` at ``size`` points."""
    return max(sum(_advance(c) for c in line) for line in str(text).split("\n")) * size / 72


def _lines(text: str) -> int:
    """Number of lines of ``text``."""
    return str(text).count("\n") + 1


# --- drawing helpers -------------------------------------------------------------------------
def _new_axes(
    body: float,
    *,
    left: float,
    right: float,
    top: float,
    bottom: float,
    width: float = theme.FIG_WIDTH,
) -> Axes:
    """A new figure whose axes area is ``body`` inches high inside fixed margins (inches)."""
    height = body + top + bottom
    rect = (left / width, bottom / height, 1 - (left + right) / width, body / height)
    return theme.new_axes(height, width, rect)


def _offset(base: transforms.Transform, ax: Axes, dx: float = 0.0, dy: float = 0.0):
    """``base`` shifted by (dx, dy) points: labels sit a fixed distance off a bar."""
    return transforms.offset_copy(base, fig=ax.figure, x=dx, y=dy, units="points")


def _left_labels(
    ax: Axes, ys: Sequence[float], texts: Sequence[str], *, pad: float, size: float, color: str
) -> None:
    """Right-aligned labels ``pad`` points left of the axes, at data heights ``ys``."""
    where = _offset(ax.get_yaxis_transform(), ax, dx=-pad)
    for y, text in zip(ys, texts, strict=True):
        _text(
            ax,
            0.0,
            y,
            text,
            transform=where,
            ha="right",
            va="center",
            fontsize=size,
            color=color,
            linespacing=1.15,
        )


_KEY = 0.095  # side of a legend key square
_KEY_GAP = 0.055  # key to text
_KEY_COLUMN_GAP = 0.24  # between legend entries in a row
_KEY_ROW = 0.19  # between legend rows
_LEGEND_GID = "legend"


_LEGEND_LINE = theme.TICK_SIZE * 1.2 / 72  # a further line of a wrapped legend entry
#: The donut figure's width and the ring's diameter (inches): the width of its box on the
#: summary page, so that its text prints at its own size (7 pt), not scaled down.
_DONUT_W, _DONUT_D = 3.0, 1.3


def _fit_legend(texts: Sequence[str], width: float) -> list[str]:
    """Legend entries, each wrapped on word boundaries where it is wider than ``width``
    inches (a long answer label would otherwise run off the figure and be cut)."""
    room = width - _KEY - _KEY_GAP
    out = []
    for text in texts:
        chars = len(str(text))
        fitted = str(text)
        while chars > 8 and _text_width(fitted, theme.TICK_SIZE) > room:
            chars = int(chars * 0.9)
            fitted = _wrap(text, chars)
        out.append(fitted)
    return out


def _legend_rows(texts: list[str], ncol: int) -> float:
    """Height of a legend in rows: wrapped entries make their row taller."""
    lines = [max(_lines(t) for t in texts[r : r + ncol]) for r in range(0, len(texts), ncol)]
    return sum(1 + (n - 1) * _LEGEND_LINE / _KEY_ROW for n in lines)


def _legend_columns(texts: list[str], ncol: int) -> list[float]:
    """Widths (inches) of the legend columns when ``texts`` fill ``ncol`` columns row-wise."""
    widths = [_KEY + _KEY_GAP + _text_width(t, theme.TICK_SIZE) for t in texts]
    return [max(widths[c::ncol]) for c in range(min(ncol, len(texts)))]


def _legend_layout(texts: list[str], width: float) -> tuple[int, int]:
    """Columns and rows of a legend that fits ``width`` inches (rows may be fractional:
    see :func:`_legend_rows`)."""
    texts = _fit_legend(texts, width)
    ncol = len(texts)
    while ncol > 1 and sum(_legend_columns(texts, ncol)) + _KEY_COLUMN_GAP * (ncol - 1) > width:
        ncol -= 1
    return ncol, _legend_rows(texts, ncol)


def _legend_top(texts: list[str]) -> float:
    """Top margin (inches) for a legend above the axes of a figure we own."""
    _, rows = _legend_layout(texts, theme.FIG_WIDTH - 0.12)
    return _LEGEND_H + (rows - 1) * _KEY_ROW


def _legend(
    ax: Axes,
    colors: list[str],
    texts: list[str],
    owns_figure: bool,
    *,
    where: Literal["above", "below", "right"] = "above",
    ncol: int | None = None,
    outlined: Sequence[bool] | None = None,
) -> None:
    """A legend of coloured squares and texts, laid out from measured text widths;
    ``outlined`` keys are white squares with a coloured edge (the previous measurement).

    Drawn as plain artists of ``ax`` (keys in ``ax.lines``, texts in ``ax.texts`` with gid
    ``legend-<i>``; read them back with :func:`legend_texts`): matplotlib's ``Legend`` packs
    offset boxes at draw time and cost as much as the rest of a small figure. Above: one row
    over the axes; below: rows under them; right: one column beside them. Flush with the
    figure's left edge when the figure is ours.
    """
    fig = ax.figure
    width = theme.FIG_WIDTH if owns_figure else ax.get_position().width * fig.get_figwidth()
    if where == "right":  # the room between the axes and the figure's right edge
        texts = _fit_legend(texts, (1 - ax.get_position().x1) * fig.get_figwidth() - 0.15)
        ncol = 1
    else:
        texts = _fit_legend(texts, width - 0.12)
    if ncol is None:
        ncol, _ = _legend_layout(texts, width - 0.12)
    above = (_legend_rows(texts, ncol) - 1) * _KEY_ROW  # rows run downwards from the top row
    if owns_figure and where != "right":
        box = ax.get_position()
        height = fig.get_figheight()
        base = fig.dpi_scale_trans
        x0 = 0.06
        y0 = box.y1 * height + 0.15 + above if where == "above" else box.y0 * height - 0.14
    else:
        # Inches from an anchor point on the axes (follows the axes if the figure changes).
        anchor = {"above": (0.0, 1.0), "below": (0.0, 0.0), "right": (1.0, 0.5)}[where]
        base = fig.dpi_scale_trans + transforms.ScaledTranslation(*anchor, ax.transAxes)
        x0 = 0.1 if where == "right" else 0.0
        y0 = {"above": 0.14 + above, "below": -0.14, "right": above / 2}[where]
    columns = _legend_columns(texts, ncol)
    lefts = np.concatenate(([0.0], np.cumsum(np.asarray(columns) + _KEY_COLUMN_GAP)))[:-1]
    outlined = list(outlined) if outlined is not None else [False] * len(texts)
    for i, (color, text) in enumerate(zip(colors, texts, strict=True)):
        row, col = divmod(i, ncol)
        x = x0 + lefts[col]
        y = y0 - _legend_rows(texts[: row * ncol], ncol) * _KEY_ROW
        ax.add_artist(
            Line2D(
                [x + _KEY / 2],
                [y],
                transform=base,
                marker="s",
                markersize=_KEY * 72,
                markerfacecolor="white" if outlined[i] else color,
                markeredgecolor=color,
                markeredgewidth=1.0 if outlined[i] else 0,
                linestyle="none",
                gid=f"{_LEGEND_GID}-key-{i}",
                **_no_clip(ax),
            )
        )
        wrapped = "\n" in text  # its first line beside the key, the others below it
        _text(
            ax,
            x + _KEY + _KEY_GAP,
            y + 0.06 if wrapped else y,
            text,
            transform=base,
            ha="left",
            va="top" if wrapped else "center_baseline",
            fontsize=theme.TICK_SIZE,
            linespacing=1.2,
            gid=f"{_LEGEND_GID}-{i}",
        )


def legend_texts(ax: Axes) -> list[str]:
    """The legend entries drawn by a ``plot_*`` function, in order."""
    prefix = f"{_LEGEND_GID}-"
    found = [
        (int(gid.removeprefix(prefix)), t.get_text())
        for t in ax.texts
        if (gid := t.get_gid() or "").startswith(prefix) and gid.removeprefix(prefix).isdigit()
    ]
    return [text for _, text in sorted(found)]


def _no_clip(ax: Axes) -> dict[str, object]:
    """Keyword arguments for an unclipped artist of ``ax``.

    ``Axes.text`` and ``add_artist`` give every artist without a clip path a clip box built
    from the axes patch, a fresh chain of transforms each time; one shared path skips that.
    Nothing here needs clipping: limits always cover the bars, and labels sit outside the
    axes on purpose.
    """
    path = getattr(ax, "_tevreden_unclipped", None)
    if path is None:  # kept on the Axes it belongs to, so it goes when the figure goes
        path = ax._tevreden_unclipped = TransformedPatchPath(ax.patch)
    return {"clip_path": path, "clip_on": False}


def _text(ax: Axes, x: float, y: float, s: str, **kwargs) -> Text:
    """``ax.text`` without the clip box."""
    return ax.text(x, y, s, **_no_clip(ax), **kwargs)


def _bars(
    ax: Axes,
    positions: Sequence[float],
    lengths: Sequence[float],
    thickness: float,
    *,
    horizontal: bool,
    start: Sequence[float] | None = None,
    label: str | None = None,
    **props,
) -> list[Rectangle]:
    """Bars as rectangles added straight to ``ax`` (they are in ``ax.patches``).

    ``Axes.bar`` also grows the data limits bar by bar, transforming every outline; our
    limits are always set explicitly, so that work (a third of a small figure) is skipped.
    ``label`` goes on the first bar only, so ``ax.legend()`` would still work.
    """
    starts = np.zeros(len(positions)) if start is None else start
    out = []
    for i, (p, length, s0) in enumerate(zip(positions, lengths, starts, strict=True)):
        if horizontal:
            xy, width, height = (s0, p - thickness / 2), length, thickness
        else:
            xy, width, height = (p - thickness / 2, s0), thickness, length
        bar = Rectangle(
            xy, width, height, label=label if i == 0 else "_nolegend_", **props, **_no_clip(ax)
        )
        ax.add_artist(bar)
        out.append(bar)
    return out


def _is_previous(group: str) -> bool:
    return group.startswith(labels.PREVIOUS_MEASUREMENT)


def _group_color(group: str, index: int) -> str:
    """Strong blue for the (first) provider, grey for the benchmark; the previous
    measurement is drawn as an outline in the provider's blue (see :func:`_bar_style`)."""
    if group == labels.ALLE_DEELNEMERS:
        return theme.BENCHMARK
    if _is_previous(group):
        return theme.PROVIDER
    colors = (theme.PROVIDER, *theme.EXTRA_SERIES)
    return colors[min(index, len(colors) - 1)]


def _scale_colors(options: Sequence[str], neutral: Sequence[str] | None) -> list[str]:
    """Palette for scale options in order: ordered ones positive -> negative, neutral grey."""
    neutral_set = NEUTRAL_OPTIONS if neutral is None else {s.casefold() for s in neutral}
    is_neutral = [o.strip().casefold() in neutral_set for o in options]
    ordered = iter(theme.scale_colors(is_neutral.count(False)))
    return [theme.NEUTRAL if flag else next(ordered) for flag in is_neutral]


def _hide_x(ax: Axes) -> None:
    """Values are printed on the bars; an x axis would only repeat them."""
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)


# --- grouped horizontal bars (means, single, multi) ------------------------------------------
def _slot_height(categories: list[str], k: int) -> float:
    """Inches per category: room for k bars and for its wrapped label."""
    lines = max(_lines(_wrap(c)) for c in categories)
    return max(k * _BAR / 0.8, lines * _LINE + 0.14)


def _grouped_barh(
    ax: Axes,
    categories: list[str],
    groups: list[str],
    values: np.ndarray,
    value_text: Callable[[float], str],
    legend: list[str],
    owns_figure: bool,
    bar_n: np.ndarray | None = None,
    missing: np.ndarray | None = None,
    label_at: np.ndarray | None = None,
    marks: np.ndarray | None = None,
) -> None:
    """One bar per (category, group), value labels at the bar ends, labels, legend.

    A missing value gets no bar but a mark: ``missing[i, j]`` if given, else the dash.
    ``label_at`` moves a value label further right (past a whisker); ``marks`` (symbols)
    follow the value label of a significantly different result.
    """
    k = len(groups)
    step = 0.8 / k
    centers = np.arange(len(categories), dtype=float)
    at_end = _offset(ax.transData, ax, dx=3)
    n_pos: list[float] = []
    n_texts: list[str] = []
    for j, group in enumerate(groups):
        y = centers + (j - (k - 1) / 2) * step
        v = values[:, j]
        shown = ~np.isnan(v)
        _bars(
            ax,
            y[shown],
            v[shown],
            step * 0.9,
            horizontal=True,
            label=legend[j],
            **_bar_style(group, j),
        )
        color = theme.MUTED_TEXT if group == labels.ALLE_DEELNEMERS else theme.TEXT
        for i, (yi, vi) in enumerate(zip(y, v, strict=True)):
            # NaN: no bar, a mark; never a 0 where nobody answered.
            if math.isnan(vi):
                text = labels.NO_ANSWERS if missing is None else missing[i, j]
            else:
                text = value_text(vi)
                if marks is not None and marks[i, j]:
                    text = f"{text} {marks[i, j]}"
            x = 0.0 if math.isnan(vi) else vi
            if label_at is not None and not math.isnan(label_at[i, j]):
                x = max(x, label_at[i, j])
            _text(
                ax,
                x,
                yi,
                text,
                transform=at_end,
                ha="left",
                va="center",
                fontsize=theme.VALUE_SIZE,
                color=color,
            )
        if bar_n is not None:
            for yi, n in zip(y, bar_n[:, j], strict=True):
                if not math.isnan(n):
                    n_pos.append(yi)
                    n_texts.append(_n(n))
    pad = _LABEL_GAP
    if n_texts:
        _left_labels(ax, n_pos, n_texts, pad=pad, size=theme.SMALL_SIZE, color=theme.MUTED_TEXT)
        pad += max(_text_width(t, theme.SMALL_SIZE) for t in n_texts) * 72 + 8
    _left_labels(
        ax, centers, [_wrap(c) for c in categories], pad=pad, size=theme.TICK_SIZE, color=theme.TEXT
    )
    ax.yaxis.set_visible(False)
    ax.set_ylim(len(categories) - 0.5, -0.5)
    _legend(
        ax,
        [_group_color(g, j) for j, g in enumerate(groups)],
        legend,
        owns_figure,
        outlined=[_is_previous(g) for g in groups],
    )


def _whiskers(ax: Axes, lows: np.ndarray, highs: np.ndarray, k: int) -> None:
    """An interval per bar: a dark line from low to high with end ticks, over the bar (the
    bar layout of :func:`_grouped_barh`)."""
    step = 0.8 / k
    for j in range(k):
        y = np.arange(lows.shape[0], dtype=float) + (j - (k - 1) / 2) * step
        ok = ~np.isnan(lows[:, j]) & ~np.isnan(highs[:, j])
        if not ok.any():
            continue
        ax.hlines(y[ok], lows[ok, j], highs[ok, j], color=theme.TEXT, linewidth=1.0, zorder=3)
        for x in (lows[ok, j], highs[ok, j]):
            ax.vlines(
                x,
                y[ok] - step * 0.25,
                y[ok] + step * 0.25,
                color=theme.TEXT,
                linewidth=1.0,
                zorder=3,
            )


def _bar_style(group: str, index: int) -> dict:
    """Fill of a group's bars: solid, or for the previous measurement a white bar with the
    provider's blue outline (apart from both the provider and the grey benchmark, also in
    greyscale)."""
    color = _group_color(group, index)
    if _is_previous(group):
        return {"facecolor": "white", "edgecolor": color, "linewidth": 1.0}
    return {"facecolor": color, "linewidth": 0}


def _category_margin(categories: list[str], n_texts: list[str] | None) -> float:
    """Left margin (inches) that fits the wrapped category labels (and per-bar n)."""
    width = max(_text_width(_wrap(c), theme.TICK_SIZE) for c in categories)
    width += (_LABEL_GAP + 6) / 72
    if n_texts:
        width += max(_text_width(t, theme.SMALL_SIZE) for t in n_texts) + 8 / 72
    return min(width, 0.5 * theme.FIG_WIDTH)


def _missing_marks(means: np.ndarray, ns: np.ndarray) -> np.ndarray:
    """Mark per cell for a missing mean: ``*`` if people answered (withheld), else ``–``."""
    answered = np.nan_to_num(ns) > 0
    return np.where(answered, labels.SUPPRESSED, labels.NO_ANSWERS)


@theme.styled
def plot_means(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    n_in: Literal["auto", "legend", "bars"] = "auto",
    xlabel: str | None = labels.GRADE_AXIS,
) -> Axes:
    """Mean grade per category (Totaal, a service, an aspect): provider vs benchmark.

    ``data`` columns: ``label`` (category, in display order), ``group`` (provider name or
    ``labels.ALLE_DEELNEMERS``), ``mean`` (float), ``n``. A NaN mean gets no bar and no n
    but a mark: ``labels.SUPPRESSED`` (``*``) when n > 0 (withheld: too few answers),
    ``labels.NO_ANSWERS`` (``–``) when n is 0 or missing (nobody answered). Optional columns
    ``low`` and ``high``: the 95 % interval of a mean, drawn as a whisker across the bar's
    end (value label past it); NaN draws none.

    Design: categories top to bottom; per category one horizontal bar per group, provider on
    top in blue, benchmark below in grey; x axis 0–10; the mean printed at the end of each
    bar with one decimal (``8,3``). Where n goes (``n_in``):

    - ``"legend"``: each group has one n over all categories: ``Werkpad Noord (n=34)``;
    - ``"bars"``: n differs per category (routing, service-specific questions): the legend
      names the groups only and every bar gets its own small grey ``n=…`` between the
      category name and the bar, so no number has to be matched across the figure;
    - ``"auto"`` (default): ``"legend"`` when every group has one n, else ``"bars"``.

    Long category names wrap. Returns the Axes. Raises ``ValueError`` on missing columns,
    duplicate (label, group) rows, or when every provider mean is missing.
    """
    _check(data, "means")
    groups = _groups(data, "means")
    keys, group_keys = _strings(data, "label"), _strings(data, "group")
    categories = _in_order(keys)
    means = _table(keys, group_keys, _numbers(data, "mean", "means"), categories, groups)
    ns = _table(keys, group_keys, _numbers(data, "n", "means"), categories, groups)
    marks = _marks(data, keys, group_keys, categories, groups)
    _require_provider(means[:, 0], "means", groups[0])
    missing = _missing_marks(means, ns)
    ns[np.isnan(means)] = np.nan  # an n next to a mark would suggest a result

    one_n = all(len(set(ns[:, j][~np.isnan(ns[:, j])])) <= 1 for j in range(len(groups)))
    if n_in not in ("auto", "legend", "bars"):
        raise ValueError(f"plot_means: n_in must be 'auto', 'legend' or 'bars', not {n_in!r}")
    if n_in == "auto":
        n_in = "legend" if one_n else "bars"
    if n_in == "legend" and not one_n:
        raise ValueError("plot_means: n differs per category; use n_in='bars'")
    bar_n = ns if n_in == "bars" else None
    lows = highs = None
    if "low" in data.columns and "high" in data.columns:
        lows = _table(keys, group_keys, _numbers(data, "low", "means"), categories, groups)
        highs = _table(keys, group_keys, _numbers(data, "high", "means"), categories, groups)
        highs[np.isnan(means)] = lows[np.isnan(means)] = np.nan
    legend = list(groups)
    if bar_n is None:
        for j, g in enumerate(groups):
            finite = ns[:, j][~np.isnan(ns[:, j])]
            if finite.size:
                legend[j] = _with_n(g, finite[0])

    owns = ax is None
    if ax is None:
        n_texts = [_n(v) for v in ns.ravel() if not math.isnan(v)] if bar_n is not None else None
        ax = _new_axes(
            len(categories) * _slot_height(categories, len(groups)),
            left=_category_margin(categories, n_texts) + _PAD,
            right=_RIGHT_LABEL,
            top=_legend_top(legend),
            bottom=0.42 if xlabel else 0.25,
        )
    _grouped_barh(
        ax,
        categories,
        groups,
        means,
        lambda v: fmt.number(v, 1),
        legend,
        owns,
        bar_n=bar_n,
        missing=missing,
        label_at=highs,
        marks=marks,
    )
    if lows is not None:
        _whiskers(ax, lows, highs, len(groups))
    ax.set_xlim(0, 10)
    ticks = range(0, 11, 2)
    ax.set_xticks(ticks, [fmt.number(t, 0) for t in ticks])
    ax.xaxis.grid(True)
    if xlabel:
        ax.set_xlabel(xlabel)
    return ax


def _plot_choice(data: pd.DataFrame, kind: str, ax: Axes | None, note: str | None) -> Axes:
    """Shared body of :func:`plot_single` and :func:`plot_multi`."""
    _check(data, kind)
    groups = _groups(data, kind)
    keys = _strings(data, "option")
    options = _in_order(keys)
    percent = _numbers(data, "percent", kind)
    _percent_range(percent, kind)
    values = _table(keys, _strings(data, "group"), percent, options, groups)
    marks = _marks(data, keys, _strings(data, "group"), options, groups)
    _require_provider(values[:, 0], kind, groups[0])
    legend = [_with_n(g, n) for g, n in zip(groups, _group_ns(data, groups, kind), strict=True)]

    owns = ax is None
    if ax is None:
        ax = _new_axes(
            len(options) * _slot_height(options, len(groups)),
            left=_category_margin(options, None) + _PAD,
            right=_RIGHT_LABEL,
            top=_legend_top(legend),
            bottom=0.24 if note else 0.06,
        )
    _grouped_barh(ax, options, groups, values, fmt.percent, legend, owns, marks=marks)
    ax.set_xlim(0, 100)
    _hide_x(ax)
    if note:
        _text(
            ax,
            1.0,
            0.0,
            note,
            transform=_offset(ax.transAxes, ax, dy=-5),
            ha="right",
            va="top",
            fontsize=theme.SMALL_SIZE,
            color=theme.MUTED_TEXT,
            style="italic",
        )
    return ax


@theme.styled
def plot_single(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Single-choice item: % per option, provider vs benchmark, as horizontal bars.

    ``data`` columns: ``option`` (display order as given), ``group``, ``percent`` (0–100),
    ``n`` (one value per group: those who answered the question). Every bar carries its
    percentage (``33%``); the legend gives n (``Werkpad Noord (n=34)``). Returns the Axes.
    """
    return _plot_choice(data, "single", ax, None)


@theme.styled
def plot_multi(data: pd.DataFrame, *, ax: Axes | None = None, note: bool = True) -> Axes:
    """Multiple-choice item: % of respondents per option (the sum may exceed 100).

    Same columns and look as :func:`plot_single`; ``note`` prints "Meer antwoorden mogelijk"
    under the bars. Returns the Axes.
    """
    return _plot_choice(data, "multi", ax, _TEXT["multi_note"] if note else None)


# --- grade distribution ----------------------------------------------------------------------
def _nice_step(top: float) -> float:
    """Tick step for a 0..top percentage axis with at most five steps."""
    for step in (5, 10, 20, 25, 50):
        if top / step <= 5:
            return step
    return 100


@theme.styled
def plot_grade_distribution(
    data: pd.DataFrame, *, ax: Axes | None = None, xlabel: str | None = labels.GRADE_AXIS
) -> Axes:
    """Distribution of the grades 1–10 in %, provider vs benchmark, as vertical bars.

    ``data`` columns: ``grade`` (whole numbers 1..10; absent grades count as 0%), ``group``,
    ``percent`` (0–100), ``n`` (one per group). The provider's bars carry their percentage
    above them (``33%``) unless it is 0; the legend gives n. Returns the Axes.
    """
    _check(data, "grade_distribution")
    groups = _groups(data, "grade_distribution")
    grades = _numbers(data, "grade", "grade_distribution")
    if not np.isin(grades, np.arange(1, 11)).all():
        raise ValueError("plot_grade_distribution: grade must be a whole number from 1 to 10")
    percent = _numbers(data, "percent", "grade_distribution")
    _percent_range(percent, "grade_distribution")
    order = [str(g) for g in range(1, 11)]
    keys = [str(int(g)) for g in grades]
    values = _table(keys, _strings(data, "group"), percent, order, groups)
    _require_provider(values[:, 0], "grade_distribution", groups[0])
    values = np.nan_to_num(values)
    ns = _group_ns(data, groups, "grade_distribution")
    legend = [_with_n(g, n) for g, n in zip(groups, ns, strict=True)]

    owns = ax is None
    if ax is None:
        ax = _new_axes(1.7, left=0.42, right=0.08, top=_legend_top(legend) + 0.06, bottom=0.42)
    k = len(groups)
    step = 0.8 / k
    x = np.arange(1, 11, dtype=float)
    above = _offset(ax.transData, ax, dy=1.5)
    for j, group in enumerate(groups):
        xs = x + (j - (k - 1) / 2) * step
        v = values[:, j]
        _bars(
            ax,
            xs,
            v,
            step * 0.9,
            horizontal=False,
            label=legend[j],
            **_bar_style(group, j),
        )
        if j == 0:
            for xi, vi in zip(xs, v, strict=True):
                if vi > 0:
                    _text(
                        ax,
                        xi,
                        vi,
                        fmt.percent(vi),
                        transform=above,
                        ha="center",
                        va="bottom",
                        fontsize=theme.VALUE_SIZE,
                    )
    top = float(values.max())
    step_pct = _nice_step(top * 1.15)
    ax.set_ylim(0, max(top * 1.15, step_pct))
    yt = np.arange(0, ax.get_ylim()[1] + 1e-9, step_pct)
    ax.set_yticks(yt, [fmt.percent(t) for t in yt])
    ax.tick_params(axis="y", length=0)
    ax.yaxis.grid(True)
    # Grades are categories: plain texts under the bars, no tick objects.
    ax.set_xlim(0.4, 10.6)
    ax.set_xticks([])
    below = _offset(ax.get_xaxis_transform(), ax, dy=-4)
    for g in range(1, 11):
        _text(
            ax,
            g,
            0.0,
            fmt.number(g, 0),
            transform=below,
            ha="center",
            va="top",
            fontsize=theme.TICK_SIZE,
        )
    if xlabel:
        ax.set_xlabel(xlabel, labelpad=theme.TICK_SIZE * 1.2 + 7)
    _legend(
        ax,
        [_group_color(g, j) for j, g in enumerate(groups)],
        legend,
        owns,
        outlined=[_is_previous(g) for g in groups],
    )
    return ax


# --- 100% stacked bars -----------------------------------------------------------------------
def _stack_layout(
    bars: list[str], wrapped: list[str], bar_block: dict[str, str], has_blocks: bool
) -> tuple[float, list[float], list[tuple[float, str]], float]:
    """Vertical layout in inches from the top: a heading line per block, then its bars.

    Returns the height of one bar slot, the centre of every bar, the headings with their
    top, and the total height."""
    unit = max(_STACK_BAR / 0.72, max(_lines(w) for w in wrapped) * _LINE + 0.06)
    ys: list[float] = []
    headings: list[tuple[float, str]] = []
    pos, previous = 0.0, None
    for b in bars:
        block = bar_block.get(b)
        if has_blocks and block != previous:
            if previous is not None:
                pos += 0.08
            heading = _wrap(block, 100)
            headings.append((pos, heading))
            pos += _lines(heading) * _LINE + 0.03
            previous = block
        ys.append(pos + unit / 2)
        pos += unit
    return unit, ys, headings, pos


def _stack_segments(
    ax: Axes,
    y: np.ndarray,
    bar_h: float,
    table: np.ndarray,
    options: list[str],
    colors: list[str],
    min_label: float,
) -> np.ndarray:
    """Draw the segments option by option, with their percentages; returns the bar ends."""
    left = np.zeros(len(y))
    for j, (option, color) in enumerate(zip(options, colors, strict=True)):
        widths = table[:, j]
        _bars(
            ax,
            y,
            widths,
            bar_h,
            horizontal=True,
            start=left,
            facecolor=color,
            edgecolor="white",
            linewidth=0.6,
            label=option,
        )
        text_color = theme.text_color_on(color)
        for yi, li, wi in zip(y, left, widths, strict=True):
            if wi >= min_label:
                _text(
                    ax,
                    li + wi / 2,
                    yi,
                    fmt.percent(wi),
                    ha="center",
                    va="center",
                    fontsize=theme.VALUE_SIZE,
                    color=text_color,
                )
        left = left + widths
    return left


@theme.styled
def plot_stacked(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    min_label: float = 5.0,
    neutral: Sequence[str] | None = None,
) -> Axes:
    """Satisfaction scale item or matrix as 100% stacked horizontal bars.

    ``data`` columns: ``row`` (one bar each, top to bottom; the label carries n, e.g.
    ``Werkpad Noord (n=34)`` / ``Alle deelnemers (n=2.345)``), ``option`` (scale label in
    scale order, very positive first), ``percent``. Missing (row, option) cells count as 0%.
    For a matrix either give every pair its own row labels, or add a ``block`` column (the
    matrix row's text): each block then gets its text as a heading above its pair of bars,
    and the same ``row`` labels may repeat across blocks.

    Segments of at least ``min_label`` % carry their percentage; the legend below lists the
    scale in order. Ordered options run blue (positive) to red (negative); options in
    ``neutral`` (default :data:`NEUTRAL_OPTIONS`, e.g. "Geen mening", "Weet ik niet") are
    grey. A row without any value shows a dash. Rows whose label contains
    ``labels.ALLE_DEELNEMERS`` are the benchmark; if all other rows are empty the figure
    raises ``ValueError``. Returns the Axes.
    """
    _check(data, "stacked")
    row_labels = _strings(data, "row")
    blocks = _strings(data, "block") if "block" in data.columns else None
    # A bar is identified by (block, row); with no blocks every bar is its own block.
    bar_keys = (
        [f"{b}\x00{r}" for b, r in zip(blocks, row_labels, strict=True)] if blocks else row_labels
    )
    bars = _in_order(bar_keys)
    options = _in_order(_strings(data, "option"))
    percent = _numbers(data, "percent", "stacked")
    _percent_range(percent, "stacked", capped=False)
    table = _table(bar_keys, _strings(data, "option"), percent, bars, options)
    empty = np.isnan(table).all(axis=1)
    bar_label = {k: r for k, r in zip(bar_keys, row_labels, strict=True)}
    symbols = _symbols(data)
    if symbols is not None:  # a significant positive share: the symbols after the row label
        for k, m in zip(bar_keys, symbols, strict=True):
            if m and not bar_label[k].endswith(m):
                bar_label[k] = f"{bar_label[k]} {m}"
    bar_block = dict(zip(bar_keys, blocks, strict=True)) if blocks else {}
    labels_ = [bar_label[b] for b in bars]
    benchmark = [labels.ALLE_DEELNEMERS.casefold() in r.casefold() for r in labels_]
    if all(benchmark) or all(e for e, is_b in zip(empty, benchmark, strict=True) if not is_b):
        raise ValueError("plot_stacked: all values of the provider rows are missing")
    table = np.nan_to_num(table)
    colors = _scale_colors(options, neutral)
    wrapped = [_wrap(r, 40) for r in labels_]
    label_w = max(_text_width(w, theme.TICK_SIZE) for w in wrapped)

    unit, ys, headings, height = _stack_layout(bars, wrapped, bar_block, bool(blocks))

    owns = ax is None
    ncol, legend_rows = _legend_layout(options, theme.FIG_WIDTH - 0.12)
    if ax is None:
        ax = _new_axes(
            height,
            left=label_w + (_LABEL_GAP + 6) / 72 + _PAD,
            right=0.12,
            top=0.05,
            bottom=0.24 + (legend_rows - 1) * _KEY_ROW,
        )
    y = np.asarray(ys)
    left = _stack_segments(ax, y, unit * 0.72, table, options, colors, min_label)
    for yi, is_empty in zip(y, empty, strict=True):
        if is_empty:
            _text(ax, 1.0, yi, labels.NO_ANSWERS, ha="left", va="center", fontsize=theme.VALUE_SIZE)
    _left_labels(ax, y, wrapped, pad=_LABEL_GAP, size=theme.TICK_SIZE, color=theme.TEXT)
    heading_at = _offset(ax.get_yaxis_transform(), ax, dx=-(_LABEL_GAP + label_w * 72))
    for hy, text in headings:
        _text(
            ax,
            0.0,
            hy,
            text,
            transform=heading_at,
            ha="left",
            va="top",
            fontsize=theme.TICK_SIZE,
            fontweight="bold",
            linespacing=1.15,
        )
    ax.set_xlim(0, max(100.0, float(left.max())))
    ax.set_ylim(height, 0)
    ax.yaxis.set_visible(False)
    _hide_x(ax)
    ax.spines["left"].set_visible(False)
    _legend(ax, colors, options, owns, where="below", ncol=ncol if owns else None)
    return ax


# --- donut -----------------------------------------------------------------------------------
@theme.styled
def plot_donut(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    center_text: str | None = None,
    neutral: Sequence[str] | None = None,
    min_label: float = 8.0,
) -> Axes:
    """Cover donut: the provider's distribution of overall satisfaction.

    ``data`` columns: ``option`` (scale order, very positive first), ``percent``. Only the
    provider is shown. The legend at the right lists every option with its percentage
    (``Heel tevreden: 83%``); wedges of at least ``min_label`` % carry it inside the ring,
    smaller ones (above 0) just outside it, so no colour has to be matched. ``center_text``
    goes in the hole (e.g. the mean grade, formatted by the caller). Returns the Axes; raises
    ``ValueError`` when every percentage is missing or zero.
    """
    _check(data, "donut")
    options = _strings(data, "option")
    values = _numbers(data, "percent", "donut")
    if np.isnan(values).all() or np.nansum(values) <= 0:
        raise ValueError("plot_donut: all values of the provider are missing or zero")
    _percent_range(values, "donut")
    values = np.nan_to_num(values)
    colors = _scale_colors(options, neutral)

    entries = [f"{o}: {fmt.percent(v)}" for o, v in zip(options, values, strict=True)]
    if ax is None:  # 1.9 inches high, or more where long option labels wrap in the legend
        legend_h = _legend_rows(_fit_legend(entries, _DONUT_W - _DONUT_D - 0.15), 1) * _KEY_ROW
        height = max(_DONUT_D + 0.5, legend_h + 0.3)
        side = _DONUT_D + 0.15  # room for the labels of small wedges outside the ring
        rect = (0.0, (height - side) / 2 / height, side / _DONUT_W, side / height)
        ax = theme.new_axes(height, _DONUT_W, rect)
    ring = 0.36
    limit = 1.32  # the data limits of both axes: the ring has radius 1
    bbox = ax.get_position()
    per_inch = 2 * limit / (bbox.width * ax.figure.get_figwidth())  # data units per inch
    wedges, _ = ax.pie(
        values,
        colors=colors,
        startangle=90,
        counterclock=False,
        wedgeprops={"width": ring, "edgecolor": "white", "linewidth": 0.8},
    )
    for wedge, value in zip(wedges, values, strict=True):
        if value <= 0:
            continue
        angle = math.radians((wedge.theta1 + wedge.theta2) / 2)
        inside = value >= min_label
        r = 1 - ring / 2 if inside else 1.16
        x, y = r * math.cos(angle), r * math.sin(angle)
        ha = "center" if inside or abs(x) < 0.3 else ("left" if x > 0 else "right")
        if ha != "center":  # a label beside the ring stays inside the figure
            room = limit - 0.03 - _text_width(fmt.percent(value), theme.VALUE_SIZE) * per_inch
            x = max(x, -room) if x < 0 else min(x, room)
        _text(
            ax,
            x,
            y,
            fmt.percent(value),
            ha=ha,
            va="center" if inside or abs(y) < 0.3 else ("bottom" if y > 0 else "top"),
            fontsize=theme.VALUE_SIZE,
            color=theme.text_color_on(wedge.get_facecolor()) if inside else theme.TEXT,
        )
    if center_text:
        _text(
            ax,
            0,
            0,
            center_text,
            ha="center",
            va="center",
            fontsize=16,
            fontweight="bold",
            color=theme.PROVIDER,
        )
    ax.set_aspect("equal")
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    _legend(ax, colors, entries, owns_figure=False, where="right")
    return ax


# --- invitation flow -------------------------------------------------------------------------
def _wrap_to_width(text: str, width: float, size: float) -> str:
    """Greedy word wrap of ``text`` to ``width`` inches at ``size`` points."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and _text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _stages(steps: Sequence[str | Sequence[str]]) -> list[tuple[str, ...]]:
    """Steps as tuples of box texts; raise on an empty list or an empty text."""
    stages: list[tuple[str, ...]] = []
    for step in steps:
        stage = (step,) if isinstance(step, str) else tuple(step)
        if not stage or any(not isinstance(s, str) or not s.strip() for s in stage):
            raise ValueError(f"plot_invitation_flow: empty step text in {step!r}")
        stages.append(stage)
    if not stages:
        raise ValueError("plot_invitation_flow: no steps")
    return stages


@theme.styled
def plot_invitation_flow(
    steps: Sequence[str | Sequence[str]],
    *,
    ax: Axes | None = None,
    highlight_last: bool = True,
) -> Axes:
    """The invitation flow: one box per step, left to right, joined by arrows.

    ``steps`` are the Dutch texts in order (the caller's words). A step given as a sequence
    of texts is a choice: its boxes are stacked and each is joined to the steps before and
    after it (e.g. ``("extra herinnering", "telefonische benadering")``). The last box is
    filled blue when ``highlight_last``. Returns the Axes; raises ``ValueError`` for no steps
    or an empty text.
    """
    stages = _stages(steps)
    arrow_gap, v_gap, pad, margin = 0.2, 0.09, 0.05, 0.02
    width = theme.FIG_WIDTH
    if ax is not None:
        width = ax.get_position().width * ax.figure.get_figwidth()
    k = len(stages)
    box_w = (width - 2 * margin - (k - 1) * arrow_gap) / k
    # Words are never broken: shrink the text (not below 6.5 pt) until the longest one fits.
    longest = max(_text_width(w, 1.0) for stage in stages for s in stage for w in s.split())
    size = max(6.5, min(theme.TICK_SIZE, (box_w - 2 * pad) / longest))
    texts = [[_wrap_to_width(s, box_w - 2 * pad, size) for s in stage] for stage in stages]
    box_h = max(_lines(t) for stage in texts for t in stage) * size * 1.25 / 72 + 2 * pad
    most = max(len(stage) for stage in stages)
    height = most * box_h + (most - 1) * v_gap + 2 * margin
    if ax is None:
        ax = theme.new_axes(height, width, (0, 0, 1, 1))
    else:
        height = ax.get_position().height * ax.figure.get_figheight()
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")

    anchors: list[list[tuple[float, float]]] = []
    for i, stage in enumerate(texts):
        x0 = margin + i * (box_w + arrow_gap)
        total = len(stage) * box_h + (len(stage) - 1) * v_gap
        last = highlight_last and i == k - 1
        row = []
        for r, text in enumerate(stage):
            y0 = height / 2 + total / 2 - (r + 1) * box_h - r * v_gap
            ax.add_patch(
                FancyBboxPatch(
                    (x0, y0),
                    box_w,
                    box_h,
                    boxstyle="round,pad=0,rounding_size=0.05",
                    facecolor=theme.PROVIDER if last else theme.BOX_FILL,
                    edgecolor=theme.PROVIDER,
                    linewidth=0.8,
                )
            )
            _text(
                ax,
                x0 + box_w / 2,
                y0 + box_h / 2,
                text,
                ha="center",
                va="center",
                fontsize=size,
                color="white" if last else theme.TEXT,
                linespacing=1.25,
            )
            row.append((x0, y0 + box_h / 2))
        anchors.append(row)
    for before, after in zip(anchors, anchors[1:], strict=False):
        for xa, ya in before:
            for xb, yb in after:
                ax.add_patch(
                    FancyArrowPatch(
                        (xa + box_w + 0.02, ya),
                        (xb - 0.02, yb),
                        arrowstyle="-|>",
                        mutation_scale=8,
                        color=theme.SPINE,
                        linewidth=0.9,
                        shrinkA=0,
                        shrinkB=0,
                    )
                )
    return ax


# --- alt texts -------------------------------------------------------------------------------
def describe_means(data: pd.DataFrame) -> str:
    """Alt text: ``Staafdiagram: gemiddeld rapportcijfer. Totaal: Werkpad Noord 7,8 (n=34),
    alle deelnemers 7,4 (n=2.345). …``"""
    _check(data, "means")
    groups = _groups(data, "means")
    keys, group_keys = _strings(data, "label"), _strings(data, "group")
    categories = _in_order(keys)
    means = _table(keys, group_keys, _numbers(data, "mean", "means"), categories, groups)
    ns = _table(keys, group_keys, _numbers(data, "n", "means"), categories, groups)
    lows = highs = np.full(means.shape, np.nan)
    if "low" in data.columns and "high" in data.columns:
        lows = _table(keys, group_keys, _numbers(data, "low", "means"), categories, groups)
        highs = _table(keys, group_keys, _numbers(data, "high", "means"), categories, groups)
    parts = [f"{_TEXT['bar_chart']}: {_TEXT['means']}."]
    for i, c in enumerate(categories):
        items = []
        for j, g in enumerate(groups):
            m = means[i, j]
            if not math.isnan(m) and not math.isnan(lows[i, j]):
                interval = f"{fmt.number(lows[i, j], 1)}–{fmt.number(highs[i, j], 1)}"
                value = f"{fmt.number(m, 1)} ({_n(ns[i, j])}, {_TEXT['interval']} {interval})"
            elif not math.isnan(m):
                value = f"{fmt.number(m, 1)} ({_n(ns[i, j])})"
            elif ns[i, j] > 0:
                value = _TEXT["suppressed"]
            else:
                value = _TEXT["no_answers"]
            items.append(f"{_in_sentence(g)} {value}")
        parts.append(f"{c}: {', '.join(items)}.")
    return " ".join(parts)


def describe_grade_distribution(data: pd.DataFrame) -> str:
    """Alt text: per group its n and every grade given with its percentage."""
    _check(data, "grade_distribution")
    groups = _groups(data, "grade_distribution")
    grades = _numbers(data, "grade", "grade_distribution")
    percent = _numbers(data, "percent", "grade_distribution")
    group_keys = _strings(data, "group")
    ns = _group_ns(data, groups, "grade_distribution")
    parts = [f"{_TEXT['bar_chart']}: {_TEXT['grade_distribution']}."]
    for g, n in zip(groups, ns, strict=True):
        pairs = sorted(
            (x, p) for k, x, p in zip(group_keys, grades, percent, strict=True) if k == g and p > 0
        )
        shown = ", ".join(
            f"{_TEXT['grade']} {fmt.number(x, 0)}: {fmt.percent(p)}" for x, p in pairs
        )
        parts.append(f"{_with_n(g, n)}: {shown or _TEXT['no_answers']}.")
    return " ".join(parts)


def _describe_choice(data: pd.DataFrame, kind: str) -> str:
    """Alt text of a single or multiple choice item."""
    _check(data, kind)
    groups = _groups(data, kind)
    keys = _strings(data, "option")
    options = _in_order(keys)
    values = _table(keys, _strings(data, "group"), _numbers(data, "percent", kind), options, groups)
    ns = _group_ns(data, groups, kind)
    named = [_with_n(_in_sentence(g), n) for g, n in zip(groups, ns, strict=True)]
    # "A (n=33), vorige meting (2024) (n=30) en alle deelnemers (n=1.059)"
    who = f" {_TEXT['and']} ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
    parts = [f"{_TEXT['bar_chart']}: {_TEXT[kind]}; {who}."]
    for i, o in enumerate(options):
        items = ", ".join(
            f"{_in_sentence(g)} {fmt.percent(values[i, j])}" for j, g in enumerate(groups)
        )
        parts.append(f"{o}: {items}.")
    return " ".join(parts)


def describe_single(data: pd.DataFrame) -> str:
    """Alt text: ``Staafdiagram: percentage per antwoord; … Ja: Werkpad Noord 80%, …``"""
    return _describe_choice(data, "single")


def describe_multi(data: pd.DataFrame) -> str:
    """Alt text of a multiple choice item (says that more answers were possible)."""
    return _describe_choice(data, "multi")


def describe_stacked(data: pd.DataFrame) -> str:
    """Alt text: per bar (and block heading) every scale option with its percentage."""
    _check(data, "stacked")
    rows = _strings(data, "row")
    blocks = _strings(data, "block") if "block" in data.columns else [""] * len(rows)
    options = _strings(data, "option")
    percent = _numbers(data, "percent", "stacked")
    bars: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for b, r, o, p in zip(blocks, rows, options, percent, strict=True):
        bars.setdefault((b, r), []).append((o, p))
    parts = [f"{_TEXT['stacked_chart']}: {_TEXT['stacked']}."]
    for (block, row), cells in bars.items():
        name = f"{block}, {row}" if block else row
        if all(math.isnan(p) for _, p in cells):
            parts.append(f"{name}: {_TEXT['no_answers']}.")
            continue
        items = ", ".join(f"{o} {fmt.percent(0.0 if math.isnan(p) else p)}" for o, p in cells)
        parts.append(f"{name}: {items}.")
    return " ".join(parts)


def describe_donut(data: pd.DataFrame) -> str:
    """Alt text: ``Ringdiagram: verdeling … Heel tevreden 83%, Tevreden 17%, …``"""
    _check(data, "donut")
    values = np.nan_to_num(_numbers(data, "percent", "donut"))
    items = ", ".join(
        f"{o} {fmt.percent(v)}" for o, v in zip(_strings(data, "option"), values, strict=True)
    )
    return f"{_TEXT['donut_chart']}: {_TEXT['stacked']}. {items}."


def describe_invitation_flow(steps: Sequence[str | Sequence[str]]) -> str:
    """Alt text: ``Stroomschema in 5 stappen: 1. …; 2. …; …``"""
    stages = _stages(steps)
    texts = [f" {_TEXT['or']} ".join(stage) for stage in stages]
    body = "; ".join(f"{i}. {t}" for i, t in enumerate(texts, start=1))
    return f"{_TEXT['flow_chart']} in {len(texts)} {_TEXT['steps']}: {body}."


_DESCRIBE: Mapping[str, Callable[..., str]] = MappingProxyType(
    {
        "means": describe_means,
        "grade_distribution": describe_grade_distribution,
        "single": describe_single,
        "multi": describe_multi,
        "stacked": describe_stacked,
        "donut": describe_donut,
        "invitation_flow": describe_invitation_flow,
    }
)


def alt_text(kind: str, data: pd.DataFrame | Sequence[str]) -> str:
    """Dutch alt text of the figure ``plot_<kind>`` draws from ``data``."""
    try:
        describe = _DESCRIBE[kind]
    except KeyError:
        allowed = ", ".join(_DESCRIBE)
        raise ValueError(f"alt_text: unknown kind {kind!r}; allowed: {allowed}") from None
    return describe(data)
