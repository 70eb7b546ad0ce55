"""The local process pool of the batch: warm workers forked from the parent.

Workers are forked from the parent after it loaded the data, so they inherit the loaded
surveys, the imported libraries and the parsed template (warm workers, no per-report
start-up). Each worker renders one report at a time; a worker that dies (a crash, the
out-of-memory killer) is replaced and its report is retried once in a fresh worker, so only
a report that kills a worker on its own fails. A worker is replaced by a fresh fork (cheap:
the parent stays warm) once it grows :data:`RECYCLE_MB` past the parent, so memory that
reports leave behind cannot pile up. On Linux the kernel ends the workers when the parent
dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection as mp_connection
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import probes
from .job import Outcome, Task, failed, render_job

if TYPE_CHECKING:
    from .plan import Job
    from .survey import Survey

MSG_CRASHED = "werkproces onverwacht gestopt, ook bij een tweede poging"
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: A worker is replaced by a fresh fork once its peak memory is this much (MB) above the
#: parent's: pages it shares with the parent count from the start, and a report's own work
#: needs well under 100 MB.
RECYCLE_MB = 120.0
#: The formats whose writing compiles with Typst: the PDF, and the PNGs of a Word file.
TYPST_FORMATS = frozenset({"pdf", "docx"})
#: How long a forked child may take to compile a one-letter PDF before forking is deemed
#: unsafe (:func:`forked_typst_works`; it takes some 60 ms when it is safe).
PROBE_TIMEOUT_S = 3.0
MSG_IN_PROCESS = (
    "Dit proces heeft al een PDF gemaakt; een werkproces dat er nu van wordt afgesplitst, "
    "zou vastlopen. De batch rendert daarom hier, één rapport tegelijk. Sneller gaat het in "
    "een nieuw proces (tevreden batch)."
)


#: What a report imports on first use, imported once in the parent instead of in every
#: worker (and again in every fresh fork that replaces one): the report's own modules, the
#: writers' libraries, and fontTools, whose font tables load as a first subset needs them.
WARM_MODULES = (
    "typst",
    "matplotlib.backends.backend_svg",
    "papermill.translators",
    "tevredenheidsrapport.report",
    "tevredenheidsrapport.docx",
    "tevredenheidsrapport.nlmap",
    "fontTools.subset",
    "lxml.etree",
)


def warm() -> None:
    """Pay the imports once in the parent, so forked workers start warm: every module of
    :data:`WARM_MODULES`, and the font tables a first HTML's font subset loads (one subset
    of one character; nothing is kept but the imported modules)."""
    import importlib

    from . import engine, webfigures

    engine.register()
    for module in WARM_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:  # only a warm-up
            pass
    webfigures.font_face("normal", {"a"})


def run_local(
    jobs: Sequence[Job],
    task: Task,
    surveys: Mapping[Path, Survey],
    workers: int,
    done: Callable[[Job, Outcome], None],
) -> None:
    """Render ``jobs`` on ``workers`` local processes, forked from this (warm) process.

    ``surveys`` holds the loaded period of every job (by ``job.period_dir``); forked workers
    inherit it. Each worker renders one report at a time, so a worker that dies names its
    report: that report is retried once in a fresh worker and fails if its worker dies
    again. Forking is safe as long as this process has not compiled a PDF itself: Typst's
    thread pool, once started, does not survive a fork, and a worker forked after it would
    wait in its first compile forever. The batch's parent never compiles, but a notebook
    that rendered a report before its batch has: a probe finds that out
    (:func:`forked_typst_works`), and the reports are then rendered in this process, one
    at a time (spawned workers would import the caller's script again, which a script
    without a ``__main__`` guard does not survive). A batch without a format that Typst
    compiles (:data:`TYPST_FORMATS`) is safe to fork either way, and keeps its workers.
    """
    if (
        TYPST_FORMATS & set(task.formats)
        and "fork" in multiprocessing.get_all_start_methods()
        and not forked_typst_works()
    ):
        print(MSG_IN_PROCESS, file=sys.stderr, flush=True)
        for job in jobs:
            done(job, render_job(job, task, surveys[job.period_dir]))
        return
    todo = deque(jobs)
    ctx = _context()
    inherited = _inheritable(surveys, ctx)
    # Everything alive now (data, libraries) lives as long as the batch: keep the collector
    # of the forked workers off it, so they neither scan it nor copy its pages.
    gc.collect()
    gc.freeze()
    probes.return_free_memory()
    limit = probes.rss_mb() + RECYCLE_MB

    def fresh() -> _Worker:
        return _Worker(ctx, inherited, task)

    attempts: dict[Job, int] = {}
    pool: list[_Worker] = []
    try:
        pool = [fresh() for _ in range(workers)]
        while True:
            for i, worker in enumerate(pool):
                if worker.job is None and todo:
                    if not worker.process.is_alive():  # died while idle
                        worker.stop()
                        worker = pool[i] = fresh()
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
                    pool[i] = fresh()
                    if attempts[job] < 2:
                        todo.appendleft(job)  # once more, in a fresh worker
                    else:
                        done(job, failed(job, reason))
                    continue
                if outcome.maxrss_mb > limit:
                    worker.stop()
                    pool[i] = fresh()
                done(job, outcome)
    finally:
        for worker in pool:
            worker.stop()
        gc.unfreeze()


def forked_typst_works(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a child forked from this process can compile a PDF without hanging.

    Nothing in the process tells whether Typst's thread pool was started (the batch imports
    typst in :func:`warm`, but only a compile starts the pool), so a forked child compiles a
    one-letter page: some 60 ms when forking is safe. Only a child that is not done within
    ``timeout`` makes forking unsafe (on a very slow machine that costs only speed); one
    that fails otherwise leaves the error to the reports, which would meet it too.
    """
    from .theme import FONT_DIR

    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        try:
            import typst

            page = b"#set page(width: 2cm, height: 1cm)\nx"
            typst.compile(page, font_paths=[str(FONT_DIR)], ignore_system_fonts=True)
        finally:
            os._exit(0)
    deadline = time.monotonic() + timeout
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return True
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False
        time.sleep(0.005)


def _context() -> multiprocessing.context.BaseContext:
    """Fork where available (workers inherit the loaded data), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _inheritable(
    surveys: Mapping[Path, Survey], ctx: multiprocessing.context.BaseContext
) -> dict[Path, Survey | None]:
    """What a worker is started with: the loaded surveys when forked (not copied, inherited);
    only their paths when spawned, and the worker loads them itself."""
    if ctx.get_start_method() == "fork":
        return dict(surveys)
    return dict.fromkeys(surveys)


def _worker_main(conn, parent: int, surveys: dict[Path, Survey | None], task: Task) -> None:
    """A worker process: render the jobs the parent sends until it sends None."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if None in surveys.values():  # spawned: load what a forked worker inherits
        from .survey import load_survey

        surveys = {
            path: survey if survey is not None else load_survey(path, task.settings)
            for path, survey in surveys.items()
        }
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(render_job(job, task, surveys[job.period_dir]))


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


class _Worker:
    """One worker process and the job it is rendering (None when idle)."""

    def __init__(self, ctx, surveys: dict[Path, Survey | None], task: Task):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, os.getpid(), surveys, task),
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
