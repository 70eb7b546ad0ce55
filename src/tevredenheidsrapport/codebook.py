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


def _codes(raw: object, where: str, problems: list[Problem], file: str) -> dict[int, str]:
    """Read an options mapping ``{code: label}`` with integer codes."""
    if not isinstance(raw, Mapping) or not raw:
        problems.append(Problem(file, f"{where}: antwoordopties ontbreken", expected="code: label"))
        return {}
    out: dict[int, str] = {}
    for key, label in raw.items():
        try:
            out[int(key)] = str(label)
        except (TypeError, ValueError):
            problems.append(Problem(file, f"{where}: antwoordcode is geen geheel getal", value=key))
    return out


def parse_codebook(data: Mapping, file: str = "<codebook>") -> Codebook:
    """Build a :class:`Codebook` from parsed YAML; raises CodebookError listing every problem."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise CodebookError([Problem(file, "codebook is geen YAML-mapping")])
    for key in ("codebook", "questionnaire", "group", "version", "grade_item", "items", "sections"):
        if key not in data:
            problems.append(Problem(file, f"verplicht veld '{key}' ontbreekt"))
    if problems:
        raise CodebookError(problems)
    if data["group"] not in GROUPS:
        problems.append(
            Problem(file, "onbekende groep", column="group", value=data["group"], expected=", ".join(GROUPS))
        )
    scales = {name: _codes(opts, f"schaal {name}", problems, file) for name, opts in (data.get("scales") or {}).items()}

    sections: list[Section] = []
    for raw in data["sections"] or []:
        sid = str(raw.get("id", ""))
        if not sid or "title" not in raw:
            problems.append(Problem(file, "sectie zonder id of titel", value=raw))
            continue
        dienst = raw.get("diensten")
        sections.append(Section(sid, str(raw["title"]), str(raw.get("intro", "")).strip(), tuple(dienst) if dienst else None))
    section_ids = {s.id for s in sections}

    items: list[Item] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["items"] or []):
        iid = str(raw.get("id", ""))
        where = f"item {iid or '#' + str(i + 1)}"
        if not iid:
            problems.append(Problem(file, f"{where}: id ontbreekt"))
            continue
        if iid in seen:
            problems.append(Problem(file, f"{where}: id komt twee keer voor", value=iid))
        seen.add(iid)
        itype = raw.get("type")
        if itype not in ITEM_TYPES:
            problems.append(
                Problem(file, f"{where}: onbekend itemtype", column="type", value=itype, expected=", ".join(ITEM_TYPES))
            )
            continue
        section = str(raw.get("section", ""))
        if section not in section_ids:
            problems.append(
                Problem(file, f"{where}: sectie bestaat niet", column="section", value=section, expected=", ".join(sorted(section_ids)))
            )
        options: dict[int, str] = {}
        scale = raw.get("scale")
        if itype in ("single", "multi"):
            options = _codes(raw.get("options"), where, problems, file)
        elif itype in ("scale", "matrix"):
            if scale not in scales:
                problems.append(Problem(file, f"{where}: schaal bestaat niet", column="scale", value=scale, expected=", ".join(scales)))
            else:
                options = scales[scale]
        rows: dict[str, str] = {}
        if itype == "matrix":
            rows = {str(k): str(v) for k, v in (raw.get("rows") or {}).items()}
            if not rows:
                problems.append(Problem(file, f"{where}: matrix zonder rijen"))
        when = None
        if "when" in raw:
            w = raw["when"] or {}
            vals = w.get("in")
            if not w.get("item") or not isinstance(vals, list):
                problems.append(Problem(file, f"{where}: routering moet 'item' en 'in' hebben", value=w))
            else:
                when = Routing(str(w["item"]), tuple(int(v) for v in vals))
        diensten = raw.get("diensten")
        if diensten is not None and not all(isinstance(d, int) and 1 <= d <= 13 for d in diensten):
            problems.append(Problem(file, f"{where}: diensten moeten codes 1-13 zijn", value=diensten))
        other = raw.get("other") or {}
        items.append(
            Item(
                id=iid,
                type=itype,
                text=str(raw.get("text", "")).strip(),
                section=section,
                options=MappingProxyType(options),
                rows=MappingProxyType(rows),
                scale=scale,
                other_option=int(other["option"]) if "option" in other else None,
                other_text=str(other["text"]) if "text" in other else None,
                decimals=bool(raw.get("decimals", False)),
                when=when,
                diensten=tuple(diensten) if diensten else None,
                figure=bool(raw.get("figure", itype != "open")),
                note=raw.get("note"),
                label=raw.get("label"),
            )
        )
        if not items[-1].text:
            problems.append(Problem(file, f"{where}: vraagtekst ontbreekt"))

    by_id = {it.id: it for it in items}
    for it in items:
        if it.when and it.when.item not in by_id:
            problems.append(Problem(file, f"routering van item {it.id} verwijst naar een onbekend item", value=it.when.item))
        if it.other_text and it.other_text not in by_id:
            problems.append(Problem(file, f"'anders'-tekst van item {it.id} verwijst naar een onbekend item", value=it.other_text))
        if it.other_option is not None and it.other_option not in it.options:
            problems.append(Problem(file, f"'anders'-optie van item {it.id} is geen antwoordcode", value=it.other_option))
    grade = by_id.get(str(data["grade_item"]))
    if grade is None or grade.type != "grade":
        problems.append(Problem(file, "grade_item noemt geen item van type grade", value=data["grade_item"]))
    complete = tuple(str(c) for c in data.get("complete_when") or [data["grade_item"]])
    for c in complete:
        if c not in by_id:
            problems.append(Problem(file, "complete_when noemt een onbekend item", value=c))
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
        roles=MappingProxyType(dict(data.get("roles") or {})),
        path=file,
    )


def load_codebook(path: str | Path) -> Codebook:
    """Read and check one codebook file; raises CodebookError listing every problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CodebookError([Problem(str(path), f"codebook niet te lezen: {exc}")]) from exc
    cb = parse_codebook(data, str(path))
    if cb.id != path.stem:
        raise CodebookError([Problem(str(path), "codebook-id wijkt af van de bestandsnaam", value=cb.id, expected=path.stem)])
    return cb


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
