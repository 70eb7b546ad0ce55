"""Render one provider's report: ``report_template.qmd`` -> HTML, PDF and a JSON sidecar.

The orchestrator runs named steps in order, as papermill does: read the template (once per
process), inject the parameters with papermill (a cell after the one tagged
``parameters``, exactly as Quarto does), execute in-process, assemble the markdown, number
it with the same Lua filter Quarto uses, then one writer per output format: Pandoc's HTML
writer with our template, and Pandoc's Typst writer followed by the Typst compiler for the
PDF. A failed execution leaves the executed notebook in the work directory to inspect
before the error is raised. Outputs are written atomically.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pypandoc
from papermill.exceptions import PapermillExecutionError
from papermill.execute import raise_for_execution_errors
from papermill.parameterize import parameterize_notebook

from . import engine, periodstore, theme
from .blocks import BLOCKS_MIME, Blocks, ReportRecord, entries
from .config import DEFAULT_FORMATS, FORMATS, RESOURCES, TEMPLATE, Settings, check_formats
from .errors import RenderError, os_error_text
from .fsutil import (
    atomic_write,
    atomic_write_all,
    check_folders,
    locked,
    remove_partials,
    safe_name,
)
from .pdftags import tag_row_headers
from .qmd import load_qmd
from .renderers import DocxMarkdown, PandocMarkdown
from .session import NAMESPACE_KEY, render_session
from .survey import Survey, load_survey
from .webfigures import inline_figures

# user-facing messages (Dutch), kept together
MSG_WAITING = "Wacht: werkmap {path} is in gebruik door een andere run van dit rapport."
#: What a killed render leaves in its work folder: atomic_write's and save_svg's temporaries.
WORK_PARTIALS = (".*.part", ".*.tmp")

READER = "markdown-implicit_figures-raw_html-raw_tex-tex_math_dollars-tex_math_single_backslash-citations"


@dataclass
class RenderResult:
    """What one render produced."""

    provider: str
    outputs: dict[str, Path] = field(default_factory=dict)
    sidecar: dict = field(default_factory=dict)
    seconds: float = 0.0


def load_template(path: str | Path = TEMPLATE) -> nbformat.NotebookNode:
    """The report template parsed into a notebook (12 ms): a caller that renders many
    reports parses it once and passes the result as ``template``; it is never mutated."""
    return load_qmd(Path(path))


def _notebook(template: str | Path | nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A fresh notebook to execute: a copy of a parsed template, or the file parsed."""
    if isinstance(template, nbformat.NotebookNode):
        return copy.deepcopy(template)
    return load_template(template)


def execute(
    nb: nbformat.NotebookNode,
    parameters: dict,
    work_dir: Path,
    provider: str,
    namespace: dict | None = None,
) -> nbformat.NotebookNode:
    """Inject ``parameters`` with papermill and run the notebook in-process.

    ``namespace`` seeds the cells' namespace (the report's session). On failure the executed
    notebook is written to ``work_dir/report.ipynb`` and a RenderError naming the provider
    and the failing cell is raised.
    """
    engine.register()
    nb.metadata.setdefault(
        "papermill", {"parameters": {}, "default_parameters": {}, "environment_variables": {}}
    )
    nb = parameterize_notebook(
        nb, parameters, kernel_name="python3", language="python", engine_name=engine.ENGINE_NAME
    )
    from papermill.engines import papermill_engines

    work_dir.mkdir(parents=True, exist_ok=True)
    nb = papermill_engines.execute_notebook_with_engine(
        engine.ENGINE_NAME,
        nb,
        kernel_name="python3",
        output_path=None,
        progress_bar=False,
        namespace=namespace,
    )
    try:
        raise_for_execution_errors(nb, str(work_dir / "report.ipynb"))
    except PapermillExecutionError as exc:
        raise RenderError(provider, f"cel {exc.cell_index}", f"{exc.ename}: {exc.evalue}") from exc
    return nb


