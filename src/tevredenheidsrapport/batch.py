"""Render the reports of many providers: every provider of every period under a data folder.

The batch runs named steps in order, each owned by a module of its own:

1. **plan** (:mod:`plan`): hash every period's data files and codebooks, the settings, the
   template and the package code once; a provider whose stamp carries the same digest and
   whose outputs are untouched is skipped (``force`` re-renders); when nothing is stale no
   data is even read. Planning writes nothing;
2. **load** the periods that have work, once: read, validate and aggregate
   (:meth:`Survey.precompute`) in the parent process, kept in a dict by period folder;
   invalid data stops the batch before anything is written. The manifest of each period
   read (its providers, so that the next plan need not read the data) is written here;
3. **render** on every core (:mod:`pool`): worker processes forked from the parent inherit
   the loaded surveys, the imported libraries and the parsed template; a worker that dies is
   replaced and its report retried once. With ``dask`` the same reports run on a Dask
   cluster instead (:mod:`dask_backend`). Each report is rendered by :func:`job.render_job`;
4. **stamp** each rendered report (atomically, after its outputs) and **write the
   overview** of each period (:mod:`overview`).

One provider's failure never stops the others: failures are listed at the end and
:attr:`BatchResult.ok` is False.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from . import hashing, probes
from .config import DEFAULT_FORMATS, TEMPLATE, Settings
from .errors import OutputPathError
from .fsutil import MSG_IN_DATA, OUT_FOLDER, check_folders, is_within, remove_partials, safe_name
from .job import Outcome, Task
from .plan import BatchPlan, Job, plan_batch, write_manifest

if TYPE_CHECKING:
    from .survey import Survey

__all__ = ["BatchPlan", "BatchResult", "Job", "Outcome", "plan_batch", "render_batch"]

BAR_LABEL = "rapporten"


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


def render_batch(
    data: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings,
    formats: Sequence[str] = DEFAULT_FORMATS,
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

    Raises OutputPathError, before anything is read or written, when ``out_dir`` or
    ``work_root`` lies in the delivery or cannot be written; FileNotFoundError when ``data``
    holds no period, DataError before rendering anything when a period with work to do has
    invalid data, KeyError for unknown ``providers``, ConfigError when Dask is asked for but
    unavailable. A failing report does not raise: see :attr:`BatchResult.failed`.
    """
    t0 = time.perf_counter()
    check_folders(data, out_dir, work_root)
    plan = plan_batch(
        data,
        out_dir,
        settings=settings,
        formats=formats,
        providers=providers,
        force=force,
        template=template,
        work_root=work_root,
    )
    _check_period_outputs(plan)
    result = BatchResult(skipped=list(plan.skipped), phases=dict(plan.phases))

    t = time.perf_counter()
    surveys = load_surveys(plan, settings, work_root, jobs=jobs or probes.cores())
    result.phases["load"] = time.perf_counter() - t

    for period in plan.periods:  # what a killed run was writing is incomplete: remove it
        remove_partials(period.out)
        remove_partials(period.out / ".stamps")
    t = time.perf_counter()
    if plan.todo:
        from .render import load_template

        template = load_template(plan.template)  # parsed once, shared by every job
        task = Task(settings, plan.formats, template, str(Path(work_root).resolve()))
        result.workers = max(1, min(jobs or probes.cores(), len(plan.todo)))
        _render(plan, task, surveys, result, dask=dask, progress=progress)
    result.phases["render"] = time.perf_counter() - t

    t = time.perf_counter()
    if overview:
        result.overviews = _write_overviews(plan, result, settings)
    result.phases["overview"] = time.perf_counter() - t
    result.seconds = time.perf_counter() - t0
    return result


def _check_period_outputs(plan: BatchPlan) -> None:
    """Refuse a period whose output folder lies in the data of a period (``--data
    _output/2025 --out _output``): its stamps would change the digest of its own input."""
    for period in plan.periods:
        for source in plan.periods:
            if is_within(period.out, source.inputs.path):
                raise OutputPathError(
                    MSG_IN_DATA.format(what=OUT_FOLDER, path=period.out, data=source.inputs.path)
                )


def load_surveys(
    plan: BatchPlan,
    settings: Settings,
    work_root: str | Path | None = None,
    *,
    jobs: int = 1,
) -> dict[Path, Survey]:
    """Load every period with work, before rendering anything (invalid data stops here);
    with ``work_root`` through the period store there (:mod:`.periodstore`).

    Returns the loaded surveys by period folder (``Job.period_dir``), aggregated for the
    workers to share. Then records the providers of every period whose data was read and
    whose manifest did not know them yet, so the next plan need not read it again.
    ``jobs``: the cores it may use (:meth:`.Survey.precompute`).
    """
    surveys = {}
    for p in plan.stale_periods():
        surveys[p.inputs.path] = p.load(settings, work_root).precompute(jobs)
        if p.store is not None and not p.from_store:
            p.store.save(p.survey)
    for period in plan.periods:
        if period.providers is not None and not period.manifest_current:
            write_manifest(period)
    return surveys


def _render(
    plan: BatchPlan,
    task: Task,
    surveys: dict[Path, Survey],
    result: BatchResult,
    *,
    dask: str | None,
    progress: bool,
) -> None:
    """Render ``plan.todo`` locally or on Dask; stamp and record each report as it is done."""
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
            result.failed.append((job.period_id, job.provider, outcome.error or "onbekende fout"))
            if progress:  # at once, above the bar; the summary repeats it
                bar.write(
                    f"MISLUKT {job.period_id}/{job.provider}: {outcome.error}", file=sys.stderr
                )
        bar.set_postfix_str(f"{job.period_id}/{job.provider}", refresh=False)
        bar.update()

    try:
        if dask:
            from .dask_backend import run_dask

            run_dask(plan.todo, task, dask, result.workers, done)
        else:
            from .pool import run_local, warm

            warm()
            run_local(plan.todo, task, surveys, result.workers, done)
    finally:
        bar.close()


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


class _Bar(tqdm):
    """Progress bar without tqdm's monitor thread (worker processes are forked)."""

    monitor_interval = 0
