"""Questionnaire codebooks: a questionnaire version is data (YAML), not code.

A codebook names every item of one questionnaire version, its type, its wording, its answer
labels, its routing and the report section it belongs to. A new year's questionnaire is a new
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

#: Item types and what each means; the loader rejects anything else.
ITEM_TYPES: dict[str, str] = {
    "grade": "rapportcijfer 1-10 (één kolom)",
    "single": "één antwoord uit een lijst (één kolom met een code)",
    "multi": "meerdere antwoorden (één kolom per optie, 1 = gekozen, 0 = niet gekozen)",
    "scale": "tevredenheidsschaal (één kolom met een code van de schaal)",
    "matrix": "een reeks schaalvragen met dezelfde schaal (één kolom per rij)",
    "open": "open tekst, bijvoorbeeld bij 'Anders, namelijk' (één kolom)",
}
GROUPS = ("client", "opdrachtgever")


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

    def columns(self) -> list[str]:
        """Return the export column names of this item, in order."""
        if self.type == "multi":
            return [f"{self.id}_{code}" for code in self.options]
        if self.type == "matrix":
            return [f"{self.id}_{row}" for row in self.rows]
        return [self.id]


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
    :func:`load_codebook`.
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise CodebookError([Problem(file, "codebook is geen YAML-mapping", value=_shown(data))])
    for key in ("codebook", "questionnaire", "group", "version", "grade_item", "items", "sections"):
        if key not in data:
            problems.append(Problem(file, f"verplicht veld '{key}' ontbreekt", column=key))
    if problems:
        raise CodebookError(problems)
    if data["group"] not in GROUPS:
        problems.append(
            Problem(
                file,
                "onbekende groep",
                row=line_of(data, "group"),
                column="group",
                value=data["group"],
                expected=", ".join(GROUPS),
            )
        )
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
    scales = {
        str(name): _codes(opts, f"schaal {name}", problems, file, line_of(raw_scales, name))
        for name, opts in raw_scales.items()
    }

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
        dienst = _diensten(raw.get("diensten"))
        if dienst is False:
            problems.append(
                Problem(
                    file,
                    f"sectie {sid}: diensten moeten codes 1-13 zijn",
                    row=line_of(raw, "diensten"),
                    column="diensten",
                    value=_shown(raw.get("diensten")),
                )
            )
            dienst = None
        sections.append(
            Section(sid, str(raw["title"]), str(raw.get("intro", "") or "").strip(), dienst or None)
        )
    section_ids = {s.id for s in sections}

    items: list[Item] = []
    seen: set[str] = set()
    broken: set[str] = set()  # items reported already: references to them need no second problem
    raw_items = data["items"] or []
    if not isinstance(raw_items, list):
        problems.append(
            Problem(
                file,
                "items moet een lijst zijn",
                row=line_of(data, "items"),
                column="items",
                value=_shown(raw_items),
            )
        )
        raw_items = []
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
        section = str(raw.get("section", ""))
        if section not in section_ids:
            problems.append(
                Problem(
                    file,
                    f"{where}: sectie bestaat niet",
                    row=line_of(raw, "section"),
                    column="section",
                    value=section,
                    expected=", ".join(sorted(section_ids)),
                )
            )
        options: dict[int, str] = {}
        scale = raw.get("scale")
        if itype in ("single", "multi"):
            options = _codes(raw.get("options"), where, problems, file, line_of(raw, "options"))
        elif itype in ("scale", "matrix"):
            if not isinstance(scale, str) or scale not in scales:
                problems.append(
                    Problem(
                        file,
                        f"{where}: schaal bestaat niet",
                        row=line_of(raw, "scale"),
                        column="scale",
                        value=_shown(scale),
                        expected=", ".join(scales),
                    )
                )
                scale = None
            else:
                options = scales[scale]
        rows: dict[str, str] = {}
        if itype == "matrix":
            raw_rows = raw.get("rows") or {}
            if isinstance(raw_rows, Mapping):
                rows = {str(k): str(v) for k, v in raw_rows.items()}
            if not rows:
                problems.append(
                    Problem(
                        file,
                        f"{where}: matrix zonder rijen",
                        row=line_of(raw, "rows") or line_of(raw),
                        column="rows",
                        value=_shown(raw.get("rows")),
                    )
                )
        when = None
        if "when" in raw:
            w = raw["when"]
            vals = w.get("in") if isinstance(w, Mapping) else None
            codes = [_int(v) for v in vals] if isinstance(vals, list) else []
            if not isinstance(w, Mapping) or not w.get("item") or not codes or None in codes:
                problems.append(
                    Problem(
                        file,
                        f"{where}: routering moet 'item' en 'in' (een lijst codes) hebben",
                        row=line_of(raw, "when"),
                        column="when",
                        value=_shown(w),
                        expected="{item: <id>, in: [1, 2]}",
                    )
                )
            else:
                when = Routing(str(w["item"]), tuple(c for c in codes if c is not None))
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
            diensten = None
        other = raw.get("other") or {}
        other_option = other_text = None
        if not isinstance(other, Mapping):
            problems.append(
                Problem(
                    file,
                    f"{where}: 'other' moet option en text geven",
                    row=line_of(raw, "other"),
                    column="other",
                    value=_shown(other),
                )
            )
        else:
            if "option" in other:
                other_option = _int(other["option"])
                if other_option is None:
                    problems.append(
                        Problem(
                            file,
                            f"{where}: 'anders'-optie is geen antwoordcode",
                            row=line_of(other, "option"),
                            column="other.option",
                            value=other["option"],
                        )
                    )
            if "text" in other:
                other_text = str(other["text"])
        text = raw.get("text")
        if isinstance(text, Mapping | list):
            problems.append(
                Problem(
                    file,
                    f"{where}: vraagtekst moet tekst zijn",
                    row=line_of(raw, "text"),
                    column="text",
                    value=_shown(text),
                )
            )
        elif text is None or not str(text).strip():
            problems.append(
                Problem(
                    file, f"{where}: vraagtekst ontbreekt", row=line_of(raw, "text"), column="text"
                )
            )
        text = "" if text is None or isinstance(text, Mapping | list) else str(text).strip()
        items.append(
            Item(
                id=iid,
                type=itype,
                text=text,
                section=section,
                options=MappingProxyType(options),
                rows=MappingProxyType(rows),
                scale=scale,
                other_option=other_option,
                other_text=other_text,
                decimals=raw.get("decimals", False) is True,
                when=when,
                diensten=diensten or None,
                figure=bool(raw.get("figure", itype != "open")),
                note=_optional_text(raw.get("note")),
                label=_optional_text(raw.get("label")),
            )
        )
        if raw.get("decimals", False) not in (True, False):
            problems.append(
                Problem(
                    file,
                    f"{where}: decimals moet true of false zijn",
                    row=line_of(raw, "decimals"),
                    column="decimals",
                    value=_shown(raw.get("decimals")),
                )
            )

    by_id = {it.id: it for it in items}
    known = set(by_id) | broken
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
    grade_id = str(data["grade_item"])
    grade = by_id.get(grade_id)
    if grade_id not in broken and (grade is None or grade.type != "grade"):
        problems.append(
            Problem(
                file,
                "grade_item noemt geen item van type grade",
                row=line_of(data, "grade_item"),
                column="grade_item",
                value=data["grade_item"],
            )
        )
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
    roles = data.get("roles") or {}
    if not isinstance(roles, Mapping):
        problems.append(
            Problem(
                file,
                "roles moet rol: item geven",
                row=line_of(data, "roles"),
                column="roles",
                value=_shown(roles),
            )
        )
        roles = {}
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
