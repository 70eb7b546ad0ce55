"""The loaded and aggregated period, kept in the work folder between renders.

One report needs the whole period: the benchmark spans every provider, and it may only hold
answers that their own reports show, so one ``tevreden render`` reads and validates all the
data and decides the privacy of every provider before it draws anything (about 1,8
core-seconds of a render at 500 providers). A researcher renders one report, reads it,
changes the template and renders again, or renders the next provider: the period did not
change.

So a render (and a batch) keeps the :class:`.survey.Survey` it computed in
``<work>/<period>/.periode.pickle`` (a provider's work folder beside it never starts
with a dot: :func:`.fsutil.safe_name`), with a key of everything the survey depends on: the
contents of every data file and codebook of the period and its previous measurement
(:func:`.hashing.scan_period`), where the period lives, the settings, and the package's code
with the versions of the libraries it runs on (:func:`.hashing.package_digest`). The next
render with the same key loads the survey from there (some hundredths of a second); any
change to any of these makes a new key, and the period is read again (and kept instead:
one store per period, of the last settings). Like Quarto's
``_freeze``, the store is a cache: removing it (or the work folder) costs only time.

The file holds the period's answers, so it is written for its owner only (0600), in the
work folder, which :func:`.fsutil.check_folders` keeps out of the delivery. It is a Python
pickle: whoever can write the work folder can change what a report shows anyway (its
figures and markdown are made there), but loading a pickle runs what it says, so the store
is read only from a work folder this user owns and a file no one else can write.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, BinaryIO

from . import hashing
from .config import Settings
from .fsutil import atomic_write, remove_partials, safe_name

if TYPE_CHECKING:  # the survey (pandas, scipy) is imported when a store is read or made
    from .survey import Survey

#: Bump when what the store holds changes meaning, so older stores no longer match.
STORE_VERSION = 1
FILE_NAME = ".periode.pickle"
#: The first line of a store: this magic and the key, so a store of other inputs is
#: recognised without unpickling anything of it.
MAGIC = b"tevreden-periode "


def store_path(work_root: str | Path, data: str | Path) -> Path:
    """Where the store of the period at ``data`` lives under ``work_root``."""
    return Path(work_root).resolve() / safe_name(Path(data).resolve().name) / FILE_NAME


def store_key(data: str | Path, settings: Settings, digest: str | None = None) -> str:
    """Everything a loaded survey depends on, as one digest (see the module's text);
    ``digest`` is the period's :func:`.hashing.scan_period` digest when already known."""
    data = Path(data).resolve()
    return hashing.combine(
        STORE_VERSION,
        digest if digest is not None else hashing.scan_period(data).digest,
        str(data),
        settings.fingerprint(),
        hashing.package_digest(),
        sys.version_info[:3],
    )


def _frozen(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


def _reduce_frozen(proxy: MappingProxyType):
    return _frozen, (dict(proxy),)


def dump(value: object, file: BinaryIO) -> None:
    """Pickle ``value`` (a survey, or what holds one) into ``file``.

    The dataset's frozen mappings (``MappingProxyType``, which pickle does not know) are
    written as the dicts they wrap, with a dispatch table of this pickler only."""
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table[MappingProxyType] = _reduce_frozen
    pickler.dispatch_table = table
    pickler.dump(value)


def dumps(survey: Survey, key: str) -> bytes:
    """The store's bytes: the magic with ``key`` on the first line, then the survey
    (:func:`dump`)."""
    buffer = io.BytesIO()
    buffer.write(MAGIC + key.encode("ascii") + b"\n")
    dump(survey, buffer)
    return buffer.getvalue()


def loads(blob: bytes, key: str) -> Survey | None:
    """The survey of a store made with ``key``; None when the store has another key."""
    header, _, body = blob.partition(b"\n")
    if header != MAGIC + key.encode("ascii"):
        return None
    from .survey import Survey

    survey = pickle.loads(body)
    return survey if isinstance(survey, Survey) else None


def _owned_by_me(path: Path) -> bool:
    """Whether ``path`` is a regular file of this user that no one else may write, in a
    folder of this user (a store planted by someone else is never unpickled)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: the folder's ACL decides
        return path.is_file()
    try:
        st, folder = path.lstat(), path.parent.lstat()
    except OSError:
        return False
    me = os.getuid()
    return (
        stat.S_ISREG(st.st_mode)
        and st.st_uid == me
        and folder.st_uid == me
        and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


@dataclass(frozen=True)
class Store:
    """The store of one period with one set of settings: where it lives and its key."""

    path: Path
    key: str

    @classmethod
    def of(
        cls,
        data: str | Path,
        settings: Settings,
        work_root: str | Path,
        digest: str | None = None,
    ) -> Store:
        return cls(store_path(work_root, data), store_key(data, settings, digest))

    def load(self) -> Survey | None:
        """The survey kept for this key, or None (no store, another key, not ours,
        unreadable, or written by code that no longer reads it: then it is rebuilt)."""
        if not _owned_by_me(self.path):
            return None
        try:
            return loads(self.path.read_bytes(), self.key)
        except Exception:  # a store is a cache: whatever is wrong with it, read the data again
            return None

    def holds_own_key(self) -> bool:
        """Whether the store exists, is ours and was made for this key (its first line is
        read, nothing is unpickled)."""
        if not _owned_by_me(self.path):
            return False
        expected = MAGIC + self.key.encode("ascii") + b"\n"
        try:
            with open(self.path, "rb") as fh:
                return fh.read(len(expected)) == expected
        except OSError:
            return False

    def save(self, survey: Survey) -> None:
        """Keep ``survey``, with every shared aggregate computed (:meth:`.Survey.precompute`),
        atomically and for its owner only. A store that cannot be written (a full disk, a
        read-only work folder) costs the next render time, nothing else."""
        try:
            blob = dumps(survey.precompute(), self.key)
            remove_partials(self.path.parent, (f"{self.path.name}.*.part",))  # a killed save
            atomic_write(self.path, blob, private=True)
        except (OSError, pickle.PicklingError):
            pass


def load_kept(data: str | Path, settings: Settings, work_root: str | Path) -> Survey:
    """The survey of the period at ``data`` with ``settings``, aggregated: from its store
    under ``work_root`` when that was made from the same inputs, else read, validated and
    then kept there. Raises DataError for invalid data (nothing is kept then)."""
    from .survey import load_survey

    store = Store.of(data, settings, work_root)
    survey = store.load()
    if survey is None:
        survey = load_survey(data, settings)
        store.save(survey)
    return survey.precompute()
