"""Work in a forked child beside this process (beside.py), and the period's aggregates that
use it (Survey.precompute with two cores)."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from tevredenheidsrapport.beside import beside
from tevredenheidsrapport.survey import Survey, load_survey

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _gone(pid: int) -> bool:
    """Whether the child ``pid`` ended and was reaped (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_child_returns_what_it_computed_from_the_data_it_inherited():
    data = list(range(200_000))  # larger than a pipe holds, so the reader must drain it
    with beside(lambda: [v * 2 for v in data]) as child:
        mine = sum(data)
        theirs = child()
    assert mine == sum(range(200_000)) and theirs == [v * 2 for v in data]
    assert child.pid != os.getpid() and _gone(child.pid)


def test_a_child_that_fails_returns_nothing():
    def fails():
        raise ValueError("no")

    with beside(fails) as child:
        assert child() is None
    assert _gone(child.pid)


def test_leaving_the_block_early_stops_the_child():
    start = time.monotonic()
    with pytest.raises(KeyError), beside(lambda: time.sleep(60)) as child:
        raise KeyError("the caller's own error")
    assert time.monotonic() - start < 30
    assert _gone(child.pid)


def test_a_child_too_slow_is_stopped_and_gives_nothing():
    start = time.monotonic()
    with beside(lambda: time.sleep(60)) as child:
        assert child(timeout=0.2) is None
    assert time.monotonic() - start < 30 and _gone(child.pid)


def test_two_cores_decide_the_disclosures_beside_and_give_the_same_survey(
    demo_data, settings, monkeypatch
):
    one = load_survey(demo_data / "2025", settings).precompute()
    asked = []
    original = Survey._disclose_grades

    def recorded(self, provider_id):
        asked.append(provider_id)
        return original(self, provider_id)

    monkeypatch.setattr(Survey, "_disclose_grades", recorded)
    two = load_survey(demo_data / "2025", settings).precompute(jobs=2)
    assert asked == []  # all of them, now and in 2024, were decided in the child
    assert two.previous is not None and two.previous.grade_disclosure.complete()
    assert dict(two.grade_disclosure) == dict(one.grade_disclosure)
    assert dict(two.previous.grade_disclosure) == dict(one.previous.grade_disclosure)
    pd.testing.assert_frame_equal(two.benchmark_means, one.benchmark_means)
    pd.testing.assert_frame_equal(two.grade_tests, one.grade_tests)
    pd.testing.assert_frame_equal(two.trend.grade_tests, one.trend.grade_tests)
    pd.testing.assert_frame_equal(two.share_counts, one.share_counts)
