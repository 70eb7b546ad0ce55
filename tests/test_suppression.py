"""Secondary suppression (privacy.py) against figures worked out by hand."""

from __future__ import annotations

import itertools
import math
import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pytest

from tevredenheidsrapport import privacy
from tevredenheidsrapport.privacy import NormRule, benchmark_allowed, grade_intervals, view_of

RULE = NormRule(total_min=6.5, service_min=5.5, insufficient_below=6, insufficient_as=5)


def counts(*grades: int) -> np.ndarray:
    out = np.zeros(10, dtype=int)
    for g in grades:
        out[g - 1] += 1
    return out


def test_the_margin_gives_a_lone_hidden_service_away():
    # Jobcoaching 8,0 (n=4) and Totaal 6,5 (n=6): 6 x 6,5 - 4 x 8,0 = 7, a mean of 3,5
    cells = {5: counts(8, 8, 8, 8), 9: counts(3, 4)}
    view = view_of(cells, hidden=frozenset({9}), total_shown=True, distribution_shown=False)
    assert view.shown == {5: 8.0} and view.total == 6.5
    assert grade_intervals(view) == {9: (3.5, 3.5)}


def test_rounding_of_the_printed_numbers_is_taken_into_account():
    # Totaal 7,2 of 10 grades is a sum of 71.5..72.49 -> 72; service 7,1 (n=8) is 56.4..57.19
    # -> 57: the hidden pair sums to exactly 15, a mean of 7,5
    cells = {1: counts(7, 7, 7, 7, 7, 7, 7, 8), 2: counts(7, 8)}
    view = view_of(cells, hidden=frozenset({2}), total_shown=True, distribution_shown=False)
    assert view.shown == {1: 7.1} and view.total == 7.2
    low, high = grade_intervals(view)[2]
    assert (low, high) == (7.5, 7.5)


def test_a_mean_at_the_edge_of_its_rounding_is_not_taken_for_the_next_one():
    # 20 grades summing to 108 print as 5,4: the sum lies in 107..108 (5,35 .. 5,40); 109
    # would print as 5,5. A bound a hair below 109 lies within the solver's tolerance of 109.
    cells = {1: counts(1, 1, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 7, 7, 7, 8, 8, 8, 9, 10)}
    view = view_of(cells, hidden=frozenset({1}), total_shown=True, distribution_shown=False)
    assert view.total == 5.4
    assert grade_intervals(view) == {1: (5.35, 5.4)}


def _printed(grade_sum: int, n: int) -> Fraction:
    """A mean as the report prints it: half-up to one decimal, worked out exactly."""
    return Fraction(math.floor(Fraction(grade_sum, n) * 10 + Fraction(1, 2)), 10)


def _what_a_reader_sees(cells, hidden, total_shown, distribution_shown, judged, rule):
    def sum_of(c, corrected=False):
        low = Fraction(str(rule.insufficient_as))
        return sum(
            c[g - 1] * (low if corrected and g < rule.insufficient_below else g)
            for g in range(1, 11)
        )

    everyone = [sum(c[g] for c in cells.values()) for g in range(10)]
    n = sum(everyone)

    def passes(corrected):
        total = sum(sum_of(c, corrected) for c in cells.values())
        if _printed(total, n) < Fraction(str(rule.total_min)):
            return False
        return all(
            _printed(sum_of(cells[d], corrected), sum(cells[d])) >= Fraction(str(rule.service_min))
            for d in judged
        )

    status = (
        "behaald" if passes(False) else "behaald na correctie" if passes(True) else "niet behaald"
    )
    return (
        {d: _printed(sum_of(c), sum(c)) for d, c in cells.items() if d not in hidden},
        _printed(sum_of(everyone), n) if total_shown else None,
        tuple(everyone) if distribution_shown else None,
        status,
    )


