"""The two versions of the inburgeren questionnaire: 2019 (periods 2019-2021) and 2024.

The 2020 report asks six things the 2024 questionnaire no longer does (a sick teacher and what
happens then, Dutch outside the lessons twice, exam practice, a quiet place for homework);
inburgeren-2019 holds them, the 2021 demo period uses it, and inburgeren-2024 says for the
questions both ask what they were, so the 2024 reports compare with 2021.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from fixtures.periods import codebook

from tevredenheidsrapport import demo
from tevredenheidsrapport.codebook import check_previous

#: The six items only version 2019 asks: (type, scale, answer labels in codebook order).
SIX = {
    "leraar_ziek": ("scale", "ziek", ["Niet of bijna niet", "Soms", "Vaak", "Weet ik niet"]),
    "ziek_wat": (
        "single",
        None,
        [
            "Een andere leraar geeft de les",
            "Ik krijg opdrachten om zelf te maken",
            "De les is op een andere dag",
            "De les gaat niet door",
            "Weet ik niet",
        ],
    ),
    "spreken_buiten": ("scale", "vaak", ["Vaak", "Soms", "Bijna nooit", "Weet ik niet"]),
    "lezen_buiten": ("scale", "vaak", ["Vaak", "Soms", "Bijna nooit", "Weet ik niet"]),
    "examen_oefenen": ("scale", "vaak", ["Vaak", "Soms", "Bijna nooit", "Weet ik niet"]),
    "huiswerk_plek": ("scale", "ja_soms_nee", ["Ja", "Soms", "Nee", "Weet ik niet"]),
}
#: The questions both versions ask (same id, text and answers).
SHARED = [
    "cijfer",
    "aanbevolen",
    "cursus_nu",
    "leraar_les",
    "leraar_vragen",
    "gesprek_school",
    "moeilijkheid",
    "prettig",
    "school_oordeel",
]


def _spec(period: str) -> demo.PeriodSpec:
    return next(p for p in demo.DEFAULT_PERIODS if p.period == period)


def test_each_demo_period_uses_the_version_of_its_years():
    assert _spec("2021").codebooks[demo.INBURGEREN] == "inburgeren-2019"
    assert _spec("2024").codebooks[demo.INBURGEREN] == "inburgeren-2024"
    assert _spec("2025").codebooks[demo.INBURGEREN] == "inburgeren-2024"


@pytest.mark.parametrize("item_id", list(SIX))
def test_the_six_items_of_2019_exist_with_their_scale(item_id):
    book = codebook("inburgeren-2019")
    item = book.item(item_id)
    kind, scale, answers = SIX[item_id]
    assert item.type == kind
    assert item.scale == scale
    assert list(item.options.values()) == answers
    assert item.section == "inburgeren" and item.diensten == (11,)
    assert "{" not in item.text.replace("{provider}", "")
    assert item_id not in {it.id for it in codebook("inburgeren-2024").items}


def test_the_2019_version_follows_the_order_of_the_2020_report():
    ids = [it.id for it in codebook("inburgeren-2019").items]
    assert ids == [
        "cijfer",
        "aanbevolen",
        "cursus_nu",
        "leraar_les",
        "leraar_vragen",
        "leraar_ziek",
        "ziek_wat",
        "spreken_buiten",
        "lezen_buiten",
        "gesprek_school",
        "moeilijkheid",
        "examen_oefenen",
        "huiswerk_plek",
        "prettig",
        "school_oordeel",
    ]


def test_what_happens_when_the_teacher_is_ill_only_after_it_happens():
    item = codebook("inburgeren-2019").item("ziek_wat")
    assert item.when is not None and item.when.item == "leraar_ziek"
    assert set(item.when.values) == {2, 3}  # soms, vaak


def test_the_aspects_of_2019_are_scale_items_of_the_school():
    book = codebook("inburgeren-2019")
    aspects = list(book.roles["aspects"])
    assert {"examen_oefenen", "huiswerk_plek"} <= set(aspects)
    # what the learner does outside school, and a teacher's illness, are no service aspects
    assert not {"spreken_buiten", "lezen_buiten", "leraar_ziek"} & set(aspects)
    assert len(aspects) >= 4  # the cover lists up to four
    for item_id in aspects:
        assert book.item(item_id).type == "scale" and book.item(item_id).label
    assert {"examen_oefenen", "huiswerk_plek"} <= set(book.complete_when)


def test_the_2024_mappings_onto_2019_validate():
    now, then = codebook("inburgeren-2024"), codebook("inburgeren-2019")
    assert check_previous(now, then) == []
    mapped = {it.id for it in now.items if it.previous is not None}
    assert mapped == set(SHARED) - {"cijfer"}  # grades are compared without a mapping
    for item_id in mapped:
        item, old = now.item(item_id), then.item(item_id)
        assert item.previous.codebook == "inburgeren-2019" and item.previous.comparable
        assert item.text == old.text and dict(item.options) == dict(old.options)
    # questions new in 2024 were not asked then: nothing to compare
    new = {it.id for it in now.items} - {it.id for it in then.items}
    assert new == {
        "feedback_school",
        "alleen_groep",
        "concentreren",
        "concentreren_waarom",
        "concentreren_anders",
        "tempo",
        "lokaal",
    }
    assert all(now.item(i).previous is None for i in new)


def test_the_2021_demo_data_answer_the_six_items(tmp_path):
    demo.generate(tmp_path, n_providers=6, periods=(_spec("2021"),))
    period = tmp_path / "2021"
    meta = yaml.safe_load((period / "period.yaml").read_text(encoding="utf-8"))
    assert meta["questionnaires"]["inburgeren"]["codebook"] == "inburgeren-2019"
    frame = pd.read_csv(period / "responses" / "inburgeren.csv", dtype=str)
    book = codebook("inburgeren-2019")
    assert list(frame.columns) == book.columns()
    for item_id in SIX:
        answered = frame[item_id].dropna().astype(int)
        assert len(answered) > 0.5 * len(frame) or item_id == "ziek_wat", item_id
        assert set(answered) <= set(book.item(item_id).options), item_id
    ill = frame["leraar_ziek"].isin(["2", "3"])
    assert frame.loc[~ill, "ziek_wat"].isna().all()
    assert frame.loc[ill, "ziek_wat"].notna().mean() > 0.5


def test_inburgeren_reports_across_the_two_versions(demo_data, settings, tmp_path):
    """2021 shows the six items with figures; 2024 sets a shared question beside 2021 and
    shows none of the six."""
    from tevredenheidsrapport import render

    pages = {}
    for period in ("2021", "2024"):
        result = render.render_report(
            "taalbrug-delta",
            demo_data / period,
            tmp_path / "out",
            settings=settings,
            formats=("html",),
            work_root=tmp_path / "work",
        )
        figures = {f["id"] for f in result.sidecar["figures"]}
        page = " ".join(result.outputs["html"].read_text("utf-8").split())
        pages[period] = figures, page
    figures, page = pages["2021"]
    book = codebook("inburgeren-2019")
    for item_id in SIX:
        assert f"inburgeren-{item_id}" in figures and f'id="fig-inburgeren-{item_id}"' in page
        assert " ".join(book.item(item_id).text.split()) in page  # the caption
    figures, page = pages["2024"]
    assert not {f"inburgeren-{i}" for i in SIX} & figures
    start = page.index('id="fig-inburgeren-leraar_les"')
    figure = page[start : start + 5000].split('class="rsource"')[0]
    assert "vorige meting (2021)" in figure.lower()
    # the pooled 'recommended?' figure too: aanbevolen of 2024 maps onto that of 2019
    start = page.index('-aanbevolen"')
    figure = page[start : start + 5000].split('class="rsource"')[0]
    assert "vorige meting (2021)" in figure.lower()
