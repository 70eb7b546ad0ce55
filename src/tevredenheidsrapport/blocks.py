"""The report as data: frozen content blocks, without markup.

The report's methods return :class:`Blocks`, a sequence of the blocks below. A block carries
what it shows (text, the data of a figure or table, title, item id, n, source line) and why
something is withheld, but no syntax of any output format: the renderers in
:mod:`.renderers` turn the same blocks into Pandoc markdown (for HTML, Typst/PDF and DOCX)
and into what Jupyter displays, as great-tables builds a table once and renders it per
format. The sidecar and the lists of figures and tables are derived from the blocks a report
produced (:func:`entries`), so nothing is recorded as a side effect.

Blocks travel from the notebook's cells to the renderer as cell output: a JSON document
under :data:`BLOCKS_MIME` (:meth:`Blocks.to_json`, :meth:`Blocks.from_json`). The data frame
of a figure stays in the notebook (it has been drawn by then) and is not serialised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import pandas as pd

#: What a test compares the provider with (sidecar ``tegen``): the other participants, or
#: its own previous measurement (the test's ``*_rest`` then hold that measurement).
AGAINST_REST = "rest"
AGAINST_PREVIOUS = "vorige meting"

#: MIME type under which a cell hands its blocks to our renderer.
BLOCKS_MIME = "application/vnd.tevreden.blocks+json"


@dataclass(frozen=True)
class Block:
    """Base class; ``kind`` names the block type in the serialised form."""

    kind: ClassVar[str] = "block"


@dataclass(frozen=True)
class Heading(Block):
    """A section heading; numbered by the document's outline, never here."""

    kind: ClassVar[str] = "heading"
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph(Block):
    """A paragraph of plain text (shown literally)."""

    kind: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class Note(Block):
    """A short note under a figure or table; ``muted`` sets it small and grey in print."""

    kind: ClassVar[str] = "note"
    lines: tuple[str, ...]
    muted: bool = False


@dataclass(frozen=True)
class OpenAnswers(Block):
    """The texts given at 'Anders, namelijk', listed only when a setting allows it."""

    kind: ClassVar[str] = "open_answers"
    intro: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Figure(Block):
    """A drawn figure: its image file, alt text, and for the sidecar its n and item.

    ``image`` is the path of the SVG file as the figure sink wrote it; a renderer makes it
    relative to the directory the document is read from. ``data`` is the frame the figure
    was drawn from (not serialised)."""

    kind: ClassVar[str] = "figure"
    id: str
    title: str
    image: str
    alt: str
    source: str
    n: int | None = None
    n_benchmark: int | None = None
    item: str | None = None
    data: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    #: The tests the figure shows (sidecar "toetsen"): against the rest, and against the
    #: provider's previous measurement (``tegen``).
    tests: tuple[Mapping, ...] = ()

    @property
    def marked(self) -> bool:
        """Whether a result in the figure differs significantly from the rest."""
        return self._significant(AGAINST_REST)

    @property
    def trend_marked(self) -> bool:
        """Whether a result in the figure differs significantly from the previous one."""
        return self._significant(AGAINST_PREVIOUS)

    def _significant(self, against: str) -> bool:
        return any(
            t.get("richting") in ("hoger", "lager") and t.get("tegen") == against
            for t in self.tests
        )


@dataclass(frozen=True)
class Suppressed(Block):
    """A figure or table withheld (too few answers, or none), with its reason.

    ``shown`` is False where the report says nothing about it (a question for services the
    provider's clients did not use, or a chapter nobody answered): the sidecar still lists
    it with its reason, so that no figure is left out without a trace."""

    kind: ClassVar[str] = "suppressed"
    of: str  # figure | table
    id: str
    title: str
    reason: str
    item: str | None = None
    shown: bool = True


@dataclass(frozen=True)
class Table(Block):
    """A table: a frame of display strings, rendered by the one table renderer.

    ``align`` has one letter per column (l, r, c); ``widths`` relative column widths (or
    none: as wide as the content). ``row_styles`` has one entry per row: ``""``, ``"strong"``
    (a total, its first cell in bold) or ``"group"`` (a heading row, first cell in bold)."""

    kind: ClassVar[str] = "table"
    id: str
    title: str
    frame: pd.DataFrame = field(compare=False)
    align: str
    widths: tuple[int, ...] | None = None
    row_styles: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    n: int | None = None
    #: Tests the table shows (sidecar "toetsen"), as for a figure.
    tests: tuple[Mapping, ...] = ()


@dataclass(frozen=True)
class DocumentMeta(Block):
    """Document metadata: page title, language, the conditions the narrative's
    ``.content-visible when-meta=...`` blocks test, and the caption prefixes."""

    kind: ClassVar[str] = "meta"
    pagetitle: str
    lang: str
    conditions: Mapping[str, bool]
    prefixes: Mapping[str, str]


@dataclass(frozen=True)
class Cover(Block):
    """The cover page."""

    kind: ClassVar[str] = "cover"
    title: str
    provider: str
    period: str
    status: str
    client: str
    place_date: str


@dataclass(frozen=True)
class CoverFigure(Block):
    """A small figure of the cover summary (map, donut)."""

    kind: ClassVar[str] = "cover_figure"
    id: str
    title: str
    image: str
    alt: str
    caption: str
    n: int | None = None
    item: str | None = None


