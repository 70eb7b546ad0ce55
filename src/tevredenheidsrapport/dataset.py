"""One measurement period as checked, typed data: providers, sample, responses and persons.

:func:`load_period` reads ``period.yaml`` and the files it names (see ``data/README.md``),
runs the checks of :mod:`checks` (and of each item type, :mod:`items`) on every file and raises :class:`DataError` listing every
problem of every file when anything is wrong. Only a delivery without problems becomes a
:class:`Dataset`; nothing downstream ever sees partial data.

Before the checks, answers are brought to the codebook's codes (an SPSS file's codes through
their value labels, label text where allowed) and provinces to their names in
:data:`labels.PROVINCIES`. What is worth knowing but no problem (codes renumbered, responses
outside the netto sample) becomes a :class:`Notice`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import yaml

from . import checks, fmt, labels, yamlsafe
from .codebook import Codebook, Item, LineLoader, line_of, load_codebook
from .errors import CodebookError, DataError, Problem
from .items import MultiItem
from .readers import (
    ValueLabels,
    map_unique,
    parse_number,
    read_table_with_labels,
    to_numbers,
)

PERIOD_FILE = "period.yaml"
#: Fields every ``period.yaml`` must have.
PERIOD_FIELDS = (
    "period",
    "start",
    "end",
    "report_date",
    "codebooks",
    "providers",
    "sample",
    "questionnaires",
)
_PERIOD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_CODEBOOK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Notice(Problem):
    """Something about a delivery the researcher should know that does not stop it from
    loading: answer codes renumbered through the file's value labels, responses of persons
    outside the netto sample (they do not count), label text in a file that may not hold it.

    ``tevreden validate`` shows these as warnings beside the problems; a loaded period keeps
    its own in :attr:`Dataset.notices`."""


@dataclass(frozen=True)
class QuestionnaireSource:
    """A questionnaire of the period: its codebook and the file with its responses."""

    name: str
    codebook: Codebook
    responses_path: Path


#: The channels an invitation can go by, in the order the report names them.
INVITATION_CHANNELS = ("e-mail", "post")


@dataclass(frozen=True)
class Invitation:
    """How a measurement invited its clients and opdrachtgevers (practice changes over the
    years: 2021 invited by e-mail and post and capped phone interviews at 25)."""

    channels: tuple[str, ...]
    phone_calls_cap: int


@dataclass(frozen=True)
class Period:
    """A measurement period as described by its ``period.yaml``."""

    id: str
    start: dt.date
    end: dt.date
    report_date: dt.date
    path: Path
    questionnaires: Mapping[str, QuestionnaireSource]
    #: The previous measurement as ``period.yaml`` names it: a folder (relative to this
    #: period's), None (``previous: null``: none), or AUTO (not named: see
    #: :func:`previous_period_dir`).
    previous: str | None = "auto"
    #: How this measurement invited (``invitation`` in ``period.yaml``; None: as the
    #: settings say): the channels (``e-mail``, ``post``) and the cap on phone interviews.
    invitation: Invitation | None = None

    @property
    def label(self) -> str:
        """The period in words: ``1 september 2024 tot en met 31 augustus 2025``."""
        return fmt.period_long(self.start, self.end)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Checked data of one period; see ``load_period`` for the meaning of every column."""

    period: Period
    codebooks: Mapping[str, Codebook]
    providers: pd.DataFrame
    sample: pd.DataFrame
    responses: Mapping[str, pd.DataFrame]
    persons: pd.DataFrame
    #: What validation noted about the delivery without refusing it (see :class:`Notice`).
    notices: tuple[Notice, ...] = ()

    def provider_name(self, provider_id: str) -> str:
        """The name of a provider as it appears in its report; KeyError when unknown."""
        return str(self.providers.at[provider_id, "name"])


def find_periods(path: str | Path) -> list[Path]:
    """The period directories under ``path``: ``[path]`` itself when it holds a period.yaml,
    else its subdirectories that do, sorted by name (empty when there are none).

    A period.yaml that is no regular file (a link, a FIFO) still marks a period, so that
    loading it says what is wrong with it instead of finding no period at all."""
    path = Path(path)
    if os.path.lexists(path / PERIOD_FILE):
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if p.is_dir() and os.path.lexists(p / PERIOD_FILE))


def load_all(path: str | Path, notices: list[Notice] | None = None) -> dict[str, Dataset]:
    """Load every period under ``path`` (see :func:`find_periods`), keyed by period id.

    Raises :class:`DataError` with the problems of all periods together. ``notices``, when
    given, receives the notices of every period (see :func:`load_period`), also when a
    period has problems.
    """
    dirs = find_periods(path)
    if not dirs:
        raise DataError(
            [
                Problem(
                    str(path),
                    "geen meetperiode gevonden",
                    expected=f"een map met {PERIOD_FILE}, of een map met zulke mappen",
                )
            ]
        )
    datasets: dict[str, Dataset] = {}
    problems: list[Problem] = []
    for directory in dirs:
        try:
            data = load_period(directory, notices)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        if data.period.id.casefold() in {p.casefold() for p in datasets}:
            problems.append(
                Problem(
                    str(directory / PERIOD_FILE),
                    "periode-id komt al voor in een andere map",
                    column="period",
                    value=data.period.id,
                    expected="een unieke id per meetperiode",
                )
            )
        datasets[data.period.id] = data
    if problems:
        raise DataError(problems)
    return datasets


