"""Building content blocks for one report: the shared context, the front matter, the tables.

:class:`BuildContext` is what every builder needs: the provider's facts, the figure sink of
the session, where figures go, and the text around every figure (source line, privacy
notes). The builders return :class:`~.blocks.Blocks` and record nothing: what a report
contains is what its cells returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from . import fmt, labels
from .blocks import (
    Block,
    Blocks,
    Contents,
    Cover,
    CoverFigure,
    DocumentMeta,
    Figure,
    ReportRecord,
    Suppressed,
    Table,
)
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
        return Blocks.join(parts, self.display)

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
        """A figure block; the drawing is made now or later (see :mod:`.drawing`)."""
        image = self.save(ident, draw)
        return Figure(ident, title, image, alt, self.source, n, n_bench, item, data)

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
TABLE11_WIDTHS = (34, 13, 10, 11, 14, 11)


def table11(ctx: BuildContext) -> Blocks:
    """Table 2.2, results for the keurmerk: a frame of display strings, with row styles."""
    k = ctx.min_answers
    rows: list[list[str]] = []
    styles: list[str] = []
    used_star = used_derived = used_dash = False
    groups = [
        (labels.CLIENTEN, ("dienst", "totaal")),
        (labels.OPDRACHTGEVERS, ("opdrachtgevers",)),
    ]
    table = ctx.facts.table
    for group, kinds in groups:
        part = table[table["kind"].isin(kinds)]
        if part.empty:
            continue
        rows.append([group, "", "", "", "", ""])
        styles.append("group")
        for _, r in part.iterrows():
            if math.isnan(r["cijfer"]):
                grade, used_dash = labels.NO_ANSWERS, True
            elif r["weggelaten"] == "afleidbaar":
                grade, used_derived = labels.DERIVABLE, True
            elif not r["cijfer_shown"]:
                grade, used_star = labels.SUPPRESSED, True
            else:
                grade = fmt.number(r["cijfer"])
            respons = (
                fmt.number(r["respons"]) if not math.isnan(r["respons"]) else labels.NO_ANSWERS
            )
            publ = labels.JA if r["publicatie"] else labels.NEE
            rows.append(
                [str(r["label"]), str(r["netto"]), str(r["ingevuld"]), respons, grade, publ]
            )
            styles.append("" if r["kind"] == "dienst" else "strong")
    notes = []
    if used_star:
        notes.append(f"{labels.SUPPRESSED} {labels.NOTE_SUPPRESSED.format(k=k)}")
    if used_derived:
        notes.append(f"{labels.DERIVABLE} {labels.NOTE_DERIVABLE}")
    if used_dash:
        notes.append(f"{labels.NO_ANSWERS} {labels.NOTE_NO_ANSWERS}")
    frame = pd.DataFrame(rows, columns=list(labels.TABLE11_COLUMNS), dtype=object)
    block = Table(
        "tabel11",
        labels.TITLES["table11"],
        frame,
        "lrrrrl",
        TABLE11_WIDTHS,
        tuple(styles),
        tuple(notes),
    )
    return ctx.blocks([block])


# ---- the record for the sidecar -----------------------------------------------------------
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
                "publicatie": bool(r["publicatie"]),
            }
        )
    p = f.survey.period
    norm = f.norm
    block = ReportRecord(
        provider={"id": f.provider_id, "name": f.name},
        period={
            "id": p.id,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "label": period_label,
        },
        table11=tuple(rows),
        norm={"status": norm.status, "met": norm.met},
    )
    return ctx.blocks([block])
