"""Item types: the registry, and what each built-in type says about a tiny codebook and frame.

The last tests define a new item type here, in the test suite only, and take it through the
codebook reader, the checks, the dataset and the demo generator without touching a package
module.
"""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml
from fixtures.periods import ROUTING_CODEBOOK, add_codebook, answers, valid_spec, write_period

from tevredenheidsrapport import demo, labels, metrics
from tevredenheidsrapport.checks import check_responses
from tevredenheidsrapport.codebook import parse_codebook
from tevredenheidsrapport.dataset import load_period
from tevredenheidsrapport.errors import CodebookError, DataError
from tevredenheidsrapport.items import (
    ITEM_TYPES,
    ItemFields,
    ItemType,
    MatrixItem,
    Registry,
    SingleItem,
    is_grade_scale,
)
from tevredenheidsrapport.readers import to_numbers

CB = parse_codebook(copy.deepcopy(ROUTING_CODEBOOK), "routing-test.yaml")


def _column_check(item_id: str, cells: list[str | None], column: str | None = None):
    """Problems the item's type finds in one export column holding ``cells``."""
    item = CB.item(item_id)
    column = column or item.columns()[0]
    values = pd.Series(cells, index=range(2, 2 + len(cells)), dtype=object)
    numbers, not_number = to_numbers(values)
    return item.kind.check_column(item, values, numbers, not_number, "r.csv", column)


# --------------------------------------------------------------------------- the registry


def test_builtin_types_in_order():
    assert list(ITEM_TYPES) == ["grade", "single", "multi", "scale", "matrix", "open"]
    assert all(ITEM_TYPES[key].key == key and ITEM_TYPES[key].description for key in ITEM_TYPES)
    assert CB.item("coach").kind is ITEM_TYPES["matrix"]
    assert isinstance(CB.item("coach").kind, MatrixItem)


def test_a_type_has_a_distribution_exactly_when_it_defines_one():
    # the benchmark asks has_distribution instead of computing one on no answers
    for key in ITEM_TYPES:
        kind = ITEM_TYPES[key]
        for item in CB.items:
            if item.kind is kind:
                computed = kind.distribution(item, pd.DataFrame(columns=item.columns()))
                assert kind.has_distribution == (computed is not None), key
    assert not _NoDistribution().has_distribution


class _NoDistribution(ItemType):
    key = "zonder-verdeling"


def test_register_refuses_a_taken_or_missing_key():
    registry = Registry([SingleItem])
    with pytest.raises(ValueError, match="already registered"):
        registry.register(SingleItem)
    with pytest.raises(ValueError, match="no key"):
        registry.register(ItemType)
    assert list(registry) == ["single"]


def test_registered_adds_a_type_for_one_block_only():
    class Extra(ItemType):
        key = "extra"

    with ITEM_TYPES.registered(Extra) as kind:
        assert ITEM_TYPES["extra"] is kind and list(ITEM_TYPES)[-1] == "extra"
    assert "extra" not in ITEM_TYPES
    assert len(ITEM_TYPES) == 6


def test_unknown_type_lists_the_registered_ones():
    data = copy.deepcopy(ROUTING_CODEBOOK)
    data["items"][1]["type"] = "slider"
    with pytest.raises(CodebookError) as exc:
        parse_codebook(data, "x.yaml")
    [problem] = exc.value.problems
    assert (problem.message, problem.value) == ("item contact: onbekend itemtype", "slider")
    assert problem.expected == "grade, single, multi, scale, matrix, open"


# --------------------------------------------------------------------------- columns, fields


def test_columns_per_type():
    assert {it.id: it.columns() for it in CB.items} == {
        "cijfer": ["cijfer"],
        "contact": ["contact"],
        "kanaal": ["kanaal_1", "kanaal_2", "kanaal_9"],
        "kanaal_anders": ["kanaal_anders"],
        "oordeel_contact": ["oordeel_contact"],
        "coach": ["coach_uitleg", "coach_tijd"],
    }


def test_fields_each_type_reads():
    scale = {1: "Heel tevreden", 2: "Tevreden", 3: "Ontevreden", 9: "Geen mening"}
    assert dict(CB.item("contact").options) == {1: "Ja", 2: "Nee"}
    assert (CB.item("oordeel_contact").scale, dict(CB.item("oordeel_contact").options)) == (
        "tevreden",
        scale,
    )
    assert dict(CB.item("coach").rows) == {"uitleg": "legt uit", "tijd": "neemt tijd"}
    assert CB.item("cijfer").options == {} and CB.item("cijfer").scale is None
    assert [it.figure for it in CB.items] == [True, True, True, False, True, True]


