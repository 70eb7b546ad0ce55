"""Figures: assert on what was drawn (bar lengths, label texts, legend), not on pixels."""

from __future__ import annotations

import inspect
import io
import math
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle, Wedge

from tevredenheidsrapport import figures, labels, theme

P = "Werkpad Noord"
B = labels.ALLE_DEELNEMERS


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")


@pytest.fixture
def means() -> pd.DataFrame:
    # The benchmark rows come first on purpose: the provider must still be drawn first.
    return pd.DataFrame(
        {
            "label": ["Totaal", "Jobcoaching", "Totaal", "Jobcoaching"],
            "group": [B, B, P, P],
            "mean": [7.4, 7.95, 8.25, 8.7],
            "n": [2345, 1012, 34, 25],
        }
    )


@pytest.fixture
def grades() -> pd.DataFrame:
    rows = [(7, P, 25.0, 12), (8, P, 33.3, 12), (9, P, 41.7, 12)]
    rows += [(g, B, 10.0, 2345) for g in range(1, 11)]
    return pd.DataFrame(rows, columns=["grade", "group", "percent", "n"])


@pytest.fixture
def choice() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "option": ["Ja", "Nee", "Weet ik niet", "Ja", "Nee", "Weet ik niet"],
            "group": [P, P, P, B, B, B],
            "percent": [66.7, 25.0, 8.3, 49.2, 40.1, 10.7],
            "n": [12, 12, 12, 1876, 1876, 1876],
        }
    )


SCALE = ["Heel tevreden", "Tevreden", "Ontevreden", "Heel ontevreden", "Geen mening"]


@pytest.fixture
def stacked() -> pd.DataFrame:
    rows = []
    for row, ps in [
        (f"{P} (n=34)", [50.0, 32.4, 8.8, 2.9, 5.9]),
        (f"{B} (n=2.345)", [41.2, 40.3, 9.1, 4.4, 5.0]),
    ]:
        rows += [(row, o, p) for o, p in zip(SCALE, ps, strict=True)]
    return pd.DataFrame(rows, columns=["row", "option", "percent"])


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


# --- the contract --------------------------------------------------------------------------------
PLOTS = [
    figures.plot_means,
    figures.plot_grade_distribution,
    figures.plot_single,
    figures.plot_multi,
    figures.plot_stacked,
    figures.plot_donut,
    figures.plot_invitation_flow,
]


@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
def test_every_plot_has_the_seaborn_contract(plot):
    params = inspect.signature(plot).parameters
    first, *rest = params.values()
    assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest)
    assert params["ax"].default is None


@pytest.mark.parametrize(
    ("plot", "fixture"),
    [
        (figures.plot_means, "means"),
        (figures.plot_grade_distribution, "grades"),
        (figures.plot_single, "choice"),
        (figures.plot_multi, "choice"),
        (figures.plot_stacked, "stacked"),
    ],
)
def test_draws_into_a_given_axes_and_leaves_the_input_alone(plot, fixture, request):
    data = request.getfixturevalue(fixture)
    before = data.copy()
    fig = theme.new_figure(3.0)
    ax = fig.add_axes((0.35, 0.2, 0.6, 0.6))
    assert plot(data, ax=ax) is ax
    assert ax.figure is fig and len(fig.axes) == 1
    pd.testing.assert_frame_equal(data, before)


@pytest.mark.parametrize(
    ("plot", "fixture", "column"),
    [
        (figures.plot_means, "means", "n"),
        (figures.plot_grade_distribution, "grades", "grade"),
        (figures.plot_single, "choice", "percent"),
        (figures.plot_stacked, "stacked", "option"),
    ],
)
def test_missing_columns_are_named(plot, fixture, column, request):
    data = request.getfixturevalue(fixture).drop(columns=[column])
    with pytest.raises(ValueError, match=rf"missing column\(s\) '{column}'"):
        plot(data)


def test_duplicate_rows_are_refused(means):
    with pytest.raises(ValueError, match="duplicate"):
        figures.plot_means(pd.concat([means, means.head(1)]))


def test_new_figures_are_a4_text_width(choice):
    ax = figures.plot_single(choice)
    assert ax.figure.get_figwidth() == pytest.approx(theme.FIG_WIDTH)


