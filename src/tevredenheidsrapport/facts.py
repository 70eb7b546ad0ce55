"""One provider's slice of a period: its persons, its table 2.2 rows, its questionnaires.

:class:`ProviderFacts` answers questions about the data (numbers and flags, no text); the
narrative (:mod:`.narrative`) and the content builders (:mod:`.content`) read it. Nothing
here is Dutch prose or markup.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import pandas as pd

from . import labels, metrics
from .codebook import Codebook
from .config import Settings
from .survey import Survey, answers_of, positions


class ProviderFacts:
    """What the data says about one provider of a :class:`~.survey.Survey`."""

    def __init__(self, survey: Survey, provider_id: str):
        survey.check_provider(provider_id)
        self.survey = survey
        self.settings: Settings = survey.settings
        self.provider_id = provider_id
        self.persons = survey.persons(provider_id)

    @cached_property
    def name(self) -> str:
        """The provider's name as delivered (not escaped)."""
        return str(self.survey.dataset.providers.loc[self.provider_id, "name"])

    @property
    def min_answers(self) -> int:
        return self.settings.privacy.min_answers

    # ---- table 2.2 -------------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """Table 2.2 rows of this provider (numbers)."""
        return self.survey.table11[self.provider_id]

    def row(self, kind: str) -> pd.Series | None:
        """The first row of table 2.2 for ``kind``, or None."""
        return self._first_rows.get(kind)

    @cached_property
    def _first_rows(self) -> dict[str, pd.Series]:
        """The first row of each kind of table 2.2, found once per report (a report asks
        for them some fifty times)."""
        table, first = self.table, {}
        for at, kind in enumerate(table["kind"].tolist()):
            if kind not in first:
                first[kind] = table.iloc[at]
        return first

    def netto(self, kind: str) -> int:
        row = self.row(kind)
        return int(row["netto"]) if row is not None else 0

    def done(self, kind: str) -> int:
        row = self.row(kind)
        return int(row["ingevuld"]) if row is not None else 0

    def respons(self, kind: str) -> float:
        row = self.row(kind)
        return math.nan if row is None else float(row["respons"])

    @property
    def disclosure(self):
        """Which of this provider's grades may be shown (:class:`~.privacy.GradeDisclosure`)."""
        return self.survey.grade_disclosure[self.provider_id]

    @property
    def norm(self) -> metrics.NormOutcome:
        return metrics.norm_outcome(self.persons, self.settings.norm, min_answers=self.min_answers)

    @property
    def phone_option(self) -> bool:
        return bool(self.survey.dataset.providers.loc[self.provider_id, "telefonisch"])

    # ---- structure -------------------------------------------------------------------------
    @property
    def opdrachtgevers_chapter(self) -> bool:
        """Chapter 'Opdrachtgevers' exists when enough opdrachtgevers responded.

        With fewer than ``min_answers`` completed questionnaires every figure would be
        withheld, and a chapter of notes about one or two people singles them out."""
        return self.done("opdrachtgevers") >= self.min_answers

    @property
    def conditions(self) -> dict[str, bool]:
        """What the narrative's ``.content-visible when-meta="tevreden.…"`` blocks test."""
        diensten = self.all_diensten()
        done_opdr = self.done("opdrachtgevers")
        return {
            "opdrachtgevers": self.opdrachtgevers_chapter,
            "opdrachtgevers_te_weinig": 0 < done_opdr < self.min_answers,
            "geen_opdrachtgevers": self.netto("opdrachtgevers") == 0,
            "opdrachtgevers_uitgenodigd": self.netto("opdrachtgevers") > 0,
            "cijfers": self.grades_shown,
            "cijferverdeling": self.grade_distribution_shown,
            "telefonisch": self.phone_option,
            "inburgeren": labels.DIENST_INBURGEREN in diensten,
            "arbeid": bool(diensten - {labels.DIENST_INBURGEREN}),
            "toetsen": self.settings.statistics.shares != "geen"
            or self.settings.statistics.means != "geen",
            "vorige_meting": self.previous_table is not None,
            "vorige_cijferverdeling": self.grade_distribution_shown
            and self.survey.trend.grade_distribution(self.provider_id) is not None,
            "eerste_meting": self.previous_table is None,
        }

    @property
    def grades_shown(self) -> bool:
        """Whether the figure of mean client grades shows any grade (what
        :func:`.charts.grade_means` and the template's texts go by): enough grades, and
        Totaal or a service not hidden."""
        own = metrics.means_by_service(self.persons)
        n_total = int(own.loc[own["label"] == labels.TOTAAL, "n"].iloc[0])
        d = self.disclosure
        services = own["dienst"].dropna()
        return n_total >= self.min_answers and (
            d.total_shown or any(d.shown(int(x)) for x in services)
        )

    @property
    def grade_distribution_shown(self) -> bool:
        """Whether the figure of the client grades' distribution is shown (what
        :func:`.charts.grade_distribution` and the template's texts go by): enough grades,
        and nothing it would give away."""
        n = int(metrics.completed_grades(self.persons)["cijfer"].notna().sum())
        return n >= self.min_answers and self.disclosure.distribution_shown

    def all_diensten(self) -> frozenset[int]:
        """Services of this provider's clients in the netto steekproef."""
        return self._all_diensten

    @cached_property
    def _all_diensten(self) -> frozenset[int]:
        p = self.persons
        clients = p[(p["group"] == labels.GROUP_CLIENT) & p["netto"].astype(bool)]
        return frozenset(int(d) for d in clients["dienst"].dropna())

    def diensten(self, codebook: Codebook) -> set[int]:
        """Services of this provider's clients who use ``codebook``."""
        p = self.persons
        part = p[(p["codebook"] == codebook.id) & p["netto"].astype(bool)]
        return {int(d) for d in part["dienst"].dropna()}

    # ---- questionnaires --------------------------------------------------------------------
    def codebooks(self, group: str, *, largest_first: bool = False) -> list[Codebook]:
        """Codebooks of ``group`` that this provider's completed questionnaires use
        (:meth:`.Survey.codebooks_of`)."""
        key = (group, largest_first)
        if key not in self._codebooks:
            self._codebooks[key] = tuple(
                self.survey.codebooks_of(self.provider_id, group, largest_first=largest_first)
            )
        return list(self._codebooks[key])

    @cached_property
    def _codebooks(self) -> dict[tuple[str, bool], tuple[Codebook, ...]]:
        """:meth:`codebooks` as found once per report (asked for a dozen times)."""
        return {}

    def answers(self, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(provider's, all providers') completed questionnaires for one codebook."""
        if codebook.id not in self._own_answers:
            self._own_answers[codebook.id] = answers_of(self.survey, self.persons, codebook.id)
        return self._own_answers[codebook.id], self.survey.answers(codebook.id)

    @cached_property
    def _own_answers(self) -> dict[str, pd.DataFrame]:
        """The provider's answers per codebook, selected once per report."""
        return {}

    def recommend_answers(self, group: str) -> tuple[pd.Series, pd.Series, object]:
        """Answers to the 'recommended?' item of every questionnaire of ``group``, pooled
        (:meth:`.Survey.recommend_answers`)."""
        return self.survey.recommend_answers(self.provider_id, group)

    @cached_property
    def previous_table(self) -> pd.DataFrame | None:
        """Table 2.2 of this provider in the previous measurement, or None (its first)."""
        before = self.survey.previous
        if before is None or self.provider_id not in before.dataset.providers.index:
            return None
        return before.table11[self.provider_id]

    def previous_row(self, kind: str, dienst: int | None = None) -> pd.Series | None:
        """The row of the previous table 2.2 for ``kind`` (and service), or None."""
        table = self.previous_table
        if table is None:
            return None
        rows = table[table["kind"] == kind]
        if dienst is not None:
            rows = rows[rows["dienst"] == dienst]
        return rows.iloc[0] if len(rows) else None

    @cached_property
    def tests(self) -> pd.DataFrame:
        """Every test of this report against the rest, adjusted (:attr:`.Survey.report_tests`)."""
        return self.survey.report_tests[self.provider_id]

    def tests_of(self, figure: str) -> pd.DataFrame:
        """The tests of one figure (by its id)."""
        at = self._tests_at.get(figure)
        return self.tests.iloc[0:0] if at is None else self.tests.take(at)

    @cached_property
    def _tests_at(self) -> dict[str, np.ndarray]:
        """The positions of each figure's rows in :attr:`tests`, found once per report."""
        return positions(self.tests, "figure")

    @cached_property
    def promotor(self) -> float:
        """Share (%) of client respondents who recommended the provider; NaN below the threshold."""
        own, _, _ = self.recommend_answers(labels.GROUP_CLIENT)
        if own.notna().sum() < self.min_answers:
            return math.nan
        return metrics.promotor_score(own)

    @property
    def promotor_answered(self) -> bool:
        """Whether any client answered the question about recommending the provider."""
        own, _, _ = self.recommend_answers(labels.GROUP_CLIENT)
        return bool(own.notna().any())
