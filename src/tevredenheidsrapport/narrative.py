"""The facts the narrative of ``report_template.qmd`` quotes, as ready-to-print markdown.

Each property is an inline value (``{python} r.name``): escaped data or a phrase from
:mod:`.labels` with the data filled in. The sentences themselves live in the ``.qmd``.
"""

from __future__ import annotations

import math

from . import fmt, labels
from .facts import ProviderFacts
from .md import Md, escape


def _count(n: int, forms: tuple[str, str, str]) -> Md:
    none, one, more = forms
    return Md(none if n == 0 else (one if n == 1 else more).format(n=n))


def interval_side(low: float, high: float, minimum: float) -> str:
    """``boven``, ``rond`` or ``onder``: the interval as printed (one decimal) against a
    minimum, as the norm compares the printed mean."""
    if fmt.round_half_up(low, 1) >= minimum:
        return "boven"
    if fmt.round_half_up(high, 1) < minimum:
        return "onder"
    return "rond"


class Narrative:
    """Inline values of the narrative; ``facts`` is the provider's :class:`ProviderFacts`."""

    facts: ProviderFacts

    @property
    def settings(self):
        return self.facts.settings

    @property
    def name_raw(self) -> str:
        return self.facts.name

    @property
    def name(self) -> Md:
        """The provider's name, escaped for markdown."""
        return Md(escape(self.facts.name))

    @property
    def bureau(self) -> Md:
        return Md(escape(self.settings.bureau.name))

    @property
    def bureau_short(self) -> Md:
        return Md(escape(self.settings.bureau.short))

    @property
    def period(self) -> Md:
        """``1 september 2024 tot en met 31 augustus 2025``."""
        p = self.facts.survey.period
        return Md(fmt.period_long(p.start, p.end))

    @property
    def report_date(self) -> Md:
        return Md(fmt.date_long(self.facts.survey.period.report_date, weekday=True))

    @property
    def clients_text(self) -> Md:
        return _count(self.facts.netto("totaal"), labels.CLIENTS_COUNT)

    @property
    def opdrachtgevers_text(self) -> Md:
        """``12 opdrachtgevers``, ``1 opdrachtgever`` or ``geen opdrachtgevers``."""
        return _count(self.facts.netto("opdrachtgevers"), labels.OPDRACHTGEVERS_COUNT)

    def _usable(self, kind: str) -> Md:
        respons = self.facts.respons(kind)
        return Md("0%" if math.isnan(respons) else fmt.percent(respons, 1))

    @property
    def usable_clients(self) -> Md:
        return self._usable("totaal")

    @property
    def usable_opdrachtgevers(self) -> Md:
        return self._usable("opdrachtgevers")

    @property
    def norm_text(self) -> Md:
        """``voldoet aan de tevredenheidsnorm`` and its variants."""
        return Md(labels.NORM_STATUS_TEXT[self.facts.norm.status])

    @property
    def interval_level(self) -> Md:
        """``95%``: the confidence level of the intervals."""
        return Md(fmt.percent(self.settings.statistics.level * 100))

    @property
    def test_min_answers(self) -> int:
        return self.settings.statistics.min_answers

    @property
    def test_fdr(self) -> Md:
        """``5%``: the false discovery rate of the tests."""
        fdr = self.settings.statistics.fdr * 100
        return Md(fmt.percent(fdr, 0 if float(fdr).is_integer() else 1))

    @property
    def test_method_text(self) -> Md:
        """Which tests the report uses: ``gemiddelde cijfers: …; percentages: …; …``."""
        s = self.settings.statistics
        parts = [labels.TEST_MEANS] if s.means != "geen" else []
        parts += [labels.TEST_SHARES] if s.shares != "geen" else []
        return Md("; ".join([*parts, labels.TEST_FDR]))

    @property
    def norm_interval_text(self) -> Md:
        """Where the 95 % intervals lie against the norm: always for Totaal, for a service
        only when its interval is not wholly above its minimum. Empty without intervals."""
        norm, table = self.settings.norm, self.facts.table
        sentences = []
        for _, r in table[table["interval_shown"] & (table["kind"] != "opdrachtgevers")].iterrows():
            total = r["kind"] == "totaal"
            minimum = norm.total_min if total else norm.service_min
            side = interval_side(r["interval_laag"], r["interval_hoog"], minimum)
            if total or side != "boven":
                what = (
                    labels.NORM_INTERVAL_TOTAL
                    if total
                    else labels.NORM_INTERVAL_SERVICE.format(service=escape(r["label"]))
                )
                text = labels.NORM_INTERVAL_TEXT[side].format(
                    what=what,
                    interval=labels.INTERVAL.format(
                        low=fmt.number(r["interval_laag"]), high=fmt.number(r["interval_hoog"])
                    ),
                    norm=fmt.number(minimum),
                )
                sentences.insert(0, text) if total else sentences.append(text)
        return Md(" ".join(sentences))

    @property
    def min_answers(self) -> int:
        return self.facts.min_answers

    @property
    def since(self) -> int:
        return self.settings.bureau.since

    @property
    def phone_calls_cap(self) -> int:
        """The cap on phone interviews: as this measurement did it, else the settings'."""
        invitation = self.facts.survey.period.invitation
        return invitation.phone_calls_cap if invitation else self.settings.report.phone_calls_cap

    @property
    def invitation_channels(self) -> Md:
        """``per e-mail``, or ``per e-mail of per post`` where the measurement used both."""
        invitation = self.facts.survey.period.invitation
        channels = invitation.channels if invitation else ("e-mail",)
        return Md(" of ".join(labels.INVITATION_CHANNEL[c] for c in channels))

    @property
    def phone_text(self) -> Md:
        """Whether the provider bought the phone option, as the end of a sentence."""
        return Md(labels.PHONE_USED if self.facts.phone_option else labels.PHONE_NOT_USED)

    @property
    def helpdesk(self) -> Md:
        b = self.settings.bureau
        return Md(
            labels.HELPDESK_HOURS.format(
                days=escape(b.helpdesk_days), hours=escape(b.helpdesk_hours)
            )
        )

    @property
    def email(self) -> Md:
        return Md(escape(self.settings.bureau.email))

    @property
    def phone(self) -> Md:
        return Md(escape(self.settings.bureau.phone))

    @property
    def hearing_weeks(self) -> int:
        return self.settings.bureau.hearing_weeks

    @property
    def promotor(self) -> float:
        return self.facts.promotor

    @property
    def promotor_text(self) -> Md:
        """The promotor score sentence (or why it is missing)."""
        score = self.facts.promotor
        if math.isnan(score):
            if not self.facts.promotor_answered:
                return Md(labels.PROMOTOR_NONE.format(name=self.name))
            return Md(labels.PROMOTOR_TOO_FEW.format(k=self.min_answers, name=self.name))
        return Md(labels.PROMOTOR.format(name=self.name, score=fmt.number(score)))

    def num(self, value: float, decimals: int = 1) -> Md:
        """Dutch number for the narrative."""
        return Md(fmt.number(value, decimals))