# --- plot_means ----------------------------------------------------------------------------------
def test_means_bar_lengths_are_the_means_provider_first(means):
    ax = figures.plot_means(means)
    drawn = bars(ax)
    assert [r.get_width() for r in drawn] == pytest.approx([8.25, 8.7, 7.4, 7.95])
    assert [r.get_facecolor() for r in drawn[:2]] == [matplotlib.colors.to_rgba(theme.PROVIDER)] * 2
    # within a category the provider's bar is on top (smaller y: the y axis is inverted)
    assert drawn[0].get_y() < drawn[2].get_y()
    assert ax.get_xlim() == (0, 10)


def test_means_labels_have_a_decimal_comma_rounded_half_up(means):
    ax = figures.plot_means(means)
    shown = texts(ax)
    assert "8,3" in shown  # 8,25 rounds half-up, as a reader would
    assert {"8,7", "7,4", "8,0"} <= set(shown)  # 7,95 -> 8,0
    assert not any(re.fullmatch(r"\d+\.\d", t) for t in shown)


def test_means_varying_n_goes_next_to_each_bar(means):
    ax = figures.plot_means(means)
    assert figures.legend_texts(ax) == [P, B]
    assert {"n=34", "n=25", "n=2.345", "n=1.012"} <= set(texts(ax))


def test_means_single_n_per_group_goes_in_the_legend():
    data = pd.DataFrame(
        {"label": ["Totaal"] * 2, "group": [P, B], "mean": [7.8, 7.4], "n": [34, 2345]}
    )
    ax = figures.plot_means(data)
    assert figures.legend_texts(ax) == [f"{P} (n=34)", f"{B} (n=2.345)"]
    assert not any(t.startswith("n=") for t in texts(ax))


def test_means_missing_value_shows_a_mark_not_a_bar(means):
    data = means.copy()
    data.loc[(data["group"] == B) & (data["label"] == "Jobcoaching"), ["mean", "n"]] = [np.nan, 0]
    # withheld for privacy: people answered, but too few
    data.loc[(data["group"] == P) & (data["label"] == "Jobcoaching"), "mean"] = np.nan
    ax = figures.plot_means(data)
    assert len(bars(ax)) == 2
    shown = texts(ax)
    assert labels.NO_ANSWERS in shown and labels.SUPPRESSED in shown
    assert "n=0" not in shown and "n=25" not in shown
    assert "0,0" not in shown
    alt = figures.describe_means(data)
    assert (
        f"Jobcoaching: {P} {figures._TEXT['suppressed']}, alle deelnemers geen antwoorden." in alt
    )


def test_means_refuses_a_provider_without_values(means):
    data = means.assign(mean=np.where(means["group"] == P, np.nan, means["mean"]))
    with pytest.raises(ValueError, match="all values of the provider"):
        figures.plot_means(data)


def test_means_refuses_a_frame_with_only_the_benchmark(means):
    with pytest.raises(ValueError, match="no provider"):
        figures.plot_means(means[means["group"] == B])


def test_means_long_labels_wrap():
    name = labels.DIENSTEN[9]
    data = pd.DataFrame({"label": [name, name], "group": [P, B], "mean": [7.0, 7.1], "n": [3, 400]})
    ax = figures.plot_means(data)
    wrapped = [t for t in texts(ax) if t.replace("\n", " ") == name]
    assert wrapped and "\n" in wrapped[0]


# --- plot_grade_distribution ---------------------------------------------------------------------
def test_grade_bar_heights_are_the_percentages(grades):
    ax = figures.plot_grade_distribution(grades)
    drawn = bars(ax)
    assert len(drawn) == 20
    provider = [0.0] * 6 + [25.0, 33.3, 41.7, 0.0]  # absent grades are 0%
    assert [r.get_height() for r in drawn[:10]] == pytest.approx(provider)
    assert [r.get_height() for r in drawn[10:]] == pytest.approx([10.0] * 10)
    assert [r.get_x() + r.get_width() / 2 for r in drawn[:10]] < [
        r.get_x() + r.get_width() / 2 for r in drawn[10:]
    ]


