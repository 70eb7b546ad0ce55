"""The report template as a Jupyter notebook that shows what a reader sees.

``report_template.qmd`` is written for Quarto and our renderer: its text is Pandoc markdown
with inline values (```{python} r.name```), conditional divs and spans
(``.content-visible when-meta="tevreden.…"``) and chapter references. Jupyter shows a
markdown cell as CommonMark and evaluates nothing in it, so :func:`to_jupyter` turns the
parsed template (:func:`.qmd.read_qmd`) into a notebook in which

- every text cell is a code cell (source hidden) that hands its markdown to
  :class:`TextCells`: inline values are evaluated in the notebook's namespace, conditional
  content is applied with the report's own conditions, chapters are numbered and chapter
  references resolved, and Pandoc writes the HTML the cell shows;
- a conditional div that spans cells (chapter 4 holds a code cell) is split: every text
  cell gets its enclosing conditions back, and a code cell inside runs only when they hold;
- the code cells keep their source (hidden) and show their blocks as HTML with the figures
  embedded (:class:`.renderers.JupyterHtml`).

The parameters cell stays first and tagged, so papermill's own CLI runs the notebook too.
Numbers: chapters (level 1) are numbered as in the report; sections are not, because the
sections of chapter 3 come from code cells, whose place in the outline only the whole
document knows.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import nbformat

from .engine import INLINE, inline_value, run_source

#: Tag of the code cells that show the template's text.
TEXT_TAG = "tevreden-text"
_CONDITIONAL = ("content-visible", "content-hidden")
_DIV_OPEN = re.compile(r"^(?P<colons>:{3,})\s*(?P<attrs>\{.*\}|[\w-]+)\s*$")
_DIV_CLOSE = re.compile(r"^(?P<colons>:{3,})\s*$")
_WHEN = re.compile(r'(when-meta|unless-meta)\s*=\s*"([^"]*)"')


@dataclass(frozen=True)
class Text:
    """A text cell's output: the HTML Jupyter shows."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


