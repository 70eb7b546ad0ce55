"""The statistics against hand-computed figures and against scipy.stats on raw answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from tevredenheidsrapport import stats


# ---- the interval of a mean grade --------------------------------------------------------------
def test_interval_by_hand_with_the_finite_population_correction():
    # grades 6, 7, 8, 9 of a netto steekproef of 10: mean 7,5, s = 1,2910, s/√n = 0,6455,
    # t(0,975; 3) = 3,1824, √((10-4)/(10-1)) = 0,8165: half width 3,1824 · 0,6455 · 0,8165
    low, high = stats.mean_interval(7.5, np.std([6, 7, 8, 9], ddof=1), 4, 10)
    assert float(high - 7.5) == pytest.approx(1.6773, abs=1e-4)
    assert float(7.5 - low) == pytest.approx(1.6773, abs=1e-4)


def test_full_response_gives_the_mean_itself_and_one_answer_none():
    low, high = stats.mean_interval([7.0, 8.0], [1.2, 0.0], [12, 1], [12, 5])
    assert (low[0], high[0]) == (7.0, 7.0)  # n = N: the mean is known exactly
    assert math.isnan(low[1]) and math.isnan(high[1])  # n = 1: no interval


def test_a_large_population_gives_the_textbook_t_interval():
    grades = np.array([5, 6, 6, 7, 7, 7, 8, 8, 9, 10], dtype=float)
    low, high = stats.mean_interval(grades.mean(), grades.std(ddof=1), 10, 10**9)
    ref = st.t.interval(0.95, 9, loc=grades.mean(), scale=st.sem(grades))
    assert (float(low), float(high)) == pytest.approx(ref, abs=1e-6)


# ---- against the rest ----------------------------------------------------------------------
@pytest.fixture
def grades():
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [rng.integers(4, 11, 25), rng.integers(1, 11, 40), rng.integers(6, 11, 12)]
    )
    who = ["a"] * 25 + ["b"] * 40 + ["c"] * 12
    return pd.Series(values, dtype=float), pd.Series(who)


def test_welch_against_the_rest_matches_scipy_on_the_raw_answers(grades):
    values, who = grades
    out = stats.welch_against_rest(stats.Groups.of(values, who), min_n=10)
    for g in ("a", "b", "c"):
        ref = st.ttest_ind(values[who == g], values[who != g], equal_var=False)
        assert out.loc[g, "p"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert out.loc[g, "statistic"] == pytest.approx(ref.statistic, rel=1e-9)
        assert out.loc[g, "rest_n"] == (who != g).sum()  # its own answers are not the rest's


def test_no_welch_test_on_too_few_answers(grades):
    values, who = grades
    out = stats.welch_against_rest(stats.Groups.of(values, who), min_n=20)
    assert math.isnan(out.loc["c", "p"]) and not math.isnan(out.loc["a", "p"])


def test_fisher_against_the_rest_matches_scipy():
    hits, n = [3, 30, 12], [12, 40, 30]
    out = stats.fisher_against_rest(hits, n, min_n=10)
    for i in range(3):
        rest_hits, rest_n = sum(hits) - hits[i], sum(n) - n[i]
        table = [[hits[i], n[i] - hits[i]], [rest_hits, rest_n - rest_hits]]
        assert out.loc[i, "p"] == pytest.approx(st.fisher_exact(table).pvalue, rel=1e-12)
        assert out.loc[i, "rest_share"] == pytest.approx(rest_hits / rest_n)
    assert math.isnan(stats.fisher_against_rest([1, 5], [4, 40], min_n=10).loc[0, "p"])


# ---- many tests in one report -----------------------------------------------------------------
def test_benjamini_hochberg_by_hand():
    # sorted 0,005 0,01 0,03 0,04 of m = 4: p·m/rank = 0,02 0,02 0,04 0,04, monotone already
    out = stats.adjust([0.01, 0.04, np.nan, 0.03, 0.005])
    assert out[[0, 1, 3, 4]] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert math.isnan(out[2])  # not tested, not counted in m


def test_direction_only_when_significant():
    assert stats.direction(0.8, 0.01, 0.05) == "hoger"
    assert stats.direction(-0.8, 0.049, 0.05) == "lager"
    assert stats.direction(0.8, 0.2, 0.05) is None
    assert stats.direction(0.8, math.nan, 0.05) is None