def test_grade_labels_above_the_providers_bars_only(grades):
    ax = figures.plot_grade_distribution(grades)
    percent_labels = [t for t in texts(ax) if t.endswith("%")]
    assert sorted(percent_labels) == ["25%", "33%", "42%"]
    assert [str(g) for g in range(1, 11)] == [t for t in texts(ax) if t.isdigit()]
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels())
    assert figures.legend_texts(ax) == [f"{P} (n=12)", f"{B} (n=2.345)"]


def test_grade_outside_1_to_10_is_refused(grades):
    with pytest.raises(ValueError, match="1 to 10"):
        figures.plot_grade_distribution(grades.replace({"grade": {7: 11}}))


# --- plot_single / plot_multi --------------------------------------------------------------------
def test_single_bar_widths_labels_and_legend(choice):
    ax = figures.plot_single(choice)
    assert [r.get_width() for r in bars(ax)] == pytest.approx([66.7, 25.0, 8.3, 49.2, 40.1, 10.7])
    assert {"67%", "25%", "8%", "49%", "40%", "11%"} <= set(texts(ax))
    legend = figures.legend_texts(ax)
    assert legend == [f"{P} (n=12)", f"{B} (n=1.876)"]
    assert all("n=" in t for t in legend)
    assert figures._TEXT["multi_note"] not in texts(ax)


def test_multi_note_is_optional(choice):
    note = figures._TEXT["multi_note"]
    assert note in texts(figures.plot_multi(choice))
    assert note not in texts(figures.plot_multi(choice, note=False))


def test_choice_needs_one_n_per_group(choice):
    data = choice.copy()
    data.loc[0, "n"] = 13
    with pytest.raises(ValueError, match="one n"):
        figures.plot_single(data)


def test_choice_percent_out_of_range_is_refused(choice):
    with pytest.raises(ValueError, match="between 0 and 100"):
        figures.plot_single(choice.assign(percent=choice["percent"] * 2))


# --- plot_stacked --------------------------------------------------------------------------------
def test_stacked_segments_are_the_percentages_in_scale_order(stacked):
    ax = figures.plot_stacked(stacked)
    drawn = bars(ax)
    assert len(drawn) == 10
    # option-major: for each scale option, one segment per row
    widths = np.array([r.get_width() for r in drawn]).reshape(5, 2).T
    assert widths[0] == pytest.approx([50.0, 32.4, 8.8, 2.9, 5.9])
    assert widths[1] == pytest.approx([41.2, 40.3, 9.1, 4.4, 5.0])
    lefts = np.array([r.get_x() for r in drawn]).reshape(5, 2).T
    assert lefts[0] == pytest.approx(np.concatenate(([0.0], np.cumsum(widths[0])[:-1])))


def test_stacked_labels_only_for_segments_of_five_percent_or_more(stacked):
    ax = figures.plot_stacked(stacked)
    percent_labels = sorted(t for t in texts(ax) if t.endswith("%"))
    assert percent_labels == sorted(["50%", "32%", "9%", "6%", "41%", "40%", "9%", "5%"])
    assert f"{P} (n=34)" in texts(ax)


def test_stacked_legend_lists_the_scale_in_order_and_neutral_is_grey(stacked):
    ax = figures.plot_stacked(stacked)
    assert figures.legend_texts(ax) == SCALE
    colour = {r.get_label(): r.get_facecolor() for r in bars(ax) if r.get_label() in SCALE}
    assert colour["Geen mening"] == matplotlib.colors.to_rgba(theme.NEUTRAL)
    assert colour["Heel tevreden"] != colour["Heel ontevreden"]
    keys = [line for line in ax.lines if isinstance(line, Line2D)]
    assert len(keys) == len(SCALE)


def test_stacked_matrix_blocks_get_headings(stacked):
    items = ["Bereikbaarheid van de coach", "Het eerste gesprek"]
    data = pd.concat([stacked.assign(block=item) for item in items], ignore_index=True)
    ax = figures.plot_stacked(data)
    assert len(bars(ax)) == 20
    assert set(items) <= set(texts(ax))
    assert texts(ax).count(f"{P} (n=34)") == 2


def test_stacked_refuses_empty_provider_rows(stacked):
    data = stacked.assign(
        percent=np.where(stacked["row"].str.startswith(P), np.nan, stacked["percent"])
    )
    with pytest.raises(ValueError, match="provider"):
        figures.plot_stacked(data)


