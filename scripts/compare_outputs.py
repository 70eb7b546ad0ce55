"""Render all demo reports at two commits and compare them byte for byte.

Usage: ``.venv/bin/python scripts/compare_outputs.py [--base REV] [--head REV | --worktree]
[--keep DIR]``; the base defaults to origin/main (HEAD without it), the head to the working tree.

Each side is a commit checked out with ``git worktree add --detach`` (removed afterwards, also
on error) or the working tree itself. With that side's own code (``PYTHONPATH=<side>/src``,
checked in the subprocess, since the venv holds an editable install of one checkout) it writes
the demo data with ``scripts/make_demo_data.py`` and renders every report of every period with
``tevreden batch --force``. Compared byte for byte: every demo data file and each report's
``.html``, ``.pdf`` and ``.json``; other outputs (``index.html``, ``overzicht.*``, ``.docx``) are
listed as not compared. Exit status 0 when everything is identical, 1 when not, 2 on an error.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT_SUFFIXES = (".html", ".pdf", ".json")
#: Runs in the side's subprocess: refuse to run code from another checkout, then run argv[2:].
BOOTSTRAP = """
import runpy, sys
from pathlib import Path
import tevredenheidsrapport as pkg
src = Path(sys.argv[1]).resolve()
if src not in Path(pkg.__file__).resolve().parents:
    sys.exit(f"tevredenheidsrapport komt uit {pkg.__file__}, niet uit {src}")
module = sys.argv[2] == "-m"
sys.argv = sys.argv[2 + module :]
run = runpy.run_module if module else runpy.run_path
run(sys.argv[0], run_name="__main__")
"""


class CompareError(Exception):
    """A side could not be checked out or rendered (message in Dutch)."""


@dataclass
class Comparison:
    """Outcome of comparing two trees; paths are relative to the tree roots."""

    same: list[Path] = field(default_factory=list)
    differ: list[tuple[Path, str]] = field(default_factory=list)
    only: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.differ and not self.only

    @property
    def compared(self) -> list[Path]:
        return sorted(self.same + [rel for rel, _ in self.differ + self.only])

    def verdict(self) -> str:
        if self.identical:
            return "alle byte voor byte gelijk"
        return f"{len(self.differ)} verschillend, {len(self.only)} aan één kant"


def report_files(*trees: Path):
    """Selects a report's ``<period>/<name>.{html,pdf,json}``: the names that have a JSON
    sidecar on either side (the overview's ``index.html`` and ``overzicht.*`` have none)."""
    reports = {r.with_suffix("") for t in trees for r in files(t) if r.suffix == ".json"}
    return lambda rel: rel.suffix in REPORT_SUFFIXES and rel.with_suffix("") in reports


def files(root: Path) -> set[Path]:
    """Files under ``root``, relative, without hidden folders such as ``.stamps``."""
    found = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    return {p for p in found if not any(part.startswith(".") for part in p.parts[:-1])}


def first_difference(a: bytes, b: bytes) -> str:
    """Dutch description of where two different byte strings first differ."""
    try:
        lines_a, lines_b = a.decode().splitlines(), b.decode().splitlines()
    except UnicodeDecodeError:
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
        at = min(len(a), len(b)) if at is None else at
        return f"binair, {len(a)} tegen {len(b)} bytes, eerste verschil bij byte {at}"
    for number, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
        if x != y:
            col = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), 0)
            start = max(col - 30, 0)
            return (
                f"regel {number}:\n      - {x[start : col + 50]!r}\n      + {y[start : col + 50]!r}"
            )
    return f"regel {min(len(lines_a), len(lines_b)) + 1}: één kant is langer"


def read_bytes(tree: Path, rel: Path) -> bytes:
    return (tree / rel).read_bytes()


def compare_trees(base: Path, head: Path, compared=lambda rel: True, read=read_bytes) -> Comparison:
    """Compare the files ``compared`` selects byte for byte; list the others as skipped."""
    result = Comparison()
    in_base, in_head = files(base), files(head)
    for rel in sorted(in_base | in_head):
        if not compared(rel):
            result.skipped.append(rel)
        elif rel not in in_head or rel not in in_base:
            result.only.append((rel, "base" if rel in in_base else "head"))
        elif (a := read(base, rel)) == (b := read(head, rel)):
            result.same.append(rel)
        else:
            result.differ.append((rel, first_difference(a, b)))
    return result


