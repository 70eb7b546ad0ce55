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

from . import drawing, figures, fmt, labels, metrics, theme
from .codebook import Codebook, Item, Section
from .config import Settings, load_settings
from .md import Md, attr, escape, fence, raw, typst_string
from .survey import Survey, answers_of, get_survey

SIDECAR_MIME = "application/vnd.tevreden.sidecar+json"
#: Small grey text for source lines and notes in the PDF (Pandoc's typst:text attributes).
MUTED_TYPST = {"typst:text:size": "8pt", "typst:text:fill": 'rgb("#5b6875")'}


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
            raise KeyError(
                f"onbekende dienstverlener {provider_id!r} in periode {survey.period.id}; bijvoorbeeld: {known}"
            )
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
        return Md(
            "geen opdrachtgevers" if n == 0 else f"{n} opdrachtgever" + ("s" if n != 1 else "")
        )

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
        """Chapter 'Opdrachtgevers' exists when enough opdrachtgevers responded.

        With fewer than ``min_answers`` completed questionnaires every figure would be
        withheld, and a chapter of notes about one or two people singles them out."""
        return self.n_opdrachtgevers_done >= self.min_answers

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
        parts = [
            f"Hoofdstuk {self.chapter_number('Onderzoek onder cliënten')} beschrijft de uitkomsten onder cliënten."
        ]
        if self.opdrachtgevers_chapter:
            parts.append(
                f"Hoofdstuk {self.chapter_number('Opdrachtgevers')} doet dat voor de opdrachtgevers."
            )
        parts.append(
            f"In hoofdstuk {self.chapter_number('Contactgegevens')} vindt u de contactgegevens van {self.bureau_short}."
        )
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
        when = "".join(f"\n  {k}: {'true' if v else 'false'}" for k, v in self.conditions.items())
        meta = (
            "---\n"
            # metadata values are markdown to Pandoc: escape, so the title stays literal
            + f'pagetitle: "{attr(escape(s.report.title + " – " + self.name_raw))}"\n'
            + "lang: nl-NL\ntevreden-when:"
            + when
            + "\n---"
        )
        typ = "#cover(" + ", ".join(f"{k}: {typst_string(v)}" for k, v in fields.items()) + ")"
        html_lines = [f'<p class="cover-{k}">{html.escape(v)}</p>' for k, v in fields.items()]
        cover_html = '<header class="cover">\n' + "\n".join(html_lines) + "\n</header>"
        return Md.join([meta, raw("html", cover_html), raw("typst", typ)])

    @property
    def conditions(self) -> dict[str, bool]:
        """Conditions the .qmd's ``::: {.when if=...}`` blocks test (see numbering.lua)."""
        return {
            "opdrachtgevers": self.opdrachtgevers_chapter,
            "opdrachtgevers_te_weinig": 0 < self.n_opdrachtgevers_done < self.min_answers,
            "geen_opdrachtgevers": self.n_opdrachtgevers == 0,
            "telefonisch": self.phone_option,
            "inburgeren": labels.DIENST_INBURGEREN in self._all_diensten(),
            "arbeid": bool(self._all_diensten() - {labels.DIENST_INBURGEREN}),
        }

    def _all_diensten(self) -> set[int]:
        clients = self.persons[
            (self.persons["group"] == labels.GROUP_CLIENT) & self.persons["netto"].astype(bool)
        ]
        return {int(d) for d in clients["dienst"].dropna()}

    # ---- cover summary ------------------------------------------------------------------
    def _aspects(self, codebook: Codebook, role: str) -> dict[str, tuple[str, dict[int, str]]]:
        """Answer columns named by a codebook role, with their short label and scale."""
        out: dict[str, tuple[str, dict[int, str]]] = {}
        wanted = list(codebook.roles.get(role) or [])
        for it in codebook.items:
            if it.type == "scale" and it.id in wanted:
                out[it.id] = (self._plain(it.short), dict(it.options))
            elif it.type == "matrix":
                for key, label in it.rows.items():
                    col = f"{it.id}_{key}"
                    if col in wanted:
                        out[col] = (self._plain(label), dict(it.options))
        return {c: out[c] for c in wanted if c in out}

    def strengths(self, role: str = "aspects") -> pd.DataFrame:
        """Aspects ranked by the provider's score minus the benchmark's (see metrics.relative_strengths)."""
        books = self._codebooks(labels.GROUP_CLIENT, largest_first=True)
        if not books:
            return metrics.relative_strengths(
                pd.DataFrame(), pd.DataFrame(), {}, min_answers=self.min_answers
            )
        cb = books[0]
        own, bench = self._answers(cb)
        return metrics.relative_strengths(
            own, bench, self._aspects(cb, role), min_answers=self.min_answers
        )

    def summary(self) -> Md:
        """The cover summary: map, mean grade, strongest staff aspect, overall satisfaction, best aspects."""
        k = self.min_answers
        parts: dict[str, str] = {}
        provinces = metrics.province_counts(self.persons)
        map_svg = alt_map = ""
        if len(provinces):
            from . import nlmap

            map_svg = self._save_cover_figure(
                "kaart",
                lambda: nlmap.plot_province_map(provinces),
                labels.TITLES["map"],
                int(provinces["count"].sum()),
            )
            alt_map = nlmap.describe_province_map(provinces)
        total = self._row("totaal")
        if total is None or math.isnan(total["cijfer"]):
            parts["grade"], parts["grade_note"] = (
                labels.NO_ANSWERS,
                "nog geen rapportcijfer gegeven",
            )
        elif not total["cijfer_shown"]:
            parts["grade"], parts["grade_note"] = labels.SUPPRESSED, f"minder dan {k} cijfers"
        else:
            parts["grade"], parts["grade_note"] = (
                fmt.number(total["cijfer"]),
                f"n={fmt.number(total['cijfer_n'], 0)}",
            )
        staff = self.strengths("staff_aspects")
        best = self.strengths("aspects").head(4)
        donut_svg = alt_donut = ""
        books = self._codebooks(labels.GROUP_CLIENT, largest_first=True)
        overall = books[0].roles.get("overall") if books else None
        if overall:
            own, _ = self._answers(books[0])
            item = books[0].item(overall)
            dist = metrics.choice_distribution(own[overall], dict(item.options))
            if int(dist["n"].iloc[0]) >= k:
                frame = dist[["option", "percent"]]
                donut_svg = self._save_cover_figure(
                    "tevredenheid",
                    lambda: figures.plot_donut(frame),
                    labels.TITLES["donut"],
                    int(dist["n"].iloc[0]),
                    item=overall,
                )
                alt_donut = figures.alt_text("donut", frame)
        staff_text = staff["label"].iloc[0] if len(staff) else ""
        best_items = list(best["label"])
        typ_args = {
            "map": map_svg,
            "map-alt": alt_map,
            "grade": parts["grade"],
            "grade-note": parts["grade_note"],
            "staff": staff_text,
            "donut": donut_svg,
            "donut-alt": alt_donut,
        }
        typ = "#summary(" + ", ".join(f"{k_}: {typst_string(v)}" for k_, v in typ_args.items())
        typ += ", best: (" + "".join(f"{typst_string(b)}," for b in best_items) + "))"
        e = html.escape
        cells = []
        if map_svg:
            cells.append(
                f'<figure class="summary-map"><img src="{e(map_svg)}" alt="{e(alt_map)}"><figcaption>Cliënten komen uit deze provincie(s)</figcaption></figure>'
            )
        cells.append(
            f'<div class="summary-grade"><span class="big">{e(parts["grade"])}</span><span>gemiddeld rapportcijfer van cliënten ({e(parts["grade_note"])})</span></div>'
        )
        if staff_text:
            cells.append(
                f'<div class="summary-staff"><p>De medewerkers scoren ten opzichte van alle deelnemers het best op:</p><p class="check">✓ {e(staff_text)}</p></div>'
            )
        if donut_svg:
            cells.append(
                f'<figure class="summary-donut"><img src="{e(donut_svg)}" alt="{e(alt_donut)}"><figcaption>Algemene tevredenheid van cliënten</figcaption></figure>'
            )
        if best_items:
            lis = "".join(f"<li>✓ {e(b)}</li>" for b in best_items)
            cells.append(
                f'<div class="summary-best"><p>Hier scoort de dienstverlener het best ten opzichte van alle deelnemers:</p><ul>{lis}</ul></div>'
            )
        cover_html = (
            '<section class="summary" aria-label="Samenvatting">\n'
            + "\n".join(cells)
            + "\n</section>"
        )
        return Md.join([raw("html", cover_html), raw("typst", typ)])

    def _save_cover_figure(
        self, ident: str, draw: drawing.Drawing, title: str, n: int, item: str | None = None
    ) -> str:
        """Save a cover figure; returns its path relative to where the notebook runs."""
        path = drawing.save(self.figure_dir / f"{ident}.svg", draw)
        self.entries.append(Entry("cover", ident, title, n=n, item=item))
        return Path(os.path.relpath(path, Path.cwd())).as_posix()

    def contents(self) -> Md:
        """Table of contents with page numbers in the PDF; page numbering starts after it.

        (The HTML has its contents in a side bar, from the template.)"""
        return Md(
            raw(
                "typst",
                '#outline(title: [Inhoudsopgave], depth: 2)\n#pagebreak()\n#set page(numbering: "1", number-align: right)\n#counter(page).update(1)',
            )
        )

    # ---- figures and tables -----------------------------------------------------------
    def _caption_block(self, title: str) -> str:
        return fence(escape(title), "rcaption")

    def _source_line(self) -> str:
        p = self.survey.period
        text = f"{labels.SOURCE_PREFIX} {self.settings.bureau.short}, {self.settings.report.title.lower()} {fmt.period_years(p.start, p.end)}"
        return fence(escape(text), "rsource", attrs=MUTED_TYPST)

    def _suppress(
        self, kind: str, ident: str, title: str, n: int, what: str, item: str | None = None
    ) -> Md:
        """Record a withheld figure and return the note that replaces it."""
        if n == 0:
            reason = labels.FIGURE_NO_ANSWERS
        else:
            reason = labels.FIGURE_SUPPRESSED.format(k=self.min_answers, what=what)
        self.entries.append(Entry(kind, ident, title, item=item, suppressed=reason))
        note = f"**{escape(title)}.** {escape(reason)}"
        return Md(fence(note, "rsuppressed"))

    def _figure(
        self,
        ident: str,
        title: str,
        draw,
        data: pd.DataFrame | None,
        alt: str,
        *,
        n=None,
        n_bench=None,
        item=None,
    ) -> Md:
        """Draw (now or later, see :mod:`.drawing`), save as SVG and return the figure block."""
        path = drawing.save(self.figure_dir / f"{ident}.svg", draw)
        self.entries.append(Entry("figure", ident, title, n=n, n_benchmark=n_bench, item=item))
        # relative to where the notebook runs: our renderer runs it in the work directory,
        # Quarto next to the .qmd; both then find the file
        rel = Path(os.path.relpath(path, Path.cwd()))
        image = f"![{escape(alt)}]({rel.as_posix()}){{width=100%}}"
        attrs = {"typst:breakable": "false", "typst:above": "1.4em", "typst:below": "1.6em"}
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
            parts.append(fence("\\\n".join(escape(x) for x in notes), "rnote", attrs=MUTED_TYPST))
        attrs = {"typst:breakable": "false", "typst:above": "1.4em", "typst:below": "1.6em"}
        return Md(fence("\n\n".join(parts), "rtable", ident=f"tbl-{ident}", attrs=attrs, depth=4))

    def figure_invitation_flow(self) -> Md:
        title = labels.TITLES["invitation_flow"]
        steps = labels.INVITATION_STEPS
        alt = figures.describe_invitation_flow(steps)
        return self._figure(
            "uitnodiging", title, lambda: figures.plot_invitation_flow(steps), None, alt
        )

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
        rows = [
            head,
            "|"
            + "|".join(
                (":" + "-" * w) if i in (0, 5) else ("-" * w + ":") for i, w in enumerate(widths)
            )
            + "|",
        ]
        blank = " | | | | |"
        groups = [
            (labels.CLIENTEN, ("dienst", "totaal")),
            (labels.OPDRACHTGEVERS, ("opdrachtgevers",)),
        ]
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
                respons = (
                    fmt.number(r["respons"]) if not math.isnan(r["respons"]) else labels.NO_ANSWERS
                )
                publ = labels.JA if r["publicatie"] else labels.NEE
                rows.append(
                    f"| {label} | {r['netto']} | {r['ingevuld']} | {respons} | {escape(grade)} | {publ} |"
                )
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
            return self._suppress(
                "figure", "cijfer-gemiddeld", title, n_total, f"n={n_total}", item="cijfer"
            )
        bench = self.survey.benchmark_means
        own = own.assign(mean=own["mean"].where(own["n"] >= self.min_answers))
        keep = own["label"]
        bench = bench[bench["label"].isin(keep)].set_index("label").reindex(keep).reset_index()
        frame = pd.concat(
            [own.assign(group=self.name_raw), bench.assign(group=self._bench_label())],
            ignore_index=True,
        )[["label", "group", "mean", "n"]]
        frame["n"] = frame["n"].fillna(0).astype(int)
        alt = figures.alt_text("means", frame)
        n_bench = int(bench["n"].iloc[0])
        return self._figure(
            "cijfer-gemiddeld",
            title,
            lambda: figures.plot_means(frame),
            frame,
            alt,
            n=n_total,
            n_bench=n_bench,
            item="cijfer",
        )

    def figure_grade_distribution(self) -> Md:
        """Fig. 3.2: distribution of client grades 1-10, % of the provider's respondents."""
        title = labels.TITLES["grade_distribution"]
        own = metrics.grade_distribution(metrics.completed_grades(self.persons)["cijfer"])
        n = int(own["n"].iloc[0])
        if n < self.min_answers:
            return self._suppress("figure", "cijfer-verdeling", title, n, f"n={n}", item="cijfer")
        bench = self.survey.benchmark_grade_distribution
        frame = pd.concat(
            [own.assign(group=self.name_raw), bench.assign(group=self._bench_label())],
            ignore_index=True,
        )[["grade", "group", "percent", "n"]]
        alt = figures.alt_text("grade_distribution", frame)
        return self._figure(
            "cijfer-verdeling",
            title,
            lambda: figures.plot_grade_distribution(frame),
            frame,
            alt,
            n=n,
            n_bench=int(bench["n"].iloc[0]),
            item="cijfer",
        )

    # ---- questionnaire items ------------------------------------------------------------
    def _fill(self, text: str) -> str:
        """Codebook text as markdown with the provider's name filled in (all escaped)."""
        return escape(text).replace(r"\{provider\}", str(self.name))

    def _plain(self, text: str) -> str:
        """Codebook text with the provider's name filled in (unescaped, for captions)."""
        return " ".join(str(text).replace("{provider}", self.name_raw).split())

    def _with_n(self, group: str, n: int) -> str:
        return f"{group} (n={fmt.number(n, 0)})"

    def _codebooks(self, group: str, *, largest_first: bool = False) -> list[Codebook]:
        """Codebooks of ``group`` that this provider's completed questionnaires use.

        In the order of the period's questionnaires (arbeid before inburgeren, as every
        report has it), or with the most used first."""
        done = self.persons[
            self.persons["netto"].astype(bool) & self.persons["ingevuld"].astype(bool)
        ]
        counts = done[done["group"] == group]["codebook"].value_counts()
        order = [q.codebook.id for q in self.survey.period.questionnaires.values()]
        ids = sorted(
            counts.index,
            key=lambda c: (
                (-counts[c], c) if largest_first else (order.index(c) if c in order else 99, c)
            ),
        )
        books = self.survey.dataset.codebooks
        return [books[c] for c in ids if c in books]

    def _answers(self, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(provider's, all providers') completed questionnaires for one codebook."""
        return answers_of(self.survey, self.persons, codebook.id), self.survey.answers(codebook.id)

    def _diensten(self, codebook: Codebook) -> set[int]:
        """Services of this provider's clients who use ``codebook``."""
        part = self.persons[
            (self.persons["codebook"] == codebook.id) & self.persons["netto"].astype(bool)
        ]
        return {int(d) for d in part["dienst"].dropna()}

    def _pair(self, own: pd.DataFrame, bench: pd.DataFrame) -> pd.DataFrame:
        """Provider and benchmark frames stacked with their group labels."""
        return pd.concat(
            [own.assign(group=self.name_raw), bench.assign(group=labels.ALLE_DEELNEMERS)],
            ignore_index=True,
        )

    def item_figure(
        self, codebook: Codebook, item: Item, own: pd.DataFrame, bench: pd.DataFrame
    ) -> Md:
        """The figure of one questionnaire item against all providers, or why it is missing.

        Returns an empty fragment when nobody of this provider was asked the item (routing,
        services), a note when fewer than ``min_answers`` answered, else the figure.
        """
        if not item.figure or item.type in ("open", "grade"):
            return Md("")
        ident = f"{codebook.questionnaire}-{item.id}"
        title = self._plain(item.text)
        k = self.min_answers
        cols = item.columns()
        if item.type == "multi":
            d_own = metrics.multi_distribution(own, dict(item.options), cols)
            d_bench = metrics.multi_distribution(bench, dict(item.options), cols)
        elif item.type in ("single", "scale"):
            d_own = metrics.choice_distribution(own[item.id], dict(item.options))
            d_bench = metrics.choice_distribution(bench[item.id], dict(item.options))
        elif item.type == "matrix" and _is_grade_scale(item.options):
            return self._matrix_means_figure(item, ident, title, own, bench)
        elif item.type == "matrix":
            return self._matrix_figure(item, ident, title, own, bench)
        else:  # pragma: no cover - the codebook reader rejects other types
            raise ValueError(f"item type {item.type}")
        n, n_bench = int(d_own["n"].iloc[0]), int(d_bench["n"].iloc[0])
        if n == 0:
            return Md("")
        if n < k:
            return self._suppress("figure", ident, title, n, f"n={n}", item=item.id)
        if item.type == "scale":
            frame = pd.concat(
                [
                    d_own.assign(row=self._with_n(self.name_raw, n)),
                    d_bench.assign(row=self._with_n(labels.ALLE_DEELNEMERS, n_bench)),
                ],
                ignore_index=True,
            )[["row", "option", "percent"]]
            kind, draw = "stacked", figures.plot_stacked
        else:
            frame = self._pair(d_own, d_bench)[["option", "group", "percent", "n"]]
            kind, draw = (
                item.type,
                figures.plot_multi if item.type == "multi" else figures.plot_single,
            )
        fig = self._figure(
            ident,
            title,
            lambda: draw(frame),
            frame,
            figures.alt_text(kind, frame),
            n=n,
            n_bench=n_bench,
            item=item.id,
        )
        return Md.join([fig, self._open_answers(codebook, item, own)])

    def _matrix_figure(
        self, item: Item, ident: str, title: str, own: pd.DataFrame, bench: pd.DataFrame
    ) -> Md:
        """A satisfaction matrix: a pair of stacked bars per row; rows below the threshold left out."""
        k = self.min_answers
        d_own = metrics.matrix_distribution(own, dict(item.rows), dict(item.options), item.id)
        d_bench = metrics.matrix_distribution(bench, dict(item.rows), dict(item.options), item.id)
        n_rows = d_own.groupby("row_id", sort=False)["n"].first()
        if n_rows.max() == 0:
            return Md("")
        keep = n_rows[n_rows >= k].index
        if len(keep) == 0:
            return self._suppress(
                "figure", ident, title, int(n_rows.max()), f"n={int(n_rows.max())}", item=item.id
            )
        nb_rows = d_bench.groupby("row_id", sort=False)["n"].first()
        parts = []
        for rid in keep:
            o, b = d_own[d_own["row_id"] == rid], d_bench[d_bench["row_id"] == rid]
            parts.append(o.assign(row=self._with_n(self.name_raw, int(n_rows[rid]))))
            parts.append(b.assign(row=self._with_n(labels.ALLE_DEELNEMERS, int(nb_rows[rid]))))
        frame = pd.concat(parts, ignore_index=True).rename(columns={"row": "bar"})
        frame = frame.assign(block=frame["row_id"].map(dict(item.rows)).map(self._plain))
        frame = frame.rename(columns={"bar": "row"})[["block", "row", "option", "percent"]]
        n = int(n_rows[keep].max())
        note = ""
        if len(keep) < len(n_rows):
            note = fence(
                escape(f"Onderdelen met minder dan {k} antwoorden zijn weggelaten."), "rnote"
            )
        fig = self._figure(
            ident,
            title,
            lambda: figures.plot_stacked(frame),
            frame,
            figures.alt_text("stacked", frame),
            n=n,
            n_bench=int(nb_rows.max()),
            item=item.id,
        )
        return Md.join([fig, note])

    def _matrix_means_figure(
        self, item: Item, ident: str, title: str, own: pd.DataFrame, bench: pd.DataFrame
    ) -> Md:
        """A matrix of grades (aspects graded 1-10): mean per aspect against all providers."""
        k = self.min_answers
        m_own = metrics.matrix_means(own, dict(item.rows), item.id)
        m_bench = metrics.matrix_means(bench, dict(item.rows), item.id)
        if m_own["n"].max() == 0:
            return Md("")
        if m_own["n"].max() < k:
            return self._suppress(
                "figure",
                ident,
                title,
                int(m_own["n"].max()),
                f"n={int(m_own['n'].max())}",
                item=item.id,
            )
        m_own = m_own.assign(mean=m_own["mean"].where(m_own["n"] >= k))
        frame = self._pair(m_own, m_bench)
        frame["label"] = frame["label"].map(self._plain)
        frame = frame[["label", "group", "mean", "n"]]
        return self._figure(
            ident,
            title,
            lambda: figures.plot_means(frame),
            frame,
            figures.alt_text("means", frame),
            n=int(m_own["n"].max()),
            n_bench=int(m_bench["n"].max()),
            item=item.id,
        )

    def _open_answers(self, codebook: Codebook, item: Item, own: pd.DataFrame) -> str:
        """'Anders, namelijk' texts: counted in the figure, listed only when a setting asks."""
        if not (self.settings.privacy.show_open_answers and item.other_text):
            return ""
        texts = own[item.other_text].dropna().astype(str)
        texts = sorted(t.strip() for t in texts if t.strip())
        if len(texts) < self.min_answers:
            return ""
        return fence(
            "Toelichting bij 'anders':\n\n" + "\n".join(f"- {escape(t)}" for t in texts), "ropen"
        )

    def _section_blocks(self, codebook: Codebook, section: Section, own, bench) -> list[str]:
        items = [it for it in codebook.items if it.section == section.id]
        return [b for b in (self.item_figure(codebook, it, own, bench) for it in items) if b]

    def _grade_section(self, codebook: Codebook) -> str:
        return codebook.grade.section

    def client_sections(self) -> Md:
        """Chapter 3 after the grade section: every codebook section that applies, in order."""
        out = []
        for cb in self._codebooks(labels.GROUP_CLIENT):
            own, bench = self._answers(cb)
            diensten = self._diensten(cb)
            for section in cb.sections:
                if section.id == self._grade_section(cb):
                    continue
                if section.diensten and not set(section.diensten) & diensten:
                    continue
                blocks = self._section_blocks(cb, section, own, bench)
                if not blocks:
                    continue
                out.append(f"## {self._fill(section.title)}")
                if section.intro:
                    out.append(self._fill(section.intro))
                out.extend(blocks)
        return Md.join(out)

    def client_grade_items(self) -> Md:
        """Other items of the grade section (e.g. overall satisfaction), after the grades."""
        out = []
        for cb in self._codebooks(labels.GROUP_CLIENT):
            own, bench = self._answers(cb)
            skip = {cb.grade_item, cb.roles.get("recommend")}
            for it in cb.items:
                if it.section == self._grade_section(cb) and it.id not in skip:
                    out.append(self.item_figure(cb, it, own, bench))
        return Md.join(out)

    def _recommend_answers(self, group: str) -> tuple[pd.Series, pd.Series, Item | None]:
        own_parts, bench_parts, item = [], [], None
        for cb in self._codebooks(group):
            rid = cb.roles.get("recommend")
            if not rid:
                continue
            item = item or cb.item(rid)
            own, bench = self._answers(cb)
            own_parts.append(own[rid])
            bench_parts.append(bench[rid])
        if not own_parts:
            return pd.Series(dtype=float), pd.Series(dtype=float), None
        return pd.concat(own_parts), pd.concat(bench_parts), item

    def figure_recommend(self, group: str = labels.GROUP_CLIENT) -> Md:
        """Whether respondents recommended the provider (all client questionnaires pooled)."""
        own, bench, item = self._recommend_answers(group)
        if item is None:
            return Md("")
        ident = f"{group}-aanbevolen"
        title = self._plain(item.text)
        d_own = metrics.choice_distribution(own, dict(item.options))
        d_bench = metrics.choice_distribution(bench, dict(item.options))
        n = int(d_own["n"].iloc[0])
        if n == 0:
            return Md("")
        if n < self.min_answers:
            return self._suppress("figure", ident, title, n, f"n={n}", item=item.id)
        frame = self._pair(d_own, d_bench)[["option", "group", "percent", "n"]]
        return self._figure(
            ident,
            title,
            lambda: figures.plot_single(frame),
            frame,
            figures.alt_text("single", frame),
            n=n,
            n_bench=int(d_bench["n"].iloc[0]),
            item=item.id,
        )

    @property
    def promotor(self) -> float:
        """Share (%) of client respondents who recommended the provider; NaN below the threshold."""
        own, _, _ = self._recommend_answers(labels.GROUP_CLIENT)
        if own.notna().sum() < self.min_answers:
            return math.nan
        return metrics.promotor_score(own)

    @property
    def promotor_text(self) -> Md:
        """The promotor score sentence (or why it is missing)."""
        score = self.promotor
        if math.isnan(score):
            return Md(
                f"Te weinig cliënten (minder dan {self.min_answers}) beantwoordden de vraag of zij {self.name} hebben aanbevolen om een promotorscore te berekenen."
            )
        return Md(
            f"De actuele promotorscore van {self.name} is {fmt.number(score)}: dat is het percentage "
            "van de cliënten die de vraag beantwoordden dat de dienstverlener al bij anderen heeft aanbevolen."
        )

    # ---- opdrachtgevers -------------------------------------------------------------------
    @property
    def n_opdrachtgevers_done(self) -> int:
        row = self._row("opdrachtgevers")
        return 0 if row is None else int(row["ingevuld"])

    def opdrachtgever_grades(self) -> Md:
        """Mean grade and rounded grade distribution of opdrachtgevers against all providers."""
        done = metrics.completed_grades(self.persons, labels.GROUP_OPDRACHTGEVER)["cijfer"]
        allg = metrics.completed_grades(self.survey.dataset.persons, labels.GROUP_OPDRACHTGEVER)[
            "cijfer"
        ]
        n, nb = int(done.size), int(allg.size)
        if n < self.min_answers:
            return self._suppress(
                "figure",
                "opdrachtgevers-cijfer",
                labels.TITLES["grade_means_opdr"],
                n,
                f"n={n}",
                item="cijfer",
            )
        means = pd.DataFrame(
            [
                {
                    "label": labels.TOTAAL_OPDRACHTGEVERS,
                    "group": self.name_raw,
                    "mean": metrics.mean_grade(done),
                    "n": n,
                },
                {
                    "label": labels.TOTAAL_OPDRACHTGEVERS,
                    "group": labels.ALLE_DEELNEMERS,
                    "mean": metrics.mean_grade(allg),
                    "n": nb,
                },
            ]
        )
        fig1 = self._figure(
            "opdrachtgevers-cijfer",
            labels.TITLES["grade_means_opdr"],
            lambda: figures.plot_means(means),
            means,
            figures.alt_text("means", means),
            n=n,
            n_bench=nb,
            item="cijfer",
        )
        dist = self._pair(metrics.grade_distribution(done), metrics.grade_distribution(allg))[
            ["grade", "group", "percent", "n"]
        ]
        fig2 = self._figure(
            "opdrachtgevers-verdeling",
            labels.TITLES["grade_distribution_opdr"],
            lambda: figures.plot_grade_distribution(dist),
            dist,
            figures.alt_text("grade_distribution", dist),
            n=n,
            n_bench=nb,
            item="cijfer",
        )
        return Md.join([fig1, labels.NOTE_ROUNDED, fig2])

    def opdrachtgever_sections(self) -> Md:
        """Chapter 4 after its introduction: grades, recommendation, and every section that applies."""
        if not self.opdrachtgevers_chapter:
            return Md("")
        out = []
        for cb in self._codebooks(labels.GROUP_OPDRACHTGEVER):
            own, bench = self._answers(cb)
            for section in cb.sections:
                if section.id == self._grade_section(cb):
                    blocks = [
                        self.opdrachtgever_grades(),
                        self.figure_recommend(labels.GROUP_OPDRACHTGEVER),
                    ]
                    skip = {cb.grade_item, cb.roles.get("recommend")}
                    blocks += [
                        self.item_figure(cb, it, own, bench)
                        for it in cb.items
                        if it.section == section.id and it.id not in skip
                    ]
                    blocks = [b for b in blocks if b]
                else:
                    blocks = self._section_blocks(cb, section, own, bench)
                if not blocks:
                    continue
                out.append(f"## {self._fill(section.title)}")
                if section.intro:
                    out.append(self._fill(section.intro))
                out.extend(blocks)
        return Md.join(out)

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
                    "rapportcijfer_weggelaten": None
                    if shown
                    else (
                        "geen antwoorden"
                        if math.isnan(r["cijfer"])
                        else f"minder dan {self.min_answers} antwoorden"
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


def _is_grade_scale(options) -> bool:
    """Whether a scale is a 1-10 grade (aspects graded like a rapportcijfer)."""
    return sorted(options) == list(range(1, 11))
