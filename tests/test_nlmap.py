"""The shipped province outlines and the cover's locator map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from tevredenheidsrapport import labels, nlmap, theme

#: Known places and the province they are in.
CITIES = {
    "Utrecht": ((5.12, 52.09), "Utrecht"),
    "Maastricht": ((5.69, 50.85), "Limburg"),
    "Groningen": ((6.57, 53.22), "Groningen"),
    "Amsterdam": ((4.90, 52.37), "Noord-Holland"),
    "Rotterdam": ((4.48, 51.92), "Zuid-Holland"),
    "Eindhoven": ((5.48, 51.44), "Noord-Brabant"),
    "Zwolle": ((6.09, 52.51), "Overijssel"),
    "Arnhem": ((5.90, 51.98), "Gelderland"),
    "Lelystad": ((5.47, 52.52), "Flevoland"),
    "Leeuwarden": ((5.80, 53.20), "Friesland"),
    "Assen": ((6.56, 53.00), "Drenthe"),
    "Middelburg": ((3.61, 51.50), "Zeeland"),
}


def ring_paths(name: str) -> list[Path]:
    return [Path(r) for r in nlmap.load_provinces()[name]]


def contains(name: str, point: tuple[float, float]) -> bool:
    return any(p.contains_point(point) for p in ring_paths(name))


def signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def centroid(ring: np.ndarray) -> tuple[float, float]:
    x, y = ring[:, 0], ring[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    a = cross.sum() / 2
    return float(((x[:-1] + x[1:]) * cross).sum() / (6 * a)), float(
        ((y[:-1] + y[1:]) * cross).sum() / (6 * a)
    )


def self_intersects(ring: np.ndarray) -> bool:
    """True when two non-adjacent edges of the closed ring cross or touch."""
    p, q = ring[:-1], ring[1:]
    n = len(p)

    def orient(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # adjacent through the closing point
            a, b, c, d = p[i], q[i], p[j], q[j]
            if orient(a, b, c) != orient(a, b, d) and orient(c, d, a) != orient(c, d, b):
                return True
    return False


def frame(**counts: int) -> pd.DataFrame:
    return pd.DataFrame({"province": list(counts), "count": list(counts.values())})


# --- geometry --------------------------------------------------------------------------------
def test_all_provinces_with_valid_closed_rings():
    provinces = nlmap.load_provinces()
    assert tuple(provinces) == labels.PROVINCIES
    for name, rings in provinces.items():
        assert rings, name
        for ring in rings:
            assert ring.ndim == 2 and ring.shape[1] == 2, name
            assert len(ring) >= 5, name  # at least 4 distinct vertices, closed
            assert np.array_equal(ring[0], ring[-1]), f"{name}: ring not closed"
            assert np.isfinite(ring).all(), name
            assert abs(signed_area(ring)) > 1e-4, f"{name}: degenerate ring"
            assert not self_intersects(ring), f"{name}: ring crosses itself"
            assert (ring[:, 0] >= 3.3).all() and (ring[:, 0] <= 7.3).all(), name
            assert (ring[:, 1] >= 50.7).all() and (ring[:, 1] <= 53.6).all(), name
            assert not ring.flags.writeable  # the cache cannot be changed by accident
    assert nlmap.load_provinces() is provinces  # cached


def test_centroid_of_each_province_lies_inside_it():
    for name, rings in nlmap.load_provinces().items():
        main = max(rings, key=lambda r: abs(signed_area(r)))
        assert contains(name, centroid(main)), name


@pytest.mark.parametrize("city", CITIES)
def test_cities_fall_in_their_province_only(city):
    point, expected = CITIES[city]
    found = [name for name in labels.PROVINCIES if contains(name, point)]
    assert found == [expected], f"{city} {point}: {found}"


def test_provinces_do_not_overlap():
    """Shared borders coincide: no point of a fine grid lies in two provinces."""
    lon, lat = np.meshgrid(np.arange(3.3, 7.3, 0.013), np.arange(50.7, 53.6, 0.011))
    points = np.column_stack([lon.ravel(), lat.ravel()])
    hits = np.zeros(len(points), dtype=int)
    for name in labels.PROVINCIES:
        inside = np.zeros(len(points), dtype=bool)
        for path in ring_paths(name):
            inside |= path.contains_points(points)
        hits += inside
    assert hits.max() == 1
    assert (hits == 1).mean() > 0.3  # the country covers a good part of its bounding box


# --- plot ------------------------------------------------------------------------------------
def test_plot_colours_provinces_with_clients():
    ax = nlmap.plot_province_map(frame(Utrecht=12, Gelderland=5, Zeeland=0))
    patches = {p.get_gid(): p for p in ax.patches if isinstance(p, PathPatch)}
    assert set(patches) == set(labels.PROVINCIES)
    blue, grey = to_rgba(nlmap.HIGHLIGHT), to_rgba(nlmap.OTHER)
    for name, patch in patches.items():
        expected = blue if name in ("Utrecht", "Gelderland") else grey
        assert patch.get_facecolor() == pytest.approx(expected), name
    fig = ax.figure
    assert tuple(fig.get_size_inches()) == pytest.approx((2.4, 2.8))
    assert not ax.axison
    assert not fig.patch.get_visible()  # transparent background
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(52.2)))
    theme.close(fig)


def test_plot_shade_runs_light_to_dark_by_count():
    ax = nlmap.plot_province_map(frame(Utrecht=12, Gelderland=5, Limburg=1), shade=True)
    face = {p.get_gid(): p.get_facecolor() for p in ax.patches}
    assert face["Utrecht"] == pytest.approx(to_rgba(nlmap.HIGHLIGHT), abs=0.01)
    assert face["Limburg"] == pytest.approx(to_rgba(nlmap.SHADE_LIGHT), abs=0.01)
    assert sum(face["Limburg"][:3]) > sum(face["Gelderland"][:3]) > sum(face["Utrecht"][:3])
    assert face["Drenthe"] == pytest.approx(to_rgba(nlmap.OTHER))
    theme.close(ax.figure)


def test_plot_into_given_axes_and_save(tmp_path):
    fig = theme.new_figure(2.8, 2.4)
    ax = fig.add_axes((0, 0, 1, 1))
    assert nlmap.plot_province_map(frame(Limburg=3), ax=ax) is ax
    svg = theme.save_svg(fig, tmp_path / "kaart.svg").read_text()
    assert svg.count('id="Limburg"') == 1


@pytest.mark.parametrize(
    "data, message",
    [
        (pd.DataFrame({"province": ["Utrecht"]}), "missing column"),
        (frame(Brabant=3), "unknown province"),
        (pd.DataFrame({"province": ["Utrecht", "Utrecht"], "count": [1, 2]}), "duplicate"),
        (frame(Utrecht=0), "no province has clients"),
        (frame(Utrecht=-1), "negative"),
    ],
)
def test_bad_input_raises(data, message):
    with pytest.raises(ValueError, match=message):
        nlmap.plot_province_map(data)
    with pytest.raises(ValueError, match=message):
        nlmap.describe_province_map(data)


# --- alt text --------------------------------------------------------------------------------
def test_alt_text_sorted_by_count():
    data = frame(Gelderland=5, Limburg=0, Utrecht=12, Zeeland=5, Drenthe=1234)
    assert nlmap.describe_province_map(data) == (
        "Kaart van Nederland; cliënten komen uit: Drenthe (1.234), Utrecht (12), "
        "Gelderland (5), Zeeland (5)."
    )
