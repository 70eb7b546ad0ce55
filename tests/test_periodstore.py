"""The period kept in the work folder between renders (periodstore): what it keeps, when it
is used and when not."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import stat
import subprocess
import sys

import pandas as pd
import pytest

from tevredenheidsrapport import config, periodstore
from tevredenheidsrapport import survey as survey_module
from tevredenheidsrapport.cli import main
from tevredenheidsrapport.errors import DataError
from tevredenheidsrapport.render import render_report


@pytest.fixture
def period(demo_data, tmp_path):
    """A copy of the demo's 2025 with its previous measurement, free to change."""
    root = tmp_path / "data"
    shutil.copytree(config.CODEBOOKS, root / "codebooks")
    for name in ("2024", "2025"):
        shutil.copytree(demo_data / name, root / name)
        yaml_file = root / name / "period.yaml"
        text = re.sub(r"(?m)^codebooks: .*$", "codebooks: ../codebooks", yaml_file.read_text())
        yaml_file.write_text(text)
    return root / "2025"


def _refuse_loading(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("the period was read again")

    monkeypatch.setattr(survey_module, "load_period", refused)


def test_the_kept_survey_is_the_computed_one(period, settings, tmp_path, monkeypatch):
    work = tmp_path / "work"
    computed = periodstore.load_kept(period, settings, work)
    path = periodstore.store_path(work, period)
    assert path.name == ".periode.pickle" and path.parent == (work / "2025").resolve()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds the period's answers

    _refuse_loading(monkeypatch)
    kept = periodstore.load_kept(period, settings, work)
    assert kept is not computed
    assert kept.previous is not None and kept.previous.period.id == computed.previous.period.id
    pd.testing.assert_frame_equal(kept.dataset.persons, computed.dataset.persons)
    pd.testing.assert_frame_equal(kept.benchmark_means, computed.benchmark_means)
    pd.testing.assert_frame_equal(kept.share_counts, computed.share_counts)
    pd.testing.assert_frame_equal(kept.grade_tests, computed.grade_tests)
    pd.testing.assert_frame_equal(kept.trend.grade_tests, computed.trend.grade_tests)
    assert dict(kept.grade_disclosure) == dict(computed.grade_disclosure)
    for pid in computed.provider_ids():  # what it leaves out is made again, the same
        pd.testing.assert_frame_equal(kept.persons(pid), computed.persons(pid))
        pd.testing.assert_frame_equal(kept.table11[pid], computed.table11[pid])
        pd.testing.assert_frame_equal(kept.report_tests[pid], computed.report_tests[pid])
    assert kept.dataset.notices == computed.dataset.notices
    assert type(kept.dataset.codebooks) is type(computed.dataset.codebooks)  # still read-only


def test_what_it_leaves_out(period, settings):
    computed = periodstore.load_kept(period, settings, period.parent.parent / "work")
    _ = computed.persons_by_provider, computed.client_grades_by_provider
    state = computed.__getstate__()
    assert not set(survey_module.Survey._NOT_KEPT) & set(state)
    assert {"benchmark_means", "share_counts", "grade_disclosure", "_answers"} <= set(state)


@pytest.mark.parametrize(
    "change",
    ["answers", "codebook", "previous", "settings", "code"],
)
def test_any_change_of_the_inputs_reads_the_period_again(
    change, period, settings, tmp_path, monkeypatch
):
    work = tmp_path / "work"
    periodstore.load_kept(period, settings, work)
    before = periodstore.store_key(period, settings)
    if change == "answers":
        responses = next((period / "responses").glob("*.csv"))
        responses.write_bytes(responses.read_bytes() + b"\n")
    elif change == "codebook":
        book = period.parent / "codebooks" / "arbeid-2024.yaml"
        book.write_text(book.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "previous":
        sample = period.parent / "2024" / "sample.csv"
        sample.write_bytes(sample.read_bytes() + b"\n")
    elif change == "settings":
        settings = config.load_settings([], ["privacy.min_answers=6"])
    elif change == "code":
        monkeypatch.setattr(periodstore.hashing, "package_digest", lambda: "other code")
    assert periodstore.store_key(period, settings) != before
    calls = []
    real = survey_module.load_period
    monkeypatch.setattr(survey_module, "load_period", lambda path: calls.append(path) or real(path))
    periodstore.load_kept(period, settings, work)
    assert calls and calls[0] == period
    _refuse_loading(monkeypatch)  # and the new store is the one kept now
    periodstore.load_kept(period, settings, work)


def test_a_moved_period_is_read_again(period, settings, tmp_path):
    """The survey knows where its data lives (the sidecar names it), so a copy elsewhere
    with the same contents gets its own key."""
    moved = tmp_path / "elders" / "2025"
    shutil.copytree(period.parent, moved.parent)
    assert periodstore.store_key(moved, settings) != periodstore.store_key(period, settings)


def test_a_store_that_is_not_ours_or_broken_is_ignored(period, settings, tmp_path):
    work = tmp_path / "work"
    survey = periodstore.load_kept(period, settings, work)
    store = periodstore.Store.of(period, settings, work)
    path, key = store.path, store.key
    assert isinstance(store.load(), survey_module.Survey)
    assert periodstore.Store(path, "another key").load() is None

    os.chmod(path, 0o664)  # another user of the group could have written it
    assert store.load() is None
    os.chmod(path, 0o600)

    class Boom:
        def __reduce__(self):
            return (os._exit, (3,))  # would end this test run if it were unpickled

    path.write_bytes(periodstore.MAGIC + b"another key\n" + pickle.dumps(Boom()))
    assert store.load() is None  # the key is read before anything is unpickled

    path.write_bytes(periodstore.MAGIC + key.encode() + b"\n" + b"not a pickle")
    assert store.load() is None
    path.write_bytes(periodstore.MAGIC + key.encode() + b"\n" + pickle.dumps({"a": 1}))
    assert store.load() is None  # a pickle, but no survey
    path.unlink()
    (tmp_path / "elsewhere").write_bytes(periodstore.dumps(survey, key))
    path.symlink_to(tmp_path / "elsewhere")
    assert store.load() is None  # a link is not the store

    # and a store that cannot be written costs time, nothing else
    path.unlink()
    path.mkdir()
    store.save(survey)
    assert path.is_dir()


def test_a_killed_save_leaves_nothing_behind_the_next(period, settings, tmp_path):
    work = tmp_path / "work"
    path = periodstore.store_path(work, period)
    path.parent.mkdir(parents=True)
    left = path.parent / f"{path.name}.abc123.part"
    left.write_bytes(b"half a store")
    periodstore.load_kept(period, settings, work)
    assert not left.exists() and path.is_file()
    assert not list(path.parent.glob("*.part"))


def test_a_report_from_the_store_is_the_same_report(period, settings, tmp_path, monkeypatch):
    provider = "werkpad-noord"
    if provider not in pd.read_csv(period / "providers.csv")["provider_id"].tolist():
        provider = pd.read_csv(period / "providers.csv")["provider_id"].iloc[0]
    work = tmp_path / "work"
    first = render_report(
        provider, period, tmp_path / "a", settings=settings, formats=("html",), work_root=work
    )
    _refuse_loading(monkeypatch)
    second = render_report(
        provider, period, tmp_path / "b", settings=settings, formats=("html",), work_root=work
    )
    assert first.outputs["html"].read_bytes() == second.outputs["html"].read_bytes()
    assert first.outputs["json"].read_bytes() == second.outputs["json"].read_bytes()


def test_fresh_neither_reads_nor_writes_the_store(period, tmp_path, monkeypatch, capsys):
    provider = pd.read_csv(period / "providers.csv")["provider_id"].iloc[0]
    work = tmp_path / "work"
    args = ["render", provider, "--data", str(period), "--out", str(tmp_path / "out")]
    args += ["--work", str(work), "--format", "html"]
    assert main([*args, "--fresh"]) == 0
    assert not periodstore.store_path(work, period).exists()
    assert main(args) == 0
    assert periodstore.store_path(work, period).is_file()
    _refuse_loading(monkeypatch)
    assert main(args) == 0
    monkeypatch.undo()
    calls = []

    def read(*a, **k):
        calls.append(a)
        raise DataError(["gelezen"])

    monkeypatch.setattr(survey_module, "load_period", read)
    assert main([*args, "--fresh"]) != 0 and calls  # --fresh reads the data itself
    assert "gelezen" in capsys.readouterr().err


def test_a_batch_and_a_render_by_hand_share_the_kept_period(
    period, settings, tmp_path, monkeypatch
):
    from tevredenheidsrapport.batch import render_batch

    provider = pd.read_csv(period / "providers.csv")["provider_id"].iloc[0]
    work, html = tmp_path / "work", ("html",)
    result = render_batch(
        period, tmp_path / "b", settings=settings, formats=html, providers=[provider],
        work_root=work, progress=False,
    )  # fmt: skip
    assert result.ok, result.summary()
    assert periodstore.Store.of(period, settings, work).load() is not None
    _refuse_loading(monkeypatch)
    render_report(provider, period, tmp_path / "h", settings=settings, formats=html, work_root=work)
    result = render_batch(
        period, tmp_path / "b", settings=settings, formats=html, providers=[provider],
        work_root=work, progress=False, force=True,
    )  # fmt: skip
    assert result.ok, result.summary()


def test_a_survey_handed_in_is_not_looked_up_or_kept(period, settings, tmp_path, monkeypatch):
    """The batch hands every report its period: no report hashes the data again for a
    store, nor writes one."""
    from tevredenheidsrapport.survey import load_survey

    survey = load_survey(period, settings)
    provider = survey.provider_ids()[0]

    def refused(*args, **kwargs):
        raise AssertionError("a store was looked up")

    monkeypatch.setattr(periodstore.Store, "of", refused)
    render_report(
        provider, period, tmp_path / "o", settings=settings, formats=("html",),
        work_root=tmp_path / "w", survey=survey,
    )  # fmt: skip
    assert not list((tmp_path / "w").rglob(periodstore.FILE_NAME))


def test_a_known_digest_gives_the_same_key(period, settings):
    from tevredenheidsrapport import hashing

    digest = hashing.scan_period(period).digest
    assert periodstore.store_key(period, settings, digest) == periodstore.store_key(
        period, settings
    )


needs_a_second_core = pytest.mark.skipif(
    not hasattr(os, "fork") or (os.cpu_count() or 1) < 2,
    reason="the period is read beside the imports only with fork and a second core",
)


@needs_a_second_core
def test_render_by_hand_reads_the_period_beside_its_imports(period, tmp_path, monkeypatch):
    """On a second core, a forked helper reads and keeps the period while `tevreden render`
    imports; the render itself then takes the kept period and never reads the data."""
    from tevredenheidsrapport import render

    provider = pd.read_csv(period / "providers.csv")["provider_id"].iloc[0]
    work = tmp_path / "work"

    def refused(*args, **kwargs):
        raise AssertionError("the render read the period itself")

    monkeypatch.setattr(render, "load_survey", refused)  # the helper reads through survey
    args = ["render", provider, "--data", str(period), "--out", str(tmp_path / "out")]
    assert main([*args, "--work", str(work), "--format", "html"]) == 0
    assert (tmp_path / "out" / "2025" / f"{provider}.html").is_file()
    assert periodstore.store_path(work, period).is_file()


@needs_a_second_core
def test_a_render_that_fails_keeps_the_period_its_helper_read(period, tmp_path, monkeypatch):
    """The render aggregates what the helper read and keeps it beside the report: a report
    that fails (a template being written, say) leaves the period kept for the next try."""
    from tevredenheidsrapport import render
    from tevredenheidsrapport.errors import RenderError

    provider = pd.read_csv(period / "providers.csv")["provider_id"].iloc[0]
    work = tmp_path / "work"

    def broken(provider, *args, **kwargs):
        raise RenderError(provider, "execute", "een fout in het sjabloon")

    def refused(*args, **kwargs):
        raise AssertionError("the render read the period itself")

    monkeypatch.setattr(render, "_render_locked", broken)
    monkeypatch.setattr(render, "load_survey", refused)
    args = ["render", provider, "--data", str(period), "--out", str(tmp_path / "out")]
    assert main([*args, "--work", str(work), "--format", "html"]) != 0
    settings = config.load_settings([], [])
    kept = periodstore.Store.of(period, settings, work).load()
    assert (
        kept is not None
        and kept.provider_ids() == survey_module.load_survey(period, settings).provider_ids()
    )
    assert kept.grade_disclosure.complete()  # kept aggregated, as a batch keeps it


def test_reading_a_period_imports_no_scipy(period):
    """tevreden render's helper reads the period while the render imports scipy: reading
    it must not import scipy itself (0,6 s), or the helper would do that work twice."""
    code = (
        "import sys\n"
        "from tevredenheidsrapport import config\n"
        "from tevredenheidsrapport.survey import load_survey\n"
        f"survey = load_survey({str(period)!r}, config.load_settings([], []))\n"
        "assert survey.previous is not None\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@needs_a_second_core
def test_the_helper_keeps_nothing_for_an_unknown_provider_or_invalid_data(period, tmp_path, capsys):
    work = tmp_path / "work"
    args = ["render", "bestaat-niet", "--data", str(period), "--out", str(tmp_path / "out")]
    assert main([*args, "--work", str(work)]) != 0
    assert "bestaat-niet" in capsys.readouterr().err
    assert not periodstore.store_path(work, period).exists()
    (period / "providers.csv").write_text("dit is geen providers-bestand\n", encoding="utf-8")
    provider_args = ["render", "x", "--data", str(period), "--out", str(tmp_path / "out")]
    assert main([*provider_args, "--work", str(work)]) != 0
    assert not periodstore.store_path(work, period).exists()


def test_what_the_helper_sent_that_is_no_period_is_not_used(tmp_path):
    """The render then reads the period itself (render_report gets no survey); a result
    that does not unpickle is None already (test_beside)."""
    from tevredenheidsrapport import cli

    store = periodstore.Store(tmp_path / periodstore.FILE_NAME, "sleutel")
    for sent in (b"geen pickle", None, {"survey": 1}):
        with cli._aggregated((store, sent), jobs=2) as survey:
            assert survey is None
    with cli._aggregated(None, jobs=2) as survey:
        assert survey is None
    assert not store.path.exists()
