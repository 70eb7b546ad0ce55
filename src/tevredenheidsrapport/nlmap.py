"""Locator map of the Netherlands for the report's cover: where the provider's clients live.

The province outlines ship with the package (``resources/provinces.json``): hand-drawn,
simplified outlines (roughly 15-50 vertices per province), approximate and meant only for a
small locator map, never for measuring. Each province is a list of closed ``[lon, lat]``
rings (the mainland plus islands); borders shared by two provinces use the same vertices.
Only land is drawn: the IJsselmeer, Markermeer, Wadden Sea and the main Zeeland estuaries
stay open.

:func:`plot_province_map` follows the contract of :mod:`figures` (``plot_x(data, *, ax=None)
-> Axes``; it draws and returns, never saves; save with
:func:`tevredenheidsrapport.theme.save_svg`). Provinces with clients are filled in the report's
accent blue, the others in light grey; ``shade=True`` instead runs from a light to the accent
blue by number of clients. The projection is plain lon/lat with the x axis stretched by
1 / cos(52.2°), so the country keeps its shape at Dutch latitudes. The figure has no axes and
no background (the figure patch is hidden, so it stays transparent even though our rcParams
save on white), and is about 2.4 × 2.8 inches.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from . import fmt, labels, theme

__all__ = [
    "HIGHLIGHT",
    "OTHER",
    "SHADE_LIGHT",
    "REQUIRED_COLUMNS",
    "load_provinces",
    "province_path",
    "plot_province_map",
    "describe_province_map",
]

#: Provinces with clients: the report's accent blue (as on the cover and in report.css).
HIGHLIGHT = theme.PROVIDER  # the provider colour of every figure
#: Provinces without clients.
OTHER = "#DADADA"
#: Lightest blue of the ``shade=True`` scale (fewest clients); the most clients get HIGHLIGHT.
SHADE_LIGHT = "#A9C4E6"
#: Lines between provinces: white, like the gaps in the other figures.
_EDGE = "white"
_EDGE_WIDTH = 0.5

REQUIRED_COLUMNS = ("province", "count")

#: Latitude whose cosine corrects the lon/lat aspect (the middle of the country).
_MID_LAT = 52.2
FIG_WIDTH = 2.4
FIG_HEIGHT = 2.8
_MARGIN = 0.03  # degrees of lat/lon around the outlines

_TEXT = MappingProxyType(
    {
        "map": "Kaart van Nederland",
        "from": "cliënten komen uit",
    }
)


# --- geometry --------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def load_provinces() -> dict[str, list[np.ndarray]]:
    """The outlines of the 12 provinces, in the order of ``labels.PROVINCIES``.

    Each value is a list of closed rings, each an ``(n, 2)`` float array of ``lon, lat``
    (first point repeated at the end). Read once from the package resources and cached; the
    arrays are read-only, so the cache cannot be changed by accident.
    """
    source = resources.files(__package__).joinpath("resources", "provinces.json")
    raw = json.loads(source.read_text(encoding="utf-8"))["provinces"]
    if set(raw) != set(labels.PROVINCIES):
        raise ValueError(
            "provinces.json: expected the provinces "
            f"{', '.join(labels.PROVINCIES)}, found {', '.join(raw)}"
        )
    out: dict[str, list[np.ndarray]] = {}
    for name in labels.PROVINCIES:
        rings = []
        for ring in raw[name]:
            arr = np.asarray(ring, dtype=float)
            arr.flags.writeable = False
            rings.append(arr)
        out[name] = rings
    return out


@lru_cache(maxsize=16)
def province_path(name: str) -> Path:
    """One compound :class:`~matplotlib.path.Path` of all rings of province ``name``."""
    rings = load_provinces()[name]
    codes = []
    for ring in rings:
        c = np.full(len(ring), Path.LINETO, dtype=Path.code_type)
        c[0] = Path.MOVETO
        c[-1] = Path.CLOSEPOLY
        codes.append(c)
    return Path(np.concatenate(rings), np.concatenate(codes), readonly=True)


@lru_cache(maxsize=1)
def _bounds() -> tuple[float, float, float, float]:
    """``(lon_min, lon_max, lat_min, lat_max)`` of all outlines."""
    pts = np.concatenate([r for rings in load_provinces().values() for r in rings])
    return (
        float(pts[:, 0].min()),
        float(pts[:, 0].max()),
        float(pts[:, 1].min()),
        float(pts[:, 1].max()),
    )


# --- input -----------------------------------------------------------------------------------
def _counts(data: pd.DataFrame, kind: str) -> dict[str, float]:
    """Clients per province from ``data`` (absent provinces: 0); checks the frame.

    Raises ``TypeError`` for a non-frame, ``ValueError`` for missing columns, unknown or
    duplicate provinces, non-numeric or negative counts, or when no province has a client.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{kind}: data must be a pandas DataFrame, not {type(data).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(
            f"{kind}: missing column(s) {', '.join(map(repr, missing))}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}"
        )
    names = data["province"].astype(str).tolist()
    unknown = sorted(set(names) - set(labels.PROVINCIES))
    if unknown:
        raise ValueError(
            f"{kind}: unknown province(s) {', '.join(map(repr, unknown))}; "
            f"expected one of {', '.join(labels.PROVINCIES)}"
        )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{kind}: duplicate rows for {', '.join(map(repr, dupes))}")
    try:
        values = pd.to_numeric(data["count"], errors="raise").to_numpy(dtype=float, na_value=0.0)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{kind}: column 'count' must be numeric ({exc})") from None
    if (values < 0).any():
        raise ValueError(f"{kind}: column 'count' must not be negative")
    counts = dict.fromkeys(labels.PROVINCIES, 0.0)
    counts.update(zip(names, values.tolist(), strict=True))
    if not any(v > 0 for v in counts.values()):
        raise ValueError(f"{kind}: no province has clients (all counts missing or zero)")
    return counts


def _colors(counts: dict[str, float], shade: bool) -> dict[str, str]:
    """Fill colour per province."""
    present = [v for v in counts.values() if v > 0]
    lo, hi = min(present), max(present)
    cmap = LinearSegmentedColormap.from_list("provinces", [SHADE_LIGHT, HIGHLIGHT])
    out = {}
    for name, value in counts.items():
        if value <= 0:
            out[name] = OTHER
        elif not shade or hi == lo:
            out[name] = HIGHLIGHT
        else:
            out[name] = to_hex(cmap((value - lo) / (hi - lo)))
    return out


# --- figure ----------------------------------------------------------------------------------
@theme.styled
def plot_province_map(data: pd.DataFrame, *, ax: Axes | None = None, shade: bool = False) -> Axes:
    """Locator map: the provinces the provider's clients come from, in blue.

    ``data`` columns: ``province`` (names as in ``labels.PROVINCIES``), ``count`` (clients).
    Provinces that are absent or have 0 (or NaN) clients are light grey (:data:`OTHER`); the
    others are :data:`HIGHLIGHT`, or with ``shade=True`` a light-to-dark blue by count (linear
    between the smallest and the largest count present). One patch per province, its gid the
    province name. Draws into ``ax`` or a new 2.4 × 2.8 in figure; returns the Axes.
    Raises ``ValueError`` for bad input or when no province has clients.
    """
    counts = _counts(data, "plot_province_map")
    colors = _colors(counts, shade)
    if ax is None:
        ax = theme.new_axes(FIG_HEIGHT, FIG_WIDTH, (0.0, 0.0, 1.0, 1.0))
        fig = ax.figure
        # Transparent even when saved with savefig.facecolor="white" (theme's rcParams):
        # a hidden figure patch is not drawn whatever its colour.
        fig.patch.set_visible(False)
    for name in labels.PROVINCIES:
        ax.add_patch(
            PathPatch(
                province_path(name),
                facecolor=colors[name],
                edgecolor=_EDGE,
                linewidth=_EDGE_WIDTH,
                joinstyle="round",
                gid=name,
            )
        )
    lon0, lon1, lat0, lat1 = _bounds()
    ax.set_xlim(lon0 - _MARGIN, lon1 + _MARGIN)
    ax.set_ylim(lat0 - _MARGIN, lat1 + _MARGIN)
    ax.set_aspect(1 / math.cos(math.radians(_MID_LAT)), adjustable="datalim", anchor="C")
    ax.set_axis_off()
    ax.patch.set_visible(False)
    return ax


def describe_province_map(data: pd.DataFrame) -> str:
    """Alt text: ``Kaart van Nederland; cliënten komen uit: Utrecht (12), Gelderland (5).``

    Provinces with clients, most clients first (ties in the order of ``labels.PROVINCIES``).
    """
    counts = _counts(data, "describe_province_map")
    order = {name: i for i, name in enumerate(labels.PROVINCIES)}
    present = sorted(
        ((name, value) for name, value in counts.items() if value > 0),
        key=lambda item: (-item[1], order[item[0]]),
    )
    items = ", ".join(f"{name} ({fmt.number(value, 0)})" for name, value in present)
    return f"{_TEXT['map']}; {_TEXT['from']}: {items}."
