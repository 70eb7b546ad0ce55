"""Building content blocks for one report: the shared context, the front matter, the tables.

:class:`BuildContext` is what every builder needs: the provider's facts, the figure sink of
the session, where figures go, and the text around every figure (source line, privacy
notes). The builders return :class:`~.blocks.Blocks` and record nothing: what a report
contains is what its cells returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, SimpleNamespace

import pandas as pd

from . import fmt, labels
from .blocks import (
    AGAINST_PREVIOUS,
    AGAINST_REST,
    Block,
    Blocks,
    Contents,
    Cover,
    CoverFigure,
    DocumentMeta,
    Figure,
    Note,
    ReportRecord,
    Suppressed,
    Table,
)
from .comparisons import POSITIVE, TREND_PREFIX
from .drawing import FigureSink
from .facts import ProviderFacts


@dataclass(frozen=True)
class BuildContext:
    """What the builders share for one report."""

    facts: ProviderFacts
    figures: FigureSink
    figure_dir: Path
    display: object = None  # the renderer blocks display with in a notebook

    def blocks(self, parts: Iterable[Block | Blocks | None]) -> Blocks:
        """The parts as one :class:`Blocks`; a figure with a significant difference is
        followed by the note that explains its symbols."""
        out: list[Block | Blocks | None] = []
        for part in parts:
            out.append(part)
            if isinstance(part, Figure) and (part.marked or part.trend_marked):
                stacked = part.data is not None and "row" in part.data.columns
                notes = []
                if part.marked:
                    notes.append(
                        labels.FIGURE_SIGNIFICANCE_SCALE if stacked else labels.FIGURE_SIGNIFICANCE
                    )
                if part.trend_marked:
                    notes.append(labels.FIGURE_TREND_SCALE if stacked else labels.FIGURE_TREND)
                out.append(Note(tuple(notes)))
        return Blocks.join(out, self.display)

    @property
    def min_answers(self) -> int:
        return self.facts.min_answers

    def plain(self, text: str) -> str:
        """Codebook text with the provider's name filled in, on one line."""
        return " ".join(str(text).replace("{provider}", self.facts.name).split())

    def with_n(self, group: str, n: int) -> str:
        return labels.WITH_N.format(group=group, n=fmt.number(n, 0))

    @property
    def source(self) -> str:
        s, p = self.facts.settings, self.facts.survey.period
        return labels.SOURCE_LINE.format(
            prefix=labels.SOURCE_PREFIX,
            bureau=s.bureau.short,
            title=s.report.title.lower(),
            years=fmt.period_years(p.start, p.end),
        )

    def save(self, ident: str, draw: Callable[[], object]) -> str:
        """Hand a drawing to the sink; returns the path of its SVG file."""
        return str(self.figures.save(self.figure_dir / f"{ident}.svg", draw))

    def figure(
        self,
        ident: str,
        title: str,
        draw: Callable[[], object],
        data: pd.DataFrame | None,
        alt: str,
        *,
        n: int | None = None,
        n_bench: int | None = None,
        item: str | None = None,
    ) -> Figure:
        """A figure block; the drawing is made now or later (see :mod:`.drawing`).

        Where the report tests the figure's comparison against the rest
        (:attr:`.ProviderFacts.tests`), ``data`` gets a ``mark`` column in place before it is
        drawn (``hoger``/``lager`` on the provider's significantly different results), the
        alt text says which they are, and the tests go into the block for the sidecar."""
        tests = self.facts.tests_of(ident) if n_bench is not None and data is not None else None
        found: tuple[dict, ...] = ()
        if tests is not None and len(tests):
            found = _mark(self, data, tests)
        trend = self.facts.tests_of(f"{TREND_PREFIX}{ident}") if data is not None else None
        if trend is not None and len(trend):
            found += _mark(self, data, trend, column="trend", against=AGAINST_PREVIOUS)
        if found:
            alt = f"{alt} {significance_alt(found)}".strip()
        image = self.save(ident, draw)
        return Figure(ident, title, image, alt, self.source, n, n_bench, item, data, found)

    def suppress(
        self,
        of: str,
        ident: str,
        title: str,
        n: int,
        item: str | None = None,
        *,
        derivable: bool = False,
    ) -> Suppressed:
        """The block that stands in for a withheld figure or table, with its reason: nobody
        answered, fewer than ``min_answers`` did (never how many), or it would give away a
        hidden number (``derivable``, secondary suppression)."""
        if derivable:
            reason = labels.FIGURE_DERIVABLE.format(k=self.min_answers)
        elif n == 0:
            reason = labels.FIGURE_NO_ANSWERS
        else:
            reason = labels.FIGURE_SUPPRESSED.format(k=self.min_answers)
        return Suppressed(of, ident, title, reason, item)


