"""The batch: parallel, incremental, resilient; its overview; and the Dask path.

A small generated period (6 providers, HTML only) keeps this fast. Worker processes are
forked from the test process, so a monkeypatched report reaches them.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import threading
import time
from types import SimpleNamespace

import pytest

from tevredenheidsrapport import config, demo, hashing, overview, plan, pool, report, survey
from tevredenheidsrapport.batch import render_batch
from tevredenheidsrapport.cli import main
from tevredenheidsrapport.errors import DataError
from tevredenheidsrapport.plan import plan_batch

SPEC = demo.DEFAULT_PERIODS[0]  # 2025
HTML = ("html",)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Codebooks and a generated period side by side (so a copy of both stays valid)."""
    root = tmp_path_factory.mktemp("batch")
    shutil.copytree(config.CODEBOOKS, root / "codebooks")
    demo.generate(root / "data", n_providers=6, periods=[SPEC], codebooks_dir=root / "codebooks")
    return root


@pytest.fixture(scope="module")
def data(root):
    return root / "data"


@pytest.fixture(scope="module")
def ids(data):
    with (data / SPEC.period / "providers.csv").open(encoding="utf-8") as fh:
        return [row["provider_id"] for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def first(data, settings, tmp_path_factory):
    out, work = tmp_path_factory.mktemp("out"), tmp_path_factory.mktemp("work")
    result = render_batch(
        data, out, settings=settings, formats=HTML, work_root=work, progress=False, jobs=2
    )
    return SimpleNamespace(result=result, out=out, work=work, period=out / SPEC.period)


def _plan(data, out, settings, **kw):
    return plan_batch(data, out, settings=settings, formats=kw.pop("formats", HTML), **kw)


# --------------------------------------------------------------------------- parallel


def test_renders_every_provider_on_worker_processes(first, ids):
    result = first.result
    assert result.ok, result.summary()
    assert sorted(pid for _, pid in result.rendered) == sorted(ids)
    assert result.workers == 2
    assert {r.pid for r in result.reports} and os.getpid() not in {r.pid for r in result.reports}
    for pid in ids:
        assert (first.period / f"{pid}.html").stat().st_size > 0
        assert (first.period / f"{pid}.json").is_file()
        assert (first.work / SPEC.period / pid).is_dir()  # its own work directory
    assert "6 gerenderd, 0 overgeslagen (ongewijzigd), 0 mislukt" in result.summary()


# A fresh interpreter for each: whether this test process has compiled a PDF depends on
# which tests ran before, and that is what decides whether forking is safe.
_AFTER_A_PDF = """
import sys
from tevredenheidsrapport import config, pool, render
from tevredenheidsrapport.batch import render_batch
data, out, work, provider = sys.argv[1:5]
settings = config.load_settings()
print("before", pool.forked_typst_works(), flush=True)
render.render_report(provider, data + "/2025", out, settings=settings, work_root=work,
                     formats=("pdf",), jobs=1)
print("after", pool.forked_typst_works(timeout=1.0), flush=True)
result = render_batch(data, out, settings=settings, formats=("html", "pdf"), work_root=work,
                      providers=[provider], progress=False, force=True, jobs=2, overview=False)
print("rendered", len(result.rendered), "failed", len(result.failed), flush=True)
import os
print("pdf", os.path.getsize(f"{out}/2025/{provider}.pdf") > 0, flush=True)
result = render_batch(data, out, settings=settings, formats=("html",), work_root=work,
                      providers=[provider], progress=False, force=True, jobs=2, overview=False)
print("html in a worker", os.getpid() not in {r.pid for r in result.reports}, flush=True)
"""


def test_a_batch_after_a_pdf_in_the_same_process_renders_instead_of_hanging(data, ids, tmp_path):
    """A notebook renders one report (its PDF starts Typst's thread pool), then a batch: a
    worker forked now would wait forever in its first compile, so the batch sees that and
    renders in its own process; a batch of HTML only still forks its workers."""
    import subprocess
    import sys

    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _AFTER_A_PDF,
            str(data),
            str(tmp_path / "out"),
            str(tmp_path / "work"),
            ids[0],
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:5] == [
        "before True",
        "after False",
        "rendered 1 failed 0",
        "pdf True",
        "html in a worker True",  # without a PDF to compile, forking stays safe
    ]
    assert run.stderr.count(pool.MSG_IN_PROCESS) == 1


