"""Render the reports of many providers: every provider of every period under a data folder.

The batch runs named steps in order:

1. **hash** every period's data files and codebooks, the settings, the template and the
   package code once (:mod:`hashing`);
2. **plan**: a provider whose stamp carries the same digest and whose outputs are untouched
   is skipped (``force`` re-renders); when nothing is stale no data is even read;
3. **load** the periods that have work, once: read, validate and aggregate
   (:meth:`Survey.precompute`) in the parent process; invalid data stops the batch before
   anything is rendered;
4. **render** on every core: worker processes are forked from the parent, so they inherit
   the loaded survey, the imported libraries and the parsed template (warm workers, no
   per-report start-up). Each provider renders in its own work directory. A failing report
   is recorded with its message; a worker that dies (a crash, the out-of-memory killer) is
   replaced and the reports it was running are retried one by one, so only the provider that
   kills a worker on its own is reported as failed. Workers are replaced by fresh forks
   (cheap: the parent stays warm) once one grows :data:`RECYCLE_MB` past the parent, so
   memory that reports leave behind cannot pile up. With ``dask`` the same reports run on a Dask
   cluster instead (its Client is an Executor);
5. **stamp** each rendered report (atomically, after its outputs) and **write the
   overview** of each period (:mod:`overview`).

One provider's failure never stops the others: failures are listed at the end and
:attr:`BatchResult.ok` is False.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import multiprocessing
import multiprocessing.connection as mp_connection
import os
import resource
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from . import hashing
from .config import FORMATS, TEMPLATE, Settings
from .errors import ConfigError, TevredenError
from .fsutil import atomic_write, safe_name

#: Per period: ``<out>/<period>/.stamps/_period.json`` (provider names never start with ``_``).
PERIOD_MANIFEST = "_period"

# user-facing messages (Dutch), kept together
MSG_CRASHED = "werkproces onverwacht gestopt, ook bij een tweede poging"
MSG_NO_PERIOD = "geen meetperiode (period.yaml) gevonden in {data}"
MSG_DUPLICATE = "periode-id {id} komt voor in twee mappen: {a} en {b}"
MSG_UNKNOWN = "onbekende dienstverlener(s) {ids}; bijvoorbeeld: {known}"
MSG_NO_DASK = (
    "--dask vereist de pakketten dask en distributed: pip install 'tevredenheidsrapport[dask]'"
)
MSG_DASK_CONNECT = "kan geen verbinding maken met Dask-scheduler {address}: {error}"
BAR_LABEL = "rapporten"
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: A worker is replaced by a fresh fork once its peak memory is this much (MB) above the
#: parent's: pages it shares with the parent count from the start, and a report's own work
#: needs well under 100 MB.
RECYCLE_MB = 120.0


@dataclass(frozen=True)
class Job:
    """One report to render: where its data is, where its outputs go, and its input digest."""

    period_dir: Path
    period_id: str
    provider: str
    out_dir: Path
    key: str

    @property
    def name(self) -> str:
        return safe_name(self.provider)


@dataclass(frozen=True)
class _Task:
    """What every job of a batch shares (sent along with each job; small)."""

    settings: Settings
    formats: tuple[str, ...]
    template: str
    work_root: str


@dataclass
class Outcome:
    """What rendering one report gave, measured in the process that rendered it."""

    period: str
    provider: str
    ok: bool
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    wall: float = 0.0  # seconds
    cpu: float = 0.0  # core-seconds of the worker and its subprocesses (pandoc)
    pid: int = 0
    maxrss_mb: float = 0.0  # the worker's peak resident memory so far
    pss_mb: float | None = None  # its share of memory now, shared pages split (Linux only)


@dataclass
class BatchResult:
    """Outcome of a batch: rendered, skipped and failed providers, and where time went."""

    rendered: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    reports: list[Outcome] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    overviews: list[Path] = field(default_factory=list)
    workers: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """A Dutch summary for the terminal."""
        line = (
            f"{len(self.rendered)} gerenderd, {len(self.skipped)} overgeslagen (ongewijzigd), "
            f"{len(self.failed)} mislukt in {self.seconds:.1f} s"
        )
        if self.skipped and not self.rendered and not self.failed:
            line += "; gebruik --force om toch opnieuw te renderen"
        lines = [line]
        lines += [f"overzicht: {p}" for p in self.overviews]
        for period, provider, message in self.failed:
            lines.append(f"  MISLUKT {period}/{provider}: {message}")
        return "\n".join(lines)

    def stats(self) -> dict:
        """Measurements for benchmarks and monitoring (JSON-serialisable)."""
        peaks: dict[int, float] = {}
        for r in self.reports:
            peaks[r.pid] = max(peaks.get(r.pid, 0.0), r.maxrss_mb)
        return {
            "seconds": self.seconds,
            "workers": self.workers,
            "rendered": len(self.rendered),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "phases": self.phases,
            "worker_peak_rss_mb": sorted(peaks.values(), reverse=True),
            "worker_peak_pss_mb": max((r.pss_mb or 0.0 for r in self.reports), default=0.0),
            "reports": [asdict(r) for r in self.reports],
        }


# --------------------------------------------------------------------------- the batch


@dataclass
class BatchPlan:
    """What a batch would do: the periods, the reports to render and those that are fresh."""

    periods: list[_Plan]
    todo: list[Job]
    skipped: list[tuple[str, str]]
    base: str  # digest of code, template, settings and formats
    formats: tuple[str, ...]
    template: Path
    phases: dict[str, float] = field(default_factory=dict)


def plan_batch(
    data: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings,
    formats: Sequence[str] = FORMATS,
    providers: Sequence[str] | None = None,
    force: bool = False,
    template: str | Path = TEMPLATE,
) -> BatchPlan:
    """Hash the inputs once and decide which reports are stale (steps 1 and 2).

    Data is only read when a period's provider list is not known from an earlier batch
    with the same data. Raises like :func:`render_batch`.
    """
    t0 = time.perf_counter()
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"onbekend formaat {bad}; kies uit {', '.join(FORMATS)}")
    out_dir = Path(out_dir).resolve()
    template = Path(template).resolve()
    from .dataset import find_periods  # imported here: pandas is not needed for `--help`

    dirs = find_periods(data)
    if not dirs:
        raise FileNotFoundError(MSG_NO_PERIOD.format(data=data))
    base = hashing.combine(hashing.code_digest(template), settings.fingerprint(), sorted(formats))
    periods = [_Plan(hashing.scan_period(d), out_dir) for d in dirs]
    t1 = time.perf_counter()
    for plan in periods:
        plan.providers = None if plan.inputs.id is None else _read_manifest(plan)
        if plan.providers is None:
            plan.load(settings)
    _check_unique(periods)
    _check_selection(periods, providers)
    todo: list[Job] = []
    skipped: list[tuple[str, str]] = []
    for plan in periods:
        for pid in plan.selected(providers):
            job = Job(plan.inputs.path, plan.period_id, pid, plan.out, plan.key(base, pid))
            if not force and hashing.is_fresh(job.out_dir, job.name, job.key, formats):
                skipped.append((job.period_id, pid))
            else:
                todo.append(job)
    phases = {"hash": t1 - t0, "plan": time.perf_counter() - t1}
    return BatchPlan(periods, todo, skipped, base, formats, template, phases)


def render_batch(
    data: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings,
    formats: Sequence[str] = FORMATS,
    providers: Sequence[str] | None = None,
    work_root: str | Path = "_work",
    progress: bool = True,
    force: bool = False,
    jobs: int | None = None,
    dask: str | None = None,
    template: str | Path = TEMPLATE,
    overview: bool = True,
) -> BatchResult:
    """Render every (or the selected) provider of every period under ``data``.

    Outputs go to ``out_dir/<period>/``: per provider HTML, PDF and the JSON sidecar, a
    stamp in ``.stamps/``, and per period the overview (``index.html``, ``overzicht.csv``,
    ``overzicht.xlsx``). Reports whose inputs did not change are skipped unless ``force``.
    ``jobs`` worker processes (default: every core); ``dask`` is ``"local"`` or a scheduler
    address to run on a Dask cluster instead.

    Raises FileNotFoundError when ``data`` holds no period, DataError before rendering
    anything when a period with work to do has invalid data, KeyError for unknown
    ``providers``, ConfigError when Dask is asked for but unavailable. A failing report does
    not raise: see :attr:`BatchResult.failed`.
    """
    t0 = time.perf_counter()
    plan = plan_batch(
        data,
        out_dir,
        settings=settings,
        formats=formats,
        providers=providers,
        force=force,
        template=template,
    )
    result = BatchResult(skipped=list(plan.skipped), phases=dict(plan.phases))

    # 3. load every period with work, before rendering anything (invalid data stops here)
    t = time.perf_counter()
    stale = {job.period_dir for job in plan.todo}
    for period in plan.periods:
        if period.inputs.path in stale:
            period.load(settings).precompute()
    result.phases["load"] = time.perf_counter() - t

    # 4. render
    t = time.perf_counter()
    if plan.todo:
        task = _Task(settings, plan.formats, str(plan.template), str(Path(work_root).resolve()))
        result.workers = max(1, min(jobs or _cores(), len(plan.todo)))
        bar = _Bar(
            total=len(plan.todo),
            desc=BAR_LABEL,
            unit="rapport",
            disable=not progress,
            dynamic_ncols=True,
        )

        def done(job: Job, outcome: Outcome) -> None:
            result.reports.append(outcome)
            if outcome.ok:
                hashing.write_stamp(
                    job.out_dir,
                    job.name,
                    job.key,
                    outcome.outputs,
                    provider=job.provider,
                    period=job.period_id,
                )
                result.rendered.append((job.period_id, job.provider))
            else:
                result.failed.append(
                    (job.period_id, job.provider, outcome.error or "onbekende fout")
                )
                if progress:  # at once, above the bar; the summary repeats it
                    bar.write(
                        f"MISLUKT {job.period_id}/{job.provider}: {outcome.error}", file=sys.stderr
                    )
            bar.set_postfix_str(f"{job.period_id}/{job.provider}", refresh=False)
            bar.update()

        try:
            if dask:
                _run_dask(plan.todo, task, dask, result.workers, done)
            else:
                _warm(plan.template)
                _run_local(plan.todo, task, result.workers, done)
        finally:
            bar.close()
    result.phases["render"] = time.perf_counter() - t

    # 5. overview of each period that changed (or has none yet)
    t = time.perf_counter()
    if overview:
        result.overviews = _write_overviews(plan, result, settings)
    result.phases["overview"] = time.perf_counter() - t
    result.seconds = time.perf_counter() - t0
    return result


def _write_overviews(plan: BatchPlan, result: BatchResult, settings: Settings) -> list[Path]:
    """Rewrite the overview of every period this run touched, or that has none yet."""
    from .overview import overview_exists, write_overview

    touched = {p for p, _ in result.rendered} | {p for p, _, _ in result.failed}
    current = set(result.rendered) | set(result.skipped)
    written = []
    for period in plan.periods:
        if period.providers is None or (
            period.period_id not in touched and overview_exists(period.out)
        ):
            continue
        stale = {
            pid
            for pid, _ in period.providers
            if (period.period_id, pid) not in current
            and not hashing.is_fresh(
                period.out, safe_name(pid), period.key(plan.base, pid), plan.formats
            )
        }
        paths = write_overview(
            period.out,
            period.providers,
            failures={pid: msg for p, pid, msg in result.failed if p == period.period_id},
            stale=stale,
            title=settings.report.title,
        )
        written.append(paths["html"])
    return written


class _Plan:
    """One period of the batch: its inputs digest, output folder and providers."""

    def __init__(self, inputs: hashing.PeriodInputs, out_root: Path):
        self.inputs = inputs
        self.out_root = out_root
        self.period_id = inputs.id
        self.providers: list[tuple[str, str]] | None = None  # (id, name) in file order
        self.survey = None

    @property
    def out(self) -> Path:
        return self.out_root / safe_name(self.period_id)

    def key(self, base: str, provider: str) -> str:
        """The input digest of one provider's report."""
        return hashing.combine(base, self.inputs.digest, provider)

    def load(self, settings: Settings):
        """Read, validate and aggregate the period once (raises DataError); returns the Survey."""
        if self.survey is None:
            from .survey import get_survey

            self.survey = get_survey(self.inputs.path, settings)
            self.period_id = self.survey.period.id
            names = self.survey.dataset.providers["name"]
            self.providers = [
                (str(pid), str(names.loc[pid])) for pid in self.survey.dataset.providers.index
            ]
            _write_manifest(self)
        return self.survey

    def selected(self, wanted: Sequence[str] | None) -> list[str]:
        ids = [pid for pid, _ in self.providers or []]
        if not wanted:
            return ids
        keep = set(wanted)
        return [pid for pid in ids if pid in keep]


