"""``tevreden validate``: check a delivery against the data contract without rendering.

The rules themselves live in :mod:`checks` (tables) and :mod:`items` (answer columns of each
item type); :func:`dataset.load_period` runs them while it reads a period. This module only
gives the entry points that report every problem instead of raising, so that the import graph
runs one way: ``validate`` -> ``dataset`` -> ``checks``.

Besides problems (the delivery cannot be used until they are solved) a validation has
notices (:class:`dataset.Notice`): warnings about a delivery that can be used, such as answer
codes renumbered through an SPSS file's value labels, or responses of persons outside the
netto sample, which do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .dataset import Notice, load_all
from .errors import DataError, Problem


@dataclass(frozen=True)
class Validation:
    """The outcome of validating a delivery: its problems and its notices (warnings)."""

    problems: tuple[Problem, ...]
    notices: tuple[Notice, ...]

    @property
    def ok(self) -> bool:
        """Whether the delivery can be loaded and rendered (notices do not stop it)."""
        return not self.problems

    def notice_lines(self) -> list[str]:
        """The notices as ``tevreden validate`` prints them: a heading, one line each."""
        if not self.notices:
            return []
        n = len(self.notices)
        head = "1 waarschuwing" if n == 1 else f"{n} waarschuwingen"
        return [f"{head}:", *(f"  - {notice}" for notice in self.notices)]


def validate_delivery(path: str | Path) -> Validation:
    """Check one period directory or a directory of periods: every problem and every notice.

    The notices are there also when the delivery has problems: a renumbered column may
    explain one of them.
    """
    notices: list[Notice] = []
    try:
        load_all(path, notices)
    except DataError as exc:
        return Validation(tuple(exc.problems), tuple(notices))
    return Validation((), tuple(notices))


def validate_path(path: str | Path) -> list[Problem]:
    """Check one period directory or a directory of periods; return every problem found.

    An empty list means the data can be loaded and rendered. The notices (warnings) are left
    out; :func:`validate_delivery` gives them too.
    """
    return list(validate_delivery(path).problems)
