"""Identifiers and labels from data: refused by validation, and harmless if they get past it.

A codebook's ``questionnaire`` and an item's ``id`` are joined into a figure's ident, which
becomes the figure's file name, the Pandoc id of its div (``#fig-<ident>``) and, with the item
id, an attribute (``data-item``). Issue 9 found that a value with a line break put raw HTML
(``<meta http-equiv="refresh">``, ``<img onerror>``) and Typst into the report, that
``![leak](/etc/passwd)`` embedded that file, and that ``../`` or an absolute value wrote SVG
files outside the work directory.

Part one: every identifier field of a codebook refuses such values with a problem that names
the file, the line and the field; texts and labels refuse hidden characters (control, format
and bidi characters) and have a maximum length, as provider names do. Part two: the same
values forced past validation (blocks and a sink built in Python, and a codebook whose id
checks are switched off) never become a path outside the work directory, a raw element, an
unescaped id or attribute, or an embedded file that is not a figure.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
import yaml
from test_injection import _Page  # the HTML parser of the injection tests

from tevredenheidsrapport import checks, codebook, figures, md, render
from tevredenheidsrapport.blocks import (
    Blocks,
    CoverFigure,
    DocumentMeta,
    Figure,
    Heading,
    Summary,
    Suppressed,
    Table,
)
from tevredenheidsrapport.codebook import load_codebook, parse_codebook
from tevredenheidsrapport.drawing import FigureSink
from tevredenheidsrapport.errors import CodebookError, RenderError
from tevredenheidsrapport.fsutil import safe_name
from tevredenheidsrapport.renderers import DocxMarkdown, JupyterHtml, PandocMarkdown

HOSTILE = Path(__file__).parent / "hostile"
BASE_BOOK = HOSTILE / "base" / "codebooks" / "klant-test.yaml"
FILE = "klant-test.yaml"

#: Values an attacker would give an identifier; ``absolute`` is made absolute per test (a
#: path into the test's own directory, so that a failure cannot write to the real ``/``).
HOSTILE_IDS = {
    "html": 'x\n<meta http-equiv="refresh" content="0;url=http:127.0.0.1:18765">\n'
    "<img src=x onerror=alert(1)>",
    "passwd": "x\n\n![leak](/etc/passwd)\n",
    "link": "x](/etc/passwd)",
    "up": "../../x",
    "absolute": "/abs",
    "typst": "x\n```{=typst}\n#set page(fill: red)\n```",
    "typst-inline": "#set page(fill: red)",
    "quote": 'x" onclick="alert(1)" data-x=">',
}
#: The markers of those payloads that must never appear as markup or content (as text, in an
#: attribute value, they are escaped: ``&lt;img``, ``&quot;``).
RAW_MARKERS = ('http-equiv="refresh"', "<img src=x", 'onclick="alert', "root:x:0:")


def _base() -> dict:
    return yaml.safe_load(BASE_BOOK.read_text(encoding="utf-8"))


def _refused(data: dict) -> list:
    with pytest.raises(CodebookError) as err:
        parse_codebook(data, FILE)
    return err.value.problems


# --------------------------------------------------------------------------- validation: ids

#: Every identifier field of a codebook: how to put a value there, and the problem's column.
#: Items 2 and 4 of the base codebook (kanaal, coach) are referenced by nothing, so a bad
#: value there gives exactly one problem.
ID_FIELDS = {
    "codebook": (lambda d, v: d.update(codebook=v), "codebook"),
    "questionnaire": (lambda d, v: d.update(questionnaire=v), "questionnaire"),
    "version": (lambda d, v: d.update(version=v), "version"),
    "respondent_id": (lambda d, v: d.update(respondent_id=v), "respondent_id"),
    "grade_item": (lambda d, v: d.update(grade_item=v), "grade_item"),
    "item id": (lambda d, v: d["items"][4].update(id=v), "id"),
    "section id": (lambda d, v: d["sections"].append({"id": v, "title": "Extra"}), "id"),
    "scale name": (lambda d, v: d["scales"].update({v: {1: "Ja"}}), "scales"),
    "matrix row": (lambda d, v: d["items"][4]["rows"].update({v: "rij"}), "rows"),
    "routing": (lambda d, v: d["items"][2]["when"].update(item=v), "when.item"),
    "other text": (
        lambda d, v: d["items"][2].update(other={"option": 2, "text": v}),
        "other.text",
    ),
    "complete_when": (lambda d, v: d["complete_when"].append(v), "complete_when"),
    "role": (lambda d, v: d.update(roles={v: "cijfer"}), "roles"),
    "role value": (lambda d, v: d.update(roles={"recommend": v}), "roles.recommend"),
}


def test_the_shipped_and_test_codebooks_meet_the_patterns():
    """The patterns were chosen so that every codebook we have passes them unchanged."""
    from tevredenheidsrapport.config import CODEBOOKS

    books = {**codebook.load_codebooks(CODEBOOKS), **codebook.load_codebooks(BASE_BOOK.parent)}
    assert len(books) >= 6
    for cb in books.values():
        assert codebook.ID_PATTERN.fullmatch(cb.questionnaire)
        assert all(codebook.ID_PATTERN.fullmatch(it.id) for it in cb.items)
        assert all(codebook.ID_PATTERN.fullmatch(r) for it in cb.items for r in it.rows)


@pytest.mark.parametrize("value", HOSTILE_IDS.values(), ids=HOSTILE_IDS)
@pytest.mark.parametrize("field", ID_FIELDS)
def test_hostile_identifier_is_refused_naming_file_field_and_value(field, value):
    data = _base()
    put, column = ID_FIELDS[field]
    put(data, value)
    [problem] = _refused(data)
    assert (problem.file, problem.column, problem.value) == (FILE, column, checks.shortened(value))
    assert "geen geldige code" in problem.message
    assert "kleine letters" in problem.expected
    # the message itself never quotes the value (it may hold a line break or markup)
    assert value not in problem.message and "\n" not in str(problem)


@pytest.mark.parametrize("field", ["questionnaire", "item id", "matrix row", "routing", "role"])
def test_a_refused_identifier_names_its_line(tmp_path, field):
    data = _base()
    ID_FIELDS[field][0](data, HOSTILE_IDS["html"])
    path = tmp_path / FILE
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    [problem] = err.value.problems
    assert problem.file == str(path)
    line = path.read_text(encoding="utf-8").splitlines()[problem.row - 1]
    # the line of the field, or (a mapping key with a line break) the '? ' line of that key
    assert line.lstrip("- ").startswith(("questionnaire:", "id:", "? ", "when:", "item:"))


@pytest.mark.parametrize("value", ["Arbeid", "2arbeid", "arbeid-2024", "a" * 41, "", True, 12])
def test_questionnaire_pattern_is_strict(value):
    data = _base()
    data["questionnaire"] = value
    [problem] = _refused(data)
    assert problem.column == "questionnaire" and "geen geldige code" in problem.message


@pytest.mark.parametrize(
    ("field", "value"),
    [("version", 2019), ("version", "2024.1"), ("codebook", "klant-test"), ("item id", "a" * 40)],
)
def test_ordinary_identifiers_are_accepted(field, value):
    data = _base()
    ID_FIELDS[field][0](data, value)
    assert parse_codebook(data, FILE).id == "klant-test"


def test_an_answer_code_must_be_a_modest_whole_number():
    data = _base()
    data["items"][1]["options"][100000] = "Misschien"
    [problem] = _refused(data)
    assert (problem.column, problem.message) == (
        "options",
        "item contact: antwoordcode is te groot",
    )


# --------------------------------------------------------------------------- validation: texts

#: Every text and label of a codebook: how to put a value there, what the problem calls it
#: (naming the item, section or scale) and its column.
TEXT_FIELDS = {
    "item text": (lambda d, v: d["items"][1].update(text=v), "item contact: vraagtekst", "text"),
    "answer label": (
        lambda d, v: d["items"][1]["options"].update({1: v}),
        "item contact: antwoordlabel",
        "options",
    ),
    "scale label": (
        lambda d, v: d["scales"]["tevreden"].update({2: v}),
        "schaal tevreden: antwoordlabel",
        "scales",
    ),
    "matrix row": (
        lambda d, v: d["items"][4]["rows"].update(tijd=v),
        "item coach: rijtekst",
        "rows",
    ),
    "note": (lambda d, v: d["items"][1].update(note=v), "item contact: toelichting", "note"),
    "short label": (
        lambda d, v: d["items"][1].update(label=v),
        "item contact: korte naam",
        "label",
    ),
    "section title": (
        lambda d, v: d["sections"][0].update(title=v),
        "sectie alles: titel",
        "title",
    ),
    "section intro": (
        lambda d, v: d["sections"][0].update(intro=v),
        "sectie alles: inleiding",
        "intro",
    ),
    "codebook title": (lambda d, v: d.update(title=v), "titel", "title"),
}
#: Hidden characters: controls (C0, DEL, C1), bidi embeddings, overrides, isolates and marks,
#: and other invisible format characters.
HIDDEN = {
    "ESC": "\x1b[31m",
    "BEL": "\x07",
    "NUL": "\x00",
    "DEL": "\x7f",
    "NEL": "\x85",
    "LRE": "\u202a",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "RLI": "\u2067",
    "PDI": "\u2069",
    "LRM": "\u200e",
    "RLM": "\u200f",
    "ALM": "\u061c",
    "ZWSP": "\u200b",
    "BOM": "\ufeff",
    "LSEP": "\u2028",
    "TAG": "\U000e0041",
}


def _text_problem(field: str, text: str):
    data = _base()
    put, what, column = TEXT_FIELDS[field]
    put(data, text)
    [problem] = _refused(data)
    assert (problem.file, problem.column) == (FILE, column)
    return problem, what


@pytest.mark.parametrize("char", ["ESC", "RLO", "RLI", "ALM"])
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_hidden_character_in_a_text_is_refused_naming_the_item(field, char):
    text = f"Goed {HIDDEN[char]}genoeg"
    problem, what = _text_problem(field, text)
    assert problem.message == f"{what} bevat een onzichtbaar stuurteken"
    assert problem.value == md.visible(text, md.WHITESPACE)
    assert f"<U+{ord(HIDDEN[char][0]):04X}>" in problem.value


@pytest.mark.parametrize("char", HIDDEN.values(), ids=HIDDEN)
def test_every_hidden_character_is_refused_in_an_answer_label(char):
    problem, what = _text_problem("answer label", f"Ja{char}")
    assert problem.message == f"{what} bevat een onzichtbaar stuurteken"


@pytest.mark.parametrize(
    "text",
    [
        "Twee\nregels\tmet tab",
        "€\u00a05 en 's-Hertogenbosch",
        "Coach 👩\u200d💼",
        "שלום עולם مرحبا بالعالم",
        "mi\u200cpersian",
    ],
    ids=["whitespace", "nbsp", "zwj-emoji", "rtl", "zwnj"],
)
def test_ordinary_text_is_accepted(text):
    data = _base()
    data["items"][1]["text"] = text
    data["items"][1]["options"][1] = text
    assert parse_codebook(data, FILE).item("contact").options[1] == text


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("item text", checks.MAX_TEXT_LENGTH),
        ("answer label", checks.MAX_TEXT_LENGTH),
        ("section intro", checks.MAX_INTRO_LENGTH),
    ],
)
def test_texts_have_a_maximum_length(field, limit):
    data = _base()
    TEXT_FIELDS[field][0](data, "x" * limit)
    parse_codebook(data, FILE)  # at the limit: fine
    problem, what = _text_problem(field, "x" * (limit + 1))
    assert problem.message == f"{what} is te lang"
    assert problem.expected == f"hoogstens {limit} tekens"
    assert problem.value.endswith(f"({limit + 1} tekens)") and len(problem.value) < 120


# --------------------------------------------------------------------------- validation: names


def _provider_problems(name: str) -> list:
    frame = pd.DataFrame(
        {"provider_id": ["P1"], "name": [name], "telefonisch": ["ja"]}, index=[2], dtype=object
    )
    return checks.check_providers(frame, "providers.csv")


@pytest.mark.parametrize("char", HIDDEN.values(), ids=HIDDEN)
def test_hidden_character_in_a_provider_name_is_refused(char):
    [problem] = _provider_problems(f"Alfa {char}Werk")
    assert (problem.row, problem.column) == (2, "name")
    assert problem.message == "naam bevat een onzichtbaar stuurteken"


def test_provider_name_has_a_maximum_length():
    assert _provider_problems("A" * checks.MAX_NAME_LENGTH) == []
    [problem] = _provider_problems("Bèta " * 2000)
    assert problem.message == "naam is te lang"
    assert problem.expected == f"een naam van hoogstens {checks.MAX_NAME_LENGTH} tekens"
    assert problem.value.startswith("Bèta Bèta") and problem.value.endswith("(10000 tekens)")


def test_an_ordinary_provider_name_with_emoji_and_rtl_is_accepted():
    assert _provider_problems("Coach 👩\u200d💼 שלום & Co") == []


# --------------------------------------------------------------------------- the figure sink

FRAME = pd.DataFrame(
    {
        "option": ["Ja", "Nee", "Ja", "Nee"],
        "group": ["Bureau A", "Bureau A", "Alle deelnemers", "Alle deelnemers"],
        "percent": [60.0, 40.0, 55.0, 45.0],
        "n": [10, 10, 200, 200],
    }
)


def _draw():
    return figures.plot_single(FRAME)


def _ident(key: str, tmp_path: Path) -> str:
    """The hostile ident ``key``; the absolute one points into ``tmp_path``."""
    return str(tmp_path / "abs") if key == "absolute" else HOSTILE_IDS[key]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def work(tmp_path) -> Path:
    """A report's work directory two levels down, with its (empty) figures folder."""
    directory = tmp_path / "periode" / "werk"
    (directory / "figures").mkdir(parents=True)
    return directory