def _read_manifest(plan: _Plan) -> list[tuple[str, str]] | None:
    """Providers of the period from the last batch, when its data has not changed since."""
    path = hashing.stamp_path(plan.out, PERIOD_MANIFEST)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("data") != plan.inputs.digest:
        return None
    return [(str(pid), str(name)) for pid, name in manifest.get("providers", [])]


def _write_manifest(plan: _Plan) -> None:
    """Remember the providers of this version of the period's data."""
    manifest = {"data": plan.inputs.digest, "period": plan.period_id, "providers": plan.providers}
    atomic_write(
        hashing.stamp_path(plan.out, PERIOD_MANIFEST),
        json.dumps(manifest, ensure_ascii=False) + "\n",
    )


def _check_unique(plans: Sequence[_Plan]) -> None:
    """ConfigError when two period folders have the same id (their outputs would mix)."""
    seen: dict[str, Path] = {}
    for plan in plans:
        other = seen.setdefault(safe_name(plan.period_id), plan.inputs.path)
        if other != plan.inputs.path:
            raise ConfigError(MSG_DUPLICATE.format(id=plan.period_id, a=other, b=plan.inputs.path))


def _check_selection(plans: Sequence[_Plan], wanted: Sequence[str] | None) -> None:
    """KeyError naming every selected provider that is in none of the periods."""
    if not wanted:
        return
    known = [pid for plan in plans for pid, _ in plan.providers or []]
    unknown = [p for p in dict.fromkeys(wanted) if p not in set(known)]
    if unknown:
        raise KeyError(MSG_UNKNOWN.format(ids=", ".join(unknown), known=", ".join(known[:8])))


