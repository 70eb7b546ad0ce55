"""Read a delivered table (CSV, Excel, SPSS or Parquet) as text, exactly as a person sees it.

Every reader returns the same shape: one column per header cell, every cell a stripped ``str``
or ``None`` when empty, and the index set to the row number a spreadsheet shows (the header is
row 1, so the first data row is row 2). Interpreting the text (numbers, codes, dates) is left
to :mod:`validate` and :mod:`dataset`, so a value that does not fit can be reported exactly as
it was delivered. The extension decides the reader.

What no reader lets through, each as one problem naming the place: anything but a regular
file (a symbolic link, a FIFO, a device such as ``/dev/zero``: checked before it is opened,
see :func:`yamlsafe.open_regular`), a file over :data:`MAX_BYTES` or :data:`MAX_ROWS`, an
Excel file that unpacks to more than :data:`MAX_UNPACKED_BYTES` or :data:`MAX_RATIO` times
its packed size (a zip bomb) or whose first sheet declares more rows or cells than allowed
(checked before openpyxl reads it), a Parquet column of another type (booleans, dates) where
the caller expects numbers, a text file in another encoding than UTF-8 or Windows-1252 (or
mixing the two), text garbled by a double conversion (``BÃ¨ta`` for ``Bèta``), a stray
byte-order mark inside the data, a title row above the header, and rows whose delimiter
differs from the header's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, TypeVar

import numpy as np
import pandas as pd

from .errors import DataError, Problem
from .labels import label_key
from .yamlsafe import RefusedFile, open_regular, thousands

#: Extensions we can read, and the name of the format in messages.
FORMATS: Mapping[str, str] = MappingProxyType(
    {
        ".csv": "CSV",
        ".xlsx": "Excel",
        ".sav": "SPSS",
        ".parquet": "Parquet",
    }
)

#: Value labels of an SPSS file: column -> {code: label}.
ValueLabels = dict[str, dict[int, str]]

#: Largest file we read (bytes). A delivery of hundreds of providers stays far below it; a
#: bigger file is almost always a wrong export (every survey ever, a log file), and reading it
#: would take minutes and gigabytes before the researcher hears anything.
MAX_BYTES = 200 * 1024 * 1024
#: Most data rows one file may have, for the same reason (a compressed Excel, SPSS or Parquet
#: file can hold many rows in few bytes).
MAX_ROWS = 1_000_000
#: Row problems reported per file by the reader before one summary line (as in validate).
MAX_ROW_PROBLEMS = 20
#: Most cells (rows x columns) of one Excel sheet or Parquet file. openpyxl reads about
#: 35.000 cells a second on a small machine, so this is minutes of reading already; a
#: questionnaire of 200 columns for 100.000 respondents fits.
MAX_CELLS = 20_000_000
#: Most bytes an Excel file (a zip archive) may unpack to, all parts together; and most
#: bytes a Parquet file's column data may take uncompressed.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
#: Most bytes any part of an Excel file other than a worksheet (shared strings, styles) may
#: unpack to: openpyxl keeps those in memory whole.
MAX_PART_BYTES = 100 * 1024 * 1024
#: Largest ratio of unpacked to packed size of one part (over 1 MB unpacked) of an Excel
#: file. Worksheets written by Excel or openpyxl pack 10 to 15 times; a zip bomb about 1000.
MAX_RATIO = 100
#: Most parts (files) in an Excel zip archive; a workbook has a few dozen.
MAX_PARTS = 10_000

# A number as people type it: optional sign, digits, optionally a decimal comma or point.
# Thousands separators are deliberately not accepted: grades and codes never need them, and
# "1.234" would otherwise be ambiguous.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
# Marks a cell that holds text but no number; a string so it cannot collide with a value.
_INVALID = "<geen getal>"
_DELIMITERS = (";", ",", "\t")
_DELIMITER_NAMES = MappingProxyType({";": "puntkomma", ",": "komma", "\t": "tab"})
# A UTF-8 multi-byte sequence read as Windows-1252 (or Latin-1): a lead byte 0xC2-0xF4 shown
# as Â..ô, followed by continuation bytes 0x80-0xBF shown as their Windows-1252 characters.
_CONTINUATION = "".join(
    sorted(
        {chr(b) for b in range(0x80, 0xC0)}
        | {bytes([b]).decode("cp1252", "ignore") for b in range(0x80, 0xC0)}
    )
)
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{re.escape(_CONTINUATION)}]{{1,3}}")
# Bytes that undecodable UTF-8 becomes with errors="surrogateescape".
_ESCAPED = re.compile("[\udc80-\udcff]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\udc80-\udcff]")
#: Signatures of files that are not text, by what they probably are.
_BINARY_SIGNATURES = MappingProxyType(
    {
        b"PK\x03\x04": "een Excel- of zip-bestand",
        b"$FL2": "een SPSS-bestand",
        b"$FL3": "een SPSS-bestand",
        b"PAR1": "een Parquet-bestand",
        b"\xd0\xcf\x11\xe0": "een oud Excel-bestand (.xls)",
        b"%PDF": "een PDF",
    }
)
_Frame = TypeVar("_Frame", pd.Series, pd.DataFrame)
# The parts of an Excel file looked at before openpyxl reads it (see _check_xlsx).
_DIMENSION = re.compile(
    r"<(?:\w+:)?dimension\b[^>]*\bref=[\"']([A-Za-z]*\d*(?::[A-Za-z]*\d*)?)[\"']"
)
_SHEET = re.compile(r"<(?:\w+:)?sheet\b[^>]*>")
_RELATION = re.compile(r"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(r"([\w:]+)=[\"']([^\"']*)[\"']")
_ATTRIBUTE_ID = re.compile(r"\br:id=[\"']([^\"']*)[\"']")


def read_table(path: str | Path, numbers: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """Return the first table in ``path`` with every cell as text (``None`` when empty).

    The index holds spreadsheet row numbers (header = row 1). Raises :class:`DataError` when
    the extension is unknown, the path is no regular file (or a symbolic link), or the file
    is empty, too big or cannot be read.

    ``numbers`` names the columns that must hold numbers (codes, grades), each with whether
    booleans are fine there too (a 0/1 column): a typed file (Parquet) with another type in
    such a column is refused with one problem per column instead of one per row.
    """
    frame, _ = read_table_with_labels(path, numbers)
    return frame


def read_table_with_labels(
    path: str | Path, numbers: Mapping[str, bool] | None = None
) -> tuple[pd.DataFrame, ValueLabels]:
    """Like :func:`read_table`, plus the value labels stored in the file (SPSS only, else empty).

    In an SPSS file the cells hold codes; a text column whose cells are labels is translated
    back to codes through the file's own labels (case and spacing ignored), so both exports
    give the same table. Values the file declares missing are empty cells and have no label
    here. What a code means for a codebook (by its label) is up to :mod:`dataset`.
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
        # Checked before anything reads it: a FIFO or /dev/zero would never end, and a
        # symbolic link may point at any file on the machine, whose lines a problem quotes.
        fh = open_regular(path)
    except RefusedFile as exc:
        reason = exc.reason
        if isinstance(exc.__cause__, OSError):
            reason = f"bestand niet te openen: {reason}"
        raise DataError([Problem(str(path), reason, expected=exc.expected)]) from None
    with fh:
        return _read_open(path, fmt, fh, numbers or {})


