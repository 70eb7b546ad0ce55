"""A delivery as survey tools really export it, end to end.

The demo period rewritten the way a bureau receives it: providers as XLSX, the sample as a
Windows-1252 semicolon CSV with DD-MM-JJJJ dates, "Fryslân" as a province and one responding
person marked ``dubbel``, arbeid answers as an SPSS file with label text, its own numbering
and a user-missing code, inburgeren as Parquet, opdrachtgevers as UTF-8 with BOM and quoted
decimal commas. It must validate with warnings only, give every provider the table 2.2 of the
plain delivery (the dubbel person's provider excepted), and render.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from tevredenheidsrapport import config
from tevredenheidsrapport.facts import ProviderFacts
from tevredenheidsrapport.render import render_report
from tevredenheidsrapport.survey import load_survey
from tevredenheidsrapport.validate import validate_delivery


def _as_exported(demo, target):
    """The demo period at ``demo`` rewritten into ``target`` as the tools export it; returns
    the provider of the person marked dubbel."""
    shutil.copytree(demo, target)
    spec = yaml.safe_load((target / "period.yaml").read_text(encoding="utf-8"))
    spec["codebooks"] = str(config.CODEBOOKS)
    read = {"dtype": str, "keep_default_na": False}

    providers = pd.read_csv(target / "providers.csv", **read)
    providers.to_excel(target / "providers.xlsx", index=False)
    spec["providers"] = "providers.xlsx"

    sample = pd.read_csv(target / "sample.csv", **read)
    arbeid = pd.read_csv(target / "responses" / "arbeid.csv", **read)
    friesland = sample["province"] == "Friesland"
    sample.loc[friesland, "province"] = "Fryslân"
    responded = sample.index[sample["person_id"].isin(arbeid["respondent_id"])]
    dubbel = responded[0]
    sample.loc[dubbel, "status"] = "dubbel"
    sample["end_date"] = "15-03-2025"  # DD-MM-JJJJ, inside the period
    sample.to_csv(target / "sample.csv", sep=";", index=False, encoding="cp1252")

    # SPSS: codes as doubles; geslacht stored as label text; werk_nu numbered the other
    # way round, with the file's own labels; klacht with a user-missing -99.
    frame = arbeid.replace("", np.nan)
    sav = frame.drop(columns=["respondent_id"]).apply(pd.to_numeric, errors="coerce")
    sav.insert(0, "respondent_id", frame["respondent_id"])
    geslacht = {1: "Man", 2: "Vrouw", 3: "Anders", 9: "Dat zeg ik liever niet"}
    sav["geslacht"] = sav["geslacht"].map(geslacht)
    werk = {1: "Ja, in loondienst", 2: "Ja, als zelfstandig ondernemer"}
    werk |= {3: "Ja, onbetaald of als vrijwilliger", 4: "Nee"}
    sav["werk_nu"] = sav["werk_nu"].map({1: 4, 2: 3, 3: 2, 4: 1})
    empty_klacht = sav["klacht"].isna()
    sav.loc[empty_klacht, "klacht"] = -99
    pyreadstat.write_sav(
        sav,
        str(target / "responses" / "arbeid.sav"),
        variable_value_labels={
            "werk_nu": {5 - code: label for code, label in werk.items()},
            "klacht": {1: "Ja", 2: "Nee", -99: "Niet gesteld"},
        },
        missing_ranges={"klacht": [-99]},
    )
    spec["questionnaires"]["arbeid"]["responses"] = "responses/arbeid.sav"

    inburgeren = pd.read_csv(target / "responses" / "inburgeren.csv", **read).replace("", None)
    inburgeren.to_parquet(target / "responses" / "inburgeren.parquet", index=False)
    spec["questionnaires"]["inburgeren"]["responses"] = "responses/inburgeren.parquet"

    opdr = pd.read_csv(target / "responses" / "opdrachtgevers.csv", **read)
    opdr["cijfer"] = opdr["cijfer"].str.replace(".", ",", regex=False)
    opdr.to_csv(
        target / "responses" / "opdrachtgevers.csv",
        sep=";",
        index=False,
        encoding="utf-8-sig",
        quoting=1,  # every cell quoted, as a spreadsheet does with "7,5"
    )
    for name in ("providers.csv", "responses/arbeid.csv", "responses/inburgeren.csv"):
        (target / name).unlink()
    (target / "period.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return str(sample.loc[dubbel, "provider_id"]), int(friesland.sum())


def test_an_exported_delivery_validates_with_warnings_and_gives_the_same_tables(
    demo_2025, settings, tmp_path
):
    delivery = tmp_path / "levering" / "2025"
    dubbel_provider, n_friesland = _as_exported(demo_2025, delivery)
    assert n_friesland > 0

    result = validate_delivery(delivery)
    assert result.problems == ()
    notices = [str(n) for n in result.notices]
    assert any("omgenummerd" in n and "werk_nu" in n for n in notices), notices
    assert any("netto steekproef" in n and "dubbel: 1" in n for n in notices), notices

    plain, exported = load_survey(demo_2025, settings), load_survey(delivery, settings)
    assert (exported.dataset.persons["province"] == "Fryslân").sum() == 0
    for provider in plain.provider_ids():
        before = ProviderFacts(plain, provider).table
        after = ProviderFacts(exported, provider).table
        if provider == dubbel_provider:
            total = before["kind"] == "totaal"  # one person fewer in the netto steekproef
            assert after.loc[total, "netto"].sum() == before.loc[total, "netto"].sum() - 1
            continue
        pd.testing.assert_frame_equal(after, before, check_dtype=False)

    # the recoded werk_nu and the blanked klacht mean what they meant
    for cb_id in ("arbeid-2024",):
        a, b = plain.dataset.responses[cb_id], exported.dataset.responses[cb_id]
        common = a.index.intersection(b.index)
        for column in ("werk_nu", "klacht", "geslacht"):
            pd.testing.assert_series_equal(
                a.loc[common, column].astype("float64"),
                b.loc[common, column].astype("float64"),
                check_names=False,
            )

    shown = next(p for p in exported.provider_ids() if p != dubbel_provider)
    out = render_report(
        shown,
        delivery,
        tmp_path / "out",
        settings=settings,
        formats=("html",),
        work_root=tmp_path / "w",
        survey=exported,
    )
    assert out.outputs["html"].is_file()
    assert out.sidecar["table11"]


@pytest.fixture(autouse=True)
def _needs_parquet():
    pytest.importorskip("pyarrow")
