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
from fractions import Fraction

import numpy as np
import pandas as pd
import published as files
import pytest
from conftest import PERIOD_FORMATS
from published import sums_for_mean
from scipy.optimize import Bounds, LinearConstraint, milp

from tevredenheidsrapport import config, labels, metrics
from tevredenheidsrapport.survey import Survey, load_survey

G = np.arange(1, 11)
W = config.load_settings().privacy.protection_grade


# ---- the attacker ----------------------------------------------------------------------------
def _pass_bound(n: int, minimum: float) -> int:
    """The smallest grade sum of n grades whose mean, printed half-up, reaches ``minimum``."""
    return sums_for_mean(n, Fraction(str(minimum)))[0]


def attack_report(published: dict, rule: config.Norm) -> dict[str, tuple[float, float]]:
    """Intervals of the hidden service means of one report.

    ``published`` (see :func:`from_file`): ``n`` {service: grades}, ``means`` {service:
    printed mean or None}, ``total`` (printed or None), ``distribution`` ({grade: (fewest,
    most)} or None: the counts its printed percentages allow), ``norm`` (the printed
    outcome) and ``judged`` (the services the norm judges on their own).

    Variables: c[s, g], the clients of service s who gave grade g, then one binary per way
    of missing the norm: "at least one judged mean is too low" is a disjunction, modelled
    with big-M, before and (for a miss after correction) after the correction for
    insufficient grades."""
    services = sorted(published["n"])
    k = len(services)
    n_total = sum(published["n"].values())
    corrected = np.where(G < rule.insufficient_below, rule.insufficient_as, G)
    a, lo, hi = [], [], []

    def grades_of(i, weights=G):
        r = np.zeros(10 * k)
        r[10 * i : 10 * i + 10] = weights
        return r

    def everyone(weights=G):
        return sum(grades_of(i, weights) for i in range(k))

    def exactly(r, low, high):
        a.append(r)
        lo.append(low)
        hi.append(high)

    for i, s in enumerate(services):
        exactly(grades_of(i, np.ones(10)), published["n"][s], published["n"][s])
        if published["means"].get(s) is not None:
            exactly(grades_of(i), *sums_for_mean(published["n"][s], published["means"][s]))
    if published["total"] is not None:
        exactly(everyone(), *sums_for_mean(n_total, published["total"]))
    if published["distribution"] is not None:
        for g in range(1, 11):
            r = np.zeros(10 * k)
            r[g - 1 :: 10] = 1
            exactly(r, *published["distribution"].get(g, (0, 0)))

    # the norm: (expression, smallest passing sum) for Totaal and each judged service
    def tests(weights):
        out = [(everyone(weights), _pass_bound(n_total, rule.total_min))]
        for i, s in enumerate(services):
            if s in published["judged"]:
                out.append(
                    (grades_of(i, weights), _pass_bound(published["n"][s], rule.service_min))
                )
        return out

    binaries = []

    def passes(weights):
        for r, bound in tests(weights):
            exactly(r, bound, math.inf)

    def misses(weights):
        """At least one test fails: sum_j z_j >= 1 and r + M z_j <= bound - 1 + M."""
        first = len(binaries)
        for r, bound in tests(weights):
            binaries.append((r, bound - 1, 10 * n_total))
        return range(first, len(binaries))

    groups = []
    status = published["norm"]
    if status == "behaald":
        passes(G)
    elif status == "behaald na correctie":
        groups.append(misses(G))
        passes(corrected)
    elif status == "niet behaald":
        groups.append(misses(G))
        groups.append(misses(corrected))
    nz = len(binaries)
    a = [np.concatenate([r, np.zeros(nz)]) for r in a]
    for j, (r, bound, big) in enumerate(binaries):
        z = np.zeros(nz)
        z[j] = big
        exactly(np.concatenate([r, z]), -math.inf, bound + big)
    for group in groups:
        z = np.zeros(nz)
        z[list(group)] = 1
        exactly(np.concatenate([np.zeros(10 * k), z]), 1, math.inf)
    cons = LinearConstraint(np.array(a), np.array(lo), np.array(hi))
    ub = np.concatenate([np.repeat([published["n"][s] for s in services], 10), np.ones(nz)])
    out = {}
    for i, s in enumerate(services):
        if published["means"].get(s) is not None:
            continue
        ends = []
        for sign in (1, -1):
            c = np.concatenate([sign * grades_of(i), np.zeros(nz)])
            res = milp(c, constraints=cons, bounds=Bounds(0, ub), integrality=np.ones(len(c)))
            assert res.status == 0, f"the published numbers of service {s} are inconsistent"
            ends.append(sign * res.fun / published["n"][s])
        out[s] = tuple(ends)
    return out


