"""Item types: one class per kind of questionnaire item, found through one registry.

A codebook item names its type (``grade``, ``single``, ``multi``, ``scale``, ``matrix``,
``open``); everything that depends on that type is a method of its class here:

- the export columns it occupies (:meth:`ItemType.columns`),
- the type-specific codebook fields it reads (:meth:`ItemType.read_fields`: options, a scale,
  rows),
- when a respondent was *asked* it (services and routing, :meth:`ItemType.asked`; the routing
  source's side is :meth:`ItemType.selects`) and when they *answered* it,
- how one of its answer columns is checked (:meth:`ItemType.check_column`) and whether SPSS
  value labels are compared with its options,
- its distribution (the :mod:`metrics` function it uses) and the kind of figure drawn of it
  (:meth:`ItemType.figure_kind`, a kind of :func:`figures.alt_text`, or None),
- how the demo simulates answers to it (:meth:`ItemType.simulate`).

:mod:`codebook`, :mod:`dataset`, :mod:`checks`, :mod:`demo` and the report dispatch through
``item.kind`` (``ITEM_TYPES[item.type]``) instead of comparing type strings.

About the registry being module state: :data:`ITEM_TYPES` is filled when this module is
imported and is not changed by anything in the package afterwards, so in normal use it is a
constant, like a table of entry points. :meth:`Registry.register` exists so that a new item
type can be added without touching this module (a plugin, or a test); it refuses a key that
is taken, so nothing can silently replace a built-in type, and :meth:`Registry.registered`
adds a type for the duration of a ``with`` block only. A type registered at run time exists
in the registering process (and in workers forked from it after registration), not in
processes started afresh.

This module imports neither :mod:`codebook` nor :mod:`dataset` (they import it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np
import pandas as pd

from . import metrics
from .checks import flag, options_text
from .errors import Problem

if TYPE_CHECKING:
    from .codebook import Codebook, Item
    from .demo import AnswerSimulator

#: Figure kinds an item type may name (those :func:`figures.alt_text` knows).
FIGURE_KINDS = ("single", "multi", "stacked", "means")


@dataclass(frozen=True)
class ItemFields:
    """The type-specific fields of an item as its codebook entry gives them."""

    options: Mapping[int, str] = field(default_factory=dict)
    rows: Mapping[str, str] = field(default_factory=dict)
    scale: str | None = None


class FieldReader(Protocol):
    """Reads the type-specific fields of one codebook item, reporting what is wrong.

    :mod:`codebook` passes one to :meth:`ItemType.read_fields`; each method adds a problem
    (with file, line and field) and returns an empty value when the field is missing or wrong.
    """

    def options(self) -> dict[int, str]:
        """The item's own ``options`` (``code: label``)."""
        ...

    def scale(self) -> tuple[str | None, dict[int, str]]:
        """The item's ``scale``: its name and options (None and ``{}`` when unknown)."""
        ...

    def rows(self) -> dict[str, str]:
        """The item's ``rows`` (``key: text``), for an item with one column per row."""
        ...


