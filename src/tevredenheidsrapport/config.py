"""Settings and paths: the one module that knows where things are.

Settings come from ``params/default.yml`` (bureau, norms, publication rule, privacy
threshold), optionally overlaid by a researcher's own file and ``key=value`` overrides. They
are frozen dataclasses; derive variants with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from . import yamlsafe
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


#: The lowest thresholds a settings file may choose (README, *Privacy*): fewer answers or
#: fewer other providers would let a reader recognise a respondent or work a value out.
MIN_ANSWERS_FLOOR = 3
MIN_PROVIDERS_FLOOR = 3


@dataclass(frozen=True)
class Privacy:
    """The privacy rules (README, *Privacy*): thresholds and the protection a hidden value
    keeps against a reader who does arithmetic with everything a report shows."""

    min_answers: int = 3
    show_open_answers: bool = False
    #: Background items (gender, education, benefit) need more answers than other items.
    background_min_answers: int = 10
    #: A benchmark is shown only when, without any one provider, at least this many other
    #: providers and ``min_answers`` answers remain in it.
    benchmark_min_providers: int = 3
    #: The narrowest interval a reader may be able to pin a hidden mean grade to, in points
    #: on the 1-10 scale (secondary suppression, :mod:`.privacy`).
    protection_grade: float = 4.5

    @property
    def background_threshold(self) -> int:
        """Answers a background item needs: its own threshold, never below ``min_answers``."""
        return max(self.background_min_answers, self.min_answers)


@dataclass(frozen=True)
class Statistics:
    """Intervals and tests (README, *Onzekerheid en significantie*, :mod:`.stats`)."""

    #: Confidence level of the interval of a mean grade.
    level: float = 0.95
    #: No test where the provider or the rest has fewer answers than this.
    min_answers: int = 10
    #: Benjamini-Hochberg false discovery rate over the tests of one report.
    fdr: float = 0.05
    #: The test of a share against the rest (``fisher``) and of a mean (``welch``); ``geen``
    #: switches the test off.
    shares: str = "fisher"
    means: str = "welch"


SHARE_TESTS = ("fisher", "geen")
MEAN_TESTS = ("welch", "geen")


@dataclass(frozen=True)
class Settings:
    bureau: Bureau
    report: ReportText
    norm: Norm
    publication: Publication
    privacy: Privacy
    formats: tuple[str, ...] = ("html", "pdf")
    statistics: Statistics = field(default_factory=Statistics)
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
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(node.get(part), dict):
            raise ConfigError(_unknown_set(key, parts[:depth], part, node))
        node = node[part]
    if parts[-1] not in node:
        raise ConfigError(_unknown_set(key, parts[:-1], parts[-1], node))
    node[parts[-1]] = yamlsafe.load_text(value)  # no alias bombs, no duplicate keys
    return raw


def _unknown_set(key: str, parents: list[str], part: str, node: Mapping) -> str:
    """The message for ``--set key=...`` whose ``part`` is not a key of ``node``."""
    known = [str(k) for k in node] if isinstance(node, Mapping) else []
    if part in known:
        leaf = ".".join([*parents, part])
        return f"--set: onbekende instelling '{key.strip()}'; {leaf} is zelf een instelling"
    rest = key.strip().split(".")[len(parents) + 1 :]
    hint = _closest(part, known) if known else None
    if hint:
        suggestion = ".".join([*parents, hint, *rest])
        return f"--set: onbekende instelling '{key.strip()}'; bedoelt u '{suggestion}'?"
    if known:
        return f"--set: onbekende instelling '{key.strip()}'; bekend: {', '.join(sorted(known))}"
    return f"--set: onbekende instelling '{key.strip()}'"


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
    schema = copy.deepcopy(raw)
    for f in files:
        data = _read_params(f)
        check_keys(data, schema, f"instellingenbestand {f}")
        raw = _merge(raw, data)
    overrides = list(overrides)
    for o in overrides:
        try:
            raw = _override(raw, o)
        except yaml.YAMLError as exc:
            reason, _ = yamlsafe.describe(exc)  # never the text itself
            raise ConfigError(
                f"--set {o.split('=', 1)[0].strip()}: de waarde is geen geldige YAML: {reason}"
            ) from exc
    if overrides:
        _raise_all(_unknown_keys(raw, schema, "--set"))
    return settings_from_dict(raw)


def _read_params(path: str | Path) -> dict:
    """Read a researcher's settings file (``--params``): a regular file holding a YAML
    mapping. What it holds is never repeated in a message: it may be any file at all
    (:func:`check_keys` refuses a mapping that is not a settings file)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"instellingenbestand {path} bestaat niet")
    if path.is_dir():
        raise ConfigError(f"instellingenbestand {path} is een map, geen bestand met instellingen")
    if not path.is_file():
        raise ConfigError(
            f"instellingenbestand {path} is geen gewoon bestand (maar bv. een apparaat of pijp)"
        )
    return _read_yaml(path)  # its messages name the line, never what is on it