def test_the_attacker_uses_a_missed_norm(settings):
    """Jobcoaching 7,0 (n=4) passes; so a missed norm before correction says Totaal (hidden)
    is below 6,5, which puts the one hidden grade at 4 or lower."""
    shown = {
        "n": {"Jobcoaching": 4, "verborgen": 1},
        "means": {"Jobcoaching": Fraction(7), "verborgen": None},
        "total": None,
        "distribution": None,
        "judged": frozenset({"Jobcoaching"}),
    }
    assert attack_report({**shown, "norm": "geen oordeel"}, settings.norm)["verborgen"] == (1, 10)
    after = attack_report({**shown, "norm": "behaald na correctie"}, settings.norm)
    assert after["verborgen"] == (1, 4)
    assert attack_report({**shown, "norm": "behaald"}, settings.norm)["verborgen"] == (5, 10)


# ---- what a report publishes -------------------------------------------------------------------
def from_file(pub: files.Published, k: int) -> dict:
    """The attacker's input from a report as published (HTML and sidecar)."""
    n = {s: r.ingevuld for s, r in pub.services.items() if r.ingevuld}
    dist = None
    if pub.distribution is not None:
        dist = {
            g: files.counts_for_percent(pub.distribution_n, p) for g, p in pub.distribution.items()
        }
    return {
        "n": n,
        "means": {s: pub.services[s].cijfer for s in n},
        "total": pub.total.cijfer if pub.total else None,
        "distribution": dist,
        "norm": pub.norm,
        "judged": frozenset(s for s, v in n.items() if v >= k),
    }


def published_grades(survey: Survey, pid: str) -> dict:
    """The same for a hand-built period, from the frames the report would print (table 2.2,
    distribution, norm): for the constructed worst cases, which are never rendered."""
    table = survey.table11[pid]
    persons = survey.persons(pid)
    done = metrics.completed_grades(persons)
    k = survey.settings.privacy.min_answers
    n = {int(d): len(part) for d, part in done.groupby("dienst")}
    rows = table[table["kind"] == "dienst"].set_index("dienst")
    means = {
        int(d): (Fraction(str(r["cijfer"])) if r["cijfer_shown"] else None)
        for d, r in rows.iterrows()
        if int(d) in n
    }
    total = table[table["kind"] == "totaal"].iloc[0]
    disclosure = survey.grade_disclosure[pid]
    dist = None
    if disclosure.distribution_shown and len(done) >= k:
        counts = metrics.grade_distribution(done["cijfer"])["count"]
        dist = {g: (int(c), int(c)) for g, c in zip(range(1, 11), counts, strict=True) if c}
    norm = metrics.norm_outcome(persons, survey.settings.norm, min_answers=k)
    return {
        "n": n,
        "means": means,
        "total": Fraction(str(total["cijfer"])) if total["cijfer_shown"] else None,
        "distribution": dist,
        "norm": norm.status,
        "judged": frozenset(s for s, v in n.items() if v >= k),
    }


@pytest.fixture(scope="module")
def demo_surveys(demo_data, settings):
    """The demo periods the demo batch renders (the session's demo data, as `make demo`
    makes it): 2025, whose trends compare within one questionnaire version, and 2021, the
    other version; 2024 is read as their previous measurement."""
    return [load_survey(demo_data / period, settings) for period in PERIOD_FORMATS]


def _demo_reports(demo_batch):
    """Every demo report as published, by period: {period: {provider: Published}}."""
    return {
        period: {p.stem: files.read(p) for p in files.report_pages(demo_batch / period)}
        for period in PERIOD_FORMATS  # the periods the demo batch renders
    }


