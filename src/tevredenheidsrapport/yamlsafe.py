"""Reading files from outside safely: the one way this package reads a YAML file or value.

Every YAML document the package reads (``period.yaml``, a codebook, a settings file, a
``--set key=value``) comes through :func:`load_file` or :func:`load_text`, which add to
PyYAML's safe loader what it lacks:

- **only regular files**: a FIFO, a device such as ``/dev/zero``, a socket or a directory is
  refused before it is opened for reading (it would block or never end), and a symbolic link
  is refused unless the caller follows links on purpose (a settings file of the user's own);
- **a size cap before reading** (:data:`MAX_YAML_BYTES`): a settings file or codebook is a
  few kilobytes;
- **no alias bombs** ("billion laughs"): aliases (``*name``) may repeat what an anchor
  (``&name``) holds, but the document they expand to may have at most :data:`MAX_NODES`
  values, and an alias may not refer to the collection it stands in (a recursive document);
  nesting is limited to :data:`MAX_DEPTH` levels;
- **no duplicate keys**: the second ``key:`` in one mapping would silently replace the first,
  so it is refused with the line of both (:func:`check_duplicate_keys`, also used by the
  line-keeping loader of :mod:`codebook`).

Each refusal is a :class:`yaml.YAMLError` (:class:`UnsafeYamlError`) whose ``problem`` is a
Dutch sentence and whose ``problem_mark`` (when there is one) gives the line, so the
callers' existing handling of YAML errors names file and line without change.

:func:`open_regular` and :func:`read_regular` are the regular-file check itself, for any
file: :mod:`readers` opens every delivered table through them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

import yaml

#: Largest YAML file read (bytes). The largest codebook is about 13 kB.
MAX_YAML_BYTES = 1024 * 1024
#: Most values (scalars and collections, counted after expanding every alias) in a document.
#: A codebook has a few thousand.
MAX_NODES = 100_000
#: Deepest nesting of collections in a document; a codebook needs 6.
MAX_DEPTH = 64

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: faster
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class RefusedFile(Exception):
    """A path that is not read: not a regular file, a symbolic link, too big or unreadable.

    ``reason`` is a Dutch sentence without the file name (the caller names the file) and
    ``expected`` what would have been read."""

    def __init__(self, path: str | Path, reason: str, expected: str | None = None):
        self.path = str(path)
        self.reason = reason
        self.expected = expected
        super().__init__(f"{path}: {reason}")


class UnsafeYamlError(yaml.MarkedYAMLError):
    """A YAML file or value refused by this module; ``problem`` says why, in Dutch."""

    def __init__(self, problem: str, mark: yaml.Mark | None = None):
        super().__init__(problem=problem, problem_mark=mark)


# --------------------------------------------------------------------------- regular files

_REGULAR = "een gewoon bestand"
_FOLDER = "pad is een map, geen bestand"
_LINK = "symbolische koppeling, die niet gevolgd wordt"
_KINDS = (
    (stat.S_ISDIR, _FOLDER, "een bestand"),
    (stat.S_ISLNK, _LINK, "het bestand of de map zelf in plaats van een koppeling ernaar"),
    (stat.S_ISFIFO, "bestand is een named pipe (FIFO), geen gewoon bestand", _REGULAR),
    (
        stat.S_ISCHR,
        "bestand is een apparaatbestand (zoals /dev/zero), geen gewoon bestand",
        _REGULAR,
    ),
    (stat.S_ISBLK, "bestand is een blokapparaat, geen gewoon bestand", _REGULAR),
    (stat.S_ISSOCK, "bestand is een socket, geen gewoon bestand", _REGULAR),
)


def kind_problem(mode: int) -> tuple[str, str] | None:
    """(reason, expected) when a file of ``mode`` (from ``os.lstat`` or ``os.stat``) is not
    read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, reason, expected in _KINDS:
        if test(mode):
            return reason, expected
    return "bestand is geen gewoon bestand", _REGULAR


def os_error_reason(exc: OSError) -> str:
    """A Dutch reason for an error opening or reading a file."""
    known = {
        errno.ENOENT: "bestand bestaat niet",
        errno.EACCES: "geen leesrechten voor dit bestand",
        errno.EPERM: "geen leesrechten voor dit bestand",
        errno.EISDIR: _FOLDER,
        errno.ELOOP: _LINK,
        errno.ENOTDIR: "een deel van het pad is geen map",
    }
    return known.get(exc.errno, f"bestand niet te openen: {exc.strerror or exc}")


def open_regular(path: str | Path, *, follow_symlinks: bool = False) -> BinaryIO:
    """Open ``path`` for reading in binary mode if it is a regular file.

    Raises :class:`RefusedFile` for a symbolic link (unless ``follow_symlinks``), a
    directory, FIFO, device or socket, and when it cannot be opened. The file is checked
    before it is opened and again on the open descriptor, and opened without blocking, so
    a FIFO put in its place in between cannot make the open hang.
    """
    try:
        info = os.stat(path) if follow_symlinks else os.lstat(path)
    except OSError as exc:
        raise RefusedFile(path, os_error_reason(exc)) from exc
    refused = kind_problem(info.st_mode)
    if refused:
        raise RefusedFile(path, *refused)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise RefusedFile(path, os_error_reason(exc), _REGULAR) from exc
    try:
        refused = kind_problem(os.fstat(fd).st_mode)
        if refused:
            raise RefusedFile(path, *refused)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def thousands(number: int) -> str:
    """``1048576`` as ``"1.048.576"``, as a Dutch reader writes it."""
    return f"{number:_}".replace("_", ".")


