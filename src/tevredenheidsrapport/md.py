"""Markdown fragments: escaping data into Pandoc markdown, and the object cells return.

Everything that comes from data (provider names, item texts, answer labels) passes through
:func:`escape` before it meets the narrative, so that markup in a name is shown literally in
HTML and PDF alike and can never become HTML, a link, a Typst command or a heading.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from .labels import IMAGE_PATH_HIDDEN

# Every ASCII punctuation character may be backslash-escaped in Pandoc markdown; escaping all
# of them is simpler and safer than deciding which are special where.
_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~^$@&%\"'=:;,/?])")
#: Ordinary whitespace, allowed in a text where a line break makes sense (item texts).
WHITESPACE = "\t\n\r"
# Unicode categories a report cannot show as they are stored: control characters (Cc: a NUL
# cannot be passed to pandoc, an ESC makes a figure's SVG unreadable), format characters
# (Cf: invisible, among them the bidi embeddings, overrides, isolates and marks, which make
# text display in another order than it is stored) and the line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Format characters that scripts and emoji need to display correctly: ZWNJ and ZWJ.
_JOINERS = frozenset("\u200c\u200d")
# A Pandoc identifier (``#fig-...``), an HTML id and a Typst label alike.
_IDENT = re.compile(r"[A-Za-z0-9_-]{1,80}")
# A link destination that Pandoc reads as it stands; anything else goes inside <...>.
_PLAIN_TARGET = re.compile(r"[A-Za-z0-9._/~+-]+")


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES and ch not in _JOINERS


def hidden_characters(text: str, allowed: str = "") -> list[str]:
    """The characters of ``text`` that a report cannot show as they are stored (control and
    format characters, bidi controls, line separators), except those in ``allowed``.

    The one rule for names and texts that come from data: the checks refuse what this finds
    (provider names with ``allowed=""``, codebook texts with :data:`WHITESPACE`), and the
    escaping functions below drop it, in case a text got past the checks."""
    if text.isprintable():  # fast path: no control, format or separator character at all
        return []
    return [ch for ch in text if ch not in allowed and _hidden(ch)]


def visible(text: str, allowed: str = "") -> str:
    """``text`` with its hidden characters written as code points (``<U+001B>``)."""
    if not hidden_characters(text, allowed):
        return text
    return "".join(f"<U+{ord(ch):04X}>" if ch not in allowed and _hidden(ch) else ch for ch in text)


def printable(text: object) -> str:
    """``text`` without its hidden characters (ordinary whitespace stays)."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(ch for ch in s if ch in WHITESPACE or not _hidden(ch))


def escape(text: object) -> str:
    """Return ``text`` as literal Pandoc markdown inline text (one line)."""
    s = " ".join(printable(text).split())  # newlines would start new blocks
    s = unicodedata.normalize("NFC", s)
    return _PUNCT.sub(r"\\\1", s)


def attr(value: object) -> str:
    """Return ``value`` safe for a double-quoted Pandoc attribute value."""
    return " ".join(printable(value).split()).replace("\\", "\\\\").replace('"', '\\"')


def ident(value: object) -> str:
    """``value`` as a Pandoc identifier (an HTML id, a Typst label): unchanged when it is
    letters, digits, '-' and '_' only (at most 80), else a slug of those characters plus a
    short hash of the original, so that two values never share an id. Nothing in it can end
    the attribute block or start markup."""
    text = str(value)
    if _IDENT.fullmatch(text):
        return text
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_).strip("-_")[:60] or "x"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug}-{digest}"


def link_target(path: str) -> str:
    """``path`` as the destination of a Pandoc link or image: as it stands when it is plain,
    else inside ``<...>`` with the characters that could end it escaped. Raises ValueError
    for a path with a line break or another hidden character, which no destination can hold."""
    if _PLAIN_TARGET.fullmatch(path) and not path.startswith("<"):
        return path
    if hidden_characters(path):
        raise ValueError(IMAGE_PATH_HIDDEN.format(path=path))
    return "<" + re.sub(r"([\\<>])", r"\\\1", path) + ">"


class Md(str):
    """A fragment of Pandoc markdown.

    Returned by report functions; shown as rendered markdown in Jupyter and passed raw to
    the document by Quarto (``output: asis``) and by our own engine.
    """

    __slots__ = ()

    def _repr_markdown_(self) -> str:
        return str(self)

    def __add__(self, other: str) -> Md:
        return Md(str(self) + "\n\n" + str(other))

    @staticmethod
    def join(parts) -> Md:
        """Join fragments as separate blocks, skipping empty ones."""
        return Md("\n\n".join(str(p) for p in parts if p))


def fence(
    content: str, *classes: str, ident: str | None = None, attrs: dict | None = None, depth: int = 3
) -> str:
    """Wrap ``content`` in a fenced div; ``depth`` colons (outer divs need more)."""
    bits = [f"#{ident}"] if ident else []
    bits += [f".{c}" for c in classes]
    bits += [f'{k}="{attr(v)}"' for k, v in (attrs or {}).items()]
    colons = ":" * depth
    return f"{colons} {{{' '.join(bits)}}}\n{content}\n{colons}"


def raw(fmt: str, code: str) -> str:
    """A raw block for one output format (``html`` or ``typst``); other writers drop it."""
    return f"```{{={fmt}}}\n{code}\n```"


def typst_string(text: object) -> str:
    """``text`` as a Typst string literal: shown literally, never interpreted as markup."""
    s = " ".join(printable(text).split())
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pipe_table(
    frame,
    align: str | None = None,
    widths: Sequence[int] | None = None,
    row_styles: Sequence[str] = (),
) -> str:
    """The one table renderer: a pipe table of a DataFrame, every cell escaped.

    ``align`` per column: l, r or c (default: numbers right, text left). ``widths`` sets the
    relative column widths through the dash counts of the separator line (Pandoc uses them
    once a line is longer than the text width); none gives every column the same share.
    ``row_styles``, one per row: ``"strong"`` or ``"group"`` put the row's first cell in bold.
    """
    cols = [str(c) for c in frame.columns]
    align = align or "".join("r" if frame[c].dtype.kind in "iuf" else "l" for c in frame.columns)
    widths = widths or (2,) * len(cols)
    marks = {"l": ":{}", "r": "{}:", "c": ":{}:"}
    lines = [
        "| " + " | ".join(escape(c) for c in cols) + " |",
        "|" + "|".join(marks[a].format("-" * w) for a, w in zip(align, widths, strict=True)) + "|",
    ]
    styles = list(row_styles) or [""] * len(frame)
    for style, row in zip(styles, frame.itertuples(index=False), strict=True):
        cells = [escape(v) for v in row]
        if style in ("strong", "group") and cells and cells[0]:
            cells[0] = f"**{cells[0]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(frame, *, align: str | None = None) -> Md:
    """A pipe table of a small DataFrame (see :func:`pipe_table`)."""
    return Md(pipe_table(frame, align))
