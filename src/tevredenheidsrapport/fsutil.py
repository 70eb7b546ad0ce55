"""Atomic file writes and safe output names.

A reader (a person, a web server, the next batch run) never sees a half-written report:
every output is written to a temporary file in the same directory and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

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


def atomic_write(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; reports are meant to be read
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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


def remove_partials(directory: Path) -> list[Path]:
    """Delete the temporary files that an interrupted :func:`atomic_write` left in
    ``directory`` (a batch killed mid-write); returns what was removed."""
    removed = []
    for tmp in sorted(Path(directory).glob(".*.part")) if Path(directory).is_dir() else ():
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    return removed
