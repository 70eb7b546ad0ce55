"""Command line: ``tevreden validate | render | batch | demo | notebook``.

The CLI only gathers arguments and calls one library function per command; errors the user
can fix are printed as clear Dutch messages (no traceback) with a non-zero exit status, and
so is a file the system would not let us read or write (a full disk, a file size limit, a
read-only folder), with its path.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import config
from .beside import beside
from .errors import ConfigError, DataError, RenderError, TevredenError, os_error_text

if TYPE_CHECKING:
    from .survey import Survey

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
EXIT_INTERRUPTED = 130  # like a shell after Ctrl-C


def _formats(value: str) -> tuple[str, ...]:
    return config.DEFAULT_FORMATS if value == "both" else config.check_formats([value])


def _settings(args: argparse.Namespace) -> config.Settings:
    return config.load_settings([args.params] if args.params else [], args.set or [])


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_delivery

    result = validate_delivery(args.data)
    for line in result.notice_lines():  # warnings: the data loads, but the user should know
        print(line, file=sys.stderr)
    problems = result.problems
    if problems:
        what = "1 probleem" if len(problems) == 1 else f"{len(problems)} problemen"
        print(f"{what} gevonden in {args.data} (één per melding):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.data}: geen problemen gevonden")
    return EXIT_OK


@contextlib.contextmanager
def _importing() -> Iterator[None]:
    """The imports of ``tevreden render`` (pandas, matplotlib, scipy, papermill: a few hundred
    thousand objects that live as long as the process) without the garbage collector, which
    would scan them again and again as they grow (0.2 s); afterwards they are frozen, so
    that the collections while a report renders skip them too (another 0.2 s for one
    report). No cycle is left uncollected: the collector is on again before any work."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


#: How long ``tevreden render`` waits for the process that reads the period meanwhile
#: (:func:`_period_reader`); after that it stops it and reads the period itself.
PERIOD_HELPER_TIMEOUT_S = 600.0
#: The shared memory that helper writes the period into (:func:`.beside.beside`'s
#: ``room``; only what is written takes memory, and under an address-space limit it is
#: smaller): 500 providers with their previous measurement take 24 MB. A larger period
#: goes through the pipe.
PERIOD_ROOM_BYTES = 1 << 28


def _period_reader(args: argparse.Namespace, settings: config.Settings):
    """What reads and validates the period of a render in a forked process
    (:func:`.beside.beside`) while this one imports what rendering needs; None when there
    is nothing to read (the period is kept already) or no second core to read it on.

    A render on its own starts with two serial steps of a second each: importing pandas,
    scipy, matplotlib and papermill, and reading and validating the period. The second
    needs only pandas, so on a second core it runs beside the imports. The helper returns
    the :class:`.periodstore.Store` of the period and the period read, pickled as the store
    pickles it (:func:`.periodstore.dump`) into memory both processes share
    (:data:`PERIOD_ROOM_BYTES`), and the render aggregates it (:func:`_aggregated`) and
    keeps it. Nothing is returned for invalid data or an unknown
    provider: whatever goes wrong in the helper, it ends silently and the render reads the
    period itself, with its own messages."""
    if args.fresh or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return None
    known = None  # the period's store, when --data is a period: its key hashes every file
    try:  # kept already: nothing to read beside the imports
        from .periodstore import Store

        period = Path(args.data)
        if (period / "period.yaml").is_file():
            known = Store.of(period, settings, args.work)
            if known.holds_own_key():
                return None
    except Exception:  # noqa: BLE001 - whatever it is, the render reports it itself
        known = None

    def read():  # pragma: no cover - runs in the helper
        from . import periodstore
        from .dataset import find_periods
        from .fsutil import check_folders, safe_name
        from .survey import load_survey

        periods = find_periods(args.data)
        if len(periods) != 1:
            return None
        data = periods[0].resolve()
        # the folders render_report refuses, refused before anything is read or made
        work_dir = Path(args.work) / safe_name(data.name) / safe_name(args.provider)
        check_folders(data, Path(args.out) / safe_name(periods[0].name), work_dir.resolve())
        # --data is this period (find_periods), or a folder holding only this one
        store = known or periodstore.Store.of(data, settings, args.work)
        if store.holds_own_key():  # kept meanwhile: the render loads it
            return None
        survey = load_survey(data, settings)
        survey.check_provider(args.provider)
        return store, survey

    return read


