"""Every comparison of a provider with all participants, tested against the rest.

A figure sets the provider beside "alle deelnemers"; whether the difference is larger than
chance is tested against the *other* participants (the provider's own answers left out):
mean grades with Welch's t-test, shares with Fisher's exact test (:mod:`.stats`). The rest
is built from the same answers as the benchmark the figure shows (only answers that their
own reports show, :meth:`.Survey._benchmark_only`), so a test tells nothing a benchmark may
not; where the benchmark is withheld there is no comparison and no test.

Computed once per period for every provider (one frame per kind of test); a report takes
its own rows and adjusts them for multiplicity (:func:`for_report`).

Test frame columns: ``provider_id``, ``figure`` (the figure's id), ``key`` (what within the
figure: a service label, an option or a matrix row), ``method`` (``welch``/``fisher``),
``n``, ``value`` (own mean or share), ``rest_n``, ``rest_value``, ``statistic`` (t, or the
odds ratio), ``p``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from . import labels, stats
from .codebook import Codebook, Item

COLUMNS = (
    "provider_id",
    "figure",
    "key",
    "method",
    "n",
    "value",
    "rest_n",
    "rest_value",
    "statistic",
    "p",
)
#: Key of the share of positive answers on a scale (a stacked bar, a matrix row's bar).
POSITIVE = "positief"
#: The figure id of the tests of a figure's shares against the previous measurement.
TREND_PREFIX = "vorige-"


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def _means_frame(figure: str, key: str, own: pd.DataFrame, other: pd.DataFrame, min_n: int):
    """Welch tests of every row of ``own`` against ``other`` (columns n, mean, sd)."""
    stat, p = stats.welch(own, other, min_n=min_n)
    return pd.DataFrame(
        {
            "provider_id": own.index.astype(str),
            "figure": figure,
            "key": key,
            "method": "welch",
            "n": own["n"].to_numpy(),
            "value": own["mean"].to_numpy(),
            "rest_n": other["n"].to_numpy(),
            "rest_value": other["mean"].to_numpy(),
            "statistic": stat,
            "p": p,
        }
    )


def welch(figure: str, key: str, groups: stats.Groups, min_n: int) -> pd.DataFrame:
    """Welch's t-test of every owner's grades against all other owners' grades (the sums per
    owner: :class:`.stats.Groups`)."""
    return _means_frame(figure, key, groups.own(), groups.rest(), min_n)


def welch_between(
    figure: str, key: str, now: stats.Groups, then: stats.Groups, min_n: int
) -> pd.DataFrame:
    """Welch's t-test of every owner's answers now against its own answers then (the
    previous measurement); ``rest_*`` hold the previous side."""
    own = now.own()
    return _means_frame(figure, key, own, then.own().reindex(own.index), min_n)


def shares(
    figure: str,
    key: str,
    hits: pd.Series,
    n: pd.Series,
    rest: tuple[pd.Series, pd.Series] | None = None,
) -> pd.DataFrame:
    """Every owner's share (``hits`` of ``n``) beside the rest's (every other owner, or
    ``rest`` = (hits, n) per owner), untested: :func:`test_shares` runs Fisher's test on the
    rows one report needs."""
    return pd.DataFrame(_share_columns(figure, key, hits, n, rest))


def _share_columns(
    figure: str,
    key: str,
    hits: pd.Series,
    n: pd.Series,
    rest: tuple[pd.Series, pd.Series] | None = None,
) -> dict[str, np.ndarray]:
    """The columns of :func:`shares`, as arrays of one length."""
    rest_hits, rest_n = (hits.sum() - hits, n.sum() - n) if rest is None else rest
    size = len(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "provider_id": np.asarray(n.index.astype(str), dtype=object),
            "figure": np.full(size, figure, dtype=object),
            "key": np.full(size, key, dtype=object),
            "method": np.full(size, "fisher", dtype=object),
            "n": n.to_numpy(dtype=float),
            "value": (hits / n).to_numpy(dtype=float),
            "rest_n": np.asarray(rest_n, dtype=float),
            "rest_value": np.asarray(rest_hits / rest_n, dtype=float),
            "statistic": np.full(size, np.nan),
            "p": np.full(size, np.nan),
            "hits": hits.to_numpy(dtype=float),
            "rest_hits": np.asarray(rest_hits, dtype=float),
            "testable": np.full(size, True),
        }


def test_shares(frame: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """``frame`` (rows of :func:`shares`) with Fisher's exact test filled in where it may be
    done: the figure is shown (``testable``) and both sides have ``min_n`` answers."""
    if frame.empty:
        return frame
    ok = frame["testable"].astype(bool).to_numpy()
    out = frame.copy()
    res = stats.fisher_against_rest(
        frame["hits"].to_numpy()[ok],
        frame["n"].to_numpy()[ok],
        min_n=min_n,
        rest_hits=frame["rest_hits"].to_numpy()[ok],
        rest_n=frame["rest_n"].to_numpy()[ok],
    )
    out.loc[ok, "statistic"] = res["odds_ratio"].to_numpy()
    out.loc[ok, "p"] = res["p"].to_numpy()
    return out


def owners(owner_of: pd.Series, answers: pd.DataFrame) -> pd.Series:
    """The provider of every row of ``answers`` (indexed by person id), from ``owner_of``
    (provider by person id, :attr:`.Survey.owner_of`)."""
    return pd.Series(owner_of.reindex(answers.index.astype(str)).to_numpy(), index=answers.index)


def positive_codes(options: Mapping[int, str]) -> tuple[list[int], list[int]]:
    """(positive codes, opinion codes) of a scale ordered most positive first: the first
    half of the opinion codes is positive; "no opinion" answers count in neither."""
    opinion = [c for c, label in options.items() if not labels.is_no_opinion(label)]
    return opinion[: len(opinion) // 2], opinion


def _counts(mask: pd.DataFrame | pd.Series, owner: pd.Series, index: pd.Index) -> pd.Series:
    """Per owner in ``index`` the number of rows where ``mask`` holds (0 for an owner
    without rows; rows without an owner count for nobody): a weighted ``np.bincount``, the
    arithmetic of ``mask.groupby(owner).sum()`` without a groupby for each of the hundreds
    of shares of a period."""
    return tally(mask, index.get_indexer(owner), index)


def tally(mask: pd.DataFrame | pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """:func:`_counts` with each row's position in ``index`` already found (-1: no owner)."""
    mine = at >= 0
    weights = np.asarray(mask, dtype=float)[mine]
    counts = np.bincount(at[mine], weights=weights, minlength=len(index))
    return pd.Series(counts, index=index)