class _Bar(tqdm):
    """Progress bar without tqdm's monitor thread (worker processes are forked)."""

    monitor_interval = 0


def _cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- workers


def _render_job(job: Job, task: _Task) -> Outcome:
    """Render one report in a worker; never raises for a failing report (returns the error)."""
    from .render import render_report

    t0, c0 = time.perf_counter(), _cpu_seconds()
    outcome = Outcome(job.period_id, job.provider, ok=False, pid=os.getpid())
    try:
        rendered = render_report(
            job.provider,
            job.period_dir,
            job.out_dir,
            settings=task.settings,
            formats=task.formats,
            template=task.template,
            work_root=task.work_root,
        )
        outcome.ok = True
        outcome.outputs = {kind: str(path) for kind, path in rendered.outputs.items()}
    except Exception as exc:  # one report's failure, whatever it is, must not stop the batch
        outcome.error = _message(exc)
    outcome.wall = time.perf_counter() - t0
    outcome.cpu = _cpu_seconds() - c0
    outcome.maxrss_mb = _maxrss_mb()
    outcome.pss_mb = _pss_mb()
    return outcome


def _message(exc: BaseException) -> str:
    """One line about ``exc``: our own errors as they are, others with their type."""
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    elif isinstance(exc, TevredenError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _cpu_seconds() -> float:
    """Core-seconds of this process and its finished subprocesses (pandoc) so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _maxrss_mb() -> float:
    """Peak resident memory of this process in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _rss_mb() -> float:
    """Resident memory of this process now, in MB (the peak where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return _maxrss_mb()


def _pss_mb() -> float | None:
    """Proportional set size in MB: resident memory with pages shared after fork split
    between the processes sharing them (None where /proc does not tell)."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _return_free_memory() -> None:
    """Give memory that reading the data freed back to the system before forking workers.

    Parsing leaves freed blocks in Arrow's pool and in the C heap (some 50 MB for 500
    providers); every worker would otherwise start with them resident. Best effort: only
    where the allocator offers it (glibc's malloc_trim).
    """
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def _warm(template: Path) -> None:
    """Pay imports and parsing once in the parent, so forked workers start warm."""
    import importlib

    from . import engine, render

    engine.register()
    render.template_notebook(template)
    for module in ("typst", "matplotlib.backends.backend_svg", "papermill.translators"):
        try:
            importlib.import_module(module)
        except ImportError:  # only a warm-up
            pass


def _worker_main(conn, parent: int, periods: Sequence[str], task: _Task) -> None:
    """A worker process: render the jobs the parent sends until it sends None."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from .survey import get_survey

    for path in periods:  # a no-op when forked: the parent's loaded surveys are inherited
        get_survey(path, task.settings)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(_render_job(job, task))


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel end this worker when the batch process dies, even by
    SIGKILL; otherwise orphaned workers would wait for work forever."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # no prctl: workers then end with the batch only
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _context() -> multiprocessing.context.BaseContext:
    """Fork where available (workers inherit the loaded data), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class _Worker:
    """One worker process and the job it is rendering (None when idle)."""

    def __init__(self, ctx, periods: Sequence[str], task: _Task):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, os.getpid(), tuple(periods), task),
            name="tevreden-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.job: Job | None = None

    def give(self, job: Job) -> None:
        self.job = job
        with contextlib.suppress(OSError):  # it just died: its sentinel will say so
            self.conn.send(job)

    def stop(self) -> None:
        """End the worker: politely when idle, at once when it is still rendering."""
        if self.job is None:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()

    def death(self) -> str:
        """Why the process ended, in Dutch."""
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                how = f"signaal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signaal {-code}"
        else:
            how = f"afsluitcode {code}"
        return f"{MSG_CRASHED} ({how})"


