"""The session of one report: everything its cells share, passed explicitly.

A :class:`Session` holds the settings, the loaded survey of the period, the work directory,
the figure sink and the renderer that cell results display with. Our renderer
(:func:`.render.render_report`, and through it the batch) creates one per report and puts
it into the notebook's namespace as ``tevreden_session``; in Jupyter and under Quarto,
:func:`.report.open_report` builds its own with :func:`interactive_session`. Nothing in the
package keeps a session, a survey or a figure between calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .drawing import FigureSink
from .fsutil import safe_name
from .renderers import JupyterHtml, PandocMarkdown
from .survey import Survey, load_survey

#: The name under which our renderer hands the session to the notebook.
NAMESPACE_KEY = "tevreden_session"
#: Where a report opened by hand (Jupyter, Quarto) keeps its figures, relative to the
#: working directory: ``<period>/<provider>`` below it.
HANDMATIG = Path("_work") / "handmatig"


@dataclass(frozen=True)
class Session:
    """What the cells of one report share."""

    settings: Settings
    survey: Survey
    work_dir: Path
    figures: FigureSink
    display: object = None  # renderer of cell results in a notebook; None: blocks only

    @property
    def figure_dir(self) -> Path:
        return self.work_dir / "figures"


def render_session(survey: Survey, work_dir: Path) -> Session:
    """For our renderer: figures collected (drawn after the cells), blocks handed over as data."""
    work = Path(work_dir)
    return Session(survey.settings, survey, work, FigureSink(collect=True, root=work))


def interactive_session(
    data: str | os.PathLike[str],
    settings: Settings,
    work_dir: str | os.PathLike[str] | None,
    provider: str = "",
) -> Session:
    """For Jupyter and Quarto: figures drawn at once, results shown as HTML (Jupyter) or as
    the Pandoc markdown that ``output: asis`` includes (Quarto, which sets ``QUARTO_FIG_FORMAT``
    in its kernel)."""
    display = PandocMarkdown(base=None) if "QUARTO_FIG_FORMAT" in os.environ else JupyterHtml()
    survey = load_survey(data, settings)
    if work_dir is None:  # one folder per period and provider (the renderer's layout)
        work = HANDMATIG / safe_name(survey.period.id) / safe_name(provider or "rapport")
    else:
        work = Path(work_dir)
    return Session(settings, survey, work, FigureSink(root=work), display)