def _read_yaml(path: str | Path) -> dict:
    """Read one YAML mapping: a regular file (a link to one is fine: the user's own file)
    within the size cap, without alias bombs or duplicate keys (:mod:`yamlsafe`)."""
    try:
        data = yamlsafe.load_file(path, follow_symlinks=True) or {}
    except yaml.YAMLError as exc:
        reason, line = yamlsafe.describe(exc)  # never the excerpt of the file PyYAML adds
        where = f" (regel {line})" if line else ""
        raise ConfigError(f"instellingen in {path} niet te lezen{where}: {reason}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"instellingen in {path} moeten een YAML-mapping zijn")
    return data


def settings_from_dict(raw: Mapping) -> Settings:
    """Build :class:`Settings` from a parsed mapping; raises ConfigError naming the setting
    when a value has the wrong type or lies outside its range (:func:`check_values`)."""
    check_values(raw)
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
            privacy=_privacy(raw.get("privacy") or {}),
            formats=formats,
            statistics=_statistics(raw.get("statistics") or {}),
            raw=copy.deepcopy(dict(raw)),
        )
    except ConfigError:
        raise
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"instellingen onvolledig of onbekend veld: {exc}") from exc


def _privacy(values: Mapping) -> Privacy:
    """The privacy rules, the protection width as a float (``4`` in the file is ``4.0``)."""
    values = dict(values)
    if "protection_grade" in values:
        values["protection_grade"] = float(values["protection_grade"])
    return Privacy(**values)


def _statistics(values: Mapping) -> Statistics:
    values = dict(values)
    for key in ("level", "fdr"):
        if key in values:
            values[key] = float(values[key])
    return Statistics(**values)


# --------------------------------------------------------------------------- checks
#
# Every setting is checked before any work: a key params/default.yml does not have is
# refused (with the closest known key), and every value must have the type and range below.
# A file that is not a settings file is refused without showing what is in it.

#: Keys that may be named in a message: what a setting's name looks like. Anything else is a
#: line of a file that is not a settings file, and is never repeated back.
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,60}")
_SHOWN_CHARS = 40