def _run_local(
    jobs: Sequence[Job], task: _Task, workers: int, done: Callable[[Job, Outcome], None]
) -> None:
    """Render on ``workers`` local processes, forked from this (warm) process.

    Each worker renders one report at a time, so a worker that dies (a crash, a kill, the
    out-of-memory killer) names its report: that report is retried once in a fresh worker
    and fails if its worker dies again. A worker whose memory has grown :data:`RECYCLE_MB`
    past the parent's is replaced between reports (a fork is cheap and starts warm), so
    memory reports leave behind cannot pile up over hundreds of reports. No threads run in
    this process, so forking is safe.
    """
    periods = sorted({str(job.period_dir) for job in jobs})
    todo = deque(jobs)
    ctx = _context()
    # Everything alive now (data, libraries) lives as long as the batch: keep the collector
    # of the forked workers off it, so they neither scan it nor copy its pages.
    gc.collect()
    gc.freeze()
    _return_free_memory()
    limit = _rss_mb() + RECYCLE_MB
    attempts: dict[Job, int] = {}
    pool: list[_Worker] = []
    try:
        pool = [_Worker(ctx, periods, task) for _ in range(workers)]
        while True:
            for i, worker in enumerate(pool):
                if worker.job is None and todo:
                    if not worker.process.is_alive():  # died while idle
                        worker.stop()
                        worker = pool[i] = _Worker(ctx, periods, task)
                    job = todo.popleft()
                    attempts[job] = attempts.get(job, 0) + 1
                    worker.give(job)
            busy = [w for w in pool if w.job is not None]
            if not busy:
                break
            ready = set(
                mp_connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            )
            for i, worker in enumerate(pool):
                if worker.job is None or not (
                    worker.conn in ready or worker.process.sentinel in ready
                ):
                    continue
                job, worker.job = worker.job, None
                try:
                    outcome = worker.conn.recv()
                except (EOFError, OSError):  # the worker died while rendering this job
                    reason = worker.death()
                    worker.stop()
                    pool[i] = _Worker(ctx, periods, task)
                    if attempts[job] < 2:
                        todo.appendleft(job)  # once more, in a fresh worker
                    else:
                        done(job, Outcome(job.period_id, job.provider, ok=False, error=reason))
                    continue
                if outcome.maxrss_mb > limit:
                    worker.stop()
                    pool[i] = _Worker(ctx, periods, task)
                done(job, outcome)
    finally:
        for worker in pool:
            worker.stop()
        gc.unfreeze()


