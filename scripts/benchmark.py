"""Benchmark: the batch against the naive loop, measured in one run on one machine.

Usage (from the repository root, after ``make install``)::

    .venv/bin/python scripts/benchmark.py                      # quick: 40 providers, 3 naive
    .venv/bin/python scripts/benchmark.py --providers 500 --naive 5   # the README figures

It generates N providers of realistic size with ``tevredenheidsrapport.demo`` (period 2025,
all four questionnaires) in a temporary folder and measures, each as a separate process so
start-up costs count as a user would pay them:

- **one report by hand**: ``tevreden render <provider>`` (HTML + PDF, cold start, each run
  with a work folder of its own), the median of ``--repeat`` runs; then the same report
  ``--repeat`` times again in the first run's work folder, which keeps the loaded period
  (:mod:`tevredenheidsrapport.periodstore`);
- **the batch**: ``tevreden batch`` over all N providers (HTML + PDF, every core), with
  core-seconds of every process involved (the batch, its workers, their pandoc runs) from
  ``getrusage(RUSAGE_CHILDREN)``, and per worker its peak memory (``ru_maxrss``; and PSS,
  which splits the pages workers share with the parent after fork);
- **a no-op re-run** of the batch (nothing changed: every report is skipped);
- **the naive loop** on ``--naive`` providers spread over the list, extrapolated per report:
  what users of parameterised notebooks do, one provider at a time: ``papermill`` with the
  standard Jupyter kernel (NBClient) on the template converted to ``.ipynb``, then the
  conversion to HTML and PDF as a separate process (like ``jupyter nbconvert``; here our own
  converter so that both ways produce the same documents).

Then it profiles one warm report in-process with cProfile and says where its time goes, and
prints a Markdown table for the README, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

import tevredenheidsrapport
from tevredenheidsrapport import config, demo
from tevredenheidsrapport.engine import INLINE
from tevredenheidsrapport.pool import RECYCLE_MB

BIN = Path(sys.executable).parent
SPEC = demo.DEFAULT_PERIODS[0]  # 2025: arbeid, laagdrempelig, inburgeren, opdrachtgevers
INLINE_MIME = "application/vnd.tevreden.inline+json"
INLINE_TAG = "tevreden-inline"
TARGETS = {
    "core_s_per_report": 1.5,
    "speedup": 5.0,
    "noop_500_s": 10.0,
    "worker_mb": 500.0,
    "single_s": 3.0,
}


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """Wall time, core-seconds and peak memory of one child process (and its children)."""

    wall: float
    cpu: float
    maxrss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _children_cpu() -> tuple[float, float]:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def run(cmd: list[str], *, cwd: Path | None = None, check: bool = True) -> Run:
    """Run ``cmd`` and measure it; raises with its output when it fails and ``check``."""
    c0, _ = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    c1, maxrss = _children_cpu()
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} gaf {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return Run(wall, c1 - c0, maxrss, proc.returncode, proc.stdout, proc.stderr)


def machine() -> dict:
    """nproc, CPU model, RAM, Python, load average."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "nproc": cores,
        "cpu": model,
        "ram_gb": ram,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def spread(items: list, k: int) -> list:
    """``k`` items spread evenly over ``items``."""
    if k >= len(items):
        return list(items)
    step = len(items) / k
    return [items[int(i * step)] for i in range(k)]


def provider_ids(period: Path) -> list[str]:
    import csv

    with (period / "providers.csv").open(encoding="utf-8") as fh:
        return [row["provider_id"] for row in csv.DictReader(fh)]


