"""Questionnaire codebooks: a questionnaire version is data (YAML), not code.

A codebook names every item of one questionnaire version, its type (a key of
:data:`items.ITEM_TYPES`), its wording, its answer labels, its routing and the report section
it belongs to. A new year's questionnaire is a new
file in ``data/codebooks/``; the reader below checks it and reports every problem at once.
See ``data/README.md`` for the format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from .errors import CodebookError, Problem
from .items import ITEM_TYPES, ItemType

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


@dataclass(frozen=True)
class Routing:
    """Asked only if item ``item`` was answered with one of ``values`` (for a multi item:
    one of those options was chosen)."""

    item: str
    values: tuple[int, ...]


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
    note: str | None = None
    label: str | None = None

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
    raw: object, where: str, problems: list[Problem], file: str, line: int | None
) -> dict[int, str]:
    """Read an options mapping ``{code: label}`` with integer codes."""
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
        else:
            out[code] = str(label)
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
    scales = _read_scales(data, file, problems)
    sections = _read_sections(data, file, problems)
    raw_items = _item_list(data, file, problems)
    items, broken = _read_items(raw_items, data, file, {s.id for s in sections}, scales, problems)
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
    return {
        str(name): _codes(opts, f"schaal {name}", problems, file, line_of(raw_scales, name))
        for name, opts in raw_scales.items()
    }


def _check_grade_item(
    data: Mapping, by_id: Mapping[str, Item], broken: set[str], file: str
) -> list[Problem]:
    """``grade_item`` must name an item of type grade."""
    grade_id = str(data["grade_item"])
    grade = by_id.get(grade_id)
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
    for c in complete:
        if c not in known:
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
    for raw in raw_sections:
        if not isinstance(raw, Mapping) or not raw.get("id") or "title" not in raw:
            problems.append(
                Problem(file, "sectie zonder id of titel", row=line_of(raw), value=_shown(raw))
            )
            continue
        sid = str(raw["id"])
        dienst = _read_diensten(raw, f"sectie {sid}", file, problems)
        sections.append(
            Section(sid, str(raw["title"]), str(raw.get("intro", "") or "").strip(), dienst)
        )
    return sections


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
        return rows


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
        note=_optional_text(raw.get("note")),
        label=_optional_text(raw.get("label")),
    )
    if raw.get("decimals", False) not in (True, False):
        reader.add("decimals moet true of false zijn", "decimals", _shown(raw.get("decimals")))
    return item


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
        other_text = str(other["text"])
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
    return str(text).strip()


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
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)  # a SafeLoader
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