@pytest.fixture(scope="module")
def demo_reports(demo_batch):
    return _demo_reports(demo_batch)


def test_the_attacker_reads_what_the_reports_print(demo_reports, demo_surveys):
    """The files say what the frames say: the parser below the attack is right."""
    assert [s.period.id for s in demo_surveys] == list(demo_reports)
    for survey in demo_surveys:
        reports = demo_reports[survey.period.id]
        assert set(reports) == set(survey.provider_ids())
        for pid, pub in reports.items():
            done = metrics.completed_grades(survey.persons(pid))
            table = survey.table11[pid].set_index("label")
            for label, row in pub.services.items():
                assert row.ingevuld == int((done["dienst"] == table.loc[label, "dienst"]).sum())
                assert (row.cijfer is None) == (not table.loc[label, "cijfer_shown"])
            assert pub.total.ingevuld == len(done)
            assert (
                pub.norm == metrics.norm_outcome(survey.persons(pid), survey.settings.norm).status
            )
            if pub.distribution is not None:
                assert pub.distribution_n == len(done)


def test_every_hidden_grade_of_every_demo_report_stays_wide(demo_reports, settings):
    """From each published report alone (HTML and sidecar), no hidden mean can be pinned."""
    k = settings.privacy.min_answers
    attacked = 0
    for period, reports in demo_reports.items():
        for pid, pub in reports.items():
            shown = from_file(pub, k)
            primary = {s for s, v in shown["n"].items() if v < k}
            if not primary or sum(shown["n"].values()) < k:
                continue
            intervals = attack_report(shown, settings.norm)
            for s in primary:
                low, high = intervals[s]
                assert high - low >= W - 1e-6, (period, pid, s, intervals[s])
                attacked += 1
    assert attacked  # the demo hides services beside shown ones (baankracht-zuid 2025)


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
    shown = published_grades(survey, pid)
    return {
        s: iv
        for s, iv in attack_report(shown, survey.settings.norm).items()
        if shown["n"][s] < survey.settings.privacy.min_answers
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
    # a missed norm is a disjunction: one of the judged means (or Totaal) is too low
    "a hidden value beside a missed norm": {5: [5] * 6 + [6] * 4, 9: [4, 5, 5, 6, 6, 6], 10: [9]},
    "a hidden value beside a norm met after correction": {
        5: [1, 1, 8, 8, 8, 8, 8, 8, 8, 8],
        9: [7] * 5,
        10: [2],
    },
}


def test_the_worst_cases_include_missed_norms(settings):
    statuses = {
        metrics.norm_outcome(_survey(settings, {"p": c}).persons("p"), settings.norm).status
        for c in WORST_CASES.values()
    }
    assert {"behaald", "behaald na correctie", "niet behaald"} <= statuses


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
def attack_benchmark(
    cells: dict[str, tuple[int, Fraction | None]],
    bench: tuple[Fraction, int] | None,
    own: dict[str, int],
) -> dict[tuple[str, str], tuple[float, float]]:
    """Intervals of every hidden cell of one service for every attacker among the providers.

    ``cells``: {provider: (n, printed mean or None)} as each report prints it; ``bench``: the
    printed "alle deelnemers" mean with its n; ``own``: each provider's own grade sum, which
    the attacker knows exactly when it is that provider. Unknowns: the grade sums of the
    hidden cells. From the benchmark's n the attacker tells which cells it contains."""
    hidden = [p for p, c in cells.items() if c[1] is None]
    if bench is None or not hidden:
        return {}
    mean, n_b = bench
    all_n = sum(c[0] for c in cells.values())
    shown_n = sum(c[0] for c in cells.values() if c[1] is not None)
    assert n_b in (all_n, shown_n), "the attacker cannot tell what the benchmark contains"
    contains = list(cells) if n_b == all_n else [p for p in cells if p not in hidden]
    out = {}
    for attacker in cells:
        unknown = [p for p in hidden if p != attacker]
        idx = {p: i for i, p in enumerate(unknown)}
        row = np.array([1.0 if p in contains else 0.0 for p in unknown])
        # shown cells' sums are known only to their printed rounding
        known_lo = known_hi = 0
        for p in contains:
            if p == attacker:
                known_lo += own[p]
                known_hi += own[p]
            elif p not in idx:
                low, high = sums_for_mean(cells[p][0], cells[p][1])
                known_lo, known_hi = known_lo + low, known_hi + high
        b_lo, b_hi = sums_for_mean(n_b, mean)
        cons = (
            [LinearConstraint(row[None, :], b_lo - known_hi, b_hi - known_lo)] if row.any() else []
        )
        n_unknown = np.array([cells[p][0] for p in unknown], dtype=float)
        for target in unknown:
            ends = []
            for sign in (1, -1):
                c = np.zeros(len(unknown))
                c[idx[target]] = sign
                bounds = Bounds(n_unknown, 10 * n_unknown)
                res = milp(c, constraints=cons, bounds=bounds, integrality=1)
                assert res.status == 0
                ends.append(sign * res.fun / cells[target][0])
            out[(attacker, target)] = tuple(ends)
    return out


