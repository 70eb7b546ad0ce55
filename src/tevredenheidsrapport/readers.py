"""Read a delivered table (CSV, Excel, SPSS or Parquet) as text, exactly as a person sees it.

Every reader returns the same shape: one column per header cell, every cell a stripped ``str``
or ``None`` when empty, and the index set to the row number a spreadsheet shows (the header is
row 1, so the first data row is row 2). Interpreting the text (numbers, codes, dates) is left
to :mod:`validate` and :mod:`dataset`, so a value that does not fit can be reported exactly as
it was delivered. The extension decides the reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from .errors import DataError, Problem

#: Extensions we can read, and the name of the format in messages.
FORMATS: dict[str, str] = {
    ".csv": "CSV",
    ".xlsx": "Excel",
    ".sav": "SPSS",
    ".parquet": "Parquet",
}

#: Value labels of an SPSS file: column -> {code: label}.
ValueLabels = dict[str, dict[int, str]]

# A number as people type it: optional sign, digits, optionally a decimal comma or point.
# Thousands separators are deliberately not accepted: grades and codes never need them, and
# "1.234" would otherwise be ambiguous.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
# Marks a cell that holds text but no number; a string so it cannot collide with a value.
_INVALID = "<geen getal>"
_Frame = TypeVar("_Frame", pd.Series, pd.DataFrame)


def read_table(path: str | Path) -> pd.DataFrame:
    """Return the first table in ``path`` with every cell as text (``None`` when empty).

    The index holds spreadsheet row numbers (header = row 1). Raises :class:`DataError` when
    the extension is unknown or the file is empty or cannot be read.
    """
    frame, _ = read_table_with_labels(path)
    return frame


def read_table_with_labels(path: str | Path) -> tuple[pd.DataFrame, ValueLabels]:
    """Like :func:`read_table`, plus the value labels stored in the file (SPSS only, else empty).

    In an SPSS file the cells hold codes; a text column whose cells are labels is translated
    back to codes through the file's own labels, so both exports give the same table.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            [
                Problem(
                    str(path),
                    "onbekend bestandstype",
                    value=path.suffix or path.name,
                    expected=", ".join(FORMATS),
                )
            ]
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(
            [Problem(str(path), f"bestand niet te openen: {exc.strerror or exc}")]
        ) from exc
    if size == 0:
        raise DataError([Problem(str(path), "bestand is leeg (0 bytes)")])
    labels: ValueLabels = {}
    try:
        if fmt == "CSV":
            frame = _read_csv(path)
        elif fmt == "Excel":
            frame = _read_xlsx(path)
        elif fmt == "SPSS":
            frame, labels = _read_sav(path)
        else:
            frame = _from_typed(pd.read_parquet(path))
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - each parser library raises its own error types
        raise DataError(
            [Problem(str(path), f"bestand is niet te lezen als {fmt}: {_reason(exc)}")]
        ) from exc
    return _tidy(frame, str(path)), labels


