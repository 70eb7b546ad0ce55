"""Questionnaire codebooks: a questionnaire version is data (YAML), not code.

A codebook names every item of one questionnaire version, its type (a key of
:data:`items.ITEM_TYPES`), its wording, its answer labels, its routing and the report section
it belongs to. A new year's questionnaire is a new
file in ``data/codebooks/``; the reader below checks it and reports every problem at once.
See ``data/README.md`` for the format.

Identifiers (the questionnaire, item, section, scale and matrix row ids, the references
between them, roles) become column names, figure file names and ids in the report, so they
must match :data:`ID_PATTERN` (the codebook id and the version have patterns of their own);
texts and labels may hold no hidden character (:func:`.md.hidden_characters`) and have a
maximum length (:data:`.checks.MAX_TEXT_LENGTH`). What breaks these rules is refused here,
with file, line and field, before anything can reach a path or the markup of a report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType

import yaml

from . import yamlsafe
from .checks import MAX_INTRO_LENGTH, MAX_TEXT_LENGTH, shortened
from .errors import CodebookError, Problem
from .items import ITEM_TYPES, ItemType
from .md import WHITESPACE, hidden_characters, visible

GROUPS = ("client", "opdrachtgever")
#: Top-level fields every codebook must have.
REQUIRED_FIELDS = (
    "codebook",
    "questionnaire",
    "group",
    "version",
    "grade_item",
    "items",
    "sections",
)
#: An identifier in a codebook: questionnaire, item, section, scale, matrix row, role, and
#: every reference to one. Every shipped codebook uses only these (``tevreden_contact``).
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: The codebook's own id, which is also its file name (``arbeid-2024``).
CODEBOOK_ID_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,39}")
#: The version of a questionnaire (``2019``, ``test``).
VERSION_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,19}")
#: What a role names: an item id or an answer column (``<matrix>_<row>``, ``<multi>_<code>``).
COLUMN_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,80}")
#: What each pattern allows, as a problem states it.
PATTERN_TEXT = MappingProxyType(
    {
        ID_PATTERN: "kleine letters, cijfers en '_', beginnend met een letter, hoogstens 40 tekens",
        CODEBOOK_ID_PATTERN: (
            "kleine letters, cijfers, '-' en '_', beginnend met een letter, hoogstens 40 tekens"
        ),
        VERSION_PATTERN: "kleine letters, cijfers, '.', '-' en '_', hoogstens 20 tekens",
        COLUMN_PATTERN: (
            "een item of antwoordkolom: kleine letters, cijfers en '_', beginnend met een letter"
        ),
    }
)
#: Answer codes are whole numbers from -MAX_CODE to MAX_CODE (they become column names).
MAX_CODE = 99999


@dataclass(frozen=True)
class Routing:
    """Asked only if item ``item`` was answered with one of ``values`` (for a multi item:
    one of those options was chosen)."""

    item: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Previous:
    """What an item was in an earlier codebook version (``previous:`` in the codebook).

    ``item`` (and for a matrix ``row``) names the earlier item, by default the same id;
    ``recode`` maps its answer codes to this item's where the scale changed (a code not
    named keeps its number); ``comparable: false`` (with a ``reason``) says the question
    changed too much to set the two side by side. Checked against the earlier codebook by
    :func:`check_previous`."""

    codebook: str
    item: str
    row: str | None = None
    recode: Mapping[int, int] = field(default_factory=dict)
    comparable: bool = True
    reason: str | None = None

    @property
    def column(self) -> str:
        """The earlier item's answer column."""
        return f"{self.item}_{self.row}" if self.row else self.item

    def new_code(self, code: int) -> int:
        return self.recode.get(code, code)


@dataclass(frozen=True)
class Item:
    """One questionnaire item; ``columns()`` lists the export columns it occupies."""

    id: str
    type: str
    text: str
    section: str
    options: Mapping[int, str] = field(default_factory=dict)
    rows: Mapping[str, str] = field(default_factory=dict)
    scale: str | None = None
    other_option: int | None = None
    other_text: str | None = None
    decimals: bool = False
    when: Routing | None = None
    diensten: tuple[int, ...] | None = None
    figure: bool = True
    #: A background characteristic (gender, education, benefit): shown only with more
    #: answers, and never when everyone gave the same one (privacy, group disclosure).
    background: bool = False
    note: str | None = None
    label: str | None = None
    #: What the item was in an earlier version of the questionnaire (for trends).
    previous: Previous | None = None

    @property
    def short(self) -> str:
        """Short name of the item (for the cover summary); the text when none is given."""
        return self.label or self.text

    @property
    def kind(self) -> ItemType:
        """The item type (:mod:`items`) that knows this item's columns, routing, checks,
        distribution, figure and demo answers; ``type`` is its key in ``ITEM_TYPES``."""
        return ITEM_TYPES[self.type]

    def columns(self) -> list[str]:
        """Return the export column names of this item, in order."""
        return self.kind.columns(self)


