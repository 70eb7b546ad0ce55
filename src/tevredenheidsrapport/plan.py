"""Planning a batch: which reports exist, and which of them are stale.

:func:`plan_batch` hashes every period's data files and codebooks, the settings, the
template and the package code once (:mod:`hashing`), and compares each report's digest with
its stamp. A period's providers come from its manifest (``.stamps/_period.json``, written by
the last batch that read the same data); only when there is none does planning read the data.

Planning only reads: it writes nothing, not even the manifest. :func:`write_manifest` is
called by the batch once it has loaded the data it is going to render from.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import hashing
from .config import DEFAULT_FORMATS, TEMPLATE, Settings, check_formats
from .errors import ConfigError, UnknownProviderError
from .fsutil import atomic_write, safe_name

if TYPE_CHECKING:  # pandas is not needed for `--help`
    from .periodstore import Store
    from .survey import Survey

#: Per period: ``<out>/<period>/.stamps/_period.json`` (provider names never start with ``_``).
PERIOD_MANIFEST = "_period"

# user-facing messages (Dutch), kept together
MSG_NO_PERIOD = "geen meetperiode (period.yaml) gevonden in {data}"
MSG_DUPLICATE = "periode-id {id} komt voor in twee mappen: {a} en {b}"


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


class PeriodPlan:
    """One period of the batch: its inputs digest, output folder and providers.

    ``providers`` is None until known, from the manifest or from the data; ``manifest_current``
    says whether the manifest on disk already records them for this version of the data.
    ``survey`` is the period as loaded while planning (None when planning did not read it);
    ``store`` its period store when loaded with a work folder, and ``from_store`` whether the
    survey came from there.
    """

    def __init__(self, inputs: hashing.PeriodInputs, out_root: Path):
        self.inputs = inputs
        self.out_root = out_root
        self.period_id = inputs.id
        self.providers: list[tuple[str, str]] | None = None  # (id, name) in file order
        self.manifest_current = False
        self.survey: Survey | None = None
        self.store: Store | None = None
        self.from_store = False

    @property
    def out(self) -> Path:
        return self.out_root / safe_name(self.period_id)

    def key(self, base: str, provider: str) -> str:
        """The input digest of one provider's report."""
        return hashing.combine(base, self.inputs.digest, provider)

    def load(self, settings: Settings, work_root: str | Path | None = None) -> Survey:
        """Read and validate the period once (raises DataError); returns the Survey.

        Learns the period's id and providers from the data. With ``work_root`` the survey
        comes from the period store there when its inputs did not change
        (:mod:`.periodstore`; :attr:`store` then says so). Writes nothing.
        """
        if self.survey is None:
            from .periodstore import Store
            from .survey import load_survey

            if work_root is not None:
                # the plan hashed the period already: the store's key reuses that digest
                self.store = Store.of(
                    self.inputs.path, settings, work_root, digest=self.inputs.digest
                )
                self.survey = self.store.load()
                self.from_store = self.survey is not None
            if self.survey is None:
                self.survey = load_survey(self.inputs.path, settings)
            self.period_id = self.survey.period.id
            names = self.survey.dataset.providers["name"]
            self.providers = [
                (str(pid), str(names.loc[pid])) for pid in self.survey.dataset.providers.index
            ]
        return self.survey

    def selected(self, wanted: Sequence[str] | None) -> list[str]:
        ids = [pid for pid, _ in self.providers or []]
        if not wanted:
            return ids
        keep = set(wanted)
        return [pid for pid in ids if pid in keep]


@dataclass
class BatchPlan:
    """What a batch would do: the periods, the reports to render and those that are fresh."""

    periods: list[PeriodPlan]
    todo: list[Job]
    skipped: list[tuple[str, str]]
    base: str  # digest of code, template, settings and formats
    formats: tuple[str, ...]
    template: Path
    phases: dict[str, float] = field(default_factory=dict)

    def stale_periods(self) -> list[PeriodPlan]:
        """The periods with at least one report to render, in order."""
        stale = {job.period_dir for job in self.todo}
        return [p for p in self.periods if p.inputs.path in stale]