@dataclass(frozen=True)
class Document:
    """An executed notebook read back: the parts of the document in order (narrative
    markdown and the blocks of shown cells) and every block any cell produced."""

    parts: tuple[str | Blocks, ...]
    blocks: Blocks

    def markdown(self, renderer: PandocMarkdown) -> str:
        """The whole document as Pandoc markdown, its blocks rendered by ``renderer``."""
        texts = (p if isinstance(p, str) else renderer.render(p) for p in self.parts)
        return "\n\n".join(t.strip("\n") for t in texts if t.strip()) + "\n"


def assemble(nb: nbformat.NotebookNode) -> Document:
    """Read the executed notebook: markdown cells with their inline values filled in, and
    each shown cell's blocks (or, for a cell without blocks, its markdown or text)."""
    parts: list[str | Blocks] = []
    every: list[Blocks] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            values = iter(cell.metadata.get("tevreden", {}).get("inline", []))
            parts.append(engine.INLINE.sub(lambda _m, v=values: next(v), cell.source))
            continue
        if cell.cell_type != "code":
            continue
        opts = cell.metadata.get("quarto", {})
        show = opts.get("include", True) is not False and opts.get("output", True) is not False
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if BLOCKS_MIME in data:
                blocks = Blocks.from_json(data[BLOCKS_MIME])
                every.append(blocks)
                if show:
                    parts.append(blocks)
            elif not show:
                continue
            elif out.output_type == "stream" and opts.get("output") == "asis":
                parts.append(out.text)
            elif "text/markdown" in data:
                parts.append(data["text/markdown"])
            elif out.output_type == "stream" or data.get("text/plain"):
                text = out.get("text") or data.get("text/plain", "")
                if text.strip():
                    parts.append("```\n" + text.rstrip() + "\n```")
    return Document(tuple(parts), Blocks.join(every))


def run_pandoc(args: Sequence[str], text: str, cwd: Path) -> str:
    """Run pandoc with ``args`` on ``text``; raises RuntimeError with pandoc's message."""
    proc = subprocess.run(
        [pypandoc.get_pandoc_path(), *args, *theme.pandoc_variables()],
        input=text.encode("utf-8"),
        capture_output=True,
        cwd=cwd,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"pandoc {' '.join(args[:4])}: {proc.stderr.decode('utf-8', 'replace').strip()}"
        )
    return proc.stdout.decode("utf-8")


def to_ast(markdown: str, work_dir: Path) -> dict:
    """Parse and number the markdown (the Lua filter Quarto also runs); returns Pandoc's AST."""
    out = run_pandoc(
        ["-f", READER, "-t", "json", "--lua-filter", str(RESOURCES / "numbering.lua")],
        markdown,
        work_dir,
    )
    return json.loads(out)


@dataclass(frozen=True)
class Pages:
    """What Pandoc makes of a report's markdown in one run (``resources/pages.lua``): the
    numbered outline, the HTML page and the Typst source of the PDF. The pages name their
    figures by path; the figures need not exist yet (:func:`write_html`, :func:`compile_pdf`
    use them)."""

    outline: list[dict]
    html: str
    typst: str


def pages(
    markdown: str, work_dir: Path, title: str, formats: Sequence[str] = ("html", "pdf")
) -> Pages:
    """Read and number ``markdown`` (the Lua filter Quarto also runs) and write the pages of
    ``formats`` ("html", "pdf") in the same Pandoc run: one reading of the document instead
    of one per page, and no AST passed between runs as JSON.

    The outline lists the numbered headings (``type`` "heading", ``level``, ``number``,
    ``title``) and the figures and tables (``type``, ``id``, ``number``) in document order;
    the HTML page has ``title`` as its title."""
    out = json.loads(
        run_pandoc(
            [
                "-f",
                READER,
                "-t",
                str(RESOURCES / "pages.lua"),
                "--lua-filter",
                str(RESOURCES / "numbering.lua"),
                f"--metadata=tevreden-pagetitle:{title}",
                f"--metadata=tevreden-pages:{','.join(formats)}",
            ],
            markdown,
            work_dir,
        )
    )
    found = out["outline"] if isinstance(out["outline"], list) else []  # Lua's {} is []
    return Pages([dict(f) for f in found], out["html"], out["typst"])


