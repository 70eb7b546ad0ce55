"""Write the web fonts of the HTML figures (``resources/fonts``) from matplotlib's DejaVu.

Usage (from the repository root, after ``make install``)::

    .venv/bin/python scripts/web_fonts.py

Each is a subset of one DejaVu Sans weight with the characters of
:data:`tevredenheidsrapport.webfigures.WEB_CHARACTERS`; a page's font is cut from it, with the
same bytes as from the whole font and in a third of the time. Run it again when matplotlib's
fonts or fontTools change: a test says so when the files differ from what this writes.
"""

from __future__ import annotations

from tevredenheidsrapport import webfigures
from tevredenheidsrapport.fsutil import atomic_write


def main() -> int:
    webfigures.WEB_FONT_DIR.mkdir(parents=True, exist_ok=True)
    for weight, name in webfigures.WEB_FONTS.items():
        path = atomic_write(webfigures.WEB_FONT_DIR / name, webfigures.web_font(weight))
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