@contextlib.contextmanager
def _aggregated(found, jobs: int) -> Iterator[Survey | None]:
    """The period that :func:`_period_reader`'s helper ``found``, aggregated on ``jobs``
    cores, for the block; None when it found none. Beside the block a forked process keeps
    it in its store for the next render (pickling and writing it costs 0,2 s at 500
    providers, while the report's own code runs on one core); the block waits for it at
    its end, also when the report failed, so a render that is tried again finds the
    period kept."""
    if found is None:
        yield None
        return
    from .survey import Survey

    store, survey = found
    if not isinstance(survey, Survey):  # not what a helper sends: the render reads it
        yield None
        return
    survey.precompute(jobs=jobs)
    with beside(lambda: store.save(survey) or True) as keeper:
        try:
            yield survey
        finally:
            keeper(timeout=PERIOD_HELPER_TIMEOUT_S)


def cmd_render(args: argparse.Namespace) -> int:
    settings = _settings(args)  # a wrong setting is refused before anything is imported
    read = _period_reader(args, settings)
    with _importing():  # pandas and the reading of a period, imported once for both
        from .survey import load_survey  # noqa: F401
    from .periodstore import dump

    reading = beside(read, room=PERIOD_ROOM_BYTES, dump=dump) if read else contextlib.nullcontext()
    with reading as helper:
        with _importing():
            import scipy.optimize  # noqa: F401 - what the aggregates need, imported
            import scipy.stats  # noqa: F401 - while the helper reads the period

            from .dataset import find_periods
            from .fsutil import safe_name
            from .render import render_report

            # the period, unpickled without the collector too: it lives as long as this
            found = helper(timeout=PERIOD_HELPER_TIMEOUT_S) if helper is not None else None

    periods = find_periods(args.data)
    if len(periods) != 1:
        raise ConfigError(
            f"--data moet precies één meetperiode aanwijzen (een map met period.yaml); gevonden: {len(periods)}"
        )
    jobs = os.cpu_count() or 1  # one report on its own: its figures use every core
    with _aggregated(found, jobs) as survey:
        result = render_report(
            args.provider,
            periods[0],
            Path(args.out) / safe_name(periods[0].name),
            settings=settings,
            formats=_formats(args.format),
            work_root=args.work,
            jobs=jobs,
            survey=survey,  # None: the render reads the period (or finds it kept)
            keep_period=not args.fresh,
        )
    for kind, path in result.outputs.items():
        print(f"{kind}: {path}")
    print(f"klaar in {result.seconds:.1f} s")
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    import json

    from .batch import render_batch
    from .fsutil import atomic_write

    try:
        result = render_batch(
            args.data,
            args.out,
            settings=_settings(args),
            formats=_formats(args.format),
            providers=args.provider or None,
            work_root=args.work,
            progress=not args.quiet,
            force=args.force,
            jobs=args.jobs,
            dask=args.dask,
        )
    except KeyboardInterrupt:
        print(
            "\nAfgebroken. Wat al klaar was, blijft staan; de volgende run maakt de rest.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if args.stats:
        atomic_write(args.stats, json.dumps(result.stats(), indent=1) + "\n")
    print(result.summary())
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import generate

    for path in generate(Path(args.out), seed=args.seed, n_providers=args.providers):
        print(f"demodata geschreven: {path}")
    return EXIT_OK


def cmd_notebook(args: argparse.Namespace) -> int:
    import nbformat

    from .fsutil import atomic_write
    from .jupyter import to_jupyter
    from .qmd import load_qmd

    nb = to_jupyter(load_qmd(args.template))
    atomic_write(args.out, nbformat.writes(nb))
    print(
        f"notebook geschreven: {args.out} (open het in Jupyter, pas de cel 'parameters' aan en "
        "voer alle cellen uit; of: papermill " + f"{args.out} uit.ipynb -p provider … -p data …)"
    )
    return EXIT_OK


def cmd_companion(args: argparse.Namespace) -> int:
    from .render import render_notebook

    template = Path(args.notebook)
    if not template.exists():
        template = config.PROJECT_ROOT / "notebooks" / f"{args.notebook}.qmd"
    if not template.exists():
        raise ConfigError(
            f"notebook {args.notebook} niet gevonden (kies bv. datakwaliteit of overzicht)"
        )
    out = Path(args.out) / f"{template.stem}.html"
    render_notebook(template, {"data": str(Path(args.data).resolve())}, out)
    print(f"html: {out}")
    return EXIT_OK


def _work_arg(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--work",
        default="_work",
        help=f"map voor tussenbestanden {what} (standaard: _work)",
    )


def _settings_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--params", help="YAML-bestand met instellingen die params/default.yml aanvullen"
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="SLEUTEL=WAARDE",
        help="één instelling aanpassen, bv. privacy.min_answers=5",
    )
    p.add_argument(
        "--format",
        choices=[*config.FORMATS, "both"],
        default="both",
        help="uitvoerformaat; both is html en pdf (standaard: both). Bestanden van een "
        "rapport in andere formaten, van een eerdere run, worden verwijderd",
    )
    p.add_argument("--out", default="_output", help="map voor de rapporten (standaard: _output)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tevreden",
        description="Tevredenheidsrapporten per dienstverlener voor het keurmerk Blik op Werk.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="OPDRACHT")

    p = sub.add_parser(
        "validate", help="controleer een levering tegen het datacontract en de codeboeken"
    )
    p.add_argument("data", help="map van een meetperiode, of een map met meetperiodes")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("render", help="render het rapport van één dienstverlener")
    p.add_argument("provider", help="provider_id uit providers.csv")
    p.add_argument("--data", required=True, help="map van de meetperiode (met period.yaml)")
    _work_arg(
        p,
        "van het rapport en voor de ingelezen meetperiode, die de volgende render met "
        "dezelfde data, instellingen en code overneemt; twee runs van hetzelfde rapport "
        "wachten op elkaar",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="lees en controleer de meetperiode opnieuw, ook als de werkmap haar bewaart",
    )
    _settings_args(p)
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("batch", help="render de rapporten van alle (of enkele) dienstverleners")
    p.add_argument(
        "--data", required=True, help="map van een meetperiode, of een map met meetperiodes"
    )
    p.add_argument("--provider", action="append", help="alleen deze dienstverlener (herhaalbaar)")
    p.add_argument("--quiet", action="store_true", help="geen voortgangsbalk")
    p.add_argument(
        "--force", action="store_true", help="ook ongewijzigde rapporten opnieuw renderen"
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="aantal werkprocessen (standaard: alle kernen)",
    )
    p.add_argument(
        "--dask",
        metavar="SCHEDULER",
        help="render op een Dask-cluster: 'local' of een adres zoals tcp://host:8786",
    )
    _work_arg(p, "per dienstverlener")
    p.add_argument(
        "--stats", metavar="BESTAND", help="schrijf metingen (tijd, geheugen per rapport) als JSON"
    )
    _settings_args(p)
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("demo", help="schrijf de fictieve demodata")
    p.add_argument("--out", default=str(config.DEMO_DATA), help="doelmap (standaard: data/demo)")
    p.add_argument("--seed", type=int, default=2025, help="startwaarde van de toevalsgenerator")
    p.add_argument(
        "--providers",
        type=int,
        default=None,
        help="aantal dienstverleners (standaard: de vaste demoset)",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "companion",
        help="voer een notebook uit notebooks/ uit (datakwaliteit, overzicht) naar HTML",
    )
    p.add_argument("notebook", help="naam (datakwaliteit, overzicht) of pad van een .qmd")
    p.add_argument("--data", required=True, help="map van de meetperiode")
    p.add_argument(
        "--out", default="_output/notebooks", help="doelmap (standaard: _output/notebooks)"
    )
    p.set_defaults(func=cmd_companion)

    p = sub.add_parser(
        "notebook",
        help="schrijf report_template.qmd als Jupyter-notebook dat het rapport toont",
    )
    p.add_argument(
        "--template", default=str(config.TEMPLATE), help="de .qmd (standaard: het rapport)"
    )
    p.add_argument(
        "--out", default="report_template.ipynb", help="het notebook dat wordt geschreven"
    )
    p.set_defaults(func=cmd_notebook)
    return parser


#: The BLAS that numpy and scipy load starts a thread per core, which spins for a while after
#: every call. This work has no matrix large enough to share out, so those threads only
#: took CPU from the other processes of a render or a batch (0,1 to 0,2 core-seconds of a
#: report by hand); the user's own setting is kept.
BLAS_THREADS = (("OPENBLAS_NUM_THREADS", "1"),)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    for name, value in BLAS_THREADS:  # before numpy is imported: it is read once, at load
        os.environ.setdefault(name, value)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DataError as exc:
        print(f"Ongeldige data, er is niets gerenderd.\n{exc}", file=sys.stderr)
        return EXIT_INVALID
    except (ConfigError, FileNotFoundError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        if isinstance(exc, FileNotFoundError):
            message = os_error_text(exc)
        print(f"Fout: {message}", file=sys.stderr)
        return EXIT_INVALID
    except RenderError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except TevredenError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a full disk, a file size limit, a folder we may not write
        print(f"Fout: {os_error_text(exc)}; de opdracht is afgebroken", file=sys.stderr)
        return EXIT_FAILED


def run() -> None:
    """Console entry point (``tevreden``): :func:`main`, then exit with its status.

    Whatever is left is the operating system's to free: the collector's last pass over the
    loaded period and the libraries at shutdown (a quarter of a second) is skipped.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