def _show(value: object) -> str:
    """A value as a message shows it: YAML spelling, strings quoted and cut short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "leeg (null)"
    if isinstance(value, Mapping):
        return "een groep instellingen"
    if isinstance(value, list | tuple):
        return "een lijst"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _key_text(key: object) -> str | None:
    """``key`` as a message may name it, or None when it does not look like a setting."""
    return key if isinstance(key, str) and _KEY_NAME.fullmatch(key) else None


def _closest(key: str, known: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(key, [str(k) for k in known], n=1, cutoff=0.6)
    return match[0] if match else None


def _unknown_keys(data: Mapping, schema: Mapping, source: str, prefix: str = "") -> list[str]:
    """A message for every key of ``data``, at any depth, that ``schema`` does not have."""
    problems = []
    for key, value in data.items():
        name = _key_text(key)
        if key not in schema:
            where = f" onder '{prefix[:-1]}'" if prefix else ""
            if name is None:
                problems.append(
                    f"{source}: een sleutel{where} is geen instellingsnaam (alleen letters, "
                    "cijfers en _); de inhoud wordt niet getoond"
                )
                continue
            hint = _closest(name, schema)
            hint = (
                f"; bedoelt u '{prefix}{hint}'?"
                if hint
                else f"; bekend{where}: {', '.join(map(str, schema))}"
            )
            problems.append(f"{source}: onbekende instelling '{prefix}{name}'{hint}")
            continue
        known = schema[key]
        dotted = f"{prefix}{key}"
        if isinstance(known, Mapping):
            if not isinstance(value, Mapping):
                problems.append(
                    f"{source}: instelling '{dotted}' moet een groep instellingen zijn "
                    f"({', '.join(map(str, known))}), niet {_show(value)}"
                )
            else:
                problems += _unknown_keys(value, known, source, f"{dotted}.")
        elif isinstance(known, list) and isinstance(value, list):
            item_keys = {k: None for item in known if isinstance(item, Mapping) for k in item}
            if item_keys:
                for i, item in enumerate(value, start=1):
                    if isinstance(item, Mapping):
                        problems += _unknown_keys(item, item_keys, source, f"{dotted}[{i}].")
    return problems


def check_keys(data: Mapping, schema: Mapping, source: str) -> None:
    """Refuse ``data`` (read from ``source``) unless every key, at any depth, is a key of
    ``schema`` (the default settings). Raises ConfigError listing every unknown key.

    A mapping none of whose top-level keys is a setting, or even close to one, is not a
    settings file at all (a text file, a password file): it is refused as a whole, without
    repeating a line of it."""
    if data and not any(k in schema or (_key_text(k) and _closest(str(k), schema)) for k in data):
        raise ConfigError(
            f"{source}: dit is geen instellingenbestand, want geen van de sleutels is een instelling "
            f"uit params/default.yml (bekend: {', '.join(map(str, schema))}); "
            "de inhoud wordt niet getoond"
        )
    _raise_all(_unknown_keys(data, schema, source))


def _raise_all(problems: Sequence[str]) -> None:
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        raise ConfigError(
            f"{len(problems)} problemen in de instellingen:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def _whole(low: int | None = None, high: int | None = None) -> tuple[Callable, str]:
    def ok(value: object) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)  # true is not a number of answers
            and (low is None or value >= low)
            and (high is None or value <= high)
        )

    if high is None:
        return ok, f"een geheel getal van minstens {low}"
    return ok, f"een geheel getal van {low} tot en met {high}"


def _number(low: float, high: float) -> tuple[Callable, str]:
    def ok(value: object) -> bool:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        )

    return ok, f"een getal van {fmt_number(low)} tot en met {fmt_number(high)}"


def fmt_number(value: float) -> str:
    """``value`` as the settings file spells it (``4.5``, ``9``)."""
    return str(int(value)) if float(value).is_integer() else str(value)


_TEXT = (lambda v: isinstance(v, str) and v.strip() != "", "tekst (niet leeg)")
_BOOL = (lambda v: isinstance(v, bool), "true of false")
_GRADE = _number(1, 10)


def _one_of(*allowed: str) -> tuple[Callable, str]:
    return (lambda v: v in allowed, " of ".join(allowed))


#: The type and range of every scalar setting: dotted key -> (check, allowed values).
RULES = MappingProxyType(
    {
        **{
            f"bureau.{k}": _TEXT
            for k in (
                "name",
                "short",
                "place",
                "email",
                "phone",
                "helpdesk_days",
                "helpdesk_hours",
            )
        },
        "bureau.hearing_weeks": _whole(0, 52),
        "bureau.since": _whole(1900, 2100),
        **{f"report.{k}": _TEXT for k in ("title", "status", "keurmerk")},
        "report.phone_calls_cap": _whole(0),
        **{
            f"norm.{k}": _GRADE
            for k in ("total_min", "service_min", "insufficient_below", "insufficient_as")
        },
        "publication.service_requires_total": _BOOL,
        "publication.opdrachtgevers_always": _BOOL,
        "privacy.min_answers": _whole(MIN_ANSWERS_FLOOR),
        "privacy.background_min_answers": _whole(MIN_ANSWERS_FLOOR),
        "privacy.show_open_answers": _BOOL,
        "privacy.benchmark_min_providers": _whole(MIN_PROVIDERS_FLOOR),
        "privacy.protection_grade": _number(0.5, 9),
        "statistics.level": _number(0.5, 0.999),
        "statistics.min_answers": _whole(2),
        "statistics.fdr": _number(0.001, 0.5),
        "statistics.shares": _one_of(*SHARE_TESTS),
        "statistics.means": _one_of(*MEAN_TESTS),
    }
)


def _get(raw: Mapping, dotted: str) -> tuple[bool, object]:
    node: object = raw
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _refused(key: str, value: object, allowed: str) -> str:
    return f"instelling {key}: {_show(value)} is niet toegestaan; toegestaan: {allowed}"


def check_values(raw: Mapping) -> None:
    """Refuse settings of the wrong type or outside their range (:data:`RULES`, the
    publication tiers, the output formats). Raises ConfigError naming every such setting
    and the values it allows."""
    problems = []
    for key, (ok, allowed) in RULES.items():
        present, value = _get(raw, key)
        if present and not ok(value):
            problems.append(_refused(key, value, allowed))
    problems += _tier_problems(raw)
    present, formats = _get(raw, "output.formats")
    if present and (
        not isinstance(formats, list)
        or not formats
        or not all(isinstance(f, str) and f in FORMATS for f in formats)
    ):
        problems.append(
            _refused(
                "output.formats",
                formats,
                f"een lijst met een of meer van {', '.join(FORMATS)}, bv. [html, pdf]",
            )
        )
    _raise_all(problems)


def _tier_problems(raw: Mapping) -> list[str]:
    """The publication tiers: a list of {netto_max, min_response}, netto_max increasing and
    null (no upper bound) only in the last tier."""
    present, tiers = _get(raw, "publication.tiers")
    if not present:
        return []
    shape = (
        "een lijst van {netto_max: geheel getal van minstens 1 of null, "
        "min_response: getal van 0 tot en met 100}"
    )
    if not isinstance(tiers, list) or not tiers or not all(isinstance(t, Mapping) for t in tiers):
        return [_refused("publication.tiers", tiers, shape)]
    problems = []
    limit_ok, limit_allowed = _whole(1)
    share_ok, share_allowed = _number(0, 100)
    previous = 0
    for i, tier in enumerate(tiers, start=1):
        key = f"publication.tiers[{i}]"
        netto_max = tier.get("netto_max")
        last = i == len(tiers)
        if "min_response" not in tier or not share_ok(tier["min_response"]):
            problems.append(
                _refused(f"{key}.min_response", tier.get("min_response"), share_allowed)
            )
        if netto_max is None and not last:
            problems.append(
                f"instelling {key}.netto_max: leeg (null, geen bovengrens) mag alleen in de "
                "laatste trede"
            )
        elif netto_max is not None and not limit_ok(netto_max):
            problems.append(_refused(f"{key}.netto_max", netto_max, f"{limit_allowed} of null"))
        elif netto_max is not None and netto_max <= previous:
            problems.append(
                _refused(f"{key}.netto_max", netto_max, f"een geheel getal groter dan {previous}")
                + " (de treden lopen op)"
            )
        if isinstance(netto_max, int) and not isinstance(netto_max, bool):
            previous = max(previous, netto_max)
    return problems