def owner_positions(owner: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(each row's position among the owners, the owners sorted): found once per
    questionnaire, not per share; -1 for a row without an owner."""
    at, found = pd.factorize(owner, sort=True)
    return at, pd.Index(np.asarray(found, dtype=object))


def share_masks(item: Item, answers: pd.DataFrame) -> list[tuple[str, pd.Series, pd.Series]]:
    """(key, hit mask, answered mask) over the rows of ``answers`` for every share the
    item's figure shows and a test compares: each option of a single or multiple choice,
    the positive share of a scale (per row of a matrix). Empty for items without such
    shares (grades, means, open)."""
    kind = item.kind.figure_kind(item) if item.figure else None
    out = []
    if kind == "single":
        column = answers[item.id]
        answered = column.notna()
        for code, label in item.options.items():
            out.append((label, column == code, answered))
    elif kind == "multi":
        columns = [c for c in item.kind.columns(item) if c in answers.columns]
        answered = answers[columns].notna().any(axis=1)
        for code, label in item.options.items():
            column = f"{item.id}_{code}"
            if column in answers.columns:
                out.append((label, answers[column] == 1, answered))
    elif kind == "stacked":
        positive, opinion = positive_codes(dict(item.options))
        rows = (
            [(f"{item.id}_{r}", label) for r, label in item.rows.items()]
            if item.rows
            else [(item.id, POSITIVE)]
        )
        for column, key in rows:
            values = answers[column]
            out.append((key, values.isin(positive), values.isin(opinion)))
    return out


def item_shares(
    codebook: Codebook,
    item: Item,
    answers: pd.DataFrame,
    owner: pd.Series,
    figure: str,
    positions: tuple[np.ndarray, pd.Index] | None = None,
) -> list[tuple[str, pd.Series, pd.Series]]:
    """(key, hits, n) per provider for every share of :func:`share_masks`; ``positions``:
    :func:`owner_positions` of ``owner``, when the caller has it already."""
    at, providers = owner_positions(owner) if positions is None else positions
    return [
        (key, tally(hits, at, providers), tally(n, at, providers))
        for key, hits, n in share_masks(item, answers)
    ]


def share_totals(item: Item, answers: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """(hits, n) of every share of :func:`share_masks` over all rows of ``answers`` (one
    provider's answers)."""
    return {key: (int(hits.sum()), int(n.sum())) for key, hits, n in share_masks(item, answers)}


def between(rows: list[dict]) -> pd.DataFrame:
    """Rows of shares compared with another measurement (``provider_id``, ``figure``,
    ``key``, ``hits``, ``n``, ``rest_hits``, ``rest_n``, ``testable``) as a frame like
    :func:`shares`, untested."""
    if not rows:
        return empty()
    frame = pd.DataFrame(rows)
    hits, n = frame["hits"].astype(float), frame["n"].astype(float)
    rest_hits, rest_n = frame["rest_hits"].astype(float), frame["rest_n"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return frame.assign(
            method="fisher",
            n=n,
            value=hits / n,
            rest_n=rest_n,
            rest_value=rest_hits / rest_n,
            statistic=np.nan,
            p=np.nan,
            hits=hits,
            rest_hits=rest_hits,
        )[[*COLUMNS, "hits", "rest_hits", "testable"]]


def share_counts(
    books: Iterable[tuple[Codebook, pd.DataFrame]],
    owner_of: pd.Series,
    *,
    threshold: Callable[[Item], int],
) -> pd.DataFrame:
    """Every share of every item figure beside the rest's, for every provider at once
    (:func:`shares`; the tests themselves are run per report).

    ``books``: each codebook with its benchmark answers (:meth:`.Survey.answers`);
    ``owner_of``: provider per person id; ``threshold(item)``: the answers its figure needs.
    No test where the provider's figure is not shown: too few answers, or a background item
    where one answer holds for everyone (:func:`.charts._group_disclosure`)."""
    parts = []
    for book, answers in books:
        if answers.empty:
            continue
        owner = owners(owner_of, answers)
        positions = owner_positions(owner)
        for item in book.items:
            if book.roles.get("recommend") == item.id:
                continue  # pooled over questionnaires: see recommend_counts
            figure = f"{book.questionnaire}-{item.id}"
            found = item_shares(book, item, answers, owner, figure, positions)
            if not found:
                continue
            hidden = pd.Series(False, index=found[0][2].index)
            if getattr(item, "background", False):
                for _, hits, n in found:
                    hidden |= (n > 0) & (hits >= n)
            for key, hits, n in found:
                columns = _share_columns(figure, key, hits, n)
                columns["testable"] = (~hidden & (n >= threshold(item))).to_numpy()
                parts.append(columns)
    if not parts:
        return empty()
    # one frame from the columns of every share: a frame per share and a concat of them
    # took most of this function's time (hundreds of shares per period)
    return pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in parts[0]})


def recommend_counts(
    figure: str,
    parts: list[tuple[Codebook, pd.DataFrame]],
    owner_of: pd.Series,
    *,
    threshold: int,
) -> pd.DataFrame:
    """The shares of the pooled "recommended?" figure (one per group, over every
    questionnaire of the group). Its benchmark pools the questionnaires a provider uses, so
    the rest of a provider is those questionnaires' answers without its own."""
    if not parts:
        return empty()
    per_book = []
    for book, answers in parts:
        owner = owners(owner_of, answers)
        column = answers[book.roles["recommend"]]
        per_book.append((book, column, owner))
    providers = pd.Index(sorted({p for _, _, o in per_book for p in o.dropna()}))
    uses = {
        book.id: pd.Series(providers.isin(set(owner.dropna())), index=providers)
        for book, _, owner in per_book
    }
    n = sum(_counts(c.notna(), o, providers) for _, c, o in per_book)
    # the figure names the options as the provider's first questionnaire does (the order
    # of ``parts``, as :meth:`.ProviderFacts.recommend_answers` takes them)
    first_book = pd.Series(None, index=providers, dtype=object)
    for book, _, _ in reversed(per_book):
        first_book[uses[book.id]] = book.id
    books = {book.id: book for book, _, _ in per_book}
    out = []
    for code in books[per_book[0][0].id].item(per_book[0][0].roles["recommend"]).options:
        hits = sum(_counts(c == code, o, providers) for _, c, o in per_book)
        rest_hits = sum(uses[b.id] * float((c == code).sum()) for b, c, _ in per_book) - hits
        rest_n = sum(uses[b.id] * float(c.notna().sum()) for b, c, _ in per_book) - n
        rows = shares(figure, "", hits, n, rest=(rest_hits, rest_n))
        rows["key"] = [
            books[b].item(books[b].roles["recommend"]).options.get(code, "") for b in first_book
        ]
        rows["testable"] = (n >= threshold).to_numpy()
        out.append(rows)
    return pd.concat(out, ignore_index=True)


def for_report(means: pd.DataFrame, counts: pd.DataFrame, *, min_n: int, q: float) -> pd.DataFrame:
    """One report's tests: its Welch tests (``means``) and Fisher tests of its shares
    (``counts``, run here), with ``p_adj`` (Benjamini-Hochberg over every test the report
    shows) and ``direction`` (``hoger``, ``lager`` or None at false discovery rate ``q``)."""
    extra = ["hits", "rest_hits", "testable"]
    tested = test_shares(counts, min_n).drop(columns=extra, errors="ignore")
    tests = pd.concat([means, tested], ignore_index=True) if len(tested) else means
    tests = tests[tests["p"].notna()].reset_index(drop=True)
    adjusted = stats.adjust(tests["p"].to_numpy(dtype=float))
    diff = tests["value"].to_numpy(dtype=float) - tests["rest_value"].to_numpy(dtype=float)
    return tests.assign(
        p_adj=adjusted,
        direction=[stats.direction(d, a, q) for d, a in zip(diff, adjusted, strict=True)],
    )
