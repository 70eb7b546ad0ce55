"""Render the reports of many providers: every provider of every period under a data folder.

Data is read, validated and aggregated once per period; each provider's report then only
slices it. One provider's failure never stops the others: it is reported with its error at
the end and the exit status says so.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .config import FORMATS, Settings
from .dataset import find_periods
from .errors import TevredenError
from .fsutil import safe_name
from .render import render_report
from .survey import get_survey


@dataclass
class BatchResult:
    """Outcome of a batch: rendered providers, failures with their message, time."""

    rendered: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """A Dutch summary for the terminal."""
        lines = [
            f"{len(self.rendered)} gerenderd, {len(self.skipped)} overgeslagen, "
            f"{len(self.failed)} mislukt in {self.seconds:.1f} s"
        ]
        for period, provider, message in self.failed:
            lines.append(f"  MISLUKT {period}/{provider}: {message}")
        return "\n".join(lines)


def render_batch(
    data: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings,
    formats: Sequence[str] = FORMATS,
    providers: Sequence[str] | None = None,
    work_root: str | Path = "_work",
    progress: bool = True,
) -> BatchResult:
    """Render every (or the selected) provider of every period under ``data``.

    Outputs go to ``out_dir/<period>/``. Raises DataError before rendering anything when a
    period's data is invalid.
    """
    t0 = time.perf_counter()
    result = BatchResult()
    periods = find_periods(data)
    if not periods:
        raise FileNotFoundError(f"geen meetperiode (period.yaml) gevonden in {data}")
    surveys = [(p, get_survey(p, settings)) for p in periods]  # validate everything first
    jobs = []
    for path, survey in surveys:
        ids = survey.provider_ids()
        if providers:
            unknown = [p for p in providers if p not in ids and len(surveys) == 1]
            if unknown:
                raise KeyError(f"onbekende dienstverlener(s) {', '.join(unknown)} in periode {survey.period.id}")
            ids = [p for p in ids if p in providers]
        jobs.extend((path, survey.period.id, pid) for pid in ids)
    bar = tqdm(jobs, desc="rapporten", unit="rapport", disable=not progress, dynamic_ncols=True)
    for path, period_id, pid in bar:
        bar.set_postfix_str(f"{period_id}/{pid}", refresh=False)
        try:
            render_report(
                pid,
                path,
                Path(out_dir) / safe_name(period_id),
                settings=settings,
                formats=formats,
                work_root=work_root,
            )
            result.rendered.append((period_id, pid))
        except (TevredenError, OSError, RuntimeError, ValueError, KeyError) as exc:
            result.failed.append((period_id, pid, str(exc).splitlines()[0]))
    result.seconds = time.perf_counter() - t0
    return result
