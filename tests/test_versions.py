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

    # through the survey: previous_answers recodes what the previous period holds
    class Before:
        dataset = type("D", (), {"responses": {"oud": None}, "providers": pd.Index(["p"])})()

    survey = Survey.__new__(Survey)
    survey.previous = Before()
    item = type("I", (), {"id": "nu", "previous": prev})()
    book = type("B", (), {"id": "nieuw"})()
    assert survey.previous_source(book, item) == ("oud", "vraag", prev.recode)


def test_a_demo_figure_shows_the_previous_measurement_across_versions(demo_batch):
    """2025 (arbeid-2024) against 2021 (arbeid-2019): a scale item that was a matrix row."""
    page = " ".join((demo_batch / "2025" / "horizonwerk-west.html").read_text("utf-8").split())
    start = page.index('id="fig-arbeid-bereikbaar"')
    figure = page[start : start + 5000].split('class="rsource"')[0]  # caption, image, alt text
    assert "vorige meting (2021)" in figure.lower()
    note = labels.TREND_NOT_COMPARABLE.split(":")[0]
    assert note in page  # contact_frequentie changed too much to compare