def load_period(path: str | Path, notices: list[Notice] | None = None) -> Dataset:
    """Read and check one period directory and return its :class:`Dataset`.

    Raises :class:`DataError` listing every problem in every file of the period (codebook
    problems included) when anything does not meet the data contract. What is worth knowing
    but no problem (:class:`Notice`) is in :attr:`Dataset.notices`, and is added to
    ``notices`` when that is given: then also when the period has problems.

    The frames of the result:

    - ``providers``: index ``provider_id``; ``name`` (str) and ``telefonisch`` (bool), in file
      order.
    - ``sample``: ``person_id``, ``provider_id``, ``group``, ``dienst`` (Int64, NA for
      opdrachtgevers), ``questionnaire``, ``codebook`` (codebook id), ``status``, ``netto``
      (bool) and ``province`` (NA when empty), in file order.
    - ``responses``: codebook id -> frame indexed by ``person_id`` with one column per codebook
      column; codes and grades float64 (NaN = empty), open items str. Every codebook of the
      period has a frame, possibly without rows.
    - ``persons``: ``sample`` plus ``responded``, ``ingevuld`` (every ``complete_when`` item
      answered that the person was asked) and ``cijfer`` (the grade when ingevuld, else NaN).
    """
    directory = Path(path)
    refused = _special_files(directory)
    problems: list[Problem] = []
    noted: list[Notice] = []
    try:
        return _load_period(directory, refused, problems, noted)
    finally:
        if notices is not None:
            notices.extend(noted)


def _load_period(
    directory: Path, refused: list[Problem], problems: list[Problem], notices: list[Notice]
) -> Dataset:
    """:func:`load_period` of ``directory``, whose special files are ``refused``; problems
    and notices are added to the two lists."""
    meta = _read_meta(directory, problems)
    if meta is None:
        raise DataError(_with_refused(refused, problems))
    books = _load_codebooks(meta, problems)
    sources: dict[str, tuple[str, Path]] | None = meta["questionnaires"]
    by_questionnaire = None
    if sources is not None:
        by_questionnaire = {q: books.get(cb_id) for q, (cb_id, _) in sources.items()}

    providers = _read(meta["providers"], problems) if "providers" in meta else None
    provider_ids = None
    if providers is not None:
        problems += checks.check_providers(providers.frame, providers.file)
        # Without rows the file is wrong, not every reference to it: skip those checks.
        if "provider_id" in providers.frame and len(providers.frame):
            provider_ids = providers.frame["provider_id"].dropna()

    sample = _read(meta["sample"], problems) if "sample" in meta else None
    sample_q: pd.Series | None = None
    if sample is not None:
        sample = _with_provinces(sample)
        dates = (meta["start"], meta["end"]) if "start" in meta and "end" in meta else None
        problems += checks.check_sample(
            sample.frame, sample.file, provider_ids, by_questionnaire, period=dates
        )
        if {"person_id", "questionnaire"} <= set(sample.frame.columns) and len(sample.frame):
            pairs = sample.frame.dropna(subset=["person_id"]).drop_duplicates("person_id")
            sample_q = pd.Series(
                pairs["questionnaire"].to_numpy(), index=pairs["person_id"].to_numpy(), dtype=object
            )

    responses = _read_responses(
        sources or {}, books, sample_q, problems, notices, meta.get("answer_labels", frozenset())
    )
    if sample is not None:
        notices += _outside_netto(responses, books, sources or {}, sample.frame)

    if problems or refused:
        raise DataError(_with_refused(refused, problems))
    # Without problems every field and file was there; these only narrow the types.
    assert providers is not None and sample is not None and sources is not None

    questionnaires = {
        q: QuestionnaireSource(q, books[cb_id], resp_path)
        for q, (cb_id, resp_path) in sources.items()
    }
    period = Period(
        id=meta["period"],
        start=meta["start"],
        end=meta["end"],
        report_date=meta["report_date"],
        path=directory,
        questionnaires=MappingProxyType(questionnaires),
        previous=meta.get("previous", AUTO),
        invitation=meta.get("invitation"),
    )
    provider_frame = _build_providers(providers.frame)
    sample_frame = _build_sample(
        sample.frame, {q: s.codebook.id for q, s in questionnaires.items()}
    )
    response_frames = _build_responses(responses, questionnaires, books)
    persons = _build_persons(sample_frame, response_frames, books)
    return Dataset(
        period=period,
        codebooks=MappingProxyType(dict(books)),
        providers=provider_frame,
        sample=sample_frame,
        responses=MappingProxyType(response_frames),
        persons=persons,
        notices=tuple(notices),
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, eq=False)
class _Table:
    """A table read as text, the file name used in problems and its SPSS value labels."""

    file: str
    frame: pd.DataFrame
    labels: ValueLabels


def _read(
    path: Path, problems: list[Problem], numbers: Mapping[str, bool] | None = None
) -> _Table | None:
    """Read one table; on failure add the reader's problems and return None.

    ``numbers``: the columns that must hold numbers (see :func:`readers.read_table`)."""
    if not os.path.lexists(path):  # a link or FIFO exists: the reader says what it is
        problems.append(
            Problem(str(path), "bestand bestaat niet", expected="het bestand uit period.yaml")
        )
        return None
    try:
        frame, value_labels = read_table_with_labels(path, numbers)
    except DataError as exc:
        problems.extend(exc.problems)
        return None
    return _Table(str(path), frame, value_labels)


