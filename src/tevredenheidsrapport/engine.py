"""A papermill engine that runs notebook cells inside this Python process.

Papermill normally starts a Jupyter kernel per notebook; for hundreds of reports that costs
seconds each. This engine executes the cells with ``exec`` in a fresh namespace, records
outputs in the notebook exactly like a kernel would (stream, display_data with
``text/markdown``, error), and lets papermill do everything else: parameter injection,
execution bookkeeping and raising :class:`papermill.exceptions.PapermillExecutionError`
with the failing cell. Imports are paid once per process, so batch workers stay warm.

Inline expressions in markdown (```{python} expr```, as in Quarto) are evaluated in the
same namespace after the code cell before them; the results are stored in the cell's
metadata (``tevreden.inline``) for the renderer.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import traceback

import nbformat
from papermill.engines import Engine, papermill_engines

ENGINE_NAME = "tevreden-inprocess"
INLINE = re.compile(r"`\{python\}\s+([^`]+)`")


def _display_outputs(value: object) -> list[nbformat.NotebookNode]:
    """Turn a cell's result into display_data outputs, as IPython's formatter would."""
    if value is None:
        return []
    data: dict[str, object] = {}
    if hasattr(value, "_repr_mimebundle_"):
        bundle = value._repr_mimebundle_()
        data.update(bundle[0] if isinstance(bundle, tuple) else bundle)
    if hasattr(value, "_repr_markdown_"):
        data["text/markdown"] = value._repr_markdown_()
    if hasattr(value, "_repr_html_") and "text/html" not in data:
        data["text/html"] = value._repr_html_()
    data.setdefault("text/plain", repr(value))
    return [nbformat.v4.new_output("execute_result", data=data, execution_count=None)]


def inline_value(value: object) -> str:
    """Text of an inline expression result: markdown as is, anything else escaped."""
    from .md import escape

    if hasattr(value, "_repr_markdown_"):
        return value._repr_markdown_()
    return escape(value)


def run_source(source: str, namespace: dict, filename: str) -> object:
    """Execute ``source``; return the value of a trailing expression (or None)."""
    tree = ast.parse(source, filename=filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - running the notebook is the point
    if last is not None:
        return eval(compile(last, filename, "eval"), namespace)  # noqa: S307
    return None


class InProcessEngine(Engine):
    """Papermill engine executing cells in-process (see module docstring)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, namespace=None, **kwargs):
        """Run every cell in one namespace that starts as ``namespace`` (our renderer puts
        the report's session there). The working directory is left alone: the cells get
        absolute paths from their parameters."""
        namespace = {"__name__": "__main__", **(namespace or {})}
        nb = nb_man.nb
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                exprs = INLINE.findall(cell.source)
                if exprs:
                    values = [
                        inline_value(run_source(e.strip(), namespace, f"<inline {index}>"))
                        for e in exprs
                    ]
                    cell.metadata.setdefault("tevreden", {})["inline"] = values
                continue
            if cell.cell_type != "code":
                continue
            nb_man.cell_start(cell, index)
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    value = run_source(cell.source, namespace, f"<cell {index}>")
            except Exception as exc:  # recorded in the notebook; papermill raises it
                if out.getvalue():
                    cell.outputs.append(
                        nbformat.v4.new_output("stream", name="stdout", text=out.getvalue())
                    )
                tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
                cell.outputs.append(
                    nbformat.v4.new_output(
                        "error", ename=type(exc).__name__, evalue=str(exc), traceback=tb
                    )
                )
                nb_man.cell_exception(cell, index, exception=exc)
                nb_man.cell_complete(cell, index)
                break
            if out.getvalue():
                cell.outputs.append(
                    nbformat.v4.new_output("stream", name="stdout", text=out.getvalue())
                )
            cell.outputs.extend(_display_outputs(value))
            nb_man.cell_complete(cell, index)


def register() -> None:
    """Register the engine with papermill under :data:`ENGINE_NAME` (idempotent)."""
    papermill_engines.register(ENGINE_NAME, InProcessEngine)