def _mark(
    ctx: BuildContext,
    data: pd.DataFrame,
    tests: pd.DataFrame,
    *,
    column: str = "mark",
    against: str = AGAINST_REST,
) -> tuple[dict, ...]:
    """Add ``column`` (``mark``: against the rest, ``trend``: against the previous
    measurement) to the provider's rows of a figure frame; return the figure's tests.

    The provider's rows: ``group`` is its name (bars), or ``row`` is not the benchmark's
    (stacked bars). A test's key is the row's ``label`` (means), ``option`` (choice) or
    ``block`` (a matrix row); a single stacked bar has the key ``positief``."""
    # plain lists rather than pandas operations: a report marks some forty small frames
    if "group" in data.columns:
        own = [g == ctx.facts.name for g in data["group"].tolist()]
    else:
        own = [
            labels.ALLE_DEELNEMERS not in r and not r.startswith(labels.PREVIOUS_MEASUREMENT)
            for r in map(str, data["row"].tolist())
        ]
    if "row" in data.columns:  # stacked bars: per matrix row (block), or one positive share
        key_column = "block" if "block" in data.columns else None
    else:
        key_column = "label" if "label" in data.columns else "option"
    columns = list(tests.columns)
    records = (
        SimpleNamespace(**dict(zip(columns, values, strict=True)))
        for values in zip(*(tests[c].tolist() for c in columns), strict=True)
    )
    by_key = {ctx.plain(k): t for k, t in zip(tests["key"].tolist(), records, strict=True)}

    def direction(t) -> str | None:
        return t.direction if isinstance(t.direction, str) else None

    keys = [str(k) for k in data[key_column].tolist()] if key_column else [POSITIVE] * len(data)
    shown = {k for k, is_own in zip(keys, own, strict=True) if is_own}
    data[column] = [
        (direction(by_key[k]) if k in by_key and is_own else None)
        for k, is_own in zip(keys, own, strict=True)
    ]
    return tuple(_test_record(k, t, direction(t), against) for k, t in by_key.items() if k in shown)


def significance_alt(tests: Iterable[Mapping]) -> str:
    """The alt text's sentence on significant differences (empty when there are none)."""
    parts = []
    sentences = (
        (AGAINST_REST, "hoger", labels.ALT_HIGHER),
        (AGAINST_REST, "lager", labels.ALT_LOWER),
        (AGAINST_PREVIOUS, "hoger", labels.ALT_TREND_HIGHER),
        (AGAINST_PREVIOUS, "lager", labels.ALT_TREND_LOWER),
    )
    for against, direction, text in sentences:
        keys = [t["sleutel"] for t in tests if t["richting"] == direction and t["tegen"] == against]
        if keys:
            shown = ", ".join(labels.POSITIVE_SHARE if k == POSITIVE else k for k in keys)
            parts.append(text.format(what=shown))
    return " ".join(parts)


# ---- front matter -------------------------------------------------------------------------
def cover(ctx: BuildContext, period: str, report_date: str) -> Blocks:
    """Document metadata and the cover page."""
    f, s = ctx.facts, ctx.facts.settings
    meta = DocumentMeta(
        pagetitle=f"{s.report.title} – {f.name}",
        lang="nl-NL",
        conditions=MappingProxyType(f.conditions),
        prefixes=MappingProxyType({"figure": labels.FIGURE_PREFIX, "table": labels.TABLE_PREFIX}),
    )
    page = Cover(
        title=s.report.title,
        provider=f.name,
        period=labels.COVER_PERIOD.format(period=period),
        status=s.report.status,
        client=labels.COVER_CLIENT.format(name=f.name),
        place_date=labels.COVER_PLACE_DATE.format(place=s.bureau.place, date=report_date),
    )
    return ctx.blocks([meta, page])