def _read_responses(
    sources: Mapping[str, tuple[str, Path]],
    books: Mapping[str, Codebook],
    sample_q: pd.Series | None,
    problems: list[Problem],
    notices: list[Notice],
    answer_labels: frozenset[str],
) -> dict[str, _Table]:
    """Read and check every response file; questionnaire -> table (failed ones left out).

    Answers go to the codebook's codes first (:func:`_answer_codes`); ``answer_labels`` names
    the questionnaires whose files may hold labels instead of codes (``labels: true``)."""
    responses: dict[str, _Table] = {}
    for name, (cb_id, resp_path) in sources.items():
        if not os.path.lexists(resp_path):
            # A questionnaire nobody in the sample got needs no file (e.g. no inburgeren clients).
            users = int(sample_q.eq(name).sum()) if sample_q is not None else 0
            if users:
                problems.append(
                    Problem(
                        str(resp_path),
                        f"antwoordbestand ontbreekt, terwijl "
                        f"{users} {'persoon' if users == 1 else 'personen'} in de steekproef "
                        f"vragenlijst '{name}' {'heeft' if users == 1 else 'hebben'}",
                        expected="het bestand uit period.yaml",
                    )
                )
            continue
        codebook = books.get(cb_id)
        table = _read(resp_path, problems, _number_columns(codebook))
        if table is None or codebook is None:
            continue
        table, found, noted = _answer_codes(table, codebook, name, name in answer_labels)
        problems += found
        notices += noted
        problems += checks.check_responses(table.frame, table.file, codebook, name, sample_q)
        responses[name] = table
    return responses


# --------------------------------------------------------------------------- answer labels


def _answer_codes(
    table: _Table, codebook: Codebook, questionnaire: str, with_labels: bool
) -> tuple[_Table, list[Problem], list[Notice]]:
    """The response table with every answer of a labelled item (a choice, a scale, a matrix)
    as a code of ``codebook``, the problems found on the way, and the notices.

    A code of an SPSS file means what the file's value label says: labels are matched with
    the codebook's by text (:func:`labels.label_key`: case and spacing ignored), and a column
    the file numbers differently is renumbered, with a notice saying how. A cell holding a
    label instead of a code becomes the code of that label: in an SPSS file always, in any
    other file only when ``with_labels`` (``labels: true`` in period.yaml); without it a
    notice says that labels were found. A label the codebook does not have is a problem that
    names the nearest codebook label; the cells it concerns are left empty, so the item
    checks do not report them again.
    """
    spss = Path(table.file).suffix.lower() == ".sav"
    columns = [
        (item, column)
        for item in codebook.items
        if item.kind.labelled
        for column in item.columns()
        if column in table.frame.columns
    ]
    if not columns:
        return table, [], []
    _, text = to_numbers(table.frame[[column for _, column in columns]])
    frame = table.frame
    problems: list[Problem] = []
    notices: list[Notice] = []
    unasked: list[tuple[str, str, int]] = []  # (column, example, cells): labels not allowed
    for item, column in columns:
        file_labels = table.labels.get(column, {})
        if not file_labels and not text[column].any():
            continue
        mapping, unknown, found, note = _file_codes(
            item, codebook.id, file_labels, frame[column], table.file, column
        )
        problems += found
        notices += [note] if note else []
        values, found, hits = _column_codes(
            item, frame[column], mapping, unknown, with_labels or spss, table.file, column
        )
        if values is not None:
            frame = table.frame.copy() if frame is table.frame else frame
            frame[column] = values
        problems += found
        if hits:
            unasked.append((column, *hits))
    if unasked:
        notices.append(_labels_not_enabled(table.file, questionnaire, unasked))
    if frame is table.frame:
        return table, problems, notices
    return dataclasses.replace(table, frame=frame), problems, notices


def _file_codes(
    item: Item,
    codebook_id: str,
    file_labels: Mapping[int, str],
    values: pd.Series,
    file: str,
    column: str,
) -> tuple[dict[int, int], set[int], list[Problem], Notice | None]:
    """How the codes of an SPSS column become the codebook's: file code -> codebook code
    (by label), the file codes whose label the codebook does not have (each a problem), and
    a notice when any code changes."""
    by_label = _by_label(item.options)
    counts = _code_counts(values)
    mapping: dict[int, int] = {}
    unknown: set[int] = set()
    problems: list[Problem] = []
    for code, label in sorted(file_labels.items()):
        target = by_label.get(labels.label_key(label))
        if target is not None:
            mapping[code] = target
            continue
        unknown.add(code)
        problems.append(_unknown_value_label(item, codebook_id, code, label, counts, file, column))
    moved = [(code, target) for code, target in mapping.items() if code != target]
    note = None
    if moved:
        pairs = ", ".join(f"{code} ({file_labels[code]}) wordt {target}" for code, target in moved)
        note = Notice(
            file,
            f"antwoordcodes omgenummerd naar codeboek {codebook_id} volgens de waardelabels "
            f"van het bestand: {pairs}",
            column=column,
        )
    return mapping, unknown, problems, note


def _unknown_value_label(
    item: Item,
    codebook_id: str,
    code: int,
    label: str,
    counts: Mapping[int, int],
    file: str,
    column: str,
) -> Problem:
    """The problem for a value label of an SPSS file that no codebook label matches."""
    if code in item.options:
        message = f"waardelabel voor code {code} wijkt af van codeboek {codebook_id}"
    else:
        message = f"waardelabel voor code {code} staat niet in codeboek {codebook_id}"
    used = counts.get(code, 0)
    if used:
        message += f" ({used} {'cel' if used == 1 else 'cellen'} met deze code)"
    options = checks.options_text(item)
    nearest = _nearest(label, item.options)
    if nearest is not None:
        return Problem(
            file,
            message,
            column=column,
            value=label,
            expected=f"een label uit het codeboek: {options}; het meest gelijkend is "
            f"'{nearest[1]}' (code {nearest[0]})",
        )
    return Problem(
        file,
        message,
        column=column,
        value=label,
        expected=f"een label uit het codeboek: {options}; of, als code {code} 'niet gesteld' "
        "of 'geen antwoord' betekent: markeer die code in SPSS als ontbrekende waarde "
        "(Missing Values), dan worden die cellen als leeg gelezen",
    )


