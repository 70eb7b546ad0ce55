"""The demo data generator: deterministic, every report shape present, routing respected."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tevredenheidsrapport import demo
from tevredenheidsrapport.codebook import Codebook, Item, load_codebook


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    demo.generate(out)
    return out


@pytest.fixture(scope="module")
def periods(demo_dir) -> list[Path]:
    return sorted(p for p in demo_dir.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def reference(demo_dir) -> Path:
    return demo_dir / demo.DEFAULT_PERIODS[0].period


def _csv(path: Path) -> pd.DataFrame:
    """A generated CSV as text; empty cells are ''."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _period(directory: Path) -> tuple[dict, pd.DataFrame, dict[str, tuple[Codebook, pd.DataFrame]]]:
    """period.yaml, the sample and per questionnaire its codebook and responses."""
    meta = yaml.safe_load((directory / "period.yaml").read_text(encoding="utf-8"))
    books = directory / meta["codebooks"]
    responses = {
        name: (load_codebook(books / f"{q['codebook']}.yaml"), _csv(directory / q["responses"]))
        for name, q in meta["questionnaires"].items()
    }
    return meta, _csv(directory / meta["sample"]), responses


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(demo_dir, tmp_path):
    again = tmp_path / "again"
    demo.generate(again)
    assert _files(again) == _files(demo_dir)
    other = tmp_path / "other"
    demo.generate(other, seed=7, n_providers=5, periods=demo.DEFAULT_PERIODS[:1])
    assert _files(other)["2025/sample.csv"] != _files(demo_dir)["2025/sample.csv"]


def test_layout_and_period_yaml(demo_dir, reference):
    assert (demo_dir / demo.COMPLETE_MARKER).is_file()
    meta = yaml.safe_load((reference / "period.yaml").read_text(encoding="utf-8"))
    assert meta["period"] == "2025" and meta["report_date"] == dt.date(2025, 9, 25)
    assert (reference / meta["codebooks"]).resolve() == demo.CODEBOOKS.resolve()
    assert not Path(meta["codebooks"]).is_absolute()
    for q in meta["questionnaires"].values():
        assert (reference / q["responses"]).is_file()
    assert not list(demo_dir.parent.glob(".demo.*"))  # no temporary folders left behind


@pytest.fixture(scope="module")
def loaded(periods) -> dict:
    """Every period through the contract checks of ``dataset.load_period``."""
    dataset = pytest.importorskip("tevredenheidsrapport.dataset")
    # raises DataError listing every contract problem
    return {p.name: dataset.load_period(p) for p in periods}


def test_every_period_loads_without_problems(loaded, periods):
    assert set(loaded) == {p.name for p in periods}
    for data in loaded.values():
        assert data.persons["ingevuld"].any()


# --------------------------------------------------------------------------- shapes


def test_reference_period_has_every_shape(reference):
    _, sample, responses = _period(reference)
    providers = _csv(reference / "providers.csv")
    assert len(providers) == 44 and providers["provider_id"].is_unique
    assert set(providers["telefonisch"]) == {"ja", "nee"}
    assert set(sample["status"]) == {
        "netto",
        "dubbel",
        "onvolledig",
        "onbestelbaar",
        "niet_getrokken",
    }

    responded = set().union(*(set(frame["respondent_id"]) for _, frame in responses.values()))
    sample["responded"] = sample["person_id"].isin(responded)
    netto = sample[sample["status"] == "netto"]
    clients = netto[netto["group"] == "client"]
    og = netto[netto["group"] == "opdrachtgever"]

    services = clients.groupby("provider_id")["dienst"].agg(lambda d: frozenset(d))
    arbeid = services.map(lambda s: len(s - {"11"}))
    assert {1, 2, 3, 4} <= set(arbeid[services.map(lambda s: "11" not in s)])
    assert (services == frozenset({"11"})).any()  # inburgeren only
    assert services.map(lambda s: "11" in s and len(s) > 1).any()  # arbeid and inburgeren
    assert "12" not in set(sample["dienst"])

    net = clients.groupby("provider_id").size()
    assert net.max() >= 400
    small = net[net < 10].index
    assert clients[clients["provider_id"].isin(small)]["responded"].any()
    nobody = netto.groupby("provider_id")["responded"].sum()
    assert (nobody == 0).any()

    og_net = og.groupby("provider_id").size().reindex(providers["provider_id"], fill_value=0)
    assert (og_net == 0).any() and (og_net > 0).any()
    single = og_net[og_net == 1].index
    answered = og[og["provider_id"].isin(single) & og["responded"]]
    grades = responses["opdrachtgevers"][1].set_index("respondent_id")["cijfer"]
    assert (grades.reindex(answered["person_id"]) != "").any()

    assert len(responses["arbeid_laagdrempelig"][1]) > 0
    provinces = clients[clients["province"] != ""].groupby("provider_id")["province"]
    top_share = provinces.agg(lambda p: p.value_counts(normalize=True).iloc[0])
    assert top_share.median() > 0.5  # providers are regional