class TextCells:
    """Shows the template's text cells for one report (see the module docstring).

    ``namespace`` is the notebook's (``globals()``), in which inline values are evaluated;
    ``outline`` lists the template's headings as ``[level, identifier, conditions]``
    (written by :func:`to_jupyter`), from which chapter numbers follow."""

    def __init__(self, report, namespace: Mapping, outline: Sequence[Sequence]):
        self.report = report
        self.namespace = namespace
        self.outline = [
            (int(level), str(ident), tuple(map(tuple, when))) for level, ident, when in outline
        ]

    # -- conditions -------------------------------------------------------------------------
    def _value(self, key: str) -> bool:
        group, _, name = key.partition(".")
        conditions = self.report.conditions
        if group != "tevreden" or name not in conditions:
            raise KeyError(f"unknown metadata key '{key}' in a conditional block")
        return bool(conditions[name])

    def holds(self, conditions: Sequence[Sequence[str]]) -> bool:
        """Whether every ``(attribute, key)`` holds (``when-meta`` or ``unless-meta``)."""
        return all(self._value(key) == (attr == "when-meta") for attr, key in conditions)

    def when(self, key: str) -> bool:
        return self._value(key)

    def unless(self, key: str) -> bool:
        return not self._value(key)

    def numbers(self) -> dict[str, str]:
        """Heading identifier -> number, for the headings this report shows."""
        counters = [0] * 6
        out: dict[str, str] = {}
        for level, ident, when in self.outline:
            if not self.holds(when):
                continue
            counters[level - 1] += 1
            counters[level:] = [0] * (6 - level)
            out[ident] = ".".join(str(c) for c in counters[:level])
        return out

    # -- a text cell ------------------------------------------------------------------------
    def __call__(self, source: str) -> Text:
        """The markdown of one text cell as the report shows it."""
        from .render import READER, run_pandoc

        values = iter(
            inline_value(run_source(e.strip(), dict(self.namespace), "<inline>"))
            for e in INLINE.findall(source)
        )
        markdown = INLINE.sub(lambda _m: next(values), source)
        work = self.report.work_dir
        work.mkdir(parents=True, exist_ok=True)
        ast = json.loads(run_pandoc(["-f", READER, "-t", "json"], markdown, work))
        ast["blocks"] = self._walk(ast["blocks"], self.numbers())
        html = run_pandoc(
            ["-f", "json", "-t", "html5", "--wrap=none", "--shift-heading-level-by=1"],
            json.dumps(ast),
            work,
        )
        return Text(html)

    def _walk(self, nodes, numbers: dict[str, str]):
        """Apply conditions, number chapters and resolve chapter references in a list of
        Pandoc elements (blocks or inlines)."""
        out = []
        for node in nodes:
            if not isinstance(node, dict) or "t" not in node:
                out.append(node)
                continue
            t, c = node["t"], node.get("c")
            if t in ("Div", "Span"):
                (_, classes, kvs), content = c
                attrs = dict(kvs)
                conditions = _div_conditions(classes, attrs)
                if conditions:
                    if self.holds(conditions):
                        out.extend(self._walk(content, numbers))
                    continue
                if t == "Span" and "chapter-ref" in classes:
                    target = attrs.get("target", "")
                    if target not in numbers:
                        raise KeyError(f"chapter reference to unknown heading '{target}'")
                    out.append({"t": "Str", "c": numbers[target]})
                    continue
            if t == "Header":
                level, (ident, classes, kvs), inlines = c
                inlines = self._walk(inlines, numbers)
                if level == 1 and "unnumbered" not in classes and ident in numbers:
                    number = {
                        "t": "Span",
                        "c": [["", ["secnum"], []], [{"t": "Str", "c": numbers[ident]}]],
                    }
                    inlines = [number, {"t": "Space"}, *inlines]
                out.append({"t": t, "c": [level, [ident, classes, kvs], inlines]})
                continue
            out.append({**node, "c": self._walk_content(c, numbers)} if "c" in node else node)
        return out

    def _walk_content(self, c, numbers):
        if isinstance(c, list):
            if all(isinstance(x, dict) and "t" in x for x in c):
                return self._walk(c, numbers)
            return [self._walk_content(x, numbers) for x in c]
        return c


# ---- the conversion -------------------------------------------------------------------------
def _normalised(hidden: bool, pairs) -> list[list[str]]:
    """``[attribute, key]`` pairs as a ``content-visible`` block tests them (``content-hidden
    when X`` is ``content-visible unless X``)."""
    flip = {"when-meta": "unless-meta", "unless-meta": "when-meta"}
    return [[flip[attr] if hidden else attr, key] for attr, key in pairs]


def _div_conditions(classes: Sequence[str], attrs: Mapping[str, str]) -> list[list[str]]:
    """The conditions of a Pandoc div or span (empty for one that is not conditional)."""
    if not any(cls in classes for cls in _CONDITIONAL):
        return []
    if set(attrs) & {"when-format", "unless-format"}:
        raise ValueError("'when-format' is resolved by Quarto, not in Jupyter")
    pairs = [(attr, attrs[attr]) for attr in ("when-meta", "unless-meta") if attr in attrs]
    if not pairs:
        raise ValueError("a conditional block needs 'when-meta' or 'unless-meta'")
    return _normalised("content-hidden" in classes, pairs)


def _conditions(line: str) -> list[list[str]]:
    """The conditions of a div's opening fence line (empty for another div)."""
    if not any(cls in line for cls in _CONDITIONAL):
        return []
    return _normalised("content-hidden" in line, _WHEN.findall(line))