# --------------------------------------------------------------------------- asked, answered

#: Four respondents: contact yes/no, channels, services 5, 9, 5 and missing.
ANSWERS = pd.DataFrame(
    {
        "cijfer": [8.0, 7.0, np.nan, 6.0],
        "contact": [1.0, 2.0, 1.0, np.nan],
        "kanaal_1": [1.0, np.nan, 0.0, np.nan],
        "kanaal_2": [0.0, np.nan, 0.0, np.nan],
        "kanaal_9": [1.0, np.nan, 1.0, np.nan],
        "kanaal_anders": ["fax", None, None, None],
        "oordeel_contact": [2.0, np.nan, np.nan, np.nan],
        "coach_uitleg": [1.0, np.nan, 2.0, 1.0],
        "coach_tijd": [1.0, np.nan, np.nan, 1.0],
    }
)
DIENST = pd.Series([5, 9, 5, pd.NA], dtype="Int64")


def _asked(item_id: str, answers=ANSWERS, dienst=DIENST) -> list[bool]:
    item = CB.item(item_id)
    return item.kind.asked(item, CB, answers, dienst).tolist()


def test_asked_follows_routing_on_single_and_multi_items():
    assert _asked("cijfer") == [True] * 4
    assert _asked("oordeel_contact") == [True, False, True, False]  # contact = 1
    assert _asked("kanaal_anders") == [True, False, True, False]  # option 9 of kanaal chosen


def test_asked_follows_the_service_filter():
    assert _asked("coach") == [True, False, True, False]  # dienst 5; missing never matches


def test_asked_reads_plain_arrays_as_the_demo_has_them():
    columns = {c: ANSWERS[c].to_numpy() for c in ANSWERS}
    dienst = np.array([5, 9, 5, 0])
    assert _asked("kanaal_anders", columns, dienst) == [True, False, True, False]
    assert _asked("coach", columns, dienst) == [True, False, True, False]


def test_routing_on_an_open_item_never_matches():
    item = CB.item("kanaal_anders")
    assert not item.kind.selects(item, ANSWERS, [1, 2]).any()


def test_answered_multi_any_column_others_every_column():
    def answered(item_id):
        item = CB.item(item_id)
        return item.kind.answered(item, ANSWERS).tolist()

    assert answered("kanaal") == [True, False, True, False]
    assert answered("coach") == [True, False, False, True]  # both rows needed
    assert answered("cijfer") == [True, True, False, True]


# --------------------------------------------------------------------------- checks


def test_grade_column_checks():
    problems = _column_check("cijfer", ["8", "11", "x", "7,5", None])
    assert [(p.row, p.message) for p in problems] == [
        (4, "rapportcijfer is geen getal"),
        (3, "rapportcijfer buiten 1-10"),
        (5, "rapportcijfer met decimalen, terwijl het codeboek alleen hele getallen toestaat"),
    ]


def test_choice_and_multi_column_checks():
    [single] = _column_check("contact", ["1", "3"])
    assert (single.row, single.message, single.expected) == (
        3,
        "onbekende antwoordcode",
        "1 (Ja), 2 (Nee)",
    )
    [multi] = _column_check("kanaal", ["1", "0", "2"], "kanaal_1")
    assert (multi.row, multi.expected) == (4, "1 (gekozen) of 0 (niet gekozen)")
    assert _column_check("coach", ["1", "9", None], "coach_tijd") == []


def test_scale_with_decimals_accepts_grades_within_the_scale():
    data = copy.deepcopy(ROUTING_CODEBOOK)
    data["items"][4]["decimals"] = True
    item = parse_codebook(data).item("oordeel_contact")
    values = pd.Series(["2", "2,5", "2,25", "9,5"], index=[2, 3, 4, 5], dtype=object)
    numbers, not_number = to_numbers(values)
    problems = item.kind.check_column(item, values, numbers, not_number, "r.csv", item.id)
    assert [(p.row, p.message) for p in problems] == [
        (5, "onbekende antwoordcode"),
        (4, "cijfer met meer dan één decimaal"),
    ]
    assert problems[0].expected == "een cijfer van 1 tot en met 9, hoogstens één decimaal"


