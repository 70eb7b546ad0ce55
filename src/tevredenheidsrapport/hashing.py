"""Content hashes and stamps for incremental rendering, like Quarto's freeze.

A report is *fresh* when the digest of everything it depends on equals the digest in its
stamp and its outputs are still on disk as they were written. It depends on the files of
its measurement period and the codebooks they name (the benchmark spans all providers, so
any change to the data touches every report), the settings, the template, the package's
own code and the versions of the libraries that draw and typeset it, and the formats.

Digests are of file contents, never of modification times, so touching or copying the data
does not cause a re-render. Hashing is done once per batch (a few milliseconds per
megabyte); checking a provider is one small JSON read and a ``stat`` per output, so a
batch where nothing changed finishes without loading any data.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from . import yamlsafe
from .config import PACKAGE_DIR
from .fsutil import atomic_write

#: Libraries whose version changes what a report looks like.
DISTRIBUTIONS = (
    "matplotlib",
    "seaborn",
    "pandas",
    "numpy",
    "pyarrow",
    "scipy",
    "papermill",
    "nbformat",
    "pypandoc-binary",
    "typst",
    "PyYAML",
)
PERIOD_FILE = "period.yaml"
#: Bump when the stamp's meaning changes, so old stamps no longer match.
STAMP_VERSION = 1


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's contents (hex)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """One digest over the names (relative to ``root``) and contents of ``paths``.

    Order does not matter; a file that cannot be read contributes its error, so a missing
    file changes the digest instead of raising (loading the data reports it properly).
    """
    h = hashlib.sha256()
    entries = sorted({(_relative(p, root), Path(p)) for p in paths})
    for name, path in entries:
        try:
            mode = os.stat(path).st_mode
            # A FIFO would block and /dev/zero never end; loading the data refuses them.
            content = file_digest(path) if stat.S_ISREG(mode) else f"not-a-file:{mode:o}"
        except OSError as exc:
            content = f"unreadable:{type(exc).__name__}"
        h.update(f"{name}\0{content}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def combine(*parts: object) -> str:
    """A digest of JSON-serialisable ``parts`` (order matters)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes (absolute when elsewhere)."""
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def _walk(directory: Path) -> list[Path]:
    """Every regular file under ``directory``, skipping hidden entries and caches."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        found.extend(
            Path(dirpath) / f for f in filenames if not f.startswith(".") and not f.endswith(".pyc")
        )
    return found


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class PeriodInputs:
    """A period folder as far as freshness goes: its id (None when unreadable) and digest."""

    path: Path
    id: str | None
    digest: str