class ItemType:
    """What one kind of item means; subclass it and register it in :data:`ITEM_TYPES`.

    The defaults describe an item with one coded column (``<id>``) that is answered when that
    column is filled, routes on its code, has no figure and no checks of its own.
    """

    #: The ``type`` of an item of this kind in a codebook.
    key: ClassVar[str] = ""
    #: What the type means, in Dutch (documentation for codebook authors).
    description: ClassVar[str] = ""
    #: Whether its answers are numeric codes (False: free text, never parsed as numbers).
    coded: ClassVar[bool] = True
    #: Whether the SPSS value labels of its columns are compared with its options.
    labelled: ClassVar[bool] = False
    #: Default of ``figure:`` in the codebook.
    figure_default: ClassVar[bool] = True

    # -- the codebook

    def read_fields(self, reader: FieldReader) -> ItemFields:
        """The type-specific fields of an item (options, rows, scale) from its codebook entry."""
        return ItemFields()

    def columns(self, item: Item) -> list[str]:
        """The export columns of ``item``, in order."""
        return [item.id]

    # -- who was asked, who answered

    def asked(
        self,
        item: Item,
        codebook: Codebook,
        answers: Mapping[str, object],
        dienst: Sequence[object],
    ) -> np.ndarray:
        """Whether ``item`` was put to each respondent: its service filter (on the item or its
        section) and its routing (``when``: the source item answered with one of the values).

        ``answers`` maps export columns to one value per respondent (a response frame, or the
        columns the demo has generated so far); ``dienst`` is each respondent's service
        (missing or 0 for opdrachtgevers). An item that was not asked cannot be answered, so it
        must not make a response incomplete. Returns a boolean array, one per respondent.
        """
        asked = np.ones(len(dienst), dtype=bool)
        section = next((s for s in codebook.sections if s.id == item.section), None)
        for diensten in (item.diensten, section.diensten if section else None):
            if diensten:
                asked &= _isin(dienst, diensten)
        if item.when is not None:
            source = codebook.item(item.when.item)
            asked &= source.kind.selects(source, answers, item.when.values)
        return asked

    def selects(
        self, item: Item, answers: Mapping[str, object], values: Iterable[int]
    ) -> np.ndarray:
        """Whether each respondent answered ``item`` with one of ``values`` (the routing of
        another item on this one); a missing answer never matches."""
        return _isin(answers[self.columns(item)[0]], values)

    def answered(self, item: Item, answers: pd.DataFrame) -> pd.Series:
        """Whether each row of ``answers`` has an answer to ``item`` (every column filled)."""
        return answers[self.columns(item)].notna().all(axis=1)

    # -- checks

    def check_column(
        self,
        item: Item,
        values: pd.Series,
        numbers: pd.Series,
        not_number: pd.Series,
        file: str,
        column: str,
    ) -> list[Problem]:
        """Problems in one export column of ``item``: its cells as text, as numbers, and
        which cells are no number (only called for :attr:`coded` types)."""
        return []

    # -- the report

    def distribution(self, item: Item, answers: pd.DataFrame) -> pd.DataFrame | None:
        """The distribution of the answers in ``answers`` (one row per respondent), as the
        :mod:`metrics` function of this type returns it; None when the type has none."""
        return None

    @property
    def has_distribution(self) -> bool:
        """Whether answers of this type have a distribution: the type defines
        :meth:`distribution` (known without computing one)."""
        return type(self).distribution is not ItemType.distribution

    def figure_kind(self, item: Item) -> str | None:
        """The kind of figure of ``item`` (one of :data:`FIGURE_KINDS`), None for none."""
        return None

    # -- the demo

    def simulate(
        self, sim: AnswerSimulator, item: Item, asked: np.ndarray, prng: np.random.Generator
    ) -> list[np.ndarray]:
        """Demo answers to ``item``: one array per export column (NaN or '' where empty).

        ``asked`` is who was asked it; ``prng`` is seeded from the item (its character, the
        same in every period), ``sim.rng`` is the questionnaire's stream. The order of draws
        is part of the demo data: changing it changes every file after this item.
        """
        raise NotImplementedError(f"item type {self.key} has no demo answers")

    def export_text(self, item: Item, values: np.ndarray) -> np.ndarray:
        """An answer column as a response export holds it: codes as whole numbers, '' empty."""
        if values.dtype == object:
            return values
        out = np.full(values.shape, "", dtype=object)
        filled = ~np.isnan(values)
        out[filled] = values[filled].astype(np.int64).astype(str)
        return out

    def __repr__(self) -> str:
        return f"<item type {self.key}>"