@pytest.mark.parametrize("collect", [True, False], ids=["collecting", "at-once"])
@pytest.mark.parametrize("key", HOSTILE_IDS)
def test_sink_writes_no_file_outside_the_work_dir_and_only_safe_names(tmp_path, work, key, collect):
    ident = _ident(key, tmp_path)
    sink = FigureSink(collect=collect, root=work)
    try:
        path = sink.save(work / "figures" / f"{ident}.svg", _draw)
    except ValueError as exc:  # refused: a path outside the work dir or into no directory
        assert "figuur" in str(exc)
        path = None
    sink.draw_all()
    written = _files(tmp_path)
    assert all(p.parent == work / "figures" for p in written), written
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.svg", p.name) for p in written)
    if path is not None:  # the ident stayed in the figures folder: it got a safe name
        assert path == work / "figures" / f"{safe_name(ident)}.svg" and written == {path}
    if "/" in ident:
        assert path is None


def test_sink_without_root_keeps_to_the_directory_of_its_first_figure(tmp_path, work):
    sink = FigureSink(collect=True)
    sink.save(work / "figures" / "uitnodiging.svg", _draw)
    for key in ("up", "absolute", "passwd"):
        with pytest.raises(ValueError, match="valt buiten de map|bestaat niet"):
            sink.save(work / "figures" / f"{_ident(key, tmp_path)}.svg", _draw)
    assert [p.name for p, _ in sink.pending] == ["uitnodiging.svg"]