@pytest.mark.parametrize("seed", range(12))
def test_the_attacker_finds_what_trying_every_possible_table_finds(seed):
    # Small tables (one or two services of one to three grades) are attacked by brute
    # force: every table with the same n per service that shows the reader the same
    # numbers (means and Totaal as printed, the distribution, the norm outcome). The
    # hidden means those tables hold must be exactly the interval the MILP finds.
    rng = random.Random(seed)
    rule = NormRule(total_min=7, service_min=6, insufficient_below=6, insufficient_as=5.5)
    n = {d: rng.choice([1, 2, 3] if d == 1 else [1, 2]) for d in range(1, rng.randint(1, 2) + 1)}
    cells = {
        d: tuple(np.bincount(rng.choices(range(1, 11), k=k), minlength=11)[1:])
        for d, k in n.items()
    }
    hidden = frozenset(d for d in n if rng.random() < 0.6) or frozenset({1})
    total_shown, distribution_shown = rng.random() < 0.8, rng.random() < 0.4
    judged = frozenset(d for d, k in n.items() if k >= 2)
    seen = _what_a_reader_sees(cells, hidden, total_shown, distribution_shown, judged, rule)
    view = view_of(
        {d: np.array(c) for d, c in cells.items()},
        hidden=hidden,
        total_shown=total_shown,
        distribution_shown=distribution_shown,
        norm=(seen[3], rule, judged),
    )

    def tables(k):
        for grades in itertools.combinations_with_replacement(range(1, 11), k):
            yield tuple(grades.count(g) for g in range(1, 11))

    sums: dict[int, set[int]] = {d: set() for d in hidden}
    for contents in itertools.product(*(list(tables(n[d])) for d in sorted(n))):
        other = dict(zip(sorted(n), contents, strict=True))
        if (
            _what_a_reader_sees(other, hidden, total_shown, distribution_shown, judged, rule)
            == seen
        ):
            for d in hidden:
                sums[d].add(sum(g * other[d][g - 1] for g in range(1, 11)))
    assert grade_intervals(view) == {d: (min(s) / n[d], max(s) / n[d]) for d, s in sums.items()}


def test_the_distribution_pins_the_grades_of_a_hidden_pair_to_what_it_holds():
    # only grades 3, 4 and 8 occur; two hidden services share them: the pair is 3+4 .. 8+8
    cells = {5: counts(8, 8, 8, 8), 9: counts(3, 4)}
    view = view_of(cells, hidden=frozenset({5, 9}), total_shown=True, distribution_shown=True)
    assert grade_intervals(view, [9]) == {9: (3.5, 8.0)}


def test_a_passed_norm_is_a_lower_bound_on_every_judged_mean():
    cells = {1: counts(9, 9, 9, 9, 9), 2: counts(6, 6, 6), 3: counts(1)}
    view = view_of(
        cells,
        hidden=frozenset({2, 3}),
        total_shown=False,
        distribution_shown=False,
        norm=("behaald", RULE, frozenset({1, 2})),
    )
    low, high = grade_intervals(view, [2])[2]
    assert low == pytest.approx(17 / 3)  # at least 5,45 as a mean of 3 whole grades: 17/3
    assert high == 10


def test_a_failed_norm_with_one_candidate_says_it_is_the_one():
    # Totaal and service 1 pass as printed; the norm failed, also after correction:
    # service 2 (judged, hidden) must be below 5,45, even counting low grades as 5
    cells = {1: counts(*[9] * 8), 2: counts(5, 5, 5)}
    view = view_of(
        cells,
        hidden=frozenset({2}),
        total_shown=True,
        distribution_shown=False,
        norm=("niet behaald", RULE, frozenset({1, 2})),
    )
    low, high = grade_intervals(view, [2])[2]
    assert high < 5.45


def test_protect_hides_the_smallest_service_first_and_keeps_the_norm_services():
    cells = {
        1: counts(7, 8, 6, 7, 7, 8, 6, 7, 7, 7),
        2: counts(*[8] * 19),
        3: counts(6, 7, 7, 7, 7),
        4: counts(9),
    }
    d = privacy.protect_grades(cells, min_answers=3, width=4.5)
    assert d.primary == {4} and d.secondary == {3}
    assert d.total_shown and not d.distribution_shown  # grades 6-9 only: 9 is too telling
    low, high = d.intervals[4]
    assert high - low >= 4.5


def test_protect_shows_everything_without_a_small_service():
    d = privacy.protect_grades({1: counts(7, 8, 9), 2: counts(6, 6, 6)}, min_answers=3, width=4.5)
    assert d.hidden == set() and d.total_shown and d.distribution_shown


def test_protect_hides_everything_below_the_threshold_in_all():
    d = privacy.protect_grades({1: counts(7), 2: counts(6)}, min_answers=3, width=4.5)
    assert d.hidden == {1, 2} and not d.total_shown and not d.distribution_shown