def median_provider(period: Path) -> str:
    """The provider with the median number of persons in the sample (a typical report)."""
    import pandas as pd

    sample = pd.read_csv(period / "sample.csv", usecols=["provider_id"])
    counts = sample["provider_id"].value_counts().sort_values()
    return str(counts.index[len(counts) // 2])


# --------------------------------------------------------------------------- naive loop


def naive_notebook(path: Path) -> Path:
    """The template as a Jupyter notebook, as a papermill user would keep it.

    A kernel does not evaluate Quarto's inline expressions; like Quarto, we evaluate them
    in the kernel: a hidden cell after each markdown cell with inline code displays their
    values, and the converter puts them back into the text.
    """
    from tevredenheidsrapport.qmd import load_qmd

    nb = load_qmd(config.TEMPLATE)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        exprs = INLINE.findall(cell.source) if cell.cell_type == "markdown" else []
        if exprs:
            values = ", ".join(f"_iv({e.strip()})" for e in exprs)
            source = (
                "from tevredenheidsrapport.engine import inline_value as _iv\n"
                "from IPython.display import display as _display\n"
                f"_display({{{INLINE_MIME!r}: {{'values': [{values}]}}}}, raw=True)"
            )
            inline = nbformat.v4.new_code_cell(source, metadata={"tags": [INLINE_TAG]})
            inline.metadata["quarto"] = {"include": False}
            cells.append(inline)
    nb.cells = cells
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def naive_convert(argv: list[str]) -> int:
    """Second process of the naive loop: executed notebook -> HTML, PDF and sidecar."""
    ap = argparse.ArgumentParser(prog="benchmark.py naive-convert")
    ap.add_argument("notebook", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--provider", required=True)
    args = ap.parse_args(argv)
    from tevredenheidsrapport import render
    from tevredenheidsrapport.blocks import ReportRecord, entries
    from tevredenheidsrapport.renderers import PandocMarkdown

    nb = nbformat.read(args.notebook, as_version=4)
    cells = []
    for cell in nb.cells:
        if INLINE_TAG in cell.metadata.get("tags", []):
            values = next(
                o["data"][INLINE_MIME]["values"]
                for o in cell.outputs
                if INLINE_MIME in o.get("data", {})
            )
            cells[-1].metadata.setdefault("tevreden", {})["inline"] = values
            continue
        cells.append(cell)
    nb.cells = cells
    work = args.notebook.parent
    document = render.assemble(nb)
    record = next(document.blocks.of(ReportRecord), None)
    name = record.provider.get("name", args.provider) if record else args.provider
    title = f"{config.load_settings().report.title} – {name}"
    pages = render.pages(document.markdown(PandocMarkdown(base=work)), work, title)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.provider}.html").write_bytes(render.write_html(pages.html, work))
    (args.out / f"{args.provider}.pdf").write_bytes(render.compile_pdf(pages.typst, work))
    sidecar = render.build_sidecar(
        record,
        entries(document.blocks),
        pages.outline,
        config.DEFAULT_FORMATS,
        args.provider,
    )
    (args.out / f"{args.provider}.json").write_text(
        json.dumps(sidecar, ensure_ascii=False), encoding="utf-8"
    )
    return 0


def naive_loop(period: Path, providers: list[str], tmp: Path) -> list[dict]:
    """papermill (Jupyter kernel) + a conversion process, per provider."""
    template = naive_notebook(tmp / "report_template.ipynb")
    results = []
    for pid in providers:
        work = tmp / "naive-work" / pid
        work.mkdir(parents=True, exist_ok=True)
        executed = work / "report.ipynb"
        pm = run(
            [
                str(BIN / "papermill"), str(template), str(executed),
                "-k", "python3", "--cwd", str(work), "--no-progress-bar", "--log-level", "ERROR",
                "-p", "provider", pid, "-p", "data", str(period), "-p", "params_file", "",
                "-p", "work_dir", str(work),
            ]
        )  # fmt: skip
        conv = run(
            [
                sys.executable,
                __file__,
                "naive-convert",
                str(executed),
                "--out",
                str(tmp / "naive-out"),
                "--provider",
                pid,
            ]
        )
        results.append(
            {
                "provider": pid,
                "papermill": pm.wall,
                "convert": conv.wall,
                "wall": pm.wall + conv.wall,
                "cpu": pm.cpu + conv.cpu,
            }
        )
        print(
            f"  naïef {pid}: {pm.wall:.1f} s papermill + {conv.wall:.1f} s conversie",
            file=sys.stderr,
        )
    return results


# --------------------------------------------------------------------------- profile


#: Where a report's time goes: (label, module, object, attribute) of steps to time.
STEPS = (
    (
        "notebook uitvoeren: rapportcode (figuren alleen vastgelegd)",
        "tevredenheidsrapport.render",
        None,
        "execute",
    ),
    ("figuren tekenen + SVG", "tevredenheidsrapport.drawing", None, "draw_all"),
    ("  waarvan SVG schrijven (savefig)", "tevredenheidsrapport.theme", None, "save_svg"),
    (
        "pandoc: markdown lezen, nummeren (Lua), HTML-pagina en Typst-bron schrijven (één run)",
        "tevredenheidsrapport.render",
        None,
        "pages",
    ),
    ("figuren in de HTML zetten", "tevredenheidsrapport.render", None, "inline_figures"),
    ("PDF: typst.compile", "typst", None, "compile"),
)


def _timed(totals: dict, label: str, fn):
    """``fn`` that adds its wall time to ``totals[label]``."""

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - t0

    return wrapper


def profile_report(period: Path, provider: str, tmp: Path, runs: int = 3) -> dict:
    """Seconds per step of a warm report (timers, mean of ``runs``), and cProfile's top list.

    Warm as in a batch worker: the period is loaded and one report rendered, then ``runs``
    other providers are rendered once each (rendering the same provider again would find
    its own results of the first render kept, which no batch report does)."""
    import importlib

    from tevredenheidsrapport import render
    from tevredenheidsrapport.survey import load_survey

    settings = config.load_settings()
    survey = load_survey(period, settings).precompute()
    kw = {"settings": settings, "work_root": tmp / "prof-work", "survey": survey}
    render.render_report(provider, period, tmp / "prof-out", **kw)  # warm-up
    others = spread([p for p in survey.provider_ids() if p != provider], runs + 1)
    totals: dict[str, float] = {}
    originals = []
    for label, module, owner, attr in STEPS:
        target = importlib.import_module(module)
        target = getattr(target, owner) if owner else target
        if hasattr(target, attr):
            originals.append((target, attr, getattr(target, attr)))
            setattr(target, attr, _timed(totals, label, getattr(target, attr)))
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        for other in others[:runs]:
            render.render_report(other, period, tmp / "prof-out", **kw)
    finally:
        for target, attr, original in originals:
            setattr(target, attr, original)
    wall = (time.perf_counter() - t0) / runs
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    profiler = cProfile.Profile()
    profiler.enable()
    render.render_report(others[-1], period, tmp / "prof-out", **kw)
    profiler.disable()
    stats = pstats.Stats(profiler)
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:12]
    return {
        "wall": wall,
        "cpu_self": ((c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)) / runs,
        "cpu_children": ((k1.ru_utime + k1.ru_stime) - (k0.ru_utime + k0.ru_stime)) / runs,
        "steps": {label: totals.get(label, 0.0) / runs for label, *_ in STEPS},
        "top_tottime": [(f"{Path(f).name}:{line}({n})", round(v[2], 3)) for (f, line, n), v in top],
    }


COLD_SCRIPT = """
import json, os, sys, time
t0 = time.perf_counter()
from tevredenheidsrapport import config, render
from tevredenheidsrapport.survey import load_survey
t1 = time.perf_counter()
settings = config.load_settings()
survey = load_survey(sys.argv[1], settings)
t2 = time.perf_counter()
render.render_report(
    sys.argv[2], sys.argv[1], sys.argv[3], settings=settings, work_root=sys.argv[4],
    jobs=os.cpu_count() or 1,  # as `tevreden render` does
    survey=survey,
)
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load_validate": t2 - t1, "first_render": t3 - t2}))
import gc; gc.freeze()  # as the console script does before it exits
"""


def cold_breakdown(period: Path, provider: str, tmp: Path) -> dict:
    """Where the seconds of ``tevreden render`` go: interpreter, imports, data, first report."""
    bare = run([sys.executable, "-c", "pass"])
    r = run(
        [
            sys.executable,
            "-c",
            COLD_SCRIPT,
            str(period),
            provider,
            str(tmp / "cold-out"),
            str(tmp / "cold-work"),
        ]
    )
    return {
        "interpreter": bare.wall,
        **json.loads(r.stdout.strip().splitlines()[-1]),
        "total": r.wall,
    }


# --------------------------------------------------------------------------- report


def fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def check(ok: bool) -> str:
    return "✅" if ok else "❌"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["naive-convert"]:
        return naive_convert(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--providers",
        type=int,
        default=40,
        help="aantal dienstverleners (standaard 40; README: 500)",
    )
    ap.add_argument(
        "--naive", type=int, default=3, help="aantal rapporten voor de naïeve lus (standaard 3)"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="herhalingen van het losse rapport (mediaan)"
    )
    ap.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="werkprocessen voor de batch (standaard: alle kernen)",
    )
    ap.add_argument(
        "--dir", type=Path, default=None, help="werkmap (standaard: tijdelijk, wordt opgeruimd)"
    )
    ap.add_argument("--json", type=Path, default=None, help="schrijf alle metingen ook als JSON")
    ap.add_argument("--no-profile", action="store_true", help="sla cProfile over")
    ap.add_argument(
        "--from-json", type=Path, default=None, help="druk alleen de tabel af uit eerdere metingen"
    )
    args = ap.parse_args(argv)
    # Measure the package as it is installed: pip compiles a package's modules when it
    # installs it, and Python writes the bytecode on first import, unless the machine sets
    # PYTHONDONTWRITEBYTECODE (CI machines do): then every cold start would compile ours.
    compileall.compile_dir(Path(tevredenheidsrapport.__file__).parent, quiet=1)
    if args.from_json:
        print(markdown(json.loads(args.from_json.read_text())))
        return 0

    tmp = args.dir or Path(tempfile.mkdtemp(prefix="tevreden-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    info = {"machine": machine(), "providers": args.providers}
    try:
        t = time.perf_counter()
        data = tmp / "data"
        if data.exists():
            shutil.rmtree(data)
        demo.generate(data, n_providers=args.providers, periods=[SPEC])
        period = data / SPEC.period
        ids = provider_ids(period)
        persons = sum(1 for _ in (period / "sample.csv").open(encoding="utf-8")) - 1
        info["data"] = {
            "providers": len(ids),
            "persons": persons,
            "seconds": time.perf_counter() - t,
        }
        print(f"demodata: {len(ids)} dienstverleners, {persons} personen ({tmp})", file=sys.stderr)
        typical = median_provider(period)
        tevreden = str(BIN / "tevreden")

        # one report by hand, cold start
        # each cold run in its own work folder, so none finds the period kept by another;
        # then the same report again, with the period kept in the work folder (periodstore)
        singles, kept = [], []
        for i in range(args.repeat):
            cmd = [tevreden, "render", typical, "--data", str(period)]
            singles.append(
                run([*cmd, "--out", str(tmp / f"single-{i}"), "--work", f"_w{i}"], cwd=tmp)
            )
        for i in range(args.repeat):
            kept.append(run([*cmd, "--out", str(tmp / f"kept-{i}"), "--work", "_w0"], cwd=tmp))
        single = sorted(singles, key=lambda r: r.wall)[len(singles) // 2]
        again = sorted(kept, key=lambda r: r.wall)[len(kept) // 2]
        info["single"] = {
            "provider": typical,
            "wall": single.wall,
            "cpu": single.cpu,
            "walls": [r.wall for r in singles],
            "kept_wall": again.wall,
            "kept_cpu": again.cpu,
            "kept_walls": [r.wall for r in kept],
        }
        print(
            f"los rapport: {single.wall:.2f} s, periode bewaard: {again.wall:.2f} s",
            file=sys.stderr,
        )

        # the batch, then a no-op re-run
        out, work, stats_file = tmp / "out", tmp / "work", tmp / "stats.json"
        batch_cmd = [
            tevreden,
            "batch",
            "--data",
            str(data),
            "--out",
            str(out),
            "--work",
            str(work),
            "--quiet",
            "--stats",
            str(stats_file),
        ]
        if args.jobs:
            batch_cmd += ["--jobs", str(args.jobs)]
        for path in (out, work):
            shutil.rmtree(path, ignore_errors=True)
        b = run(batch_cmd, cwd=tmp)
        stats = json.loads(stats_file.read_text())
        shutil.copy(stats_file, tmp / "stats-batch.json")
        if stats["failed"]:
            raise RuntimeError(f"batch: {stats['failed']} mislukt\n{b.stdout}")
        reports = stats["reports"]
        info["batch"] = {
            "wall": b.wall,
            "cpu": b.cpu,
            "max_process_rss_mb": b.maxrss_mb,
            "workers": stats["workers"],
            "phases": stats["phases"],
            "per_report_wall_in_worker": statistics.mean(r["wall"] for r in reports),
            "per_report_cpu_in_worker": statistics.mean(r["cpu"] for r in reports),
            "per_report_cpu_p95": sorted(r["cpu"] for r in reports)[int(0.95 * (len(reports) - 1))],
            "worker_peak_rss_mb": max(stats["worker_peak_rss_mb"]),
            "worker_peak_pss_mb": stats["worker_peak_pss_mb"],
            "worker_processes": len({r["pid"] for r in reports}),
        }
        print(f"batch: {b.wall:.1f} s", file=sys.stderr)
        noop = run(batch_cmd, cwd=tmp)
        noop_stats = json.loads(stats_file.read_text())
        assert noop_stats["skipped"] == len(ids) and noop_stats["rendered"] == 0, noop.stdout
        info["noop"] = {"wall": noop.wall, "cpu": noop.cpu}
        print(f"no-op: {noop.wall:.2f} s", file=sys.stderr)

        # the naive loop on a spread of providers
        chosen = spread(ids, args.naive)
        naive = naive_loop(period, chosen, tmp)
        info["naive"] = {
            "providers": chosen,
            "runs": naive,
            "per_report_wall": statistics.mean(r["wall"] for r in naive),
            "per_report_cpu": statistics.mean(r["cpu"] for r in naive),
            "papermill": statistics.mean(r["papermill"] for r in naive),
            "convert": statistics.mean(r["convert"] for r in naive),
        }

        if not args.no_profile:
            info["profile"] = profile_report(period, typical, tmp)
            info["cold"] = cold_breakdown(period, typical, tmp)
    finally:
        if args.dir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    info["machine"]["load_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    if args.json:
        args.json.write_text(json.dumps(info, indent=1, default=str))
    print(markdown(info))
    return 0


def _nl(x: float, decimals: int = 2) -> str:
    """Dutch decimal comma."""
    return f"{x:.{decimals}f}".replace(".", ",")


def _s(x: float) -> str:
    return f"{_nl(x, 2 if x < 10 else 1)} s"


def markdown(info: dict) -> str:
    """The table for the README (Dutch, like the README)."""
    m, n = info["machine"], info["providers"]
    b, naive, noop, single = info["batch"], info["naive"], info["noop"], info["single"]
    per_wall, per_cpu = b["wall"] / n, b["cpu"] / n
    speedup = naive["per_report_wall"] / per_wall
    k = len(naive["runs"])
    noop_ok = (
        check(noop["wall"] < TARGETS["noop_500_s"]) if n >= 500 else "(meet met --providers 500)"
    )
    ram = f"{m['ram_gb']:.0f} GB RAM" if m.get("ram_gb") else "RAM onbekend"
    load = m.get("load") or [float("nan")]
    load_after = m.get("load_after") or [float("nan")]
    lines = [
        f"Machine: {m['nproc']} kernen ({m['cpu']}), {ram}, Python {m['python']}, {m['os']}; "
        f"belasting (load average) voor/na: {_nl(load[0], 1)} / {_nl(load_after[0], 1)}.",
        f"Data: {n} dienstverleners, {info['data']['persons']} personen (demoperiode "
        f"{SPEC.period}); per rapport HTML + PDF.",
        "",
        "| meting | batch (`tevreden batch`) | naïeve lus (papermill + conversie per dienstverlener) | doel |",
        "|---|---|---|---|",
        f"| doorlooptijd, alle {n} rapporten | {_s(b['wall'])} | {_s(naive['per_report_wall'] * n)} "
        f"(geëxtrapoleerd uit {k}) | |",
        f"| doorlooptijd per rapport | {_s(per_wall)} | {_s(naive['per_report_wall'])} | naïef/batch ≥ 5×: "
        f"**{_nl(speedup, 1)}×** {check(speedup >= TARGETS['speedup'])} |",
        f"| kernseconden per rapport (alle processen) | {_nl(per_cpu)} | {_nl(naive['per_report_cpu'])} | "
        f"≤ {_nl(TARGETS['core_s_per_report'], 1)} {check(per_cpu <= TARGETS['core_s_per_report'])} |",
        f"| kernseconden per rapport in een werkproces (gemiddeld / p95) | "
        f"{_nl(b['per_report_cpu_in_worker'])} / {_nl(b['per_report_cpu_p95'])} | | |",
        f"| piekgeheugen per werkproces (RSS / PSS) | {b['worker_peak_rss_mb']:.0f} MB / "
        f"{b['worker_peak_pss_mb']:.0f} MB | | < {TARGETS['worker_mb']:.0f} MB "
        f"{check(b['worker_peak_rss_mb'] < TARGETS['worker_mb'])} |",
        f"| nogmaals draaien zonder wijzigingen | {_s(noop['wall'])} ({_nl(noop['cpu'], 1)} kernseconden) | — | "
        f"500 dienstverleners < {TARGETS['noop_500_s']:.0f} s {noop_ok} |",
        f"| één rapport met de hand, koude start (`tevreden render`) | {_s(single['wall'])} (mediaan van "
        f"{len(single['walls'])}; {_nl(single['cpu'])} kernseconden) | papermill {_s(naive['papermill'])} + conversie {_s(naive['convert'])} | "
        f"< {TARGETS['single_s']:.0f} s {check(single['wall'] < TARGETS['single_s'])} |",
        *(
            [
                f"| hetzelfde rapport opnieuw, periode bewaard in de werkmap | "
                f"{_s(single['kept_wall'])} (mediaan van {len(single['kept_walls'])}; "
                f"{_nl(single['kept_cpu'])} kernseconden) | | "
                f"< {TARGETS['single_s']:.0f} s {check(single['kept_wall'] < TARGETS['single_s'])} |"
            ]
            if "kept_wall" in single
            else []
        ),
        "",
        "Fasen van de batch: "
        + ", ".join(f"{k_} {_s(v)}" for k_, v in b["phases"].items())
        + f"; {b['workers']} werkprocessen tegelijk, {b.get('worker_processes', '?')} in totaal "
        f"(een werkproces wordt vervangen als het {RECYCLE_MB:.0f} MB boven het hoofdproces groeit).",
    ]
    if "profile" in info:
        p, c = info["profile"], info["cold"]
        lines += [
            "",
            f"Waar de tijd van één warm rapport heen gaat, op één kern zoals in de batch (timers, gemiddelde van 3 verschillende dienstverleners, elk voor het eerst; "
            f"{_s(p['wall'])}, kernseconden: Python {_nl(p['cpu_self'])} + pandoc {_nl(p['cpu_children'])}):",
            "",
            "| stap | seconden |",
            "|---|---|",
            *[
                f"| {label.replace('  ', '&nbsp;&nbsp;')} | {_nl(secs)} |"
                for label, secs in p["steps"].items()
            ],
            "",
            f"Koude start van één rapport, de stappen na elkaar ({_s(c['total'])}; "
            "`tevreden render` leest de data naast de imports in): interpreter "
            f"{_s(c['interpreter'])}, imports {_s(c['imports'])}, data lezen en valideren "
            f"{_s(c['load_validate'])}, eerste rapport {_s(c['first_render'])}.",
            "",
            "Functies met de meeste eigen tijd (cProfile, dat Python-code vertraagt): "
            + ", ".join(f"`{f}` {_s(sec)}" for f, sec in p["top_tottime"][:8])
            + ".",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
