"""Rendering one report of a batch, wherever it runs: a forked worker or a Dask worker.

:func:`render_job` never raises for a failing report: it returns an :class:`Outcome` with
the error, measured in the process that rendered it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import probes
from .config import Settings
from .errors import TevredenError

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from .plan import Job
    from .survey import Survey


@dataclass(frozen=True)
class Task:
    """What every job of a batch shares (sent along with each job; small)."""

    settings: Settings
    formats: tuple[str, ...]
    template: NotebookNode  # the parsed report template (render.load_template)
    work_root: str


@dataclass
class Outcome:
    """What rendering one report gave, measured in the process that rendered it.

    ``cpu`` and the memory figures are of the whole process: in a Dask worker that runs
    several threads they include the reports rendered alongside.
    """

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


def render_job(job: Job, task: Task, survey: Survey) -> Outcome:
    """Render one report from the loaded ``survey`` of its period; never raises for it."""
    from .render import render_report

    t0, c0 = time.perf_counter(), probes.cpu_seconds()
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
            survey=survey,
        )
        outcome.ok = True
        outcome.outputs = {kind: str(path) for kind, path in rendered.outputs.items()}
    except Exception as exc:  # one report's failure, whatever it is, must not stop the batch
        outcome.error = error_message(exc)
    outcome.wall = time.perf_counter() - t0
    outcome.cpu = probes.cpu_seconds() - c0
    outcome.maxrss_mb = probes.maxrss_mb()
    outcome.pss_mb = probes.pss_mb()
    return outcome


def failed(job: Job, message: str) -> Outcome:
    """The outcome of a job that did not get to render (its worker died, Dask gave up)."""
    return Outcome(job.period_id, job.provider, ok=False, error=message)


def error_message(exc: BaseException) -> str:
    """One line about ``exc``: our own errors as they are, others with their type."""
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    elif isinstance(exc, TevredenError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