def benchmark_from_frames(survey: Survey, service: int):
    """``attack_benchmark``'s input for a hand-built period, from the frames."""
    cells, own = {}, {}
    for pid in survey.provider_ids():
        done = metrics.completed_grades(survey.persons(pid))
        part = done[done["dienst"] == service]["cijfer"]
        if len(part):
            row = survey.table11[pid].set_index("dienst").loc[service]
            shown = Fraction(str(row["cijfer"])) if row["cijfer_shown"] else None
            cells[pid], own[pid] = (len(part), shown), int(part.sum())
    bench = survey.benchmark_means.set_index("dienst").loc[service]
    printed = None if math.isnan(bench["mean"]) else (Fraction(str(bench["mean"])), int(bench["n"]))
    return cells, printed, own


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
    for (attacker, target), (low, high) in attack_benchmark(
        *benchmark_from_frames(survey, 4)
    ).items():
        assert high - low >= W - 1e-6, (attacker, target, low, high)
    bench = survey.benchmark_means.set_index("dienst").loc[4]
    if len(providers) == 2:
        assert math.isnan(bench["mean"])  # one other provider: never shown
    else:  # shown, but only from the cells that their own reports show
        assert int(bench["n"]) == 15 - 2  # all but the hidden pair


def test_every_demo_benchmark_exposes_nothing(demo_reports, demo_surveys, settings):
    """From all published reports of a period together, each provider attacking with its own
    answers known exactly: no hidden cell of any service is pinned by the benchmark."""
    privacy = settings.privacy
    checked = benchmarks = 0
    for survey in demo_surveys:
        reports = demo_reports[survey.period.id]
        labels_ = {label for pub in reports.values() for label in pub.services}
        for label in [labels.TOTAAL, *sorted(labels_)]:
            cells, own, printed = {}, {}, set()
            for pid, pub in reports.items():
                row = pub.total if label == labels.TOTAAL else pub.services.get(label)
                if row is None or not row.ingevuld:
                    continue
                cells[pid] = (row.ingevuld, row.cijfer)
                done = metrics.completed_grades(survey.persons(pid))
                if label != labels.TOTAAL:
                    dienst = survey.table11[pid].set_index("label").loc[label, "dienst"]
                    done = done[done["dienst"] == dienst]
                own[pid] = int(done["cijfer"].sum())
                if label in pub.benchmark:
                    printed.add(pub.benchmark[label])
            assert len(printed) <= 1, (label, printed)  # every report prints the same one
            bench = printed.pop() if printed else None
            if bench is not None:
                benchmarks += 1
                # a shown benchmark rests on cells that their own reports show, from
                # enough providers that leaving any one out still leaves 3 and k answers
                ns = [c[0] for c in cells.values() if c[1] is not None]
                assert bench[1] == sum(ns), (survey.period.id, label)
                assert len(ns) >= privacy.benchmark_min_providers + 1
                assert sum(ns) - max(ns) >= privacy.min_answers
            for (_, _), (low, high) in attack_benchmark(cells, bench, own).items():
                assert high - low >= W - 1e-6, (survey.period.id, label)
                checked += 1
    assert benchmarks and checked  # some demo benchmark sits beside a hidden cell