@dataclass(frozen=True)
class Section:
    """A report section fed by a codebook: title, intro text and the items in it."""

    id: str
    title: str
    intro: str = ""
    diensten: tuple[int, ...] | None = None
    #: Every item of the section is a background characteristic (see :attr:`Item.background`).
    background: bool = False
    #: Paragraphs after the intro that only concern some services: (services, text), shown
    #: when the provider offers one of them (``intro_diensten`` in the codebook).
    service_intros: tuple[tuple[tuple[int, ...], str], ...] = ()

    def intros(self, diensten: set[int]) -> tuple[str, ...]:
        """The intro and the paragraphs for the services in ``diensten``, in order."""
        extra = tuple(text for only, text in self.service_intros if set(only) & diensten)
        return ((self.intro,) if self.intro else ()) + extra


@dataclass(frozen=True)
class Codebook:
    """One questionnaire version."""

    id: str
    questionnaire: str
    group: str
    version: str
    title: str
    respondent_id: str
    grade_item: str
    complete_when: tuple[str, ...]
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    roles: Mapping[str, object] = field(default_factory=dict)
    path: str = ""

    def item(self, item_id: str) -> Item:
        """Return the item called ``item_id``; raises KeyError when there is none."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"codebook {self.id} has no item {item_id!r}")

    @property
    def grade(self) -> Item:
        """The overall 1-10 grade item (the rapportcijfer)."""
        return self.item(self.grade_item)

    def columns(self) -> list[str]:
        """Every column a response export of this questionnaire has, respondent id first."""
        cols = [self.respondent_id]
        for it in self.items:
            cols.extend(it.columns())
        return cols


# --------------------------------------------------------------------------- YAML with lines

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: faster


class LineMapping(dict):
    """A YAML mapping that remembers where it stood: ``line`` and the line of every key."""

    line: int | None = None
    lines: dict


class LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose mappings carry line numbers, so a problem can name its line."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMapping:
    yamlsafe.check_duplicate_keys(loader, node)
    loader.flatten_mapping(node)
    out = LineMapping()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found unhashable key",
                key_node.start_mark,
            ) from exc
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def line_of(raw: object, key: object = None) -> int | None:
    """Line of ``key`` in the mapping ``raw`` (of ``raw`` itself without a key), or None."""
    if not isinstance(raw, LineMapping):
        return None
    if key is not None and key in raw.lines:
        return raw.lines[key]
    return raw.line


# --------------------------------------------------------------------------- parsing


def _codes(
    raw: object,
    where: str,
    problems: list[Problem],
    file: str,
    line: int | None,
    column: str = "options",
) -> dict[int, str]:
    """Read an options mapping ``{code: label}`` with integer codes (``column``: the field it
    stands in, for the problems of its labels)."""
    if not isinstance(raw, Mapping) or not raw:
        problems.append(
            Problem(
                file,
                f"{where}: antwoordopties ontbreken",
                row=line,
                value=_shown(raw),
                expected="code: label",
            )
        )
        return {}
    out: dict[int, str] = {}
    for key, label in raw.items():
        code = _int(key)
        if code is None:
            problems.append(
                Problem(
                    file,
                    f"{where}: antwoordcode is geen geheel getal",
                    row=line_of(raw, key),
                    value=key,
                )
            )
        elif isinstance(label, Mapping | list) or label is None:
            problems.append(
                Problem(
                    file,
                    f"{where}: antwoordlabel moet tekst zijn",
                    row=line_of(raw, key),
                    value=_shown(label),
                )
            )
        elif abs(code) > MAX_CODE:
            problems.append(
                Problem(
                    file,
                    f"{where}: antwoordcode is te groot",
                    row=line_of(raw, key),
                    column=column,
                    value=shortened(str(key)),
                    expected=f"een geheel getal van -{MAX_CODE} tot en met {MAX_CODE}",
                )
            )
        else:
            out[code] = str(label)
            problems += _text_problems(
                out[code], f"{where}: antwoordlabel", file, line_of(raw, key), column
            )
    return out


def _int(value: object) -> int | None:
    """``value`` as an integer code (1, "1"), None when it is not one (True, 1.5, "a")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _shown(value: object, depth: int = 0) -> object:
    """A value as a problem shows it: mappings and lists as plain dicts and lists (cut off
    deep down, so that a YAML alias that refers to itself cannot recurse forever)."""
    if depth > 4 and isinstance(value, Mapping | list):
        return "..."
    if isinstance(value, Mapping):
        return {k: _shown(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v, depth + 1) for v in value]
    return value