# --- plot_donut ----------------------------------------------------------------------------------
def test_donut_wedges_and_labels():
    data = pd.DataFrame({"option": SCALE, "percent": [83.3, 16.7, 0.0, 0.0, 0.0]})
    ax = figures.plot_donut(data, center_text="8,4")
    wedges = [p for p in ax.patches if isinstance(p, Wedge)]
    spans = [w.theta2 - w.theta1 for w in wedges]
    assert spans[:2] == pytest.approx([83.3 * 3.6, 16.7 * 3.6], abs=0.01)
    assert figures.legend_texts(ax) == [
        "Heel tevreden: 83%",
        "Tevreden: 17%",
        "Ontevreden: 0%",
        "Heel ontevreden: 0%",
        "Geen mening: 0%",
    ]
    assert "8,4" in texts(ax)
    assert wedges[-1].get_facecolor() == matplotlib.colors.to_rgba(theme.NEUTRAL)


def test_donut_refuses_no_answers():
    with pytest.raises(ValueError, match="missing or zero"):
        figures.plot_donut(pd.DataFrame({"option": SCALE, "percent": [np.nan] * 5}))


# --- plot_invitation_flow ------------------------------------------------------------------------
STEPS = [
    "aanlevering gegevens",
    "controle",
    "uitnodiging per e-mail",
    "herinnering",
    ("extra herinnering", "telefonische benadering"),
    "vragenlijst ingevuld",
]


def test_invitation_flow_boxes_arrows_and_texts():
    ax = figures.plot_invitation_flow(STEPS)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == 7
    assert len(arrows) == 1 + 1 + 1 + 2 + 2  # a choice joins both its neighbours
    shown = [t.replace("\n", " ") for t in texts(ax)]
    assert shown == [
        "aanlevering gegevens",
        "controle",
        "uitnodiging per e-mail",
        "herinnering",
        "extra herinnering",
        "telefonische benadering",
        "vragenlijst ingevuld",
    ]


def test_invitation_flow_refuses_empty_steps():
    with pytest.raises(ValueError):
        figures.plot_invitation_flow([])
    with pytest.raises(ValueError):
        figures.plot_invitation_flow(["controle", " "])


# --- alt texts -----------------------------------------------------------------------------------
def test_alt_text_means(means):
    text = figures.alt_text("means", means)
    assert text.startswith("Staafdiagram: gemiddeld rapportcijfer.")
    assert f"Totaal: {P} 8,3 (n=34), alle deelnemers 7,4 (n=2.345)." in text


def test_alt_text_other_kinds(grades, choice, stacked):
    assert f"{P} (n=12): cijfer 7: 25%, cijfer 8: 33%, cijfer 9: 42%." in figures.alt_text(
        "grade_distribution", grades
    )
    assert f"Ja: {P} 67%, alle deelnemers 49%." in figures.describe_single(choice)
    assert "meer antwoorden mogelijk" in figures.describe_multi(choice)
    assert f"{P} (n=34): Heel tevreden 50%, Tevreden 32%" in figures.describe_stacked(stacked)
    assert "5. extra herinnering of telefonische benadering" in figures.describe_invitation_flow(
        STEPS
    )
    with pytest.raises(ValueError, match="allowed"):
        figures.alt_text("pie", stacked)


# --- theme and SVG -------------------------------------------------------------------------------
def test_style_pins_the_look_only_inside_its_block():
    before = dict(matplotlib.rcParams)
    with theme.style():
        assert matplotlib.rcParams["font.sans-serif"] == ["DejaVu Sans"]
        assert matplotlib.rcParams["svg.fonttype"] == "none"  # text stays text
        assert matplotlib.rcParams["svg.hashsalt"] == theme.SVG_HASHSALT
        with theme.style():  # nesting is harmless
            pass
        assert matplotlib.rcParams["svg.hashsalt"] == theme.SVG_HASHSALT
    assert dict(matplotlib.rcParams) == before  # nothing set globally


def test_plot_functions_get_the_look_without_a_caller_context():
    assert matplotlib.rcParams["svg.hashsalt"] != theme.SVG_HASHSALT
    ax = figures.plot_single(
        pd.DataFrame(
            {
                "option": ["Ja", "Ja"],
                "group": ["Bureau A", "Alle deelnemers"],
                "percent": [50.0, 40.0],
                "n": [10, 90],
            }
        )
    )
    assert ax.figure.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert {t.get_fontname() for t in ax.texts} <= {"DejaVu Sans"}