def read_regular(path: str | Path, *, max_bytes: int, follow_symlinks: bool = False) -> bytes:
    """The contents of the regular file ``path``, at most ``max_bytes`` of them.

    Raises :class:`RefusedFile` as :func:`open_regular` does, and when the file is larger
    than ``max_bytes`` (checked before reading, and while reading for a file that grows).
    """
    with open_regular(path, follow_symlinks=follow_symlinks) as fh:
        size = os.fstat(fh.fileno()).st_size
        data = b"" if size > max_bytes else fh.read(max_bytes + 1)
    size = max(size, len(data))
    if size > max_bytes:
        raise RefusedFile(
            path,
            f"bestand is te groot om in te lezen ({thousands(size)} bytes)",
            f"hoogstens {thousands(max_bytes)} bytes",
        )
    return data


# --------------------------------------------------------------------------- YAML


class Loader(_Base):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (libyaml when available) that refuses duplicate keys."""


def check_duplicate_keys(loader: yaml.BaseLoader, node: yaml.MappingNode) -> None:
    """Raise a ConstructorError naming key and lines when ``node`` has a key twice.

    Keys brought in by a merge (``<<: *anchor``) may be overridden, as YAML allows; only
    keys written in the mapping itself count. Call before ``flatten_mapping``.
    """
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:
            continue  # an unhashable key: the constructor reports it
        line = key_node.start_mark.line + 1
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"sleutel {_shown(key)} komt twee keer voor (eerst op regel {first}, dan op "
                f"regel {line}); de tweede zou de eerste stilzwijgend vervangen",
                key_node.start_mark,
            )
        seen[key] = line


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode):
    check_duplicate_keys(loader, node)
    yield from yaml.constructor.SafeConstructor.construct_yaml_map(loader, node)


Loader.add_constructor(_MAP_TAG, _construct_map)


def _shown(key: object) -> str:
    text = repr(key) if isinstance(key, str) else f"'{key}'"
    return text if len(text) <= 60 else text[:57] + "...'"


def load_file(
    path: str | Path,
    loader: type = Loader,
    *,
    follow_symlinks: bool = False,
    max_bytes: int = MAX_YAML_BYTES,
) -> object:
    """The YAML document in the regular file ``path``, read with ``loader``.

    Raises :class:`yaml.YAMLError`: :class:`UnsafeYamlError` when the file is not a regular
    file (or is a symbolic link and ``follow_symlinks`` is false), is larger than
    ``max_bytes``, is not UTF-8 or expands beyond the budget (see the module); the loader's
    own errors (syntax, duplicate keys) otherwise.
    """
    try:
        raw = read_regular(path, max_bytes=max_bytes, follow_symlinks=follow_symlinks)
    except RefusedFile as exc:
        problem = exc.reason + (f"; verwacht: {exc.expected}" if exc.expected else "")
        raise UnsafeYamlError(problem) from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a byte-order mark, as some editors write
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n")
        mark = yaml.Mark(str(path), exc.start, line, 0, None, None)
        raise UnsafeYamlError(
            f"tekst is geen UTF-8 (byte 0x{raw[exc.start]:02X}); sla het bestand op als UTF-8",
            mark,
        ) from exc
    return load_text(text, loader, max_bytes=max_bytes)


def load_text(text: str, loader: type = Loader, *, max_bytes: int = MAX_YAML_BYTES) -> object:
    """The YAML document in ``text``, checked as :func:`load_file` checks a file."""
    if len(text) > max_bytes:
        raise UnsafeYamlError(
            f"tekst is te lang ({thousands(len(text))} tekens, hoogstens {thousands(max_bytes)})"
        )
    check_structure(text)
    return yaml.load(text, Loader=loader)


def check_structure(text: str) -> None:
    """Refuse a document whose aliases expand beyond :data:`MAX_NODES` values, whose alias
    refers to the collection it stands in, or that nests deeper than :data:`MAX_DEPTH`.

    Walks the parser's events once (no objects are built): every scalar and collection
    counts one, an alias as many as its anchor held. Syntax errors are left to the loader.
    """
    total = 0
    open_: list[tuple[str | None, int]] = []  # (anchor, total before) of open collections
    sizes: dict[str, int] = {}
    events = yaml.parse(text, Loader=_Base)
    try:
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                open_.append((event.anchor, total))
                total += 1
                if len(open_) > MAX_DEPTH:
                    raise UnsafeYamlError(
                        f"te diep genest (meer dan {MAX_DEPTH} niveaus)", event.start_mark
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, before = open_.pop()
                if anchor is not None:
                    sizes[anchor] = total - before
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in open_):
                    raise UnsafeYamlError(
                        f"alias *{event.anchor} verwijst naar de lijst of mapping waarin hij "
                        "zelf staat (een oneindig document)",
                        event.start_mark,
                    )
                total += sizes.get(event.anchor, 1)
            if total > MAX_NODES:
                raise UnsafeYamlError(
                    f"YAML-aliassen (*naam) breiden de inhoud uit tot meer dan "
                    f"{thousands(MAX_NODES)} waarden (een alias-bom); schrijf de waarden uit "
                    "of gebruik minder aliassen",
                    event.start_mark,
                )
    except yaml.YAMLError as exc:
        if isinstance(exc, UnsafeYamlError):
            raise
        return  # a syntax error: the loader reports it, with its line


def describe(exc: yaml.YAMLError) -> tuple[str, int | None]:
    """(reason, line) of a YAML error: the reason without PyYAML's excerpt of the text."""
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None)
    if not reason:
        lines = str(exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
    return str(reason), (mark.line + 1 if mark is not None else None)


__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_YAML_BYTES",
    "Loader",
    "RefusedFile",
    "UnsafeYamlError",
    "check_duplicate_keys",
    "check_structure",
    "describe",
    "load_file",
    "load_text",
    "open_regular",
    "read_regular",
]
