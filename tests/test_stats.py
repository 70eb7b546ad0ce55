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


def _tables(seed: int, count: int) -> list[tuple[int, int, int, int]]:
    """Tables as a report tests them (a provider of a few hundred against up to 50 000, the
    shares close) and tables of equal rows or mirrored cells, whose two tails tie exactly."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n1 = int(rng.integers(1, 300))
        n2 = int(rng.integers(1, 300)) if rng.random() < 0.5 else int(rng.integers(300, 50_000))
        share = rng.random()
        a = int(rng.binomial(n1, share))
        c = int(rng.binomial(n2, float(np.clip(share + rng.normal(0, 0.1), 0, 1))))
        out.append((a, n1 - a, c, n2 - c))
        n, a, c = int(rng.integers(2, 100)), int(rng.integers(0, 100)), int(rng.integers(0, 100))
        a, c = min(a, n), min(c, n)
        out += [(a, n - a, c, n - c), (a, c, c, a)]
    return out


def test_fisher_exact_matches_scipy_on_many_tables_ties_included():
    for table in _tables(seed=3, count=400):
        a, b, c, d = table
        ref = st.fisher_exact([[a, b], [c, d]])
        ratio, p = stats.fisher_exact(*table)
        assert p == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300), table
        assert ratio == ref.statistic or (math.isnan(ratio) and math.isnan(ref.statistic))


def test_fisher_exact_by_hand():
    # [[3, 1], [1, 3]]: with every margin 4, the top-left cell k has probability
    # C(4,k)·C(4,4-k)/C(8,4) = 1, 16, 36, 16, 1 (of 70) for k = 0..4; as or less likely
    # than k = 3 are k = 0, 1, 3, 4: p = 34/70; odds ratio 3·3 / (1·1) = 9
    assert stats.fisher_exact(3, 1, 1, 3) == pytest.approx((9.0, 34 / 70), rel=1e-15)
    assert stats.fisher_exact(2, 2, 2, 2) == (1.0, 1.0)  # the most likely table itself
    assert stats.fisher_exact(4, 0, 0, 4)[0] == math.inf
    ratio, p = stats.fisher_exact(0, 0, 3, 5)  # an empty row: nothing to test
    assert math.isnan(ratio) and p == 1.0


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