def plan_batch(
    data: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings,
    formats: Sequence[str] = DEFAULT_FORMATS,
    providers: Sequence[str] | None = None,
    force: bool = False,
    template: str | Path = TEMPLATE,
    work_root: str | Path | None = None,
) -> BatchPlan:
    """Hash the inputs once and decide which reports are stale; writes nothing. A period
    it has to read comes from the period store under ``work_root`` when it can
    (:meth:`PeriodPlan.load`).

    Data is only read when a period's provider list is not known from an earlier batch
    with the same data. Raises FileNotFoundError when ``data`` holds no period, DataError
    when a period that had to be read is invalid, ConfigError for an unknown format or two
    periods with one id, and UnknownProviderError for unknown ``providers``.
    """
    t0 = time.perf_counter()
    formats = check_formats(formats)
    out_dir = Path(out_dir).resolve()
    template = Path(template).resolve()
    from .dataset import find_periods  # imported here: pandas is not needed for `--help`

    dirs = find_periods(data)
    if not dirs:
        raise FileNotFoundError(MSG_NO_PERIOD.format(data=data))
    base = hashing.combine(hashing.code_digest(template), settings.fingerprint(), sorted(formats))
    periods = [PeriodPlan(hashing.scan_period(d), out_dir) for d in dirs]
    t1 = time.perf_counter()
    for period in periods:
        period.providers = None if period.inputs.id is None else read_manifest(period)
        period.manifest_current = period.providers is not None
        if period.providers is None:
            period.load(settings, work_root)
    _check_unique(periods)
    _check_selection(periods, providers)
    todo: list[Job] = []
    skipped: list[tuple[str, str]] = []
    for period in periods:
        for pid in period.selected(providers):
            job = Job(period.inputs.path, period.period_id, pid, period.out, period.key(base, pid))
            if not force and hashing.is_fresh(job.out_dir, job.name, job.key, formats):
                skipped.append((job.period_id, pid))
            else:
                todo.append(job)
    phases = {"hash": t1 - t0, "plan": time.perf_counter() - t1}
    return BatchPlan(periods, todo, skipped, base, formats, template, phases)


def read_manifest(period: PeriodPlan) -> list[tuple[str, str]] | None:
    """Providers of the period from the last batch, when its data has not changed since."""
    path = hashing.stamp_path(period.out, PERIOD_MANIFEST)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("data") != period.inputs.digest:
        return None
    return [(str(pid), str(name)) for pid, name in manifest.get("providers", [])]


def write_manifest(period: PeriodPlan) -> None:
    """Remember the providers of this version of the period's data (atomically).

    Only for a period whose providers are known; afterwards ``manifest_current`` is True.
    """
    if period.providers is None:
        raise ValueError(f"providers of {period.inputs.path} are not known yet")
    manifest = {
        "data": period.inputs.digest,
        "period": period.period_id,
        "providers": period.providers,
    }
    atomic_write(
        hashing.stamp_path(period.out, PERIOD_MANIFEST),
        json.dumps(manifest, ensure_ascii=False) + "\n",
    )
    period.manifest_current = True


def _check_unique(periods: Sequence[PeriodPlan]) -> None:
    """ConfigError when two period folders have the same id (their outputs would mix)."""
    seen: dict[str, Path] = {}
    for period in periods:
        other = seen.setdefault(safe_name(period.period_id), period.inputs.path)
        if other != period.inputs.path:
            raise ConfigError(
                MSG_DUPLICATE.format(id=period.period_id, a=other, b=period.inputs.path)
            )


def _check_selection(periods: Sequence[PeriodPlan], wanted: Sequence[str] | None) -> None:
    """UnknownProviderError naming every selected provider that is in none of the periods."""
    if not wanted:
        return
    known = [pid for period in periods for pid, _ in period.providers or []]
    unknown = [p for p in dict.fromkeys(wanted) if p not in set(known)]
    if unknown:
        raise UnknownProviderError(unknown, None, known)
