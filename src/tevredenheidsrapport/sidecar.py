"""The JSON sidecar of a report, documented as a JSON Schema (draft 2020-12).

The schema ships with the package (``resources/sidecar.schema.json``) and is read with
:mod:`importlib.resources`, so it is there wherever the package is installed. Every field
of the sidecar is described in it; the README's section on the sidecar says the same in
prose. :func:`validate` checks a sidecar (a dict, as :func:`.render.build_sidecar` builds
it or ``json.load`` reads it) and raises :class:`SidecarError` naming every field that
does not fit, in Dutch.

The schema is strict where the shape is fixed (required fields, types, no unknown fields)
and states the privacy rules a reader relies on: a grade the report withholds is null and
has a reason, and a withheld figure or table carries no numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

SCHEMA_FILE = "sidecar.schema.json"
#: The package folder the schema is shipped in (see ``[tool.setuptools.package-data]``).
SCHEMA_PACKAGE = "tevredenheidsrapport"
SCHEMA_FOLDER = "resources"
#: At most this many problems are listed in the message of a SidecarError (all are in
#: its ``problems``).
MAX_LISTED = 20

# ---- user-facing Dutch text, kept together ---------------------------------------------
MSG_INVALID = "{what} voldoet niet aan het sidecarschema ({schema}): {n} {problems}"
MSG_MORE = "… en nog {n}"
WHOLE = "de sidecar zelf"
JSON_TYPES = MappingProxyType(
    {
        "object": "een object",
        "array": "een lijst",
        "string": "tekst",
        "integer": "een geheel getal",
        "number": "een getal",
        "boolean": "true of false",
        "null": "null",
    }
)


class SidecarError(ValueError):
    """A sidecar that does not fit the schema. ``problems`` lists every problem as
    ``(path, Dutch description)``; the message names them (the first :data:`MAX_LISTED`)."""

    def __init__(self, problems: list[tuple[str, str]], what: str = "De sidecar") -> None:
        self.problems = problems
        lines = [f"- {path}: {text}" for path, text in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"- {MSG_MORE.format(n=len(problems) - MAX_LISTED)}")
        count = len(problems)
        head = MSG_INVALID.format(
            what=what,
            schema=SCHEMA_FILE,
            n=count,
            problems="probleem" if count == 1 else "problemen",
        )
        super().__init__("\n".join([head, *lines]))


def schema() -> dict[str, Any]:
    """The sidecar's JSON Schema, read from the package (a fresh copy on every call: the
    module keeps no state, and reading it costs well under a millisecond)."""
    text = (
        resources.files(SCHEMA_PACKAGE)
        .joinpath(SCHEMA_FOLDER, SCHEMA_FILE)
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(sidecar: object) -> list[tuple[str, str]]:
    """Every place where ``sidecar`` does not fit the schema, as (path, Dutch text), in
    document order; empty when it fits."""
    errors = sorted(_leaves(_validator().iter_errors(sidecar)), key=lambda e: _sort_key(e))
    seen: set[tuple[str, str]] = set()
    out = []
    for error in errors:
        item = (_path(error.absolute_path), _describe(error))
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def validate(sidecar: object, *, what: str = "De sidecar") -> Mapping[str, Any]:
    """Return ``sidecar`` when it fits the schema; raise :class:`SidecarError` otherwise.

    ``what`` names it in the message (e.g. ``"De sidecar van werkpad-noord"``)."""
    found = problems(sidecar)
    if found:
        raise SidecarError(found, what)
    return sidecar  # type: ignore[return-value]


def is_sidecar(data: object) -> bool:
    """Whether a JSON document is meant as a sidecar (an object with ``table11``), be it a
    valid one or not: the test a reader of an output folder uses to pick sidecars out."""
    return isinstance(data, dict) and "table11" in data


# ---- errors in Dutch -------------------------------------------------------------------
def _leaves(errors: Iterable) -> Iterable:
    """The errors that say what is wrong: for anyOf/oneOf whose every branch fails, the
    branch whose type fits (the others only say 'not null'), else the error itself."""
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            fitting = [e for e in error.context if e.validator != "type"]
            if fitting:
                yield from _leaves(fitting)
                continue
        yield error


def _sort_key(error) -> tuple:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path)


def _path(parts: Iterable[str | int]) -> str:
    """``table11[2].rapportcijfer``, or :data:`WHOLE` for the document itself."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or WHOLE


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _describe(error) -> str:
    """One error of jsonschema as a Dutch sentence (its own English text for the rare
    keywords not listed here)."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [p for p in expected if isinstance(instance, dict) and p not in instance]
        return "ontbreekt: " + ", ".join(missing)
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in known)
        return "onbekend veld: " + ", ".join(extra)
    if kind == "dependentRequired" and isinstance(instance, dict):
        missing = sorted(
            {d for k, deps in expected.items() if k in instance for d in deps} - set(instance)
        )
        return "ontbreekt: " + ", ".join(missing) + " (de velden horen bij elkaar)"
    if kind == "anyOf" and error.context:
        types = [
            t for e in error.context if e.validator == "type" for t in _as_list(e.validator_value)
        ]
        if types:
            return _wrong_type(types, instance)
    if kind == "type":
        return _wrong_type(_as_list(expected), instance)
    if kind == "enum":
        return f"moet een van {', '.join(_shown(v) for v in expected)} zijn, is {_shown(instance)}"
    if kind == "const":
        return f"moet {_shown(expected)} zijn, is {_shown(instance)}"
    if kind == "minimum":
        return f"moet minstens {expected} zijn, is {_shown(instance)}"
    if kind == "maximum":
        return f"mag hoogstens {expected} zijn, is {_shown(instance)}"
    if kind == "pattern":
        return f"heeft niet de vorm {expected}: {_shown(instance)}"
    if kind == "format":
        return f"is geen geldige {'datum' if expected == 'date' else expected}: {_shown(instance)}"
    if kind == "minLength":
        return "mag niet leeg zijn"
    if kind in ("minItems", "minProperties"):
        return f"moet minstens {expected} element(en) hebben"
    if kind == "maxItems":
        return f"mag hoogstens {expected} element(en) hebben, heeft er {len(instance)}"
    if kind in ("contains", "minContains", "maxContains"):
        rule = error.schema.get("description") if isinstance(error.schema, dict) else None
        return f"voldoet niet aan de regel: {rule}" if rule else error.message
    if kind == "not":
        rule = error.schema.get("description") if isinstance(error.schema, dict) else None
        return f"mag er niet zijn ({rule})" if rule else "mag er niet zijn"
    if kind in ("items", "prefixItems") and expected is False:
        return f"heeft meer elementen dan toegestaan: {_shown(instance)}"
    return error.message


def _as_list(value: object) -> list:
    return [value] if isinstance(value, str) else list(value)


def _wrong_type(types: Iterable[str], instance: object) -> str:
    wanted = " of ".join(dict.fromkeys(JSON_TYPES.get(t, t) for t in types))
    return f"moet {wanted} zijn, is {_shown(instance)}"
