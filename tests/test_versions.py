"""Items across questionnaire versions: ``previous:`` in a codebook, checked and used.

arbeid-2024 says for most items what they were in arbeid-2019 (often a matrix row then, a
scale item now); the trend of a figure uses the earlier answers recoded to today's codes.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from fixtures.periods import CODEBOOKS, codebook

from tevredenheidsrapport import labels
from tevredenheidsrapport.codebook import Previous, check_previous, parse_codebook
from tevredenheidsrapport.errors import CodebookError


def _arbeid_2024_with(item_id: str, previous) -> dict:
    data = yaml.safe_load((CODEBOOKS / "arbeid-2024.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for it in data["items"]:
        if it["id"] == item_id:
            it["previous"] = previous
    return data


def _problems(item_id: str, previous) -> list[str]:
    book = parse_codebook(_arbeid_2024_with(item_id, previous), "arbeid-2024.yaml")
    return [p.message for p in check_previous(book, codebook("arbeid-2019"))]


def test_the_demo_mappings_are_valid():
    book, old = codebook("arbeid-2024"), codebook("arbeid-2019")
    assert check_previous(book, old) == []
    mapped = [it for it in book.items if it.previous is not None]
    assert len(mapped) >= 20
    assert book.item("bereikbaar").previous == Previous(
        "arbeid-2019", "tevreden_kantoor", "bereikbaar"
    )
    assert not book.item("contact_frequentie").previous.comparable


@pytest.mark.parametrize(
    ("previous", "message"),
    [
        ({"codebook": "arbeid-2019", "item": "bestaat_niet"}, "item bestaat niet"),
        ({"codebook": "arbeid-2019", "item": "tevreden_kantoor", "row": "x"}, "rij bestaat niet"),
        # a code of the earlier item without a place among today's codes
        ({"codebook": "arbeid-2019", "recode": {3: 7}}, "antwoordcode 3 heeft geen plaats"),
        # turning the scale around: "heel tevreden" becomes "heel ontevreden"
        ({"codebook": "arbeid-2019", "recode": {1: 4, 4: 1}}, "de schaal draait om"),
        # "geen mening" mapped onto an opinion
        ({"codebook": "arbeid-2019", "recode": {9: 4, 4: 9}}, "'geen mening' en een oordeel"),
    ],
)
def test_a_wrong_mapping_is_refused_with_its_reason(previous, message):
    item = "tevredenheid_totaal" if "recode" in previous else "bereikbaar"
    found = _problems(item, previous)
    assert any(message in m for m in found), found


def test_a_mapping_that_is_not_comparable_needs_a_reason():
    with pytest.raises(CodebookError, match="niet vergelijkbaar zonder reden"):
        parse_codebook(
            _arbeid_2024_with("bereikbaar", {"codebook": "arbeid-2019", "comparable": False}),
            "arbeid-2024.yaml",
        )


def test_a_recode_moves_the_earlier_answers_to_todays_codes(demo_data, settings):
    """The trend across versions with a recode: an earlier 5-point scale onto today's 4
    (both 'heel tevreden' and 'tevreden' are positive, 3 'neutraal' is not asked today)."""
    from tevredenheidsrapport.survey import Survey

    prev = Previous("oud", "vraag", recode={1: 1, 2: 2, 4: 3, 5: 4})
    assert [prev.new_code(c) for c in (1, 2, 4, 5, 9)] == [1, 2, 3, 4, 9]

    # through the survey: trend.answers recodes what the previous period holds
    class Before:
        dataset = type("D", (), {"responses": {"oud": None}, "providers": pd.Index(["p"])})()

    survey = Survey.__new__(Survey)
    survey.previous = Before()
    item = type("I", (), {"id": "nu", "previous": prev})()
    book = type("B", (), {"id": "nieuw"})()
    assert survey.trend.source(book, item) == ("oud", "vraag", prev.recode)


def test_a_demo_figure_shows_the_previous_measurement_across_versions(
    demo_data, settings, tmp_path
):
    """2024 (arbeid-2024) against 2021 (arbeid-2019): a scale item that was a matrix row."""
    from tevredenheidsrapport import render

    result = render.render_report(
        "horizonwerk-west",
        demo_data / "2024",
        tmp_path / "out",
        settings=settings,
        formats=("html",),
        work_root=tmp_path / "work",
    )
    assert result.sidecar["period"]["vorige"]["id"] == "2021"
    page = " ".join(result.outputs["html"].read_text("utf-8").split())
    start = page.index('id="fig-arbeid-bereikbaar"')
    figure = page[start : start + 5000].split('class="rsource"')[0]  # caption, image, alt text
    assert "vorige meting (2021)" in figure.lower()
    note = labels.TREND_NOT_COMPARABLE.split(":")[0]
    assert note in page  # contact_frequentie changed too much to compare


def test_matrices_show_the_previous_measurement_of_the_same_version(tmp_path, settings):
    """Two years with the 2019 questionnaire: the matrix rows the earlier report showed
    stand beside this year's, as the previous measurement."""
    import dataclasses
    import datetime as dt

    from tevredenheidsrapport import demo, render

    now = next(p for p in demo.DEFAULT_PERIODS if p.period == "2021")
    before = dataclasses.replace(
        now,
        period="2020",
        start=dt.date(2020, 1, 1),
        end=dt.date(2020, 12, 31),
        report_date=dt.date(2021, 2, 1),
        members=("all",),
    )
    demo.generate(tmp_path / "data", n_providers=2, periods=(now, before))
    result = render.render_report(
        "werkpad-noord",
        tmp_path / "data" / "2021",
        tmp_path / "out",
        settings=settings,
        formats=("html",),
        work_root=tmp_path / "work",
    )
    figures = {f["id"]: f for f in result.sidecar["figures"]}
    page = " ".join(result.outputs["html"].read_text("utf-8").split())
    book = codebook("arbeid-2019")
    kinds = {it.id: it.type for it in book.items}
    shown = {
        kinds[i.split("-", 1)[1]]
        for i in figures
        if i.split("-", 1)[-1] in kinds
        and f'id="fig-{i}"' in page
        and "vorige meting (2020)" in page[page.index(f'id="fig-{i}"') :][:3000].lower()
    }
    assert {"matrix", "scale", "single"} <= shown


def test_a_multiple_choice_shows_the_previous_measurement(published):
    """2025 against 2024, the same questionnaire: the options of a multiple choice."""
    report = published("2025", "werkpad-noord")
    entry = next(f for f in report.sidecar["figures"] if f["id"] == "arbeid-contact_kanaal")
    page = " ".join(report.outputs["html"].read_text("utf-8").split())
    figure = page[page.index(f'id="fig-{entry["id"]}"') :][:3000]
    assert "meer antwoorden mogelijk" in figure and "vorige meting (2024)" in figure.lower()