def contents(ctx: BuildContext) -> Blocks:
    return ctx.blocks([Contents(labels.CONTENTS_TITLE)])


def cover_figure(
    ctx: BuildContext,
    ident: str,
    draw: Callable[[], object],
    title: str,
    alt: str,
    caption: str,
    n: int,
    item: str | None = None,
) -> CoverFigure:
    return CoverFigure(ident, title, ctx.save(ident, draw), alt, caption, n, item)


# ---- tables -------------------------------------------------------------------------------
def table_services(ctx: BuildContext) -> Blocks:
    """The thirteen services and their numbers."""
    frame = pd.DataFrame(
        [(labels.SERVICE_LABEL.format(code=c), name) for c, name in labels.DIENSTEN.items()],
        columns=list(labels.SERVICES_COLUMNS),
    )
    note = labels.SERVICE_DISCONTINUED.format(code=labels.DIENST_VERVALLEN)
    table = Table("diensten", labels.TITLES["services"], frame, "ll", (12, 70), notes=(note,))
    return ctx.blocks([table])


#: Relative column widths of table 2.2.
TABLE11_WIDTHS = (25, 13, 11, 10, 16, 12, 13)


def interval_text(low: float, high: float) -> str:
    """``7,2–8,0``: an interval as printed, each end rounded half-up to one decimal."""
    return labels.INTERVAL.format(low=fmt.number(low), high=fmt.number(high))


def table11(ctx: BuildContext) -> Blocks:
    """Table 2.2, results for the keurmerk: a frame of display strings, with row styles."""
    k = ctx.min_answers
    rows: list[list[str]] = []
    styles: list[str] = []
    used_star = used_derived = used_dash = used_interval = withheld_interval = False
    groups = [
        (labels.CLIENTEN, ("dienst", "totaal")),
        (labels.OPDRACHTGEVERS, ("opdrachtgevers",)),
    ]
    table = ctx.facts.table
    for group, kinds in groups:
        part = table[table["kind"].isin(kinds)]
        if part.empty:
            continue
        rows.append([group, "", "", "", "", "", ""])
        styles.append("group")
        for _, r in part.iterrows():
            grade = _grade_cell(r)
            used_dash |= grade == labels.NO_ANSWERS
            used_derived |= grade == labels.DERIVABLE
            used_star |= grade == labels.SUPPRESSED
            respons = (
                fmt.number(r["respons"]) if not math.isnan(r["respons"]) else labels.NO_ANSWERS
            )
            publ = labels.JA if r["publicatie"] else labels.NEE
            interval = ""
            if r["interval_shown"]:
                interval, used_interval = (
                    interval_text(r["interval_laag"], r["interval_hoog"]),
                    True,
                )
            elif r["cijfer_shown"] and r["cijfer_n"] >= 2:
                withheld_interval = True
            cells = [str(r["label"]), str(r["netto"]), str(r["ingevuld"]), respons, grade]
            rows.append([*cells, interval, publ])
            styles.append("" if r["kind"] == "dienst" else "strong")
    notes = []
    if used_star:
        notes.append(f"{labels.SUPPRESSED} {labels.NOTE_SUPPRESSED.format(k=k)}")
    if used_derived:
        notes.append(f"{labels.DERIVABLE} {labels.NOTE_DERIVABLE}")
    if used_dash:
        notes.append(f"{labels.NO_ANSWERS} {labels.NOTE_NO_ANSWERS}")
    level = fmt.number(ctx.facts.settings.statistics.level * 100, 0)
    interval_head = labels.TABLE11_INTERVAL.format(level=level)
    if used_interval:
        notes.append(f"{interval_head}: {labels.NOTE_INTERVAL.format(level=level)}")
    if withheld_interval:
        notes.append(f"{interval_head}: {labels.NOTE_INTERVAL_WITHHELD}")
    columns = list(labels.TABLE11_COLUMNS)
    columns.insert(5, interval_head)
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    block = Table(
        "tabel11",
        labels.TITLES["table11"],
        frame,
        "lrrrrrl",
        TABLE11_WIDTHS,
        tuple(styles),
        tuple(notes),
    )
    return ctx.blocks([block])