def _read_open(
    path: Path, fmt: str, fh: BinaryIO, numbers: Mapping[str, bool]
) -> tuple[pd.DataFrame, ValueLabels]:
    """Read the regular file ``path``, open as ``fh``, in the format ``fmt``."""
    size = os.fstat(fh.fileno()).st_size
    if size == 0:
        raise DataError([Problem(str(path), "bestand is leeg (0 bytes)")])
    if size > MAX_BYTES:
        raise DataError(
            [
                Problem(
                    str(path),
                    f"bestand is te groot om in te lezen ({_megabytes(size)})",
                    value=f"{size} bytes",
                    expected=f"hoogstens {_megabytes(MAX_BYTES)} per bestand; "
                    "controleer of dit de juiste export is",
                )
            ]
        )
    labels: ValueLabels = {}
    try:
        if fmt == "CSV":
            frame = _read_csv(str(path), fh.read(MAX_BYTES + 1))
        elif fmt == "Excel":
            frame = _read_xlsx(str(path), fh, size)
        elif fmt == "SPSS":
            frame, labels = _read_sav(path)
        else:
            frame = _read_parquet(str(path), fh, numbers)
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
    array = values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(array.ravel(), use_na_sentinel=True)
    parsed = [_number_or_invalid(u) for u in uniques]
    # one slot per distinct value, and a last one for code -1 (an empty cell)
    numbers = np.array([np.nan if p is None or p is _INVALID else p for p in parsed] + [np.nan])
    invalid = np.array([p is _INVALID for p in parsed] + [False], dtype=bool)
    return (
        _like(values, numbers[codes].reshape(array.shape)),
        _like(values, invalid[codes].reshape(array.shape)),
    )


