"""Which numbers a report may show, so that no hidden one can be worked out from the rest.

Primary suppression hides a mean or a share that rests on fewer than ``min_answers``
answers. That alone is not enough where a table has a margin: Totaal times its n minus the
shown services gives the hidden service's sum, and the grade distribution of all clients
then tells which grades they were. Statistical offices add *secondary* suppression and
attack their own tables to prove it (sdcTable's ``attack()``, τ-Argus); this module does
the same for the grade table of a report (table 2.2, the grade means per service, the grade
distribution and the norm outcome, which all rest on the same grades):

- :func:`grade_intervals` is the attacker: from what a report shows (n per service, the
  printed means, the printed Totaal, the distribution, the norm outcome) it computes by
  mixed-integer programming (whole grades 1-10, the rounding of every printed number
  included) the interval in which each hidden mean must lie.
- :func:`protect_grades` hides extra cells, the smallest service first, then the grade
  distribution, then Totaal, until every primarily hidden mean keeps an interval of at least
  ``protection_grade`` points.

Benchmarks ("alle deelnemers") are built only from answers that their own report shows
(:func:`benchmark_allowed` decides whether one may be shown at all), so subtracting reports
from a benchmark gives nothing that is hidden anywhere. Everything here is a pure function
of counts; the survey computes it once per period for all providers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from .fmt import round_half_up

if TYPE_CHECKING:  # scipy.optimize is imported where a model is solved: reading a period
    # imports this module (for GradeDisclosure) but solves nothing
    from scipy.optimize import Bounds, LinearConstraint

#: The whole grades 1..10, read-only (a module global must not be mutable).
GRADES = np.arange(1, 11)
GRADES.flags.writeable = False
#: Half a unit of the last printed decimal: a mean printed as 7,4 lies in [7,35; 7,45).
HALF = Fraction(1, 20)
_EPS = 1e-7


def _exact(value: float) -> Fraction:
    """A printed mean or a setting (7.4, 5.5) as the decimal it was written as."""
    return Fraction(str(value))


def _at_least(bound: Fraction, step: Fraction) -> float:
    """The least multiple of ``step`` (every sum a row can take is one) that is >= ``bound``."""
    return float(math.ceil(bound / step) * step)


def _below(bound: Fraction, step: Fraction) -> float:
    """The greatest multiple of ``step`` that is < ``bound``."""
    return float((math.ceil(bound / step) - 1) * step)


@dataclass(frozen=True)
class NormRule:
    """What the norm outcome tells about the means it judged: Totaal and every service with
    at least ``min_answers`` grades must reach their minimum as printed; failing that, the
    same with every grade below ``insufficient_below`` counted as ``insufficient_as``."""

    total_min: float
    service_min: float
    insufficient_below: float
    insufficient_as: float


@dataclass(frozen=True)
class GradeView:
    """What a reader of one report knows about its client grades.

    ``n``: grades per service (known to the reader: table 2.2 prints how many responded);
    ``shown``: the printed mean of each shown service; ``total``: the printed Totaal or None;
    ``distribution``: how many gave each grade 1..10, or None when that figure is withheld;
    ``norm``: the printed outcome (a :data:`.metrics.NORM_STATUSES` value) with the rule and the
    services it judged, or None.
    """

    n: Mapping[int, int]
    shown: Mapping[int, float]
    total: float | None
    distribution: Sequence[int] | None
    norm: tuple[str, NormRule, frozenset[int]] | None = None


@dataclass(frozen=True)
class GradeDisclosure:
    """The grade numbers of one report that may be shown.

    ``primary``: services hidden because they rest on fewer than ``min_answers`` grades;
    ``secondary``: services hidden so that a primary one cannot be derived; ``total_shown``
    and ``distribution_shown`` likewise for Totaal and the distribution of all grades;
    ``intervals``: for every primary service, where a reader can pin its mean down to."""

    primary: frozenset[int]
    secondary: frozenset[int]
    total_shown: bool
    distribution_shown: bool
    intervals: Mapping[int, tuple[float, float]]

    @property
    def hidden(self) -> frozenset[int]:
        return self.primary | self.secondary

    def shown(self, dienst: int) -> bool:
        return dienst not in self.hidden


def whole_grades(grades: np.ndarray) -> np.ndarray:
    """The grades ``grades`` (floats, none missing) rounded half-up to whole grades, as
    integers; each distinct value rounded once (a period has a few dozen distinct grades,
    against thousands of answers)."""
    values, at = np.unique(grades, return_inverse=True)
    return np.array([int(round_half_up(float(v), 0)) for v in values], dtype=int)[at]


def counts_by_service(dienst: Sequence, grades: Sequence) -> dict[int, np.ndarray]:
    """How many clients gave each whole grade 1..10, per service (grades rounded half-up).

    The table of services by grades is filled in one step."""
    g = np.asarray(grades, dtype=float)  # None: NaN, a grade not given
    keep = ~np.isnan(g)
    if not keep.any():
        return {}
    whole = np.clip(whole_grades(g[keep]), 1, 10)
    services, service_at = np.unique(
        np.array([int(d) for d, k in zip(dienst, keep, strict=True) if k]), return_inverse=True
    )
    table = np.zeros((len(services), 10), dtype=int)
    np.add.at(table, (service_at, whole - 1), 1)
    return {int(s): table[i] for i, s in enumerate(services)}


def _printed_mean(counts: np.ndarray) -> float:
    n = int(counts.sum())
    return math.nan if n == 0 else round_half_up(float((counts * GRADES).sum()) / n, 1)


def view_of(
    counts: Mapping[int, np.ndarray],
    *,
    hidden: frozenset[int],
    total_shown: bool,
    distribution_shown: bool,
    norm: tuple[str, NormRule, frozenset[int]] | None = None,
) -> GradeView:
    """What a report with these cells hidden shows a reader."""
    total = sum(counts.values(), np.zeros(10, dtype=int))
    return GradeView(
        n={d: int(c.sum()) for d, c in counts.items()},
        shown={d: _printed_mean(c) for d, c in counts.items() if d not in hidden},
        total=_printed_mean(total) if total_shown else None,
        distribution=tuple(int(v) for v in total) if distribution_shown else None,
        norm=norm,
    )


# ---- the attacker ------------------------------------------------------------------------------
class _Model:
    """A mixed-integer model of a :class:`GradeView`: ``x[s, g]`` = clients of service s who
    gave grade g (whole, >= 0), plus binaries for the disjunctions of a failed norm."""

    def __init__(self, view: GradeView):
        self.services = list(view.n)
        self.nx = 10 * len(self.services)
        #: each row: its coefficients on x, and on binaries ({index: coefficient})
        self.rows: list[tuple[np.ndarray, dict[int, float]]] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.n_binary = 0
        self.view = view
        #: the constraints and bounds of the model twice over (:meth:`interval`), made once
        self._twice: tuple[LinearConstraint, Bounds] | None = None
        for i, d in enumerate(self.services):
            self._add(self._sum(i, np.ones(10)), view.n[d], view.n[d])
            if d in view.shown:
                self._printed(self._sum(i, GRADES), view.n[d], view.shown[d])
        everyone = sum(self._sum(i, GRADES) for i in range(len(self.services)))
        if view.total is not None and len(self.services):
            self._printed(everyone, sum(view.n.values()), view.total)
        if view.distribution is not None:
            for g in range(10):
                row = np.zeros(self.nx)
                row[g::10] = 1
                self._add(row, view.distribution[g], view.distribution[g])
        if view.norm is not None:
            self._norm(*view.norm)

    # rows are built over x only and padded with zeros for the binaries at the end
    def _sum(self, i: int, weights: np.ndarray) -> np.ndarray:
        row = np.zeros(self.nx)
        row[10 * i : 10 * i + 10] = weights
        return row

    def _add(self, row: np.ndarray, lo: float, hi: float, binaries=None) -> None:
        self.rows.append((row, binaries or {}))
        self.lo.append(lo)
        self.hi.append(hi)

    def _printed(self, row: np.ndarray, n: int, mean: float) -> None:
        """A mean printed (half-up, one decimal) as ``mean``: its sum of whole grades lies in
        n*[m-h, m+h).

        Every bound of the model is the sum it allows at the edge, worked out exactly (a
        strict one as the greatest sum below it): a bound a hair inside the edge, as floats
        would give, lies within the solver's tolerance of the sum at the edge, and the
        attacker would then accept a mean that prints otherwise, and find a hidden mean
        less pinned down than it is."""
        if math.isnan(mean):  # no grades, nothing printed
            return
        m, one = _exact(mean), Fraction(1)
        self._add(row, _at_least(n * (m - HALF), one), _below(n * (m + HALF), one))

    def _norm(self, status: str, rule: NormRule, judged: frozenset[int]) -> None:
        if status == "geen oordeel":
            return
        as_ = _exact(rule.insufficient_as)
        plain = GRADES.astype(float)
        corrected = np.where(GRADES < rule.insufficient_below, float(as_), plain)
        units = []
        # every sum of whole counts times these weights is a multiple of the step: 1, or
        # 1/2 when insufficient grades count as 5,5
        for weights, step in ((plain, Fraction(1)), (corrected, Fraction(1, as_.denominator))):
            everyone = sum(self._sum(i, weights) for i in range(len(self.services)))
            unit_list = [(everyone, sum(self.view.n.values()), _exact(rule.total_min), step)]
            for i, d in enumerate(self.services):
                if d in judged:
                    minimum = _exact(rule.service_min)
                    unit_list.append((self._sum(i, weights), self.view.n[d], minimum, step))
            units.append(unit_list)
        passes_plain = status == "behaald"
        passes_corrected = status in ("behaald", "behaald na correctie")
        for unit_list, passes in ((units[0], passes_plain), (units[1], passes_corrected)):
            if passes:  # every judged mean reaches its minimum as printed
                for row, n, minimum, step in unit_list:
                    self._add(row, _at_least(n * (minimum - HALF), step), math.inf)
            else:
                self._some_fail(unit_list)

    def _some_fail(self, unit_list) -> None:
        """At least one of the judged means is below its minimum (as printed): one binary per
        mean, big-M rows, and a row that asks for at least one of them."""
        chosen = {}
        for row, n, minimum, step in unit_list:
            b = self.n_binary
            self.n_binary += 1
            # sum <= below + M*(1 - b)  <=>  sum + M*b <= below + M
            big_m = 10.0 * n + 1
            below = _below(n * (minimum - HALF), step)
            self._add(row, -math.inf, below + big_m, {b: big_m})
            chosen[b] = 1.0
        self._add(np.zeros(self.nx), 1, math.inf, chosen)

    def matrix(self) -> np.ndarray:
        width = self.nx + self.n_binary
        out = np.zeros((len(self.rows), width))
        for r, (row, binaries) in enumerate(self.rows):
            out[r, : self.nx] = row
            for b, coefficient in binaries.items():
                out[r, self.nx + b] = coefficient
        return out

    def bounds(self) -> Bounds:
        from scipy.optimize import Bounds

        upper = np.concatenate(
            [np.repeat([self.view.n[d] for d in self.services], 10), np.ones(self.n_binary)]
        )
        return Bounds(np.zeros(self.nx + self.n_binary), upper)

    def interval(self, i: int) -> tuple[float, float] | None:
        """The least and the greatest grade sum of service ``i``; None if infeasible.

        Both in one solve: the model twice, side by side and independent, with the first
        copy's sum of service ``i`` minimised and the second's maximised (one small MILP
        instead of two costs HiGHS's start-up once, 0.2 s for the 500 providers of a
        period). Should the solver stop short of an optimum within its tolerance, the
        interval it returns lies inside the true one, so it can only hide more."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        width = self.nx + self.n_binary
        if self._twice is None:
            a, lo, hi, b = self.matrix(), np.array(self.lo), np.array(self.hi), self.bounds()
            both = np.zeros((2 * len(a), 2 * width))
            both[: len(a), :width], both[len(a) :, width:] = a, a
            self._twice = (
                LinearConstraint(both, np.concatenate([lo, lo]), np.concatenate([hi, hi])),
                Bounds(np.concatenate([b.lb, b.lb]), np.concatenate([b.ub, b.ub])),
            )
        constraint, bounds = self._twice
        grades = np.concatenate([self._sum(i, GRADES), np.zeros(self.n_binary)])
        res = milp(
            np.concatenate([grades, -grades]),
            constraints=constraint,
            bounds=bounds,
            integrality=np.ones(2 * width),
        )
        if res.status != 0:
            return None
        # sums of whole grades
        return float(round(grades @ res.x[:width])), float(round(grades @ res.x[width:]))