def _code_problems(
    value: object,
    message: str,
    file: str,
    row: int | None,
    column: str,
    pattern: re.Pattern[str] = ID_PATTERN,
) -> list[Problem]:
    """A problem when ``value`` is not an identifier that ``pattern`` allows (a number is
    taken as its text: ``version: 2019``)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        if pattern.fullmatch(str(value)):
            return []
    shown = shortened(value) if isinstance(value, str) else _shown(value)
    return [
        Problem(file, message, row=row, column=column, value=shown, expected=PATTERN_TEXT[pattern])
    ]


def _is_id(value: object, pattern: re.Pattern[str] = ID_PATTERN) -> bool:
    """Whether ``value`` is an identifier that ``pattern`` allows."""
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _text_problems(
    text: str,
    what: str,
    file: str,
    row: int | None,
    column: str | None,
    limit: int = MAX_TEXT_LENGTH,
) -> list[Problem]:
    """Problems of a text or label that a report shows: a hidden character (a control, format
    or bidi character; ordinary whitespace is fine), or more than ``limit`` characters."""
    problems = []
    hidden = hidden_characters(text, WHITESPACE)
    if hidden:
        at = text.index(hidden[0])
        excerpt = text if len(text) <= 80 else "…" + text[max(0, at - 30) : at + 30] + "…"
        problems.append(
            Problem(
                file,
                f"{what} bevat een onzichtbaar stuurteken",
                row=row,
                column=column,
                value=visible(excerpt, WHITESPACE),
                expected="een tekst met alleen zichtbare tekens",
            )
        )
    if len(text) > limit:
        problems.append(
            Problem(
                file,
                f"{what} is te lang",
                row=row,
                column=column,
                value=shortened(" ".join(text.split())),
                expected=f"hoogstens {limit} tekens",
            )
        )
    return problems


def _diensten(raw: object) -> tuple[int, ...] | None | bool:
    """Service codes of a filter; None when absent, False when malformed."""
    if raw is None:
        return None
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 13 for d in raw)
    ):
        return False
    return tuple(raw)


def parse_codebook(data: Mapping, file: str = "<codebook>") -> Codebook:
    """Build a :class:`Codebook` from parsed YAML; raises CodebookError listing every problem.

    Whatever the YAML holds, the result is a codebook or a CodebookError, never another
    exception. Problems carry the line in the file (``row``) when the YAML came through
    :func:`load_codebook`. The parts are read in the order of the file's sections (top-level
    fields, scales, sections, items, references between items, roles), each adding its
    problems, so that one run reports all of them.
    """
    if not isinstance(data, Mapping):
        raise CodebookError([Problem(file, "codebook is geen YAML-mapping", value=_shown(data))])
    problems = _check_required(data, file)
    if problems:
        raise CodebookError(problems)
    problems += _check_group(data, file)
    problems += _check_identifiers(data, file)
    scales = _read_scales(data, file, problems)
    sections = _read_sections(data, file, problems)
    raw_items = _item_list(data, file, problems)
    items, broken = _read_items(raw_items, data, file, {s.id for s in sections}, scales, problems)
    in_background = {s.id for s in sections if s.background}
    items = [
        dataclasses.replace(it, background=True) if it.section in in_background else it
        for it in items
    ]
    by_id = {it.id: it for it in items}
    known = set(by_id) | broken  # items reported already need no second problem per reference
    problems += _check_references(raw_items, by_id, known, file)
    problems += _check_grade_item(data, by_id, broken, file)
    complete = _read_complete_when(data, known, file, problems)
    roles = _read_roles(data, file, problems)
    if problems:
        raise CodebookError(problems)
    return Codebook(
        id=str(data["codebook"]),
        questionnaire=str(data["questionnaire"]),
        group=str(data["group"]),
        version=str(data["version"]),
        title=str(data.get("title", data["codebook"])),
        respondent_id=str(data.get("respondent_id", "respondent_id")),
        grade_item=str(data["grade_item"]),
        complete_when=complete,
        sections=tuple(sections),
        items=tuple(items),
        roles=MappingProxyType({str(k): _shown(v) for k, v in roles.items()}),
        path=file,
    )


# ---- top-level fields


def _check_required(data: Mapping, file: str) -> list[Problem]:
    """A problem for every required top-level field that is missing."""
    return [
        Problem(file, f"verplicht veld '{key}' ontbreekt", column=key)
        for key in REQUIRED_FIELDS
        if key not in data
    ]


#: The top-level identifiers and the pattern each must match.
_TOP_LEVEL_IDS = (
    ("codebook", CODEBOOK_ID_PATTERN),
    ("questionnaire", ID_PATTERN),
    ("version", VERSION_PATTERN),
    ("respondent_id", ID_PATTERN),
    ("grade_item", ID_PATTERN),
)


def _check_identifiers(data: Mapping, file: str) -> list[Problem]:
    """The top-level identifiers match their patterns; the title is a text a report shows."""
    problems = []
    for key, pattern in _TOP_LEVEL_IDS:
        if key in data:
            message = f"{key} is geen geldige code"
            problems += _code_problems(data[key], message, file, line_of(data, key), key, pattern)
    if isinstance(data.get("title"), str):
        problems += _text_problems(data["title"], "titel", file, line_of(data, "title"), "title")
    return problems


def _check_group(data: Mapping, file: str) -> list[Problem]:
    """The group must be client or opdrachtgever."""
    if data["group"] in GROUPS:
        return []
    return [
        Problem(
            file,
            "onbekende groep",
            row=line_of(data, "group"),
            column="group",
            value=data["group"],
            expected=", ".join(GROUPS),
        )
    ]


def _read_scales(data: Mapping, file: str, problems: list[Problem]) -> dict[str, dict[int, str]]:
    """The named scales: name -> options."""
    raw_scales = data.get("scales") or {}
    if not isinstance(raw_scales, Mapping):
        problems.append(
            Problem(
                file,
                "scales moet per schaal code: label geven",
                row=line_of(data, "scales"),
                column="scales",
                value=_shown(raw_scales),
            )
        )
        raw_scales = {}
    scales = {}
    for i, (name, opts) in enumerate(raw_scales.items()):
        line = line_of(raw_scales, name)
        if not _is_id(name):
            message = f"schaal #{i + 1}: naam is geen geldige code"
            problems += _code_problems(name, message, file, line, "scales")
            continue
        scales[name] = _codes(opts, f"schaal {name}", problems, file, line, "scales")
    return scales


def _check_grade_item(
    data: Mapping, by_id: Mapping[str, Item], broken: set[str], file: str
) -> list[Problem]:
    """``grade_item`` must name an item of type grade."""
    grade_id = str(data["grade_item"])
    grade = by_id.get(grade_id)
    if not _is_id(data["grade_item"]):  # reported by _check_identifiers
        return []
    if grade_id in broken or (grade is not None and grade.type == "grade"):
        return []
    return [
        Problem(
            file,
            "grade_item noemt geen item van type grade",
            row=line_of(data, "grade_item"),
            column="grade_item",
            value=data["grade_item"],
        )
    ]


def _read_complete_when(
    data: Mapping, known: set[str], file: str, problems: list[Problem]
) -> tuple[str, ...]:
    """The items that make a questionnaire complete (default: the grade item)."""
    raw_complete = data.get("complete_when") or [data["grade_item"]]
    if not isinstance(raw_complete, list):
        problems.append(
            Problem(
                file,
                "complete_when moet een lijst items zijn",
                row=line_of(data, "complete_when"),
                column="complete_when",
                value=_shown(raw_complete),
            )
        )
        raw_complete = [data["grade_item"]]
    complete = tuple(str(c) for c in raw_complete)
    for raw_c, c in zip(raw_complete, complete, strict=True):
        if not _is_id(raw_c):
            message = "complete_when noemt geen geldige code"
            row = line_of(data, "complete_when")
            problems += _code_problems(raw_c, message, file, row, "complete_when")
        elif c not in known:
            problems.append(
                Problem(
                    file,
                    "complete_when noemt een onbekend item",
                    row=line_of(data, "complete_when"),
                    column="complete_when",
                    value=c,
                )
            )
    return complete


def _read_roles(data: Mapping, file: str, problems: list[Problem]) -> Mapping:
    """The roles mapping (role -> item or columns), checked to be a mapping."""
    roles = data.get("roles") or {}
    if isinstance(roles, Mapping):
        for role, value in roles.items():
            problems += _role_problems(roles, role, value, file)
        return roles
    problems.append(
        Problem(
            file,
            "roles moet rol: item geven",
            row=line_of(data, "roles"),
            column="roles",
            value=_shown(roles),
        )
    )
    return {}


def _role_problems(roles: Mapping, role: object, value: object, file: str) -> list[Problem]:
    """A role is named by an identifier and names an item or column, or a list of those."""
    line = line_of(roles, role)
    if not _is_id(role):
        return _code_problems(role, "roles: rol is geen geldige code", file, line, "roles")
    refs = value if isinstance(value, list) and value else [value]
    bad = [ref for ref in refs if not _is_id(ref, COLUMN_PATTERN)]
    if not bad:
        return []
    message = f"rol {role} noemt geen geldige code"
    return _code_problems(bad[0], message, file, line, f"roles.{role}", COLUMN_PATTERN)


# ---- sections


def _read_sections(data: Mapping, file: str, problems: list[Problem]) -> list[Section]:
    """The report sections, each with an id and a title."""
    sections: list[Section] = []
    raw_sections = data["sections"] or []
    if not isinstance(raw_sections, list):
        problems.append(
            Problem(
                file,
                "sections moet een lijst zijn",
                row=line_of(data, "sections"),
                column="sections",
                value=_shown(raw_sections),
            )
        )
        raw_sections = []
    for i, raw in enumerate(raw_sections):
        if not isinstance(raw, Mapping) or not raw.get("id") or "title" not in raw:
            problems.append(
                Problem(file, "sectie zonder id of titel", row=line_of(raw), value=_shown(raw))
            )
            continue
        if not _is_id(raw["id"]):
            message = f"sectie #{i + 1}: id is geen geldige code"
            problems += _code_problems(raw["id"], message, file, line_of(raw, "id"), "id")
            continue
        sid = str(raw["id"])
        dienst = _read_diensten(raw, f"sectie {sid}", file, problems)
        title, intro = str(raw["title"]), str(raw.get("intro", "") or "").strip()
        where = f"sectie {sid}"
        problems += _text_problems(title, f"{where}: titel", file, line_of(raw, "title"), "title")
        problems += _text_problems(
            intro, f"{where}: inleiding", file, line_of(raw, "intro"), "intro", MAX_INTRO_LENGTH
        )
        background = raw.get("background", False)
        if background not in (True, False):
            problems.append(
                Problem(
                    file,
                    f"{where}: background moet true of false zijn",
                    row=line_of(raw, "background"),
                    column="background",
                    value=_shown(background),
                )
            )
        extra = _read_service_intros(raw, where, file, problems)
        sections.append(Section(sid, title, intro, dienst, background is True, extra))
    return sections


def _read_service_intros(
    raw: Mapping, where: str, file: str, problems: list[Problem]
) -> tuple[tuple[tuple[int, ...], str], ...]:
    """A section's ``intro_diensten``: a list of {diensten: [...], text: ...}."""
    found = raw.get("intro_diensten") or []
    if not isinstance(found, list):
        found = [found]
    out = []
    for j, entry in enumerate(found):
        here = f"{where}: intro_diensten #{j + 1}"
        if not isinstance(entry, Mapping) or not entry.get("diensten") or not entry.get("text"):
            problems.append(
                Problem(
                    file,
                    f"{here}: verwacht diensten en text",
                    row=line_of(raw, "intro_diensten"),
                    column="intro_diensten",
                    value=_shown(entry),
                )
            )
            continue
        diensten = _read_diensten(entry, here, file, problems)
        text = str(entry["text"]).strip()
        problems += _text_problems(
            text, f"{here}: tekst", file, line_of(entry, "text"), "text", MAX_INTRO_LENGTH
        )
        if diensten:
            out.append((diensten, text))
    return tuple(out)


