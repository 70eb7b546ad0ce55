"""tevredenheidsrapport: klanttevredenheidsrapporten voor het keurmerk Blik op Werk.

The package holds all logic: reading and validating survey data (:mod:`dataset`,
:mod:`validate`), questionnaire codebooks (:mod:`codebook`), metrics (:mod:`metrics`),
figures (:mod:`figures`), the report object used by ``report_template.qmd``
(:mod:`report`), rendering (:mod:`render`) and the command line (:mod:`cli`).
"""

from __future__ import annotations

__version__ = "0.1.0"
