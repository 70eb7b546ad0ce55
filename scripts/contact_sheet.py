"""Tile the pages of a PDF into one PNG, to look at a report as a reader would.

Usage: python scripts/contact_sheet.py REPORT.pdf OUT.png [--dpi 60] [--cols 4]
Needs pdftoppm (Debian: poppler-utils).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from PIL import Image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf")
    ap.add_argument("out")
    ap.add_argument("--dpi", type=int, default=60)
    ap.add_argument("--cols", type=int, default=4)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--last", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["pdftoppm", "-r", str(args.dpi), "-png", "-f", str(args.first)]
        if args.last:
            cmd += ["-l", str(args.last)]
        subprocess.run([*cmd, args.pdf, f"{tmp}/p"], check=True)
        pages = [Image.open(p) for p in sorted(Path(tmp).glob("p-*.png"))]
        w, h = pages[0].size
        rows = (len(pages) + args.cols - 1) // args.cols
        sheet = Image.new("RGB", (w * args.cols, h * rows), "white")
        for i, page in enumerate(pages):
            sheet.paste(page, ((i % args.cols) * w, (i // args.cols) * h))
        sheet.save(args.out)


if __name__ == "__main__":
    main()