def test_value_labels_compared_only_for_labelled_types():
    assert [key for key, kind in ITEM_TYPES.items() if kind.labelled] == [
        "single",
        "scale",
        "matrix",
    ]
    assert [key for key, kind in ITEM_TYPES.items() if not kind.coded] == ["open"]


# --------------------------------------------------------------------------- the report


def test_distribution_and_figure_kind_per_type():
    kinds = {it.id: it.kind.figure_kind(it) for it in CB.items}
    assert kinds == {
        "cijfer": None,
        "contact": "single",
        "kanaal": "multi",
        "kanaal_anders": None,
        "oordeel_contact": "stacked",
        "coach": "stacked",
    }
    contact = CB.item("contact")
    assert contact.kind.distribution(contact, ANSWERS)["count"].tolist() == [2, 1]
    kanaal = CB.item("kanaal")
    assert kanaal.kind.distribution(kanaal, ANSWERS)["count"].tolist() == [1, 0, 2]
    coach = CB.item("coach")
    assert coach.kind.distribution(coach, ANSWERS)["row_id"].unique().tolist() == ["uitleg", "tijd"]
    open_item = CB.item("kanaal_anders")
    assert open_item.kind.distribution(open_item, ANSWERS) is None


def test_a_matrix_of_grades_is_drawn_as_means():
    grades = {c: str(c) for c in range(1, 11)}
    assert is_grade_scale(grades) and not is_grade_scale({1: "a", 2: "b"})
    data = copy.deepcopy(ROUTING_CODEBOOK)
    data["scales"]["cijfer"] = grades
    data["items"][5]["scale"] = "cijfer"
    coach = parse_codebook(data).item("coach")
    assert coach.kind.figure_kind(coach) == "means"
    means = coach.kind.distribution(coach, ANSWERS)
    assert means["mean"].tolist() == [1.3, 1.0] and means["n"].tolist() == [3, 2]


def test_no_opinion_is_one_definition():
    assert labels.is_no_opinion(" Geen mening ") and labels.is_no_opinion("Weet ik niet")
    assert not labels.is_no_opinion("Tevreden")
    scale = {1: "Ja", 2: "Nee", 9: "Weet ik niet"}
    assert metrics.scale_score(pd.Series([1, 2, 9]), scale) == (50.0, 2)
    grades = {c: str(c) for c in range(1, 11)}  # 9 and 10 are grades here, not "no opinion"
    assert metrics.scale_score(pd.Series([10.0, 1.0]), grades) == (50.0, 2)


def test_completed_is_netto_and_ingevuld():
    persons = pd.DataFrame({"netto": [True, True, False], "ingevuld": [True, False, True]})
    assert metrics.completed(persons).tolist() == [True, False, False]


# --------------------------------------------------------------------------- a new type


class Recommend(ItemType):
    """Defined in the tests only: a 0-10 recommendation score with its own check."""

    key = "aanbeveling"
    description = "kans op aanbevelen 0-10 (één kolom)"

    def read_fields(self, reader):
        return ItemFields(options={c: str(c) for c in range(11)})

    def check_column(self, item, values, numbers, not_number, file, column):
        from tevredenheidsrapport.checks import flag

        bad = not_number | (numbers.notna() & ~numbers.isin(range(11)))
        return flag(file, bad, values, column, "score buiten 0-10", "een geheel getal 0-10")

    def distribution(self, item, answers):
        return metrics.choice_distribution(answers[item.id], dict(item.options))

    def figure_kind(self, item):
        return "single"

    def simulate(self, sim, item, asked, prng):
        mask = sim.responds(item, asked)
        return [np.where(mask, sim.rng.integers(0, 11, sim.n).astype(float), np.nan)]


def _with_recommend() -> dict:
    """The routing codebook plus a routed item of the new type that completes it."""
    data = copy.deepcopy(ROUTING_CODEBOOK)
    data["codebook"] = "aanbeveling-test"
    data["items"].append(
        {
            "id": "nps",
            "type": "aanbeveling",
            "section": "alles",
            "text": "Zou u ons aanbevelen?",
            "when": {"item": "contact", "in": [1]},
        }
    )
    data["complete_when"] = ["cijfer", "nps"]
    return data