def test_measures_each_report(first):
    for r in first.result.reports:
        assert r.ok and r.wall > 0 and r.cpu > 0 and r.maxrss_mb > 0
    stats = first.result.stats()
    assert stats["rendered"] == 6 and len(stats["reports"]) == 6 and stats["worker_peak_rss_mb"]
    json.dumps(stats)


def test_stamps_are_written_atomically_after_the_outputs(first, ids):
    assert not [p for p in first.out.rglob("*") if p.name.endswith((".part", ".tmp"))]
    for pid in ids:
        stamp_file = hashing.stamp_path(first.period, pid)
        stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        assert stamp["provider"] == pid and set(stamp["outputs"]) == {"html", "json"}
        for entry in stamp["outputs"].values():
            output = first.period / entry["file"]
            assert entry["signature"] == [output.stat().st_size, output.stat().st_mtime_ns]
            assert stamp_file.stat().st_mtime_ns >= output.stat().st_mtime_ns


# --------------------------------------------------------------------------- incremental


def test_second_run_skips_everything_without_reading_data(first, data, settings, monkeypatch):
    def no_loading(path):
        raise AssertionError(f"data read although nothing changed: {path}")

    monkeypatch.setattr(survey, "load_period", no_loading)
    index = first.period / "index.html"
    before = index.stat().st_mtime_ns
    t0 = time.perf_counter()
    result = render_batch(
        data, first.out, settings=settings, formats=HTML, work_root=first.work, progress=False
    )
    assert time.perf_counter() - t0 < 5
    assert (len(result.rendered), len(result.skipped), len(result.failed)) == (0, 6, 0)
    assert "--force" in result.summary()
    assert index.stat().st_mtime_ns == before  # a no-op writes nothing


def test_a_rerun_removes_what_a_killed_run_left_half_written(first, data, settings, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first.out, out)
    period = out / SPEC.period
    left = [period / ".a.html.x1.part", hashing.stamp_path(period, ".b").with_suffix(".x2.part")]
    for path in left:
        path.write_bytes(b"half")
    result = render_batch(
        data, out, settings=settings, formats=HTML, work_root=first.work, progress=False
    )
    assert result.ok and not result.rendered
    assert not [p for p in out.rglob("*.part")]


def test_planning_writes_nothing(first, data, settings, tmp_path):
    out = tmp_path / "out"  # no manifest here: planning has to read the data
    planned = _plan(data, out, settings)
    assert len(planned.todo) == 6 and planned.periods[0].survey is not None
    assert not out.exists()
    again = _plan(data, first.out, settings)  # the manifest of the first batch knows them
    assert again.todo == [] and again.periods[0].survey is None


def test_the_batch_rewrites_a_missing_manifest_without_rendering(first, data, settings, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first.out, out)
    manifest = hashing.stamp_path(out / SPEC.period, plan.PERIOD_MANIFEST)
    expected = manifest.read_text(encoding="utf-8")
    manifest.unlink()
    result = render_batch(
        data, out, settings=settings, formats=HTML, work_root=first.work, progress=False
    )
    assert (len(result.rendered), len(result.skipped)) == (0, 6)
    assert manifest.read_text(encoding="utf-8") == expected
    assert _plan(data, out, settings).periods[0].survey is None  # read from the manifest


def test_force_rerenders(first, data, settings, ids):
    result = render_batch(
        data,
        first.out,
        settings=settings,
        formats=HTML,
        work_root=first.work,
        progress=False,
        force=True,
        providers=ids[:1],
    )
    assert result.rendered == [(SPEC.period, ids[0])] and not result.skipped
    assert _plan(data, first.out, settings).todo == []  # the others stayed fresh


def test_force_flag_on_the_command_line(first, data, ids, capsys):
    args = [
        "batch",
        "--data",
        str(data),
        "--out",
        str(first.out),
        "--work",
        str(first.work),
        "--format",
        "html",
        "--quiet",
    ]
    assert main([*args, "--provider", ids[1]]) == 0
    assert "0 gerenderd, 1 overgeslagen" in capsys.readouterr().out
    assert main([*args, "--provider", ids[1], "--force"]) == 0
    assert "1 gerenderd, 0 overgeslagen" in capsys.readouterr().out


def _stale(plan) -> set[str]:
    return {job.provider for job in plan.todo}


def test_unchanged_inputs_are_fresh_wherever_the_data_lives(first, root, settings, tmp_path):
    shutil.copytree(root, tmp_path / "copy")  # content hashes: moving the data is no change
    assert _stale(_plan(tmp_path / "copy" / "data", first.out, settings)) == set()