def grade_intervals(view: GradeView, targets: Sequence[int] | None = None) -> dict:
    """For each hidden service (or each of ``targets``), the interval ``(low, high)`` of mean
    grades consistent with everything ``view`` shows; None for a view nobody could have made.
    """
    model = _Model(view)
    out: dict[int, tuple[float, float] | None] = {}
    wanted = [d for d in view.n if d not in view.shown] if targets is None else list(targets)
    for d in wanted:
        sums, n = model.interval(model.services.index(d)), view.n[d]
        out[d] = None if sums is None or n == 0 else (sums[0] / n, sums[1] / n)
    return out


# ---- secondary suppression ----------------------------------------------------------------------
def needs_protection(counts: Mapping[int, np.ndarray], min_answers: int) -> bool:
    """Whether some service is hidden beside a shown Totaal (else nothing can be derived)."""
    n = [int(c.sum()) for c in counts.values()]
    return sum(n) >= min_answers and any(0 < v < min_answers for v in n)


def protect_grades(
    counts: Mapping[int, np.ndarray],
    *,
    min_answers: int,
    width: float,
    norm: tuple[str, NormRule, frozenset[int]] | None = None,
) -> GradeDisclosure:
    """Choose what of one provider's grade table to hide (see the module docstring).

    ``counts``: per service, how many clients gave each grade 1..10. A service with fewer
    than ``min_answers`` grades is hidden (primary); then, while a reader could pin a primary
    mean to an interval narrower than ``width`` points, the shown service with the fewest
    grades is hidden too (before each further service, hiding the distribution of all grades
    is tried), and when no service is left Totaal as well.
    With fewer than ``min_answers`` grades in all, nothing of the table is shown.
    """
    n = {d: int(c.sum()) for d, c in counts.items()}
    primary = frozenset(d for d, v in n.items() if 0 < v < min_answers)
    if sum(n.values()) < min_answers:
        return GradeDisclosure(frozenset(n), frozenset(), False, False, {})
    if not primary:
        return GradeDisclosure(primary, frozenset(), True, True, {})
    smallest_first = [d for _, d in sorted((v, d) for d, v in n.items() if d not in primary)]
    # In order of loss: one more service (the smallest) costs more than the distribution
    # figure, and Totaal goes last. The last option hides everything and always protects.
    options = [
        (frozenset(smallest_first[:extra]), total, dist)
        for extra in range(len(smallest_first) + 1)
        for total, dist in ((True, True), (True, False))
    ] + [(frozenset(smallest_first), False, False)]
    for secondary, total_shown, distribution_shown in options:
        view = view_of(
            counts,
            hidden=primary | secondary,
            total_shown=total_shown,
            distribution_shown=distribution_shown,
            norm=norm,
        )
        intervals = grade_intervals(view, sorted(primary))
        if all(iv is not None and iv[1] - iv[0] >= width - _EPS for iv in intervals.values()):
            break
    return GradeDisclosure(
        primary,
        secondary,
        total_shown,
        distribution_shown,
        {d: iv for d, iv in intervals.items() if iv is not None},
    )


# ---- benchmarks --------------------------------------------------------------------------------
def benchmark_allowed(
    per_provider: Mapping[str, int], *, min_answers: int, min_providers: int
) -> bool:
    """Whether a benchmark built from these providers' answers (n per provider) may be shown.

    Whoever subtracts any one provider's answers from it must be left with at least
    ``min_providers`` other providers and ``min_answers`` answers, so that no provider can
    work out the answers of one or two others."""
    counts = [int(v) for v in per_provider.values() if v > 0]
    if len(counts) < min_providers + 1:
        return False
    return sum(counts) - max(counts) >= min_answers
