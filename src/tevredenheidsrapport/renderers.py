"""Renderers: the same content blocks (:mod:`.blocks`) turned into each output's form.

- :class:`PandocMarkdown` writes Pandoc markdown. Most blocks have one markdown form for
  every format; the few that need a format's own layout (cover, summary, contents) are
  written as raw blocks by one *raw writer* per format (:class:`HtmlRaw`,
  :class:`TypstRaw`), and by a native fallback where no raw writer is asked for. Our HTML
  and PDF share one Pandoc document, so their renderer asks for both raw writers; each Pandoc
  writer keeps only its own.
- :class:`DocxMarkdown` is the markdown for Pandoc's docx writer: cover, summary and
  contents as Word paragraphs with the reference document's styles.
- :class:`JupyterHtml` is what a notebook displays (figures embedded).

Data (names, item texts, labels) is escaped here, at the edge, and nowhere else. Ids and
image paths are data too (a figure's id and file name hold a codebook's questionnaire and item
ids): every id passes through :func:`.md.ident`, every attribute value through
:func:`.md.attr`, and an image is only written when it is a figure file (``.svg``) inside the
directory the document is read from, as a link destination that cannot end early
(:func:`.md.link_target`). The codebook checks refuse such ids long before; this holds when
they were bypassed.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import MappingProxyType

from . import fmt, labels, theme
from .blocks import (
    Block,
    Blocks,
    Contents,
    Cover,
    CoverFigure,
    DocumentMeta,
    Figure,
    Heading,
    Note,
    OpenAnswers,
    Paragraph,
    ReportRecord,
    Summary,
    Suppressed,
    Table,
)
from .fsutil import is_within
from .md import attr, escape, fence, ident, link_target, pipe_table, printable, raw, typst_string

#: Small grey text for source lines and notes in the PDF (Pandoc's typst:text attributes).
MUTED_TYPST = MappingProxyType(
    {"typst:text:size": "8pt", "typst:text:fill": f'rgb("{theme.COLOURS["muted"]}")'}
)
#: Figures and tables are kept on one page in the PDF, with some air around them.
FLOAT_TYPST = MappingProxyType(
    {"typst:breakable": "false", "typst:above": "1.4em", "typst:below": "1.6em"}
)
#: A table's box: kept on one page in the PDF; in the HTML it scrolls on a narrow screen, so
#: it can take the keyboard focus (WCAG 2.1.1; axe: scrollable-region-focusable).
TABLE_ATTRS = MappingProxyType({**FLOAT_TYPST, "tabindex": "0"})
#: The files a report's image may be: the figures the sink draws.
IMAGE_SUFFIXES = (".svg",)


def checked_image(path: str | os.PathLike[str], base: str | os.PathLike[str] | None) -> Path:
    """``path`` when it may be shown as an image of the report: a figure file (``.svg``) and,
    when ``base`` is given, inside ``base`` (symbolic links resolved). Raises ValueError
    otherwise, so that no other file (``/etc/passwd``) is ever embedded."""
    p = Path(path)
    if p.suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(
            labels.IMAGE_NOT_A_FIGURE.format(path=str(path), suffixes=", ".join(IMAGE_SUFFIXES))
        )
    if base is not None and not is_within(p, base):
        raise ValueError(labels.IMAGE_OUTSIDE_WORK_DIR.format(path=str(path), root=str(base)))
    return p


class PandocMarkdown:
    """Blocks -> Pandoc markdown; ``raw_formats`` names the raw writers to use.

    ``base`` is the directory the document is read from: image paths are written relative
    to it (none: as the figure sink wrote them)."""

    def __init__(self, base: str | os.PathLike[str] | None = None, raw_formats=("html", "typst")):
        self.base = Path(base) if base is not None else None
        self.raw_writers = [RAW_WRITERS[f] for f in raw_formats]

    # -- entry points
    def render(self, blocks: Iterable[Block]) -> str:
        parts = (self.block(b) for b in Blocks.join(blocks))
        return "\n\n".join(p for p in parts if p)

    def bundle(self, blocks: Blocks) -> dict:
        """Jupyter display data: the markdown (what Quarto's ``output: asis`` includes)."""
        return {"text/markdown": self.render(blocks)}

    def block(self, b: Block) -> str:
        method = getattr(self, f"_{b.kind}", None)
        if method is None:
            raise TypeError(f"{type(self).__name__} cannot render a {b.kind} block")
        return method(b)

    # -- helpers
    def image_path(self, path: str) -> str:
        """The path of a figure's image as the document refers to it: relative to ``base``
        (inside it, see :func:`checked_image`), or as the sink wrote it without a base."""
        checked_image(path, self.base)
        if self.base is None:
            return Path(path).as_posix()
        return Path(os.path.relpath(path, self.base)).as_posix()

    def image(self, alt: str, path: str, width: str) -> str:
        """A Pandoc image: alt text escaped, path checked and written as a safe destination."""
        return f"![{escape(alt)}]({link_target(self.image_path(path))}){{width={width}}}"

    def _raw(self, b: Block) -> str:
        """The raw blocks of every asked format; the native form when none was asked."""
        if not self.raw_writers:
            return self.native(b)
        parts = [w(self).block(b) for w in self.raw_writers]
        return "\n\n".join(p for p in parts if p)

    def native(self, b: Block) -> str:
        return ""

    # -- blocks with one markdown form
    def _heading(self, b: Heading) -> str:
        return f"{'#' * b.level} {escape(b.text)}"

    def _paragraph(self, b: Paragraph) -> str:
        return escape(b.text)

    def _note(self, b: Note) -> str:
        text = "\\\n".join(escape(x) for x in b.lines)
        return fence(text, "rnote", attrs=MUTED_TYPST if b.muted else None)

    def _open_answers(self, b: OpenAnswers) -> str:
        # the intro is our own sentence (smart quotes wanted); the texts are data
        items = "\n".join(f"- {escape(t)}" for t in b.texts)
        return fence(f"{b.intro}\n\n{items}", "ropen")

    def _caption(self, title: str) -> str:
        return fence(escape(title), "rcaption")

    def _figure(self, b: Figure) -> str:
        attrs: dict[str, object] = dict(FLOAT_TYPST)
        if b.n is not None:
            attrs["data-n"] = b.n
        if b.item:
            attrs["data-item"] = b.item
        image = self.image(b.alt, b.image, "100%")
        source = fence(escape(b.source), "rsource", attrs=MUTED_TYPST)
        body = "\n\n".join([self._caption(b.title), image, source])
        return fence(body, "rfigure", ident=f"fig-{ident(b.id)}", attrs=attrs, depth=4)

    def _suppressed(self, b: Suppressed) -> str:
        if not b.shown:
            return ""
        return fence(f"**{escape(fmt.sentence(b.title))}** {escape(b.reason)}", "rsuppressed")

    def _table(self, b: Table) -> str:
        parts = [self._caption(b.title), pipe_table(b.frame, b.align, b.widths, b.row_styles)]
        if b.notes:
            parts.append(self._note(Note(b.notes, muted=True)))
        body = "\n\n".join(parts)
        return fence(body, "rtable", ident=f"tbl-{ident(b.id)}", attrs=TABLE_ATTRS, depth=4)

    def _meta(self, b: DocumentMeta) -> str:
        # metadata values are markdown to Pandoc: escaped, so the title stays literal
        # keys and the language are ids: slugged, so that none can end the YAML block
        when = "".join(
            f"\n  {ident(k)}: {'true' if v else 'false'}" for k, v in b.conditions.items()
        )
        prefixes = "".join(f'\n  {ident(k)}: "{attr(escape(v))}"' for k, v in b.prefixes.items())
        return (
            "---\n"
            f'pagetitle: "{attr(escape(b.pagetitle))}"\n'
            f"lang: {ident(b.lang)}\n"
            f"tevreden:{when}\n"
            f"tevreden-prefix:{prefixes}\n"
            "---"
        )

    def _record(self, b: ReportRecord) -> str:
        return ""

    # -- blocks with a layout of each format's own
    _cover = _summary = _contents = _raw


class DocxMarkdown(PandocMarkdown):
    """Markdown for Pandoc's docx writer: format-specific blocks as styled Word paragraphs
    (custom styles of ``resources/reference.docx``); the contents is Pandoc's ``--toc``."""

    def __init__(self, base=None):
        super().__init__(base, raw_formats=())

    def native(self, b: Block) -> str:
        if isinstance(b, Cover):
            return self._styled(
                [
                    ("Cover Title", b.title),
                    ("Cover Provider", b.provider),
                    ("Cover Meta", b.period),
                    ("Cover Status", b.status),
                    ("Cover Meta", b.client),
                    ("Cover Meta", b.place_date),
                ]
            )
        if isinstance(b, Summary):
            return self._summary_native(b)
        return ""  # contents: written by pandoc's --toc

    @staticmethod
    def _styled(paragraphs: Sequence[tuple[str, str]]) -> str:
        return "\n\n".join(
            f'::: {{custom-style="{style}"}}\n{escape(text)}\n:::' for style, text in paragraphs
        )

    def _summary_native(self, b: Summary) -> str:
        parts = [self._styled([("Summary Title", b.label)])]
        for fig in (b.map, b.donut):
            if fig is not None:
                parts.append(self.image(fig.alt, fig.image, "45%"))
                parts.append(self._styled([("Summary Caption", fig.caption)]))
        parts.append(
            self._styled([("Summary Grade", f"{b.grade} – {b.grade_caption} ({b.grade_note})")])
        )
        if b.staff_intro:
            items = [("Summary Item", f"✓ {b.staff}")] if b.staff else []
            parts.append(self._styled([("Summary", b.staff_intro), *items]))
        if b.best_intro:
            parts.append(
                self._styled(
                    [("Summary", b.best_intro), *(("Summary Item", f"✓ {x}") for x in b.best)]
                )
            )
        return "\n\n".join(parts)


# ---- raw writers: one per format, for the blocks with a layout of their own --------------
class HtmlRaw:
    """Raw HTML for the cover and the summary (the contents is the template's side bar)."""

    def __init__(self, md: PandocMarkdown):
        self.md = md

    def block(self, b: Block) -> str:
        if isinstance(b, Cover):
            return raw("html", self.cover(b))
        if isinstance(b, Summary):
            return raw("html", self.summary(b))
        return ""

    @staticmethod
    def cover(b: Cover) -> str:
        e = _html
        # the provider's name is the page's main heading; the other fields are its lines
        lines = [
            f'<h1 class="cover-{k}">{e(v)}</h1>'
            if k == "provider"
            else f'<p class="cover-{k}">{e(v)}</p>'
            for k, v in _cover_fields(b)
        ]
        return '<header class="cover">\n' + "\n".join(lines) + "\n</header>"

    def summary(self, b: Summary) -> str:
        e = _html
        cells = []
        if b.map is not None:
            cells.append(self._figure(b.map, "summary-map"))
        else:  # as the PDF says it
            no_map = f"<p>{e(labels.SUMMARY_MAP_CAPTION)}</p><p>{e(labels.SUMMARY_NO_MAP)}</p>"
            cells.append(f'<div class="summary-map">{no_map}</div>')
        cells.append(
            f'<div class="summary-grade"><span class="big">{e(b.grade)}</span><span>{e(b.grade_caption)} ({e(b.grade_note)})</span></div>'
        )
        if b.staff_intro:
            check = f'<p class="check">✓ {e(b.staff)}</p>' if b.staff else ""
            cells.append(f'<div class="summary-staff"><p>{e(b.staff_intro)}</p>{check}</div>')
        if b.donut is not None:
            cells.append(self._figure(b.donut, "summary-donut"))
        if b.best_intro:
            lis = "".join(f"<li>✓ {e(x)}</li>" for x in b.best)
            items = f"<ul>{lis}</ul>" if lis else ""
            cells.append(f'<div class="summary-best"><p>{e(b.best_intro)}</p>{items}</div>')
        return (
            '<section class="summary" aria-labelledby="summary-title">\n'
            f'<h2 id="summary-title" class="summary-title">{e(b.label)}</h2>\n'
            + "\n".join(cells)
            + "\n</section>"
        )

    def _figure(self, f: CoverFigure, cls: str) -> str:
        e = _html
        src = self.md.image_path(f.image)
        return f'<figure class="{cls}"><img src="{e(src)}" alt="{e(f.alt)}"><figcaption>{e(f.caption)}</figcaption></figure>'


class TypstRaw:
    """Raw Typst: calls of the functions in ``resources/cover.typ`` and the outline."""

    def __init__(self, md: PandocMarkdown):
        self.md = md

    def block(self, b: Block) -> str:
        if isinstance(b, Cover):
            args = ", ".join(f"{k}: {typst_string(v)}" for k, v in _cover_fields(b))
            return raw("typst", f"#cover({args})")
        if isinstance(b, Summary):
            return raw("typst", self.summary(b))
        if isinstance(b, Contents):
            return raw(
                "typst",
                f"#outline(title: [{b.title}], depth: 2)\n#pagebreak()\n"
                '#set page(numbering: "1", number-align: right)\n#counter(page).update(1)',
            )
        return ""

    def summary(self, b: Summary) -> str:
        def image(f: CoverFigure | None) -> tuple[str, str]:
            return ("", "") if f is None else (self.md.image_path(f.image), f.alt)

        (map_, map_alt), (donut, donut_alt) = image(b.map), image(b.donut)
        args = {
            "title": b.label,  # the two formats name and caption it alike
            "map-caption": b.map.caption if b.map is not None else labels.SUMMARY_MAP_CAPTION,
            "no-map": labels.SUMMARY_NO_MAP,
            "map": map_,
            "map-alt": map_alt,
            "grade": b.grade,
            "grade-note": b.grade_note,
            "grade-caption": b.grade_caption[:1].upper() + b.grade_caption[1:],  # starts a line
            "staff-intro": b.staff_intro,
            "staff": b.staff,
            "donut": donut,
            "donut-alt": donut_alt,
            "donut-caption": b.donut.caption if b.donut is not None else "",
            "best-intro": b.best_intro,
        }
        typ = "#summary(" + ", ".join(f"{k}: {typst_string(v)}" for k, v in args.items())
        return typ + ", best: (" + "".join(f"{typst_string(x)}," for x in b.best) + "))"


RAW_WRITERS = MappingProxyType({"html": HtmlRaw, "typst": TypstRaw})


def _cover_fields(b: Cover) -> list[tuple[str, str]]:
    return [
        ("title", b.title),
        ("provider", b.provider),
        ("period", b.period),
        ("status", b.status),
        ("client", b.client),
        ("place-date", b.place_date),
    ]


# ---- Jupyter --------------------------------------------------------------------------------
class JupyterHtml:
    """What a notebook shows: HTML with the figures embedded."""

    def bundle(self, blocks: Blocks) -> dict:
        return {"text/html": self.render(blocks)}

    def render(self, blocks: Iterable[Block]) -> str:
        return "\n".join(p for p in (self.block(b) for b in Blocks.join(blocks)) if p)

    def block(self, b: Block) -> str:
        e = _html
        if isinstance(b, Heading):
            return f"<h{b.level + 1}>{e(b.text)}</h{b.level + 1}>"
        if isinstance(b, Paragraph):
            return f"<p>{e(b.text)}</p>"
        if isinstance(b, Note):
            return "<p><small>" + "<br>".join(e(x) for x in b.lines) + "</small></p>"
        if isinstance(b, OpenAnswers):
            return (
                f"<p>{e(b.intro)}</p><ul>" + "".join(f"<li>{e(t)}</li>" for t in b.texts) + "</ul>"
            )
        if isinstance(b, Figure):
            return (
                f"<figure><figcaption><strong>{e(b.title)}</strong></figcaption>"
                f"{_img(b.image, b.alt)}<p><small>{e(b.source)}</small></p></figure>"
            )
        if isinstance(b, Suppressed):
            if not b.shown:
                return ""
            return f"<p><strong>{e(fmt.sentence(b.title))}</strong> {e(b.reason)}</p>"
        if isinstance(b, Table):
            return self._table(b)
        if isinstance(b, Cover):
            return HtmlRaw.cover(b)
        if isinstance(b, Summary):
            figs = "".join(
                f"<figure>{_img(f.image, f.alt)}<figcaption>{e(f.caption)}</figcaption></figure>"
                for f in (b.map, b.donut)
                if f is not None
            )
            best = "".join(f"<li>{e(x)}</li>" for x in b.best)
            return (
                f"<section><h2>{e(b.label)}</h2>{figs}<p><strong>{e(b.grade)}</strong> "
                f"{e(b.grade_caption)} ({e(b.grade_note)})</p><p>{e(b.staff_intro)} {e(b.staff)}</p>"
                f"<p>{e(b.best_intro)}</p><ul>{best}</ul></section>"
            )
        return ""  # metadata, contents and the record show nothing

    @staticmethod
    def _table(b: Table) -> str:
        e = _html
        head = "".join(f"<th>{e(str(c))}</th>" for c in b.frame.columns)
        rows = []
        styles = b.row_styles or ("",) * len(b.frame)
        for style, row in zip(styles, b.frame.itertuples(index=False), strict=True):
            cells = [e(str(v)) for v in row]
            if style and cells:
                cells[0] = f"<strong>{cells[0]}</strong>"
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        notes = "".join(f"<p><small>{e(n)}</small></p>" for n in b.notes)
        return (
            f"<table><caption><strong>{e(b.title)}</strong></caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{notes}"
        )


def _html(text: object) -> str:
    """``text`` as HTML text or attribute value: hidden characters dropped, markup escaped."""
    return html.escape(printable(text))


def _img(path: str, alt: str) -> str:
    """The figure embedded; only an SVG file is (never another file a path might name)."""
    try:
        checked_image(path, None)
        data = Path(path).read_bytes() if Path(path).is_file() else b""  # no device, no FIFO
    except (OSError, ValueError):
        data = b""
    if not data.lstrip().startswith((b"<?xml", b"<svg")):
        return f"<p>[{_html(alt)}]</p>"
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<img src="data:image/svg+xml;base64,{encoded}" alt="{_html(alt)}" style="max-width:100%">'
    )
