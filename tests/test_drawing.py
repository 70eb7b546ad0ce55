"""Figures drawn at once, or collected and drawn together on several cores."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from tevredenheidsrapport import drawing, figures

FRAME = pd.DataFrame(
    {
        "option": ["Ja", "Nee", "Ja", "Nee"],
        "group": ["Bureau A", "Bureau A", "Alle deelnemers", "Alle deelnemers"],
        "percent": [60.0, 40.0, 55.0, 45.0],
        "n": [10, 10, 200, 200],
    }
)


def _drawings(tmp_path, count: int = 5) -> drawing.Pending:
    """``count`` different single-choice figures, each with its own path."""
    return [
        (
            tmp_path / f"fig{i}.svg",
            lambda i=i: figures.plot_single(FRAME.assign(percent=FRAME["percent"] + i)),
        )
        for i in range(count)
    ]


def test_a_plain_sink_draws_at_once(tmp_path):
    path = drawing.FigureSink().save(tmp_path / "a.svg", lambda: figures.plot_single(FRAME))
    assert path.read_bytes().startswith(b"<?xml")


def test_a_collecting_sink_records_without_drawing_and_sinks_share_nothing(tmp_path):
    sink, other = drawing.FigureSink(collect=True), drawing.FigureSink()
    sink.save(tmp_path / "a.svg", lambda: figures.plot_single(FRAME))
    assert [p for p, _ in sink.pending] == [tmp_path / "a.svg"]
    assert not (tmp_path / "a.svg").exists()
    # another report's sink is not affected: it draws at once
    other.save(tmp_path / "b.svg", lambda: figures.plot_single(FRAME))
    assert (tmp_path / "b.svg").exists() and len(sink.pending) == 1
    sink.draw_all()
    assert (tmp_path / "a.svg").exists() and sink.pending == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_parallel_drawing_gives_the_same_bytes(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    serial.mkdir(), parallel.mkdir()
    drawing.draw_all(_drawings(serial), jobs=1)
    drawing.draw_all(_drawings(parallel), jobs=3)
    names = sorted(p.name for p in serial.iterdir())
    assert names == sorted(p.name for p in parallel.iterdir()) == [f"fig{i}.svg" for i in range(5)]
    for name in names:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name
    # and different figures really are different files
    assert (serial / "fig0.svg").read_bytes() != (serial / "fig1.svg").read_bytes()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_helper_that_fails_is_redone_by_the_parent(tmp_path):
    parent = os.getpid()

    def only_in_parent():
        if os.getpid() != parent:
            raise RuntimeError("helper breaks")
        return figures.plot_single(FRAME)

    pending = [(tmp_path / f"f{i}.svg", only_in_parent) for i in range(4)]
    drawing.draw_all(pending, jobs=2)
    assert all(p.exists() for p, _ in pending)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_an_error_in_a_drawing_reaches_the_caller(tmp_path):
    def broken():
        raise ValueError("kapotte figuur")

    pending = [(tmp_path / "ok.svg", lambda: figures.plot_single(FRAME))]
    pending += [(tmp_path / "broken.svg", broken)]
    with pytest.raises(ValueError, match="kapotte figuur"):
        drawing.draw_all(pending, jobs=2)
