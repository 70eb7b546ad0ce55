"""``tevreden validate``: check a delivery against the data contract without rendering.

The rules themselves live in :mod:`checks` (tables) and :mod:`items` (answer columns of each
item type); :func:`dataset.load_period` runs them while it reads a period. This module only
gives the entry point that reports every problem instead of raising, so that the import graph
runs one way: ``validate`` -> ``dataset`` -> ``checks``.
"""

from __future__ import annotations

from pathlib import Path

from .dataset import load_all
from .errors import DataError, Problem


def validate_path(path: str | Path) -> list[Problem]:
    """Check one period directory or a directory of periods; return every problem found.

    An empty list means the data can be loaded and rendered.
    """
    try:
        load_all(path)
    except DataError as exc:
        return list(exc.problems)
    return []