def test_counts_by_service_rounds_half_up_and_skips_missing():
    got = privacy.counts_by_service([1, 1, 2, 2], [7.5, 8.0, float("nan"), 3.0])
    assert got[1][7] == 2 and got[2][2] == 1 and got[2].sum() == 1


def _counts_one_by_one(dienst, grades) -> dict[int, list[int]]:
    """counts_by_service as its docstring says, one answer at a time."""
    out: dict[int, list[int]] = {}
    for d, g in zip(dienst, grades, strict=True):
        if g is None or math.isnan(g):
            continue
        whole = min(10, max(1, int(Decimal(str(g)).quantize(Decimal(1), ROUND_HALF_UP))))
        out.setdefault(int(d), [0] * 10)[whole - 1] += 1
    return dict(sorted(out.items()))


@pytest.mark.parametrize("seed", range(8))
def test_counts_by_service_equals_counting_one_answer_at_a_time(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    dienst = rng.choice([1, 2, 5, 11, 14], size=n).tolist()
    pool = [None, math.nan, 0.4, 1.0, 5.5, 6.45, 7.5, 8.0, 9.49, 10.0, 10.6, *range(1, 11)]
    grades = [pool[i] for i in rng.integers(0, len(pool), size=n)]
    got = {d: c.tolist() for d, c in privacy.counts_by_service(dienst, grades).items()}
    assert got == _counts_one_by_one(dienst, grades)
    assert list(got) == sorted(got)


@pytest.mark.parametrize(
    ("per_provider", "allowed"),
    [
        ({"a": 4, "b": 2}, False),  # subtracting a leaves b alone
        ({"a": 4, "b": 2, "c": 3}, False),  # two others only
        ({"a": 4, "b": 2, "c": 3, "d": 3}, True),  # three others and >= 3 answers left
        ({"a": 100, "b": 1, "c": 1, "d": 0}, False),  # d has no answers: two others
        ({"a": 100, "b": 1, "c": 1, "d": 1}, True),  # without a: 3 providers, 3 answers
        ({"a": 100, "b": 1, "c": 0, "d": 1, "e": 0}, False),
    ],
)
def test_benchmark_needs_three_other_providers_and_enough_answers_without_any_one(
    per_provider, allowed
):
    assert benchmark_allowed(per_provider, min_answers=3, min_providers=3) is allowed


# ---- group disclosure: background items -------------------------------------------------------
def _reports(demo_2025, settings, tmp_path):
    from tevredenheidsrapport.blocks import Figure, Suppressed
    from tevredenheidsrapport.drawing import FigureSink
    from tevredenheidsrapport.renderers import PandocMarkdown
    from tevredenheidsrapport.report import Report
    from tevredenheidsrapport.session import Session
    from tevredenheidsrapport.survey import load_survey

    survey = load_survey(demo_2025, settings)
    session = Session(
        settings, survey, tmp_path, FigureSink(collect=True), PandocMarkdown(base=tmp_path)
    )
    for pid in survey.provider_ids():
        blocks = Report(session, pid).client_sections()
        yield pid, list(blocks.of(Figure)), list(blocks.of(Suppressed))


def test_background_items_need_ten_answers_and_more_than_one_answer(demo_2025, settings, tmp_path):
    from tevredenheidsrapport import labels

    background = {"geslacht", "opleiding", "uitkering"}
    kb = settings.privacy.background_min_answers
    assert kb == 10
    withheld = shown = 0
    for _, figures, suppressed in _reports(demo_2025, settings, tmp_path):
        if shown >= 3 and withheld >= 3:
            break  # enough of both kinds (the demo is in file order: deterministic)
        for f in figures:
            if f.item in background:
                shown += 1
                assert f.n >= kb
                counts = f.data[f.data["group"] != labels.ALLE_DEELNEMERS]["percent"]
                assert (counts < 100).all()  # no answer holds for everyone
        for s in suppressed:
            if s.item in background:
                withheld += 1
                assert s.reason in (
                    labels.FIGURE_BACKGROUND_FEW.format(k=kb),
                    labels.FIGURE_ONE_ANSWER,
                )
    assert shown and withheld  # the demo has providers on both sides of the line