# ---- table 2.3: beside the previous measurement -------------------------------------------
#: Relative column widths of the comparison with the previous measurement.
TREND_WIDTHS = (34, 13, 13, 11, 13, 16)


def _grade_cell(row: pd.Series | None) -> str:
    """A rapportcijfer as table 2.2 prints it: the number, ``*``, ``**`` or ``–``."""
    if row is None or math.isnan(row["cijfer"]):
        return labels.NO_ANSWERS
    if row["weggelaten"] == "afleidbaar":
        return labels.DERIVABLE
    if not row["cijfer_shown"]:
        return labels.SUPPRESSED
    return fmt.number(row["cijfer"])


def trend_table(ctx: BuildContext) -> Blocks:
    """Table 2.2's grades and response beside those of the previous measurement, with the
    change where both are shown and whether it is significant (Welch, ``trend-cijfer``).

    Every number in it is one that this report or the previous one prints, so nothing new
    about a hidden grade; empty for a provider's first measurement."""
    f = ctx.facts
    if f.previous_table is None:
        return ctx.blocks([])
    tests = f.tests_of("trend-cijfer")
    by_key = {k: t for k, t in zip(tests["key"], tests.itertuples(), strict=True)}
    rows, styles, shown_tests = [], [], []
    used_star = used_derived = False
    groups = [(labels.CLIENTEN, ("dienst", "totaal")), (labels.OPDRACHTGEVERS, ("opdrachtgevers",))]
    for group, kinds in groups:
        part = f.table[f.table["kind"].isin(kinds)]
        if part.empty:
            continue
        rows.append([group, "", "", "", "", ""])
        styles.append("group")
        for _, r in part.iterrows():
            dienst = None if pd.isna(r["dienst"]) else int(r["dienst"])
            before = f.previous_row(r["kind"], dienst)
            now_text, then_text = _grade_cell(r), _grade_cell(before)
            used_star |= labels.SUPPRESSED in (now_text, then_text)
            used_derived |= labels.DERIVABLE in (now_text, then_text)
            change = ""
            if r["cijfer_shown"] and before is not None and before["cijfer_shown"]:
                change = fmt.signed(float(fmt.round_half_up(r["cijfer"] - before["cijfer"], 1)))
                t = by_key.get(str(r["label"]))
                if t is not None and r["kind"] != "opdrachtgevers":
                    direction = t.direction if isinstance(t.direction, str) else None
                    if direction:
                        change = f"{change} {labels.TREND_MARKS[direction]}"
                    shown_tests.append(
                        _test_record(str(r["label"]), t, direction, AGAINST_PREVIOUS)
                    )

            def respons(row):
                if row is None or math.isnan(row["respons"]):
                    return labels.NO_ANSWERS
                return fmt.number(row["respons"])

            rows.append([str(r["label"]), now_text, then_text, change, respons(r), respons(before)])
            styles.append("" if r["kind"] == "dienst" else "strong")
    before_period = f.survey.previous.period
    notes = [labels.TREND_NOTE_PERIOD.format(period=before_period.label)]
    if any(t["richting"] for t in shown_tests):
        notes.append(labels.TREND_NOTE_MARK)
    if used_star:
        notes.append(f"{labels.SUPPRESSED} {labels.NOTE_SUPPRESSED.format(k=ctx.min_answers)}")
    if used_derived:
        notes.append(f"{labels.DERIVABLE} {labels.NOTE_DERIVABLE}")
    notes.append(f"{labels.NO_ANSWERS} {labels.TREND_NOTE_ABSENT}")
    frame = pd.DataFrame(rows, columns=list(labels.TREND_COLUMNS), dtype=object)
    block = Table(
        "vorige-meting",
        labels.TITLES["trend"],
        frame,
        "lrrrrr",
        TREND_WIDTHS,
        tuple(styles),
        tuple(notes),
        tests=tuple(shown_tests),
    )
    return ctx.blocks([block])