def test_response_rates_and_started_questionnaires(reference):
    _, sample, responses = _period(reference)
    cb, frame = responses["arbeid"]
    cw = [c for item in cb.complete_when for c in cb.item(item).columns()]
    incomplete = (frame[cw] == "").any(axis=1)
    assert 0 < incomplete.mean() < 0.2  # some started but did not finish
    netto = sample[(sample["status"] == "netto") & (sample["group"] == "client")]
    ids = set().union(*(set(f["respondent_id"]) for _, f in responses.values()))
    rate = netto["person_id"].isin(ids).groupby(netto["provider_id"]).mean()
    big = netto.groupby("provider_id").size() >= 50
    assert rate[big[big].index].between(0.08, 0.75).all()


def test_keurmerk_norm_missed_by_someone(loaded, reference):
    persons = loaded[reference.name].persons
    done = persons[persons["netto"] & persons["ingevuld"] & persons["group"].eq("client")]
    means = done.groupby("provider_id")["cijfer"].agg(["mean", "size"])
    solid = means[means["size"] >= 10]["mean"]
    assert (solid < 6.5).any() and (solid > 8.0).any()


def test_grades_whole_for_clients_decimal_for_opdrachtgevers(reference):
    _, _, responses = _period(reference)
    for _name, (cb, frame) in responses.items():
        values = pd.to_numeric(frame[cb.grade_item].replace("", np.nan)).dropna()
        assert values.between(1, 10).all()
        if cb.grade.decimals:
            assert (values != values.round()).any()
        else:
            assert (values == values.round()).all()


def test_grades_go_with_satisfaction(reference):
    _, _, responses = _period(reference)
    cb, frame = responses["arbeid"]
    scales = [
        it.id
        for it in cb.items
        if it.type == "scale" and not all(lab.strip().isdigit() for lab in it.options.values())
    ]
    codes = frame[scales].replace("", np.nan).astype(float)
    satisfaction = codes.where(codes < 9).mean(axis=1)  # 1 = best; 9 = no opinion
    grade = pd.to_numeric(frame[cb.grade_item].replace("", np.nan))
    assert grade.rank().corr(satisfaction.rank()) < -0.5

    cb, frame = responses["opdrachtgevers"]
    numeric = [c for it in cb.items if it.type == "matrix" for c in it.columns()]
    aspects = frame[numeric].replace("", np.nan).astype(float).mean(axis=1)
    grade = pd.to_numeric(frame[cb.grade_item].replace("", np.nan))
    assert grade.rank().corr(aspects.rank()) > 0.5


# --------------------------------------------------------------------------- routing


def _asked(item: Item, cb: Codebook, frame: pd.DataFrame, dienst: pd.Series) -> pd.Series:
    """Whether each respondent was asked ``item``, per data/README.md."""
    asked = pd.Series(True, index=frame.index)
    section = {s.id: s for s in cb.sections}[item.section]
    for diensten in (item.diensten, section.diensten):
        if diensten:
            asked &= dienst.isin([str(d) for d in diensten])
    if item.when is not None:
        source = cb.item(item.when.item)
        values = {str(v) for v in item.when.values}
        if source.type == "multi":
            cols = [f"{source.id}_{v}" for v in item.when.values]
            asked &= (frame[cols] == "1").any(axis=1)
        else:
            asked &= frame[source.columns()[0]].isin(values)
    return asked


def _check_routing(directory: Path) -> int:
    """Assert no answer where a question was not asked; return the number of routed items."""
    _, sample, responses = _period(directory)
    dienst_of = sample.set_index("person_id")["dienst"]
    routed = 0
    for cb, frame in responses.values():
        if frame.empty:
            continue
        assert list(frame.columns) == cb.columns()
        dienst = frame[cb.respondent_id].map(dienst_of)
        owners = {it.other_text: it for it in cb.items if it.other_text}
        for item in cb.items:
            asked = _asked(item, cb, frame, dienst)
            cells = frame[item.columns()] != ""
            stray = cells[~asked].any(axis=1)
            assert not stray.any(), f"{cb.id}.{item.id} answered while not asked"
            section = {s.id: s for s in cb.sections}[item.section]
            routed += item.when is not None or bool(item.diensten or section.diensten)
            if item.type == "multi":
                filled = cells.all(axis=1)
                assert (filled == cells.any(axis=1)).all()  # a multi is answered as a whole
                assert (frame.loc[filled, item.columns()] == "1").any(axis=1).all()
            if item.id in owners:  # 'Anders, namelijk' text only with that option
                owner = owners[item.id]
                col = (
                    f"{owner.id}_{owner.other_option}"
                    if owner.type == "multi"
                    else owner.columns()[0]
                )
                chosen = frame[col] == ("1" if owner.type == "multi" else str(owner.other_option))
                assert not (cells.iloc[:, 0] & ~chosen).any()
            if asked.sum() >= 20 and item.type != "open":
                assert cells[asked].any(axis=1).mean() > 0.5, f"{cb.id}.{item.id} mostly empty"
    return routed


