"""Metrics of the report as pure functions: DataFrame in, DataFrame (or value) out.

Nothing here draws or formats for display; :mod:`fmt` turns numbers into Dutch text and
:mod:`figures` draws them. Means are computed exactly (as fractions) and rounded half-up to
one decimal, so that a reader who recomputes a mean by hand gets the printed figure.

The frame most functions take is ``Dataset.persons``: one row per delivered person with at
least ``provider_id, group, dienst, netto, ingevuld, cijfer``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from . import labels, stats
from .config import Norm, Publication
from .fmt import round_half_up
from .privacy import GradeDisclosure, whole_grades

PERSON_COLUMNS = ("provider_id", "group", "dienst", "netto", "ingevuld", "cijfer")


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ValueError naming the columns ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: columns missing: {', '.join(missing)}; have: {', '.join(map(str, frame.columns))}"
        )


def exact_mean(values: Iterable[float]) -> Fraction | None:
    """Return the exact mean of values with at most one decimal, or None when empty.

    Grades are whole numbers (clients) or have one decimal (opdrachtgevers), so the mean is
    computed on tenths as integers: no binary floating point error before rounding.
    """
    arr = np.asarray(
        list(values) if not isinstance(values, pd.Series | np.ndarray) else values, dtype=float
    )
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return None
    tenths = np.rint(arr * 10).astype(np.int64)
    return Fraction(int(tenths.sum()), 10 * int(arr.size))


def mean_grade(values: Iterable[float]) -> float:
    """Mean grade rounded half-up to one decimal; NaN when there are no grades."""
    m = exact_mean(values)
    return math.nan if m is None else round_half_up(m, 1)


def response_rate(ingevuld: int, netto: int) -> float:
    """Respons (%) = ingevuld / netto * 100, rounded half-up to one decimal; NaN for netto 0."""
    if netto <= 0:
        return math.nan
    return round_half_up(Fraction(100 * int(ingevuld), int(netto)), 1)


def completed(persons: pd.DataFrame) -> pd.Series:
    """Mask of persons in the netto steekproef with a completed questionnaire.

    The one definition of "completed": every count of respondents, every mean and every
    benchmark of the report selects persons with it."""
    return persons["netto"].astype(bool) & persons["ingevuld"].astype(bool)


def service_label(dienst) -> str:
    """The name of a service in table 2.2 (``dienst 14`` for a number the list lacks)."""
    return labels.DIENSTEN.get(int(dienst), f"dienst {int(dienst)}")


def _row(kind: str, label: str, part: pd.DataFrame, dienst: int | None) -> dict:
    """One table 1.1 row before publication is decided."""
    netto = int(part["netto"].astype(bool).sum())
    done = part[completed(part)]
    grades = done["cijfer"]
    n_grades = int(grades.notna().sum())
    return {
        "kind": kind,
        "dienst": dienst,
        "label": label,
        "netto": netto,
        "ingevuld": int(len(done)),
        "respons": response_rate(len(done), netto),
        "cijfer": mean_grade(grades),
        "cijfer_n": n_grades,
        "cijfer_exact": float(grades.mean()) if n_grades else math.nan,
        "cijfer_sd": float(grades.std(ddof=1)) if n_grades > 1 else math.nan,
    }


def table11(
    persons: pd.DataFrame,
    *,
    publication: Publication,
    min_answers: int = 3,
    disclosure: GradeDisclosure | None = None,
    level: float = stats.LEVEL,
) -> pd.DataFrame:
    """Table 1.1 (results for the keurmerk) of one provider.

    Returns one row per service the provider delivered clients for (in service order), a
    ``Totaal`` row over all clients, and a ``Totaal opdrachtgevers`` row when opdrachtgevers
    were delivered. Columns: ``kind`` (dienst / totaal / opdrachtgevers), ``dienst``,
    ``label``, ``netto``, ``ingevuld``, ``respons`` (% one decimal, NaN when netto is 0),
    ``cijfer`` (mean grade one decimal, NaN when nobody gave a grade), ``cijfer_n``,
    ``cijfer_shown`` (False when fewer than ``min_answers`` grades, or when ``disclosure``
    hides the grade so that another cannot be derived from it), ``weggelaten`` (why a grade
    is not shown: ``te_weinig``, ``afleidbaar`` or None), ``publicatie`` (bool), and the 95 %
    interval of the grade (:func:`.stats.mean_interval`, N = netto, cut off at the scale's
    ends 1 and 10) as ``interval_laag`` and ``interval_hoog``, unrounded, with
    ``interval_shown``.

    An interval tells the spread of the grades behind a mean, and so their sum of squares.
    Beside a hidden client grade those of the shown rows would let a reader subtract more
    than the means alone (the secondary suppression of :mod:`.privacy` reasons about means
    only), so a report that hides any client grade shows no client interval at all.
    """
    _require(persons, PERSON_COLUMNS, "table11")
    clients = persons[persons["group"] == labels.GROUP_CLIENT]
    opdr = persons[persons["group"] == labels.GROUP_OPDRACHTGEVER]
    rows = [
        _row("dienst", service_label(d), part, int(d))
        for d, part in clients.groupby("dienst", sort=True)
    ]
    rows.append(_row("totaal", labels.TOTAAL, clients, None))
    if len(opdr):
        rows.append(_row("opdrachtgevers", labels.TOTAAL_OPDRACHTGEVERS, opdr, None))
    table = pd.DataFrame(rows)
    table["dienst"] = table["dienst"].astype("Int64")
    few = table["cijfer"].notna() & (table["cijfer_n"] < min_answers)
    derivable = pd.Series(False, index=table.index)
    if disclosure is not None:
        services = table["kind"] == "dienst"
        derivable[services] = table.loc[services, "dienst"].map(
            lambda d: int(d) in disclosure.secondary
        )
        derivable[table["kind"] == "totaal"] = not disclosure.total_shown
        derivable &= ~few & table["cijfer"].notna()
    table["cijfer_shown"] = table["cijfer"].notna() & ~few & ~derivable
    table["weggelaten"] = None
    table.loc[few, "weggelaten"] = "te_weinig"
    table.loc[derivable, "weggelaten"] = "afleidbaar"
    table["publicatie"] = publish(table, publication)
    low, high = stats.mean_interval(
        table["cijfer_exact"], table["cijfer_sd"], table["cijfer_n"], table["netto"], level
    )
    # a mean grade lies on the scale 1-10, so its interval does too
    table["interval_laag"], table["interval_hoog"] = np.clip(low, 1, 10), np.clip(high, 1, 10)
    clients = table["kind"] != "opdrachtgevers"
    hidden_client = bool((clients & table["cijfer"].notna() & ~table["cijfer_shown"]).any())
    table["interval_shown"] = (
        table["cijfer_shown"] & pd.notna(low) & ~(clients & hidden_client)
    ).astype(bool)
    return table


def publish(table: pd.DataFrame, publication: Publication) -> pd.Series:
    """Decide the ``publicatie`` column of table 1.1 under ``publication``.

    A row is published when its response (as printed) reaches the minimum for its netto
    steekproef; a service only when Totaal is published too; opdrachtgevers always (when the
    rule says so). Rows without a netto steekproef are never published.
    """
    _require(table, ("kind", "netto", "respons"), "publish")

    def reaches(row: pd.Series) -> bool:
        if row["netto"] <= 0 or math.isnan(row["respons"]):
            return False
        return bool(row["respons"] >= publication.min_response(int(row["netto"])))

    base = table.apply(reaches, axis=1).astype(bool)
    total = table["kind"] == "totaal"
    total_ok = bool(base[total].all()) if total.any() else False
    out = base.copy()
    if publication.service_requires_total:
        out[table["kind"] == "dienst"] = base[table["kind"] == "dienst"] & total_ok
    if publication.opdrachtgevers_always:
        out[table["kind"] == "opdrachtgevers"] = True
    return out


@dataclass(frozen=True)
class NormOutcome:
    """Outcome of the keurmerk satisfaction norm for one provider.

    ``status`` is one of ``behaald``, ``behaald na correctie``, ``niet behaald`` and
    ``geen oordeel`` (no client grades at all).
    """

    status: str
    total: float
    services: dict[int, float] = field(default_factory=dict)
    corrected_total: float = math.nan
    corrected_services: dict[int, float] = field(default_factory=dict)
    failing: tuple[int | str, ...] = ()

    @property
    def met(self) -> bool | None:
        """True when the norm is met (with or without correction), None without grades."""
        if self.status == "geen oordeel":
            return None
        return self.status != "niet behaald"


NORM_STATUSES = ("behaald", "behaald na correctie", "niet behaald", "geen oordeel")


def _judge(
    grades: pd.DataFrame, norm: Norm, min_answers: int
) -> tuple[float, dict[int, float], tuple]:
    """Means of Totaal and of every service judged on its own, and what fails the norm."""
    total = mean_grade(grades["cijfer"])
    services = {
        int(d): mean_grade(part["cijfer"])
        for d, part in grades.groupby("dienst", sort=True)
        if len(part) >= min_answers
    }
    failing: list[int | str] = []
    if total < norm.total_min:
        failing.append(labels.TOTAAL)
    failing.extend(d for d, m in services.items() if m < norm.service_min)
    return total, services, tuple(failing)


def norm_outcome(persons: pd.DataFrame, norm: Norm, *, min_answers: int = 3) -> NormOutcome:
    """Judge the keurmerk norm over the client grades of one provider.

    Totaal (mean over all client respondents) must be at least ``norm.total_min`` and every
    service mean at least ``norm.service_min``, comparing the means as printed (one decimal).
    A provider that misses it is judged again with every insufficient grade (below
    ``norm.insufficient_below``) counted as ``norm.insufficient_as``, so that a few very low
    grades cannot sink a provider that mostly scores well.

    A service with fewer than ``min_answers`` grades is not judged on its own (its grades
    count in Totaal): its mean is never shown, and an outcome that judged it would tell the
    reader on which side of the minimum the hidden mean lies.
    """
    _require(persons, PERSON_COLUMNS, "norm_outcome")
    clients = persons[(persons["group"] == labels.GROUP_CLIENT) & completed(persons)]
    grades = clients[clients["cijfer"].notna()][["dienst", "cijfer"]]
    if grades.empty:
        return NormOutcome("geen oordeel", math.nan)
    total, services, failing = _judge(grades, norm, min_answers)
    if not failing:
        return NormOutcome("behaald", total, services)
    low = grades["cijfer"] < norm.insufficient_below
    corrected = grades.assign(cijfer=grades["cijfer"].where(~low, norm.insufficient_as))
    c_total, c_services, c_failing = _judge(corrected, norm, min_answers)
    status = "behaald na correctie" if not c_failing else "niet behaald"
    return NormOutcome(
        status, total, services, c_total, c_services, c_failing if c_failing else failing
    )


def grade_distribution(grades: pd.Series) -> pd.DataFrame:
    """Share of each whole grade 1..10 among the grades given.

    Grades with a decimal (opdrachtgevers) are rounded half-up first. Returns columns
    ``grade`` (1..10), ``count``, ``percent`` (0-100, unrounded) and the scalar n in ``n``.
    """
    whole = pd.Series(whole_grades(pd.Series(grades, dtype=float).dropna().to_numpy()))
    counts = whole.value_counts().reindex(range(1, 11), fill_value=0)
    n = int(counts.sum())
    return pd.DataFrame(
        {
            "grade": range(1, 11),
            "count": counts.to_numpy(),
            "percent": counts.to_numpy() * 100.0 / n if n else np.zeros(10),
            "n": n,
        }
    )


def completed_grades(persons: pd.DataFrame, group: str = labels.GROUP_CLIENT) -> pd.DataFrame:
    """Rows of ``group`` in the netto steekproef with a completed questionnaire and a grade."""
    _require(persons, PERSON_COLUMNS, "completed_grades")
    sel = (persons["group"] == group) & completed(persons) & persons["cijfer"].notna()
    return persons.loc[sel]


def means_by_service(persons: pd.DataFrame) -> pd.DataFrame:
    """Mean grade of clients for Totaal and per service: columns ``label, dienst, mean, n``."""
    done = completed_grades(persons)
    rows = [
        {
            "label": labels.TOTAAL,
            "dienst": pd.NA,
            "mean": mean_grade(done["cijfer"]),
            "n": len(done),
        }
    ]
    for d, part in done.groupby("dienst", sort=True):
        rows.append(
            {
                "label": labels.DIENSTEN.get(int(d), str(d)),
                "dienst": int(d),
                "mean": mean_grade(part["cijfer"]),
                "n": len(part),
            }
        )
    out = pd.DataFrame(rows)
    out["dienst"] = out["dienst"].astype("Int64")
    return out


def benchmark_means(
    done: pd.DataFrame,
    owner: pd.Series,
    total: pd.Series,
    cells: pd.Series,
    allowed: Callable[[Mapping[str, int]], bool],
) -> pd.DataFrame:
    """:func:`means_by_service` of the completed grades ``done`` for a benchmark: Totaal over
    the rows ``total`` selects, each service over the rows ``cells`` selects (a service
    without any has no row), the mean NaN where ``allowed`` (given the grades per provider,
    ``owner`` naming each row's) refuses it. The same exact means, from masks of one array
    instead of a frame and a groupby per service."""
    grades = done["cijfer"].to_numpy(dtype=float)
    dienst = done["dienst"]
    codes, providers = pd.factorize(owner)
    owned = codes >= 0  # a row without a provider counts for none

    def row(label: str, service, sel: np.ndarray) -> dict:
        counts = np.bincount(codes[sel & owned], minlength=len(providers))
        per_provider = dict(zip(providers, counts, strict=True))
        mean = mean_grade(grades[sel]) if allowed(per_provider) else math.nan
        return {"label": label, "dienst": service, "mean": mean, "n": int(sel.sum())}

    rows = [row(labels.TOTAAL, pd.NA, total.to_numpy(dtype=bool))]
    for d in sorted(dienst.dropna().unique()):
        sel = (cells & (dienst == d)).to_numpy(dtype=bool)
        if sel.any():
            rows.append(row(labels.DIENSTEN.get(int(d), str(d)), int(d), sel))
    out = pd.DataFrame(rows)
    out["dienst"] = out["dienst"].astype("Int64")
    return out


def in_cells(codes: np.ndarray, dienst: pd.Series, cells: Sequence[Iterable[int]]) -> np.ndarray:
    """Which rows lie in one of the ``cells``: row i in service ``dienst[i]`` of the provider
    at position ``codes[i]``, ``cells[k]`` the services of the provider at position k (each
    (provider, service) pair a number, found in one ``np.isin``)."""
    services = dienst.to_numpy(dtype=np.int64)
    base = int(max([services.max(initial=0), *(max(c, default=0) for c in cells)])) + 1
    keys = [k * base + int(d) for k, found in enumerate(cells) for d in found]
    return np.isin(codes.astype(np.int64) * base + services, keys)


def promotor_score(answers: pd.Series, *, promoter: Iterable[int] = (1,)) -> float:
    """Share (%) of respondents who recommended the provider, one decimal; NaN without answers."""
    values = pd.Series(answers, dtype=float).dropna()
    if values.empty:
        return math.nan
    hits = int(values.isin(list(promoter)).sum())
    return round_half_up(Fraction(100 * hits, len(values)), 1)


# ---- questionnaire items ---------------------------------------------------------------


def choice_distribution(values: pd.Series, options: dict[int, str]) -> pd.DataFrame:
    """Share of each answer option among those who answered a single-choice or scale item.

    Returns one row per option in codebook order: ``code, option, count, percent`` and the
    number who answered in ``n`` (percent is 0 for every option when n is 0). Codes that
    are not options are not counted (validation rejects them before this point).
    """
    answered = pd.Series(values, dtype=float).to_numpy()  # NaN (no answer) equals no code
    count = np.array([np.count_nonzero(answered == float(c)) for c in options], dtype=int)
    return _option_frame(options, count, int(count.sum()))


def _option_frame(options: dict[int, str], count: np.ndarray, n: int) -> pd.DataFrame:
    """One row per option: code, label, count, percent of ``n`` (0 when n is 0), n."""
    codes = list(options)
    return pd.DataFrame(
        {
            "code": codes,
            "option": [options[c] for c in codes],
            "count": count,
            "percent": count * 100.0 / n if n else np.zeros(len(codes)),
            "n": n,
        }
    )


def multi_distribution(
    frame: pd.DataFrame, options: dict[int, str], columns: list[str]
) -> pd.DataFrame:
    """Share of respondents choosing each option of a multiple-choice item.

    ``columns`` are the item's 0/1 columns in option order; a respondent counts as having
    answered when any column is filled. Percentages are of respondents and may sum past 100.
    """
    _require(frame, columns, "multi_distribution")
    part = frame[columns].astype(float)
    answered = part.notna().any(axis=1)
    n = int(answered.sum())
    chosen = (part[answered] == 1).sum(axis=0).to_numpy().astype(int)
    return _option_frame(options, chosen, n)


def matrix_distribution(
    frame: pd.DataFrame, rows: dict[str, str], options: dict[int, str], prefix: str
) -> pd.DataFrame:
    """:func:`choice_distribution` for every row of a matrix item (columns ``<prefix>_<row>``).

    Returns ``row_id, row, code, option, count, percent, n`` with n per row.
    """
    parts = []
    for key, label in rows.items():
        dist = choice_distribution(frame[f"{prefix}_{key}"], options)
        parts.append(dist.assign(row_id=key, row=label))
    return pd.concat(parts, ignore_index=True)[
        ["row_id", "row", "code", "option", "count", "percent", "n"]
    ]


def matrix_means(frame: pd.DataFrame, rows: dict[str, str], prefix: str) -> pd.DataFrame:
    """Mean of each row of a matrix of grades (e.g. aspects graded 1-10): ``row_id, label, mean, n``."""
    out = []
    for key, label in rows.items():
        values = pd.Series(frame[f"{prefix}_{key}"], dtype=float).dropna()
        out.append(
            {"row_id": key, "label": label, "mean": mean_grade(values), "n": int(values.size)}
        )
    return pd.DataFrame(out, columns=["row_id", "label", "mean", "n"])


def scale_score(values: pd.Series, options: dict[int, str]) -> tuple[float, int]:
    """Mean position on an ordered scale, 100 = most positive option, 0 = most negative.

    Options are ordered as in the codebook (most positive first); "no opinion" options
    (:func:`labels.is_no_opinion`: geen mening, weet ik niet) do not count. Returns (score, n);
    score is NaN when n is 0.
    """
    ordered = [c for c in options if not labels.is_no_opinion(options[c])]
    if len(ordered) < 2:
        raise ValueError(f"scale needs at least two opinion codes, has {ordered}")
    position = {
        float(c): 100.0 * (len(ordered) - 1 - i) / (len(ordered) - 1) for i, c in enumerate(ordered)
    }
    answered = pd.Series(values, dtype=float).to_numpy()
    scored = np.full(answered.shape, math.nan)
    for code, score in position.items():
        scored[answered == code] = score
    scored = scored[~np.isnan(scored)]  # in answer order, as the mean adds them
    return (float(scored.mean()) if len(scored) else math.nan), int(len(scored))


def relative_strengths(
    own: pd.DataFrame,
    bench: pd.DataFrame,
    aspects: dict[str, tuple[str, dict[int, str]]],
    *,
    min_answers: int,
) -> pd.DataFrame:
    """Aspects ranked by how much better the provider scores than all providers.

    ``aspects`` maps an answer column to (label, scale options). For each column with at
    least ``min_answers`` answers from the provider, the difference ``own - benchmark`` of
    :func:`scale_score` is computed; the result is sorted from relatively strongest down
    (ties keep codebook order). Columns: ``column, label, score, benchmark, difference, n``.
    """
    rows = []
    for column, (label, options) in aspects.items():
        if column not in own.columns:
            continue
        score, n = scale_score(own[column], options)
        if n < min_answers or math.isnan(score):
            continue
        bscore, _ = scale_score(bench[column], options)
        rows.append(
            {
                "column": column,
                "label": label,
                "score": score,
                "benchmark": bscore,
                "difference": score - bscore,
                "n": n,
            }
        )
    out = pd.DataFrame(rows, columns=["column", "label", "score", "benchmark", "difference", "n"])
    # rank on a rounded difference, so that float noise cannot break a tie against codebook order
    order = out["difference"].round(9).sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def province_counts(persons: pd.DataFrame) -> pd.DataFrame:
    """Clients in the netto steekproef per province: ``province, count`` (largest first)."""
    _require(persons, ("group", "netto", "province"), "province_counts")
    clients = persons[(persons["group"] == labels.GROUP_CLIENT) & persons["netto"].astype(bool)]
    counts = clients["province"].dropna().value_counts()
    return pd.DataFrame(
        {"province": counts.index.astype(str), "count": counts.to_numpy().astype(int)}
    )
