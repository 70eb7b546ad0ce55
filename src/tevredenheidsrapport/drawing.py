"""When and where the figures of a report are drawn: at once, or collected and drawn together.

Drawing and writing the SVG files is most of a report's work (some forty figures). In
Jupyter or under Quarto a figure must exist when its cell has run, so by default a
:class:`FigureSink` draws at once. Our renderer instead gives the report a collecting sink
(a cell only needs the file name of a figure) and then draws them all with
:func:`draw_all`: for a report rendered on its own, spread over forked processes so that
every core draws; in the batch, where every core already renders a report of its own, one
after the other in the worker. Forked processes inherit the drawing functions and their
data, so nothing is pickled; the files are byte-identical whichever process drew them.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from . import labels, theme
from .fsutil import is_within, safe_name

Drawing = Callable[[], object]  # returns the Axes (or Figure) it drew on
Pending = list[tuple[Path, Drawing]]

#: How long the parent waits for a helper process after drawing its own share; a helper
#: that takes longer is stopped and its figures are drawn by the parent.
HELPER_TIMEOUT_S = 120.0


class FigureSink:
    """Where a report's figures go: drawn at once, or collected and drawn together.

    ``FigureSink()`` draws every figure when it is saved (Jupyter, Quarto);
    ``FigureSink(collect=True)`` records the drawings for :meth:`draw_all`. A session owns
    one sink per report; there is no sink shared between reports.

    The name of a figure comes partly from data (a codebook's questionnaire and item ids),
    so the sink trusts no path it is given: the file name is made safe with
    :func:`~.fsutil.safe_name` (a safe name stays as it is), and the file must land in
    ``root`` (the report's work directory) or below it, symbolic links resolved; without
    ``root``, every figure must go into the directory of the sink's first figure. A path
    that leaves it, or whose directory does not exist, is refused with a ValueError before
    anything is drawn.
    """

    def __init__(self, *, collect: bool = False, root: str | os.PathLike[str] | None = None):
        self.collecting = collect
        self.pending: Pending = []
        self.root = Path(root) if root is not None else None

    def target(self, path: str | os.PathLike[str]) -> Path:
        """The file a figure meant for ``path`` is written to: ``<safe name>.svg`` in the
        directory of ``path``, which must lie inside the sink's root (see the class)."""
        path = Path(path)
        stem = path.name[: -len(".svg")] if path.name.endswith(".svg") else path.name
        target = path.parent / f"{safe_name(stem)}.svg"
        if self.root is None:
            self.root = path.parent
        if not is_within(target, self.root):
            raise ValueError(
                labels.FIGURE_OUTSIDE_WORK_DIR.format(path=str(path), root=str(self.root))
            )
        if not target.parent.is_dir():
            raise ValueError(
                labels.FIGURE_DIR_MISSING.format(path=str(path), directory=str(target.parent))
            )
        return target

    def save(self, path: str | os.PathLike[str], draw: Drawing) -> Path:
        """Draw ``draw()`` into an SVG file for ``path`` (see :meth:`target`): now, or later
        when collecting. Returns the file's path."""
        path = self.target(path)
        if self.collecting:
            self.pending.append((path, draw))
        else:
            _draw([(path, draw)])
        return path

    def draw_all(self, *, jobs: int = 1, alongside: Callable[[], None] | None = None) -> None:
        """Draw the collected figures (see :func:`draw_all`) and forget them."""
        pending, self.pending = self.pending, []
        draw_all(pending, jobs=jobs, alongside=alongside)


def draw_all(
    pending: Pending, *, jobs: int = 1, alongside: Callable[[], None] | None = None
) -> None:
    """Draw every collected figure, in ``jobs`` processes (the caller's included).

    The parent draws its own share, then waits for the helpers; a helper that fails or
    hangs is stopped and its share drawn again by the parent, so an error in a drawing is
    raised here, in the caller's process, with its own traceback.

    ``alongside`` is work that needs no figure (Pandoc reading the document): it runs in a
    thread of the caller while the figures are drawn, started only after the helpers are
    forked (so that none inherits a running thread), and is done when this returns. It
    keeps its own errors (this never raises one of them).
    """
    jobs = max(1, min(jobs, len(pending)))
    helpers: dict[int, Pending] = {}
    forks = jobs > 1 and hasattr(os, "fork")
    shares = [pending[i::jobs] for i in range(jobs)] if forks else [pending]
    for share in shares[1:]:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the helper, which never returns
            code = 1
            try:
                _draw(share)
                code = 0
            finally:
                os._exit(code)
        helpers[pid] = share
    thread = threading.Thread(target=alongside, daemon=True) if alongside else None
    try:
        if thread is not None:
            thread.start()
        _draw(shares[0])
    finally:
        failed = _wait(helpers, HELPER_TIMEOUT_S)
        if thread is not None:
            thread.join()
    for share in failed:
        _draw(share)


def _draw(share: Pending) -> None:
    """Draw and save a share of the figures in this process, in the report's style."""
    for path, draw in share:
        with theme.style():
            theme.save_svg(draw(), path)


def _wait(helpers: dict[int, Pending], timeout: float) -> list[Pending]:
    """Reap the helper processes; return the shares of those that did not finish well."""
    failed: list[Pending] = []
    deadline = time.monotonic() + timeout
    for pid, share in helpers.items():
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                if os.waitstatus_to_exitcode(status) != 0:
                    failed.append(share)
                break
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
                os.waitpid(pid, 0)
                failed.append(share)
                break
            time.sleep(0.002)
    return failed