def test_scale_colors_run_from_positive_to_negative():
    for n in range(1, 10):
        colours = theme.scale_colors(n)
        assert len(colours) == n
    assert theme.scale_colors(4)[0] == theme.SCALE_PALETTES[4][0]
    assert theme.NEUTRAL not in theme.scale_colors(5)


def test_svg_is_byte_deterministic_atomic_and_undated(tmp_path, stacked, means):
    for plot, data in [(figures.plot_stacked, stacked), (figures.plot_means, means)]:
        first = theme.save_svg(plot(data), tmp_path / "a.svg").read_bytes()
        second = theme.save_svg(plot(data).figure, tmp_path / "b.svg").read_bytes()
        assert first == second
        assert b"<dc:date>" not in first
        assert not re.search(rb"\d{4}-\d{2}-\d{2}", first)
        assert b"<text" in first and b"DejaVu Sans" in first  # text stays real text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.svg"]  # no temp files


def test_svg_save_failure_leaves_no_file(tmp_path, monkeypatch, choice):
    ax = figures.plot_single(choice)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ax.figure, "savefig", boom)
    with pytest.raises(OSError):
        theme.save_svg(ax.figure, tmp_path / "x.svg")
    assert list(tmp_path.iterdir()) == []


def test_save_svg_closes_pyplot_figures(tmp_path, choice):
    plt = matplotlib.pyplot
    fig = plt.figure(figsize=(theme.FIG_WIDTH, 2))
    figures.plot_single(choice, ax=fig.add_axes((0.3, 0.1, 0.6, 0.7)))
    theme.save_svg(fig, tmp_path / "c.svg")
    assert not plt.fignum_exists(fig.number)


def test_all_labels_are_dutch_numbers(means, grades, choice, stacked):
    drawn = (
        texts(figures.plot_means(means))
        + texts(figures.plot_grade_distribution(grades))
        + texts(figures.plot_single(choice))
        + texts(figures.plot_stacked(stacked))
    )
    numeric = [t for t in drawn if re.fullmatch(r"[\d.,]+%?", t)]
    assert numeric
    # a point may only separate thousands (2.345), never decimals
    assert not [t for t in numeric if re.search(r"\.\d{1,2}(?!\d)", t)]
    assert not any(
        math.isnan(float(t.rstrip("%").replace(".", "").replace(",", "."))) for t in numeric
    )


def test_dollar_signs_in_labels_stay_literal(choice):
    data = choice.assign(option=choice["option"].replace({"Ja": "Ja, $5 of $6"}))
    assert "Ja, $5 of $6" in texts(figures.plot_single(data))


# --- blank figures -------------------------------------------------------------------------------
def _every_kind(means, grades, choice, stacked) -> list:
    """A drawing of every plot kind, each a function that draws it anew."""
    donut = pd.DataFrame({"option": SCALE, "percent": [83.3, 16.7, 0.0, 0.0, 0.0]})
    return [
        lambda: figures.plot_stacked(stacked),
        lambda: figures.plot_means(means),
        lambda: figures.plot_grade_distribution(grades),
        lambda: figures.plot_single(choice),
        lambda: figures.plot_multi(choice),
        lambda: figures.plot_donut(donut, center_text="8,4"),
        lambda: figures.plot_invitation_flow(STEPS),
    ]


def test_figures_drawn_on_copies_of_a_blank_are_the_figures_drawn_anew(
    tmp_path, monkeypatch, means, grades, choice, stacked
):
    """Every figure starts from a copy of one blank figure (theme.new_axes): each kind, in
    any order and size, gives the same bytes as drawn on a figure built for it, so no copy
    carries anything of another or of the blank's own size."""
    drawings = _every_kind(means, grades, choice, stacked) + [lambda: figures.plot_stacked(stacked)]

    def draw_all(folder) -> list[bytes]:
        folder.mkdir()
        axes = [draw() for draw in drawings]
        assert len({id(ax.figure) for ax in axes}) == len(axes)  # a figure of its own each
        return [theme.save_svg(ax, folder / f"{i}.svg").read_bytes() for i, ax in enumerate(axes)]

    copied = draw_all(tmp_path / "copied")
    monkeypatch.setattr(
        theme,
        "new_axes",
        lambda height, width, rect: theme.new_figure(height, width).add_axes(rect),
    )
    anew = draw_all(tmp_path / "anew")
    assert copied == anew


