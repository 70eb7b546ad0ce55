"""Settings and paths: the one module that knows where things are.

Settings come from ``params/default.yml`` (bureau, norms, publication rule, privacy
threshold), optionally overlaid by a researcher's own file and ``key=value`` overrides. They
are frozen dataclasses; derive variants with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES = PACKAGE_DIR / "resources"
#: The repository root when running from a checkout (src layout); used for defaults only.
PROJECT_ROOT = PACKAGE_DIR.parent.parent
DEFAULT_PARAMS = PROJECT_ROOT / "params" / "default.yml"
TEMPLATE = PROJECT_ROOT / "report_template.qmd"
DEMO_DATA = PROJECT_ROOT / "data" / "demo"
CODEBOOKS = PROJECT_ROOT / "data" / "codebooks"


@dataclass(frozen=True)
class Bureau:
    name: str
    short: str
    place: str
    email: str
    phone: str
    helpdesk_days: str
    helpdesk_hours: str
    hearing_weeks: int
    since: int


@dataclass(frozen=True)
class ReportText:
    title: str
    status: str
    keurmerk: str
    phone_calls_cap: int


@dataclass(frozen=True)
class Norm:
    total_min: float = 6.5
    service_min: float = 5.5
    insufficient_below: float = 6
    insufficient_as: float = 5


@dataclass(frozen=True)
class Tier:
    netto_max: int | None
    min_response: float


@dataclass(frozen=True)
class Publication:
    tiers: tuple[Tier, ...]
    service_requires_total: bool = True
    opdrachtgevers_always: bool = True

    def min_response(self, netto: int) -> float:
        """Return the minimum response (%) for a netto steekproef of ``netto``."""
        for tier in self.tiers:
            if tier.netto_max is None or netto <= tier.netto_max:
                return tier.min_response
        return self.tiers[-1].min_response


@dataclass(frozen=True)
class Privacy:
    min_answers: int = 3
    show_open_answers: bool = False


@dataclass(frozen=True)
class Settings:
    bureau: Bureau
    report: ReportText
    norm: Norm
    publication: Publication
    privacy: Privacy
    formats: tuple[str, ...] = ("html", "pdf")
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)

    def fingerprint(self) -> str:
        """A stable hash of every setting, for incremental rendering."""
        return hashlib.sha256(
            json.dumps(self.raw, sort_keys=True, default=str).encode()
        ).hexdigest()

    def as_dict(self) -> dict:
        """Plain dict of the settings (for the sidecar and the notebook parameters)."""
        d = asdict(self)
        d.pop("raw", None)
        return d


#: Every output format a report can be written in, and the ones written unless asked.
FORMATS = ("html", "pdf", "docx")
DEFAULT_FORMATS = ("html", "pdf")


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The asked formats in the order of :data:`FORMATS`; ConfigError for an unknown one.

    The one check for a format name: settings, the CLI, render and batch all call it."""
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"onbekend uitvoerformaat {bad}; toegestaan: {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in formats)


def _merge(base: dict, over: Mapping) -> dict:
    """Deep-merge ``over`` into a copy of ``base``."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _override(raw: dict, assignment: str) -> dict:
    """Apply one ``dotted.key=value`` override (value parsed as YAML)."""
    if "=" not in assignment:
        raise ConfigError(f"instelling '{assignment}' heeft de vorm sleutel=waarde nodig")
    key, value = assignment.split("=", 1)
    node: dict = raw
    parts = key.strip().split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            raise ConfigError(f"onbekende instelling '{key}'")
        node = node[part]
    if parts[-1] not in node:
        raise ConfigError(f"onbekende instelling '{key}'; bekend: {', '.join(sorted(node))}")
    node[parts[-1]] = yaml.safe_load(value)
    return raw


def load_settings(
    files: Iterable[str | Path] = (),
    overrides: Iterable[str] = (),
    *,
    base: str | Path = DEFAULT_PARAMS,
) -> Settings:
    """Read the default settings, overlay ``files`` and ``key=value`` ``overrides``.

    Raises ConfigError naming the file or key when something is wrong.
    """
    raw = _read_yaml(base)
    for f in files:
        raw = _merge(raw, _read_yaml(f))
    for o in overrides:
        raw = _override(raw, o)
    return settings_from_dict(raw)


def _read_yaml(path: str | Path) -> dict:
    """Read one YAML mapping."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"instellingen in {path} niet te lezen: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"instellingen in {path} moeten een YAML-mapping zijn")
    return data


def settings_from_dict(raw: Mapping) -> Settings:
    """Build :class:`Settings` from a parsed mapping; raises ConfigError on unknown keys."""
    try:
        pub = raw["publication"]
        formats = check_formats((raw.get("output") or {}).get("formats", DEFAULT_FORMATS))
        return Settings(
            bureau=Bureau(**raw["bureau"]),
            report=ReportText(**raw["report"]),
            norm=Norm(**raw.get("norm", {})),
            publication=Publication(
                tiers=tuple(
                    Tier(t.get("netto_max"), float(t["min_response"])) for t in pub["tiers"]
                ),
                service_requires_total=bool(pub.get("service_requires_total", True)),
                opdrachtgevers_always=bool(pub.get("opdrachtgevers_always", True)),
            ),
            privacy=Privacy(**raw.get("privacy", {})),
            formats=formats,
            raw=copy.deepcopy(dict(raw)),
        )
    except ConfigError:
        raise
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"instellingen onvolledig of onbekend veld: {exc}") from exc