def _column_codes(
    item: Item,
    values: pd.Series,
    mapping: Mapping[int, int],
    unknown: set[int],
    labels_allowed: bool,
    file: str,
    column: str,
) -> tuple[pd.Series | None, list[Problem], tuple[str, int] | None]:
    """One column as codebook codes: file codes through ``mapping``, label text to its code
    (when ``labels_allowed``). Returns the column (None when nothing changes), the problems (a code without label in a
    renumbered column, text that is no label) and, when labels are not allowed, an example
    and the number of cells that hold a codebook label."""
    by_label = _by_label(item.options)
    renumbered = any(code != target for code, target in mapping.items())
    counts = values.value_counts()
    new: dict[object, str | None] = {}
    unlabelled: list[object] = []
    not_a_label: dict[object, str] = {}  # cell -> what was expected instead
    label_cells, example = 0, None
    for cell in counts.index:
        try:
            number = parse_number(cell)
        except ValueError:
            number = None
        if number is not None:
            code = int(number) if number.is_integer() else None
            if code in unknown:
                new[cell] = None  # reported once, with its value label
            elif code in mapping:
                if str(mapping[code]) != cell:
                    new[cell] = str(mapping[code])
            elif code is not None and renumbered:
                unlabelled.append(cell)
                new[cell] = None
            continue
        target = by_label.get(labels.label_key(cell))
        if labels_allowed and target is not None:
            new[cell] = str(target)
        elif labels_allowed:
            not_a_label[cell] = _expected_label(item, str(cell))
            new[cell] = None
        elif target is not None:
            label_cells += int(counts[cell])
            example = example if example is not None else str(cell)
    problems = checks.flag(
        file,
        values.isin(unlabelled),
        values,
        column,
        "code zonder waardelabel in een kolom die volgens de waardelabels is omgenummerd",
        "een waardelabel in het bestand voor elke code in deze kolom",
    )
    problems += checks.flag(
        file,
        values.isin(list(not_a_label)),
        values,
        column,
        "antwoord is geen code en geen label uit het codeboek",
        values.map(not_a_label),
    )
    changed = map_unique(values, lambda v: new.get(v, v)) if new else None
    return changed, problems, ((example, label_cells) if example is not None else None)


def _labels_not_enabled(file: str, questionnaire: str, found: list[tuple[str, str, int]]) -> Notice:
    """The notice for label text where the period does not allow it: the first column and
    example, and the number of cells in the file."""
    column, example, _ = found[0]
    cells = sum(n for _, _, n in found)
    return Notice(
        file,
        f"{cells} {'antwoord staat' if cells == 1 else 'antwoorden staan'} als label uit het "
        f"codeboek in plaats van als code; staan de antwoorden zo in de export, zet dan "
        f"'labels: true' bij vragenlijst '{questionnaire}' in period.yaml",
        column=column,
        value=example,
    )


def _by_label(options: Mapping[int, str]) -> dict[str, int]:
    """Codebook code by label key; a label given twice keeps its first code."""
    out: dict[str, int] = {}
    for code, label in options.items():
        out.setdefault(labels.label_key(label), code)
    return out


def _code_counts(values: pd.Series) -> dict[int, int]:
    """How many cells of a column hold each whole-number code."""
    numbers, _ = to_numbers(values)
    whole = numbers[numbers.notna() & (numbers == numbers.round())]
    return {int(code): int(n) for code, n in whole.value_counts().items()}


