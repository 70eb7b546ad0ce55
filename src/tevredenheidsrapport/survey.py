"""A loaded measurement period with everything every report of it shares.

Reading, validating and aggregating happen once per period, by whoever holds the survey (a
batch holds one per period and hands it to every report): the benchmark of all providers
is computed here, lazily and once, and a provider's report only
slices the precomputed frames.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from . import comparisons, labels, metrics, privacy, stats
from .beside import SharedRange, beside
from .codebook import Codebook, Item, check_previous
from .config import Settings
from .dataset import Dataset, load_period, previous_period_dir
from .errors import DataError, UnknownProviderError


class Survey:
    """One period's data plus benchmark aggregates; build with :func:`load_survey`."""

    def __init__(self, dataset: Dataset, settings: Settings, previous: Survey | None = None):
        self.dataset = dataset
        self.settings = settings
        #: The previous measurement (:func:`.dataset.previous_period_dir`), for trends.
        self.previous = previous

    @property
    def period(self):
        return self.dataset.period

    @cached_property
    def trend(self):
        """What this period's reports say about the previous measurement (:mod:`.trend`)."""
        from .trend import Trend  # trend reads this module's answers_of

        return Trend(self)

    @cached_property
    def persons_by_provider(self) -> dict[str, pd.DataFrame]:
        """Persons of each provider, split once."""
        persons = self.dataset.persons
        return {str(pid): part for pid, part in persons.groupby("provider_id", sort=False)}

    def persons(self, provider_id: str) -> pd.DataFrame:
        """The persons frame of one provider (empty frame when it delivered nobody)."""
        return self.persons_by_provider.get(provider_id, self.dataset.persons.iloc[0:0])

    # ---- what may be shown (privacy) ---------------------------------------------------
    @cached_property
    def grade_disclosure(self) -> Mapping[str, privacy.GradeDisclosure]:
        """Per provider, which grades of its report may be shown (primary and secondary
        suppression, :func:`.privacy.protect_grades`); each computed on first use and kept."""
        return _LazyMap(self.dataset.providers.index, self._disclose_grades)

    @cached_property
    def client_grades(self) -> pd.DataFrame:
        """Completed client grades of every provider (:func:`.metrics.completed_grades`)."""
        return metrics.completed_grades(self.dataset.persons)

    @cached_property
    def client_grades_by_provider(self) -> dict[str, pd.DataFrame]:
        """:attr:`client_grades` split per provider once (a provider without any: absent)."""
        done = self.client_grades
        return {str(pid): part for pid, part in done.groupby("provider_id", sort=False)}

    def _disclose_grades(self, provider_id: str) -> privacy.GradeDisclosure:
        p = self.settings.privacy
        done = self.client_grades_by_provider.get(provider_id, self.client_grades.iloc[0:0])
        counts = privacy.counts_by_service(done["dienst"].tolist(), done["cijfer"].tolist())
        if not privacy.needs_protection(counts, p.min_answers):
            return privacy.protect_grades(counts, min_answers=p.min_answers, width=0)
        outcome = metrics.norm_outcome(
            self.persons(provider_id), self.settings.norm, min_answers=p.min_answers
        )
        n = self.settings.norm
        rule = privacy.NormRule(n.total_min, n.service_min, n.insufficient_below, n.insufficient_as)
        judged = frozenset(d for d, c in counts.items() if c.sum() >= p.min_answers)
        return privacy.protect_grades(
            counts,
            min_answers=p.min_answers,
            width=p.protection_grade,
            norm=(outcome.status, rule, judged),
        )

    def benchmark_allowed(self, per_provider: Mapping[str, int]) -> bool:
        """Whether a benchmark of these answers (n per provider) may be shown."""
        p = self.settings.privacy
        return privacy.benchmark_allowed(
            per_provider, min_answers=p.min_answers, min_providers=p.benchmark_min_providers
        )

    @cached_property
    def grade_cells(self) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
        """Completed client grades with their provider, and which of them a benchmark may
        hold: for Totaal those of providers whose report shows Totaal, per service those
        of the cells the reports show."""
        done = self.client_grades
        disclosure = {p: self.grade_disclosure[p] for p in self.provider_ids()}
        pid, dienst = done["provider_id"].astype(str), done["dienst"]
        total_ok = pid.map({p: d.total_shown for p, d in disclosure.items()}).astype(bool)
        codes, providers = pd.factorize(pid)
        hidden = [disclosure[p].hidden if p in disclosure else () for p in providers]
        cell_ok = pd.Series(~metrics.in_cells(codes, dienst, hidden), index=done.index)
        return done, pid, total_ok, cell_ok

    @cached_property
    def benchmark_means(self) -> pd.DataFrame:
        """Mean client grade of all providers, Totaal and per service, from the grades their
        own reports show; the mean is NaN where the benchmark may not be shown."""
        done, pid, total_ok, cell_ok = self.grade_cells
        return metrics.benchmark_means(done, pid, total_ok, cell_ok, self.benchmark_allowed)

    # ---- the previous measurement --------------------------------------------------------
    def recommend_books(self, provider_id: str, group: str) -> list[Codebook]:
        """The provider's codebooks of ``group`` (:meth:`codebooks_of`) that ask the
        'recommended?' item."""
        return [b for b in self.codebooks_of(provider_id, group) if b.roles.get("recommend")]

    def recommend_answers(
        self, provider_id: str, group: str
    ) -> tuple[pd.Series, pd.Series, Item | None]:
        """(the provider's, all providers') answers to the 'recommended?' item of every
        questionnaire of ``group``, pooled, and the item as the first questionnaire asks it
        (the figure names the options so); None for the item when no questionnaire asks it."""
        books = self.recommend_books(provider_id, group)
        if not books:
            return pd.Series(dtype=float), pd.Series(dtype=float), None
        persons = self.persons(provider_id)
        own = [answers_of(self, persons, b.id)[b.roles["recommend"]] for b in books]
        bench = [self.answers(b.id)[b.roles["recommend"]] for b in books]
        return pd.concat(own), pd.concat(bench), books[0].item(books[0].roles["recommend"])

    def codebooks_of(
        self, provider_id: str, group: str, *, largest_first: bool = False
    ) -> list[Codebook]:
        """Codebooks of ``group`` that the provider's completed questionnaires use.

        In the order of the period's questionnaires (arbeid before inburgeren, as every
        report has it), or with the most used first."""
        p = self.persons(provider_id)
        done = p[metrics.completed(p)]
        counts = done[done["group"] == group]["codebook"].value_counts()
        ids = sorted(
            counts.index,
            key=lambda c: (-counts[c], c) if largest_first else (self.questionnaire_rank(c), c),
        )
        books = self.dataset.codebooks
        return [books[c] for c in ids if c in books]

    def questionnaire_rank(self, codebook_id: str) -> int:
        """Position of a codebook among the period's questionnaires (arbeid before
        inburgeren, as every report has them); unknown ones last."""
        order = [q.codebook.id for q in self.period.questionnaires.values()]
        return order.index(codebook_id) if codebook_id in order else 99

    # ---- tests against the rest (:mod:`.comparisons`) ------------------------------------
    @cached_property
    def hiding_providers(self) -> frozenset[str]:
        """Providers whose report hides a client grade (a service or Totaal)."""
        return frozenset(
            p
            for p in self.provider_ids()
            if self.grade_disclosure[p].hidden or not self.grade_disclosure[p].total_shown
        )

    @cached_property
    def grade_tests(self) -> pd.DataFrame:
        """Welch tests of every provider's mean grades (clients: Totaal and per service;
        opdrachtgevers: their Totaal) against the rest, from the grades the benchmark holds;
        none where the benchmark is withheld."""
        s = self.settings.statistics
        if s.means == "geen":
            return comparisons.empty()
        done, pid, total_ok, cell_ok = self.grade_cells
        # A test's statistic tells the spread (sum of squares) of the grades behind a mean,
        # and the tests of all reports together would give it for every cell they contain.
        # Beside a hidden grade that is more than the secondary suppression of privacy.py
        # allows for (it reasons about means), so a provider that hides a client grade is in
        # no Welch test of client grades at all: not its own, not in anyone's rest.
        grades = done["cijfer"].to_numpy(dtype=float)
        open_ = ~pid.isin(self.hiding_providers).to_numpy() & ~np.isnan(grades)
        codes, providers = pd.factorize(pid, sort=True)  # once for every selection below
        parts = []
        for _, b in self.benchmark_means.iterrows():
            if math.isnan(b["mean"]):
                continue
            sel = total_ok if pd.isna(b["dienst"]) else cell_ok & (done["dienst"] == b["dienst"])
            sel = sel.to_numpy() & open_
            groups = stats.Groups.of_codes(grades[sel], codes[sel], pd.Index(providers))
            parts.append(comparisons.welch("cijfer-gemiddeld", b["label"], groups, s.min_answers))
        opdr = self.benchmark_opdrachtgever_grades
        if len(opdr):
            owner = self.dataset.persons.loc[opdr.index, "provider_id"].astype(str)
            groups = stats.Groups.of(opdr, owner)
            label = labels.TOTAAL_OPDRACHTGEVERS
            parts.append(comparisons.welch("opdrachtgevers-cijfer", label, groups, s.min_answers))
        return pd.concat(parts, ignore_index=True) if parts else comparisons.empty()

    @cached_property
    def share_counts(self) -> pd.DataFrame:
        """Every share of every item figure beside the rest's, for every provider (the
        Fisher tests are run per report, on its own rows: :attr:`report_tests`)."""
        s = self.settings.statistics
        if s.shares == "geen":
            return comparisons.empty()
        owner_of = self.owner_of
        books = [
            (self.dataset.codebooks[cid], self.answers(cid))
            for cid in self.dataset.responses
            if cid in self.dataset.codebooks
        ]
        parts = [comparisons.share_counts(books, owner_of, threshold=self.threshold)]
        in_order = sorted(books, key=lambda ba: self.questionnaire_rank(ba[0].id))
        for group in (labels.GROUP_CLIENT, labels.GROUP_OPDRACHTGEVER):
            pooled = [
                (b, a)
                for b, a in in_order
                if b.group == group and b.roles.get("recommend") and not a.empty
            ]
            parts.append(
                comparisons.recommend_counts(
                    f"{group}-aanbevolen",
                    pooled,
                    owner_of,
                    threshold=self.settings.privacy.min_answers,
                )
            )
        return pd.concat(parts, ignore_index=True)

    @cached_property
    def owner_of(self) -> pd.Series:
        """The provider of every person, by person id."""
        persons = self.dataset.persons.drop_duplicates("person_id")
        return pd.Series(
            persons["provider_id"].astype(str).to_numpy(), index=persons["person_id"].astype(str)
        )

    @cached_property
    def report_tests(self) -> Mapping[str, pd.DataFrame]:
        """Per provider every test its report shows, with Benjamini-Hochberg adjusted p and
        the direction of a significant difference (:func:`.comparisons.for_report`)."""
        s = self.settings.statistics
        tests, tests_at, counts_at = self._test_rows
        counts = self.share_counts

        def of(pid: str) -> pd.DataFrame:
            means = tests.take(tests_at[pid]) if pid in tests_at else comparisons.empty()
            own = counts.take(counts_at[pid]) if pid in counts_at else None
            return comparisons.for_report(
                means,
                _joined(own, self.trend.share_counts(pid)),
                min_n=s.min_answers,
                q=s.fdr,
            )

        return _LazyMap(self.dataset.providers.index, of)

    @cached_property
    def _test_rows(self) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The grade tests of all providers (against the rest and against their previous
        measurement) with, per provider, the positions of its rows there and in
        :attr:`share_counts`: found once (a groupby's indices), so that a report takes only
        its own rows instead of every report splitting all 500 providers' rows again."""
        tests = pd.concat([self.grade_tests, self.trend.grade_tests], ignore_index=True)
        return tests, positions(tests), positions(self.share_counts)

    @cached_property
    def benchmark_grade_distribution(self) -> pd.DataFrame:
        """Distribution of client grades over the providers whose report shows theirs; all
        NaN where it may not be shown."""
        done = self.client_grades
        pid = done["provider_id"].astype(str)
        shown = {p: self.grade_disclosure[p].distribution_shown for p in self.provider_ids()}
        ok = pid.map(shown).astype(bool)
        out = metrics.grade_distribution(done.loc[ok, "cijfer"])
        if not self.benchmark_allowed(pid[ok].value_counts().to_dict()):
            out["percent"] = math.nan
        return out

    @cached_property
    def benchmark_opdrachtgever_grades(self) -> pd.Series:
        """Grades of the opdrachtgevers of all providers whose own report shows theirs;
        empty when the benchmark may not be shown."""
        g = metrics.completed_grades(self.dataset.persons, labels.GROUP_OPDRACHTGEVER)
        n = g["provider_id"].astype(str).value_counts()
        shown = n[n >= self.settings.privacy.min_answers]
        if not self.benchmark_allowed(shown.to_dict()):
            return g["cijfer"].iloc[0:0]
        return g.loc[g["provider_id"].astype(str).isin(shown.index), "cijfer"]

    @cached_property
    def table11(self) -> Mapping[str, pd.DataFrame]:
        """Table 1.1 of every provider, each computed on first use and kept.

        Lazy per provider: one report needs only its own (9 ms each, 4.6 s for 500
        providers), and batch workers compute theirs in parallel.
        """
        pub, k = self.settings.publication, self.settings.privacy.min_answers
        return _LazyMap(
            self.dataset.providers.index,
            lambda pid: metrics.table11(
                self.persons(pid),
                publication=pub,
                min_answers=k,
                disclosure=self.grade_disclosure[pid],
                level=self.settings.statistics.level,
            ),
        )

    @cached_property
    def _answers(self) -> dict[str, pd.DataFrame]:
        """Benchmark answers: completed questionnaires of all providers, per codebook, with
        what may not enter a benchmark left out (:meth:`_benchmark_only`)."""
        return {
            cid: self._benchmark_only(cid, answers_of(self, self.dataset.persons, cid))
            for cid in self.dataset.responses
        }

    def answers(self, codebook_id: str) -> pd.DataFrame:
        """Completed questionnaires of all providers for one codebook (the benchmark)."""
        return self._answers[codebook_id]

    @cached_property
    def benchmark_distributions(self) -> Mapping[tuple[str, str], pd.DataFrame | None]:
        """:func:`item_distributions` of the benchmark answers (:meth:`answers`): the same
        in every report of the period, so counted once here. Read-only for the reports."""
        return item_distributions(self.dataset.codebooks, self._answers)

    def _benchmark_only(self, codebook_id: str, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the answers that a benchmark may not use blanked, item by item.

        A benchmark holds only answers that their own report shows: a provider's answers to
        an item (a matrix row: to that row) count only when it has enough of them for its
        own figure; and the item's benchmark is blanked entirely unless
        :meth:`benchmark_allowed` (no provider can subtract its own answers and see
        another's). So no difference of published numbers reaches a hidden answer."""
        book = self.dataset.codebooks.get(codebook_id)
        if book is None or frame.empty:
            return frame
        # each row's provider as a position among the providers, found once: the answers
        # per provider of every column are then a bincount, not a groupby of strings
        at, providers = comparisons.owner_positions(comparisons.owners(self.owner_of, frame))
        out = frame.copy()
        for item in book.items:
            if not item.kind.coded or not item.kind.has_distribution:
                continue
            columns = [c for c in item.kind.columns(item) if c in out.columns]
            threshold = self.threshold(item)
            groups = [[c] for c in columns] if item.rows else [columns]  # matrix: per row
            for group in groups:
                n = comparisons.tally(out[group].notna().all(axis=1), at, providers)
                few = np.flatnonzero((n > 0).to_numpy() & (n < threshold).to_numpy())
                if len(few):
                    out.loc[np.isin(at, few), group] = math.nan
                    n.iloc[few] = 0.0
                if not self.benchmark_allowed(n.astype(int).to_dict()):
                    out[group] = math.nan
        return out

    def threshold(self, item) -> int:
        """Answers an item's figure needs: more for a background item (group disclosure)."""
        p = self.settings.privacy
        return p.background_threshold if getattr(item, "background", False) else p.min_answers

    def precompute(self, jobs: int = 1) -> Survey:
        """Compute every shared aggregate now (before forking batch workers); returns self.
        With ``jobs`` > 1, the same, with the disclosures beside (:func:`_disclose_beside`)."""
        if jobs > 1:
            _disclose_beside(self)
        _ = self.persons_by_provider, self.table11, self.grade_disclosure
        _independent_aggregates(self)
        _ = self.benchmark_means, self.benchmark_grade_distribution, self.grade_tests
        _ = self.trend.grade_tests, self._test_rows
        return self

    #: What a pickled survey (:mod:`.periodstore`) leaves out: splits per provider that
    #: are quicker to make again than to read (500 small frames each), and the lazy maps of
    #: one report's own results, which hold a function of this survey.
    _NOT_KEPT = ("persons_by_provider", "client_grades_by_provider", "table11", "report_tests")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._NOT_KEPT}

    def check_provider(self, provider_id: str) -> None:
        """Raise UnknownProviderError unless the period lists ``provider_id``."""
        if provider_id not in self.dataset.providers.index:
            raise UnknownProviderError(provider_id, self.period.id, self.provider_ids())

    def provider_ids(self) -> list[str]:
        """Every provider of the period, in file order."""
        return [str(p) for p in self.dataset.providers.index]

    def __repr__(self) -> str:
        return f"Survey({self.period.id!r}, providers={len(self.dataset.providers)})"


def _independent_aggregates(survey: Survey) -> None:
    """The shared aggregates of ``survey`` that need no grade disclosure."""
    _ = survey._answers, survey.benchmark_opdrachtgever_grades, survey.share_counts
    _ = survey.benchmark_distributions


def _disclose_beside(survey: Survey) -> None:
    """Decide the grade disclosures of every provider of ``survey`` and of its previous
    measurement (a MILP per hidden service: almost half of :meth:`Survey.precompute` at 500
    providers) on two cores: a forked child (:func:`.beside.beside`) decides them from the
    first provider on, while ``survey`` counts the benchmark answers and shares, which do
    not depend on them, and then decides them from the last provider back until the two
    meet (:class:`.beside.SharedRange`). Should the child fail, the rest are decided here
    when first needed, as without it."""
    surveys = [s for s in (survey, survey.previous) if s is not None]
    if all("grade_disclosure" in s.__dict__ and s.grade_disclosure.complete() for s in surveys):
        return
    for s in surveys:  # what the child needs, made once for both processes
        _ = s.client_grades_by_provider, s.persons_by_provider
    work = [(k, p) for k, s in enumerate(surveys) for p in s.provider_ids()]
    shared = SharedRange(len(work))

    def disclose_front() -> list[dict[str, privacy.GradeDisclosure]]:
        found: list[dict[str, privacy.GradeDisclosure]] = [{} for _ in surveys]
        for i in shared.front():
            k, p = work[i]
            found[k][p] = surveys[k].grade_disclosure[p]
        return found

    with beside(disclose_front) as child:
        _independent_aggregates(survey)
        for i in shared.back():
            k, p = work[i]
            _ = surveys[k].grade_disclosure[p]
        found = child()
    for s, values in zip(surveys, found or (), strict=False):
        s.grade_disclosure.update(values)


class _LazyMap(Mapping):
    """A read-only mapping whose values are computed on first access and then kept."""

    def __init__(self, keys, compute):
        self._keys = list(keys)
        self._known = set(self._keys)
        self._compute = compute
        self._values: dict = {}

    def __getitem__(self, key):
        if key not in self._values:
            if key not in self._known:
                raise KeyError(key)
            self._values[key] = self._compute(key)
        return self._values[key]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def update(self, values: Mapping) -> None:
        """Take values computed elsewhere (the same function, in another process)."""
        self._values.update((k, v) for k, v in values.items() if k in self._known)

    def complete(self) -> bool:
        """Whether every value is known."""
        return len(self._values) == len(self._keys)


def load_survey(data: str | Path, settings: Settings, *, previous: bool = True) -> Survey:
    """Read, validate and index the period at ``data``; the caller keeps the result.

    With ``previous`` the previous measurement is read too (without its own previous), for
    the comparison with it in every report."""
    dataset = load_period(data)
    before = None
    if previous:
        folder = previous_period_dir(dataset.period)
        if folder is not None:
            before = Survey(load_period(folder), settings)
            problems = [
                p
                for book in dataset.codebooks.values()
                for old in before.dataset.codebooks.values()
                for p in check_previous(book, old)
            ]
            if problems:
                raise DataError(problems)
    return Survey(dataset, settings, before)


def group_label(provider_name: str, benchmark: bool) -> str:
    """Legend label of the provider or of the benchmark."""
    return labels.ALLE_DEELNEMERS if benchmark else provider_name


def _completed_ids(persons: pd.DataFrame, codebook_id: str) -> pd.Index:
    """Ids of persons in the netto steekproef who completed the questionnaire of a codebook."""
    sel = metrics.completed(persons) & (persons["codebook"] == codebook_id)
    return pd.Index(persons.loc[sel, "person_id"].astype(str))


def positions(frame: pd.DataFrame, column: str = "provider_id") -> dict[str, np.ndarray]:
    """Per value of ``column`` (a provider, a figure) the positions of its rows in
    ``frame``, in the frame's order: a part is then ``frame.take(positions[value])``."""
    if frame.empty:
        return {}
    found = frame.groupby(column, sort=False, observed=True).indices
    return {str(value): at for value, at in found.items()}


def _joined(*frames: pd.DataFrame | None) -> pd.DataFrame:
    """The frames that have rows, one below the other (``comparisons.empty()`` for none)."""
    full = [f for f in frames if f is not None and len(f)]
    return pd.concat(full, ignore_index=True) if full else comparisons.empty()


def item_distributions(
    codebooks: Mapping[str, Codebook], answers: Mapping[str, pd.DataFrame]
) -> Mapping[tuple[str, str], pd.DataFrame | None]:
    """The distribution of ``answers`` (per codebook id) of every item that has a figure,
    by (codebook id, item id), as the item type counts it."""
    out: dict[tuple[str, str], pd.DataFrame | None] = {}
    for cid, frame in answers.items():
        book = codebooks.get(cid)
        for item in book.items if book is not None else ():
            if item.figure and item.kind.figure_kind(item) is not None:
                out[(cid, item.id)] = item.kind.distribution(item, frame)
    return MappingProxyType(out)


def answers_of(survey: Survey, persons: pd.DataFrame, codebook_id: str) -> pd.DataFrame:
    """Response rows of the completed questionnaires among ``persons`` for one codebook."""
    frame = survey.dataset.responses.get(codebook_id)
    if frame is None:
        raise KeyError(f"codebook {codebook_id} wordt in deze meetperiode niet gebruikt")
    ids = _completed_ids(persons, codebook_id)
    return frame.loc[frame.index.intersection(ids)]
