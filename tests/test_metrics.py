"""Metrics against hand-computed figures, and against every row of the seed tables 1.1."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest
from conftest import grades_with_sum, persons_frame

from tevredenheidsrapport import fmt, labels, metrics
from tevredenheidsrapport.config import Norm

C, OG = labels.GROUP_CLIENT, labels.GROUP_OPDRACHTGEVER

# The seed tables 1.1, one spec per seed report. Grades are built to the sums that give the
# printed means; rows outside the netto steekproef (``dropped``) must not count anywhere.
SEEDS = {
    "000": [
        {
            "group": C,
            "dienst": 11,
            "netto": 452,
            "grades": grades_with_sum(109, 785),
            "dropped": 12,
        },
        {"group": OG, "netto": 80, "grades": [6.5] * 24 + [9.0] * 2},
    ],
    "001": [
        {"group": C, "dienst": 11, "netto": 26, "grades": grades_with_sum(8, 65), "dropped": 3}
    ],
    "002": [
        {"group": C, "dienst": 8, "netto": 8, "grades": [8, 8, 8]},
        {"group": C, "dienst": 9, "netto": 8, "grades": [10, 10, 10], "dropped": 1},
    ],
    "003": [
        {"group": C, "dienst": 1, "netto": 8, "grades": [8, 8, 8, 9]},
        {"group": OG, "netto": 2, "grades": []},
    ],
    "004": [
        {"group": C, "dienst": 5, "netto": 83, "grades": grades_with_sum(34, 297)},
        {"group": C, "dienst": 9, "netto": 51, "grades": grades_with_sum(25, 196)},
        {"group": C, "dienst": 10, "netto": 8, "grades": grades_with_sum(4, 34)},
        {"group": OG, "netto": 1, "grades": [7.0]},
    ],
}

# seed, row label, netto, ingevuld, respons as printed, rapportcijfer as printed, publicatie
EXPECTED = [
    ("000", 11, 452, 109, "24,1", "7,2", "ja"),
    ("000", "Totaal", 452, 109, "24,1", "7,2", "ja"),
    ("000", "Totaal opdrachtgevers", 80, 26, "32,5", "6,7", "ja"),
    ("001", 11, 26, 8, "30,8", "8,1", "ja"),
    ("001", "Totaal", 26, 8, "30,8", "8,1", "ja"),
    ("002", 8, 8, 3, "37,5", "8,0", "nee"),
    ("002", 9, 8, 3, "37,5", "10,0", "nee"),
    ("002", "Totaal", 16, 6, "37,5", "9,0", "nee"),
    ("003", 1, 8, 4, "50,0", "8,3", "ja"),
    ("003", "Totaal", 8, 4, "50,0", "8,3", "ja"),
    # the seed printed 0,0 here, a defect: nobody answered, so no grade is shown
    ("003", "Totaal opdrachtgevers", 2, 0, "0,0", labels.NO_ANSWERS, "ja"),
    ("004", 5, 83, 34, "41,0", "8,7", "ja"),
    ("004", 9, 51, 25, "49,0", "7,8", "ja"),
    ("004", 10, 8, 4, "50,0", "8,5", "ja"),
    ("004", "Totaal", 142, 63, "44,4", "8,4", "ja"),
    ("004", "Totaal opdrachtgevers", 1, 1, "100,0", labels.SUPPRESSED, "ja"),
]


def shown_grade(row: pd.Series) -> str:
    if math.isnan(row["cijfer"]):
        return labels.NO_ANSWERS
    return fmt.number(row["cijfer"]) if row["cijfer_shown"] else labels.SUPPRESSED


@pytest.fixture(scope="module")
def tables(settings):
    return {
        seed: metrics.table11(
            persons_frame(f"seed{seed}", spec), publication=settings.publication, min_answers=3
        )
        for seed, spec in SEEDS.items()
    }


@pytest.mark.parametrize(
    "seed,row,netto,ingevuld,respons,cijfer,publ", EXPECTED, ids=lambda v: str(v)
)
def test_seed_table_rows(tables, seed, row, netto, ingevuld, respons, cijfer, publ):
    table = tables[seed]
    key = table["dienst"] == row if isinstance(row, int) else table["label"] == row
    assert key.sum() == 1, f"row {row} missing in seed {seed} table"
    r = table[key].iloc[0]
    assert (r["netto"], r["ingevuld"]) == (netto, ingevuld)
    assert fmt.number(r["respons"]) == respons
    assert shown_grade(r) == cijfer
    assert (labels.JA if r["publicatie"] else labels.NEE) == publ


def test_seed_tables_have_exactly_the_expected_rows(tables):
    for seed, table in tables.items():
        expected = [row for s, row, *_ in EXPECTED if s == seed]
        got = [
            d if d is not pd.NA else label
            for d, label in zip(table["dienst"], table["label"], strict=True)
        ]
        assert got == expected


def test_total_is_mean_over_respondents_not_of_service_means():
    frame = persons_frame(
        "p",
        [
            {"group": C, "dienst": 1, "netto": 3, "grades": [8, 8, 8]},
            {"group": C, "dienst": 2, "netto": 1, "grades": [4]},
        ],
    )
    means = metrics.means_by_service(frame)
    assert (
        means.loc[means["label"] == "Totaal", "mean"].item() == 7.0
    )  # (24 + 4) / 4, not (8 + 4) / 2


def test_half_up_rounding_of_exact_means():
    assert metrics.mean_grade([8, 8, 8, 9]) == 8.3  # 8,25: round() would give 8,2
    assert metrics.exact_mean([6.5, 7.0]) == Fraction(27, 4)
    assert metrics.mean_grade([]) != metrics.mean_grade([])  # NaN
    assert metrics.response_rate(63, 142) == 44.4
    assert math.isnan(metrics.response_rate(0, 0))


def test_grade_distribution_rounds_decimals_and_sums_to_100():
    dist = metrics.grade_distribution(pd.Series([7.5, 7.4, 8.0, 10.0]))
    assert dist.set_index("grade")["count"].to_dict() == {
        1: 0,
        2: 0,
        3: 0,
        4: 0,
        5: 0,
        6: 0,
        7: 1,
        8: 2,
        9: 0,
        10: 1,
    }
    assert dist["percent"].sum() == pytest.approx(100.0)
    assert dist["n"].iloc[0] == 4


@pytest.mark.parametrize(
    "grades,status",
    [
        ({1: [7, 7, 8]}, "behaald"),
        ({1: [8, 8, 8, 8, 8, 8, 1, 1]}, "behaald na correctie"),  # 6,0 -> corrected (48+10)/8 = 7,3
        ({1: [5, 5, 6]}, "niet behaald"),
        ({1: [8, 8, 8], 2: [5, 5, 5]}, "niet behaald"),  # a service below 5,5 stays below
        ({1: [9, 9, 9, 9], 2: [7, 1, 4]}, "behaald na correctie"),  # service 2: 4,0 -> 5,7
        ({}, "geen oordeel"),
    ],
)
def test_norm_outcome(grades, status):
    spec = [{"group": C, "dienst": d, "netto": len(g) + 1, "grades": g} for d, g in grades.items()]
    spec = spec or [{"group": C, "dienst": 1, "netto": 2, "grades": []}]
    outcome = metrics.norm_outcome(persons_frame("p", spec), Norm())
    assert outcome.status == status


def test_norm_compares_printed_means():
    # 6,45 is printed 6,5 and meets the norm
    frame = persons_frame(
        "p", [{"group": C, "dienst": 1, "netto": 20, "grades": grades_with_sum(20, 129)}]
    )
    assert metrics.norm_outcome(frame, Norm()).status == "behaald"


def test_publication_rule_is_configurable(settings):
    from dataclasses import replace

    from tevredenheidsrapport.config import Tier

    frame = persons_frame("p", SEEDS["002"])
    lenient = replace(settings.publication, tiers=(Tier(None, 30.0),))
    table = metrics.table11(frame, publication=lenient)
    assert table["publicatie"].all()


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="cijfer"):
        metrics.table11(pd.DataFrame({"provider_id": []}), publication=None)


def test_promotor_score():
    assert metrics.promotor_score(pd.Series([1, 1, 2])) == 66.7
    assert math.isnan(metrics.promotor_score(pd.Series([], dtype=float)))


# ---- questionnaire items, against hand-computed figures ---------------------------------
def test_choice_distribution_counts_answered_only():
    d = metrics.choice_distribution(
        pd.Series([1, 1, 2, None, 9]), {1: "Ja", 2: "Nee", 9: "Weet niet"}
    )
    assert d["count"].tolist() == [2, 1, 1] and d["percent"].tolist() == [50.0, 25.0, 25.0]
    assert set(d["n"]) == {4}


def test_multi_distribution_is_percent_of_respondents():
    frame = pd.DataFrame({"k_1": [1, 0, 1, None], "k_2": [1, 1, 0, None]})
    d = metrics.multi_distribution(frame, {1: "Telefoon", 2: "E-mail"}, ["k_1", "k_2"])
    assert d["count"].tolist() == [2, 2] and d["percent"].round(1).tolist() == [66.7, 66.7]
    assert d["n"].iloc[0] == 3  # the fourth was not asked


def test_matrix_distribution_and_means_per_row():
    frame = pd.DataFrame({"m_a": [1, 2, None], "m_b": [2, 2, 2]})
    d = metrics.matrix_distribution(
        frame, {"a": "Eerste", "b": "Tweede"}, {1: "Goed", 2: "Slecht"}, "m"
    )
    assert d.groupby("row_id")["n"].first().to_dict() == {"a": 2, "b": 3}
    assert d[d["row_id"] == "b"]["percent"].tolist() == [0.0, 100.0]
    grades = pd.DataFrame({"g_x": [7.5, 8.0, None], "g_y": [6, 6, 7]})
    means = metrics.matrix_means(grades, {"x": "X", "y": "Y"}, "g")
    assert means["mean"].tolist() == [7.8, 6.3] and means["n"].tolist() == [2, 3]  # 7,75 -> 7,8


def test_scale_score_and_relative_strengths():
    scale = {
        1: "Heel tevreden",
        2: "Tevreden",
        3: "Ontevreden",
        4: "Heel ontevreden",
        9: "Geen mening",
    }
    score, n = metrics.scale_score(pd.Series([1, 2, 9, 4]), scale)
    assert (round(score, 4), n) == (
        round((100 + 200 / 3 + 0) / 3, 4),
        3,
    )  # geen mening does not count
    own = pd.DataFrame({"a": [1, 1, 1], "b": [3, 3, 3], "c": [1, None, None]})
    bench = pd.DataFrame({"a": [2, 2, 2], "b": [4, 4, 4], "c": [4, 4, 4]})
    aspects = {c: (c.upper(), scale) for c in "abc"}
    ranked = metrics.relative_strengths(own, bench, aspects, min_answers=3)
    assert ranked["column"].tolist() == ["a", "b"]  # c has one answer: left out
    assert ranked["difference"].round(2).tolist() == [33.33, 33.33]


def test_province_counts_of_clients_in_the_netto_steekproef():
    persons = pd.DataFrame(
        {
            "group": ["client", "client", "client", "opdrachtgever", "client"],
            "netto": [True, True, True, True, False],
            "province": ["Utrecht", "Utrecht", "Limburg", None, "Zeeland"],
        }
    )
    assert metrics.province_counts(persons).values.tolist() == [["Utrecht", 2], ["Limburg", 1]]


def test_choice_distribution_of_a_nullable_column_ignores_other_codes():
    values = pd.Series([2, None, 2, 7, 1], dtype="Int64")  # 7 is no option
    d = metrics.choice_distribution(values, {1: "Ja", 2: "Nee"})
    assert d["count"].tolist() == [1, 2] and set(d["n"]) == {3}
    assert d["percent"].round(4).tolist() == [33.3333, 66.6667]


def test_scale_score_of_a_nullable_column_adds_in_answer_order():
    scale = {1: "Goed", 2: "Matig", 3: "Slecht", 9: "Weet ik niet"}
    values = pd.Series([3, None, 1, 9, 2, 1], dtype="Int64")
    score, n = metrics.scale_score(values, scale)
    assert n == 4 and score == sum([0.0, 100.0, 50.0, 100.0]) / 4
    assert math.isnan(metrics.scale_score(pd.Series([9, None]), scale)[0])


def test_benchmark_distributions_are_counted_once_and_no_report_changes_them(
    demo_data, settings, tmp_path
):
    """Every report of a period shows the same benchmark distribution of an item, so the
    survey counts it once; it is what the item type counts from the benchmark answers, and
    rendering a report (which adds columns to its own frames) leaves it as it was."""
    from tevredenheidsrapport import render
    from tevredenheidsrapport.survey import load_survey

    survey = load_survey(demo_data / "2025", settings)
    shared = survey.benchmark_distributions
    assert len(shared) > 20
    for (cid, item_id), dist in shared.items():
        book = survey.dataset.codebooks[cid]
        item = book.item(item_id)
        pd.testing.assert_frame_equal(dist, item.kind.distribution(item, survey.answers(cid)))
    before = {key: dist.copy(deep=True) for key, dist in shared.items()}
    render.render_report(
        survey.provider_ids()[0],
        demo_data / "2025",
        tmp_path / "out",
        settings=settings,
        formats=("html",),
        work_root=tmp_path / "work",
        survey=survey,
    )
    assert survey.benchmark_distributions is shared
    for key, dist in shared.items():
        pd.testing.assert_frame_equal(dist, before[key])