def _nearest(label: str, options: Mapping[int, str]) -> tuple[int, str] | None:
    """The codebook option whose label is most like ``label`` (difflib), or None."""
    keys: dict[str, tuple[int, str]] = {}
    for code, text in options.items():
        keys.setdefault(labels.label_key(text), (code, text))
    close = difflib.get_close_matches(labels.label_key(label), list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def _expected_label(item: Item, cell: str) -> str:
    """What a cell that is no code and no label should have been."""
    options = checks.options_text(item)
    nearest = _nearest(cell, item.options)
    if nearest is None:
        return f"een code of label uit het codeboek: {options}"
    return (
        f"een code of label uit het codeboek: {options}; het meest gelijkend is "
        f"'{nearest[1]}' (code {nearest[0]})"
    )


# --------------------------------------------------------------------------- sample


def _with_provinces(table: _Table) -> _Table:
    """The sample with each province as :data:`labels.PROVINCIES` names it (``Fryslân``,
    ``noord holland``: see :func:`labels.province`); a name that is no province stays as
    delivered, so that the check reports it as it was written."""
    if "province" not in table.frame.columns:
        return table
    frame = table.frame.copy()
    frame["province"] = map_unique(
        frame["province"], lambda v: labels.province(v) or v if isinstance(v, str) else v
    )
    return dataclasses.replace(table, frame=frame)


#: Respondent ids a notice names before it says "...".
NOTICE_IDS = 10


def _outside_netto(
    responses: Mapping[str, _Table],
    books: Mapping[str, Codebook],
    sources: Mapping[str, tuple[str, Path]],
    sample: pd.DataFrame,
) -> list[Notice]:
    """One notice per response file with answers of persons whose status is not ``netto``
    (``dubbel``, ``onbestelbaar``, ...): those answers are read but do not count, which
    would otherwise go unnoticed."""
    if not {"person_id", "status"} <= set(sample.columns):
        return []
    people = sample.dropna(subset=["person_id"]).drop_duplicates("person_id")
    status = pd.Series(people["status"].to_numpy(), index=people["person_id"].to_numpy())
    notices: list[Notice] = []
    for name, table in responses.items():
        codebook = books.get(sources[name][0]) if name in sources else None
        if codebook is None or codebook.respondent_id not in table.frame.columns:
            continue
        ids = table.frame[codebook.respondent_id].dropna()
        theirs = ids.map(status)
        outside = theirs.notna() & theirs.ne(labels.STATUS_NETTO) & theirs.isin(labels.STATUSES)
        if not outside.any():
            continue
        n = int(outside.sum())
        counts = theirs[outside].value_counts()
        by_status = ", ".join(
            f"{state}: {int(counts[state])}" for state in labels.STATUSES if state in counts
        )
        shown = ids[outside].astype(str).tolist()
        listed = ", ".join(shown[:NOTICE_IDS]) + (", ..." if n > NOTICE_IDS else "")
        if n == 1:
            who = "1 persoon die niet tot de netto steekproef behoort"
        else:
            who = f"{n} personen die niet tot de netto steekproef behoren"
        notices.append(
            Notice(
                table.file,
                f"antwoorden van {who} (status {by_status}); die tellen niet mee in de "
                "respons en de analyses",
                column=codebook.respondent_id,
                value=listed,
            )
        )
    return notices


def _read_meta(directory: Path, problems: list[Problem]) -> dict | None:
    """Parse and check ``period.yaml``; None (with problems added) when it cannot be read.

    A field that is missing or wrong is reported and left out of the result, so the files the
    other fields name are still checked and the researcher sees every problem in one run.
    """
    where = str(directory / PERIOD_FILE)
    raw = _load_period_yaml(directory / PERIOD_FILE, problems)
    if raw is None:
        return None
    for key in PERIOD_FIELDS:
        if raw.get(key) in (None, ""):
            row = line_of(raw, key) if key in raw else None  # present but empty: its line
            problems.append(Problem(where, "verplicht veld ontbreekt", row=row, column=key))
    meta: dict = {"file": where}
    _meta_period(raw, directory, meta, problems)
    _meta_dates(raw, meta, problems)
    _meta_paths(raw, directory, meta, problems)
    _meta_previous(raw, meta, problems)
    _meta_invitation(raw, meta, problems)
    meta["questionnaires"] = _read_questionnaires(
        raw.get("questionnaires"), directory, where, problems, line_of(raw, "questionnaires")
    )
    meta["answer_labels"] = _meta_answer_labels(raw.get("questionnaires"), where, problems)
    meta["raw"] = raw
    return meta


#: ``Period.previous`` when ``period.yaml`` does not name a previous measurement.
AUTO = "auto"


def _meta_previous(raw: Mapping, meta: dict, problems: list[Problem]) -> None:
    """``previous`` (optional): the folder name of the previous measurement, or null."""
    if "previous" not in raw:
        return
    value = raw["previous"]
    if value is None or value is False:
        meta["previous"] = None
    elif (
        isinstance(value, str | int)
        and not isinstance(value, bool)
        and _PERIOD_ID.fullmatch(str(value))
    ):
        meta["previous"] = str(value)
    else:
        problems.append(
            Problem(
                meta["file"],
                "ongeldige vorige meting",
                row=line_of(raw, "previous"),
                column="previous",
                value=value,
                expected="de naam van de map van de vorige meting naast deze, of null",
            )
        )


def _meta_invitation(raw: Mapping, meta: dict, problems: list[Problem]) -> None:
    """``invitation`` (optional): ``channels`` (a list of e-mail and post) and
    ``phone_calls_cap`` (a whole number, at least 0)."""
    if "invitation" not in raw:
        return
    value = raw["invitation"]
    expected = (
        "channels: een lijst met e-mail en/of post, en phone_calls_cap: een heel getal van "
        "minstens 0"
    )
    channels = value.get("channels") if isinstance(value, Mapping) else None
    cap = value.get("phone_calls_cap") if isinstance(value, Mapping) else None
    ok = (
        isinstance(value, Mapping)
        and set(value) <= {"channels", "phone_calls_cap"}
        and isinstance(channels, list)
        and channels
        and all(isinstance(c, str) and c in INVITATION_CHANNELS for c in channels)
        and len(set(channels)) == len(channels)
        and isinstance(cap, int)
        and not isinstance(cap, bool)
        and cap >= 0
    )
    if not ok:
        problems.append(
            Problem(
                meta["file"],
                "ongeldige beschrijving van de uitnodiging",
                row=line_of(raw, "invitation"),
                column="invitation",
                value=value,
                expected=expected,
            )
        )
        return
    order = tuple(c for c in INVITATION_CHANNELS if c in channels)
    meta["invitation"] = Invitation(order, int(cap))


def _meta_answer_labels(raw: object, where: str, problems: list[Problem]) -> frozenset[str]:
    """The questionnaires whose answers may be delivered as codebook labels: ``labels: true``
    beside ``codebook`` and ``responses`` (optional; an SPSS file may always hold labels)."""
    if not isinstance(raw, Mapping):
        return frozenset()
    names = set()
    for name, spec in raw.items():
        if not isinstance(spec, Mapping) or spec.get("labels") is None:
            continue
        if spec["labels"] is False:
            continue
        if spec["labels"] is True:
            names.add(str(name))
            continue
        problems.append(
            Problem(
                where,
                "ongeldige waarde voor labels",
                row=line_of(spec, "labels"),
                column=f"questionnaires.{name}.labels",
                value=spec["labels"],
                expected="true (antwoorden mogen als label uit het codeboek staan) of false",
            )
        )
    return frozenset(names)


def previous_period_dir(period: Period) -> Path | None:
    """The folder of the measurement before ``period``, or None.

    The one ``period.yaml`` names (a folder beside this one); otherwise the period folder
    beside this one whose measurement ended last before this one started. Only regular
    folders with a readable ``period.yaml`` count; a named one that is not there, or that
    does not end before this one starts, raises DataError."""
    parent = Path(period.path).parent
    if period.previous is None:
        return None
    if period.previous != AUTO:
        folder = parent / period.previous
        dates = _period_dates(folder)
        if dates is None or dates[1] >= period.start:
            where = str(Path(period.path) / PERIOD_FILE)
            raise DataError(
                [
                    Problem(
                        where,
                        "vorige meting niet gevonden of niet eerder",
                        column="previous",
                        value=period.previous,
                        expected="een map naast deze met een period.yaml die eindigt vóór "
                        f"{period.start.isoformat()}",
                    )
                ]
            )
        return folder
    best: tuple[dt.date, Path] | None = None
    for folder in sorted(parent.iterdir()):
        if folder == Path(period.path) or folder.is_symlink() or not folder.is_dir():
            continue
        dates = _period_dates(folder)
        if dates is not None and dates[1] < period.start and (best is None or dates[1] > best[0]):
            best = (dates[1], folder)
    return None if best is None else best[1]


def _period_dates(folder: Path) -> tuple[dt.date, dt.date] | None:
    """(start, end) of the period in ``folder``, or None when it has no readable one."""
    file = folder / PERIOD_FILE
    if file.is_symlink() or not file.is_file():
        return None
    try:
        raw = yamlsafe.load_file(file, _PeriodLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(raw, Mapping):
        return None
    start, end = (_as_date(raw.get(k)) for k in ("start", "end"))
    return (start, end) if start is not None and end is not None else None


def _load_period_yaml(file: Path, problems: list[Problem]) -> Mapping | None:
    """The mapping in ``period.yaml``; None (with a problem) when there is none to read."""
    where = str(file)
    if not os.path.lexists(file):  # a link or FIFO exists: load_file says what it is
        problems.append(
            Problem(where, "period.yaml ontbreekt", expected="een beschrijving van de meetperiode")
        )
        return None
    try:
        # Regular file, size cap, no alias bombs or duplicate keys (yamlsafe).
        raw = yamlsafe.load_file(file, _PeriodLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(
            Problem(
                where, f"period.yaml niet te lezen: {reason}", row=mark.line + 1 if mark else None
            )
        )
        return None
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, "period.yaml is geen YAML-mapping", expected="veld: waarde"))
        return None
    return raw


def _meta_period(raw: Mapping, directory: Path, meta: dict, problems: list[Problem]) -> None:
    """``period``: a well-formed id, the name of the period's folder."""
    if raw.get("period") in (None, ""):
        return
    where = meta["file"]
    meta["period"] = str(raw["period"])
    folder = Path(os.path.abspath(directory)).name
    if not _PERIOD_ID.fullmatch(meta["period"]):
        problems.append(
            Problem(
                where,
                "ongeldige periode-id",
                row=line_of(raw, "period"),
                column="period",
                value=raw["period"],
                expected="letters, cijfers, '-', '_' of '.'; begint met een letter of cijfer",
            )
        )
    elif meta["period"] != folder:
        # The folder names the period: two folders can then never claim the same period,
        # and the reports of a period land in a folder of the same name.
        problems.append(
            Problem(
                where,
                "periode-id wijkt af van de naam van de periodemap",
                row=line_of(raw, "period"),
                column="period",
                value=raw["period"],
                expected=folder,
            )
        )


def _meta_dates(raw: Mapping, meta: dict, problems: list[Problem]) -> None:
    """``start``, ``end`` and ``report_date``: valid dates, in that order."""
    where = meta["file"]
    for key in ("start", "end", "report_date"):
        if raw.get(key) in (None, ""):
            continue
        day = _as_date(raw[key])
        if day is None:
            problems.append(
                Problem(
                    where,
                    "ongeldige datum",
                    row=line_of(raw, key),
                    column=key,
                    value=raw[key],
                    expected="JJJJ-MM-DD",
                )
            )
        else:
            meta[key] = day
    if meta.get("start") and meta.get("end") and meta["end"] < meta["start"]:
        problems.append(
            Problem(
                where,
                "einddatum ligt voor de begindatum",
                row=line_of(raw, "end"),
                column="end",
                value=str(meta["end"]),
                expected=f"op of na {meta['start']}",
            )
        )
        del meta["end"]  # the sample's dates cannot be checked against a wrong period
    elif meta.get("end") and meta.get("report_date") and meta["report_date"] < meta["end"]:
        problems.append(
            Problem(
                where,
                "rapportdatum ligt voor het einde van de meetperiode",
                row=line_of(raw, "report_date"),
                column="report_date",
                value=str(meta["report_date"]),
                expected=f"op of na {meta['end']}",
            )
        )


def _meta_paths(raw: Mapping, directory: Path, meta: dict, problems: list[Problem]) -> None:
    """``providers`` and ``sample`` (file names) and ``codebooks`` (an existing folder)."""
    where = meta["file"]
    for key in ("providers", "sample"):
        if isinstance(raw.get(key), str) and raw[key]:
            meta[key] = _join(directory, raw[key])
        elif raw.get(key) not in (None, ""):
            problems.append(
                Problem(
                    where,
                    "bestandsnaam verwacht",
                    row=line_of(raw, key),
                    column=key,
                    value=raw[key],
                )
            )
    if isinstance(raw.get("codebooks"), str) and raw["codebooks"]:
        meta["codebooks"] = _join(directory, raw["codebooks"])
        if not meta["codebooks"].is_dir():
            problems.append(
                Problem(
                    where,
                    "map met codeboeken bestaat niet",
                    row=line_of(raw, "codebooks"),
                    column="codebooks",
                    value=raw["codebooks"],
                    expected="een map relatief aan de periodemap",
                )
            )
    elif raw.get("codebooks") not in (None, ""):
        problems.append(
            Problem(
                where,
                "mapnaam verwacht",
                row=line_of(raw, "codebooks"),
                column="codebooks",
                value=raw["codebooks"],
            )
        )


def _read_questionnaires(
    raw: object, directory: Path, where: str, problems: list[Problem], line: int | None = None
) -> dict[str, tuple[str, Path]] | None:
    """Parse the ``questionnaires`` block: name -> (codebook id, responses path).

    None when the block is missing or not a mapping: then no questionnaire is known and the
    sample's questionnaire column cannot be checked.
    """
    if raw in (None, ""):
        return None  # already reported as a missing field
    if not isinstance(raw, Mapping) or not raw:
        problems.append(
            Problem(
                where,
                "questionnaires moet per vragenlijst een codebook en responses geven",
                row=line,
                column="questionnaires",
                value=raw,
            )
        )
        return None
    out: dict[str, tuple[str, Path]] = {}
    for name, spec in raw.items():
        column = f"questionnaires.{name}"
        if not isinstance(spec, Mapping):
            problems.append(
                Problem(
                    where,
                    "verwacht {codebook: ..., responses: ...}",
                    row=line_of(raw, name),
                    column=column,
                    value=spec,
                )
            )
            continue
        missing = [k for k in ("codebook", "responses") if spec.get(k) in (None, "")]
        for key in missing:
            problems.append(
                Problem(where, f"veld '{key}' ontbreekt", row=line_of(raw, name), column=column)
            )
        if missing:
            continue
        cb_id = str(spec["codebook"])
        if not _CODEBOOK_ID.fullmatch(cb_id):
            problems.append(
                Problem(
                    where,
                    "ongeldige codeboeknaam",
                    row=line_of(spec, "codebook"),
                    column=f"{column}.codebook",
                    value=spec["codebook"],
                    expected="de naam van een codeboek zonder .yaml (letters, cijfers, '-', '_')",
                )
            )
            continue
        out[str(name)] = (cb_id, _join(directory, str(spec["responses"])))
    return out


def _load_codebooks(meta: dict, problems: list[Problem]) -> dict[str, Codebook]:
    """Load each codebook the period names once; unknown or broken codebooks become problems."""
    directory: Path | None = meta.get("codebooks")
    books: dict[str, Codebook] = {}
    if directory is None or not directory.is_dir():
        return books  # already reported with period.yaml
    failed: set[str] = set()
    available = sorted(p.stem for p in directory.glob("*.yaml"))
    for name, (cb_id, _) in (meta["questionnaires"] or {}).items():
        if cb_id in books or cb_id in failed:
            continue
        file = directory / f"{cb_id}.yaml"
        if not os.path.lexists(file):  # a link or FIFO exists: load_codebook says what it is
            failed.add(cb_id)
            problems.append(
                Problem(
                    meta["file"],
                    "onbekend codeboek",
                    row=line_of((meta["raw"].get("questionnaires") or {}).get(name), "codebook"),
                    column=f"questionnaires.{name}.codebook",
                    value=cb_id,
                    expected=", ".join(available) or f"een codeboek in {directory}",
                )
            )
            continue
        try:
            books[cb_id] = load_codebook(file)
        except CodebookError as exc:
            failed.add(cb_id)
            problems.extend(exc.problems)
    return books


def _special_files(directory: Path) -> list[Problem]:
    """Every symbolic link and every file that is not a regular file (a FIFO, a device, a
    socket) in the period folder, each as a problem, in the order of their paths.

    None of them is read: a link may point at any file of the machine (whose lines a
    problem would quote), a FIFO blocks its reader and a device such as /dev/zero never
    ends. Hidden entries are skipped, as the batch's hashing skips them: nothing reads them.
    """
    problems: list[Problem] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for name in sorted([*dirnames, *filenames]):
            if name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            refused = None if stat.S_ISDIR(mode) else yamlsafe.kind_problem(mode)
            if refused:
                problems.append(Problem(path, refused[0], expected=refused[1]))
    return problems


def _with_refused(refused: list[Problem], problems: list[Problem]) -> list[Problem]:
    """The refused files first, then every other problem except those about the same files
    (their reader refused them again: one problem per file) or about files under a refused
    link to a folder (their lines may come from anywhere)."""
    names = tuple(os.path.normpath(p.file) for p in refused)
    under = tuple(name + os.sep for name in names)

    def kept(problem: Problem) -> bool:
        file = os.path.normpath(problem.file)
        return file not in names and not file.startswith(under)

    return refused + [p for p in problems if kept(p)]


def _number_columns(codebook: Codebook | None) -> dict[str, bool]:
    """The columns of a response file that hold numbers (codes and grades), each with
    whether booleans are fine there too (the 0/1 columns of a multiple-choice item)."""
    if codebook is None:
        return {}
    return {
        column: isinstance(item.kind, MultiItem)
        for item in codebook.items
        if item.kind.coded
        for column in item.columns()
    }


def _join(directory: Path, relative: str) -> Path:
    """``directory / relative`` without ``..`` steps, so messages show a readable path."""
    # Lexical on purpose (no resolve()): keep the path as the user typed it, symlinks included.
    return Path(os.path.normpath(directory / relative))


class _PeriodLoader(LineLoader):
    """Safe YAML loader that leaves dates as text and remembers the line of every field.

    PyYAML turns ``2025-02-30`` into a crash rather than a value; as text it reaches
    :func:`_as_date` and becomes a precise problem for the field.
    """


_PeriodLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _as_date(value: object) -> dt.date | None:
    """A date from period.yaml (ISO text or a date); None when it is not a valid date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return None


# --------------------------------------------------------------------------- building


def _text(values: pd.Series) -> pd.Series:
    """A checked text column as pandas' string dtype (missing stays NA)."""
    return values.astype("str").reset_index(drop=True)


def _build_providers(frame: pd.DataFrame) -> pd.DataFrame:
    """The providers table, indexed by provider_id."""
    out = pd.DataFrame(
        {
            "name": _text(frame["name"]).to_numpy(),
            "telefonisch": frame["telefonisch"].eq(labels.JA).to_numpy(dtype=bool),
        },
        index=pd.Index(_text(frame["provider_id"]), name="provider_id"),
    )
    return out


def _build_sample(frame: pd.DataFrame, codebook_of: Mapping[str, str]) -> pd.DataFrame:
    """The sample with typed columns, in file order."""
    dienst, _ = to_numbers(frame["dienst"])
    questionnaire = _text(frame["questionnaire"])
    return pd.DataFrame(
        {
            "person_id": _text(frame["person_id"]),
            "provider_id": _text(frame["provider_id"]),
            "group": _text(frame["group"]),
            "dienst": dienst.reset_index(drop=True).astype("Int64"),
            "questionnaire": questionnaire,
            "codebook": _text(questionnaire.map(codebook_of)),
            "status": _text(frame["status"]),
            "netto": frame["status"].eq(labels.STATUS_NETTO).to_numpy(dtype=bool),
            "province": _text(frame["province"]),
        }
    )


def _build_responses(
    tables: Mapping[str, _Table],
    questionnaires: Mapping[str, QuestionnaireSource],
    books: Mapping[str, Codebook],
) -> dict[str, pd.DataFrame]:
    """Typed response frames per codebook; sources sharing a codebook are stacked."""
    parts: dict[str, list[pd.DataFrame]] = {cb_id: [] for cb_id in books}
    for name, table in tables.items():
        codebook = questionnaires[name].codebook
        parts[codebook.id].append(_typed_responses(table.frame, codebook))
    out = {}
    for cb_id, frames in parts.items():
        out[cb_id] = (
            pd.concat(frames)
            if frames
            else _typed_responses(
                pd.DataFrame(columns=books[cb_id].columns(), dtype=object), books[cb_id]
            )
        )
    return out


def _typed_responses(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One response file as numbers (codes, grades) and text (open items), by person_id."""
    open_columns = [c for it in codebook.items if not it.kind.coded for c in it.columns()]
    coded = [c for c in codebook.columns()[1:] if c not in open_columns]
    out = to_numbers(frame[coded])[0]
    for column in open_columns:
        out[column] = frame[column].astype("str")
    out.index = pd.Index(_text(frame[codebook.respondent_id]), name="person_id")
    return out[codebook.columns()[1:]]


def _build_persons(
    sample: pd.DataFrame, responses: Mapping[str, pd.DataFrame], books: Mapping[str, Codebook]
) -> pd.DataFrame:
    """The sample with response status: responded, ingevuld and the grade."""
    persons = sample.copy()
    persons["responded"] = False
    persons["ingevuld"] = False
    persons["cijfer"] = np.nan
    for cb_id, codebook in books.items():
        rows = persons.index[persons["codebook"].eq(cb_id).fillna(False).to_numpy(dtype=bool)]
        if len(rows) == 0:
            continue
        frame = responses[cb_id]
        ids = persons.loc[rows, "person_id"]
        # the respondent ids are unique (reindex needs that too): a hash lookup, where
        # isin on arrow strings makes a scalar of every id (0,05 s at 500 providers)
        responded = frame.index.get_indexer(ids) >= 0
        answers = frame.reindex(ids.to_numpy())
        answers.index = rows
        dienst = persons.loc[rows, "dienst"]
        complete = pd.Series(responded, index=rows)
        for item_id in codebook.complete_when:
            item = codebook.item(item_id)
            # An item that was not asked cannot be answered: it does not make a response
            # incomplete.
            asked = item.kind.asked(item, codebook, answers, dienst)
            complete &= item.kind.answered(item, answers) | ~asked
        grade = answers[codebook.grade_item].where(complete)
        persons.loc[rows, "responded"] = responded
        persons.loc[rows, "ingevuld"] = complete.to_numpy(dtype=bool)
        persons.loc[rows, "cijfer"] = grade.to_numpy(dtype="float64")
    persons["responded"] = persons["responded"].astype(bool)
    persons["ingevuld"] = persons["ingevuld"].astype(bool)
    persons["cijfer"] = persons["cijfer"].astype("float64")
    return persons
