"""Statistics of a report: intervals of mean grades, tests against the rest, multiplicity.

Pure functions over arrays and frames, vectorised so that a period computes them once for
every provider. scipy does the arithmetic of the distributions and the tests; this module
only says what goes in and what comes out.

* :func:`mean_interval`: a 95 % interval of a mean grade with the finite-population
  correction. The netto steekproef is the whole population of a provider's clients (N), of
  whom n filled in the questionnaire: mean ± t(0,975; n-1) · s/√n · √((N-n)/(N-1)). At full
  response the interval is the mean itself; with n < 2 there is none.
* :func:`welch_against_rest`: Welch's t-test of a provider's grades against those of all
  other providers (the complement), from group sums, so the provider's own answers are never
  on both sides.
* :func:`fisher_against_rest`: Fisher's exact test of a share against the complement
  (:func:`fisher_exact`, the two-sided test of one 2×2 table).
* :func:`adjust`: Benjamini-Hochberg adjusted p-values over the tests of one report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVEL = 0.95
#: Two tables whose probabilities differ by less than this fraction are equally extreme in
#: :func:`fisher_exact` (R's ``fisher.test`` takes the same): ties in exact arithmetic, such
#: as the two tails of a symmetric table, must not fall apart by a rounding.
TIE = 1e-7


def _scipy_stats():
    """scipy.stats, imported when first used: reading and validating a period needs this
    module's names but none of its arithmetic, and the import costs 0,4 s (tevreden render
    reads the period while it imports the rest: :func:`.cli._period_reader`)."""
    from scipy import stats

    return stats


def mean_interval(
    mean: np.ndarray | float,
    sd: np.ndarray | float,
    n: np.ndarray | int,
    population: np.ndarray | int,
    level: float = LEVEL,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper end of the ``level`` interval of a mean, finite population corrected.

    ``sd`` is the sample standard deviation (ddof 1), ``population`` the netto steekproef N.
    NaN where there is no interval (n < 2, or no N to correct with)."""
    mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    n, big_n = np.asarray(n, dtype=float), np.asarray(population, dtype=float)
    ok = (n >= 2) & (big_n >= n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = _scipy_stats().t.ppf(0.5 + level / 2, np.where(ok, n - 1, 1))
        fpc = np.sqrt(np.clip((big_n - n) / (big_n - 1), 0, None))
        half = np.where(ok, t * sd / np.sqrt(n) * fpc, np.nan)
    return mean - half, mean + half


@dataclass(frozen=True)
class Groups:
    """Sums per group of a numeric answer: n, sum and sum of squares (for the complement)."""

    n: pd.Series
    total: pd.Series
    squares: pd.Series

    @classmethod
    def of(cls, values: pd.Series, by: pd.Series) -> Groups:
        """The sums of ``values`` per distinct ``by`` (sorted; NaN values left out), as a
        groupby gives them."""
        values = pd.Series(values, dtype=float)
        ok = values.notna().to_numpy()
        codes, found = pd.factorize(pd.Series(by)[ok], sort=True)
        return cls.of_codes(values.to_numpy()[ok], codes, pd.Index(found))

    @classmethod
    def of_codes(cls, values: np.ndarray, codes: np.ndarray, index: pd.Index) -> Groups:
        """:meth:`of` with every value's group already found: ``codes`` its position in
        ``index`` (a period's providers, factorized once for the dozen selections of 50 000
        grades it tests). Groups without values are left out, as a groupby leaves them."""
        size = len(index)
        n = np.bincount(codes, minlength=size).astype(float)
        total = np.bincount(codes, weights=values, minlength=size)
        squares = np.bincount(codes, weights=values * values, minlength=size)
        keep = n > 0
        index = index[keep]
        return cls(
            pd.Series(n[keep], index=index),
            pd.Series(total[keep], index=index),
            pd.Series(squares[keep], index=index),
        )

    def mean_sd(self, n, total, squares) -> tuple[np.ndarray, np.ndarray]:
        n, total, squares = (np.asarray(x, dtype=float) for x in (n, total, squares))
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total / n
            var = (squares - total * total / n) / (n - 1)
        return mean, np.sqrt(np.clip(var, 0, None))

    def own(self) -> pd.DataFrame:
        mean, sd = self.mean_sd(self.n, self.total, self.squares)
        return pd.DataFrame({"n": self.n.to_numpy(), "mean": mean, "sd": sd}, index=self.n.index)

    def rest(self) -> pd.DataFrame:
        """The complement of each group: every other group's answers together."""
        n, total, squares = (
            float(x.sum()) - x.to_numpy(dtype=float) for x in (self.n, self.total, self.squares)
        )
        mean, sd = self.mean_sd(n, total, squares)
        return pd.DataFrame({"n": n, "mean": mean, "sd": sd}, index=self.n.index)


def welch(a: pd.DataFrame, b: pd.DataFrame, *, min_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch's t-test of each row of ``a`` against the same row of ``b`` (columns ``n``,
    ``mean``, ``sd``): (statistic, p), NaN where either side has fewer than ``min_n``
    answers or neither side varies."""
    ok = (a["n"] >= min_n) & (b["n"] >= min_n) & ((a["sd"] > 0) | (b["sd"] > 0))
    stat = np.full(len(a), np.nan)
    p = np.full(len(a), np.nan)
    if ok.any():
        sel = ok.to_numpy()
        res = _scipy_stats().ttest_ind_from_stats(
            *(a[c].to_numpy()[sel] for c in ("mean", "sd", "n")),
            *(b[c].to_numpy()[sel] for c in ("mean", "sd", "n")),
            equal_var=False,
        )
        stat[sel], p[sel] = res.statistic, res.pvalue
    return stat, p


def welch_against_rest(groups: Groups, *, min_n: int) -> pd.DataFrame:
    """Welch's t-test of every group against the rest, one row per group.

    Columns: ``n``, ``mean``, ``rest_n``, ``rest_mean``, ``statistic``, ``p`` (NaN where
    either side has fewer than ``min_n`` answers, or neither side varies)."""
    own, rest = groups.own(), groups.rest()
    stat, p = welch(own, rest, min_n=min_n)
    return pd.DataFrame(
        {
            "n": own["n"],
            "mean": own["mean"],
            "rest_n": rest["n"],
            "rest_mean": rest["mean"],
            "statistic": stat,
            "p": p,
        },
        index=own.index,
    )


def fisher_against_rest(
    hits: Sequence[int] | np.ndarray,
    n: Sequence[int] | np.ndarray,
    *,
    min_n: int,
    rest_hits: Sequence[int] | np.ndarray | None = None,
    rest_n: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Fisher's exact test (two-sided) of every group's share against the rest's.

    ``hits[i]`` of ``n[i]`` answers of group i have the property (an option chosen, a
    positive answer); the rest is every other group, or ``rest_hits``/``rest_n`` when given
    (a group compared with only part of the others). Columns: ``share``, ``rest_share``,
    ``odds_ratio``, ``p``; NaN where either side has fewer than ``min_n`` answers. Equal
    tables are tested once."""
    hits, n = np.asarray(hits, dtype=int), np.asarray(n, dtype=int)
    if rest_hits is None or rest_n is None:
        rest_hits, rest_n = hits.sum() - hits, n.sum() - n
    rest_hits, rest_n = np.asarray(rest_hits, dtype=int), np.asarray(rest_n, dtype=int)
    done: dict[tuple[int, int, int, int], tuple[float, float]] = {}
    ratio, p = np.full(len(n), np.nan), np.full(len(n), np.nan)
    for i in range(len(n)):
        if n[i] < min_n or rest_n[i] < min_n:
            continue
        table = (
            int(hits[i]),
            int(n[i] - hits[i]),
            int(rest_hits[i]),
            int(rest_n[i] - rest_hits[i]),
        )
        if table not in done:
            done[table] = fisher_exact(*table)
        ratio[i], p[i] = done[table]
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {"share": hits / n, "rest_share": rest_hits / rest_n, "odds_ratio": ratio, "p": p}
        )