def scan_period(directory: str | Path, *, previous: bool = True) -> PeriodInputs:
    """Hash every file a period's reports read: the period folder and the codebooks it names,
    and (``previous``) those of the previous measurement, which its reports compare with.

    ``period.yaml`` is read leniently (every value as text); whatever it does not say is
    simply not hashed, and loading the data will report it.
    """
    directory = Path(directory).resolve()
    files = _walk(directory)
    period_id = None
    try:
        # Regular file, size cap, no alias bombs (yamlsafe); loading the data says what is wrong.
        raw = yamlsafe.load_file(directory / PERIOD_FILE, yaml.BaseLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raw = None
    if isinstance(raw, Mapping):
        if isinstance(raw.get("period"), str) and raw["period"]:
            period_id = raw["period"]
        # files named by period.yaml may live outside the period folder
        for key in ("providers", "sample"):
            if isinstance(raw.get(key), str) and raw[key]:
                files.append(directory / raw[key])
        questionnaires = raw.get("questionnaires")
        books: set[str] = set()
        if isinstance(questionnaires, Mapping):
            for spec in questionnaires.values():
                if isinstance(spec, Mapping):
                    if isinstance(spec.get("responses"), str):
                        files.append(directory / spec["responses"])
                    if isinstance(spec.get("codebook"), str):
                        books.add(spec["codebook"])
        if isinstance(raw.get("codebooks"), str) and raw["codebooks"]:
            book_dir = directory / raw["codebooks"]
            if books:
                files.extend(book_dir / f"{b}.yaml" for b in books)
            elif book_dir.is_dir():
                files.extend(book_dir.glob("*.yaml"))
    normalized = [Path(os.path.normpath(p)) for p in files]
    digest = files_digest(normalized, directory)
    before = _previous_dir(directory, raw) if previous and isinstance(raw, Mapping) else None
    if before is not None:
        digest = combine(digest, scan_period(before, previous=False).digest)
    return PeriodInputs(directory, period_id, digest)


def _previous_dir(directory: Path, raw: Mapping) -> Path | None:
    """The previous measurement's folder as :func:`.dataset.previous_period_dir` finds it,
    read leniently (dates as ISO text, which sort as dates)."""
    if "previous" in raw:
        name = raw["previous"]
        if not isinstance(name, str) or name in ("", "~", "null", "Null", "NULL", "false"):
            return None
        return directory.parent / name if (directory.parent / name).is_dir() else None
    start = raw.get("start")
    if not isinstance(start, str):
        return None
    best: tuple[str, Path] | None = None
    for folder in sorted(directory.parent.iterdir()):
        if folder == directory or folder.is_symlink() or not folder.is_dir():
            continue
        try:
            other = yamlsafe.load_file(folder / PERIOD_FILE, yaml.BaseLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        end = other.get("end") if isinstance(other, Mapping) else None
        if isinstance(end, str) and end < start and (best is None or end > best[0]):
            best = (end, folder)
    return None if best is None else best[1]


# --------------------------------------------------------------------------- code


def package_digest() -> str:
    """Digest of the package (code and resources), the library versions and Python's."""
    versions = {}
    for name in DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    package = files_digest(_walk(PACKAGE_DIR), PACKAGE_DIR)
    return combine(STAMP_VERSION, package, versions, sys.version_info[:2])


def code_digest(template: str | Path) -> str:
    """Digest of the package (:func:`package_digest`) and the template."""
    return combine(package_digest(), file_digest(Path(template).resolve()))


# --------------------------------------------------------------------------- stamps


def stamp_path(out_dir: Path, name: str) -> Path:
    """Where the stamp of the report ``name`` lives: ``<out_dir>/.stamps/<name>.json``."""
    return Path(out_dir) / ".stamps" / f"{name}.json"


def _signature(path: Path) -> list[int] | None:
    """Size and modification time of an output, or None when it is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def write_stamp(
    out_dir: Path, name: str, key: str, outputs: Mapping[str, str | Path], **info
) -> Path:
    """Record that the outputs of ``name`` in ``out_dir`` were made from inputs ``key``.

    Written atomically, after the outputs: a render interrupted before this point is
    simply redone next time.
    """
    files = {}
    for kind, path in outputs.items():
        path = Path(path)
        files[kind] = {"file": path.name, "signature": _signature(path)}
    stamp = {"version": STAMP_VERSION, "key": key, "outputs": files, **info}
    return atomic_write(
        stamp_path(out_dir, name), json.dumps(stamp, ensure_ascii=False, indent=1) + "\n"
    )


def is_fresh(out_dir: Path, name: str, key: str, formats: Sequence[str] = ()) -> bool:
    """Whether the stamp of ``name`` says ``key`` and every output (and format) is unchanged."""
    try:
        stamp = json.loads(stamp_path(out_dir, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if (
        not isinstance(stamp, dict)
        or stamp.get("key") != key
        or stamp.get("version") != STAMP_VERSION
    ):
        return False
    outputs = stamp.get("outputs") or {}
    if any(f not in outputs for f in formats):
        return False
    for entry in outputs.values():
        sig = _signature(Path(out_dir) / entry["file"])
        if sig is None or sig != entry["signature"]:
            return False
    return True