def write_html(page: str, work_dir: Path) -> bytes:
    """Self-contained HTML of an HTML page of :func:`pages` (figures inline with their font,
    styles embedded, no external requests; see :mod:`.webfigures`). The template holds the
    styles and every image of a report is an SVG figure of ``work_dir``, which
    :func:`.webfigures.inline_figures` puts in the page itself: Pandoc's
    ``--embed-resources`` would only encode each figure as a data URL for it to decode
    again."""
    return inline_figures(page, work_dir).encode("utf-8")


def compile_pdf(source: str, work_dir: Path) -> bytes:
    """The PDF/UA-1 of a Typst ``source`` (:attr:`Pages.typst`) whose figures are drawn,
    with the fonts of the figures (matplotlib's), and its tables' row headers tagged
    (:func:`.pdftags.tag_row_headers`)."""
    import typst

    typ = work_dir / "report.typ"
    atomic_write(typ, source)
    try:
        pdf = typst.compile(
            str(typ),
            root=str(work_dir),
            font_paths=[str(theme.FONT_DIR)],
            ignore_system_fonts=True,
            pdf_standards=["ua-1"],
        )
    except Exception as exc:  # typst raises its own error type with the compiler's message
        raise RuntimeError(f"typst: {exc}") from exc
    return tag_row_headers(pdf)


def _say_waiting(work_dir: Path) -> None:
    print(MSG_WAITING.format(path=work_dir), file=sys.stderr, flush=True)


def render_report(
    provider: str,
    data: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings,
    formats: Sequence[str] = DEFAULT_FORMATS,
    template: str | Path | nbformat.NotebookNode = TEMPLATE,
    work_root: str | Path = "_work",
    jobs: int = 1,
    survey: Survey | None = None,
    keep_period: bool = True,
) -> RenderResult:
    """Render the report of ``provider`` for the period at ``data`` into ``out_dir``.

    Writes ``<provider>.<format>`` for each of ``formats`` and ``<provider>.json`` (the
    sidecar): all of them or, when one cannot be written, none. Then it removes the report's
    files of the other formats, left by an earlier render, so that the folder never mixes
    outputs of different runs. ``survey`` is the period
    already loaded with these settings and ``template`` the parsed template
    (:func:`load_template`; the batch passes both); without them they are read here, and with
    ``keep_period`` the loaded period is kept in the work folder for the next render of the
    same inputs (:mod:`.periodstore`). ``jobs``
    is the number of cores this one report may use: its figures are drawn and its formats
    written side by side (the batch, which renders a report per core, passes 1); the
    outputs do not depend on it.

    Before any work, the output and work folders are checked (:func:`check_folders`). The
    work folder ``work_root/<period>/<provider>`` is locked while the report renders: a
    second run of the same report waits for the first instead of mixing its files with
    them; what a killed run left there is removed first.

    Raises OutputPathError for an output or work folder in the delivery or not writable,
    DataError when the data is invalid and UnknownProviderError for an unknown provider
    (nothing is written then), and RenderError naming the provider and the step that failed
    (a failed write included, with the path and the reason).

    The steps, in order: load, execute, draw, assemble, number, write.
    """
    t0 = time.perf_counter()
    formats = check_formats(formats)
    name = safe_name(provider)
    data = Path(data).resolve()
    out_dir = Path(out_dir)
    work_dir = (Path(work_root) / safe_name(data.name) / name).resolve()
    check_folders(data, out_dir, work_dir)
    # invalid data and unknown providers are the user's to fix: say so before executing
    store, kept = None, False
    if survey is None:  # the caller's survey is the caller's to keep
        store = periodstore.Store.of(data, settings, work_root) if keep_period else None
        survey = store.load() if store is not None else None
        kept = survey is not None
        if survey is None:
            survey = load_survey(data, settings)
    survey.check_provider(provider)
    try:
        with locked(work_dir, on_wait=_say_waiting):
            remove_partials(work_dir, WORK_PARTIALS, recursive=True)
            remove_partials(out_dir, tuple(f".{name}.{e}.*.part" for e in (*FORMATS, "json")))
            result = _render_locked(
                provider, survey, data, out_dir, work_dir, settings, formats, template, jobs
            )
    except OSError as exc:  # the work folder itself (its lock, what a killed run left)
        raise RenderError(provider, "execute", os_error_text(exc, work_dir)) from exc
    if store is not None and not kept:  # only after a report was made from it
        store.save(survey)
    result.seconds = time.perf_counter() - t0
    return result


