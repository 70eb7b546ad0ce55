"""The report of one provider, as ``report_template.qmd`` uses it.

:func:`open_report` slices the period's shared :class:`~.survey.Survey` for one provider.
The :class:`Report` gives the narrative its facts as ready-to-print Dutch text (properties),
and produces figures and tables as markdown fragments (:class:`~.md.Md`). Every figure and
table it produces, and every one it withholds for privacy, is recorded for the sidecar.
"""

from __future__ import annotations

import html
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import figures, fmt, labels, metrics, theme
from .config import Settings, load_settings
from .md import Md, attr, escape, fence, raw, typst_string
from .survey import Survey, get_survey

SIDECAR_MIME = "application/vnd.tevreden.sidecar+json"


@dataclass
class Entry:
    """A figure or table of the report (or one withheld), for the sidecar."""

    kind: str  # figure | table
    id: str
    title: str
    n: int | None = None
    n_benchmark: int | None = None
    item: str | None = None
    suppressed: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Manifest:
    """What the notebook hands to the renderer: table 1.1, norm outcome, figures and tables."""

    data: dict = field(default_factory=dict)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {SIDECAR_MIME: self.data, "text/plain": ""}


def _slug(text: str) -> str:
    """Identifier-safe slug for figure ids."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class Report:
    """One provider's report; see the module docstring."""

    def __init__(self, survey: Survey, provider_id: str, work_dir: Path):
        if provider_id not in survey.dataset.providers.index:
            known = ", ".join(list(survey.provider_ids())[:10])
            raise KeyError(f"onbekende dienstverlener {provider_id!r} in periode {survey.period.id}; bijvoorbeeld: {known}")
        self.survey = survey
        self.settings: Settings = survey.settings
        self.provider_id = provider_id
        self.work_dir = Path(work_dir)
        self.figure_dir = self.work_dir / "figures"
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        self.persons = survey.persons(provider_id)
        self.entries: list[Entry] = []
        theme.apply()

    # ---- facts for the narrative (ready-to-print markdown) ----------------------------
    @property
    def name_raw(self) -> str:
        return str(self.survey.dataset.providers.loc[self.provider_id, "name"])

    @property
    def name(self) -> Md:
        """The provider's name, escaped for markdown."""
        return Md(escape(self.name_raw))

    @property
    def bureau(self) -> Md:
        return Md(escape(self.settings.bureau.name))

    @property
    def bureau_short(self) -> Md:
        return Md(escape(self.settings.bureau.short))

    @property
    def period(self) -> Md:
        """``1 september 2024 tot en met 31 augustus 2025``."""
        p = self.survey.period
        return Md(fmt.period_long(p.start, p.end))

    @property
    def report_date(self) -> Md:
        return Md(fmt.date_long(self.survey.period.report_date, weekday=True))

    @property
    def table(self) -> pd.DataFrame:
        """Table 1.1 rows of this provider (numbers)."""
        return self.survey.table11[self.provider_id]

    def _row(self, kind: str) -> pd.Series | None:
        rows = self.table[self.table["kind"] == kind]
        return rows.iloc[0] if len(rows) else None

    @property
    def n_clients(self) -> int:
        row = self._row("totaal")
        return int(row["netto"]) if row is not None else 0

    @property
    def n_opdrachtgevers(self) -> int:
        row = self._row("opdrachtgevers")
        return int(row["netto"]) if row is not None else 0

    def _usable(self, kind: str) -> Md:
        row = self._row(kind)
        if row is None or math.isnan(row["respons"]):
            return Md("0%")
        return Md(fmt.percent(row["respons"], 1))

    @property
    def usable_clients(self) -> Md:
        return self._usable("totaal")

    @property
    def usable_opdrachtgevers(self) -> Md:
        return self._usable("opdrachtgevers")

    @property
    def opdrachtgevers_text(self) -> Md:
        """``12 opdrachtgevers``, ``1 opdrachtgever`` or ``geen opdrachtgevers``."""
        n = self.n_opdrachtgevers
        return Md("geen opdrachtgevers" if n == 0 else f"{n} opdrachtgever" + ("s" if n != 1 else ""))

    @property
    def clients_text(self) -> Md:
        n = self.n_clients
        return Md("geen cliënten" if n == 0 else f"{n} cliënt" + ("en" if n != 1 else ""))

    @property
    def phone_option(self) -> bool:
        return bool(self.survey.dataset.providers.loc[self.provider_id, "telefonisch"])

    @property
    def has_opdrachtgevers(self) -> bool:
        """Whether any opdrachtgever completed the questionnaire."""
        row = self._row("opdrachtgevers")
        return row is not None and int(row["ingevuld"]) > 0

    @property
    def norm(self) -> metrics.NormOutcome:
        return metrics.norm_outcome(self.persons, self.settings.norm)

    @property
    def norm_text(self) -> Md:
        """``voldoet aan de tevredenheidsnorm`` and its variants."""
        return Md(labels.NORM_STATUS_TEXT[self.norm.status])

    @property
    def min_answers(self) -> int:
        return self.settings.privacy.min_answers

    # settings the narrative quotes
    @property
    def since(self) -> int:
        return self.settings.bureau.since

    @property
    def phone_calls_cap(self) -> int:
        return self.settings.report.phone_calls_cap

    @property
    def phone_text(self) -> Md:
        """Whether the provider bought the phone option, as the end of a sentence."""
        if self.phone_option:
            return Md("heeft van deze telefonische benadering gebruikgemaakt.")
        return Md("heeft daar geen gebruik van gemaakt.")

    @property
    def helpdesk(self) -> Md:
        b = self.settings.bureau
        return Md(f"{escape(b.helpdesk_days)} van {escape(b.helpdesk_hours)}")

    @property
    def email(self) -> Md:
        return Md(escape(self.settings.bureau.email))

    @property
    def phone(self) -> Md:
        return Md(escape(self.settings.bureau.phone))

    @property
    def hearing_weeks(self) -> int:
        return self.settings.bureau.hearing_weeks

    # ---- structure ---------------------------------------------------------------------
    @property
    def opdrachtgevers_chapter(self) -> bool:
        """Chapter 'Opdrachtgevers' exists only when opdrachtgevers responded (not yet built)."""
        return False

    @property
    def chapters(self) -> list[str]:
        """Titles of the chapters this report has, in order (numbered from 1)."""
        chapters = ["Inleiding", "Onderzoek", "Onderzoek onder cliënten"]
        if self.opdrachtgevers_chapter:
            chapters.append("Opdrachtgevers")
        chapters.append("Contactgegevens")
        return chapters

    def chapter_number(self, title: str) -> int:
        return self.chapters.index(title) + 1

    @property
    def reading_guide(self) -> Md:
        """The sentences of the reading guide that name the chapters."""
        parts = [f"Hoofdstuk {self.chapter_number('Onderzoek onder cliënten')} beschrijft de uitkomsten onder cliënten."]
        if self.opdrachtgevers_chapter:
            parts.append(f"Hoofdstuk {self.chapter_number('Opdrachtgevers')} doet dat voor de opdrachtgevers.")
        parts.append(f"In hoofdstuk {self.chapter_number('Contactgegevens')} vindt u de contactgegevens van {self.bureau_short}.")
        return Md(" ".join(parts))

    def num(self, value: float, decimals: int = 1) -> Md:
        """Dutch number for the narrative."""
        return Md(fmt.number(value, decimals))

    # ---- cover ------------------------------------------------------------------------
    def cover(self) -> Md:
        """Document metadata and the cover page (one renderer per output format)."""
        s = self.settings
        fields = {
            "title": s.report.title,
            "provider": self.name_raw,
            "period": f"meetperiode: {self.period}",
            "status": s.report.status,
            "client": f"In opdracht van {self.name_raw}",
            "place-date": f"{s.bureau.place}, {self.report_date}",
        }
        meta = "---\n" + f'pagetitle: "{attr(s.report.title)} – {attr(self.name_raw)}"\n' + "lang: nl-NL\n---"
        typ = "#cover(" + ", ".join(f"{k}: {typst_string(v)}" for k, v in fields.items()) + ")"
        html_lines = [f'<p class="cover-{k}">{html.escape(v)}</p>' for k, v in fields.items()]
        cover_html = '<header class="cover">\n' + "\n".join(html_lines) + "\n</header>"
        return Md.join([meta, raw("html", cover_html), raw("typst", typ)])

    def contents(self) -> Md:
        """Table of contents with page numbers in the PDF; page numbering starts after it.

        (The HTML has its contents in a side bar, from the template.)"""
        return Md(raw("typst", '#outline(title: [Inhoudsopgave], depth: 2)\n#pagebreak()\n#set page(numbering: "1", number-align: right)\n#counter(page).update(1)'))

    # ---- figures and tables -----------------------------------------------------------
    def _caption_block(self, title: str) -> str:
        return fence(escape(title), "rcaption")

    def _source_line(self) -> str:
        p = self.survey.period
        text = f"{labels.SOURCE_PREFIX} {self.settings.bureau.short}, {self.settings.report.title.lower()} {p.start.year}–{p.end.year}"
        return fence(escape(text), "rsource")

    def _suppress(self, kind: str, ident: str, title: str, n: int, what: str, item: str | None = None) -> Md:
        """Record a withheld figure and return the note that replaces it."""
        reason = labels.FIGURE_SUPPRESSED.format(k=self.min_answers, what=what)
        self.entries.append(Entry(kind, ident, title, item=item, suppressed=reason))
        note = f"**{escape(title)}.** {escape(reason)}"
        return Md(fence(note, "rsuppressed"))

    def _figure(self, ident: str, title: str, draw, data: pd.DataFrame | None, alt: str, *, n=None, n_bench=None, item=None) -> Md:
        """Draw, save as SVG and return the figure block."""
        ax = draw()
        path = self.figure_dir / f"{ident}.svg"
        theme.save_svg(ax.figure, path)
        self.entries.append(Entry("figure", ident, title, n=n, n_benchmark=n_bench, item=item))
        # relative to where the notebook runs: our renderer runs it in the work directory,
        # Quarto next to the .qmd; both then find the file
        rel = Path(os.path.relpath(path, Path.cwd()))
        image = f"![{escape(alt)}]({rel.as_posix()}){{width=100%}}"
        attrs = {"typst:breakable": "false"}
        if n is not None:
            attrs["data-n"] = n
        if item:
            attrs["data-item"] = item
        body = "\n\n".join([self._caption_block(title), image, self._source_line()])
        return Md(fence(body, "rfigure", ident=f"fig-{ident}", attrs=attrs, depth=4))

    def _table(self, ident: str, title: str, markdown: str, notes: list[str] = (), *, n=None) -> Md:
        self.entries.append(Entry("table", ident, title, n=n))
        parts = [self._caption_block(title), markdown]
        if notes:
            parts.append(fence("\\\n".join(escape(x) for x in notes), "rnote"))
        return Md(fence("\n\n".join(parts), "rtable", ident=f"tbl-{ident}", attrs={"typst:breakable": "false"}, depth=4))

    def figure_invitation_flow(self) -> Md:
        title = labels.TITLES["invitation_flow"]
        steps = labels.INVITATION_STEPS
        alt = "Stroomschema van de uitnodiging: " + "; ".join(steps) + "."
        return self._figure("uitnodiging", title, lambda: figures.plot_invitation_flow(steps), None, alt)

    def table_services(self) -> Md:
        rows = ["| Dienst | Benaming |", "|:" + "-" * 12 + "|:" + "-" * 70 + "|"]
        rows += [f"| dienst {code} | {escape(name)} |" for code, name in labels.DIENSTEN.items()]
        note = [f"Dienst {labels.DIENST_VERVALLEN} wordt al enkele jaren niet meer aangeboden."]
        return self._table("diensten", labels.TITLES["services"], "\n".join(rows), note)

    def table11(self) -> Md:
        """Table 1.1, results for the keurmerk."""
        k = self.min_answers
        head = "| | " + " | ".join(labels.TABLE11_COLUMNS[1:]) + " |"
        # dash counts set the relative column widths (long lines make Pandoc use them)
        widths = (34, 13, 10, 11, 14, 11)
        rows = [head, "|" + "|".join((":" + "-" * w) if i in (0, 5) else ("-" * w + ":") for i, w in enumerate(widths)) + "|"]
        blank = " | | | | |"
        groups = [(labels.CLIENTEN, ("dienst", "totaal")), (labels.OPDRACHTGEVERS, ("opdrachtgevers",))]
        used_star = used_dash = False
        for group, kinds in groups:
            part = self.table[self.table["kind"].isin(kinds)]
            if part.empty:
                continue
            rows.append(f"| **{group}** |{blank}")
            for _, r in part.iterrows():
                if math.isnan(r["cijfer"]):
                    grade, used_dash = labels.NO_ANSWERS, True
                elif not r["cijfer_shown"]:
                    grade, used_star = labels.SUPPRESSED, True
                else:
                    grade = fmt.number(r["cijfer"])
                label = escape(r["label"])
                if r["kind"] != "dienst":
                    label = f"**{label}**"
                respons = fmt.number(r["respons"]) if not math.isnan(r["respons"]) else labels.NO_ANSWERS
                publ = labels.JA if r["publicatie"] else labels.NEE
                rows.append(f"| {label} | {r['netto']} | {r['ingevuld']} | {respons} | {escape(grade)} | {publ} |")
        notes = []
        if used_star:
            notes.append(f"{labels.SUPPRESSED} {labels.NOTE_SUPPRESSED.format(k=k)}")
        if used_dash:
            notes.append(f"{labels.NO_ANSWERS} {labels.NOTE_NO_ANSWERS}")
        return self._table("tabel11", labels.TITLES["table11"], "\n".join(rows), notes)

    def _bench_label(self) -> str:
        return labels.ALLE_DEELNEMERS

    def figure_grade_means(self) -> Md:
        """Fig. 3.1: mean client grade, Totaal and per service, against all providers."""
        title = labels.TITLES["grade_means"]
        own = metrics.means_by_service(self.persons)
        n_total = int(own.loc[own["label"] == labels.TOTAAL, "n"].iloc[0])
        if n_total < self.min_answers:
            return self._suppress("figure", "cijfer-gemiddeld", title, n_total, f"n={n_total}", item="cijfer")
        bench = self.survey.benchmark_means
        own = own.assign(mean=own["mean"].where(own["n"] >= self.min_answers))
        keep = own["label"]
        bench = bench[bench["label"].isin(keep)].set_index("label").reindex(keep).reset_index()
        frame = pd.concat(
            [own.assign(group=self.name_raw), bench.assign(group=self._bench_label())], ignore_index=True
        )[["label", "group", "mean", "n"]]
        frame["n"] = frame["n"].fillna(0).astype(int)
        alt = figures.alt_text("means", frame)
        n_bench = int(bench["n"].iloc[0])
        return self._figure("cijfer-gemiddeld", title, lambda: figures.plot_means(frame), frame, alt, n=n_total, n_bench=n_bench, item="cijfer")

    def figure_grade_distribution(self) -> Md:
        """Fig. 3.2: distribution of client grades 1-10, % of the provider's respondents."""
        title = labels.TITLES["grade_distribution"]
        own = metrics.grade_distribution(metrics.completed_grades(self.persons)["cijfer"])
        n = int(own["n"].iloc[0])
        if n < self.min_answers:
            return self._suppress("figure", "cijfer-verdeling", title, n, f"n={n}", item="cijfer")
        bench = self.survey.benchmark_grade_distribution
        frame = pd.concat(
            [own.assign(group=self.name_raw), bench.assign(group=self._bench_label())], ignore_index=True
        )[["grade", "group", "percent", "n"]]
        alt = figures.alt_text("grade_distribution", frame)
        return self._figure("cijfer-verdeling", title, lambda: figures.plot_grade_distribution(frame), frame, alt, n=n, n_bench=int(bench["n"].iloc[0]), item="cijfer")

    # ---- sidecar ----------------------------------------------------------------------
    def manifest(self) -> Manifest:
        """Everything the sidecar needs, handed to the renderer through the notebook."""
        t = self.table
        rows = []
        for _, r in t.iterrows():
            shown = bool(r["cijfer_shown"])
            rows.append(
                {
                    "kind": r["kind"],
                    "dienst": None if pd.isna(r["dienst"]) else int(r["dienst"]),
                    "label": r["label"],
                    "netto": int(r["netto"]),
                    "ingevuld": int(r["ingevuld"]),
                    "respons": None if math.isnan(r["respons"]) else float(r["respons"]),
                    "rapportcijfer": float(r["cijfer"]) if shown else None,
                    "rapportcijfer_weggelaten": None if shown else (
                        "geen antwoorden" if math.isnan(r["cijfer"]) else f"minder dan {self.min_answers} antwoorden"
                    ),
                    "publicatie": bool(r["publicatie"]),
                }
            )
        norm = self.norm
        data = {
            "provider": {"id": self.provider_id, "name": self.name_raw},
            "period": {
                "id": self.survey.period.id,
                "start": self.survey.period.start.isoformat(),
                "end": self.survey.period.end.isoformat(),
                "label": str(self.period),
            },
            "table11": rows,
            "norm": {"status": norm.status, "met": norm.met},
            "entries": [e.as_dict() for e in self.entries],
        }
        return Manifest(data)


def open_report(
    data: str | Path,
    provider: str,
    *,
    params: str | Path | None = None,
    work_dir: str | Path = ".",
    settings: Settings | None = None,
) -> Report:
    """The report of ``provider`` for the period at ``data``.

    The period is read, validated and aggregated once per process (see
    :func:`~.survey.get_survey`); raises DataError for invalid data and KeyError for an
    unknown provider.
    """
    if settings is None:
        settings = load_settings([params] if params else [])
    survey = get_survey(data, settings)
    return Report(survey, str(provider), Path(work_dir))
