"""Typed errors that carry context: which file, row, column and value, and which provider."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class Problem:
    """One problem found in a delivery: where it is and what was expected.

    ``row`` is the 1-based line number a spreadsheet user sees (the header is row 1).
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object = None
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", rij {self.row}"
        if self.column:
            where += f", kolom '{self.column}'"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (waarde: {self.value!r})"
        if self.expected:
            text += f"; verwacht: {self.expected}"
        return text


class TevredenError(Exception):
    """Base class of the errors this package raises on purpose."""


class DataError(TevredenError):
    """The data does not meet the contract; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = ("1 probleem" if n == 1 else f"{n} problemen") + " in de aangeleverde data"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class CodebookError(DataError):
    """A codebook is malformed (unknown item type, routing to a missing item, ...)."""


class ConfigError(TevredenError):
    """A parameter file is malformed or names an unknown option."""


class OutputPathError(ConfigError):
    """An output or work folder that must not or cannot be written: inside the delivery, a
    file instead of a folder, or without write permission. Raised before any work is done."""


class UnknownProviderError(ConfigError, KeyError):
    """Provider ids that the period's providers file does not list: the one error for an
    unknown provider, from a single render and from a batch's selection alike.

    A KeyError too, so that a lookup by id fails as a mapping's would; its text is the
    message itself (KeyError would quote it)."""

    def __init__(self, providers: str | list[str], period: str | None, known: list[str]):
        self.providers = [providers] if isinstance(providers, str) else list(providers)
        example = ", ".join(known[:8])
        if len(self.providers) == 1 and period is not None:
            what = f"onbekende dienstverlener {self.providers[0]!r} in periode {period}"
        else:
            what = f"onbekende dienstverlener(s) {', '.join(self.providers)}"
        super().__init__(f"{what}; bijvoorbeeld: {example}")

    @property
    def provider(self) -> str:
        return self.providers[0]

    def __str__(self) -> str:
        return str(self.args[0])


class RenderError(TevredenError):
    """Rendering one provider's report failed; carries the provider and the failing step."""

    def __init__(self, provider: str, step: str, cause: BaseException | str):
        self.provider = provider
        self.step = step
        self.cause = cause
        text = os_error_text(cause) if isinstance(cause, OSError) else cause
        super().__init__(f"rapport voor '{provider}' mislukt bij stap '{step}': {text}")


#: Why the operating system refused, in the words a user reads (by ``errno``).
_OS_REASONS = MappingProxyType(
    {
        errno.ENOSPC: "de schijf is vol",
        errno.EDQUOT: "het schijfquotum is op",
        errno.EFBIG: "het bestand wordt groter dan de bestandslimiet toestaat (ulimit -f)",
        errno.EACCES: "geen toegang: schrijf- of leesrechten ontbreken",
        errno.EPERM: "geen toestemming van het besturingssysteem",
        errno.EROFS: "het bestandssysteem is alleen-lezen",
        errno.ENOTDIR: "een deel van het pad is een bestand, geen map",
        errno.EISDIR: "dit is een map, geen bestand",
        errno.ENOENT: "bestaat niet",
        errno.EEXIST: "bestaat al",
        errno.ENAMETOOLONG: "de naam is te lang",
        errno.EMFILE: "te veel open bestanden",
        errno.ENFILE: "te veel open bestanden",
        errno.EIO: "lees- of schrijffout van de schijf",
        errno.ELOOP: "te veel symbolische koppelingen na elkaar",
    }
)


def os_error_reason(exc: OSError) -> str:
    """Why ``exc`` happened, in Dutch (the system's own text when we have none)."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc) or type(exc).__name__


def os_error_text(exc: OSError, where: str | Path | None = None) -> str:
    """One Dutch line about a failed file operation: the path and the reason.

    ``where`` (a folder) is named when the error itself carries no path (a write to an open
    file, for example). An error we raised with our own Dutch message is returned as it is.
    """
    if exc.errno is None and exc.args and isinstance(exc.args[0], str):
        return exc.args[0]  # our own message, e.g. FileNotFoundError("geen meetperiode ...")
    path = exc.filename if exc.filename is not None else where
    reason = os_error_reason(exc)
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    return f"{path}: {reason}" if path is not None else reason
