"""An attacker who does arithmetic with what reports publish, as sdcTable's ``attack()`` does.

From the numbers one report shows (table 2.2 as printed, the norm outcome, the grade
distribution when shown; every n is taken as known) the attacker computes, by mixed-integer
programming with whole grades 1-10 and the rounding of every printed number, the interval
in which each hidden mean must lie; from all reports of a period together it does the same
for the benchmarks, knowing one provider's own answers exactly. Every interval must be at
least ``privacy.protection_grade`` wide.

The model is written here again, on purpose apart from :mod:`tevredenheidsrapport.privacy`
(which uses its own to decide what to hide): one checks the other.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from tevredenheidsrapport import config, demo, labels, metrics
from tevredenheidsrapport.survey import Survey, load_survey

G = np.arange(1, 11)
W = config.load_settings().privacy.protection_grade


# ---- the attacker ----------------------------------------------------------------------------
def _interval_for_printed(n: int, printed: float) -> tuple[float, float]:
    """Grade sums of n whole grades whose mean prints (half-up, one decimal) as ``printed``."""
    return n * (printed - 0.05) - 1e-9, n * (printed + 0.05) - 1e-9


def attack_report(published: dict) -> dict[int, tuple[float, float]]:
    """Intervals of the hidden service means of one report.

    ``published``: ``n`` {dienst: grades}, ``means`` {dienst: printed or None}, ``total``
    (printed or None), ``distribution`` (counts 1..10 or None), ``norm`` (status, judged
    services, rule). Variables: c[s, g], the clients of service s who gave grade g."""
    services = sorted(published["n"])
    k = len(services)
    nvar = 10 * k
    a, lo, hi = [], [], []

    def row(weights_by_service):
        r = np.zeros(nvar)
        for i, w in weights_by_service:
            r[10 * i : 10 * i + 10] = w
        return r

    for i, s in enumerate(services):
        a.append(row([(i, np.ones(10))]))
        lo.append(published["n"][s])
        hi.append(published["n"][s])
        if published["means"].get(s) is not None:
            a.append(row([(i, G)]))
            b = _interval_for_printed(published["n"][s], published["means"][s])
            lo.append(b[0])
            hi.append(b[1])
    total_n = sum(published["n"].values())
    everyone = row([(i, G) for i in range(k)])
    if published["total"] is not None:
        a.append(everyone)
        b = _interval_for_printed(total_n, published["total"])
        lo.append(b[0])
        hi.append(b[1])
    if published["distribution"] is not None:
        for g in range(10):
            r = np.zeros(nvar)
            r[g::10] = 1
            a.append(r)
            lo.append(published["distribution"][g])
            hi.append(published["distribution"][g])
    status, judged, rule = published["norm"]
    if status == "behaald":  # every judged mean passed as printed: a lower bound on each
        a.append(everyone)
        lo.append(total_n * (rule.total_min - 0.05))
        hi.append(math.inf)
        for i, s in enumerate(services):
            if s in judged:
                a.append(row([(i, G)]))
                lo.append(published["n"][s] * (rule.service_min - 0.05))
                hi.append(math.inf)
    # A failed norm is a disjunction ("one of them is too low"); leaving it out gives the
    # attacker less, so it is checked by privacy's own model, which has binaries for it.
    out = {}
    cons = LinearConstraint(np.array(a), np.array(lo), np.array(hi))
    ub = np.repeat([published["n"][s] for s in services], 10)
    for i, s in enumerate(services):
        if published["means"].get(s) is not None:
            continue
        ends = []
        for sign in (1, -1):
            c = np.zeros(nvar)
            c[10 * i : 10 * i + 10] = sign * G
            res = milp(c, constraints=cons, bounds=Bounds(0, ub), integrality=np.ones(nvar))
            assert res.status == 0, f"the published numbers of service {s} are inconsistent"
            ends.append(sign * res.fun / published["n"][s])
        out[s] = tuple(ends)
    return out


# ---- what a report publishes -------------------------------------------------------------------
def published_grades(survey: Survey, pid: str) -> dict:
    """The grade numbers that the report of ``pid`` prints (table 2.2, distribution, norm)."""
    table = survey.table11[pid]
    persons = survey.persons(pid)
    done = metrics.completed_grades(persons)
    n = {int(d): len(part) for d, part in done.groupby("dienst")}
    rows = table[table["kind"] == "dienst"].set_index("dienst")
    means = {
        int(d): (float(r["cijfer"]) if r["cijfer_shown"] else None)
        for d, r in rows.iterrows()
        if int(d) in n
    }
    total = table[table["kind"] == "totaal"].iloc[0]
    disclosure = survey.grade_disclosure[pid]
    dist = None
    if disclosure.distribution_shown and len(done) >= survey.settings.privacy.min_answers:
        frame = metrics.grade_distribution(done["cijfer"])
        # the figure prints percentages of n: the attacker gets the counts back exactly
        dist = [round(p * len(done) / 100) for p in frame["percent"]]
    norm = metrics.norm_outcome(persons, survey.settings.norm, min_answers=3)
    judged = frozenset(s for s, v in n.items() if v >= survey.settings.privacy.min_answers)
    return {
        "n": n,
        "means": means,
        "total": float(total["cijfer"]) if total["cijfer_shown"] else None,
        "distribution": dist,
        "norm": (norm.status, judged, survey.settings.norm),
    }


@pytest.fixture(scope="module")
def demo_surveys(demo_data, settings):
    """Every demo period (the session's demo data, as `make demo` makes it)."""
    return [load_survey(demo_data / spec.period, settings) for spec in demo.DEFAULT_PERIODS]


def test_every_hidden_grade_of_every_demo_report_stays_wide(demo_surveys):
    attacked = 0
    for survey in demo_surveys:
        for pid in survey.provider_ids():
            published = published_grades(survey, pid)
            primary = {s for s, v in published["n"].items() if v < 3}
            if not primary or sum(published["n"].values()) < 3:
                continue
            intervals = attack_report(published)
            for s in primary:
                low, high = intervals[s]
                assert high - low >= W - 1e-6, (survey.period.id, pid, s, intervals[s])
                attacked += 1
    assert attacked  # the demo has a hidden service beside shown ones (baankracht-zuid 2025)


# ---- constructed worst cases -------------------------------------------------------------------
def _survey(settings, providers: dict[str, dict[int, list[int]]]) -> Survey:
    """A period of hand-built providers: {provider: {dienst: grades}} (clients only)."""
    from types import SimpleNamespace

    from conftest import persons_frame

    frames = [
        persons_frame(
            pid,
            [
                {"group": labels.GROUP_CLIENT, "dienst": d, "netto": len(g), "grades": g}
                for d, g in cells.items()
            ],
        )
        for pid, cells in providers.items()
    ]
    dataset = SimpleNamespace(
        persons=pd.concat(frames, ignore_index=True),
        providers=pd.DataFrame(index=pd.Index(list(providers), name="provider_id")),
    )
    return Survey(dataset, settings)


def _all_intervals(survey: Survey, pid: str) -> dict:
    published = published_grades(survey, pid)
    return {
        s: iv
        for s, iv in attack_report(published).items()
        if published["n"][s] < survey.settings.privacy.min_answers
    }


WORST_CASES = {
    # the issue's example: Jobcoaching 8,0 (n=4) beside a hidden pair, Totaal 6,5 (n=6)
    "one tiny service beside a larger one": {5: [8, 8, 8, 8], 9: [3, 4]},
    "one tiny service beside large ones": {
        5: [7, 8, 6, 7, 7, 8, 6, 7, 7, 7],
        9: [8] * 19,
        13: [6, 7, 7, 7, 7],
        10: [9],
    },
    "two tiny services": {5: [7, 8, 6, 7, 7, 8, 6, 7], 9: [2], 10: [10, 9]},
    "a hidden value beside its shown margin, all alike": {5: [8] * 12, 10: [8]},
    "a low hidden value that the norm would expose": {5: [8] * 9, 9: [7] * 6, 10: [1, 2]},
}


@pytest.mark.parametrize("cells", WORST_CASES.values(), ids=WORST_CASES.keys())
def test_worst_cases_within_one_report(settings, cells):
    survey = _survey(settings, {"p": cells})
    intervals = _all_intervals(survey, "p")
    assert intervals, "the case must hide something"
    for s, (low, high) in intervals.items():
        assert high - low >= W - 1e-6, (s, low, high)


def test_the_issue_example_no_longer_gives_the_hidden_mean(settings):
    survey = _survey(settings, {"p": WORST_CASES["one tiny service beside a larger one"]})
    table = survey.table11["p"].set_index("label")
    # the larger service is hidden as well (secondary), and marked as such
    assert table.loc["Jobcoaching", "weggelaten"] == "afleidbaar"
    assert not table.loc["Jobcoaching", "cijfer_shown"]
    assert table.loc[labels.TOTAAL, "cijfer_shown"]


def test_the_norm_does_not_judge_a_hidden_service_on_its_own(settings):
    survey = _survey(settings, {"p": WORST_CASES["a low hidden value that the norm would expose"]})
    persons = survey.persons("p")
    outcome = metrics.norm_outcome(persons, settings.norm, min_answers=3)
    assert outcome.status == "behaald" and 10 not in outcome.services
    # judged on its own, the pair with 1,5 would fail the norm and so reveal it is below 5,5
    assert metrics.norm_outcome(persons, settings.norm, min_answers=1).status != "behaald"


# ---- across reports: the benchmark -------------------------------------------------------------
def attack_benchmark(survey: Survey, service: int) -> dict[tuple[str, str], tuple[float, float]]:
    """Intervals of every hidden cell of ``service`` for every attacker among the providers.

    Unknowns: the grade sum of each hidden cell. Known: each cell's n, the printed means of
    shown cells, the printed benchmark with its n (from which the attacker tells which cells
    it contains: all of them when its n is their total), and the attacker's own sum exactly.
    """
    bench = survey.benchmark_means.set_index("dienst").loc[service]
    cells = {}
    for pid in survey.provider_ids():
        done = metrics.completed_grades(survey.persons(pid))
        part = done[done["dienst"] == service]["cijfer"]
        if len(part):
            row = survey.table11[pid].set_index("dienst").loc[service]
            shown = float(row["cijfer"]) if row["cijfer_shown"] else None
            cells[pid] = (len(part), float(part.sum()), shown)
    hidden = [p for p, c in cells.items() if c[2] is None]
    if math.isnan(bench["mean"]) or not hidden:
        return {}
    all_n = sum(c[0] for c in cells.values())
    contains = list(cells) if int(bench["n"]) == all_n else [p for p in cells if p not in hidden]
    out = {}
    for attacker in cells:
        for target in hidden:
            if target == attacker:
                continue
            unknown = [p for p in hidden if p != attacker]
            idx = {p: i for i, p in enumerate(unknown)}
            known = sum(
                (cells[p][1] if p == attacker else cells[p][0] * cells[p][2])
                for p in contains
                if p not in idx
            )
            row = np.zeros(len(unknown))
            for p in contains:
                if p in idx:
                    row[idx[p]] = 1
            n_b = int(bench["n"])
            # shown cells' sums are only known to their rounding: widen by it
            slack = sum(0.05 * cells[p][0] for p in contains if p not in idx and p != attacker)
            lo_b = n_b * (bench["mean"] - 0.05) - known - slack
            hi_b = n_b * (bench["mean"] + 0.05) - known + slack
            cons = [LinearConstraint(row[None, :], lo_b, hi_b)] if row.any() else []
            lb = np.array([cells[p][0] for p in unknown], dtype=float)
            ends = []
            for sign in (1, -1):
                c = np.zeros(len(unknown))
                c[idx[target]] = sign
                res = milp(c, constraints=cons, bounds=Bounds(lb, 10 * lb), integrality=1)
                assert res.status == 0
                ends.append(sign * res.fun / cells[target][0])
            out[(attacker, target)] = tuple(ends)
    return out


RARE_SERVICE = {
    # the issue's case: a rare service with 6 answers in the period, 4 of them from one
    # provider and 2 hidden in another's report; more providers with it make it worse
    "two providers": {"a": {9: [7] * 10, 4: [6, 7, 8, 9]}, "b": {9: [8] * 10, 4: [2, 3]}},
    "five providers, one hidden": {
        "a": {9: [7] * 10, 4: [6, 7, 8, 9]},
        "b": {9: [8] * 10, 4: [2, 3]},
        "c": {9: [6] * 10, 4: [8, 8, 8]},
        "d": {9: [7] * 10, 4: [9, 9, 9]},
        "e": {9: [7] * 10, 4: [5, 6, 7]},
    },
}


@pytest.mark.parametrize("providers", RARE_SERVICE.values(), ids=RARE_SERVICE.keys())
def test_the_benchmark_of_a_rare_service_exposes_nothing(settings, providers):
    survey = _survey(settings, providers)
    for (attacker, target), (low, high) in attack_benchmark(survey, 4).items():
        assert high - low >= W - 1e-6, (attacker, target, low, high)
    bench = survey.benchmark_means.set_index("dienst").loc[4]
    if len(providers) == 2:
        assert math.isnan(bench["mean"])  # one other provider: never shown
    else:  # shown, but only from the cells that their own reports show
        assert int(bench["n"]) == 15 - 2  # all but the hidden pair


def test_every_demo_benchmark_exposes_nothing(demo_surveys):
    checked = 0
    for survey in demo_surveys:
        for service in survey.benchmark_means["dienst"].dropna():
            for (_, _), (low, high) in attack_benchmark(survey, int(service)).items():
                assert high - low >= W - 1e-6
                checked += 1
    assert checked  # some demo benchmark sits beside a hidden cell