def test_routing_respected_in_every_period(periods):
    for directory in periods:
        assert _check_routing(directory) > 0


SYNTHETIC = textwrap.dedent(
    """
    codebook: proef-2030
    questionnaire: arbeid
    group: client
    version: "2030"
    respondent_id: rid
    grade_item: oordeel
    complete_when: [oordeel, tevreden]
    scales:
      eens: {1: Helemaal eens, 2: Eens, 3: Oneens, 4: Helemaal oneens, 9: Geen mening}
      punten: {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
    sections:
      - {id: algemeen, title: Algemeen}
      - {id: scholing, title: Scholing, diensten: [1]}
    items:
      - {id: oordeel, type: grade, decimals: true, section: algemeen, text: "Cijfer?"}
      - id: kanalen
        type: multi
        section: algemeen
        text: Kanalen?
        options: {1: Telefoon, 2: Mail, 9: "Anders, namelijk"}
        other: {option: 9, text: kanalen_anders}
      - {id: kanalen_anders, type: open, section: algemeen, text: "Welk kanaal?"}
      - id: mail_oordeel
        type: matrix
        scale: punten
        section: algemeen
        text: Hoe was de mail?
        rows: {snel: Snelheid, toon: Toon}
        when: {item: kanalen, in: [2]}
      - {id: tevreden, type: scale, scale: eens, section: algemeen, text: "Tevreden?"}
      - id: waarom
        type: open
        section: algemeen
        text: Waarom niet?
        when: {item: tevreden, in: [3, 4]}
      - {id: coach, type: scale, scale: eens, section: algemeen, diensten: [5], text: "Coach?"}
      - id: cursus
        type: single
        section: scholing
        text: Welke cursus?
        options: {1: Taal, 2: Rekenen, 9: "Anders, namelijk"}
      - {id: opmerking, type: open, section: algemeen, text: "Nog iets?"}
    """
)


def test_generator_follows_any_codebook(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    (books / "proef-2030.yaml").write_text(SYNTHETIC, encoding="utf-8")
    spec = demo.PeriodSpec(
        "proef",
        dt.date(2030, 1, 1),
        dt.date(2030, 12, 31),
        dt.date(2031, 1, 15),
        {demo.ARBEID: "proef-2030"},
    )
    out = tmp_path / "out"
    paths = demo.generate(out, n_providers=12, codebooks_dir=books, periods=(spec,))
    assert paths == [out.resolve() / "proef"]
    assert _check_routing(paths[0]) >= 4
    _, sample, responses = _period(paths[0])
    cb, frame = responses[demo.ARBEID]
    assert set(sample["questionnaire"]) == {demo.ARBEID}  # no questionnaire for service 11
    dienst = frame["rid"].map(sample.set_index("person_id")["dienst"])
    assert (frame.loc[dienst == "1", "cursus"] != "").any()
    assert (frame["kanalen_anders"] != "").any() and (frame["waarom"] != "").any()
    assert (frame["mail_oordeel_snel"] != "").any()


# --------------------------------------------------------------------------- options


def test_more_and_fewer_providers(tmp_path):
    first = demo.DEFAULT_PERIODS[:1]
    big = demo.generate(tmp_path / "big", n_providers=70, periods=first)[0]
    providers = _csv(big / "providers.csv")
    assert len(providers) == 70 and providers["name"].is_unique
    few = demo.generate(tmp_path / "few", n_providers=3, periods=first)[0]
    assert len(_csv(few / "providers.csv")) == 3


def test_missing_codebook_skips_period_with_warning(tmp_path):
    later = demo.PeriodSpec(
        "2031",
        dt.date(2031, 1, 1),
        dt.date(2031, 12, 31),
        dt.date(2032, 2, 1),
        {demo.ARBEID: "bestaat-niet"},
    )
    with pytest.warns(UserWarning, match="bestaat-niet"):
        paths = demo.generate(
            tmp_path / "out", n_providers=3, periods=(demo.DEFAULT_PERIODS[0], later)
        )
    assert [p.name for p in paths] == ["2025"]


def test_refuses_to_overwrite_other_data(tmp_path):
    foreign = tmp_path / "eigen"
    foreign.mkdir()
    (foreign / "belangrijk.csv").write_text("a\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        demo.generate(foreign, n_providers=3)
    assert (foreign / "belangrijk.csv").is_file()
    demo.generate(tmp_path / "demo", n_providers=3, periods=demo.DEFAULT_PERIODS[:1])
    demo.generate(tmp_path / "demo", n_providers=4, periods=demo.DEFAULT_PERIODS[:1])  # replaces
    assert len(_csv(tmp_path / "demo" / "2025" / "providers.csv")) == 4
