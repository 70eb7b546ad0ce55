"""Intervals and tests as the reports publish them, recomputed from the data with scipy.stats.

The sidecar of every demo report lists the interval of each grade in table 2.2 and every
test of a figure against the rest. Here they are recomputed from the raw answers, with
scipy.stats directly (not through :mod:`tevredenheidsrapport.stats`): the interval with the
finite-population correction, Welch's t-test and Fisher's exact test against the other
providers' answers (the provider's own left out), Benjamini-Hochberg over the report.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from tevredenheidsrapport import comparisons, labels, metrics
from tevredenheidsrapport.comparisons import POSITIVE, positive_codes
from tevredenheidsrapport.survey import Survey, answers_of, load_survey


@pytest.fixture(scope="module")
def survey(demo_data, settings) -> Survey:
    return load_survey(demo_data / "2025", settings)


@pytest.fixture(scope="module")
def sidecars(demo_batch) -> dict[str, dict]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((demo_batch / "2025").glob("*.json"))
        if not p.name.startswith(".")
    }


def test_every_interval_reproduces_from_the_grades(survey, sidecars, settings):
    checked = 0
    for pid, sidecar in sidecars.items():
        persons = survey.persons(pid)
        for row in sidecar["table11"]:
            if row["interval"] is None:
                continue
            group = labels.GROUP_OPDRACHTGEVER if row["kind"] == "opdrachtgevers" else None
            done = metrics.completed_grades(persons, group or labels.GROUP_CLIENT)
            if row["kind"] == "dienst":
                done = done[done["dienst"] == row["dienst"]]
            grades = done["cijfer"].to_numpy(dtype=float)
            n, big_n = len(grades), row["netto"]
            half = (
                st.t.ppf(0.5 + settings.statistics.level / 2, n - 1)
                * st.sem(grades)
                * math.sqrt((big_n - n) / (big_n - 1))
            )
            low, high = max(1, grades.mean() - half), min(10, grades.mean() + half)
            assert row["interval"] == pytest.approx([low, high], abs=0.05 + 1e-9), (pid, row)
            checked += 1
    assert checked > 50


def test_no_client_interval_beside_a_hidden_grade(sidecars):
    """An interval gives away the spread behind a mean; beside a hidden grade that would let
    a reader compute more than the means alone, so none of the client rows has one."""
    hiding = 0
    for pid, sidecar in sidecars.items():
        clients = [r for r in sidecar["table11"] if r["kind"] != "opdrachtgevers"]
        hidden = any(r["rapportcijfer"] is None and r["ingevuld"] for r in clients)
        if hidden:
            hiding += 1
            assert all(r["interval"] is None for r in clients), pid
        for r in sidecar["table11"]:
            if r["rapportcijfer"] is None:
                assert r["interval"] is None, (pid, r)  # never an interval of a hidden mean
    assert hiding  # baankracht-zuid hides a grade


def _tests(sidecar: dict) -> list[tuple[str, dict]]:
    """(figure or table id, test) for every test a report shows."""
    shown = sidecar["figures"] + sidecar["tables"]
    return [(f["id"], t) for f in shown for t in f.get("toetsen", ())]


def test_every_test_has_enough_answers_on_both_sides(sidecars, settings):
    m = settings.statistics.min_answers
    found = [t for s in sidecars.values() for _, t in _tests(s)]
    assert len(found) > 500
    assert all(t["n"] >= m and t["n_rest"] >= m for t in found)


def test_benjamini_hochberg_over_every_test_of_a_report(sidecars, settings):
    marked = 0
    for pid, sidecar in sidecars.items():
        tests = [t for _, t in _tests(sidecar)]
        if not tests:
            continue
        adjusted = st.false_discovery_control([t["p"] for t in tests], method="bh")
        assert [t["p_bh"] for t in tests] == pytest.approx(list(adjusted), rel=1e-9), pid
        for t in tests:
            significant = t["p_bh"] <= settings.statistics.fdr
            expected = (
                ("hoger" if t["waarde"] > t["waarde_rest"] else "lager") if significant else None
            )
            assert t["richting"] == expected, (pid, t)
            marked += expected is not None
    assert marked > 20


def _hides_a_client_grade(sidecar: dict) -> bool:
    clients = [r for r in sidecar["table11"] if r["kind"] != "opdrachtgevers"]
    return any(r["rapportcijfer"] is None and r["ingevuld"] for r in clients)


def _rest_grades(survey: Survey, pid: str, label: str, hiding: set[str]):
    """Own grades and those of the rest as the benchmark holds them (Totaal of providers
    whose report shows Totaal, a service of the cells the reports show), without the
    providers that hide a client grade."""
    done = metrics.completed_grades(survey.dataset.persons)
    done = done[~done["provider_id"].astype(str).isin(hiding)]
    keep = []
    for owner, d in zip(done["provider_id"].astype(str), done["dienst"], strict=True):
        disclosure = survey.grade_disclosure[owner]
        if label == labels.TOTAAL:
            keep.append(disclosure.total_shown)
        else:
            keep.append(labels.DIENSTEN.get(int(d)) == label and disclosure.shown(int(d)))
    done = done[np.array(keep)]
    mine = done["provider_id"].astype(str) == pid
    return done.loc[mine, "cijfer"], done.loc[~mine, "cijfer"]


def test_welch_against_the_rest_reproduces_with_scipy(survey, sidecars):
    """From the data, with every provider that hides a client grade left out on both sides
    (a test's statistic tells the spread behind a mean: see Survey.grade_tests)."""
    hiding = {pid for pid, s in sidecars.items() if _hides_a_client_grade(s)}
    assert hiding
    checked = 0
    for pid, sidecar in sidecars.items():
        if pid in hiding:
            assert not [t for f, t in _tests(sidecar) if f == "cijfer-gemiddeld"], pid
        for figure, t in _tests(sidecar):
            if figure != "cijfer-gemiddeld":
                continue
            own, rest = _rest_grades(survey, pid, t["sleutel"], hiding)
            ref = st.ttest_ind(own, rest, equal_var=False)
            assert (t["n"], t["n_rest"]) == (len(own), len(rest))  # its own never in the rest
            assert t["p"] == pytest.approx(ref.pvalue, rel=1e-9)
            assert t["statistiek"] == pytest.approx(ref.statistic, rel=1e-9)
            checked += 1
    assert checked > 30


def _share_counts(item, frame, key) -> tuple[int, int]:
    """(hits, n) of one share of an item's answers, counted from the raw columns."""
    if item.type == "multi":
        n = int(frame[item.kind.columns(item)].notna().any(axis=1).sum())
        code = next(c for c, label in item.options.items() if label == key)
        return int((frame[f"{item.id}_{code}"] == 1).sum()), n
    if item.type in ("scale", "matrix"):
        column = item.id if key == POSITIVE else f"{item.id}_{_row_of(item, key)}"
        positive, opinion = positive_codes(dict(item.options))
        return int(frame[column].isin(positive).sum()), int(frame[column].isin(opinion).sum())
    code = next(c for c, label in item.options.items() if label == key)
    return int((frame[item.id] == code).sum()), int(frame[item.id].notna().sum())


def _row_of(item, key):
    return next(r for r, label in item.rows.items() if label == key)


def test_fisher_against_the_rest_reproduces_with_scipy(survey, sidecars):
    """Every third report (all of them take a while and test nothing more)."""
    checked = 0
    for pid, sidecar in list(sidecars.items())[::3]:
        persons = survey.persons(pid)
        for figure, t in _tests(sidecar):
            if t["methode"] != "fisher" or figure.endswith("-aanbevolen") or t["tegen"] != "rest":
                continue
            questionnaire, item_id = figure.split("-", 1)
            book = next(
                b for b in survey.dataset.codebooks.values() if b.questionnaire == questionnaire
            )
            item = book.item(item_id)
            own = answers_of(survey, persons, book.id)
            bench = survey.answers(book.id)  # the benchmark's answers (privacy.py's rules)
            rest = bench.drop(index=own.index)
            hits, n = _share_counts(item, own, t["sleutel"])
            rest_hits, rest_n = _share_counts(item, rest, t["sleutel"])
            ref = st.fisher_exact([[hits, n - hits], [rest_hits, rest_n - rest_hits]])
            assert (t["n"], t["n_rest"]) == (n, rest_n), (pid, figure, t["sleutel"])
            assert t["p"] == pytest.approx(ref.pvalue, rel=1e-9)
            checked += 1
    assert checked > 100


# ---- the summary page -------------------------------------------------------------------------
def _summary(page: str) -> str:
    import html
    import re

    start = page.index('<section class="summary"')
    block = page[start : page.index("</section>", start)]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", block)).split())


def test_a_provider_below_the_benchmark_everywhere_is_told_so(demo_batch):
    """horizonwerk-west 2021 scores below all participants on every aspect: the summary
    says so instead of listing the least bad as its strengths."""
    text = _summary((demo_batch / "2021" / "horizonwerk-west.html").read_text(encoding="utf-8"))
    assert labels.SUMMARY_BEST_NONE in text
    assert labels.SUMMARY_STAFF_NONE in text
    assert "✓" not in text


def test_the_summary_lists_strengths_only_above_the_benchmark(demo_batch, survey, tmp_path):
    from tevredenheidsrapport import charts
    from tevredenheidsrapport.content import BuildContext
    from tevredenheidsrapport.facts import ProviderFacts

    listed = 0
    for pid in ("koersvast-werk", "taalkade-oost", "taalwerk-zuid"):
        text = _summary((demo_batch / "2025" / f"{pid}.html").read_text(encoding="utf-8"))
        ctx = BuildContext(ProviderFacts(survey, pid), None, tmp_path)
        above = charts.strengths(ctx, "aspects")
        above = set(above.loc[above["difference"] > 0, "label"])
        shown = [x.split(" (significant)")[0] for x in text.split("✓ ")[1:]]
        for label in shown:
            listed += 1
            assert any(label.startswith(a) for a in above), (pid, label)
        if labels.SUMMARY_STAFF in text:  # the staff aspect is about staff, not the classroom
            staff = text.split(labels.SUMMARY_STAFF, 1)[1].split("Algemene tevredenheid")[0]
            assert "leslokaal" not in staff.lower(), (pid, staff)
    assert listed


# ---- the previous measurement ------------------------------------------------------------------
def test_the_change_since_the_previous_measurement_reproduces_with_scipy(demo_data, sidecars):
    from tevredenheidsrapport import config

    settings = config.load_settings()
    now = load_survey(demo_data / "2025", settings, previous=False)
    then = load_survey(demo_data / "2024", settings, previous=False)  # the year before
    checked = 0
    for pid, sidecar in sidecars.items():
        table = next((t for t in sidecar["tables"] if t["id"] == "vorige-meting"), None)
        if table is None:  # a provider that did not take part in 2024
            assert pid not in then.dataset.providers.index, pid
            continue
        for t in table.get("toetsen", ()):
            grades = []
            for survey in (now, then):
                done = metrics.completed_grades(survey.persons(pid))
                if t["sleutel"] != labels.TOTAAL:
                    done = done[done["dienst"].map(labels.DIENSTEN.get) == t["sleutel"]]
                grades.append(done["cijfer"])
            ref = st.ttest_ind(grades[0], grades[1], equal_var=False)
            assert (t["n"], t["n_rest"]) == (len(grades[0]), len(grades[1]))
            assert t["p"] == pytest.approx(ref.pvalue, rel=1e-9), (pid, t["sleutel"])
            checked += 1
    assert checked > 30


def test_the_change_of_every_share_reproduces_with_scipy(demo_data, sidecars):
    """Each share a figure shows beside the previous measurement is tested against the
    provider's own share then: Fisher's exact test on the raw answers of both years (the
    2024 questionnaires are the 2025 ones, so the items are the same)."""
    from tevredenheidsrapport import config

    settings = config.load_settings()
    now = load_survey(demo_data / "2025", settings, previous=False)
    then = load_survey(demo_data / "2024", settings, previous=False)
    checked = significant = pooled = 0
    for pid, sidecar in list(sidecars.items())[::3]:  # a third: all take long, test no more
        for figure, t in _tests(sidecar):
            if t["tegen"] != "vorige meting" or figure == "vorige-meting":
                continue
            counts = []
            for survey in (now, then):
                persons = survey.persons(pid)
                if figure.endswith("-aanbevolen"):
                    group = figure.removesuffix("-aanbevolen")
                    books = [
                        b
                        for b in survey.dataset.codebooks.values()
                        if b.group == group and b.roles.get("recommend")
                    ]
                    values = [
                        answers_of(survey, persons, b.id)[b.roles["recommend"]]
                        for b in books
                        if b.id in survey.dataset.responses
                    ]
                    code = next(
                        c
                        for b in books
                        for c, label in b.item(b.roles["recommend"]).options.items()
                        if label == t["sleutel"]
                    )
                    counts.append(
                        (
                            sum(int((v == code).sum()) for v in values),
                            sum(int(v.notna().sum()) for v in values),
                        )
                    )
                    continue
                questionnaire, item_id = figure.split("-", 1)
                book = next(
                    b
                    for b in survey.dataset.codebooks.values()
                    if b.questionnaire == questionnaire and b.id in survey.dataset.responses
                )
                own = answers_of(survey, persons, book.id)
                counts.append(_share_counts(book.item(item_id), own, t["sleutel"]))
            (hits, n), (then_hits, then_n) = counts
            ref = st.fisher_exact([[hits, n - hits], [then_hits, then_n - then_hits]])
            assert (t["n"], t["n_rest"]) == (n, then_n), (pid, figure, t["sleutel"])
            assert t["p"] == pytest.approx(ref.pvalue, rel=1e-9), (pid, figure, t["sleutel"])
            checked += 1
            significant += t["richting"] is not None
            pooled += figure.endswith("-aanbevolen")
    assert checked > 150 and significant >= 1 and pooled > 5


def test_a_significant_change_is_marked_and_explained(demo_batch):
    """meedoenpunt-delta's clients were much less satisfied in 2025 than in 2024: the figure
    carries ↓ after its name, the note explains it and the alt text says it."""
    page = (demo_batch / "2025" / "meedoenpunt-delta.html").read_text(encoding="utf-8")
    sidecar = json.loads((demo_batch / "2025" / "meedoenpunt-delta.json").read_text())
    (figure,) = [f for f in sidecar["figures"] if f["id"] == "arbeid-tevredenheid_totaal"]
    (trend,) = [t for t in figure["toetsen"] if t["tegen"] == "vorige meting"]
    assert trend["richting"] == "lager" and trend["waarde"] < trend["waarde_rest"]
    assert labels.FIGURE_TREND_SCALE.split(";")[0] in " ".join(page.split())
    assert labels.ALT_TREND_LOWER.format(what=labels.POSITIVE_SHARE) in page
    # the symbol after the provider's row label of the stacked bar (text of the inline SVG)
    label = r">Meedoenpunt Delta \(n=\d+\)(?: [▲▼])? " + labels.TREND_MARKS["lager"] + r"\s*<"
    assert re.search(label, page)


def test_a_first_measurement_says_so(demo_batch):
    def read(period):  # as a reader sees it: Pandoc wraps the lines of the HTML
        return " ".join((demo_batch / period / "horizonwerk-west.html").read_text("utf-8").split())

    page = read("2021")
    assert "Dit is de eerste meting van" in page
    assert "Vergelijking met de vorige meting" not in page
    later = read("2025")
    assert "Dit is de eerste meting van" not in later
    assert "Vergelijking met de vorige meting" in later


def _period(folder, start, end, previous="auto"):
    import datetime as dt

    from tevredenheidsrapport.dataset import Period

    folder.mkdir(parents=True)
    (folder / "period.yaml").write_text(f"start: {start}\nend: {end}\n", encoding="utf-8")
    d = dt.date.fromisoformat
    return Period(folder.name, d(start), d(end), d(end), folder, {}, previous)


def test_the_previous_measurement_is_the_latest_earlier_one_or_the_named_one(tmp_path):
    from tevredenheidsrapport.dataset import previous_period_dir
    from tevredenheidsrapport.errors import DataError

    _period(tmp_path / "2019", "2019-01-01", "2019-12-31")
    _period(tmp_path / "2021", "2021-01-01", "2021-12-31")
    _period(tmp_path / "2026", "2026-01-01", "2026-12-31")  # later: never the previous
    now = _period(tmp_path / "2025", "2024-09-01", "2025-08-31")
    assert previous_period_dir(now) == tmp_path / "2021"
    named = _period(tmp_path / "x", "2024-09-01", "2025-08-31", previous="2019")
    assert previous_period_dir(named) == tmp_path / "2019"
    none = _period(tmp_path / "y", "2024-09-01", "2025-08-31", previous=None)
    assert previous_period_dir(none) is None
    wrong = _period(tmp_path / "z", "2024-09-01", "2025-08-31", previous="2026")
    with pytest.raises(DataError, match="vorige meting"):
        previous_period_dir(wrong)


def test_counts_per_owner_are_the_groupby_sums_with_absent_owners_zero():
    mask = pd.Series([True, False, True, True, True, False], index=list("abcdef"))
    owner = pd.Series(["p2", "p1", "p2", None, "p1", "p2"], index=mask.index)
    index = pd.Index(["p1", "p2", "p3"])
    got = comparisons._counts(mask, owner, index)
    expected = mask.astype(float).groupby(owner).sum().reindex(index, fill_value=0.0)
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert got.to_dict() == {"p1": 1.0, "p2": 2.0, "p3": 0.0}  # the row without owner: nobody's


def test_owner_positions_sort_the_owners_and_leave_rows_without_one_out():
    # as the shares of a questionnaire count them: once per questionnaire, then per share
    owner = pd.Series(["p2", "p10", None, "p2", "p1"], dtype="string[pyarrow]")
    at, owners = comparisons.owner_positions(owner)
    assert list(owners) == sorted({"p2", "p10", "p1"})  # Python's order of the ids
    assert at.tolist() == [2, 1, -1, 2, 0]
    mask = pd.Series([True, True, True, False, True])
    got = comparisons.tally(mask, at, owners)
    pd.testing.assert_series_equal(got, comparisons._counts(mask, owner, owners))
    assert got.to_dict() == {"p1": 1.0, "p10": 1.0, "p2": 1.0}