def _test_record(key: str, t, direction: str | None, against: str) -> dict:
    """A test as the sidecar lists it (see :func:`_mark`): ``tegen`` says what the provider
    is compared with, the other participants or its own previous measurement (``*_rest``)."""
    return {
        "sleutel": key,
        "tegen": against,
        "methode": t.method,
        "n": int(t.n),
        "waarde": float(t.value),
        "n_rest": int(t.rest_n),
        "waarde_rest": float(t.rest_value),
        # Fisher's odds ratio is infinite or undefined with an empty cell: JSON has no such
        # number, so the sidecar says null (the p-value stands)
        "statistiek": float(t.statistic) if math.isfinite(t.statistic) else None,
        "p": float(t.p),
        "p_bh": float(t.p_adj),
        "richting": direction,
    }


# ---- the record for the sidecar -----------------------------------------------------------
def _previous_record(facts, row: pd.Series) -> dict:
    """The previous measurement's grade and response of a table 2.2 row, as it printed
    them (the grade None where that report hid it), and the change where both are shown."""
    if facts.previous_table is None:
        return {}
    dienst = None if pd.isna(row["dienst"]) else int(row["dienst"])
    before = facts.previous_row(row["kind"], dienst)
    if before is None:
        return {"vorige_rapportcijfer": None, "vorige_respons": None, "verschil": None}
    then = float(before["cijfer"]) if before["cijfer_shown"] else None
    change = None
    if then is not None and row["cijfer_shown"]:
        change = float(fmt.round_half_up(row["cijfer"] - before["cijfer"], 1))
    respons = None if math.isnan(before["respons"]) else float(before["respons"])
    return {"vorige_rapportcijfer": then, "vorige_respons": respons, "verschil": change}


def _margin(facts) -> float | None:
    """Totaal as printed minus the norm's minimum for Totaal; None when Totaal is hidden."""
    total = facts.row("totaal")
    if total is None or not total["cijfer_shown"]:
        return None
    return float(fmt.round_half_up(total["cijfer"] - facts.settings.norm.total_min, 1))


def record(ctx: BuildContext, period_label: str) -> Blocks:
    """Provider, period, the rows of table 2.2 as numbers, and the norm outcome."""
    f = ctx.facts
    rows = []
    for _, r in f.table.iterrows():
        shown = bool(r["cijfer_shown"])
        withheld = None
        if not shown:
            withheld = (
                labels.RECORD_NO_ANSWERS
                if math.isnan(r["cijfer"])
                else labels.RECORD_DERIVABLE
                if r["weggelaten"] == "afleidbaar"
                else labels.RECORD_TOO_FEW.format(k=f.min_answers)
            )
        rows.append(
            {
                "kind": r["kind"],
                "dienst": None if pd.isna(r["dienst"]) else int(r["dienst"]),
                "label": r["label"],
                "netto": int(r["netto"]),
                "ingevuld": int(r["ingevuld"]),
                "respons": None if math.isnan(r["respons"]) else float(r["respons"]),
                "rapportcijfer": float(r["cijfer"]) if shown else None,
                "rapportcijfer_weggelaten": withheld,
                "interval": (
                    [
                        float(fmt.round_half_up(r["interval_laag"], 1)),
                        float(fmt.round_half_up(r["interval_hoog"], 1)),
                    ]
                    if r["interval_shown"]
                    else None
                ),
                "publicatie": bool(r["publicatie"]),
                **_previous_record(f, r),
            }
        )
    p = f.survey.period
    before = f.survey.previous.period if f.survey.previous is not None else None
    norm = f.norm
    block = ReportRecord(
        provider={"id": f.provider_id, "name": f.name},
        period={
            "id": p.id,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "label": period_label,
            # the measurement the trends compare with (None: there is none beside this one)
            "vorige": {
                "id": before.id,
                "start": before.start.isoformat(),
                "end": before.end.isoformat(),
            }
            if before is not None
            else None,
        },
        table11=tuple(rows),
        norm={"status": norm.status, "met": norm.met, "marge": _margin(f)},
    )
    return ctx.blocks([block])