def parse_number(text: object) -> float | None:
    """Return the number in ``text`` (``"8,5"`` and ``"8.5"`` both give 8.5); ``None`` if empty.

    Raises ValueError when ``text`` is not a plain number (``"acht"``, ``"1.234,5"``).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    clean = str(text).strip()
    if not clean:
        return None
    if not _NUMBER_RE.fullmatch(clean):
        raise ValueError(f"geen getal: {text!r}")
    return float(clean.replace(",", "."))


def to_numbers(values: _Frame) -> tuple[_Frame, _Frame]:
    """Parse a text column (or frame) into float64: NaN when empty or not a number.

    Returns ``(numbers, invalid)`` of the same shape, where ``invalid`` marks cells holding
    text that is not a number, so a caller can report exactly those rows.
    """
    parsed = _map_unique(values, _number_or_invalid)
    numbers = parsed.where(parsed.ne(_INVALID), np.nan).astype("float64")
    return numbers, parsed.eq(_INVALID)


# --------------------------------------------------------------------------- readers


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file: detect the encoding and the delimiter, keep every cell as text."""
    raw = path.read_bytes()
    try:
        # utf-8-sig also strips the byte-order mark Excel writes in front of "CSV UTF-8".
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DataError(
                [
                    Problem(
                        str(path),
                        "tekstcodering niet herkend",
                        expected="UTF-8 of Windows-1252",
                    )
                ]
            ) from exc
    header_line = text.split("\n", 1)[0]
    # The header never holds a decimal comma, so the most frequent candidate there is the
    # delimiter; a one-column file has none and is read with the default comma.
    delimiter = max((";", ",", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise DataError(
            [Problem(str(path), f"CSV niet te lezen: {exc}", row=reader.line_num)]
        ) from exc
    if not records:
        raise DataError([Problem(str(path), "bestand bevat geen kopregel")])
    header, body = records[0], records[1:]
    width = len(header)
    problems: list[Problem] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    for number, record in enumerate(body, start=2):
        if not record or not any(cell.strip() for cell in record):
            continue  # blank line: a spreadsheet shows an empty row, so numbering still counts it
        if len(record) > width:
            extra = record[width:]
            if any(cell.strip() for cell in extra):
                problems.append(
                    Problem(
                        str(path),
                        f"rij heeft {len(record)} velden, de kopregel {width}",
                        row=number,
                        value=delimiter.join(extra),
                        expected="evenveel velden als kolommen in de kopregel",
                    )
                )
                continue
            record = record[:width]
        elif len(record) < width:
            # Some tools leave out trailing empty fields; those cells are simply empty.
            record = record + [""] * (width - len(record))
        rows.append(record)
        numbers.append(number)
    if problems:
        raise DataError(problems)
    return _frame(header, rows, numbers)


def _read_xlsx(path: Path) -> pd.DataFrame:
    """Read the first worksheet of an Excel file; numbers become the text Excel shows."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        # Some writers store a wrong sheet size; without this read-only mode would stop early.
        sheet.reset_dimensions()
        header: list[str] | None = None
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                if number != 1 or not any(cells):
                    raise DataError(
                        [
                            Problem(
                                str(path),
                                "kopregel ontbreekt",
                                row=1,
                                expected="kolomnamen in rij 1",
                            )
                        ]
                    )
                header = cells
                continue
            if any(cells):
                rows.append(cells)
                numbers.append(number)
    finally:
        book.close()
    if header is None:
        raise DataError([Problem(str(path), "eerste werkblad is leeg")])
    # Formatted but empty cells can make rows longer or shorter than the header.
    width = max([len(header), *(len(r) for r in rows)])
    header = header + [""] * (width - len(header))
    rows = [r + [""] * (width - len(r)) for r in rows]
    return _frame(header, rows, numbers)


def _read_sav(path: Path) -> tuple[pd.DataFrame, ValueLabels]:
    """Read an SPSS file as codes, with its value labels keyed by integer code."""
    import pyreadstat

    data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    labels: ValueLabels = {}
    for column, mapping in (meta.variable_value_labels or {}).items():
        codes: dict[int, str] = {}
        for code, label in mapping.items():
            number = _as_int(code)
            if number is not None:
                codes[number] = str(label).strip()
        if codes:
            labels[str(column)] = codes
    frame = _from_typed(data)
    for column, codes in labels.items():
        if column in frame.columns and not pd.api.types.is_numeric_dtype(data[column]):
            # A text variable holding label text instead of codes: translate back to codes.
            back = {label: str(code) for code, label in codes.items()}
            frame[column] = frame[column].map(
                lambda v, b=back: b.get(v.strip(), v) if isinstance(v, str) else v
            )
    return frame, labels


# --------------------------------------------------------------------------- helpers


def _frame(header: list[str], rows: list[list[str]], numbers: list[int]) -> pd.DataFrame:
    """Build a text frame indexed by spreadsheet row number."""
    frame = pd.DataFrame(rows, columns=[h.strip() for h in header], dtype=object)
    frame.index = pd.Index(numbers, dtype="int64", name="row")
    return frame


def _from_typed(data: pd.DataFrame) -> pd.DataFrame:
    """Turn a typed frame (Parquet, SPSS) into the text frame every reader returns."""
    out = pd.DataFrame(
        {str(col): _column_text(data[col]) for col in data.columns},
        columns=[str(c) for c in data.columns],
        dtype=object,
    )
    out.index = pd.RangeIndex(2, len(data) + 2, name="row")
    return out


def _column_text(values: pd.Series) -> pd.Series:
    """Return a typed column as text the way a person would type it (8.0 -> "8")."""
    values = values.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(values):
        return values.map(lambda v: None if pd.isna(v) else ("1" if v else "0")).astype(object)
    if pd.api.types.is_numeric_dtype(values):
        floats = values.astype("float64")
        out = pd.Series(None, index=floats.index, dtype=object)
        finite = floats.notna() & np.isfinite(floats)
        whole = finite & (floats == np.floor(floats)) & (floats.abs() < 2**53)
        out[whole] = floats[whole].astype("int64").astype(str).astype(object)
        frac = finite & ~whole
        out[frac] = floats[frac].map(_float_text).astype(object)
        return out
    return values.astype(object).map(_cell_text, na_action="ignore").astype(object)


def _cell_text(value: object) -> str:
    """Text of one cell value as a spreadsheet shows it; empty string when empty."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return _float_text(float(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    return str(value).strip()


def _float_text(value: float) -> str:
    """``8.0`` -> ``"8"``, ``7.5`` -> ``"7.5"``; 15 significant digits, as Excel keeps."""
    if value == math.floor(value) and abs(value) < 2**53:
        return str(int(value))
    return f"{value:.15g}"


def _as_int(value: object) -> int | None:
    """Integer value of a label code (1, 1.0, "1"), or None when it is not a whole number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _tidy(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Strip every cell, make empty cells None and check the header names."""
    frame = frame.copy()
    # Positional, because a duplicated column name must survive until it is reported.
    for position in range(frame.shape[1]):
        frame.isetitem(position, _strip(frame.iloc[:, position]))
    problems = _header_problems(list(frame.columns), frame, file)
    if problems:
        raise DataError(problems)
    # A nameless column with nothing in it is an artefact of a trailing delimiter: drop it.
    keep = [c for c in frame.columns if c != ""]
    return frame.loc[:, keep]


def _strip(values: pd.Series) -> pd.Series:
    """Strip whitespace and turn empty strings into None."""
    return _map_unique(values, _stripped)


def _stripped(value: object) -> str | None:
    """One cell stripped; None when nothing is left."""
    text = value.strip() if isinstance(value, str) else _cell_text(value)
    return text or None


def _number_or_invalid(value: object) -> float | str | None:
    """The number in one cell, None when empty, _INVALID when it is text but not a number."""
    try:
        return parse_number(value)
    except ValueError:
        return _INVALID


def _map_unique(values: _Frame, fn: Callable[[object], object]) -> _Frame:
    """Apply ``fn`` to every cell, calling it once per distinct value; empty cells give None.

    Survey exports repeat the same few codes in thousands of cells, so this costs a
    factorize plus a handful of Python calls instead of one call per cell.
    """
    array = values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(array.ravel(), use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = None  # code -1 (empty cell) indexes the last slot
    out = mapped[codes].reshape(array.shape)
    if isinstance(values, pd.DataFrame):
        return pd.DataFrame(out, index=values.index, columns=values.columns, dtype=object)
    return pd.Series(out, index=values.index, name=values.name, dtype=object)


def _header_problems(columns: Iterable[str], frame: pd.DataFrame, file: str) -> list[Problem]:
    """Report duplicate column names and nameless columns that hold data."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for position, name in enumerate(columns, start=1):
        if name == "":
            if frame.iloc[:, position - 1].notna().any():
                problems.append(
                    Problem(file, f"kolom {position} heeft geen naam maar wel waarden", row=1)
                )
            continue
        if name in seen:
            problems.append(
                Problem(file, "kolomnaam komt meer dan één keer voor", row=1, column=name)
            )
        seen.add(name)
    return problems


def _reason(exc: BaseException) -> str:
    """Short reason for a parser failure, without a traceback."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = [
    "FORMATS",
    "ValueLabels",
    "parse_number",
    "read_table",
    "read_table_with_labels",
    "to_numbers",
]
