"""Write the fictional demo data set: ``python scripts/make_demo_data.py --out data/demo``.

Only gathers arguments and calls :func:`tevredenheidsrapport.demo.generate`; prints one line
per period with the number of providers, persons and responses.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from tevredenheidsrapport import demo
from tevredenheidsrapport.config import DEMO_DATA


def _rows(path: Path) -> int:
    """Number of data rows in a CSV file (header excluded)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _summary(period_dir: Path) -> str:
    """One Dutch line about a generated period."""
    responses = sum(_rows(p) for p in sorted((period_dir / "responses").glob("*.csv")))
    providers = _rows(period_dir / "providers.csv")
    persons = _rows(period_dir / "sample.csv")
    return (
        f"Periode {period_dir.name}: {providers} dienstverleners, {persons} personen, "
        f"{responses} responsen ({period_dir})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Maak fictieve demodata voor de rapporten.")
    parser.add_argument(
        "--out", type=Path, default=DEMO_DATA, help="uitvoermap (standaard data/demo)"
    )
    parser.add_argument(
        "--seed", type=int, default=2025, help="startwaarde van het toeval (standaard 2025)"
    )
    parser.add_argument(
        "--providers",
        type=int,
        default=None,
        help="aantal dienstverleners in de nieuwste periode (standaard 44)",
    )
    args = parser.parse_args(argv)
    try:
        paths = demo.generate(args.out, seed=args.seed, n_providers=args.providers)
    except (FileExistsError, ValueError) as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(_summary(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