def demo_reader(checkouts: dict[Path, Path]):
    """Read demo files with ``period.yaml``'s codebooks path relative to the side's checkout
    (the generator writes it relative to the data, so it names where the checkout lies)."""

    def read(tree: Path, rel: Path) -> bytes:
        def relative(match: re.Match[bytes]) -> bytes:
            codebooks = os.path.normpath(tree / rel.parent / match[1].decode())
            return b"codebooks: <checkout>/" + os.path.relpath(codebooks, checkouts[tree]).encode()

        data = read_bytes(tree, rel)
        return (
            re.sub(rb"(?m)^codebooks: (.+)$", relative, data) if rel.name == "period.yaml" else data
        )

    return read


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode:
        raise CompareError(f"git {' '.join(args)} mislukt: {done.stderr.strip()}")
    return done.stdout.strip()


@contextmanager
def checkout(rev: str | None, where: Path):
    """The working tree for ``rev`` None, else a detached worktree removed on exit."""
    if rev is None:
        yield ROOT
        return
    git("worktree", "add", "--detach", "--quiet", str(where), git("rev-parse", "--verify", rev))
    try:
        yield where
    finally:
        git("worktree", "remove", "--force", str(where))


def run_side(side: Path, *argv: str, cwd: Path) -> None:
    """Run a script or ``-m module`` with the side's own package; raise when it fails."""
    src = str(side / "src")
    env = {**os.environ, "PYTHONPATH": src}
    command = [sys.executable, "-c", BOOTSTRAP, src, *argv]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise CompareError(f"{' '.join(argv)} mislukt in {side}:\n{done.stdout}{done.stderr}")


def render_side(label: str, rev: str | None, dest: Path, scratch: Path) -> Path:
    """Write ``dest/demo`` and ``dest/out`` with the code of ``rev`` (None: working tree);
    return where that code was checked out."""
    shown = "werkmap" if rev is None else f"{rev} ({git('rev-parse', '--short', rev)})"
    print(f"{label}: {shown}: demodata en rapporten maken …", flush=True)
    dest.mkdir(parents=True, exist_ok=True)
    with checkout(rev, scratch / f"worktree-{label}") as side:
        run_side(
            side, str(side / "scripts" / "make_demo_data.py"), "--out", str(dest / "demo"), cwd=dest
        )
        batch = ["batch", "--data", str(dest / "demo"), "--out", str(dest / "out")]
        batch += ["--work", str(dest / "work"), "--force", "--quiet"]
        run_side(side, "-m", "tevredenheidsrapport.cli", *batch, cwd=dest)
    return side


def report(demo: Comparison, out: Comparison) -> None:
    """Print the Dutch summary."""
    for name, cmp in (("demodata", demo), ("rapporten", out)):
        for rel, detail in cmp.differ:
            print(f"  verschilt: {name}/{rel}: {detail}")
        for rel, side in cmp.only:
            print(f"  alleen in {side}: {name}/{rel}")
    if out.skipped:
        names = sorted({rel.name for rel in out.skipped})
        print(f"niet vergeleken: {len(out.skipped)} bestanden ({', '.join(names)})")
    print(f"demodata, {len(demo.compared)} bestanden: {demo.verdict()}")
    reports = len({(rel.parent, rel.stem) for rel in out.compared})
    print(f"{reports} rapporten, {len(out.compared)} bestanden: {out.verdict()}")


def default_base() -> str:
    try:
        git("rev-parse", "--verify", "--quiet", "origin/main")
    except CompareError:
        return "HEAD"
    return "origin/main"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Render alle demorapporten op twee commits en vergelijk ze byte voor byte."
    )
    parser.add_argument("--base", help="commit als referentie (standaard origin/main, anders HEAD)")
    head = parser.add_mutually_exclusive_group()
    head.add_argument("--head", help="commit om te vergelijken (standaard: de werkmap)")
    head.add_argument("--worktree", action="store_true", help="vergelijk de werkmap (standaard)")
    parser.add_argument("--keep", type=Path, metavar="MAP", help="bewaar demodata en uitvoer hier")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = args.base or default_base()
    with tempfile.TemporaryDirectory(prefix="compare-outputs-") as tmp:
        root = args.keep.resolve() if args.keep else Path(tmp)
        try:
            checkouts = {
                root / side / "demo": render_side(side, rev, root / side, Path(tmp))
                for side, rev in (("base", base), ("head", args.head))
            }
        except CompareError as exc:
            print(f"Fout: {exc}", file=sys.stderr)
            return 2
        demo = compare_trees(*checkouts, read=demo_reader(checkouts))
        outs = root / "base" / "out", root / "head" / "out"
        out = compare_trees(*outs, report_files(*outs))
        report(demo, out)
    if args.keep:
        print(f"bewaard in {root}")
    return 0 if demo.identical and out.identical else 1


if __name__ == "__main__":
    sys.exit(main())