def _drive(
    executor: Executor,
    jobs: Sequence[Job],
    limit: int,
    task: _Task,
    done: Callable[[Job, Outcome], None],
) -> None:
    """Run ``jobs`` on ``executor`` with at most ``limit`` in flight, reporting each to ``done``."""
    todo = deque(jobs)
    inflight: dict = {}
    while todo or inflight:
        while todo and len(inflight) < limit:
            job = todo.popleft()
            inflight[executor.submit(_render_job, job, task)] = job
        finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
        for future in finished:
            job = inflight.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # e.g. Dask's KilledWorker after its own retries
                outcome = Outcome(job.period_id, job.provider, ok=False, error=_message(exc))
            done(job, outcome)


def _run_dask(
    jobs: Sequence[Job],
    task: _Task,
    address: str,
    workers: int,
    done: Callable[[Job, Outcome], None],
) -> None:
    """Render on a Dask cluster: ``"local"`` starts a LocalCluster with ``workers`` processes.

    Workers load each period once (per worker process) from the shared file system.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ConfigError(MSG_NO_DASK) from exc
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,  # a report changes the working directory and pyplot state
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        else:
            client = Client(address, timeout="10s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise ConfigError(MSG_DASK_CONNECT.format(address=address, error=exc)) from exc
    try:
        slots = sum(client.nthreads().values()) or workers
        executor = client.get_executor(pure=False)
        _drive(executor, jobs, 2 * slots, task, done)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