def _read_diensten(
    raw: Mapping, where: str, file: str, problems: list[Problem]
) -> tuple[int, ...] | None:
    """The service filter of a section or item (None: every service)."""
    diensten = _diensten(raw.get("diensten"))
    if diensten is False:
        problems.append(
            Problem(
                file,
                f"{where}: diensten moeten codes 1-13 zijn",
                row=line_of(raw, "diensten"),
                column="diensten",
                value=_shown(raw.get("diensten")),
            )
        )
        return None
    return diensten or None


# ---- items


def _item_list(data: Mapping, file: str, problems: list[Problem]) -> list:
    """The raw ``items`` list (empty, with a problem, when it is not a list)."""
    raw_items = data["items"] or []
    if isinstance(raw_items, list):
        return raw_items
    problems.append(
        Problem(
            file,
            "items moet een lijst zijn",
            row=line_of(data, "items"),
            column="items",
            value=_shown(raw_items),
        )
    )
    return []


def _read_items(
    raw_items: list,
    data: Mapping,
    file: str,
    section_ids: set[str],
    scales: Mapping[str, dict[int, str]],
    problems: list[Problem],
) -> tuple[list[Item], set[str]]:
    """Every item that has an id and a known type, and the ids of those reported broken."""
    items: list[Item] = []
    seen: set[str] = set()
    broken: set[str] = set()  # items reported already: references to them need no second problem
    for i, raw in enumerate(raw_items):
        if not isinstance(raw, Mapping):
            problems.append(
                Problem(
                    file,
                    f"item #{i + 1}: verwacht id, type, section en text",
                    row=line_of(data, "items"),
                    value=_shown(raw),
                )
            )
            continue
        iid = str(raw.get("id") or "")
        where = f"item {iid or '#' + str(i + 1)}"
        if not iid:
            problems.append(Problem(file, f"{where}: id ontbreekt", row=line_of(raw)))
            continue
        if not _is_id(raw.get("id")):
            # the id is not shown in the message: it may hold anything (a line break, markup)
            message = f"item #{i + 1}: id is geen geldige code"
            problems += _code_problems(raw.get("id"), message, file, line_of(raw, "id"), "id")
            broken.add(iid)
            continue
        if iid in seen:
            problems.append(
                Problem(
                    file,
                    f"{where}: id komt twee keer voor",
                    row=line_of(raw, "id"),
                    column="id",
                    value=iid,
                )
            )
        seen.add(iid)
        itype = raw.get("type")
        if not isinstance(itype, str) or itype not in ITEM_TYPES:
            problems.append(
                Problem(
                    file,
                    f"{where}: onbekend itemtype",
                    row=line_of(raw, "type"),
                    column="type",
                    value=_shown(itype),
                    expected=", ".join(ITEM_TYPES),
                )
            )
            broken.add(iid)
            continue
        reader = _ItemReader(raw, where, file, scales, problems)
        items.append(_read_item(reader, iid, ITEM_TYPES[itype], section_ids))
    return items, broken


