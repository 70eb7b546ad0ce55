"""Atomic file writes, safe output names, and the folders a run writes into.

A reader (a person, a web server, the next batch run) never sees a half-written report:
every output is written to a temporary file in the same directory and renamed into place,
and the files of one report are replaced together or not at all (:func:`atomic_write_all`).
Before any work, the output and work folders are checked (:func:`check_folders`): never
inside the delivery, and writable. A work folder is used by one run at a time
(:func:`locked`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import OutputPathError, os_error_reason

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: a work folder is then not locked
    fcntl = None

# user-facing messages (Dutch), kept together
OUT_FOLDER, WORK_FOLDER = "uitvoermap (--out)", "werkmap (--work)"
MSG_IN_DATA = (
    "{what} {path} ligt in de datamap {data}: zo komen rapporten en tussenbestanden in de "
    "levering terecht, en verandert iedere run de invoer van de volgende. Kies een map "
    "buiten {data}; er is niets gerenderd"
)
MSG_UNWRITABLE = "{what} {path} is niet te gebruiken: {reason}; er is niets gerenderd"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


def _write_payload(fd: int, payload: bytes) -> None:
    """Write ``payload`` to the open file ``fd`` and flush it to disk; closes ``fd``."""
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())


def _with_path(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path`` (a failed write to an open file names no file)."""
    if exc.errno is None or exc.filename is not None:
        return exc
    return OSError(exc.errno, exc.strerror, str(path))


def _stage(path: Path, payload: bytes, *, private: bool = False) -> str:
    """Write ``payload`` to a temporary file next to ``path``; returns the temporary's path.
    ``private`` keeps it readable by its owner only."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        try:
            if not private:  # mkstemp makes 0600; reports are meant to be read
                os.chmod(tmp, 0o666 & ~_UMASK)
        except BaseException:
            os.close(fd)
            raise
        _write_payload(fd, payload)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _with_path(exc, path) from exc
        raise
    return tmp


def _replace(tmp: str, path: Path) -> None:
    """Move the written temporary ``tmp`` onto ``path``; an OSError names ``path``."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def _mkdirs(folder: Path) -> None:
    """Create ``folder`` and its parents; a file in the way is named as such (ENOTDIR)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), exc.filename) from exc


def _make_parents(path: Path) -> list[Path]:
    """Create the missing folders above ``path``; returns those created, deepest first."""
    missing = []
    parent = path.parent
    while not os.path.lexists(parent):
        missing.append(parent)
        parent = parent.parent
    _mkdirs(path.parent)
    return missing


def atomic_write(path: str | Path, data: bytes | str, *, private: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename); returns the path.

    A failed write leaves the old file as it was and no temporary file; its OSError names
    ``path``. ``private`` makes the file readable and writable by its owner only (0600)."""
    path = Path(path)
    _mkdirs(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = _stage(path, payload, private=private)
    try:
        _replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_all(files: Mapping[Path, bytes | str]) -> list[Path]:
    """Write several files so that either all of them are replaced or none is.

    Every file is first written in full to a temporary name beside it; only when all of
    them are on disk are they renamed into place. When one fails (a full disk, a file size
    limit), the temporaries and any folder this call created are removed and the old files
    stay as they were. Returns the paths in the order given.
    """
    created: list[Path] = []
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            created += _make_parents(path)
            payload = data.encode("utf-8") if isinstance(data, str) else data
            staged.append((_stage(path, payload), path))
        for tmp, path in staged:
            _replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        for folder in created:  # deepest first; only when still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [Path(p) for p in files]


def safe_name(identifier: str) -> str:
    """A file name for ``identifier`` that stays inside its directory and is unique.

    Path separators, ``..``, NUL bytes and reserved device names cannot survive; when the
    identifier had to be changed, a short hash of the original keeps two different ids
    from ever sharing a file.
    """
    text = unicodedata.normalize("NFKD", str(identifier)).encode("ascii", "ignore").decode()
    slug = _UNSAFE.sub("-", text).strip(".-_")[:80] or "x"
    if slug.lower().split(".")[0] in _RESERVED:
        slug = f"_{slug}"
    if slug != identifier:
        digest = hashlib.sha256(str(identifier).encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"{slug}-{digest}"
    return slug


def remove_partials(
    directory: Path, patterns: tuple[str, ...] = (".*.part",), *, recursive: bool = False
) -> list[Path]:
    """Delete the temporary files that an interrupted write left in ``directory`` (a batch or
    a render killed mid-write): :func:`atomic_write`'s ``.*.part`` by default; with
    ``recursive`` in its subfolders too. Returns what was removed."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = set()
    for pattern in patterns:
        found.update(directory.rglob(pattern) if recursive else directory.glob(pattern))
    removed = []
    for tmp in sorted(found):
        if tmp.is_file() or tmp.is_symlink():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def is_within(path: str | Path, folder: str | Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both resolved, symlinks followed)."""
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path == folder or folder in path.parents


def unwritable_reason(directory: str | Path) -> str | None:
    """Why no file can be written into ``directory`` (created as needed), or None.

    Nothing stays behind: the nearest folder that exists is probed with a temporary file
    that is removed at once (a permission test alone would not see a read-only mount, and
    is always true for root). Folders that do not exist yet are not created.
    """
    directory = Path(directory).absolute()
    probe = directory
    while not os.path.lexists(probe):
        probe = probe.parent
    if not probe.exists():
        return f"{probe} is een symbolische koppeling naar iets dat niet bestaat"
    if not probe.is_dir():
        return f"{probe} is een bestand, geen map"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tevreden-probe.", suffix=".part", dir=probe)
    except OSError as exc:
        return f"{probe}: {os_error_reason(exc)}"
    os.close(fd)
    os.unlink(tmp)
    return None


#: The lock file of a work folder (see :func:`locked`).
LOCK_FILE = ".lock"


#: ``flock`` errors of a file system that has no locks (some network mounts): go on unlocked.
_NO_LOCKS = frozenset({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL})


@contextlib.contextmanager
def locked(directory: str | Path, *, on_wait=None) -> Iterator[Path]:
    """Hold an exclusive lock on ``directory`` (created as needed) for the ``with`` block.

    A second process (or thread) that asks for the same folder waits until the first is
    done; ``on_wait(directory)`` is called once when it has to wait. The lock is the
    operating system's (``flock`` on ``directory/.lock``), so it is released when its holder
    dies, however. On a file system without locks the block runs unlocked.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield directory
        return
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in _NO_LOCKS:
                pass
            elif exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            else:
                if on_wait is not None:
                    on_wait(directory)
                fcntl.flock(fd, fcntl.LOCK_EX)
        yield directory
    finally:
        os.close(fd)  # closing releases the lock


def check_folders(
    data: str | Path, out_dir: str | Path, work_dir: str | Path | None = None
) -> None:
    """Refuse an output or work folder in the delivery ``data``, or one that cannot be
    written (a file, no permission, a read-only disk): OutputPathError naming the folder,
    before any work. Creates nothing."""
    for what, folder in ((OUT_FOLDER, out_dir), (WORK_FOLDER, work_dir)):
        if folder is None:
            continue
        if is_within(folder, data):
            raise OutputPathError(MSG_IN_DATA.format(what=what, path=folder, data=data))
        reason = unwritable_reason(folder)
        if reason:
            raise OutputPathError(MSG_UNWRITABLE.format(what=what, path=folder, reason=reason))
