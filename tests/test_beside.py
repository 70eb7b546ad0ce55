"""Work in a forked child beside this process (beside.py), and the period's aggregates that
use it (Survey.precompute with two cores)."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from tevredenheidsrapport.beside import SharedRange, beside
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


def test_a_result_in_shared_memory_and_one_too_large_for_it_through_the_pipe():
    data = list(range(200_000))
    with beside(lambda: [v * 3 for v in data], room=4 << 20) as child:  # fits
        assert child() == [v * 3 for v in data]
        assert child._memory is None  # closed once read: no mapping left behind
    with beside(lambda: [v * 3 for v in data], room=1000) as child:  # does not fit
        assert child() == [v * 3 for v in data]

    def dump(value, file):  # the caller's own pickler, here a broken one
        file.write(b"not a pickle")

    with beside(lambda: 1, room=1 << 20, dump=dump) as child:
        assert child() is None  # what does not unpickle is no result
    assert _gone(child.pid)


_UNDER_A_LIMIT = """
import mmap, resource, sys
from tevredenheidsrapport.beside import ROOM_SHARE_OF_FREE, beside, room_within_limit
unlimited = room_within_limit(1 << 40)
limit = 1 << 31
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
room = room_within_limit(1 << 40)
with beside(lambda: list(range(1000)), room=1 << 40) as child:
    later = mmap.mmap(-1, limit // 2)  # what the process maps after it: still room
    result = child()
print(unlimited, room, limit, result == list(range(1000)), ROOM_SHARE_OF_FREE)
"""


def test_under_an_address_space_limit_the_room_leaves_room_for_what_is_mapped_later():
    """A limit on the address space (``RLIMIT_AS``) counts the whole shared mapping, written
    or not: the room is then a share of what is still free, so that a library imported
    after it (or any later mapping) still fits, and the result still arrives."""
    import subprocess
    import sys

    resource = pytest.importorskip("resource")
    if resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY:
        pytest.skip("this test sets its own limit")
    out = subprocess.run(
        [sys.executable, "-c", _UNDER_A_LIMIT], capture_output=True, text=True, check=True
    ).stdout.split()
    unlimited, room, limit, arrived, share = (
        int(out[0]),
        int(out[1]),
        int(out[2]),
        out[3],
        float(out[4]),
    )
    assert unlimited == 1 << 40  # no limit: the room asked for
    assert 0 < room <= limit * share and arrived == "True"


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


def test_a_shared_range_without_a_child_is_all_the_parents():
    assert list(SharedRange(5).back()) == [4, 3, 2, 1, 0]
    assert list(SharedRange(0).back()) == []


@pytest.mark.parametrize("seed", range(6))
def test_a_shared_range_leaves_no_index_out_and_meets_once(seed):
    """The child takes from the front, the parent from the back after work of its own; at
    whatever speeds, together they take every index, and at most one twice."""
    import random

    rng = random.Random(seed)
    n = rng.randint(1, 40)
    cost = [rng.random() * 0.004 for _ in range(n)]  # seconds per item, different per item
    shared = SharedRange(n)

    def front():
        taken = []
        for i in shared.front():
            time.sleep(cost[i])
            taken.append(i)
        return taken

    with beside(front) as child:
        time.sleep(rng.random() * 0.05)  # the parent's own work first
        mine = []
        for j in shared.back():
            time.sleep(cost[j])
            mine.append(j)
        theirs = child()
    assert theirs == list(range(len(theirs)))  # the child's: a run from the front
    assert mine == list(range(n - 1, n - 1 - len(mine), -1))  # the parent's: from the back
    assert set(theirs) | set(mine) == set(range(n))
    assert len(set(theirs) & set(mine)) <= 1


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
    work = [p for s in (two, two.previous) for p in s.provider_ids()]
    # the child decided them from the front, this process (if at all) from the back
    assert len(asked) < len(work) and asked == work[len(work) - len(asked) :][::-1]
    assert two.previous is not None and two.previous.grade_disclosure.complete()
    assert dict(two.grade_disclosure) == dict(one.grade_disclosure)
    assert dict(two.previous.grade_disclosure) == dict(one.previous.grade_disclosure)
    pd.testing.assert_frame_equal(two.benchmark_means, one.benchmark_means)
    pd.testing.assert_frame_equal(two.grade_tests, one.grade_tests)
    pd.testing.assert_frame_equal(two.trend.grade_tests, one.trend.grade_tests)
    pd.testing.assert_frame_equal(two.share_counts, one.share_counts)


def test_when_the_disclosures_are_slow_this_process_decides_part_of_them(
    demo_data, settings, monkeypatch
):
    one = load_survey(demo_data / "2025", settings).precompute()
    original, mine = Survey._disclose_grades, []

    def slow(self, provider_id):
        time.sleep(0.01)
        mine.append(provider_id)  # in the child this list is the child's copy
        return original(self, provider_id)

    monkeypatch.setattr(Survey, "_disclose_grades", slow)
    two = load_survey(demo_data / "2025", settings).precompute(jobs=2)
    work = [p for s in (two, two.previous) for p in s.provider_ids()]
    assert 0 < len(mine) < len(work)  # both processes decided some
    assert dict(two.grade_disclosure) == dict(one.grade_disclosure)
    assert dict(two.previous.grade_disclosure) == dict(one.previous.grade_disclosure)