@dataclass(frozen=True)
class Summary(Block):
    """The cover summary: map, mean grade, strongest staff aspect, donut, best aspects."""

    kind: ClassVar[str] = "summary"
    grade: str
    grade_note: str
    grade_caption: str
    staff_intro: str
    staff: str
    best_intro: str
    best: tuple[str, ...]
    label: str
    map: CoverFigure | None = None
    donut: CoverFigure | None = None


@dataclass(frozen=True)
class Contents(Block):
    """The table of contents (with page numbers where the format has pages)."""

    kind: ClassVar[str] = "contents"
    title: str


@dataclass(frozen=True)
class ReportRecord(Block):
    """What the sidecar states beyond the figures: provider, period, table 2.2, norm.

    Shown in no format."""

    kind: ClassVar[str] = "record"
    provider: Mapping[str, Any]
    period: Mapping[str, Any]
    table11: tuple[Mapping[str, Any], ...]
    norm: Mapping[str, Any]


BLOCK_TYPES: Mapping[str, type[Block]] = MappingProxyType(
    {
        cls.kind: cls
        for cls in (
            Heading,
            Paragraph,
            Note,
            OpenAnswers,
            Figure,
            Suppressed,
            Table,
            DocumentMeta,
            Cover,
            CoverFigure,
            Summary,
            Contents,
            ReportRecord,
        )
    }
)


# ---- the sequence a cell returns -----------------------------------------------------------
@dataclass(frozen=True)
class Blocks(Sequence):
    """An immutable sequence of blocks, as a report method returns it.

    ``a + b`` concatenates (flattening, ``None`` and empty parts skipped). In a notebook it
    displays through ``display``, the renderer the report's session chose
    (:mod:`.renderers`): Pandoc markdown for Quarto and our renderer, HTML for Jupyter. Our
    renderer reads the blocks themselves from :data:`BLOCKS_MIME`.
    """

    items: tuple[Block, ...] = ()
    display: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def join(cls, parts: Iterable[Block | Blocks | None], display: Any = None) -> Blocks:
        flat: list[Block] = []
        for it in parts:
            if it is None:
                continue
            if isinstance(it, Blocks):
                flat.extend(it.items)
                display = display or it.display
            elif isinstance(it, Block):
                flat.append(it)
            else:
                raise TypeError(f"not a block: {it!r}")
        return cls(tuple(flat), display)

    def __getitem__(self, index):
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __add__(self, other: Blocks | Block) -> Blocks:
        return Blocks.join([self, other], self.display)

    def of(self, *types: type[Block]) -> Iterator[Block]:
        """The blocks of the given types, in order (a summary's cover figures included)."""
        for b in self.items:
            if isinstance(b, types):
                yield b
            if isinstance(b, Summary) and CoverFigure in types:
                yield from (f for f in (b.map, b.donut) if f is not None)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = dict(self.display.bundle(self)) if self.display is not None else {}
        bundle[BLOCKS_MIME] = self.to_json()
        bundle.setdefault("text/plain", "")
        return bundle

    def to_json(self) -> list[dict]:
        """JSON-ready form (figure frames left out)."""
        return [_encode(b) for b in self.items]

    @classmethod
    def from_json(cls, items: list[dict]) -> Blocks:
        return cls(tuple(_decode(d) for d in items))


def _encode(block: Block) -> dict:
    out: dict[str, Any] = {"kind": block.kind}
    for f in dataclasses.fields(block):
        value = getattr(block, f.name)
        if f.name == "data":
            continue
        if isinstance(value, pd.DataFrame):
            value = {
                "columns": [str(c) for c in value.columns],
                "rows": [[str(v) for v in row] for row in value.itertuples(index=False)],
            }
        elif isinstance(value, Block):
            value = _encode(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, tuple):
            value = [dict(v) if isinstance(v, Mapping) else v for v in value]
        out[f.name] = value
    return out


def _decode(data: Mapping) -> Block:
    cls = BLOCK_TYPES[data["kind"]]
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "frame":
            value = pd.DataFrame(value["rows"], columns=value["columns"], dtype=object)
        elif isinstance(value, Mapping) and "kind" in value:
            value = _decode(value)
        elif isinstance(value, Mapping):
            value = MappingProxyType(dict(value))
        elif isinstance(value, list):
            value = tuple(MappingProxyType(v) if isinstance(v, Mapping) else v for v in value)
        kwargs[f.name] = value
    return cls(**kwargs)


# ---- what the sidecar lists ----------------------------------------------------------------
def entries(blocks: Iterable[Block]) -> list[dict]:
    """Sidecar entries of the figures, tables, cover figures and withheld items, in order."""
    out: list[dict] = []
    for b in Blocks.join(blocks).of(Figure, Table, Suppressed, CoverFigure):
        if isinstance(b, Figure):
            e = {"kind": "figure", "id": b.id, "title": b.title, "n": b.n}
            e |= {"n_benchmark": b.n_benchmark, "item": b.item}
            e |= {"toetsen": [dict(t) for t in b.tests] or None}
        elif isinstance(b, Table):
            e = {"kind": "table", "id": b.id, "title": b.title, "n": b.n}
            e |= {"toetsen": [dict(t) for t in b.tests] or None}
        elif isinstance(b, CoverFigure):
            e = {"kind": "cover", "id": b.id, "title": b.title, "n": b.n, "item": b.item}
        else:
            e = {"kind": b.of, "id": b.id, "title": b.title, "item": b.item}
            e["suppressed"] = b.reason
            e["shown"] = b.shown
        out.append({k: v for k, v in e.items() if v is not None})
    return out