def fisher_exact(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """Fisher's exact test, two-sided, of the table [[a, b], [c, d]]: (odds ratio, p), as
    ``scipy.stats.fisher_exact`` gives them (NaN and 1 when a row or column is empty).

    With the margins fixed, ``a`` follows a hypergeometric distribution; p is the chance of
    every table at most as likely as this one (within :data:`TIE`). The probabilities are
    found relative to the most likely table, one step at a time (from x to x + 1 they change
    by the factor (a+b-x)(a+c-x) / ((x+1)(d-a+x+1))), which costs a few microseconds where
    scipy's distribution objects take half a millisecond: a report runs some eighty tests,
    and 500 reports run them again each."""
    row1, row2, col1 = a + b, c + d, a + c
    if row1 == 0 or row2 == 0 or col1 == 0 or b + d == 0:
        return math.nan, 1.0
    ratio = a * d / (c * b) if c > 0 and b > 0 else math.inf
    lo, hi = max(0, col1 - row2), min(col1, row1)
    mode = min(max(int((col1 + 1) * (row1 + 1) / (row1 + row2 + 2)), lo), hi) - lo
    x = np.arange(lo, hi, dtype=float)
    step = ((row1 - x) * (col1 - x)) / ((x + 1) * (row2 - col1 + x + 1))
    weight = np.empty(hi - lo + 1)  # each table's probability, the most likely one's 1
    weight[mode] = 1.0
    weight[mode + 1 :] = np.cumprod(step[mode:])
    weight[:mode] = np.cumprod(1.0 / step[:mode][::-1])[::-1]
    extreme = weight <= weight[a - lo] * (1 + TIE)
    return ratio, min(float(weight[extreme].sum() / weight.sum()), 1.0)


def adjust(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN (no test) stays NaN and is not counted."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        out[tested] = _scipy_stats().false_discovery_control(p[tested], method="bh")
    return out


def direction(difference: float, adjusted_p: float, q: float) -> str | None:
    """``hoger`` or ``lager`` when the difference is significant at FDR ``q``, else None."""
    if np.isnan(adjusted_p) or adjusted_p > q or difference == 0:
        return None
    return "hoger" if difference > 0 else "lager"
