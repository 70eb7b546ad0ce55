"""Loading a period: typed frames, persons with responded/ingevuld/cijfer, every format."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest
import yaml
from fixtures.periods import (
    QUESTIONNAIRES,
    ROUTING_CODEBOOK,
    add_codebook,
    answers,
    codebook,
    valid_spec,
    write_period,
)

from tevredenheidsrapport.dataset import Dataset, find_periods, load_all, load_period
from tevredenheidsrapport.errors import DataError


@pytest.fixture
def dataset(tmp_path) -> Dataset:
    return load_period(write_period(tmp_path))


def test_period_metadata(dataset, tmp_path):
    period = dataset.period
    assert period.id == "2025"
    assert (period.start, period.end, period.report_date) == (
        dt.date(2024, 9, 1),
        dt.date(2025, 8, 31),
        dt.date(2025, 9, 25),
    )
    assert period.path == tmp_path / "2025"
    assert period.label == "1 september 2024 tot en met 31 augustus 2025"
    assert list(period.questionnaires) == list(QUESTIONNAIRES)
    source = period.questionnaires["arbeid_laagdrempelig"]
    assert source.name == "arbeid_laagdrempelig"
    assert source.codebook.id == "arbeid-2024"
    assert source.responses_path == tmp_path / "2025" / "responses" / "arbeid_laagdrempelig.csv"
    assert sorted(dataset.codebooks) == sorted(set(QUESTIONNAIRES.values()))


def test_providers(dataset):
    providers = dataset.providers
    assert providers.index.name == "provider_id"
    assert providers.index.tolist() == ["P1", "P2"]
    assert providers["name"].tolist() == ["Alfa Re-integratie", "Bèta Coaching"]
    assert providers["telefonisch"].dtype == bool
    assert providers["telefonisch"].tolist() == [True, False]
    assert dataset.provider_name("P2") == "Bèta Coaching"
    with pytest.raises(KeyError):
        dataset.provider_name("P9")


def test_sample_columns_and_types(dataset):
    sample = dataset.sample
    assert list(sample.columns) == [
        "person_id",
        "provider_id",
        "group",
        "dienst",
        "questionnaire",
        "codebook",
        "status",
        "netto",
        "province",
    ]
    assert sample["person_id"].tolist() == ["c1", "c2", "c3", "c4", "o1", "o2"]
    assert str(sample["dienst"].dtype) == "Int64"
    assert sample["dienst"].tolist()[:4] == [5, 9, 11, 1]
    assert sample["dienst"].iloc[4:].isna().all()
    assert sample["codebook"].tolist() == [
        "arbeid-2024",
        "arbeid-2024",
        "inburgeren-2024",
        "arbeid-2024",
        "opdrachtgevers-2019",
        "opdrachtgevers-2019",
    ]
    assert sample["netto"].tolist() == [True, True, True, False, True, True]
    assert sample["province"].isna().tolist() == [False, True, False, False, True, True]


def test_responses_per_codebook(dataset):
    arbeid = codebook("arbeid-2024")
    frame = dataset.responses["arbeid-2024"]
    # arbeid and arbeid_laagdrempelig share the codebook: their rows are stacked
    assert frame.index.name == "person_id"
    assert frame.index.tolist() == ["c1", "c2"]
    assert list(frame.columns) == arbeid.columns()[1:]
    for item in arbeid.items:
        for column in item.columns():
            expected = "str" if item.type == "open" else "float64"
            assert str(frame[column].dtype) == expected, column
    assert frame.loc["c1", "cijfer"] == 8.0
    assert dataset.responses["opdrachtgevers-2019"].loc["o1", "cijfer"] == 7.5


def test_persons_responded_ingevuld_cijfer(dataset):
    persons = dataset.persons.set_index("person_id")
    assert list(dataset.persons.columns[: len(dataset.sample.columns)]) == list(
        dataset.sample.columns
    )
    assert persons["responded"].to_dict() == {
        "c1": True,
        "c2": True,
        "c3": True,
        "c4": False,
        "o1": True,
        "o2": False,
    }
    # c2 left an aspect question empty: responded, but the questionnaire does not count
    assert persons["ingevuld"].to_dict() == {
        "c1": True,
        "c2": False,
        "c3": True,
        "c4": False,
        "o1": True,
        "o2": False,
    }
    assert persons["cijfer"].dtype == "float64"
    grades = persons["cijfer"].to_dict()
    assert (grades["c1"], grades["c3"], grades["o1"]) == (8.0, 7.0, 7.5)
    assert all(math.isnan(grades[p]) for p in ("c2", "c4", "o2"))


def _routing_spec(tmp_path):
    """The valid period with both arbeid questionnaires on the synthetic routing codebook."""
    cb = add_codebook(tmp_path, ROUTING_CODEBOOK)
    spec = valid_spec()
    for q in ("arbeid", "arbeid_laagdrempelig"):
        spec["period"]["questionnaires"][q]["codebook"] = cb.id
    spec["responses"]["arbeid"] = [answers(cb, "c1", grade="9")]
    spec["responses"]["arbeid_laagdrempelig"] = [answers(cb, "c2", grade="4")]
    return cb, spec


@pytest.mark.parametrize(
    ("person", "changes", "ingevuld"),
    [
        ("c1", {}, True),
        # routed: oordeel_contact is only asked after contact = 1
        (
            "c1",
            {
                "contact": "2",
                "oordeel_contact": None,
                "kanaal_1": None,
                "kanaal_2": None,
                "kanaal_9": None,
            },
            True,
        ),
        ("c1", {"oordeel_contact": None}, False),
        # service filter: coach is only asked for dienst 5 (c1 has 5, c2 has 9)
        ("c1", {"coach_tijd": None}, False),
        ("c2", {"coach_uitleg": None, "coach_tijd": None}, True),
        ("c1", {"cijfer": None}, False),
    ],
    ids=[
        "complete",
        "routed-away",
        "routed-missing",
        "matrix-row-missing",
        "filtered-away",
        "no-grade",
    ],
)
def test_ingevuld_follows_routing_and_service_filters(tmp_path, person, changes, ingevuld):
    cb, spec = _routing_spec(tmp_path)
    q = "arbeid" if person == "c1" else "arbeid_laagdrempelig"
    spec["responses"][q][0].update(changes)
    data = load_period(write_period(tmp_path, spec))
    persons = data.persons.set_index("person_id")
    assert persons.loc[person, "responded"]
    assert persons.loc[person, "ingevuld"] == ingevuld
    grade = persons.loc[person, "cijfer"]
    assert (grade == (9.0 if person == "c1" else 4.0)) if ingevuld else math.isnan(grade)
    assert data.responses[cb.id]["kanaal_anders"].dtype == "str"


@pytest.mark.parametrize(
    ("ext", "options"),
    [
        (".csv", {"sep": ";", "encoding": "cp1252"}),
        (".csv", {"sep": ",", "encoding": "utf-8-sig"}),
        (".xlsx", {}),
        (".sav", {}),
        (".parquet", {}),
    ],
    ids=["csv-semicolon-cp1252", "csv-bom", "xlsx", "sav", "parquet"],
)
def test_every_format_loads_the_same(tmp_path, ext, options):
    reference = load_period(write_period(tmp_path / "ref"))
    data = load_period(write_period(tmp_path / "fmt", ext=ext, **options))
    pd.testing.assert_frame_equal(data.persons, reference.persons)
    pd.testing.assert_frame_equal(data.providers, reference.providers)
    for cb_id, frame in reference.responses.items():
        pd.testing.assert_frame_equal(data.responses[cb_id], frame)


def test_unused_questionnaire_may_lack_its_file(tmp_path):
    spec = valid_spec()
    spec["sample"] = [r for r in spec["sample"] if r["questionnaire"] != "inburgeren"]
    spec["responses"]["inburgeren"] = None  # not written
    data = load_period(write_period(tmp_path, spec))
    assert data.responses["inburgeren-2024"].empty
    assert (
        list(data.responses["inburgeren-2024"].columns) == codebook("inburgeren-2024").columns()[1:]
    )
    assert "inburgeren" in data.period.questionnaires


def test_empty_response_file_with_header_only(tmp_path):
    spec = valid_spec()
    header_only = {k: None for k in answers(codebook("inburgeren-2024"), "x")}
    spec["responses"]["inburgeren"] = [header_only]
    period = write_period(tmp_path, spec)
    persons = load_period(period).persons.set_index("person_id")
    assert not persons.loc["c3", "responded"]


def test_dataset_is_frozen(dataset):
    with pytest.raises(dataclasses.FrozenInstanceError):
        dataset.period = None  # type: ignore[misc]


def test_find_and_load_all(tmp_path):
    write_period(tmp_path)
    second = tmp_path / "2026"
    second.mkdir()
    (tmp_path / "notes").mkdir()
    meta = yaml.safe_load((tmp_path / "2025" / "period.yaml").read_text(encoding="utf-8"))
    for name in ("providers.csv", "sample.csv", "responses"):
        source = tmp_path / "2025" / name
        target = second / name
        if source.is_dir():
            target.mkdir()
            for f in source.iterdir():
                (target / f.name).write_bytes(f.read_bytes())
        else:
            target.write_bytes(source.read_bytes())
    meta.update(period="2026", start="2025-09-01", end="2026-08-31", report_date="2026-09-25")
    (second / "period.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")

    assert find_periods(tmp_path) == [tmp_path / "2025", second]
    assert find_periods(second) == [second]
    assert find_periods(tmp_path / "notes") == []
    datasets = load_all(tmp_path)
    assert list(datasets) == ["2025", "2026"]
    assert datasets["2026"].period.start == dt.date(2025, 9, 1)


def test_load_all_without_periods(tmp_path):
    with pytest.raises(DataError, match="geen meetperiode"):
        load_all(tmp_path)


# --- how a measurement invited ----------------------------------------------------------------
def test_period_yaml_may_say_how_the_measurement_invited(tmp_path):
    from tevredenheidsrapport.dataset import Invitation

    spec = valid_spec()
    spec["period"]["invitation"] = {"channels": ["post", "e-mail"], "phone_calls_cap": 25}
    period = load_period(write_period(tmp_path, spec)).period
    assert period.invitation == Invitation(("e-mail", "post"), 25)  # in the report's order
    assert load_period(write_period(tmp_path / "plain")).period.invitation is None


@pytest.mark.parametrize(
    "invitation",
    [
        {"channels": ["fax"], "phone_calls_cap": 25},
        {"channels": [], "phone_calls_cap": 25},
        {"channels": ["e-mail"], "phone_calls_cap": -1},
        {"channels": ["e-mail"], "phone_calls_cap": True},
        {"channels": ["e-mail"]},
        {"channels": ["e-mail", "e-mail"], "phone_calls_cap": 5},
        {"channels": ["e-mail"], "phone_calls_cap": 5, "sms": True},
        "e-mail",
    ],
)
def test_a_wrong_invitation_is_one_clear_problem(tmp_path, invitation):
    spec = valid_spec()
    spec["period"]["invitation"] = invitation
    with pytest.raises(DataError) as exc:
        load_period(write_period(tmp_path, spec))
    problems = [p for p in exc.value.problems if p.column == "invitation"]
    assert len(problems) == 1 and problems[0].message == "ongeldige beschrijving van de uitnodiging"
    assert "e-mail en/of post" in problems[0].expected


def test_the_2021_demo_report_describes_the_invitation_of_its_year(demo_data):
    from tevredenheidsrapport.dataset import Invitation

    assert load_period(demo_data / "2021").period.invitation == Invitation(("e-mail", "post"), 25)
    assert load_period(demo_data / "2025").period.invitation is None  # the settings' practice