def _like(values: _Frame, array: np.ndarray) -> _Frame:
    """``array`` as a frame (or series) with the index and columns (or name) of ``values``."""
    if isinstance(values, pd.DataFrame):
        return pd.DataFrame(array, index=values.index, columns=values.columns)
    return pd.Series(array, index=values.index, name=values.name)


# --------------------------------------------------------------------------- readers


def _read_csv(file: str, raw: bytes) -> pd.DataFrame:
    """Read a CSV file (its bytes ``raw``): detect the encoding and the delimiter, keep every
    cell as text."""
    text = _decode(raw, file)
    delimiter = _delimiter(text, file)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise DataError([Problem(file, f"CSV niet te lezen: {exc}", row=reader.line_num)]) from exc
    if not records or not any(cell.strip() for cell in records[0]):
        raise DataError([_no_header(file, None)])
    if _ESCAPED.search(text):
        mixed = bool(_NON_ASCII_TEXT.search(text))
        raise DataError([_undecodable(records, file, mixed)])
    header, body = records[0], records[1:]
    if len(body) > MAX_ROWS:
        raise DataError([_too_many_rows(file)])
    width = len(header)
    problems: list[Problem] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    mixed: list[tuple[int, str, list[str]]] = []  # rows with another delimiter than the header
    for number, record in enumerate(body, start=2):
        if not record or not any(cell.strip() for cell in record):
            continue  # blank line: a spreadsheet shows an empty row, so numbering still counts it
        if len(record) < width and len(record) <= 2 and width > 2:
            other = _other_delimiter(record, delimiter, width)
            if other:
                mixed.append((number, other, record))
                continue
        if len(record) > width:
            extra = record[width:]
            if any(cell.strip() for cell in extra):
                hint = " (een decimale komma zonder aanhalingstekens?)" if delimiter == "," else ""
                problems.append(
                    Problem(
                        file,
                        f"rij heeft {len(record)} velden, de kopregel {width}{hint}",
                        row=number,
                        value=delimiter.join(record),
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
    if mixed:
        # Usually two exports pasted together: one problem for all of those rows.
        number, other, record = mixed[0]
        also = [str(n) for n, _, _ in mixed[1:]]
        more = (
            f"; ook rij {', '.join(also[:10])}{', ...' if len(also) > 10 else ''}" if also else ""
        )
        problems.insert(
            0,
            Problem(
                file,
                f"rij gebruikt een ander scheidingsteken ({_DELIMITER_NAMES[other]}) dan de "
                f"kopregel ({_DELIMITER_NAMES[delimiter]}){more}",
                row=number,
                value=delimiter.join(record),
                expected="hetzelfde scheidingsteken in het hele bestand",
            ),
        )
    if problems:
        raise DataError(_capped(problems))
    return _frame(header, rows, numbers)


def _decode(raw: bytes, file: str) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM) or else Windows-1252.

    A file mixing both keeps its undecodable bytes as surrogates (``surrogateescape``), so
    the caller can name the cell they are in. UTF-16 and binary files are refused here.
    """
    for signature, kind in _BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise DataError(
                [
                    Problem(
                        file,
                        f"bestand is geen CSV-tekst maar lijkt {kind}",
                        expected="een bestandsextensie die bij de inhoud past",
                    )
                ]
            )
    head = raw[:4096]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 4:
        raise DataError(
            [
                Problem(
                    file,
                    "tekstcodering UTF-16 wordt niet ondersteund",
                    expected="UTF-8 of Windows-1252 (in Excel: opslaan als 'CSV UTF-8')",
                )
            ]
        )
    if raw.startswith(b"\xef\xbb\xbf"):  # the byte-order mark Excel writes before CSV UTF-8
        raw = raw[3:]
    text = raw.decode("utf-8", errors="surrogateescape")
    if not _ESCAPED.search(text) or _NON_ASCII_TEXT.search(text):
        # UTF-8; or valid UTF-8 next to bytes that are not: mixed, reported by the caller
        return text
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return text  # neither encoding: the caller names the cell with the unknown byte


def _undecodable(records: list[list[str]], file: str, mixed: bool) -> Problem:
    """The problem for the first cell holding a byte that is not UTF-8 (nor Windows-1252).

    ``mixed``: the rest of the file is valid UTF-8 with non-ASCII text, so this cell is
    Windows-1252 in a UTF-8 file; otherwise the byte is not Windows-1252 either.
    """
    header = records[0]
    for number, record in enumerate(records, start=1):
        for position, cell in enumerate(record):
            if not _ESCAPED.search(cell):
                continue
            raw = cell.encode("utf-8", "surrogateescape")
            column = None
            if number > 1 and position < len(header):
                column = header[position].strip() or None
            if mixed:
                return Problem(
                    file,
                    "tekstcodering gemengd: deze cel is Windows-1252, de rest van het "
                    "bestand UTF-8",
                    row=number,
                    column=column,
                    value=raw.decode("cp1252", "replace"),
                    expected="één tekstcodering in het hele bestand (bij voorkeur UTF-8)",
                )
            bad = next(b for b in raw if b >= 0x80 and bytes([b]).decode("cp1252", "ignore") == "")
            return Problem(
                file,
                f"tekstcodering niet herkend: byte 0x{bad:02X} is geen UTF-8 en geen Windows-1252",
                row=number,
                column=column,
                value=raw.decode("latin-1"),
                expected="UTF-8 of Windows-1252",
            )
    raise AssertionError("no undecodable byte in the records")  # pragma: no cover


def _delimiter(text: str, file: str) -> str:
    """The delimiter of the header line; refuses a title or blank line above the header."""
    lines = text.split("\n", 12)[:12]
    first = lines[0]
    # The header never holds a decimal comma, so the most frequent candidate there is the
    # delimiter; a one-column file has none and is read with the default comma.
    delimiter = max(_DELIMITERS, key=first.count)
    if first.count(delimiter):
        return delimiter
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if any(d in line for d in _DELIMITERS):
            # Row 1 has a single cell (or none) and a later row has several: that later row
            # is the header and row 1 a title, or row 1 is empty.
            if first.strip():
                raise DataError([_title_row(file, first.strip(), number, column=None)])
            raise DataError([_no_header(file, number)])
        break
    return ","


def _other_delimiter(record: list[str], delimiter: str, width: int) -> str | None:
    """The delimiter a too short row uses instead of the header's, if it is that."""
    line = delimiter.join(record)
    for other in _DELIMITERS:
        if other != delimiter and line.count(other) + 1 >= width:
            return other
    return None


def _title_row(file: str, title: str, header_row: int, column: str | None) -> Problem:
    return Problem(
        file,
        "titelregel boven de kopregel",
        row=1,
        column=column,
        value=title,
        expected=f"kolomnamen in rij 1 (de kopregel lijkt in rij {header_row} te staan; "
        "verwijder de regels erboven)",
    )


def _no_header(file: str, header_row: int | None) -> Problem:
    where = f" (de kopregel lijkt in rij {header_row} te staan)" if header_row else ""
    return Problem(file, "kopregel ontbreekt", row=1, expected=f"kolomnamen in rij 1{where}")


def _too_many_rows(file: str) -> Problem:
    return Problem(
        file,
        "bestand heeft te veel rijen",
        row=MAX_ROWS + 2,
        expected=f"hoogstens {MAX_ROWS:_} rijen per bestand".replace("_", "."),
    )


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most MAX_ROW_PROBLEMS row problems, then one line saying how many more."""
    if len(problems) <= MAX_ROW_PROBLEMS:
        return problems
    rest = problems[MAX_ROW_PROBLEMS:]
    shown = ", ".join(str(p.row) for p in rest[:10]) + (", ..." if len(rest) > 10 else "")
    summary = Problem(problems[0].file, f"nog {len(rest)} rij(en) met een probleem (rij {shown})")
    return problems[:MAX_ROW_PROBLEMS] + [summary]


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def _read_xlsx(file: str, fh: BinaryIO, size: int) -> pd.DataFrame:
    """Read the first worksheet of an Excel file; numbers become the text Excel shows.

    The archive is checked first (:func:`_check_xlsx`): openpyxl would otherwise unpack a
    zip bomb for minutes, or until memory runs out.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    _check_xlsx(file, fh, size)
    fh.seek(0)
    book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        # Some writers store a wrong sheet size; without this read-only mode would stop early.
        sheet.reset_dimensions()
        header: list[str] | None = None
        rows: list[list[str]] = []
        numbers: list[int] = []
        cells_read = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            # The declared size was checked; these catch a sheet that has more than it says.
            if number > MAX_ROWS + 1:
                raise DataError([_too_many_rows(file)])
            cells_read += len(values)
            if cells_read > MAX_CELLS:
                raise DataError([_sheet_too_big(file, None, number, len(values))])
            cells = [_cell_text(v) for v in values]
            if header is None:
                header = cells if number == 1 else []
                if number == 1:
                    continue
            if not any(cells):
                continue
            if not rows and sum(map(bool, header)) <= 1 and sum(map(bool, cells)) >= 2:
                # Row 1 holds one cell (or none) and the first filled row several: that row
                # is the header, and row 1 a title above it (or empty).
                title = next(((i, c) for i, c in enumerate(header) if c), None)
                if title is None:
                    raise DataError([_no_header(file, number)])
                column = get_column_letter(title[0] + 1)
                raise DataError([_title_row(file, title[1], number, column=column)])
            rows.append(cells)
            numbers.append(number)
            if len(rows) > MAX_ROWS:
                raise DataError([_too_many_rows(file)])
    finally:
        book.close()
    if header is None or not (any(header) or rows):
        raise DataError([Problem(file, "eerste werkblad is leeg")])
    if not any(header):
        raise DataError([_no_header(file, None)])
    # Formatted but empty cells can make rows longer or shorter than the header.
    width = max([len(header), *(len(r) for r in rows)])
    header = header + [""] * (width - len(header))
    rows = [r + [""] * (width - len(r)) for r in rows]
    return _frame(header, rows, numbers)


def _read_sav(path: Path) -> tuple[pd.DataFrame, ValueLabels]:
    """Read an SPSS file as codes, with its value labels keyed by integer code.

    A value the file declares missing (SPSS 'Missing Values', ``-99 "Niet gesteld"``) is an
    empty cell, and its label is left out of the value labels: it is no answer. A text
    variable holding labels instead of codes is translated back to codes through the file's
    own labels (case and spacing ignored), so both exports give the same table.
    """
    import pyreadstat

    data, meta = pyreadstat.read_sav(
        str(path), apply_value_formats=False, user_missing=True, row_limit=MAX_ROWS + 1
    )
    if len(data) > MAX_ROWS:
        raise DataError([_too_many_rows(str(path))])
    missing = _user_missing(meta)
    for column, declared in missing.items():
        if column in data.columns:
            data[column] = data[column].where(~_declared_missing(data[column], declared))
    labels: ValueLabels = {}
    for column, mapping in (meta.variable_value_labels or {}).items():
        codes: dict[int, str] = {}
        for code, label in mapping.items():
            number = _as_int(code)
            if number is not None and not _is_declared(code, missing.get(str(column), ())):
                codes[number] = str(label).strip()
        if codes:
            labels[str(column)] = codes
    frame = _from_typed(data)
    for column, codes in labels.items():
        if column in frame.columns and not pd.api.types.is_numeric_dtype(data[column]):
            # A text variable holding label text instead of codes: translate back to codes.
            back: dict[str, str] = {}
            for code, label in codes.items():
                back.setdefault(label_key(label), str(code))
            frame[column] = map_unique(
                frame[column],
                lambda v, b=back: b.get(label_key(v), v) if isinstance(v, str) else v,
            )
    return frame, labels


#: The values an SPSS file declares missing for one variable: (low, high) ranges, a single
#: value as a range of one.
_Declared = tuple[tuple[object, object], ...]


def _user_missing(meta: object) -> dict[str, _Declared]:
    """The user-missing values of every variable that declares any (``missing_ranges``,
    and ``missing_user_values`` for the formats that have those)."""
    out: dict[str, list[tuple[object, object]]] = {}
    for column, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        for declared in ranges or ():
            if isinstance(declared, Mapping) and "lo" in declared and "hi" in declared:
                out.setdefault(str(column), []).append((declared["lo"], declared["hi"]))
    for column, values in (getattr(meta, "missing_user_values", None) or {}).items():
        for value in values or ():
            out.setdefault(str(column), []).append((value, value))
    return {column: tuple(ranges) for column, ranges in out.items()}


def _is_declared(value: object, declared: _Declared) -> bool:
    """Whether one value (a code of a value label) falls in the declared missing values."""
    for low, high in declared:
        if isinstance(value, str) or isinstance(low, str):
            if str(value).strip() in (str(low).strip(), str(high).strip()):
                return True
            continue
        try:
            if float(low) <= float(value) <= float(high):
                return True
        except (TypeError, ValueError):
            continue
    return False


def _declared_missing(values: pd.Series, declared: _Declared) -> pd.Series:
    """Which cells of one typed SPSS column hold a value declared missing."""
    hit = pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        for low, high in declared:
            try:
                hit |= (numbers >= float(low)) & (numbers <= float(high))
            except (TypeError, ValueError):
                continue
        return hit
    texts = values.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    for low, high in declared:
        hit |= texts.isin([str(low).strip(), str(high).strip()])
    return hit


def _read_parquet(file: str, fh: BinaryIO, numbers: Mapping[str, bool]) -> pd.DataFrame:
    """Read a Parquet file, after checking its footer: the row count, the size of its column
    data once uncompressed, and the type of every column that must hold numbers."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(fh)
    meta = parquet.metadata
    if meta.num_rows > MAX_ROWS:
        raise DataError([_too_many_rows(file)])
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > MAX_UNPACKED_BYTES or meta.num_rows * meta.num_columns > MAX_CELLS:
        raise DataError(
            [
                Problem(
                    file,
                    f"Parquet-bestand is uitgepakt te groot ({_megabytes(unpacked)}, "
                    f"{meta.num_rows} rijen, {meta.num_columns} kolommen)",
                    expected=f"hoogstens {_megabytes(MAX_UNPACKED_BYTES)} uitgepakt en "
                    f"{thousands(MAX_CELLS)} cellen",
                )
            ]
        )
    problems = _type_problems(parquet.schema_arrow, file, numbers)
    if problems:
        raise DataError(problems)
    return _from_typed(parquet.read().to_pandas())


def _type_problems(schema, file: str, numbers: Mapping[str, bool]) -> list[Problem]:
    """One problem per column of ``numbers`` whose Arrow type holds no numbers (in the
    file's column order). Text is fine here: its cells are checked one by one later."""
    import pyarrow as pa

    problems: list[Problem] = []
    for field in schema:
        if field.name not in numbers:
            continue
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_decimal(kind)
            or pa.types.is_null(kind)
            or pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or (pa.types.is_boolean(kind) and numbers[field.name])
        ):
            continue
        if pa.types.is_boolean(kind):
            what = "waar/onwaar-waarden"
        elif pa.types.is_temporal(kind):
            what = "datums of tijden"
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            what = "binaire gegevens"
        else:
            what = "samengestelde waarden"
        problems.append(
            Problem(
                file,
                f"kolom bevat {what} (Parquet-type {kind}) in plaats van getallen",
                column=field.name,
                expected="getallen (de codes of cijfers uit het codeboek)"
                + ("; 1 of 0, of waar/onwaar" if numbers[field.name] else ""),
            )
        )
    return problems


def _check_xlsx(file: str, fh: BinaryIO, size: int) -> None:
    """Refuse an Excel file that would take minutes or gigabytes to read: a zip bomb (see
    :func:`_archive_problem`) or a first sheet that declares more rows or cells than allowed.

    Only the zip directory and the first bytes of a few parts are read. A file that is no
    zip archive is left to openpyxl, which says so.
    """
    entries = _zip_entries(fh)
    if entries is not None and entries > MAX_PARTS:
        raise DataError([_zip_bomb(file, f"het zip-archief heeft {thousands(entries)} onderdelen")])
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        problem = _archive_problem(file, archive.infolist(), size)
        if problem:
            raise DataError([problem])
        sheet = _first_sheet(archive)
        head = _head(archive, sheet) if sheet else ""
    found = _DIMENSION.search(head)
    if found:
        rows, columns = _dimension_size(found.group(1))
        if rows > MAX_ROWS + 1 or rows * columns > MAX_CELLS:
            raise DataError([_sheet_too_big(file, found.group(1), rows, columns)])


def _archive_problem(file: str, parts: list[zipfile.ZipInfo], size: int) -> Problem | None:
    """Why the parts of an Excel archive of ``size`` bytes are not unpacked, or None: they
    unpack to more than MAX_UNPACKED_BYTES together, one packs more than MAX_RATIO times,
    a part openpyxl keeps in memory whole is over MAX_PART_BYTES, or parts overlap."""
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        return Problem(
            file,
            f"Excel-bestand is uitgepakt te groot ({_megabytes(unpacked)})",
            value=f"{unpacked} bytes",
            expected=f"hoogstens {_megabytes(MAX_UNPACKED_BYTES)} uitgepakt; "
            "controleer of dit de juiste export is",
        )
    if sum(p.compress_size for p in parts) > size:
        return _zip_bomb(file, "onderdelen van het zip-archief overlappen")
    for part in parts:
        packed = max(part.compress_size, 1)
        if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * packed:
            return _zip_bomb(
                file, f"onderdeel {part.filename} pakt {part.file_size // packed} keer uit"
            )
        if part.file_size > MAX_PART_BYTES and not part.filename.startswith("xl/worksheets/"):
            return _zip_bomb(
                file, f"onderdeel {part.filename} is uitgepakt {_megabytes(part.file_size)}"
            )
    return None


def _head(archive: zipfile.ZipFile, name: str, size: int = 64 * 1024) -> str:
    """The first ``size`` bytes of the part ``name`` as text ("" when it cannot be read)."""
    try:
        with archive.open(name) as stream:
            return stream.read(size).decode("utf-8", errors="replace")
    except (KeyError, OSError, zipfile.BadZipFile, ValueError, EOFError):
        return ""


def _zip_entries(fh: BinaryIO) -> int | None:
    """The number of parts the zip archive in ``fh`` says it has, from its end record, so
    that a directory of millions of parts is not read (None when there is no end record)."""
    try:
        record = zipfile._EndRecData(fh)  # noqa: SLF001 - the stdlib's own end-record reader
    except (OSError, ValueError, struct.error, AttributeError):
        return None
    if not record:
        return None
    return int(record[zipfile._ECD_ENTRIES_TOTAL])  # noqa: SLF001


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The archive member of the first worksheet, as openpyxl finds it (workbook order)."""
    names = set(archive.namelist())
    workbook = _head(archive, "xl/workbook.xml", 1024 * 1024)
    rels = _head(archive, "xl/_rels/workbook.xml.rels", 1024 * 1024)
    first = _SHEET.search(workbook)
    if first:
        rel_id = _ATTRIBUTE_ID.search(first.group(0))
        for relation in _RELATION.finditer(rels):
            attributes = dict(_ATTRIBUTE.findall(relation.group(0)))
            if rel_id and attributes.get("Id") == rel_id.group(1):
                target = attributes.get("Target", "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                member = os.path.normpath(member).replace(os.sep, "/")
                if member in names:
                    return member
    return "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in names else None


def _dimension_size(ref: str) -> tuple[int, int]:
    """(last row, last column) of a sheet dimension such as ``A1:D120`` (or ``B3``)."""
    last = ref.split(":")[-1]
    letters = "".join(c for c in last if c.isalpha()).upper()
    digits = "".join(c for c in last if c.isdigit())
    column = 0
    for letter in letters:
        column = column * 26 + (ord(letter) - ord("A") + 1)
    return (int(digits) if digits else 1), max(column, 1)


def _sheet_too_big(file: str, ref: str | None, rows: int, columns: int) -> Problem:
    """The first sheet is over the limits: as its dimension ``ref`` declares (``rows`` by
    ``columns``), or, without ``ref``, found while reading up to row ``rows``."""
    if ref:
        size = (
            f"volgens zijn afmetingen {ref}: {thousands(rows)} rijen, {thousands(columns)} kolommen"
        )
    else:
        size = f"meer dan {thousands(MAX_CELLS)} cellen tot en met rij {thousands(rows)}"
    return Problem(
        file,
        f"eerste werkblad is te groot ({size})",
        row=None if ref else rows,
        value=ref,
        expected=f"hoogstens {thousands(MAX_ROWS)} rijen en {thousands(MAX_CELLS)} cellen",
    )


def _zip_bomb(file: str, what: str) -> Problem:
    return Problem(
        file,
        f"Excel-bestand wordt niet gelezen: {what} (een zipbom?)",
        expected=f"een gewone Excel-export (hoogstens {MAX_RATIO} keer ingepakt, "
        f"{_megabytes(MAX_UNPACKED_BYTES)} uitgepakt)",
    )


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
    problems += _garbled_text(frame, file)
    if problems:
        raise DataError(problems)
    # A nameless column with nothing in it is an artefact of a trailing delimiter: drop it.
    keep = [c for c in frame.columns if c != ""]
    return frame.loc[:, keep]


def _garbled_text(frame: pd.DataFrame, file: str) -> list[Problem]:
    """Report header names and cells whose text was garbled on its way here.

    Two things are caught: UTF-8 text that was read as Windows-1252 and saved again
    (``BÃ¨ta`` for ``Bèta``, ``ï»¿`` for a byte-order mark), and a byte-order mark inside
    the data (two exports pasted together). Neither can be meant, and both would otherwise
    reach a report or make an id silently differ from the same id elsewhere.
    """
    problems: list[Problem] = []
    for name in frame.columns:
        found = _garbled(name)
        if found:
            problems.append(
                Problem(file, found[0], row=1, column=name, value=name, expected=found[1])
            )
    if frame.empty:
        return problems
    # Most files hold no garbled text at all: test each distinct value once, and only look
    # for the cells when one is garbled.
    array = frame.to_numpy(dtype=object)
    codes, uniques = pd.factorize(array.ravel(), use_na_sentinel=True)
    found = {i: f for i, f in enumerate(map(_garbled, uniques)) if f is not None}
    if not found:
        return problems
    codes = codes.reshape(array.shape)
    rows, positions = np.nonzero(np.isin(codes, list(found)))
    for row, position in zip(rows, positions, strict=True):  # row-major: as a person reads
        message, expected = found[codes[row, position]]
        problems.append(
            Problem(
                file,
                message,
                row=int(frame.index[row]),
                column=str(frame.columns[position]),
                value=array[row, position],
                expected=expected,
            )
        )
    return _capped(problems)


def _garbled(value: object) -> tuple[str, str] | None:
    """(message, expected) when ``value`` holds garbled text, else None."""
    if not isinstance(value, str) or value.isascii():
        return None
    fixed = _unmojibake(value)
    if fixed is not None:
        if "\ufeff" in fixed:
            return (
                "byte-order mark die verkeerd is omgezet (ï»¿): het bestand is als "
                "Windows-1252 gelezen en als UTF-8 opgeslagen",
                fixed.replace("\ufeff", ""),
            )
        return (
            "tekst verminkt door een verkeerde tekstcodering: UTF-8 is als Windows-1252 "
            "gelezen en opnieuw opgeslagen",
            fixed,
        )
    if "\ufeff" in value:
        return (
            "onzichtbaar teken U+FEFF (byte-order mark) midden in het bestand; zijn hier "
            "twee exports aan elkaar geplakt?",
            value.replace("\ufeff", ""),
        )
    return None


def _unmojibake(text: str) -> str | None:
    """``text`` with UTF-8 read as Windows-1252 (or Latin-1) repaired; None when it has none."""
    found = False

    def repair(match: re.Match[str]) -> str:
        nonlocal found
        chunk = match.group()
        for n in range(len(chunk), 1, -1):
            for codec in ("cp1252", "latin-1"):
                try:
                    out = chunk[:n].encode(codec).decode("utf-8")
                except UnicodeError:
                    continue
                found = True
                return out + chunk[n:]
        return chunk

    fixed = _MOJIBAKE.sub(repair, text)
    return fixed if found else None


def _strip(values: pd.Series) -> pd.Series:
    """Strip whitespace and turn empty strings into None."""
    return map_unique(values, _stripped)


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


def map_unique(values: _Frame, fn: Callable[[object], object]) -> _Frame:
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
    "map_unique",
    "parse_number",
    "read_table",
    "read_table_with_labels",
    "to_numbers",
]
