"""Read a Quarto document (.qmd) into a Jupyter notebook, as Quarto itself does.

The front matter becomes notebook metadata, every ```` ```{python} ```` block a code cell
(its ``#|`` option lines become cell metadata, ``tags: [parameters]`` becomes the cell tag
papermill looks for), and the text between them markdown cells. This is what lets papermill
inject parameters into ``report_template.qmd`` without a Quarto binary.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

_FENCE_OPEN = re.compile(r"^(?P<ticks>`{3,})\s*\{(?P<lang>python)(?P<rest>[^}]*)\}\s*$")
_OPTION = re.compile(r"^#\|\s?(.*)$")


class QmdError(ValueError):
    """The .qmd cannot be read (bad front matter, unclosed code block)."""


def _split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter, body) of a .qmd text."""
    if not text.startswith("---"):
        return {}, text
    lines = text.splitlines(keepends=True)
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            try:
                meta = yaml.safe_load("".join(lines[1:i])) or {}
            except yaml.YAMLError as exc:
                raise QmdError(f"front matter is no valid YAML: {exc}") from exc
            return meta, "".join(lines[i + 1 :])
    raise QmdError("front matter is not closed with '---'")


def cell_options(source: str) -> dict:
    """Parse the ``#| key: value`` lines at the top of a code cell."""
    yaml_lines = []
    for line in source.splitlines():
        m = _OPTION.match(line)
        if not m:
            break
        yaml_lines.append(m.group(1))
    if not yaml_lines:
        return {}
    try:
        opts = yaml.safe_load("\n".join(yaml_lines)) or {}
    except yaml.YAMLError as exc:
        raise QmdError(f"cell options are no valid YAML: {exc}\n{source[:200]}") from exc
    return opts if isinstance(opts, dict) else {}


def read_qmd(text: str) -> nbformat.NotebookNode:
    """Convert the text of a .qmd into a v4 notebook with a python3 kernelspec."""
    meta, body = _split_front_matter(text)
    cells = []
    buf: list[str] = []
    lines = body.splitlines(keepends=True)
    i = 0

    def flush_markdown() -> None:
        md = "".join(buf).strip("\n")
        if md.strip():
            cells.append(nbformat.v4.new_markdown_cell(md, metadata={"tags": []}))
        buf.clear()

    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i].rstrip("\n"))
        if not m:
            buf.append(lines[i])
            i += 1
            continue
        flush_markdown()
        ticks = m.group("ticks")
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != ticks:
            j += 1
        if j == len(lines):
            raise QmdError(f"code block opened on line {i + 1} is not closed")
        source = "".join(lines[i + 1 : j]).rstrip("\n")
        cell = nbformat.v4.new_code_cell(source)
        opts = cell_options(source)
        cell.metadata["tags"] = list(opts.get("tags") or [])  # papermill reads every cell's tags
        if opts:
            cell.metadata["quarto"] = opts
        cells.append(cell)
        i = j + 1
    flush_markdown()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["quarto"] = meta
    return nb


def load_qmd(path: str | Path) -> nbformat.NotebookNode:
    """Read a .qmd file into a notebook (see :func:`read_qmd`)."""
    return read_qmd(Path(path).read_text(encoding="utf-8"))