@pytest.mark.parametrize("change", ["data", "codebook"])
def test_a_change_in_data_or_codebooks_invalidates_every_report(
    first, root, settings, tmp_path, ids, change
):
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    if change == "data":  # a provider's name: the benchmark spans all, so every report is stale
        path = copy / "data" / SPEC.period / "providers.csv"
        text = path.read_text(encoding="utf-8")
        assert ",Werkpad Noord," in text
        path.write_text(text.replace(",Werkpad Noord,", ",Werkpad Noord BV,"), encoding="utf-8")
    else:
        path = copy / "codebooks" / f"{SPEC.codebooks['arbeid']}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# gewijzigd\n", encoding="utf-8")
    assert _stale(_plan(copy / "data", first.out, settings)) == set(ids)


def test_a_change_in_settings_template_code_or_formats_invalidates(
    first, data, settings, tmp_path, ids, monkeypatch
):
    other = config.load_settings(overrides=["privacy.min_answers=4"])
    assert _stale(_plan(data, first.out, other)) == set(ids)
    template = tmp_path / "report_template.qmd"
    template.write_text(
        config.TEMPLATE.read_text(encoding="utf-8") + "\n<!-- gewijzigd -->\n", encoding="utf-8"
    )
    assert _stale(_plan(data, first.out, settings, template=template)) == set(ids)
    assert _stale(_plan(data, first.out, settings, formats=("html", "pdf"))) == set(ids)
    package = tmp_path / "package"
    shutil.copytree(config.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(hashing, "PACKAGE_DIR", package)
    assert _stale(_plan(data, first.out, settings)) == set()  # same code, other place
    (package / "metrics.py").write_text((package / "metrics.py").read_text() + "\n# gewijzigd\n")
    assert _stale(_plan(data, first.out, settings)) == set(ids)


def test_a_touched_or_missing_output_or_stamp_is_redone(first, data, settings, tmp_path, ids):
    out = tmp_path / "out"
    shutil.copytree(first.out, out)  # copy2 keeps sizes and modification times
    assert _stale(_plan(data, out, settings)) == set()
    (out / SPEC.period / f"{ids[0]}.html").unlink()
    with (out / SPEC.period / f"{ids[1]}.json").open("a", encoding="utf-8") as fh:
        fh.write(" ")
    hashing.stamp_path(out / SPEC.period, ids[2]).unlink()
    assert _stale(_plan(data, out, settings)) == set(ids[:3])


def test_a_settings_change_rerenders(first, data, ids, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first.out, out)
    other = config.load_settings(overrides=["privacy.min_answers=4"])
    result = render_batch(
        data,
        out,
        settings=other,
        formats=HTML,
        work_root=first.work,
        progress=False,
        providers=ids[-1:],
    )
    assert result.rendered == [(SPEC.period, ids[-1])]


# --------------------------------------------------------------------------- resilience


def test_a_crashing_report_and_a_killed_worker_fail_alone(data, ids, tmp_path, monkeypatch, capsys):
    broken, killer = ids[1], ids[3]
    original = report.open_report

    def open_report(data_, provider, **kwargs):
        if provider == broken:
            raise ValueError("kapotte data")
        if provider == killer:  # the worker dies, as by the out-of-memory killer
            os.kill(os.getpid(), signal.SIGKILL)
        return original(data_, provider, **kwargs)

    monkeypatch.setattr(report, "open_report", open_report)  # workers are forked: they see it
    monkeypatch.setattr(pool, "RECYCLE_MB", -1e6)  # and replace every worker after each report
    out = tmp_path / "out"
    args = [
        "batch",
        "--data",
        str(data),
        "--out",
        str(out),
        "--work",
        str(tmp_path / "w"),
        "--format",
        "html",
        "--quiet",
        "-j",
        "2",
    ]
    status = main([*args, "--stats", str(tmp_path / "stats.json")])
    text = capsys.readouterr()
    assert status == 1
    assert "4 gerenderd, 0 overgeslagen (ongewijzigd), 2 mislukt" in text.out
    assert f"MISLUKT {SPEC.period}/{broken}: rapport voor '{broken}' mislukt" in text.out
    assert "ValueError: kapotte data" in text.out
    assert f"MISLUKT {SPEC.period}/{killer}: {pool.MSG_CRASHED} (signaal SIGKILL)" in text.out
    period = out / SPEC.period
    for pid in ids:
        failed = pid in (broken, killer)
        assert (period / f"{pid}.html").exists() != failed
        assert hashing.stamp_path(period, pid).exists() != failed
    rows = {
        r["provider_id"]: r
        for r in csv.DictReader((period / overview.DATA_CSV_FILE).open(encoding="utf-8"))
    }
    assert rows[broken]["status"] == overview.MISLUKT and "kapotte data" in rows[broken]["fout"]
    assert rows[ids[0]]["status"] == overview.GEREED
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    rendered_by = [r["pid"] for r in stats["reports"] if r["pid"]]
    assert len(rendered_by) == 5 and len(set(rendered_by)) == 5  # a fresh worker for each


def test_unknown_provider_is_named(data, tmp_path, capsys):
    assert (
        main(
            [
                "batch",
                "--data",
                str(data),
                "--out",
                str(tmp_path),
                "--provider",
                "bestaat-niet",
                "--quiet",
            ]
        )
        == 2
    )
    assert "bestaat-niet" in capsys.readouterr().err


def test_invalid_data_renders_nothing(root, settings, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    sample = copy / "data" / SPEC.period / "sample.csv"
    lines = sample.read_text(encoding="utf-8").splitlines()
    sample.write_text(
        "\n".join([lines[0], lines[1].replace(",", ",onbekend-", 1), *lines[2:]]) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError):
        render_batch(
            copy / "data", tmp_path / "out", settings=settings, formats=HTML, progress=False
        )
    assert not list((tmp_path / "out").rglob("*.html"))


# --------------------------------------------------------------------------- overview


def test_overview_lists_every_provider_and_matches_sidecars(first, ids):
    page = (first.period / "index.html").read_text(encoding="utf-8")
    rows = {
        r["provider_id"]: r
        for r in csv.DictReader((first.period / overview.DATA_CSV_FILE).open(encoding="utf-8"))
    }
    assert list(rows) == ids  # every provider, in file order
    for pid in ids:
        sidecar = json.loads((first.period / f"{pid}.json").read_text(encoding="utf-8"))
        total = next(r for r in sidecar["table11"] if r["kind"] == "totaal")
        row = rows[pid]
        assert row["naam"] == sidecar["provider"]["name"] and row["status"] == overview.GEREED
        assert (
            int(row["clienten_netto"]) == total["netto"]
            and int(row["clienten_ingevuld"]) == total["ingevuld"]
        )
        grade = total["rapportcijfer"]
        assert row["clienten_rapportcijfer"] == ("" if grade is None else str(grade))
        assert row["norm"] == sidecar["norm"]["status"]
        assert f'href="{pid}.html"' in page and row["html"] == f"{pid}.html"


# --------------------------------------------------------------------------- Dask


def test_a_dask_worker_loads_each_period_once_for_all_its_threads(
    data, settings, monkeypatch, tmp_path
):
    pytest.importorskip("distributed")
    from tevredenheidsrapport.dask_backend import BatchPlugin

    loads = []
    original = survey.load_period

    def counting(path):
        loads.append(path)
        return original(path)

    monkeypatch.setattr(survey, "load_period", counting)
    plugin = BatchPlugin()
    plugin.setup()
    period = (data / SPEC.period).resolve()
    found = []
    threads = [
        threading.Thread(
            target=lambda: found.append(plugin.survey(period, settings, str(tmp_path / "w")))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len(found) == 4 and all(s is found[0] for s in found)
    assert found[0].period.id == SPEC.period
    other = config.load_settings(overrides=["privacy.min_answers=4"])
    assert plugin.survey(period, other, str(tmp_path / "w")) is not found[0]
    assert len(loads) == 2
    # a second worker on this machine reads the period the first one kept (the store keeps
    # the last settings a period was read with)
    again = BatchPlugin()
    again.setup()
    assert again.survey(period, other, str(tmp_path / "w")).period.id == SPEC.period
    assert len(loads) == 2


def test_dask_cluster_renders_the_same_bytes_with_several_threads(
    first, data, settings, ids, tmp_path
):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        result = render_batch(
            data,
            tmp_path / "out",
            settings=settings,
            formats=HTML,
            providers=ids[:2],
            work_root=tmp_path / "w",
            progress=False,
            dask=cluster.scheduler_address,
        )
    assert result.ok, result.summary()
    assert sorted(pid for _, pid in result.rendered) == sorted(ids[:2])
    for pid in ids[:2]:  # figures are saved one report at a time: same SVG ids as the pool
        for suffix in (".html", ".json"):
            rendered = (tmp_path / "out" / SPEC.period / f"{pid}{suffix}").read_bytes()
            assert rendered == (first.period / f"{pid}{suffix}").read_bytes(), f"{pid}{suffix}"