# ---- shares: what a benchmark of percentages contains -------------------------------------------
def test_every_demo_share_benchmark_holds_only_published_answers(demo_reports, settings):
    """Percentages give their counts back (n and a whole percent pin a count to an interval),
    so a benchmark of shares could be differenced like a mean. From the published alt texts
    of all reports of a period: every "alle deelnemers" of a figure of shares is the sum of
    the answers that the reports printing that benchmark show (its n is their total, and each
    option's count fits the sum of theirs), from enough providers that leaving any one out
    leaves 3 others and k answers.

    One exception is visible in the files: a provider with two questionnaires (arbeid and
    inburgeren) prints the sum of both benchmarks, and its share of each is not printed on
    its own. What a reader can subtract then is that part of those providers, which holds
    either no answers or at least k (the next test)."""
    privacy = settings.privacy
    figures = pure = combined = 0
    for period, reports in demo_reports.items():
        by_figure: dict[str, dict[str, files.Shares]] = {}
        for pid, pub in reports.items():
            for fig, alt in pub.alts.items():
                found = files.shares(alt, pub.name)
                if found is not None:
                    by_figure.setdefault(fig, {})[pid] = found
        for fig, cells in by_figure.items():
            figures += 1
            variants: dict[tuple, list[files.Shares]] = {}
            for c in cells.values():
                if c.bench_n is not None:
                    key = (c.bench_n, tuple(sorted(c.bench_percent.items())))
                    variants.setdefault(key, []).append(c)
            sizes = {key[0] for key in variants}
            for (bench_n, bench_percent), printing in variants.items():
                ns = [c.n for c in printing]
                where = (period, fig, bench_n, sorted(ns))
                rest = bench_n - sum(ns)
                if rest:
                    # two questionnaires: this benchmark plus another is printed by the
                    # providers with both (this one holds their part), or this one is such
                    # a sum (it holds theirs and everyone's of both)
                    others = sizes - {bench_n}
                    assert rest > 0, where
                    assert any(bench_n + u in others or bench_n - u in others for u in others)
                    combined += 1
                    continue
                pure += 1
                assert len(ns) >= privacy.benchmark_min_providers + 1, where
                assert sum(ns) - max(ns) >= privacy.min_answers, where
                for option, percent in bench_percent:
                    low, high = files.counts_for_percent(bench_n, percent)
                    parts = [
                        files.counts_for_percent(c.n, c.percent[option])
                        if option in c.percent
                        else (0, 0)
                        for c in printing
                    ]
                    fits = sum(p[0] for p in parts) <= high and sum(p[1] for p in parts) >= low
                    assert fits, (*where, option)
    assert figures > 50 and pure > 50 and combined, (figures, pure, combined)


def test_a_benchmark_takes_from_each_provider_no_answers_or_enough(demo_surveys):
    """Per questionnaire, item (a matrix: row) and provider, the benchmark holds none of the
    provider's answers or at least the item's threshold, and never rests on fewer providers
    than the rule allows: so the part a reader can subtract (see the test above) is never one
    or two answers."""
    checked = 0
    for survey in demo_surveys:
        providers = survey.dataset.persons.drop_duplicates("person_id").set_index("person_id")
        for cid, book in survey.dataset.codebooks.items():
            if cid not in survey.dataset.responses:
                continue
            frame = survey.answers(cid)
            owner = providers["provider_id"].reindex(frame.index.astype(str)).to_numpy()
            for item in book.items:
                columns = [c for c in item.kind.columns(item) if c in frame.columns]
                if not item.kind.coded or not columns:
                    continue
                groups = [[c] for c in columns] if item.rows else [columns]
                for group in groups:
                    n = frame[group].notna().all(axis=1).groupby(owner).sum()
                    n = n[n > 0]
                    if n.empty:
                        continue
                    assert n.min() >= survey.threshold(item), (cid, item.id, group)
                    assert survey.benchmark_allowed(n.to_dict()), (cid, item.id, group)
                    checked += 1
    assert checked > 100