@dataclass
class _ItemReader:
    """One item's YAML mapping with where it stands; reads fields, adding their problems.

    It is the :class:`items.FieldReader` an item type reads its own fields with.
    """

    raw: Mapping
    where: str
    file: str
    scales: Mapping[str, dict[int, str]]
    problems: list[Problem]

    def add(
        self,
        message: str,
        key: str,
        value: object = None,
        expected: str | None = None,
        *,
        row: int | None | bool = True,
        column: str | None = None,
    ) -> None:
        """Add a problem with field ``key`` of this item (on that field's line unless ``row``
        gives another)."""
        self.problems.append(
            Problem(
                self.file,
                f"{self.where}: {message}",
                row=line_of(self.raw, key) if row is True else row,
                column=column or key,
                value=value,
                expected=expected,
            )
        )

    def options(self) -> dict[int, str]:
        raw = self.raw
        return _codes(
            raw.get("options"), self.where, self.problems, self.file, line_of(raw, "options")
        )

    def scale(self) -> tuple[str | None, dict[int, str]]:
        scale = self.raw.get("scale")
        if not isinstance(scale, str) or scale not in self.scales:
            self.add("schaal bestaat niet", "scale", _shown(scale), ", ".join(self.scales))
            return None, {}
        return scale, self.scales[scale]

    def rows(self) -> dict[str, str]:
        raw_rows = self.raw.get("rows") or {}
        rows = (
            {str(k): str(v) for k, v in raw_rows.items()} if isinstance(raw_rows, Mapping) else {}
        )
        if not rows:
            row = line_of(self.raw, "rows") or line_of(self.raw)
            self.add("matrix zonder rijen", "rows", _shown(self.raw.get("rows")), row=row)
        for key in list(raw_rows) if rows else []:
            line = line_of(raw_rows, key)
            if not _is_id(key):
                message = f"{self.where}: rij-id is geen geldige code"
                self.problems += _code_problems(key, message, self.file, line, "rows")
                del rows[str(key)]
            else:
                self.problems += _text_problems(
                    rows[key], f"{self.where}: rijtekst", self.file, line, "rows"
                )
        return rows

    def text(self, key: str, what: str) -> str | None:
        """The optional text field ``key`` (None when absent), with the problems of a text."""
        value = _optional_text(self.raw.get(key))
        if value is not None:
            self.problems += _text_problems(
                value, f"{self.where}: {what}", self.file, line_of(self.raw, key), key
            )
        return value