def _demo_with_recommend(tmp_path):
    """A codebook folder with the new type's codebook, and a demo period that uses it."""
    books = tmp_path / "books"
    books.mkdir()
    data = _with_recommend()
    (books / f"{data['codebook']}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    spec = demo.PeriodSpec(
        "proef",
        dt.date(2030, 1, 1),
        dt.date(2030, 12, 31),
        dt.date(2031, 1, 15),
        {demo.ARBEID: data["codebook"]},
    )
    return books, data, spec


@pytest.fixture
def recommend():
    with ITEM_TYPES.registered(Recommend) as kind:
        yield kind


def test_new_type_is_read_checked_and_loaded(tmp_path, recommend):
    cb = add_codebook(tmp_path, _with_recommend())
    nps = cb.item("nps")
    assert nps.kind is recommend and nps.columns() == ["nps"] and len(nps.options) == 11
    spec = valid_spec()
    spec["period"]["questionnaires"]["arbeid"]["codebook"] = cb.id
    row = answers(CB, "c1") | {"nps": "10"}
    spec["responses"]["arbeid"] = [row]
    data = load_period(write_period(tmp_path, spec))
    assert data.responses[cb.id].loc["c1", "nps"] == 10.0
    assert bool(data.persons.set_index("person_id").loc["c1", "ingevuld"])

    frame = pd.DataFrame([{k: v for k, v in (row | {"nps": "11"}).items()}], dtype=object)
    frame.index = [2]
    sample_q = pd.Series({"c1": "arbeid"})
    [problem] = check_responses(frame, "arbeid.csv", cb, "arbeid", sample_q)
    assert (problem.message, problem.column, problem.value) == ("score buiten 0-10", "nps", "11")


def test_new_type_unanswered_but_routed_away_does_not_block_ingevuld(tmp_path, recommend):
    cb = add_codebook(tmp_path, _with_recommend())
    spec = valid_spec()
    spec["period"]["questionnaires"]["arbeid"]["codebook"] = cb.id
    away = {"contact": "2", "oordeel_contact": None, "kanaal_1": None, "kanaal_2": None}
    spec["responses"]["arbeid"] = [answers(CB, "c1") | away | {"kanaal_9": None, "nps": None}]
    data = load_period(write_period(tmp_path, spec))
    assert bool(data.persons.set_index("person_id").loc["c1", "ingevuld"])


def test_new_type_in_the_demo(tmp_path, recommend):
    books, data, spec = _demo_with_recommend(tmp_path)
    [path] = demo.generate(tmp_path / "out", n_providers=4, codebooks_dir=books, periods=(spec,))
    loaded = load_period(path)  # the demo's answers pass the new type's check
    frame = loaded.responses[data["codebook"]]
    asked = frame["contact"].eq(1)
    assert frame.loc[asked, "nps"].notna().any()
    assert frame.loc[~asked, "nps"].isna().all()  # routing honoured through the registry
    assert set(frame["nps"].dropna()) <= set(map(float, range(11)))


def test_a_codebook_with_the_new_type_fails_without_it():
    with pytest.raises(DataError, match="onbekend itemtype"):
        parse_codebook(_with_recommend())


def test_new_type_in_a_rendered_report(tmp_path, recommend, settings):
    """The new type, defined only here, drawn in a report: no package module knows it."""
    from tevredenheidsrapport.render import render_report
    from tevredenheidsrapport.survey import answers_of, load_survey

    books, data, spec = _demo_with_recommend(tmp_path)
    [path] = demo.generate(tmp_path / "out", n_providers=3, codebooks_dir=books, periods=(spec,))
    survey = load_survey(path, settings)
    # every answer (the benchmark, survey.answers, leaves out what three providers can't show)
    everyone = answers_of(survey, survey.dataset.persons, data["codebook"])
    counts = everyone.join(survey.dataset.persons.set_index("person_id")["provider_id"])
    counts = counts[counts["nps"].notna()].groupby("provider_id").size()
    provider = str(counts.idxmax())  # the provider with the most answers to the new item
    assert counts.max() >= settings.privacy.min_answers
    result = render_report(
        provider,
        path,
        tmp_path / "rapport",
        settings=settings,
        formats=("html",),
        work_root=tmp_path / "work",
        survey=survey,
    )
    [figure] = [f for f in result.sidecar["figures"] if f.get("item") == "nps"]
    assert figure["n"] == counts.max() and figure["number"]
    html = " ".join(result.outputs["html"].read_text(encoding="utf-8").split())
    assert f"fig. {figure['number']}" in html and "Zou u ons aanbevelen?" in html