class Registry(Mapping[str, ItemType]):
    """Item types by key, in the order they were registered (see the module docstring)."""

    def __init__(self, kinds: Iterable[ItemType | type[ItemType]] = ()):
        self._kinds: dict[str, ItemType] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: ItemType | type[ItemType]) -> ItemType | type[ItemType]:
        """Add an item type (a class or an instance); usable as a class decorator.

        Raises ValueError when its key is empty or already registered."""
        instance = kind() if isinstance(kind, type) else kind
        if not instance.key:
            raise ValueError(f"{type(instance).__name__} has no key")
        if instance.key in self._kinds:
            raise ValueError(f"item type {instance.key!r} is already registered")
        self._kinds[instance.key] = instance
        return kind

    @contextmanager
    def registered(self, kind: ItemType | type[ItemType]) -> Iterator[ItemType]:
        """Register ``kind`` for the duration of a ``with`` block (for tests)."""
        instance = kind() if isinstance(kind, type) else kind
        self.register(instance)
        try:
            yield instance
        finally:
            del self._kinds[instance.key]

    def __getitem__(self, key: str) -> ItemType:
        return self._kinds[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def __repr__(self) -> str:
        return f"Registry({', '.join(self._kinds)})"


# --------------------------------------------------------------------------- helpers


def _isin(values: object, wanted: Iterable[object]) -> np.ndarray:
    """Elementwise ``value in wanted`` as a plain boolean array; missing values never match."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    return np.asarray(series.isin(list(wanted)), dtype=bool)


def is_grade_scale(options: Iterable[int]) -> bool:
    """Whether a scale is a 1-10 grade (aspects graded like a rapportcijfer)."""
    return sorted(options) == list(range(1, 11))


def _codes_problems(
    values: pd.Series,
    numbers: pd.Series,
    not_number: pd.Series,
    file: str,
    column: str,
    allowed: Sequence[float],
    expected: str,
) -> list[Problem]:
    """Cells that are not one of the ``allowed`` codes."""
    bad = not_number | (numbers.notna() & ~numbers.isin(allowed))
    return flag(file, bad, values, column, "onbekende antwoordcode", expected)


def _decimals(
    numbers: pd.Series, values: pd.Series, file: str, column: str, item: Item
) -> list[Problem]:
    """Report grades with more decimals than the codebook allows (none, or one)."""
    if not item.decimals:
        return flag(
            file,
            numbers.notna() & (numbers != numbers.round()),
            values,
            column,
            "rapportcijfer met decimalen, terwijl het codeboek alleen hele getallen toestaat",
            "een geheel getal 1-10",
        )
    tenths = numbers * 10
    return flag(
        file,
        numbers.notna() & ~np.isclose(tenths, tenths.round(), rtol=0, atol=1e-6),
        values,
        column,
        "cijfer met meer dan één decimaal",
        "een getal met hoogstens één decimaal, zoals 7,5",
    )


# --------------------------------------------------------------------------- the types


class GradeItem(ItemType):
    """The rapportcijfer: a grade 1-10, whole or (``decimals: true``) with one decimal."""

    key = "grade"
    description = "rapportcijfer 1-10 (één kolom)"

    def check_column(self, item, values, numbers, not_number, file, column):
        problems = flag(
            file, not_number, values, column, "rapportcijfer is geen getal", "een getal 1-10"
        )
        problems += flag(
            file,
            (numbers < 1) | (numbers > 10),
            values,
            column,
            "rapportcijfer buiten 1-10",
            "een getal 1-10",
        )
        return problems + _decimals(numbers, values, file, column, item)

    def distribution(self, item, answers):
        return metrics.grade_distribution(answers[item.id])

    def simulate(self, sim, item, asked, prng):
        return sim.grade(item, sim.responds(item, asked))

    def export_text(self, item, values):
        if values.dtype == object or not item.decimals:
            return super().export_text(item, values)
        out = np.full(values.shape, "", dtype=object)
        filled = ~np.isnan(values)
        out[filled] = [f"{v:g}" for v in np.round(values[filled], 1)]
        return out


class SingleItem(ItemType):
    """One answer from a list of options (``options``); one column holding the code."""

    key = "single"
    description = "één antwoord uit een lijst (één kolom met een code)"
    labelled = True

    def read_fields(self, reader):
        return ItemFields(options=reader.options())

    def check_column(self, item, values, numbers, not_number, file, column):
        return _codes_problems(
            values, numbers, not_number, file, column, list(item.options), options_text(item)
        )

    def distribution(self, item, answers):
        return metrics.choice_distribution(answers[item.id], dict(item.options))

    def figure_kind(self, item):
        return "single"

    def simulate(self, sim, item, asked, prng):
        return sim.single(item, sim.responds(item, asked), prng)


class MultiItem(ItemType):
    """Several answers from a list: one 0/1 column per option (``<id>_<code>``)."""

    key = "multi"
    description = "meerdere antwoorden (één kolom per optie, 1 = gekozen, 0 = niet gekozen)"

    def read_fields(self, reader):
        return ItemFields(options=reader.options())

    def columns(self, item):
        return [f"{item.id}_{code}" for code in item.options]

    def selects(self, item, answers, values):
        """Whether any of the options ``values`` was chosen."""
        hit = np.zeros(len(answers[self.columns(item)[0]]), dtype=bool)
        for value in values:
            column = f"{item.id}_{value}"
            if column in answers:
                hit |= np.asarray(answers[column] == 1, dtype=bool)
        return hit

    def answered(self, item, answers):
        """Answered when any option column is filled."""
        return answers[self.columns(item)].notna().any(axis=1)

    def check_column(self, item, values, numbers, not_number, file, column):
        return _codes_problems(
            values, numbers, not_number, file, column, (0, 1), "1 (gekozen) of 0 (niet gekozen)"
        )

    def distribution(self, item, answers):
        return metrics.multi_distribution(answers, dict(item.options), self.columns(item))

    def figure_kind(self, item):
        return "multi"

    def simulate(self, sim, item, asked, prng):
        return sim.multi(item, sim.responds(item, asked), prng)


class ScaleItem(SingleItem):
    """A satisfaction scale (``scale``: a scale of the codebook); one column with its code.

    With ``decimals: true`` a cell may also hold a grade with one decimal, as far as the scale
    reaches from 1 to 10."""

    key = "scale"
    description = "tevredenheidsschaal (één kolom met een code van de schaal)"

    def read_fields(self, reader):
        scale, options = reader.scale()
        return ItemFields(options=options, scale=scale)

    def check_column(self, item, values, numbers, not_number, file, column):
        allowed = list(item.options)
        if not (item.decimals and allowed):
            return super().check_column(item, values, numbers, not_number, file, column)
        # A scale of grades (decimals: true): besides its codes, any grade from 1 to 10 (as
        # far as the scale reaches) with one decimal, as for the grade item itself.
        known = numbers.isin(allowed)
        low, high = max(1, min(allowed)), min(10, max(allowed))
        inside = (numbers >= low) & (numbers <= high)
        problems = _decimals(numbers.where(inside & ~known), values, file, column, item)
        known |= inside
        expected = f"een cijfer van {low} tot en met {high}, hoogstens één decimaal"
        bad = not_number | (numbers.notna() & ~known)
        return flag(file, bad, values, column, "onbekende antwoordcode", expected) + problems

    def figure_kind(self, item):
        return "stacked"

    def simulate(self, sim, item, asked, prng):
        return sim.scale(item, sim.responds(item, asked), prng)


class MatrixItem(ScaleItem):
    """A series of questions on one scale: one column per row (``<id>_<row>``).

    A matrix of grades (a 1-10 scale) is shown as means per row, any other as stacked bars."""

    key = "matrix"
    description = "een reeks schaalvragen met dezelfde schaal (één kolom per rij)"

    def read_fields(self, reader):
        scale, options = reader.scale()
        return ItemFields(options=options, rows=reader.rows(), scale=scale)

    def columns(self, item):
        return [f"{item.id}_{row}" for row in item.rows]

    def distribution(self, item, answers):
        if is_grade_scale(item.options):
            return metrics.matrix_means(answers, dict(item.rows), item.id)
        return metrics.matrix_distribution(answers, dict(item.rows), dict(item.options), item.id)

    def figure_kind(self, item):
        return "means" if is_grade_scale(item.options) else "stacked"

    def simulate(self, sim, item, asked, prng):
        return sim.matrix(item, asked, prng)


class OpenItem(ItemType):
    """Free text, for instance after 'Anders, namelijk'; one column, no figure by default."""

    key = "open"
    description = "open tekst, bijvoorbeeld bij 'Anders, namelijk' (één kolom)"
    coded = False
    figure_default = False

    def selects(self, item, answers, values):
        """Codes never match a text."""
        return np.zeros(len(answers[item.id]), dtype=bool)

    def simulate(self, sim, item, asked, prng):
        return sim.open_text(item, asked)


#: The item types a codebook may use, in the order error messages list them.
ITEM_TYPES = Registry([GradeItem, SingleItem, MultiItem, ScaleItem, MatrixItem, OpenItem])
