"""The rules of the data contract (``data/README.md``), checked on tables read as text.

Each ``check_*`` function takes one table as :mod:`readers` returns it (every cell text, index =
spreadsheet row number) and returns every :class:`Problem` it finds, so a researcher sees all
of them at once. :func:`dataset.load_period` runs these checks while it reads a period and
refuses to build a dataset when any fail; ``tevreden validate`` reaches them through
:func:`validate.validate_path`. The checks of one item's answer column belong to its item type
(:mod:`items`); :func:`flag` and :func:`options_text` are the helpers those share with the
tables here. The checks are vectorised: the cost is in pandas, and Python only loops over the
rows that are wrong.

This module imports neither :mod:`dataset` nor :mod:`validate`, so that both can import it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from . import labels
from .errors import Problem
from .fsutil import safe_name
from .md import hidden_characters, visible
from .readers import to_numbers

if TYPE_CHECKING:
    from .codebook import Codebook, Item

#: Required columns of the two fixed tables, in the order of the data contract.
PROVIDER_COLUMNS = ("provider_id", "name", "telefonisch")
SAMPLE_COLUMNS = (
    "person_id",
    "provider_id",
    "group",
    "dienst",
    "questionnaire",
    "status",
    "province",
)
#: Answers allowed in ``providers.telefonisch``.
YES_NO = (labels.JA, labels.NEE)
#: Questionnaire (``Codebook.questionnaire``) that belongs to service 11 and only to it.
INBURGEREN = "inburgeren"
#: Optional column of ``sample.csv``: the day the person's trajectory ended, inside the period.
END_DATE = "end_date"
#: Rows reported per check and column; beyond this one summary line says how many more, so a
#: wholly wrong column does not bury the other problems under thousands of identical lines.
MAX_ROWS_PER_CHECK = 20
#: Longest provider name, in characters: it stands on the cover, in the page title and in
#: figure legends (a 10,000-character name once gave a 36 MB report and a figure that could
#: not be drawn). See data/README.md.
MAX_NAME_LENGTH = 200
#: Longest question text, label or title of a codebook, in characters (and of a section's
#: introduction, which is prose). See data/README.md.
MAX_TEXT_LENGTH = 500
MAX_INTRO_LENGTH = 2000

_PROVIDER_ID = r"[A-Za-z0-9_-]+"
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_NL = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


# --------------------------------------------------------------------------- tables


def check_columns(frame: pd.DataFrame, file: str, required: Sequence[str]) -> list[Problem]:
    """Report each required column that is missing, naming the columns found instead."""
    missing = [c for c in required if c not in frame.columns]
    if not missing:
        return []
    unknown = [str(c) for c in frame.columns if c not in required]
    problems = []
    for column in missing:
        guess = difflib.get_close_matches(column, unknown, n=1, cutoff=0.6)
        if guess:
            message = f"verplichte kolom ontbreekt; lijkt hernoemd tot '{guess[0]}'"
        elif unknown:
            message = f"verplichte kolom ontbreekt; niet herkende kolommen: {', '.join(unknown)}"
        else:
            message = "verplichte kolom ontbreekt"
        problems.append(
            Problem(
                file,
                message,
                row=1,
                column=column,
                value=guess[0] if guess else None,
                expected=column,
            )
        )
    return problems


def check_providers(frame: pd.DataFrame, file: str) -> list[Problem]:
    """Check ``providers.csv``: unique well-formed ids, a name, and ja/nee for telefonisch."""
    problems = check_columns(frame, file, PROVIDER_COLUMNS) + _no_rows(frame, file)
    if "provider_id" in frame:
        ids = frame["provider_id"]
        problems += _required(ids, file, "provider_id")
        bad = ids.notna() & ~ids.str.fullmatch(_PROVIDER_ID).astype(object).eq(True)
        problems += flag(
            file, bad, ids, "provider_id", "ongeldige code", "letters, cijfers, '-' en '_'"
        )
        problems += _unique(ids, file, "provider_id")
        # Reports are files named after the id: two ids must never give one file name, also
        # not on a disk that ignores case (Windows, macOS) or after safe_name changed an id.
        names = ids.where(ids.notna() & ~bad & ~ids.duplicated()).map(
            lambda v: safe_name(v).casefold() if isinstance(v, str) else None
        )
        first = pd.Series(names.index, index=names.index).groupby(names).transform("min")
        clash = names.notna() & names.duplicated(keep="first")
        problems += flag(
            file,
            clash,
            ids,
            "provider_id",
            "code geeft dezelfde bestandsnaam als een andere dienstverlener",
            first.map(
                lambda r: (
                    f"een andere bestandsnaam dan de code in rij {r} (hoofdletters tellen niet mee)"
                )
            ),
        )
    if "name" in frame:
        names = frame["name"]
        problems += _required(names, file, "name")
        # A name shown in a report holds no control, format or bidi character (md.py says
        # which), and none of ordinary whitespace either: it is one line.
        hidden = names.map(lambda v: bool(hidden_characters(v)), na_action="ignore")
        problems += flag(
            file,
            hidden.eq(True),
            names.map(visible, na_action="ignore"),
            "name",
            "naam bevat een onzichtbaar stuurteken",
            "een naam met alleen zichtbare tekens",
        )
        long = names.str.len().gt(MAX_NAME_LENGTH)
        problems += flag(
            file,
            long,
            names.map(shortened, na_action="ignore"),
            "name",
            "naam is te lang",
            f"een naam van hoogstens {MAX_NAME_LENGTH} tekens",
        )
    if "telefonisch" in frame:
        problems += _choice(frame["telefonisch"], file, "telefonisch", YES_NO, required=True)
    return problems


def check_sample(
    frame: pd.DataFrame,
    file: str,
    provider_ids: Iterable[str] | None,
    questionnaires: Mapping[str, Codebook | None] | None,
    period: tuple[dt.date, dt.date] | None = None,
) -> list[Problem]:
    """Check ``sample.csv`` against the providers and the questionnaires of the period.

    ``provider_ids`` is None when the providers could not be read (the reference check is then
    skipped); ``questionnaires`` maps each questionnaire of ``period.yaml`` to its codebook,
    or to None when that codebook failed to load; it is None itself when ``period.yaml`` has
    no usable questionnaires (the questionnaire checks are then skipped). ``period`` (first
    and last day) checks the optional ``end_date`` column; None skips that check.
    """
    problems = check_columns(frame, file, SAMPLE_COLUMNS) + _no_rows(frame, file)
    col = {c: frame[c] for c in SAMPLE_COLUMNS if c in frame}
    problems += _sample_ids(col, file, provider_ids)
    if "group" in col:
        problems += _choice(col["group"], file, "group", labels.GROUPS, required=True)
    if "status" in col:
        problems += _choice(col["status"], file, "status", tuple(labels.STATUSES), required=True)

    # Persons who dropped out (status other than netto) may lack the data that is missing for
    # exactly that reason; for the netto sample dienst and questionnaire are required.
    netto = col["status"].eq(labels.STATUS_NETTO) if "status" in col else _all(frame, True)
    group = col.get("group", pd.Series(None, index=frame.index, dtype=object))

    books = None  # the codebook of each row, when the questionnaires can be checked
    if "questionnaire" in col and questionnaires is not None:
        q = col["questionnaire"]
        books = q.map(lambda name: questionnaires.get(name) if isinstance(name, str) else None)
        problems += _sample_questionnaires(q, books, questionnaires, group, netto, file)
    if "dienst" in col:
        problems += _sample_dienst(col, group, netto, file)
        if books is not None:
            assert questionnaires is not None  # narrowed for the type checker
            problems += _sample_inburgeren(col, books, questionnaires, group, file)
    if "province" in col:
        problems += _sample_province(col["province"], group, file)
    if END_DATE in frame:
        problems += _check_end_dates(frame[END_DATE], file, period)
    return problems


def _sample_ids(
    col: Mapping[str, pd.Series], file: str, provider_ids: Iterable[str] | None
) -> list[Problem]:
    """Person ids filled and unique; provider ids filled and (when known) in providers.csv."""
    problems: list[Problem] = []
    if "person_id" in col:
        problems += _required(col["person_id"], file, "person_id")
        problems += _unique(col["person_id"], file, "person_id")
    if "provider_id" in col:
        ids = col["provider_id"]
        problems += _required(ids, file, "provider_id")
        if provider_ids is not None:
            known = sorted(set(provider_ids))
            bad = ids.notna() & ~ids.isin(known)
            problems += flag(
                file,
                bad,
                ids,
                "provider_id",
                "onbekende dienstverlener",
                "een provider_id uit providers.csv",
            )
    return problems


def _sample_questionnaires(
    q: pd.Series,
    books: pd.Series,
    questionnaires: Mapping[str, Codebook | None],
    group: pd.Series,
    netto: pd.Series,
    file: str,
) -> list[Problem]:
    """A questionnaire of period.yaml for every netto person, meant for the person's group."""
    problems = flag(
        file,
        q.isna() & netto,
        q,
        "questionnaire",
        "vragenlijst ontbreekt",
        ", ".join(questionnaires),
    )
    bad = q.notna() & ~q.isin(list(questionnaires))
    problems += flag(
        file,
        bad,
        q,
        "questionnaire",
        "onbekende vragenlijst",
        ", ".join(questionnaires) or "(geen)",
    )
    book_group = books.map(lambda cb: cb.group if cb is not None else None)
    wrong = book_group.notna() & group.notna() & group.isin(labels.GROUPS) & book_group.ne(group)
    problems += flag(
        file,
        wrong,
        q,
        "questionnaire",
        "vragenlijst is voor een andere groep dan de persoon",
        group.map(lambda g: f"een vragenlijst voor groep '{g}'"),
    )
    return problems