# --- text measured once ------------------------------------------------------------------------
def test_svg_measured_once_per_text_is_matplotlibs_own_svg(
    tmp_path, means, grades, choice, stacked
):
    """save_svg measures a text once per process (theme._SvgRenderer): every figure kind
    gives the bytes of matplotlib's own SVG canvas, whatever was measured before it."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    for i, draw in enumerate(_every_kind(means, grades, choice, stacked)):
        ours = theme.save_svg(draw(), tmp_path / f"{i}.svg").read_bytes()
        fig = draw().figure
        FigureCanvasSVG(fig)
        with theme.style():
            fig.savefig(tmp_path / f"{i}-mpl.svg", format="svg", metadata={"Date": None})
        assert ours == (tmp_path / f"{i}-mpl.svg").read_bytes(), i


def test_text_extent_is_the_svg_renderers_measure():
    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.font_manager import FontProperties

    plain = RendererSVG(100, 100, io.StringIO())
    ours = theme._SvgRenderer(100, 100, io.StringIO())
    with theme.style():
        for size, weight in ((7.0, "normal"), (9.5, "bold")):
            prop = FontProperties(size=size, weight=weight)
            for text in ("Alle deelnemers", "Heel tevreden", "37,5%", "n = 12", "ë ï"):
                expected = plain.get_text_width_height_descent(text, prop, False)
                assert ours.get_text_width_height_descent(text, prop, False) == expected
                assert ours.get_text_width_height_descent(text, prop, False) == expected  # memo


def test_font_height_metrics_are_those_matplotlib_reads_itself():
    """theme._SvgRenderer gives matplotlib's text layout the line metrics of a font from one
    lookup; the layout must be the one matplotlib makes from the font's tables itself."""
    from matplotlib.backends.backend_svg import RendererSVG

    fig = theme.new_figure(1.0, 1.0)
    fig.dpi = 72  # as the SVG canvas sets it while drawing
    with theme.style():
        for size, weight in ((7.0, "normal"), (9.5, "bold"), (12.0, "normal")):
            text = fig.text(0, 0, "Twee regels,\neen met ëï", fontsize=size, weight=weight)
            layouts = []
            for renderer in (
                RendererSVG(100, 100, io.StringIO()),
                theme._SvgRenderer(100, 100, io.StringIO()),
            ):
                box, lines, descent = text._get_layout(renderer)
                layouts.append((box.bounds, lines, descent))
            assert layouts[0] == layouts[1], (size, weight)


def test_donut_labels_beside_the_ring_stay_inside_the_figure():
    # two small wedges just before the top, where their labels stand right-aligned at the
    # left of the ring: they used to run off the figure's left edge
    data = pd.DataFrame({"option": SCALE, "percent": [13.3, 66.7, 3.3, 3.3, 13.3]})
    ax = figures.plot_donut(data)
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    outside = [t for t in ax.texts if t.get_text().endswith("%") and t.get_ha() != "center"]
    assert outside, "the small wedges are labelled beside the ring"
    for text in ax.texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, text.get_text()


@pytest.mark.parametrize(
    "values, dtype",
    [
        (["a", None, "b"], None),
        (["a", None, "b"], object),
        ([1.0, float("nan"), 0.30000000000000004], None),
        ([1, None], "Int64"),
        ([True, False], None),
        ([None, None], None),
    ],
)
def test_key_columns_read_as_astype_str_reads_them(values, dtype):
    """The plot functions list a key column as ``astype(str)`` would, a missing value kept
    missing (NaN), without building the converted column."""
    column = pd.Series(values, dtype=dtype)
    expected = column.astype(str).tolist()
    got = figures._strings(pd.DataFrame({"c": column}), "c")
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert [v if isinstance(v, str) else "<missing>" for v in got] == [
        v if isinstance(v, str) else "<missing>" for v in expected
    ]
    assert all(isinstance(v, str) or math.isnan(v) for v in got)
