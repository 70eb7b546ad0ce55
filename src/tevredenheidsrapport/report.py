"""The report of one provider, as ``report_template.qmd`` uses it.

:func:`open_report` gives the narrative a :class:`Report`: its properties are the facts the
text quotes (:class:`~.narrative.Narrative`), its methods return the report's content as
frozen blocks (:mod:`.blocks`), built by :mod:`.content` and :mod:`.charts`. A method
records nothing: running a cell twice gives the same blocks twice, and the document holds
what the cells returned.
"""

from __future__ import annotations

import os

import pandas as pd

from . import charts, content, labels
from .blocks import Blocks
from .config import Settings, load_settings
from .content import BuildContext
from .facts import ProviderFacts
from .narrative import Narrative
from .session import Session, interactive_session


class Report(Narrative):
    """One provider's report in a :class:`~.session.Session`; see the module docstring."""

    def __init__(self, session: Session, provider_id: str):
        self.session = session
        self.facts = ProviderFacts(session.survey, provider_id)
        self.provider_id = provider_id
        self.work_dir = session.work_dir
        session.figure_dir.mkdir(parents=True, exist_ok=True)
        self.ctx = BuildContext(self.facts, session.figures, session.figure_dir, session.display)

    @property
    def survey(self):
        return self.facts.survey

    @property
    def persons(self) -> pd.DataFrame:
        return self.facts.persons

    @property
    def table(self) -> pd.DataFrame:
        """Table 2.2 rows of this provider (numbers)."""
        return self.facts.table

    @property
    def conditions(self) -> dict[str, bool]:
        return self.facts.conditions

    @property
    def opdrachtgevers_chapter(self) -> bool:
        return self.facts.opdrachtgevers_chapter

    # ---- front matter ------------------------------------------------------------------
    def cover(self) -> Blocks:
        """Document metadata (conditions of the narrative's conditional blocks) and the cover."""
        return content.cover(self.ctx, str(self.period), str(self.report_date))

    def summary(self) -> Blocks:
        """The cover summary: map, mean grade, staff aspect, overall satisfaction, best aspects."""
        return charts.summary(self.ctx)

    def contents(self) -> Blocks:
        """The table of contents (page numbers in the PDF; a side bar in the HTML)."""
        return content.contents(self.ctx)

    def strengths(self, role: str = "aspects") -> pd.DataFrame:
        return charts.strengths(self.ctx, role)

    # ---- chapter 2 ---------------------------------------------------------------------
    def figure_invitation_flow(self) -> Blocks:
        return charts.invitation_flow(self.ctx)

    def table_services(self) -> Blocks:
        return content.table_services(self.ctx)

    def table11(self) -> Blocks:
        """Table 2.2, results for the keurmerk."""
        return content.table11(self.ctx)

    def table_trend(self) -> Blocks:
        """Table 2.2 beside the previous measurement (empty at a first measurement)."""
        return content.trend_table(self.ctx)

    # ---- chapter 3: clients --------------------------------------------------------------
    def figure_grade_means(self) -> Blocks:
        return charts.grade_means(self.ctx)

    def figure_grade_distribution(self) -> Blocks:
        return charts.grade_distribution(self.ctx)

    def figure_recommend(self, group: str = labels.GROUP_CLIENT) -> Blocks:
        return charts.recommend(self.ctx, group)

    def client_grade_items(self) -> Blocks:
        return charts.client_grade_items(self.ctx)

    def client_sections(self) -> Blocks:
        return charts.client_sections(self.ctx)

    # ---- chapter 4: opdrachtgevers ---------------------------------------------------------
    def opdrachtgever_grades(self) -> Blocks:
        return charts.opdrachtgever_grades(self.ctx)

    def opdrachtgever_sections(self) -> Blocks:
        return charts.opdrachtgever_sections(self.ctx)

    # ---- the sidecar ------------------------------------------------------------------------
    def record(self) -> Blocks:
        """Provider, period, table 2.2 and norm for the sidecar (shown in no format)."""
        return content.record(self.ctx, str(self.period))

    def __repr__(self) -> str:
        return f"Report({self.provider_id!r}, {self.survey.period.id!r})"


def open_report(
    data: str | os.PathLike[str],
    provider: str,
    *,
    params: str | os.PathLike[str] | None = None,
    work_dir: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    session: Session | None = None,
) -> Report:
    """The report of ``provider`` for the period at ``data``.

    With a ``session`` (our renderer passes its own) the report uses it; otherwise the
    period is read, validated and aggregated here, for this report (Jupyter, Quarto), and
    its figures go to ``work_dir``: by default ``_work/handmatig/<period>/<provider>``, so
    that reports opened side by side never share a figure.
    Raises DataError for invalid data and UnknownProviderError for an unknown provider.
    """
    if session is None:
        if settings is None:
            settings = load_settings([params] if params else [])
        session = interactive_session(data, settings, work_dir or None, str(provider))
    return Report(session, str(provider))