def _read_item(reader: _ItemReader, iid: str, kind: ItemType, section_ids: set[str]) -> Item:
    """One item of a known type; its problems go to the reader."""
    raw = reader.raw
    section = str(raw.get("section", ""))
    if section not in section_ids:
        reader.add("sectie bestaat niet", "section", section, ", ".join(sorted(section_ids)))
    fields = kind.read_fields(reader)
    when = _read_when(reader)
    diensten = _read_diensten(raw, reader.where, reader.file, reader.problems)
    other_option, other_text = _read_other(reader)
    text = _read_text(reader)
    item = Item(
        id=iid,
        type=kind.key,
        text=text,
        section=section,
        options=MappingProxyType(dict(fields.options)),
        rows=MappingProxyType(dict(fields.rows)),
        scale=fields.scale,
        other_option=other_option,
        other_text=other_text,
        decimals=raw.get("decimals", False) is True,
        when=when,
        diensten=diensten,
        figure=bool(raw.get("figure", kind.figure_default)),
        background=raw.get("background", False) is True,
        note=reader.text("note", "toelichting"),
        label=reader.text("label", "korte naam"),
        previous=_read_previous(reader, iid),
    )
    if raw.get("decimals", False) not in (True, False):
        reader.add("decimals moet true of false zijn", "decimals", _shown(raw.get("decimals")))
    return item


