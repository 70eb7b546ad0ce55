"""Quarto's copies of our styles, with the theme's colours filled in (Quarto's pre-render).

Our renderer gives ``report.css`` and the Typst templates the colour tokens of
``tevredenheidsrapport.theme`` as Pandoc variables; Quarto reads a CSS file and an
``include-in-header`` file as they are. ``_quarto.yml`` therefore runs this script before
rendering: it writes ``_work/quarto/report.css`` (the tokens filled in) and
``_work/quarto/cover.typ`` (the cover and summary functions with the theme's colours bound),
so the theme stays the one source of every colour with Quarto too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tevredenheidsrapport import theme
from tevredenheidsrapport.config import RESOURCES
from tevredenheidsrapport.fsutil import atomic_write

OUT = Path(__file__).resolve().parents[1] / "_work" / "quarto"
TOKEN = re.compile(r"\$colour-([a-z-]+)\$")
#: A Pandoc template comment: from ``$--`` to the end of the line, which Pandoc leaves out.
COMMENT = re.compile(r"\$--.*(?:\n|$)")


def fill(text: str) -> str:
    """``text`` as Pandoc's template engine gives it: template comments left out, every
    ``$colour-<token>$`` replaced by the theme's value, ``$$`` a dollar."""
    text = COMMENT.sub("", text)
    return TOKEN.sub(lambda m: theme.COLOURS[m.group(1)], text).replace("$$", "$")


def main(out: Path = OUT) -> list[Path]:
    css = fill((RESOURCES / "report.css").read_text(encoding="utf-8"))
    c = theme.COLOURS
    cover = (RESOURCES / "cover.typ").read_text(encoding="utf-8") + (
        f'\n#let cover = cover.with(fill: rgb("{c["accent"]}"), ink: white)\n'
        f'#let summary = summary.with(accent: rgb("{c["accent"]}"), band: rgb("{c["band"]}"))\n'
    )
    return [atomic_write(out / "report.css", css), atomic_write(out / "cover.typ", cover)]


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