def _split_divs(cells: list) -> list[tuple[object, list[str], list[str], list[list[str]]]]:
    """Per cell: (cell, openers, closers, conditions). A div that opens in one cell and
    closes in a later one is reopened at the top of every text cell it spans (``openers``)
    and closed at its end (``closers``), so that each cell is balanced; ``conditions`` are
    those around a code cell."""
    stack: list[tuple[str, str]] = []  # (opener line, colons) of the divs open so far
    out = []
    for cell in cells:
        if cell.cell_type != "markdown":
            when = [c for line, _ in stack for c in _conditions(line)]
            out.append((cell, [], [], when))
            continue
        openers = [line for line, _ in stack]
        for line in cell.source.splitlines():
            m_open, m_close = _DIV_OPEN.match(line), _DIV_CLOSE.match(line)
            if m_open:
                stack.append((line, m_open.group("colons")))
            elif m_close and stack:
                stack.pop()
        closers = [colons for _, colons in reversed(stack)]
        out.append((cell, openers, closers, []))
    return out


def _outline(markdown: str) -> list[list]:
    """``[level, identifier, conditions]`` of every heading of the template's text."""
    from .render import READER, run_pandoc

    ast = json.loads(run_pandoc(["-f", READER, "-t", "json"], markdown, None))
    found: list[list] = []

    def walk(blocks, when):
        for b in blocks:
            if b["t"] == "Header":
                level, (ident, classes, _), _ = b["c"]
                if "unnumbered" not in classes:
                    found.append([level, ident, when])
            elif b["t"] == "Div":
                (_, classes, kvs), content = b["c"]
                walk(content, when + _div_conditions(classes, dict(kvs)))

    walk(ast["blocks"], [])
    return found


def _literal(text: str) -> str:
    """``text`` as a readable Python string literal."""
    if '"""' not in text and "\\" not in text:
        return '"""\n' + text + '\n"""'
    return repr(text)


def _hidden(cell) -> None:
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True


def to_jupyter(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The Jupyter form of a parsed template (a copy; ``nb`` is not changed)."""
    nb = copy.deepcopy(nb)
    outline = _outline("\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    cells = []
    setup_after = next(
        (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "open_report" in c.source),
        None,
    )
    if setup_after is None:
        raise ValueError("the template has no cell that calls open_report")
    for index, (cell, openers, closers, when) in enumerate(_split_divs(nb.cells)):
        if cell.cell_type == "markdown":
            text_lines = [x for x in cell.source.splitlines() if not _DIV_CLOSE.match(x)]
            if not any(x.strip() and not _DIV_OPEN.match(x) for x in text_lines):
                continue  # only fences of divs that other cells hold
            body = "\n".join([*openers, cell.source, *closers]).strip("\n")
            new = nbformat.v4.new_code_cell(f"#| echo: false\ntext({_literal(body)})")
            new.metadata["tags"] = [TEXT_TAG]
            _hidden(new)
            cells.append(new)
        else:
            cell = copy.deepcopy(cell)
            if when:
                cell.source = _guarded(cell.source, when)
            if "parameters" not in cell.metadata.get("tags", []):
                _hidden(cell)
            cells.append(cell)
        if index == setup_after:
            setup = nbformat.v4.new_code_cell(
                "#| include: false\n"
                "# Written by `tevreden notebook`: shows the text cells as the report does.\n"
                "from tevredenheidsrapport.jupyter import TextCells\n\n"
                f"text = TextCells(r, globals(), outline={json.dumps(outline, ensure_ascii=False)})"
            )
            setup.metadata["tags"] = []
            _hidden(setup)
            cells.append(setup)
    nb.cells = cells
    return nb


def _guarded(source: str, when: list[list[str]]) -> str:
    """A code cell's source that runs only when ``when`` holds. A one-line expression stays
    the cell's result (shown); longer code runs inside an ``if`` and shows what it displays."""
    options = [line for line in source.splitlines() if line.startswith("#|")]
    body = [line for line in source.splitlines() if not line.startswith("#|")]
    test = " and ".join(
        f"text.{'when' if attr == 'when-meta' else 'unless'}({key!r})" for attr, key in when
    )
    code = "\n".join(body).strip("\n")
    if "\n" not in code:
        return "\n".join([*options, f"({code}) if {test} else None"])
    return "\n".join([*options, f"if {test}:", *("    " + line for line in body)])