def _read_previous(reader: _ItemReader, iid: str) -> Previous | None:
    """``previous``: {codebook, item?, row?, recode?, comparable?, reason?}."""
    raw = reader.raw.get("previous")
    if raw is None:
        return None
    expected = "codebook: <id>, en eventueel item, row, recode, comparable: false met reason"
    if not isinstance(raw, Mapping) or not CODEBOOK_ID_PATTERN.fullmatch(str(raw.get("codebook"))):
        reader.add("vorige versie onleesbaar", "previous", _shown(raw), expected)
        return None
    known = {"codebook", "item", "row", "recode", "comparable", "reason"}
    for key in raw:
        if key not in known:
            reader.add(
                "vorige versie: onbekend veld", "previous", _shown(key), ", ".join(sorted(known))
            )
    item = raw.get("item", iid)
    row = raw.get("row")
    if not _is_id(item) or (row is not None and not _is_id(row)):
        reader.add("vorige versie: ongeldig item of rij", "previous", _shown(raw), expected)
        return None
    recode: dict[int, int] = {}
    codes = raw.get("recode") or {}
    if not isinstance(codes, Mapping):
        reader.add(
            "vorige versie: recode moet oude code: nieuwe code zijn", "previous", _shown(codes)
        )
    else:
        for old, new in codes.items():
            if _int(old) is None or _int(new) is None:
                reader.add(
                    "vorige versie: recode met een code die geen heel getal is",
                    "previous",
                    _shown(old),
                )
            else:
                recode[_int(old)] = _int(new)
    comparable = raw.get("comparable", True)
    if comparable not in (True, False):
        reader.add(
            "vorige versie: comparable moet true of false zijn", "previous", _shown(comparable)
        )
        comparable = True
    reason = _optional_text(raw.get("reason"))
    if comparable is False and not reason:
        reader.add(
            "vorige versie: niet vergelijkbaar zonder reden", "previous", None, "reason: <tekst>"
        )
    return Previous(
        str(raw["codebook"]),
        str(item),
        None if row is None else str(row),
        MappingProxyType(recode),
        comparable is True,
        reason,
    )


def check_previous(book: Codebook, earlier: Codebook) -> list[Problem]:
    """Problems of the mappings of ``book``'s items onto the earlier codebook ``earlier``:
    the earlier item (and row) must exist, every one of its answer codes must have a place
    among this item's codes, and a scale must keep its direction (no "tevreden" turning
    into "ontevreden", a "geen mening" stays one)."""
    problems: list[Problem] = []
    where = f"codeboek {book.id}"
    for it in book.items:
        prev = it.previous
        if prev is None or prev.codebook != earlier.id or not prev.comparable:
            continue

        problem = partial(_mapping_problem, problems, where, it.id, earlier.id)
        old = next((o for o in earlier.items if o.id == prev.item), None)
        if old is None:
            problem("item bestaat niet", prev.item, "een item van " + earlier.id)
            continue
        if prev.row is not None and prev.row not in old.rows:
            problem("rij bestaat niet", prev.row, ", ".join(old.rows))
            continue
        if not it.options or not old.options:
            continue  # grades and open answers: nothing to map
        for code in old.options:
            if prev.new_code(code) not in it.options:
                problem(
                    f"antwoordcode {code} heeft geen plaats", code, ", ".join(map(str, it.options))
                )
        if it.scale is not None and old.scale is not None:
            problems += _direction_problems(it, old, prev, problem)
    return problems


def _mapping_problem(
    problems: list[Problem],
    where: str,
    item: str,
    earlier: str,
    message: str,
    value: object = None,
    expected: str | None = None,
) -> None:
    problems.append(
        Problem(
            where,
            f"item {item}: vorige versie ({earlier}): {message}",
            column="previous",
            value=value,
            expected=expected,
        )
    )


def _direction_problems(it: Item, old: Item, prev: Previous, problem) -> list[Problem]:
    """A scale keeps its direction: the earlier opinion codes, most positive first, land on
    this item's opinion codes in the same order, and "no opinion" stays "no opinion"."""
    from .labels import is_no_opinion

    order = [c for c, label in it.options.items() if not is_no_opinion(label)]
    last = -1
    for code, label in old.options.items():
        new = prev.new_code(code)
        if new not in it.options:
            continue
        if is_no_opinion(label) != is_no_opinion(it.options[new]):
            problem("'geen mening' en een oordeel lopen door elkaar", code)
        elif not is_no_opinion(label):
            if order.index(new) < last:
                problem("de schaal draait om", code, "dezelfde volgorde van positief naar negatief")
            last = order.index(new)
    return []


