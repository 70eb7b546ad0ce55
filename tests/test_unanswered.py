"""Figures nobody answered: never left out without a trace, never a give-away.

A question nobody of a provider answered is listed in the sidecar with its reason; the report
says "nobody" in one line where the question was put to at least k people, and "fewer than k"
where it was put to fewer. A follow-up of a routing question
whose own figure is withheld gets the ordinary "fewer than k" line whether nobody or a few
reached it, since the difference would tell how those few answered.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from fixtures.periods import codebook

from tevredenheidsrapport import labels
from tevredenheidsrapport.blocks import Blocks, Suppressed, entries
from tevredenheidsrapport.charts import _no_answers
from tevredenheidsrapport.renderers import JupyterHtml, PandocMarkdown

ARBEID = codebook("arbeid-2024")
K = 3


def _case(klacht: list[int | None]):
    """A provider whose respondents answered 'klacht' so; nobody answered its follow-ups."""
    ids = [f"p{i}" for i in range(len(klacht))]
    own = pd.DataFrame({c: np.nan for c in ARBEID.columns()[1:]}, index=pd.Index(ids))
    own["klacht"] = pd.Series(klacht, index=own.index, dtype="float64")
    persons = pd.DataFrame({"person_id": ids, "dienst": [1] * len(ids)})
    ctx = SimpleNamespace(plain=str, min_answers=K, facts=SimpleNamespace(persons=persons))
    item = ARBEID.item("klacht_ingediend")
    return _no_answers(ctx, ARBEID, item, "arbeid-klacht_ingediend", own)


def test_a_follow_up_nobody_reached_is_in_the_sidecar_only():
    block = _case([2, 2, 2, 2, 2])  # nobody had a complaint: the klacht figure shows 0 % too
    assert (block.shown, block.reason) == (False, labels.FIGURE_NOT_ASKED)


def test_a_question_put_to_k_people_but_unanswered_says_so_in_one_line():
    block = _case([1, 1, 1, 2, 2])
    assert (block.shown, block.reason) == (True, labels.FIGURE_NO_ANSWERS)


@pytest.mark.parametrize("klacht", [[1, 2, 2, 2, 2], [1, 1, 2, 2, 2]])
def test_put_to_fewer_than_k_nobody_looks_like_few(klacht):
    """One complaint among ten is shown (10 %); that its owner left the follow-up empty is a
    fact about one person, so it reads as "fewer than k" like one answer would."""
    block = _case(klacht)
    assert (block.shown, block.reason) == (True, labels.FIGURE_SUPPRESSED.format(k=K))


@pytest.mark.parametrize("klacht", [[2, 2], [1, 2], [1, 1]])
def test_below_a_withheld_routing_figure_zero_looks_like_few(klacht):
    block = _case(klacht)
    assert block == _case([2, 2]), "the line must not depend on how the two answered"
    assert (block.shown, block.reason) == (True, labels.FIGURE_SUPPRESSED.format(k=K))


def test_a_hidden_block_is_listed_but_not_shown():
    hidden = Suppressed("figure", "arbeid-x", "Vraag?", labels.FIGURE_NOT_ASKED, "x", shown=False)
    shown = Suppressed("figure", "arbeid-y", "Vraag?", labels.FIGURE_NO_ANSWERS, "y")
    listed = entries([hidden, shown])
    assert [(e["id"], e["shown"], e["suppressed"]) for e in listed] == [
        ("arbeid-x", False, labels.FIGURE_NOT_ASKED),
        ("arbeid-y", True, labels.FIGURE_NO_ANSWERS),
    ]
    assert PandocMarkdown().render(Blocks((hidden,))) == ""
    assert JupyterHtml().render(Blocks((hidden,))) == ""
    assert labels.FIGURE_NO_ANSWERS in PandocMarkdown().render(Blocks((shown,))).replace("\\", "")
    assert Blocks.from_json(Blocks((hidden,)).to_json())[0] == hidden