def _render_locked(
    provider: str,
    survey: Survey,
    data: Path,
    out_dir: Path,
    work_dir: Path,
    settings: Settings,
    formats: tuple[str, ...],
    template: str | Path | nbformat.NotebookNode,
    jobs: int,
) -> RenderResult:
    """The steps of :func:`render_report` after loading, in the locked work folder."""
    name = safe_name(provider)
    session = render_session(survey, work_dir)
    parameters = {"provider": provider, "data": str(data), "work_dir": str(work_dir)}
    step, where = "execute", work_dir
    try:
        session.figure_dir.mkdir(parents=True, exist_ok=True)
        nb = execute(_notebook(template), parameters, work_dir, provider, {NAMESPACE_KEY: session})
        step = "assemble"
        document = assemble(nb)
        step = "figures"
        title = f"{settings.report.title} – {survey.dataset.provider_name(provider)}"
        pandoc = _PandocStage(document, work_dir, title, formats)
        # beside the figures only when this report has cores of its own: in a batch every
        # core renders a report already, and a thread more would only add contention
        session.figures.draw_all(jobs=jobs, alongside=pandoc if jobs > 1 else None)
        if jobs == 1:
            pandoc()
        step = "pandoc"
        pandoc.check()
        rendered, sidecar = _write_formats(
            provider, document, work_dir, title, formats, jobs, pandoc
        )
        step, where = "write", out_dir
        files = {out_dir / f"{name}.{f}": rendered[f] for f in formats}
        files[out_dir / f"{name}.json"] = (
            json.dumps(sidecar, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )
        written = atomic_write_all(files)
        # a format not asked for this time was made by an earlier render, perhaps with
        # other settings or data: it goes, so that the folder holds one set (the sidecar's
        # ``files``) and never a PDF beside an HTML that says something else
        for stale in FORMATS:
            if stale not in formats:
                (out_dir / f"{name}.{stale}").unlink(missing_ok=True)
    except RenderError:
        raise
    except OSError as exc:
        raise RenderError(provider, step, os_error_text(exc, where)) from exc
    except Exception as exc:
        raise RenderError(provider, step, exc) from exc
    result = RenderResult(provider, sidecar=sidecar)
    result.outputs = dict(zip([*formats, "json"], written, strict=True))
    return result


class _PandocStage:
    """What Pandoc makes of a document before its figures exist (they are only named by
    path): the outline and the pages of HTML and PDF (:func:`pages`). With cores to spare it
    runs while the figures are drawn (:func:`.drawing.draw_all`'s ``alongside``); what
    failed is kept for :meth:`check`."""

    def __init__(self, document: Document, work_dir: Path, title: str, formats: Sequence[str]):
        self.document, self.work_dir, self.title = document, work_dir, title
        self.formats = [f for f in formats if f in ("html", "pdf")]
        self.pages = Pages([], "", "")
        self.error: BaseException | None = None

    def __call__(self) -> None:
        try:
            markdown = self.document.markdown(PandocMarkdown(base=self.work_dir))
            atomic_write(self.work_dir / "report.md", markdown)
            self.pages = pages(markdown, self.work_dir, self.title, self.formats)
        except BaseException as exc:  # raised again by check(), in the renderer's thread
            self.error = exc

    def check(self) -> None:
        """Raise what failed (the renderer names :attr:`step`); nothing when all went well."""
        if self.error is not None:
            raise self.error


def _write_formats(
    provider: str,
    document: Document,
    work_dir: Path,
    title: str,
    formats: Sequence[str],
    jobs: int,
    pandoc: _PandocStage,
) -> tuple[dict[str, bytes], dict]:
    """The document in every asked format, and the sidecar, once its figures are drawn.

    HTML and PDF share one numbered Pandoc document, whose pages ``pandoc`` made while the
    figures were drawn (each writer keeps its own raw blocks); DOCX has its own markdown.
    Formats are written side by side when ``jobs`` allows (Pandoc and Typst do the work,
    so threads suffice). Raises RenderError naming the format that failed."""
    from .docx import write_docx

    record = next(document.blocks.of(ReportRecord), None)
    sidecar = build_sidecar(
        record, entries(document.blocks), pandoc.pages.outline, formats, safe_name(provider)
    )

    def docx() -> bytes:
        docx_md = document.markdown(DocxMarkdown(base=work_dir))
        return write_docx(json.dumps(to_ast(docx_md, work_dir)), work_dir, title)

    writers = {
        "html": lambda: write_html(pandoc.pages.html, work_dir),
        "pdf": lambda: compile_pdf(pandoc.pages.typst, work_dir),
        "docx": docx,
    }

    def write(fmt_: str) -> bytes:
        try:
            return writers[fmt_]()
        except OSError as exc:
            raise RenderError(provider, fmt_, os_error_text(exc, work_dir)) from exc
        except Exception as exc:
            raise RenderError(provider, fmt_, exc) from exc

    if jobs > 1 and len(formats) > 1:
        with ThreadPoolExecutor(len(formats)) as pool:
            return dict(zip(formats, pool.map(write, formats), strict=True)), sidecar
    return {f: write(f) for f in formats}, sidecar


def _plain(value):
    """Mappings and tuples of a decoded block as plain dicts and lists (for JSON)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def build_sidecar(
    record: ReportRecord | None,
    found_entries: list[dict],
    found: list[dict],
    formats: Sequence[str],
    name: str,
) -> dict:
    """Sidecar: provider, period, table 2.2, norm, and every figure/table with its number.

    Derived from the blocks (``record`` and ``found_entries``, see :func:`.blocks.entries`)
    and the numbered outline of the document (``found``)."""
    numbers = {(f["type"], f["id"]): f["number"] for f in found if f["type"] in ("figure", "table")}
    shown, suppressed = [], []
    for e in found_entries:
        if e.get("suppressed"):
            suppressed.append(e)
        elif e["kind"] == "cover":
            shown.append(e)
        else:
            shown.append({**e, "number": numbers.get((e["kind"], e["id"]))})
    return {
        "provider": _plain(record.provider) if record else None,
        "period": _plain(record.period) if record else None,
        "table11": _plain(record.table11) if record else [],
        "norm": _plain(record.norm) if record else None,
        "sections": [
            {"number": f["number"], "title": f["title"], "level": f["level"]}
            for f in found
            if f["type"] == "heading"
        ],
        "figures": [e for e in shown if e["kind"] == "figure"],
        "tables": [e for e in shown if e["kind"] == "table"],
        "cover": [e for e in shown if e["kind"] == "cover"],
        "suppressed": suppressed,
        "files": {f: f"{name}.{f}" for f in formats},
    }


def render_notebook(
    template: str | Path,
    parameters: dict,
    out_path: str | Path,
    *,
    work_root: str | Path = "_work",
) -> Path:
    """Execute a companion notebook (a .qmd under ``notebooks/``) and write it as HTML.

    The same machinery as a report: papermill injects ``parameters``, the cells run
    in-process, Pandoc writes a self-contained HTML file (atomically). Returns its path.
    """
    template = Path(template)
    work_dir = (Path(work_root) / "notebooks" / safe_name(template.stem)).resolve()
    with locked(work_dir, on_wait=_say_waiting):
        remove_partials(work_dir, WORK_PARTIALS, recursive=True)
        nb = execute(
            load_template(template),
            {**parameters, "work_dir": str(work_dir)},
            work_dir,
            template.stem,
        )
        markdown = assemble(nb).markdown(PandocMarkdown(base=work_dir))
        title = str(nb.metadata.get("quarto", {}).get("title", template.stem))
        page = pages(markdown, work_dir, title, ["html"]).html
        return atomic_write(out_path, write_html(page, work_dir))
