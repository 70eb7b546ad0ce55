"""What a period's reports say about the previous measurement (:attr:`.Survey.previous`).

A provider's report sets its results beside its own previous measurement, only as that
report showed them (:meth:`Trend.distribution`, :meth:`Trend.grade_distribution`,
:meth:`Trend.recommend`); the changes are tested like the comparisons with the rest
(:meth:`Trend.grade_tests`: Welch, :meth:`Trend.share_counts`: Fisher) and adjusted with
them (:attr:`.Survey.report_tests`). Across questionnaire versions an item says what it was
(:attr:`.codebook.Item.previous`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from . import comparisons, labels, metrics, stats
from .codebook import Codebook, Item

if TYPE_CHECKING:
    from .survey import Survey


class Trend:
    """The previous measurement as one period's reports use it; ``survey.trend``."""

    def __init__(self, survey: Survey):
        self.survey = survey
        # (provider id, codebook id) -> {item id: (distribution, reason)}: the figures and
        # the tests of one report both need them, so they are worked out once
        self._distributions: dict[tuple[str, str], dict[str, tuple]] = {}

    def source(self, book: Codebook, item: Item) -> tuple[str, str, Mapping] | None:
        """Where the previous measurement asked ``item``: (codebook id, answer column,
        recode of its codes), or None when it did not, or not comparably. The same codebook
        then: the same item; another version: what the item's ``previous`` names."""
        before = self.survey.previous
        if before is None:
            return None
        if book.id in before.dataset.responses:
            return book.id, item.id, {}
        prev = item.previous
        if prev is None or not prev.comparable or prev.codebook not in before.dataset.responses:
            return None
        return prev.codebook, prev.column, prev.recode

    def answers(self, provider_id: str, book: Codebook, item: Item) -> pd.Series | None:
        """The provider's answers to ``item`` in the previous measurement, in this item's
        codes (its completed questionnaires), or None where there is nothing to compare."""
        source = self.source(book, item)
        if source is None or provider_id not in self.survey.previous.dataset.providers.index:
            return None
        cid, column, recode = source
        before = self.survey.previous
        answers = _answers_of(before, before.persons(provider_id), cid)
        if column not in answers.columns:
            return None
        values = answers[column]
        return (
            values.map(lambda v: recode.get(int(v), v) if pd.notna(v) else v) if recode else values
        )

    def responses(self, provider_id: str, book: Codebook) -> pd.DataFrame | None:
        """The provider's completed questionnaires of ``book`` in the previous measurement
        when it used the same version (so every item has the same columns and codes), else
        None."""
        before = self.survey.previous
        if (
            before is None
            or book.id not in before.dataset.responses
            or provider_id not in before.dataset.providers.index
        ):
            return None
        return _answers_of(before, before.persons(provider_id), book.id)

    def distribution(
        self,
        provider_id: str,
        book: Codebook,
        item: Item,
        *,
        responses: pd.DataFrame | None = None,
    ) -> tuple[pd.DataFrame | None, str | None]:
        """(the provider's distribution of ``item`` in the previous measurement, why the
        question is not comparable), only as the previous report showed it: enough answers,
        per matrix row; a background item never with one answer for everyone.

        With the same questionnaire version every figure of shares has one (a choice, a
        scale, a multiple choice, a matrix); across versions an item with one answer column
        that declares what it was (:meth:`answers`, in this item's codes).
        ``responses``: :meth:`responses` of ``book``, when the caller has them."""
        kind = item.kind.figure_kind(item) if item.figure else None
        if self.survey.previous is None or kind not in ("single", "stacked", "multi"):
            return None, None
        same = responses if responses is not None else self.responses(provider_id, book)
        if same is not None:
            dist = item.kind.distribution(item, same)
        elif item.rows or kind == "multi":
            return None, None
        else:
            prev = item.previous
            if prev is not None and not prev.comparable:
                return None, prev.reason or ""
            values = self.answers(provider_id, book, item)
            if values is None:
                return None, None
            dist = metrics.choice_distribution(values, dict(item.options))
        min_answers = self.survey.settings.privacy.min_answers
        if "row_id" in dist.columns:  # a matrix: the rows the previous report showed
            n_rows = dist.groupby("row_id", sort=False)["n"].transform("first")
            dist = dist[n_rows >= min_answers]
            return (dist, None) if len(dist) else (None, None)
        n = int(dist["n"].iloc[0]) if len(dist) else 0
        background = getattr(item, "background", False)
        if n < self.survey.threshold(item) or (background and (dist["count"] >= n).any()):
            return None, None
        return dist, None

    def distributions(self, provider_id: str, book: Codebook) -> Mapping[str, tuple]:
        """:meth:`distribution` of every item of ``book`` for one provider, by item id;
        worked out on first use and kept (the figures and :meth:`share_counts` share them)."""
        key = (provider_id, book.id)
        if key not in self._distributions:
            same = self.responses(provider_id, book)
            self._distributions[key] = {
                item.id: self.distribution(provider_id, book, item, responses=same)
                for item in book.items
            }
        return self._distributions[key]

    def grade_distribution(self, provider_id: str) -> pd.DataFrame | None:
        """The provider's distribution of client grades in the previous measurement, only
        where that report showed it (enough grades, nothing it would give away: see
        :class:`.privacy.GradeDisclosure`); None otherwise. Grades are 1-10 in every
        questionnaire version."""
        before = self.survey.previous
        if before is None or provider_id not in before.dataset.providers.index:
            return None
        grades = metrics.completed_grades(before.persons(provider_id))["cijfer"]
        dist = metrics.grade_distribution(grades)
        n = int(dist["n"].iloc[0]) if len(dist) else 0
        if n < self.survey.settings.privacy.min_answers:
            return None
        if not before.grade_disclosure[provider_id].distribution_shown:
            return None
        return dist

    def recommend(self, provider_id: str, group: str) -> pd.Series | None:
        """The provider's answers to the pooled 'recommended?' item of ``group`` in the
        previous measurement, in today's codes, where that report showed the figure (enough
        answers) and every questionnaire version it pooled is one that today's item was, the
        same or through its ``previous`` mapping (:meth:`source`); None otherwise."""
        before = self.survey.previous
        if before is None or provider_id not in before.dataset.providers.index:
            return None
        now = self.survey.recommend_books(provider_id, group)
        then = {b.id for b in before.recommend_books(provider_id, group)}
        if not now or not then:
            return None
        parts, sources = [], set()
        for book in now:
            item = book.item(book.roles["recommend"])
            source = self.source(book, item)
            values = self.answers(provider_id, book, item) if source else None
            if values is None:
                return None  # not asked comparably then: its answers need not mean the same
            if source[0] not in sources:
                sources.add(source[0])
                parts.append(values)
        if then - sources:
            return None  # the earlier figure pooled a version today's items do not map
        values = pd.concat(parts)
        if values.notna().sum() < self.survey.settings.privacy.min_answers:
            return None
        return values

    def share_counts(self, provider_id: str) -> pd.DataFrame:
        """Every share of the provider's item figures now beside its own share in the
        previous measurement (``rest_*``), where the figure shows that measurement
        (:meth:`distribution`); untested, as :attr:`.Survey.share_counts`. The figure id is
        ``vorige-`` and the item figure's id (:data:`.comparisons.TREND_PREFIX`)."""
        if self.survey.previous is None or self.survey.settings.statistics.shares == "geen":
            return comparisons.empty()
        persons = self.survey.persons(provider_id)
        rows = []
        for cid in self.survey.dataset.responses:
            book = self.survey.dataset.codebooks.get(cid)
            if book is None:
                continue
            own = _answers_of(self.survey, persons, cid)
            if own.empty:
                continue
            same = self.responses(provider_id, book)
            for item in book.items:
                if book.roles.get("recommend") == item.id:
                    continue
                dist, _ = self.distributions(provider_id, book)[item.id]
                if dist is None:
                    continue
                if same is not None:
                    then = comparisons.share_totals(item, same)
                else:
                    values = self.answers(provider_id, book, item)
                    then = comparisons.share_totals(item, values.to_frame(item.id))
                now = comparisons.share_totals(item, own)
                shown = set(dist["row"]) if "row" in dist.columns else None
                hidden = getattr(item, "background", False) and any(
                    0 < n <= hits for hits, n in now.values()
                )
                figure = f"{comparisons.TREND_PREFIX}{book.questionnaire}-{item.id}"
                for key, (hits, n) in now.items():
                    if key not in then or (shown is not None and key not in shown):
                        continue
                    rest_hits, rest_n = then[key]
                    rows.append(
                        {
                            "provider_id": provider_id,
                            "figure": figure,
                            "key": key,
                            "hits": hits,
                            "n": n,
                            "rest_hits": rest_hits,
                            "rest_n": rest_n,
                            "testable": not hidden and n >= self.survey.threshold(item),
                        }
                    )
        for group in (labels.GROUP_CLIENT, labels.GROUP_OPDRACHTGEVER):
            rows += self._recommend_rows(provider_id, group)
        return comparisons.between(rows)

    def _recommend_rows(self, provider_id: str, group: str) -> list[dict]:
        """The rows of :meth:`share_counts` for the pooled 'recommended?' figure."""
        then = self.recommend(provider_id, group)
        if then is None:
            return []
        now, _, item = self.survey.recommend_answers(provider_id, group)
        n, rest_n = int(now.notna().sum()), int(then.notna().sum())
        return [
            {
                "provider_id": provider_id,
                "figure": f"{comparisons.TREND_PREFIX}{group}-aanbevolen",
                "key": label,
                "hits": int((now == code).sum()),
                "n": n,
                "rest_hits": int((then == code).sum()),
                "rest_n": rest_n,
                "testable": n >= self.survey.settings.privacy.min_answers,
            }
            for code, label in item.options.items()
        ]

    @cached_property
    def grade_tests(self) -> pd.DataFrame:
        """Welch tests of every provider's client grades now against its own then (Totaal
        and per service, figure ``trend-cijfer``), on the cells both reports show; none for
        a provider that hides a client grade in either (see :attr:`.Survey.grade_tests`)."""
        s, before = self.survey.settings.statistics, self.survey.previous
        if s.means == "geen" or before is None:
            return comparisons.empty()
        now_done, now_pid, now_total, now_cell = self.survey.grade_cells
        then_done, then_pid, then_total, then_cell = before.grade_cells
        hiding = self.survey.hiding_providers | before.hiding_providers
        parts = []
        labels_ = [(labels.TOTAAL, None)] + [
            (metrics.service_label(d), int(d)) for d in sorted(now_done["dienst"].dropna().unique())
        ]
        for label, dienst in labels_:
            sel_now = now_total if dienst is None else now_cell & (now_done["dienst"] == dienst)
            sel_then = then_total if dienst is None else then_cell & (then_done["dienst"] == dienst)
            sel_now, sel_then = sel_now & ~now_pid.isin(hiding), sel_then & ~then_pid.isin(hiding)
            parts.append(
                comparisons.welch_between(
                    "trend-cijfer",
                    label,
                    stats.Groups.of(now_done.loc[sel_now, "cijfer"], now_pid[sel_now]),
                    stats.Groups.of(then_done.loc[sel_then, "cijfer"], then_pid[sel_then]),
                    s.min_answers,
                )
            )
        return pd.concat(parts, ignore_index=True) if parts else comparisons.empty()


def _answers_of(survey: Survey, persons: pd.DataFrame, codebook_id: str) -> pd.DataFrame:
    from .survey import answers_of

    return answers_of(survey, persons, codebook_id)
