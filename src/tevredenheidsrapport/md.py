"""Markdown fragments: escaping data into Pandoc markdown, and the object cells return.

Everything that comes from data (provider names, item texts, answer labels) passes through
:func:`escape` before it meets the narrative, so that markup in a name is shown literally in
HTML and PDF alike and can never become HTML, a link, a Typst command or a heading.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Every ASCII punctuation character may be backslash-escaped in Pandoc markdown; escaping all
# of them is simpler and safer than deciding which are special where.
_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~^$@&%\"'=:;,/?])")
_CONTROL = frozenset({c for c in map(chr, range(32)) if c not in "\n\t"} | {"\x7f"})


def escape(text: object) -> str:
    """Return ``text`` as literal Pandoc markdown inline text (one line)."""
    s = "".join(ch for ch in str(text) if ch not in _CONTROL)
    s = " ".join(s.split())  # newlines would start new blocks
    s = unicodedata.normalize("NFC", s)
    return _PUNCT.sub(r"\\\1", s)


def attr(value: object) -> str:
    """Return ``value`` safe for a double-quoted Pandoc attribute value."""
    return " ".join(str(value).split()).replace("\\", "\\\\").replace('"', '\\"')


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
    s = "".join(ch for ch in str(text) if ch not in _CONTROL)
    s = " ".join(s.split())
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
