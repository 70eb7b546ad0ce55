"""Figures of the report as content blocks: grades, questionnaire items, the cover summary.

Every figure sets the provider beside all participants, with n, and is withheld (a
:class:`~.blocks.Suppressed` block) when it rests on fewer answers than the privacy
threshold. How an item is counted and drawn is its item type's business
(:mod:`.items`); this module decides what the report shows and in which order.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from types import MappingProxyType

import numpy as np
import pandas as pd

from . import figures, fmt, labels, metrics
from .blocks import Blocks, Heading, Note, OpenAnswers, Paragraph, Summary, Suppressed
from .codebook import Codebook, Item, Section
from .comparisons import POSITIVE
from .content import BuildContext, cover_figure


def present(bench: pd.DataFrame | None) -> bool:
    """Whether a benchmark may be shown: it has answers and its values were not withheld
    (:meth:`.survey.Survey.benchmark_allowed`)."""
    if bench is None or bench.empty:
        return False
    if "n" in bench.columns and not (bench["n"].to_numpy(dtype=float, na_value=0.0) > 0).any():
        return False
    values = [c for c in ("percent", "mean") if c in bench.columns]
    return not values or bool((~np.isnan(bench[values[0]].to_numpy(dtype=float))).any())


def pair(ctx: BuildContext, own: pd.DataFrame, bench: pd.DataFrame) -> pd.DataFrame:
    """Provider and benchmark frames stacked with their group labels; the provider alone
    when the benchmark may not be shown."""
    parts = [own.assign(group=ctx.facts.name)]
    if present(bench):
        parts.append(bench.assign(group=labels.ALLE_DEELNEMERS))
    return pd.concat(parts, ignore_index=True)


def bench_n(bench: pd.DataFrame) -> int | None:
    """The n of a benchmark for the sidecar, None when it is not shown."""
    return int(bench["n"].max()) if present(bench) else None


def withheld(bench: pd.DataFrame) -> Note | None:
    """The note under a figure whose benchmark is not shown."""
    return None if present(bench) else Note((labels.FIGURE_BENCHMARK_WITHHELD,))


# ---- chapter 2 and 3: grades ----------------------------------------------------------------
def invitation_flow(ctx: BuildContext) -> Blocks:
    steps = labels.INVITATION_STEPS
    alt = figures.describe_invitation_flow(steps)
    fig = ctx.figure(
        "uitnodiging",
        labels.TITLES["invitation_flow"],
        lambda: figures.plot_invitation_flow(steps),
        None,
        alt,
    )
    return ctx.blocks([fig])


def grade_means(ctx: BuildContext) -> Blocks:
    """Mean client grade, Totaal and per service, against all providers.

    Means that the grade table hides (too few grades, or derivable from the others: see
    :mod:`.privacy`) are hidden here too, with a note for the second kind."""
    title, disclosure = labels.TITLES["grade_means"], ctx.facts.disclosure
    own = metrics.means_by_service(ctx.facts.persons)
    n_total = int(own.loc[own["label"] == labels.TOTAAL, "n"].iloc[0])
    is_total = own["label"] == labels.TOTAAL
    shown = own["dienst"].map(lambda d: pd.isna(d) or disclosure.shown(int(d))).astype(bool)
    shown[is_total] = disclosure.total_shown
    if not ctx.facts.grades_shown:
        derivable = n_total >= ctx.min_answers
        return ctx.blocks(
            [
                ctx.suppress(
                    "figure", "cijfer-gemiddeld", title, n_total, "cijfer", derivable=derivable
                )
            ]
        )
    bench = ctx.facts.survey.benchmark_means
    own = own.assign(mean=own["mean"].where(shown))
    # the 95 % intervals that table 2.2 shows (none beside a hidden grade: see metrics.table11)
    table = ctx.facts.table.set_index("label")
    with_interval = table.index[table["interval_shown"]]
    own["low"] = own["label"].map(table["interval_laag"].where(table.index.isin(with_interval)))
    own["high"] = own["label"].map(table["interval_hoog"].where(table.index.isin(with_interval)))
    keep = own["label"]
    bench = bench[bench["label"].isin(keep)].set_index("label").reindex(keep).reset_index()
    frame = pair(ctx, own, bench)[["label", "group", "mean", "n", "low", "high"]]
    before = _previous_means(ctx, own)
    if before is not None:  # after the provider, before the benchmark
        mine = frame["group"] == ctx.facts.name
        frame = pd.concat([frame[mine], before, frame[~mine]], ignore_index=True)
    frame["n"] = frame["n"].fillna(0).astype(int)
    fig = ctx.figure(
        "cijfer-gemiddeld",
        title,
        lambda: figures.plot_means(frame),
        frame,
        figures.alt_text("means", frame),
        n=n_total,
        n_bench=bench_n(bench),
        item="cijfer",
    )
    notes = []
    if disclosure.secondary or not disclosure.total_shown:
        notes.append(Note((labels.FIGURE_SECONDARY_NOTE.format(k=ctx.min_answers),)))
    if bench["mean"].isna().any():
        notes.append(Note((labels.FIGURE_BENCHMARK_WITHHELD,)))
    return ctx.blocks([fig, *notes])


def _previous_group(ctx: BuildContext) -> str:
    """The group of the previous measurement in a figure: "Vorige meting (2024)"."""
    return labels.PREVIOUS_GROUP.format(period=ctx.facts.survey.previous.period.id)


def _previous_means(ctx: BuildContext, own: pd.DataFrame) -> pd.DataFrame | None:
    """The provider's means of the previous measurement for the categories of ``own``, as
    that report showed them (hidden there: NaN with its n, drawn as ``*``); None at a
    first measurement."""
    f = ctx.facts
    if f.previous_table is None:
        return None
    group = labels.PREVIOUS_GROUP.format(period=f.survey.previous.period.id)
    rows = []
    for _, r in own.iterrows():
        dienst = None if pd.isna(r["dienst"]) else int(r["dienst"])
        before = f.previous_row("totaal" if dienst is None else "dienst", dienst)
        shown = before is not None and bool(before["cijfer_shown"])
        n = 0 if before is None else int(before["cijfer_n"])
        mean = float(before["cijfer"]) if shown else math.nan
        rows.append({"label": r["label"], "group": group, "mean": mean, "n": n})
    return pd.DataFrame(rows)


def grade_distribution(ctx: BuildContext) -> Blocks:
    """Distribution of client grades 1-10, % of the provider's respondents; withheld when it
    would give away a hidden mean (:mod:`.privacy`)."""
    title = labels.TITLES["grade_distribution"]
    own = metrics.grade_distribution(metrics.completed_grades(ctx.facts.persons)["cijfer"])
    n = int(own["n"].iloc[0])
    if not ctx.facts.grade_distribution_shown:
        derivable = n >= ctx.min_answers
        return ctx.blocks(
            [ctx.suppress("figure", "cijfer-verdeling", title, n, "cijfer", derivable=derivable)]
        )
    bench = ctx.facts.survey.benchmark_grade_distribution
    frame = pair(ctx, own, bench)[["grade", "group", "percent", "n"]]
    before = ctx.facts.survey.trend.grade_distribution(ctx.facts.provider_id)
    if before is not None:  # after the provider, before the benchmark
        mine = frame["group"] == ctx.facts.name
        before = before.assign(group=_previous_group(ctx))[frame.columns]
        frame = pd.concat([frame[mine], before, frame[~mine]], ignore_index=True)
    fig = ctx.figure(
        "cijfer-verdeling",
        title,
        lambda: figures.plot_grade_distribution(frame),
        frame,
        figures.alt_text("grade_distribution", frame),
        n=n,
        n_bench=bench_n(bench),
        item="cijfer",
    )
    return ctx.blocks([fig, withheld(bench)])


def recommend(ctx: BuildContext, group: str = labels.GROUP_CLIENT) -> Blocks:
    """Whether respondents recommended the provider (all questionnaires of ``group`` pooled)."""
    own, bench, item = ctx.facts.recommend_answers(group)
    if item is None:
        return ctx.blocks([])
    ident, title = f"{group}-aanbevolen", ctx.plain(item.text)
    d_own = metrics.choice_distribution(own, dict(item.options))
    d_bench = metrics.choice_distribution(bench, dict(item.options))
    n = int(d_own["n"].iloc[0])
    if n == 0:  # for clients, the promotor sentence above the figure says so already
        shown = group != labels.GROUP_CLIENT
        return ctx.blocks([_unanswered(ident, title, labels.FIGURE_NO_ANSWERS, item, shown=shown)])
    if n < ctx.min_answers:
        return ctx.blocks([ctx.suppress("figure", ident, title, n, item.id)])
    frame = pair(ctx, d_own, d_bench)[["option", "group", "percent", "n"]]
    then = ctx.facts.survey.trend.recommend(ctx.facts.provider_id, group)
    if then is not None:  # after the provider, before the benchmark
        d_prev = metrics.choice_distribution(then, dict(item.options))
        mine = frame["group"] == ctx.facts.name
        d_prev = d_prev.assign(group=_previous_group(ctx))[frame.columns]
        frame = pd.concat([frame[mine], d_prev, frame[~mine]], ignore_index=True)
    fig = ctx.figure(
        ident,
        title,
        lambda: figures.plot_single(frame),
        frame,
        figures.alt_text("single", frame),
        n=n,
        n_bench=bench_n(d_bench),
        item=item.id,
    )
    return ctx.blocks([fig, withheld(d_bench)])


def opdrachtgever_grades(ctx: BuildContext) -> Blocks:
    """Mean grade and rounded grade distribution of opdrachtgevers against all providers."""
    g = labels.GROUP_OPDRACHTGEVER
    done = metrics.completed_grades(ctx.facts.persons, g)["cijfer"]
    allg = ctx.facts.survey.benchmark_opdrachtgever_grades
    n, nb = int(done.size), int(allg.size)
    title = labels.TITLES["grade_means_opdr"]
    if n < ctx.min_answers:
        return ctx.blocks([ctx.suppress("figure", "opdrachtgevers-cijfer", title, n, "cijfer")])
    row = ctx.facts.row("opdrachtgevers")
    interval = (
        {"low": row["interval_laag"], "high": row["interval_hoog"]}
        if row is not None and row["interval_shown"]
        else {"low": math.nan, "high": math.nan}
    )
    rows = [
        {"label": labels.TOTAAL_OPDRACHTGEVERS, "group": ctx.facts.name, "n": n}
        | {"mean": metrics.mean_grade(done)}
        | interval
    ]
    if nb:
        rows.append(
            {"label": labels.TOTAAL_OPDRACHTGEVERS, "group": labels.ALLE_DEELNEMERS, "n": nb}
            | {"mean": metrics.mean_grade(allg)}
        )
    means = pd.DataFrame(rows)[["label", "group", "mean", "n", "low", "high"]]
    nb = nb or None
    fig1 = ctx.figure(
        "opdrachtgevers-cijfer",
        title,
        lambda: figures.plot_means(means),
        means,
        figures.alt_text("means", means),
        n=n,
        n_bench=nb,
        item="cijfer",
    )
    dist = pair(ctx, metrics.grade_distribution(done), metrics.grade_distribution(allg))
    dist = dist[["grade", "group", "percent", "n"]]
    fig2 = ctx.figure(
        "opdrachtgevers-verdeling",
        labels.TITLES["grade_distribution_opdr"],
        lambda: figures.plot_grade_distribution(dist),
        dist,
        figures.alt_text("grade_distribution", dist),
        n=n,
        n_bench=nb,
        item="cijfer",
    )
    note = None if nb else Note((labels.FIGURE_BENCHMARK_WITHHELD,))
    return ctx.blocks([fig1, note, Paragraph(labels.NOTE_ROUNDED), fig2])


# ---- questionnaire items --------------------------------------------------------------------
def item_figure(
    ctx: BuildContext, codebook: Codebook, item: Item, own: pd.DataFrame, bench: pd.DataFrame
) -> Blocks:
    """The figure of one questionnaire item against all providers, or why it is missing.

    A :class:`~.blocks.Suppressed` block when fewer than ``min_answers`` answered, and when
    nobody did (:func:`_no_answers`). The item type names the figure kind
    (:data:`FIGURE_KINDS`) and counts the answers."""
    kind = item.kind
    figure_kind = kind.figure_kind(item) if item.figure else None
    if figure_kind is None:
        return ctx.blocks([])
    ident = f"{codebook.questionnaire}-{item.id}"
    d_own, d_bench = (
        kind.distribution(item, own),
        _benchmark_distribution(ctx, codebook, item, bench),
    )
    if getattr(item, "background", False):
        withheld_block = _group_disclosure(ctx, item, ident, d_own)
        if withheld_block is not None:
            return ctx.blocks([withheld_block])
    build = FIGURE_KINDS[figure_kind]
    d_prev, not_comparable = _previous_distribution(ctx, codebook, item)
    built = build(ctx, item, ident, ctx.plain(item.text), d_own, d_bench, d_prev=d_prev)
    if not len(built):  # every figure kind builds nothing when nobody answered
        return ctx.blocks([_no_answers(ctx, codebook, item, ident, own)])
    if not_comparable is not None and len(built):
        built = ctx.blocks([built, not_comparable])
    return ctx.blocks([built, open_answers(ctx, item, own)])


def _benchmark_distribution(ctx: BuildContext, codebook: Codebook, item: Item, bench):
    """The distribution of ``bench``: counted once per period when it is the period's
    benchmark (:attr:`.Survey.benchmark_distributions`), else here."""
    survey = ctx.facts.survey
    key = (codebook.id, item.id)
    if key in survey.benchmark_distributions and bench is survey.answers(codebook.id):
        return survey.benchmark_distributions[key]
    return item.kind.distribution(item, bench)


def _unanswered(ident: str, title: str, reason: str, item: Item, *, shown: bool = True):
    return Suppressed("figure", ident, title, reason, item.id, shown=shown)


def _no_answers(ctx: BuildContext, codebook: Codebook, item: Item, ident: str, own) -> Suppressed:
    """Why an item nobody of this provider answered has no figure.

    "Nobody answered" is said in one line only where the question was put to at least
    ``min_answers`` people; put to fewer, the line is the ordinary "fewer than k" (true for
    zero, and the same as for one or two), since "nobody" would tell what those few did. A
    question put to nobody (it belongs to services these clients did not use, or no answer
    led to this follow-up) is listed in the sidecar only. A follow-up of a routing question
    whose own figure is withheld always has the "fewer than k" line: "nobody", or its
    absence, would say how those few answered the routing question."""
    title = ctx.plain(item.text)
    few = labels.FIGURE_SUPPRESSED.format(k=ctx.min_answers)
    if item.when is not None:
        parent = codebook.item(item.when.item)
        if parent.background or int(parent.kind.answered(parent, own).sum()) < ctx.min_answers:
            return _unanswered(ident, title, few, item)
    persons = ctx.facts.persons
    dienst = persons.set_index(persons["person_id"].astype(str))["dienst"].reindex(own.index)
    asked = int(item.kind.asked(item, codebook, own, dienst.to_numpy()).sum())
    if asked >= ctx.min_answers:
        return _unanswered(ident, title, labels.FIGURE_NO_ANSWERS, item)
    if asked:
        return _unanswered(ident, title, few, item)
    reason = labels.FIGURE_NOT_ASKED if item.when is not None else labels.FIGURE_OTHER_SERVICES
    return _unanswered(ident, title, reason, item, shown=False)


def _previous_distribution(ctx: BuildContext, codebook: Codebook, item: Item):
    """(the provider's distribution of the previous measurement, the note that the question
    is not comparable): :meth:`.Trend.distribution`."""
    dist, reason = ctx.facts.survey.trend.distributions(ctx.facts.provider_id, codebook)[item.id]
    if reason is not None:
        return None, Note((labels.TREND_NOT_COMPARABLE.format(reason=ctx.plain(reason)),))
    return dist, None


def _group_disclosure(ctx: BuildContext, item: Item, ident: str, d_own: pd.DataFrame):
    """The block that withholds a background item (gender, education, benefit), or None.

    Such a figure says something about a group of people rather than about the service: it
    needs ``privacy.background_min_answers`` answers (at least ``min_answers``), and is never
    shown when one answer
    holds for everyone who answered ("100 % man" is a fact about each of them)."""
    if "count" not in d_own.columns or "n" not in d_own.columns:
        return None
    n = int(d_own["n"].iloc[0]) if len(d_own) else 0
    if n == 0:
        return None
    title, k = ctx.plain(item.text), ctx.facts.settings.privacy.background_threshold
    if n < k:
        reason = labels.FIGURE_BACKGROUND_FEW.format(k=k)
    elif (d_own["count"] >= n).any():
        reason = labels.FIGURE_ONE_ANSWER
    else:
        return None
    return Suppressed("figure", ident, title, reason, item.id)


def _choice(
    ctx: BuildContext,
    item: Item,
    ident: str,
    title: str,
    d_own,
    d_bench,
    figure_kind,
    d_prev=None,
):
    """Bars per option (single, multi) or one stacked bar per group (scale); ``d_prev``, the
    previous measurement, goes between the provider and the benchmark."""
    n, n_bench = int(d_own["n"].iloc[0]), bench_n(d_bench)
    if n == 0:
        return ctx.blocks([])
    if n < ctx.min_answers:
        return ctx.blocks([ctx.suppress("figure", ident, title, n, item.id)])
    before = (
        labels.PREVIOUS_GROUP.format(period=ctx.facts.survey.previous.period.id)
        if (d_prev is not None)
        else None
    )
    if figure_kind == "stacked":
        parts = [d_own.assign(row=ctx.with_n(ctx.facts.name, n))]
        if d_prev is not None:
            parts.append(d_prev.assign(row=ctx.with_n(before, int(d_prev["n"].iloc[0]))))
        if n_bench is not None:
            parts.append(d_bench.assign(row=ctx.with_n(labels.ALLE_DEELNEMERS, n_bench)))
        frame = pd.concat(parts, ignore_index=True)[["row", "option", "percent"]]
        draw = figures.plot_stacked
    else:
        frame = pair(ctx, d_own, d_bench)[["option", "group", "percent", "n"]]
        if d_prev is not None:
            mine = frame["group"] == ctx.facts.name
            rows = d_prev.assign(group=before)[["option", "group", "percent", "n"]]
            frame = pd.concat([frame[mine], rows, frame[~mine]], ignore_index=True)
        draw = figures.plot_multi if figure_kind == "multi" else figures.plot_single
    fig = ctx.figure(
        ident,
        title,
        lambda: draw(frame),
        frame,
        figures.alt_text(figure_kind, frame),
        n=n,
        n_bench=n_bench,
        item=item.id,
    )
    return ctx.blocks([fig, withheld(d_bench)])


def _matrix(ctx: BuildContext, item: Item, ident: str, title: str, d_own, d_bench, d_prev=None):
    """A satisfaction matrix: a pair of stacked bars per row (with the previous measurement
    between them where that report showed the row); rows below the threshold left out."""
    k = ctx.min_answers
    n_rows = d_own.groupby("row_id", sort=False)["n"].first()
    if n_rows.max() == 0:
        return ctx.blocks([])
    keep = n_rows[n_rows >= k].index
    if len(keep) == 0:
        n_max = int(n_rows.max())
        return ctx.blocks([ctx.suppress("figure", ident, title, n_max, item.id)])
    nb_rows = d_bench.groupby("row_id", sort=False)["n"].first()
    before = (
        labels.PREVIOUS_GROUP.format(period=ctx.facts.survey.previous.period.id)
        if d_prev is not None
        else None
    )
    parts = []
    for rid in keep:
        o, b = d_own[d_own["row_id"] == rid], d_bench[d_bench["row_id"] == rid]
        parts.append(o.assign(row=ctx.with_n(ctx.facts.name, int(n_rows[rid]))))
        p = d_prev[d_prev["row_id"] == rid] if d_prev is not None else None
        if p is not None and len(p):
            parts.append(p.assign(row=ctx.with_n(before, int(p["n"].iloc[0]))))
        if present(b):
            parts.append(b.assign(row=ctx.with_n(labels.ALLE_DEELNEMERS, int(nb_rows[rid]))))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.assign(block=frame["row_id"].map(dict(item.rows)).map(ctx.plain))
    frame = frame[["block", "row", "option", "percent"]]
    fig = ctx.figure(
        ident,
        title,
        lambda: figures.plot_stacked(frame),
        frame,
        figures.alt_text("stacked", frame),
        n=int(n_rows[keep].max()),
        n_bench=bench_n(d_bench[d_bench["row_id"].isin(keep)]),
        item=item.id,
    )
    note = matrix_rows_note(ctx) if len(keep) < len(n_rows) else None
    shown_bench = all(present(d_bench[d_bench["row_id"] == rid]) for rid in keep)
    return ctx.blocks([fig, note, None if shown_bench else withheld(d_bench.iloc[0:0])])


def _means(ctx: BuildContext, item: Item, ident: str, title: str, m_own, m_bench, d_prev=None):
    """A matrix of grades (aspects graded 1-10): mean per aspect against all providers."""
    k = ctx.min_answers
    n_max = int(m_own["n"].max())
    if n_max == 0:
        return ctx.blocks([])
    if n_max < k:
        return ctx.blocks([ctx.suppress("figure", ident, title, n_max, item.id)])
    m_own = m_own.assign(mean=m_own["mean"].where(m_own["n"] >= k))
    frame = pair(ctx, m_own, m_bench)
    frame["label"] = frame["label"].map(ctx.plain)
    frame = frame[["label", "group", "mean", "n"]]
    fig = ctx.figure(
        ident,
        title,
        lambda: figures.plot_means(frame),
        frame,
        figures.alt_text("means", frame),
        n=n_max,
        n_bench=bench_n(m_bench),
        item=item.id,
    )
    partial_bench = present(m_bench) and m_bench["mean"].isna().any()
    note = withheld(m_bench) or (
        Note((labels.FIGURE_BENCHMARK_WITHHELD,)) if partial_bench else None
    )
    return ctx.blocks([fig, note])


def _stacked(ctx: BuildContext, item: Item, ident: str, title: str, d_own, d_bench, d_prev=None):
    """Stacked bars: one pair per matrix row (a distribution per ``row_id``), else one pair
    (with the previous measurement between them, when given)."""
    if "row_id" in d_own.columns:
        return _matrix(ctx, item, ident, title, d_own, d_bench, d_prev)
    return _choice(ctx, item, ident, title, d_own, d_bench, "stacked", d_prev)


#: How the figure of each kind an item type can name (:data:`.items.FIGURE_KINDS`) is built
#: from the item's distribution for the provider and for all participants.
FIGURE_KINDS = MappingProxyType(
    {
        "single": partial(_choice, figure_kind="single"),
        "multi": partial(_choice, figure_kind="multi"),
        "stacked": _stacked,
        "means": _means,
    }
)


def open_answers(ctx: BuildContext, item: Item, own: pd.DataFrame) -> OpenAnswers | None:
    """'Anders, namelijk' texts: counted in the figure, listed only when a setting asks."""
    if not (ctx.facts.settings.privacy.show_open_answers and item.other_text):
        return None
    texts = own[item.other_text].dropna().astype(str)
    texts = sorted(t.strip() for t in texts if t.strip())
    if len(texts) < ctx.min_answers:
        return None
    return OpenAnswers(labels.OPEN_ANSWERS_INTRO, tuple(texts))


def _unanswered_only(blocks: Blocks) -> bool:
    return all(
        isinstance(b, Suppressed) and (b.reason == labels.FIGURE_NO_ANSWERS or not b.shown)
        for b in blocks
    )


def _section(ctx: BuildContext, section: Section, blocks: list[Blocks], answered: bool) -> Blocks:
    """A section: heading, intro and its items' blocks. Where nobody answered any of its
    questions, one line says so instead of a line per question; where nobody of this
    questionnaire answered at all (the report says so already), it is left out, its items
    listed in the sidecar only."""
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        return ctx.blocks([])
    if all(_unanswered_only(b) for b in blocks):
        hidden = [replace(s, shown=False) for b in blocks for s in b]
        if not answered or all(not s.shown for b in blocks for s in b):
            return ctx.blocks(hidden)
        blocks = [ctx.blocks([Paragraph(labels.SECTION_NO_ANSWERS), *hidden])]
    head = [Heading(2, ctx.plain(section.title))]
    head += [Paragraph(ctx.plain(t)) for t in section.intros(ctx.facts.all_diensten())]
    return ctx.blocks([*head, *blocks])


def _section_items(ctx: BuildContext, cb: Codebook, section_id: str, own, bench, skip=()):
    return [
        item_figure(ctx, cb, it, own, bench)
        for it in cb.items
        if it.section == section_id and it.id not in skip
    ]


def client_sections(ctx: BuildContext) -> Blocks:
    """Chapter 3 after the grade section: every codebook section that applies, in order."""
    out = []
    for cb in ctx.facts.codebooks(labels.GROUP_CLIENT):
        own, bench = ctx.facts.answers(cb)
        diensten = ctx.facts.diensten(cb)
        for section in cb.sections:
            if section.id == cb.grade.section:
                continue
            if section.diensten and not set(section.diensten) & diensten:
                continue
            items = _section_items(ctx, cb, section.id, own, bench)
            out.append(_section(ctx, section, items, answered=not own.empty))
    return ctx.blocks(out)


def client_grade_items(ctx: BuildContext) -> Blocks:
    """Other items of the grade section (e.g. overall satisfaction), after the grades."""
    out = []
    for cb in ctx.facts.codebooks(labels.GROUP_CLIENT):
        own, bench = ctx.facts.answers(cb)
        skip = {cb.grade_item, cb.roles.get("recommend")}
        out += _section_items(ctx, cb, cb.grade.section, own, bench, skip)
    return ctx.blocks(out)


def opdrachtgever_sections(ctx: BuildContext) -> Blocks:
    """Chapter 4 after its introduction: grades, recommendation, and every section that applies."""
    if not ctx.facts.opdrachtgevers_chapter:
        return ctx.blocks([])
    out = []
    for cb in ctx.facts.codebooks(labels.GROUP_OPDRACHTGEVER):
        own, bench = ctx.facts.answers(cb)
        for section in cb.sections:
            if section.id == cb.grade.section:
                skip = {cb.grade_item, cb.roles.get("recommend")}
                first = [opdrachtgever_grades(ctx), recommend(ctx, labels.GROUP_OPDRACHTGEVER)]
                blocks = first + _section_items(ctx, cb, section.id, own, bench, skip)
            else:
                blocks = _section_items(ctx, cb, section.id, own, bench)
            out.append(_section(ctx, section, blocks, answered=not own.empty))
    return ctx.blocks(out)


def matrix_rows_note(ctx: BuildContext) -> Note:
    return Note((labels.MATRIX_ROWS_LEFT_OUT.format(k=ctx.min_answers),))


# ---- the cover summary ----------------------------------------------------------------------
def _aspects(ctx: BuildContext, codebook: Codebook, role: str) -> dict[str, tuple[str, dict]]:
    """Answer columns named by a codebook role, with their short label and scale."""
    wanted = list(codebook.roles.get(role) or [])
    out: dict[str, tuple[str, dict]] = {}
    for it in codebook.items:
        for col, label in _aspect_columns(it):
            if col in wanted:
                out[col] = (ctx.plain(label), dict(it.options))
    return {c: out[c] for c in wanted if c in out}


def _aspect_columns(item: Item) -> list[tuple[str, str]]:
    """The answer columns of an item that can be an aspect, with their label: the rows of a
    matrix, or a scale item itself."""
    if item.rows:
        return list(zip(item.kind.columns(item), item.rows.values(), strict=True))
    if item.kind.figure_kind(item) == "stacked":
        return [(item.id, item.short)]
    return []


def strengths(ctx: BuildContext, role: str = "aspects") -> pd.DataFrame:
    """Aspects ranked by the provider's score minus the benchmark's (metrics.relative_strengths)."""
    books = ctx.facts.codebooks(labels.GROUP_CLIENT, largest_first=True)
    k = ctx.min_answers
    if not books:
        return metrics.relative_strengths(pd.DataFrame(), pd.DataFrame(), {}, min_answers=k)
    own, bench = ctx.facts.answers(books[0])
    return metrics.relative_strengths(own, bench, _aspects(ctx, books[0], role), min_answers=k)


def _summary_grade(ctx: BuildContext) -> tuple[str, str]:
    total = ctx.facts.row("totaal")
    if total is None or math.isnan(total["cijfer"]):
        return labels.NO_ANSWERS, labels.SUMMARY_GRADE_NONE
    if total["weggelaten"] == "afleidbaar":
        return labels.DERIVABLE, labels.SUMMARY_GRADE_DERIVABLE
    if not total["cijfer_shown"]:
        return labels.SUPPRESSED, labels.SUMMARY_GRADE_FEW.format(k=ctx.min_answers)
    return fmt.number(total["cijfer"]), f"n={fmt.number(total['cijfer_n'], 0)}"


def _summary_map(ctx: BuildContext):
    provinces = metrics.province_counts(ctx.facts.persons)
    if not len(provinces):
        return None
    from . import nlmap

    return cover_figure(
        ctx,
        "kaart",
        lambda: nlmap.plot_province_map(provinces),
        labels.TITLES["map"],
        nlmap.describe_province_map(provinces),
        labels.SUMMARY_MAP_CAPTION,
        int(provinces["count"].sum()),
    )


def _summary_donut(ctx: BuildContext):
    """Overall satisfaction of the largest client questionnaire; its caption names the
    questionnaire and n, and of how many when the provider has clients of more than one."""
    books = ctx.facts.codebooks(labels.GROUP_CLIENT, largest_first=True)
    overall = books[0].roles.get("overall") if books else None
    if not overall:
        return None
    own, _ = ctx.facts.answers(books[0])
    item = books[0].item(overall)
    dist = metrics.choice_distribution(own[overall], dict(item.options))
    n = int(dist["n"].iloc[0])
    if n < ctx.min_answers:
        return None
    frame = dist[["option", "percent"]]
    questionnaire = labels.QUESTIONNAIRE.format(name=books[0].questionnaire)
    total = sum(len(ctx.facts.answers(b)[0]) for b in books)
    if len(books) > 1:
        caption = labels.SUMMARY_DONUT_PART.format(
            questionnaire=questionnaire, n=fmt.number(n, 0), total=fmt.number(total, 0)
        )
    else:
        caption = labels.SUMMARY_DONUT_CAPTION.format(
            questionnaire=questionnaire, n=fmt.number(n, 0)
        )
    return cover_figure(
        ctx,
        "tevredenheid",
        lambda: figures.plot_donut(frame),
        labels.TITLES["donut"],
        figures.alt_text("donut", frame),
        caption,
        int(dist["n"].iloc[0]),
        item=overall,
    )


def _above(ctx: BuildContext, role: str) -> tuple[bool, list[str]]:
    """(any aspect with enough answers, the aspects above the benchmark strongest first),
    each named with "(significant)" where its figure's test says the difference is."""
    books = ctx.facts.codebooks(labels.GROUP_CLIENT, largest_first=True)
    ranked = strengths(ctx, role)
    where: dict[str, tuple[str, str]] = {}
    if books:
        for it in books[0].items:
            for col, label in _aspect_columns(it):
                key = POSITIVE if col == it.id else ctx.plain(label)
                where[col] = (f"{books[0].questionnaire}-{it.id}", key)
    tests = ctx.facts.tests
    higher = {
        (f, k)
        for f, k, d in zip(
            tests["figure"], tests["key"].map(ctx.plain), tests["direction"], strict=True
        )
        if d == "hoger"
    }
    out = []
    for _, r in ranked[ranked["difference"] > 0].iterrows():
        significant = where.get(r["column"]) in higher
        out.append(
            labels.SUMMARY_SIGNIFICANT.format(label=r["label"]) if significant else r["label"]
        )
    return len(ranked) > 0, out


def summary(ctx: BuildContext) -> Blocks:
    """The cover summary: map, mean grade, strongest staff aspect, overall satisfaction, best
    aspects. Only aspects above the benchmark count as strong; when there are none the
    page says so rather than naming the least weak."""
    map_ = _summary_map(ctx)
    grade, note = _summary_grade(ctx)
    any_staff, staff = _above(ctx, "staff_aspects")
    any_best, best = _above(ctx, "aspects")
    donut = _summary_donut(ctx)
    staff_intro = labels.SUMMARY_STAFF if staff else labels.SUMMARY_STAFF_NONE
    best_intro = labels.SUMMARY_BEST if best else labels.SUMMARY_BEST_NONE
    block = Summary(
        grade=grade,
        grade_note=note,
        grade_caption=labels.SUMMARY_GRADE_CAPTION,
        staff_intro=staff_intro if any_staff else "",
        staff=staff[0] if staff else "",
        best_intro=best_intro if any_best else "",
        best=tuple(best[:4]),
        label=labels.SUMMARY_LABEL,
        map=map_,
        donut=donut,
    )
    return ctx.blocks([block])
