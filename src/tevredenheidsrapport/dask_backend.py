"""Running the reports of a batch on a Dask cluster instead of the local pool.

``"local"`` starts a LocalCluster; any other address is a running scheduler. Every worker
process loads each period it renders once, from the shared file system, and keeps it in a
worker plugin (:class:`BatchPlugin`); the plugin is removed when the batch ends.

A worker may run several threads, but it renders one report at a time: matplotlib's
rcParams are global to a process, and a report's scoped style (:func:`theme.style`) that
ends in one thread would reset them under a figure being saved in another (the SVG ids then
lose their fixed salt and the output is no longer byte-identical). A LocalCluster therefore
gets one thread per worker process, and more processes instead.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .errors import ConfigError
from .job import Outcome, Task, error_message, failed, render_job

try:  # optional: `pip install 'tevredenheidsrapport[dask]'`; run_dask says so when missing
    from distributed import Client, LocalCluster, WorkerPlugin, get_worker
except ImportError:
    Client = LocalCluster = get_worker = None
    WorkerPlugin = object

if TYPE_CHECKING:
    from .plan import Job
    from .survey import Survey

MSG_NO_DASK = (
    "--dask vereist de pakketten dask en distributed: pip install 'tevredenheidsrapport[dask]'"
)
MSG_DASK_CONNECT = "kan geen verbinding maken met Dask-scheduler {address}: {error}"
PLUGIN = "tevreden-batch"


class BatchPlugin(WorkerPlugin):
    """What one Dask worker keeps for a batch: the periods it loaded, and the lock that lets
    its threads render one report at a time.

    Loading is serialised per worker, so the threads of one worker read a period only once.
    """

    idempotent = False  # a new batch replaces the plugin of the last one: its data may differ

    def __init__(self) -> None:
        self._surveys: dict[tuple[str, str], Survey] = {}
        self._lock: threading.Lock | None = None
        self._rendering: threading.Lock | None = None

    def setup(self, worker=None) -> None:
        self._lock = threading.Lock()
        self._rendering = threading.Lock()

    def teardown(self, worker=None) -> None:
        self._surveys.clear()

    def survey(self, path: Path, settings: Settings, work_root: str) -> Survey:
        """The period at ``path``, loaded and aggregated on first use in this worker: from
        the period store the batch kept in ``work_root`` when the worker sees that folder
        (a worker on the batch's machine), else from the data (:mod:`.periodstore`)."""
        from .periodstore import load_kept

        if self._lock is None:
            raise RuntimeError("BatchPlugin.setup was not called")
        key = (str(path), settings.fingerprint())
        with self._lock:
            if key not in self._surveys:
                self._surveys[key] = load_kept(path, settings, work_root)
            return self._surveys[key]

    def render(self, job: Job, task: Task) -> Outcome:
        """Render ``job`` from the survey this worker keeps, one report at a time."""
        survey = self.survey(job.period_dir, task.settings, task.work_root)
        with self._rendering:
            return render_job(job, task, survey)


def _render_on_worker(job: Job, task: Task) -> Outcome:
    """A Dask task: render ``job`` on this worker (see :class:`BatchPlugin`)."""
    return get_worker().plugins[PLUGIN].render(job, task)


def run_dask(
    jobs: Sequence[Job],
    task: Task,
    address: str,
    workers: int,
    done: Callable[[Job, Outcome], None],
) -> None:
    """Render on a Dask cluster: ``"local"`` starts a LocalCluster with ``workers`` processes
    of one thread each; otherwise ``address`` is a scheduler.

    Raises ConfigError when Dask is not installed or the scheduler cannot be reached.
    """
    if Client is None:
        raise ConfigError(MSG_NO_DASK)
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,  # a worker renders one report at a time anyway
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
        client.register_plugin(BatchPlugin(), name=PLUGIN)
        slots = sum(client.nthreads().values()) or workers
        _drive(client.get_executor(pure=False), jobs, 2 * slots, task, done)
    finally:
        try:
            client.unregister_worker_plugin(PLUGIN)
        except Exception:  # noqa: BLE001 - best effort: the cluster may be gone already
            pass
        client.close()
        if cluster is not None:
            cluster.close()


def _drive(
    executor: Executor,
    jobs: Sequence[Job],
    limit: int,
    task: Task,
    done: Callable[[Job, Outcome], None],
) -> None:
    """Run ``jobs`` on ``executor`` with at most ``limit`` in flight, reporting each to ``done``."""
    todo = deque(jobs)
    inflight: dict = {}
    while todo or inflight:
        while todo and len(inflight) < limit:
            job = todo.popleft()
            inflight[executor.submit(_render_on_worker, job, task)] = job
        finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
        for future in finished:
            job = inflight.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # e.g. Dask's KilledWorker after its own retries
                outcome = failed(job, error_message(exc))
            done(job, outcome)