def _dienst_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The services as numbers, the cells that are no number and the numbers out of 1-13."""
    numbers, not_number = to_numbers(raw)
    out_of_range = numbers.notna() & (
        (numbers != numbers.round()) | (numbers < 1) | (numbers > len(labels.DIENSTEN))
    )
    return numbers, not_number, out_of_range


def _sample_dienst(
    col: Mapping[str, pd.Series], group: pd.Series, netto: pd.Series, file: str
) -> list[Problem]:
    """A service 1-13 for every netto client, none for opdrachtgevers."""
    raw = col["dienst"]
    _, not_number, out_of_range = _dienst_numbers(raw)
    client = group.eq(labels.GROUP_CLIENT)
    opdrachtgever = group.eq(labels.GROUP_OPDRACHTGEVER)
    problems = flag(
        file,
        ~opdrachtgever & (not_number | out_of_range),
        raw,
        "dienst",
        "ongeldige dienst",
        "een geheel getal 1-13",
    )
    problems += flag(
        file,
        client & netto & raw.isna(),
        raw,
        "dienst",
        "dienst ontbreekt",
        "een geheel getal 1-13",
    )
    problems += flag(
        file,
        opdrachtgever & raw.notna(),
        raw,
        "dienst",
        "dienst ingevuld bij een opdrachtgever",
        "leeg",
    )
    return problems


def _sample_inburgeren(
    col: Mapping[str, pd.Series],
    books: pd.Series,
    questionnaires: Mapping[str, Codebook | None],
    group: pd.Series,
    file: str,
) -> list[Problem]:
    """Service 11 with the inburgeren questionnaire, and that questionnaire only with it."""
    numbers, _, out_of_range = _dienst_numbers(col["dienst"])
    inburgeren = books.map(lambda cb: None if cb is None else cb.questionnaire == INBURGEREN)
    known = group.eq(labels.GROUP_CLIENT) & numbers.notna() & ~out_of_range & inburgeren.notna()
    is11 = numbers.eq(labels.DIENST_INBURGEREN)
    problems = flag(
        file,
        known & is11 & inburgeren.eq(False),
        col["questionnaire"],
        "questionnaire",
        f"dienst {labels.DIENST_INBURGEREN} hoort bij de vragenlijst inburgeren",
        _names(questionnaires, inburgeren=True),
    )
    problems += flag(
        file,
        known & ~is11 & inburgeren.eq(True),
        col["questionnaire"],
        "questionnaire",
        f"de vragenlijst inburgeren is alleen voor dienst {labels.DIENST_INBURGEREN}",
        _names(questionnaires, inburgeren=False),
    )
    return problems


def _sample_province(prov: pd.Series, group: pd.Series, file: str) -> list[Problem]:
    """A known province (or none) for clients, none for opdrachtgevers."""
    opdrachtgever = group.eq(labels.GROUP_OPDRACHTGEVER)
    bad = prov.notna() & ~prov.isin(labels.PROVINCIES)
    problems = flag(
        file,
        bad & ~opdrachtgever,
        prov,
        "province",
        "onbekende provincie",
        ", ".join(labels.PROVINCIES),
    )
    problems += flag(
        file,
        opdrachtgever & prov.notna(),
        prov,
        "province",
        "provincie ingevuld bij een opdrachtgever",
        "leeg",
    )
    return problems


def check_responses(
    frame: pd.DataFrame,
    file: str,
    codebook: Codebook,
    questionnaire: str,
    sample_questionnaire: pd.Series | None,
) -> list[Problem]:
    """Check one response file against its codebook and the sample.

    ``sample_questionnaire`` maps person_id to the questionnaire the sample gives that person;
    None when the sample could not be read (the reference checks are then skipped).
    """
    problems = check_columns(frame, file, codebook.columns())
    rid = codebook.respondent_id
    if rid in frame:
        ids = frame[rid]
        problems += _required(ids, file, rid)
        problems += _unique(ids, file, rid)
        if sample_questionnaire is not None:
            theirs = ids.map(sample_questionnaire)
            unknown = ids.notna() & ~ids.isin(sample_questionnaire.index)
            problems += flag(
                file,
                unknown,
                ids,
                rid,
                "respondent zonder record in de steekproef",
                "een person_id uit sample.csv",
            )
            other = ids.notna() & ~unknown & theirs.ne(questionnaire)
            problems += flag(
                file,
                other,
                ids,
                rid,
                f"respondent hoort in de steekproef niet bij vragenlijst '{questionnaire}'",
                theirs.map(
                    lambda q: (
                        f"antwoorden in het bestand van vragenlijst '{q}'"
                        if isinstance(q, str)
                        else "een vragenlijst in sample.csv"
                    )
                ),
            )
    coded = [
        (item, column)
        for item in codebook.items
        if item.kind.coded
        for column in item.columns()
        if column in frame
    ]
    # One parse for the whole file: the same few codes repeat in every column.
    numbers, not_number = to_numbers(frame[[column for _, column in coded]])
    for item, column in coded:
        problems += item.kind.check_column(
            item, frame[column], numbers[column], not_number[column], file, column
        )
    return problems


# --------------------------------------------------------------------------- helpers


def _no_rows(frame: pd.DataFrame, file: str) -> list[Problem]:
    """A table that must list something but has only its header."""
    if len(frame):
        return []
    return [
        Problem(
            file,
            "bestand bevat alleen een kopregel, geen gegevens",
            row=2,
            expected="minstens één rij onder de kopregel",
        )
    ]


def _check_end_dates(
    values: pd.Series, file: str, period: tuple[dt.date, dt.date] | None
) -> list[Problem]:
    """Check the optional end dates: real dates, inside the period when it is known."""
    days = values.map(_parse_date, na_action="ignore")
    problems = flag(
        file,
        values.notna() & days.isna(),
        values,
        END_DATE,
        "ongeldige datum",
        "JJJJ-MM-DD of DD-MM-JJJJ",
    )
    if period is not None:
        start, end = period
        outside = days.map(lambda d: isinstance(d, dt.date) and not start <= d <= end)
        problems += flag(
            file,
            outside.astype(bool),
            values,
            END_DATE,
            "datum ligt buiten de meetperiode",
            f"een datum van {start.isoformat()} tot en met {end.isoformat()}",
        )
    return problems


def _parse_date(text: object) -> dt.date | None:
    """A date as delivered (``2025-03-01``, ``1-3-2025``, Excel's ``2025-03-01 00:00:00``)."""
    text = str(text).strip()
    iso, nl = _DATE_ISO.fullmatch(text.split(" ")[0]), _DATE_NL.fullmatch(text)
    try:
        if iso:
            return dt.date(*map(int, iso.groups()))
        if nl:
            day, month, year = map(int, nl.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def shortened(text: str, keep: int = 80) -> str:
    """A long text as a problem shows it: its start and its length, e.g.
    ``Bèta… (10000 tekens)``, so that one value does not fill the screen."""
    if len(text) <= keep:
        return text
    return f"{visible(text[:keep])}… ({len(text)} tekens)"


def _required(values: pd.Series, file: str, column: str) -> list[Problem]:
    """Report empty cells in a column that must always be filled."""
    return flag(file, values.isna(), values, column, "waarde ontbreekt", "een waarde")


def _unique(values: pd.Series, file: str, column: str) -> list[Problem]:
    """Report every repeat of a value that must be unique, naming the row it first appeared."""
    dup = values.notna() & values.duplicated(keep="first")
    if not dup.any():
        return []
    rows = pd.Series(values.index, index=values.index)
    first = rows.groupby(values, dropna=True).transform("min")
    return flag(
        file,
        dup,
        values,
        column,
        "waarde komt meer dan één keer voor",
        first.map(lambda r: f"een unieke waarde (komt al voor in rij {r})"),
    )


def _choice(
    values: pd.Series, file: str, column: str, allowed: Sequence[str], *, required: bool
) -> list[Problem]:
    """Report cells that are not one of ``allowed`` (and empty cells when ``required``)."""
    problems = _required(values, file, column) if required else []
    bad = values.notna() & ~values.isin(list(allowed))
    return problems + flag(
        file, bad, values, column, f"onbekende waarde voor {column}", ", ".join(allowed)
    )


def flag(
    file: str,
    bad: pd.Series,
    values: pd.Series,
    column: str,
    message: str,
    expected: str | pd.Series | None = None,
) -> list[Problem]:
    """One Problem per row where ``bad`` holds, capped at MAX_ROWS_PER_CHECK plus a summary."""
    rows = bad.index[bad.fillna(False).astype(bool).to_numpy()]
    if len(rows) == 0:
        return []
    problems = []
    for row in rows[:MAX_ROWS_PER_CHECK]:
        want = expected.get(row) if isinstance(expected, pd.Series) else expected
        problems.append(
            Problem(
                file, message, row=int(row), column=column, value=values.get(row), expected=want
            )
        )
    rest = rows[MAX_ROWS_PER_CHECK:]
    if len(rest):
        shown = ", ".join(str(r) for r in rest[:10]) + (", ..." if len(rest) > 10 else "")
        problems.append(
            Problem(
                file,
                f"{message}: nog {len(rest)} rij(en) met dit probleem (rij {shown})",
                column=column,
                expected=expected if isinstance(expected, str) else None,
            )
        )
    return problems


def _names(questionnaires: Mapping[str, Codebook | None], *, inburgeren: bool) -> str:
    """The client questionnaires of the period that are (or are not) for inburgeren."""
    names = [
        name
        for name, cb in questionnaires.items()
        if cb is not None
        and cb.group == labels.GROUP_CLIENT
        and (cb.questionnaire == INBURGEREN) == inburgeren
    ]
    return " of ".join(names) or "(geen passende vragenlijst in period.yaml)"


def _all(frame: pd.DataFrame, value: bool) -> pd.Series:
    """A boolean Series with ``value`` for every row of ``frame``."""
    return pd.Series(value, index=frame.index, dtype=bool)


def options_text(item: Item) -> str:
    """The answer codes of ``item`` with their labels, for an 'expected' text of a problem."""
    return ", ".join(f"{code} ({label})" for code, label in item.options.items())