def test_sink_does_not_follow_a_link_out_of_the_work_dir(tmp_path, work):
    outside = tmp_path / "buiten"
    outside.mkdir()
    (work / "figures").rmdir()
    (work / "figures").symlink_to(outside)
    with pytest.raises(ValueError, match="valt buiten de map"):
        FigureSink(root=work).save(work / "figures" / "kaart.svg", _draw)
    assert _files(outside) == set()


def test_safe_idents_keep_their_file_names(work):
    """The demo's idents are safe: their figures keep the names they always had."""
    sink = FigureSink(collect=True, root=work)
    for ident in ("arbeid-aandacht_plichten", "client-aanbevolen", "kaart", "cijfer-verdeling"):
        assert sink.save(work / "figures" / f"{ident}.svg", _draw).name == f"{ident}.svg"
        assert md.ident(ident) == ident


# --------------------------------------------------------------------------- the renderers


def _svg(work: Path) -> str:
    """A real figure file in the work dir (drawn once)."""
    svg = work / "figures" / "figuur.svg"
    if not svg.exists():
        FigureSink(root=work).save(svg, _draw)
    return str(svg)


def _blocks(work: Path, idents: list[str]) -> Blocks:
    """A figure, a table and a withheld figure for every ident, and a cover figure for the
    first, each image a real SVG file inside the work dir (what the sink made of it)."""
    svg = _svg(work)
    frame = pd.DataFrame({"a": ["1"]}, dtype=object)
    prefixes = {"figure": "fig.", "table": "tabel"}
    parts: list = [DocumentMeta("Titel", "nl-NL", {}, prefixes), Heading(1, "Kop")]
    for ident in idents:
        parts.append(Figure(ident, "Titel", str(svg), "Alt", "Bron", n=5, item=ident))
        parts.append(Table(ident, "Tabel", frame, "l"))
        parts.append(Suppressed("figure", ident, "Weg", "Te weinig antwoorden.", ident))
    cover = CoverFigure(idents[0], "Kaart", str(svg), "Alt", "Bijschrift", 5, idents[0])
    summary = Summary("7,5", "n=5", "cijfer", "Staf", "x", "Best", ("a",), "Samenvatting", cover)
    return Blocks((*parts, summary))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The same blocks with hostile ids and with plain ids, as Pandoc's AST, HTML and the
    Typst source of the PDF."""
    out = {}
    for kind, idents in (("plain", ["q1", "q2"]), ("hostile", list(HOSTILE_IDS.values()))):
        work = tmp_path_factory.mktemp(kind) / "werk"
        (work / "figures").mkdir(parents=True)
        markdown = PandocMarkdown(base=work).render(_blocks(work, idents))
        ast = render.to_ast(markdown, work)
        pages = render.pages(markdown, work, "Titel")
        html = render.write_html(pages.html, work).decode("utf-8")
        pdf = render.compile_pdf(pages.typst, work)
        out[kind] = {
            "work": work,
            "markdown": markdown,
            "ast": ast,
            "html": html,
            "pdf": pdf,
            "typst": (work / "report.typ").read_text(encoding="utf-8"),
        }
    return out


def _walk(node):
    """Every dict node of a Pandoc AST."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_every_id_in_the_document_is_a_slug(rendered):
    ids = [
        n["c"][0][0]
        for n in _walk(rendered["hostile"]["ast"])
        if n.get("t") == "Div" and n["c"][0][0]
    ]
    assert len(ids) == 2 * len(HOSTILE_IDS)  # one figure and one table per ident
    assert all(re.fullmatch(r"(fig|tbl)-[A-Za-z0-9_-]+", i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_hostile_ids_give_no_element_or_attribute_a_plain_id_does_not(rendered):
    page, plain = _Page(rendered["hostile"]["html"]), _Page(rendered["plain"]["html"])
    assert page.dangerous == []
    assert page.tags <= plain.tags, page.tags - plain.tags
    assert page.attributes <= plain.attributes, page.attributes - plain.attributes
    assert not any(marker in rendered["hostile"]["html"] for marker in RAW_MARKERS)


def test_data_item_attribute_holds_the_item_id_as_text(rendered):
    class Items(_Page):
        def handle_starttag(self, tag, attrs):
            super().handle_starttag(tag, attrs)
            self.items = [*getattr(self, "items", []), *(v for k, v in attrs if k == "data-item")]

    found = Items(rendered["hostile"]["html"]).items
    assert found == [" ".join(v.split()) for v in HOSTILE_IDS.values()]


def test_no_file_but_the_figures_is_embedded(rendered):
    html = rendered["hostile"]["html"]
    # the figures are inline SVG; the only data left embedded is the font of their text
    assert html.count('<svg class="rchart"') >= 3
    assert set(re.findall(r"data:([^;\"]+);base64,", html)) == {"font/woff"}
    assert "<img" not in html
    assert "root:x:0:" not in html


def test_typst_source_runs_no_injected_code(rendered):
    typst = rendered["hostile"]["typst"]
    assert rendered["hostile"]["pdf"].startswith(b"%PDF-")
    assert not re.search(r"^\s*#set page\(fill", typst, re.M)
    # wherever the payload appears, it is escaped text (\#set), never code
    assert typst.count("#set page(fill: red)") == typst.count("\\#set page(fill: red)")
    assert "```" not in typst


def test_docx_markdown_has_only_slugged_ids(work):
    markdown = DocxMarkdown(base=work).render(_blocks(work, list(HOSTILE_IDS.values())))
    ast = render.to_ast(markdown, work)
    ids = [n["c"][0][0] for n in _walk(ast) if n.get("t") == "Div" and n["c"][0][0]]
    assert ids and all(re.fullmatch(r"(fig|tbl)-[A-Za-z0-9_-]+", i) for i in ids)
    assert not any(n.get("t") in ("RawBlock", "RawInline") for n in _walk(ast))


@pytest.mark.parametrize(
    "image",
    ["/etc/passwd", "/etc/x.svg", "figures/../../../etc/x.svg"],
    ids=["not-a-figure", "absolute", "climbing"],
)
def test_an_image_outside_the_work_dir_is_refused(work, image):
    path = image if image.startswith("/") else str(work / image)
    figure = Figure("q1", "Titel", path, "Alt", "Bron")
    for renderer in (PandocMarkdown(base=work), DocxMarkdown(base=work)):
        with pytest.raises(ValueError, match="afbeelding"):
            renderer.render([figure])


def test_an_odd_image_name_inside_the_work_dir_stays_one_image(work):
    odd = work / "figures" / "a b(c)]<d>.svg"
    shutil.copy(_svg(work), odd)
    meta = _blocks(work, ["q1"])[0]
    markdown = PandocMarkdown(base=work).render([meta, Figure("q1", "Titel", str(odd), "A", "B")])
    images = [n for n in _walk(render.to_ast(markdown, work)) if n.get("t") == "Image"]
    assert [unquote(n["c"][2][0]) for n in images] == ["figures/a b(c)]<d>.svg"]
    with pytest.raises(ValueError, match="onzichtbaar stuurteken"):
        PandocMarkdown(base=work).render([Figure("q1", "T", str(work / "a\nb.svg"), "A", "B")])


def test_jupyter_embeds_only_svg_figures(work):
    svg = _svg(work)
    passwd = JupyterHtml().render([Figure("q1", "Titel", "/etc/passwd", "Alt", "Bron")])
    assert "base64" not in passwd and "<p>[Alt]</p>" in passwd
    fake = work / "figures" / "nep.svg"
    fake.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    assert "base64" not in JupyterHtml().render([Figure("q1", "T", str(fake), "Alt", "B")])
    assert "data:image/svg+xml;base64," in JupyterHtml().render([Figure("q1", "T", svg, "A", "B")])


def test_md_ident_and_attr():
    assert md.ident("arbeid-q1_b") == "arbeid-q1_b"
    slugs = {md.ident(v) for v in ("a b", "a-b", "a/b", "a\nb", "ä b")}
    assert len(slugs) == 5 and all(re.fullmatch(r"[A-Za-z0-9_-]+", s) for s in slugs)
    assert md.attr('a"b\\c\nd\x1be\u202ef') == 'a\\"b\\\\c def'


# --------------------------------------------------------------------------- a whole report


@pytest.fixture
def unchecked_ids(monkeypatch):
    """Codebook ids no longer checked: what a codebook built in Python could hold."""
    monkeypatch.setattr(codebook, "_check_identifiers", lambda data, file: [])


def _delivery(tmp_path: Path, questionnaire: str) -> Path:
    """The base delivery with three more clients of P1 (so that its item figures are drawn)
    and ``questionnaire`` in the client codebook."""
    root = shutil.copytree(HOSTILE / "base", tmp_path / "levering")
    period = root / "2025"
    with (period / "sample.csv").open("a", encoding="utf-8") as fh:
        fh.writelines(f"c{i},P1,client,5,arbeid,netto,Utrecht\n" for i in (5, 6, 7))
    with (period / "responses" / "klant.csv").open("a", encoding="utf-8") as fh:
        fh.writelines(f"c{i},{i + 2},1,1,1,2,1,2\n" for i in (5, 6, 7))
    path = root / "codebooks" / "klant-test.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questionnaire"] = questionnaire
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root / "2025"


@pytest.mark.unchecked_sidecar
def test_a_report_with_markup_in_its_questionnaire_stays_inert(tmp_path, settings, unchecked_ids):
    """A questionnaire of raw HTML, a Typst block and quotes, past validation: the report
    renders, with its figures inside the work dir and no raw element or code anywhere."""
    hostile = 'x"\n\n' + HOSTILE_IDS["html"] + "\n\n" + HOSTILE_IDS["typst"] + "\n"
    period = _delivery(tmp_path, hostile)
    work = tmp_path / "werk"
    result = render.render_report(
        "P1", period, tmp_path / "uit", settings=settings, formats=("html", "pdf"), work_root=work
    )
    html = result.outputs["html"].read_text(encoding="utf-8")
    page = _Page(html)
    assert page.dangerous == []
    assert not any(marker in html for marker in RAW_MARKERS)
    assert result.outputs["pdf"].read_bytes().startswith(b"%PDF-")
    [typ] = work.rglob("report.typ")
    assert not re.search(r"^\s*#set page\(fill", typ.read_text(encoding="utf-8"), re.M)
    svgs = {p for p in tmp_path.rglob("*.svg")}
    assert svgs and all(p.parent.name == "figures" and work in p.parents for p in svgs)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.svg", p.name) for p in svgs)


@pytest.mark.parametrize("key", ["up", "passwd"])
def test_a_report_whose_questionnaire_leaves_the_work_dir_is_refused(
    tmp_path, settings, unchecked_ids, key
):
    period = _delivery(tmp_path, HOSTILE_IDS[key])
    before = _files(tmp_path)
    with pytest.raises(RenderError, match="figuur"):
        render.render_report(
            "P1",
            period,
            tmp_path / "uit",
            settings=settings,
            formats=("html",),
            work_root=tmp_path / "w",
        )
    assert not (tmp_path / "uit").exists()
    new = _files(tmp_path) - before
    assert not any(p.suffix == ".svg" for p in new), new
    assert all(tmp_path / "w" in p.parents for p in new), new