def _read_when(reader: _ItemReader) -> Routing | None:
    """The routing of an item: asked only after one of some answers to another item."""
    if "when" not in reader.raw:
        return None
    w = reader.raw["when"]
    vals = w.get("in") if isinstance(w, Mapping) else None
    codes = [_int(v) for v in vals] if isinstance(vals, list) else []
    if not isinstance(w, Mapping) or not w.get("item") or not codes or None in codes:
        reader.add(
            "routering moet 'item' en 'in' (een lijst codes) hebben",
            "when",
            _shown(w),
            "{item: <id>, in: [1, 2]}",
        )
        return None
    if not _is_id(w["item"]):
        message = f"{reader.where}: routering noemt geen geldige code"
        row = line_of(w, "item")
        reader.problems += _code_problems(w["item"], message, reader.file, row, "when.item")
        return None
    return Routing(str(w["item"]), tuple(c for c in codes if c is not None))


def _read_other(reader: _ItemReader) -> tuple[int | None, str | None]:
    """The 'Anders, namelijk' option of an item and the open item that holds its text."""
    other = reader.raw.get("other") or {}
    other_option = other_text = None
    if not isinstance(other, Mapping):
        reader.add("'other' moet option en text geven", "other", _shown(other))
        return None, None
    if "option" in other:
        other_option = _int(other["option"])
        if other_option is None:
            reader.add(
                "'anders'-optie is geen antwoordcode",
                "option",
                other["option"],
                row=line_of(other, "option"),
                column="other.option",
            )
    if "text" in other:
        if _is_id(other["text"]):
            other_text = str(other["text"])
        else:
            message = f"{reader.where}: 'anders'-tekst noemt geen geldige code"
            row = line_of(other, "text")
            reader.problems += _code_problems(
                other["text"], message, reader.file, row, "other.text"
            )
    return other_option, other_text


def _read_text(reader: _ItemReader) -> str:
    """The question text (problems when it is missing or not text)."""
    text = reader.raw.get("text")
    if isinstance(text, Mapping | list):
        reader.add("vraagtekst moet tekst zijn", "text", _shown(text))
        return ""
    if text is None or not str(text).strip():
        reader.add("vraagtekst ontbreekt", "text")
        return ""
    text = str(text).strip()
    reader.problems += _text_problems(
        text, f"{reader.where}: vraagtekst", reader.file, line_of(reader.raw, "text"), "text"
    )
    return text


# ---- references between items


def _check_references(
    raw_items: list, by_id: Mapping[str, Item], known: set[str], file: str
) -> list[Problem]:
    """Routing and 'anders' references must name items (and codes) of this codebook."""
    problems: list[Problem] = []
    for raw in raw_items:
        if not isinstance(raw, Mapping) or str(raw.get("id") or "") not in by_id:
            continue
        it = by_id[str(raw["id"])]
        if it.when and it.when.item not in known:
            w = raw["when"]
            problems.append(
                Problem(
                    file,
                    f"routering van item {it.id} verwijst naar een onbekend item",
                    row=line_of(w, "item") or line_of(raw, "when"),
                    column="when.item",
                    value=it.when.item,
                    expected="het id van een item in dit codeboek",
                )
            )
        if it.other_text and it.other_text not in known:
            problems.append(
                Problem(
                    file,
                    f"'anders'-tekst van item {it.id} verwijst naar een onbekend item",
                    row=line_of(raw.get("other"), "text"),
                    column="other.text",
                    value=it.other_text,
                )
            )
        if it.other_option is not None and it.other_option not in it.options and it.options:
            problems.append(
                Problem(
                    file,
                    f"'anders'-optie van item {it.id} is geen antwoordcode",
                    row=line_of(raw.get("other"), "option"),
                    column="other.option",
                    value=it.other_option,
                )
            )
    return problems


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def load_codebook(path: str | Path) -> Codebook:
    """Read and check one codebook file; raises CodebookError listing every problem."""
    path = Path(path)
    try:
        data = yamlsafe.load_file(path, LineLoader)  # a SafeLoader; regular file, size cap
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CodebookError(
            [
                Problem(
                    str(path),
                    f"codebook niet te lezen: {_yaml_reason(exc)}",
                    row=mark.line + 1 if mark else None,
                )
            ]
        ) from exc
    cb = parse_codebook(data, str(path))
    if cb.id != path.stem:
        raise CodebookError(
            [
                Problem(
                    str(path),
                    "codebook-id wijkt af van de bestandsnaam",
                    row=line_of(data, "codebook"),
                    column="codebook",
                    value=cb.id,
                    expected=path.stem,
                )
            ]
        )
    return cb


def _yaml_reason(exc: BaseException) -> str:
    """The first line of a YAML or reading error, without the file excerpt."""
    problem = getattr(exc, "problem", None)
    if problem:
        return str(problem)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def load_codebooks(directory: str | Path) -> dict[str, Codebook]:
    """Read every ``*.yaml`` codebook in ``directory``; all problems of all files at once."""
    books: dict[str, Codebook] = {}
    problems: list[Problem] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            cb = load_codebook(path)
        except CodebookError as exc:
            problems.extend(exc.problems)
            continue
        books[cb.id] = cb
    if problems:
        raise CodebookError(problems)
    return books
