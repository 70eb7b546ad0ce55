"""End to end: report_template.qmd -> HTML, PDF and sidecar for demo providers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PERIOD_FORMATS
from pypdf import PdfReader

from tevredenheidsrapport import config, labels, render
from tevredenheidsrapport.cli import main
from tevredenheidsrapport.errors import RenderError
from tevredenheidsrapport.qmd import load_qmd

# demo providers of different shapes (see tevredenheidsrapport.demo)
PROVIDERS = {
    "werkpad-noord": "arbeid, two services, opdrachtgevers",
    "koersmakers": "tiny: net sample of 16, seed 002's shape",
    "werkvonk": "nobody completed a questionnaire",
}
# one provider of every shape, in both periods (2021 uses the 2019-2021 arbeid questionnaire)
SHAPES = [
    ("2025", "taalkade-oost", "inburgeren only, net sample over 400, opdrachtgevers chapter"),
    ("2025", "baankracht-zuid", "arbeid in four services"),
    ("2025", "taalwerk-zuid", "mixed arbeid (service 1) and inburgeren"),
    ("2025", "duo-loopbaan", "tiny, a single opdrachtgever who responded"),
    ("2021", "taalwerk-zuid", "2019-2021 arbeid questionnaire with typering for service 1"),
    ("2021", "werkvonk", "nobody responded, 2021"),
]


@pytest.fixture(scope="module")
def rendered(published):
    """The reports of PROVIDERS as the demo batch published them."""
    return {pid: published("2025", pid) for pid in PROVIDERS}


def pdf_text(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_template_is_valid_quarto():
    nb = load_qmd(config.TEMPLATE)
    assert nb.metadata["quarto"]["title"]
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("provider", "data", "params_file", "work_dir"):
        assert re.search(rf"^{name} = ", tagged[0].source, re.M)


def test_default_parameters_point_at_demo_data(demo_2025):
    nb = load_qmd(config.TEMPLATE)
    ns: dict = {}
    exec(next(c for c in nb.cells if "parameters" in c.metadata["tags"]).source, ns)
    assert ns["data"] == "data/demo/2025"
    assert ns["provider"] in (demo_2025 / "providers.csv").read_text(encoding="utf-8")


def test_papermill_injects_parameters_after_the_parameters_cell(demo_2025, settings, tmp_path):
    params = {
        "provider": "werkpad-noord",
        "data": str(demo_2025),
        "params_file": "",
        "work_dir": str(tmp_path),
    }
    nb = render.execute(render.load_template(), params, tmp_path, "werkpad-noord")
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    i = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "injected-parameters" in tags[i + 1]
    assert "provider = " in nb.cells[i + 1].source and "werkpad-noord" in nb.cells[i + 1].source


@pytest.mark.parametrize("pid", list(PROVIDERS))
def test_outputs_written(rendered, pid):
    result = rendered[pid]
    for kind in ("html", "pdf", "json"):
        assert result.outputs[kind].exists()
    assert result.outputs["pdf"].read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("pid", list(PROVIDERS))
def test_html_is_self_contained(rendered, pid):
    html = rendered[pid].outputs["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html
    assert "<svg" in html or "data:image/svg+xml" in html


@pytest.mark.parametrize("pid", list(PROVIDERS))
def test_sections_numbered_consecutively_in_html_and_pdf(rendered, pid):
    sidecar = rendered[pid].sidecar
    html = rendered[pid].outputs["html"].read_text(encoding="utf-8")
    numbers = re.findall(r'<h[123][^>]*data-number="([\d.]+)"', html)
    assert numbers == [s["number"] for s in sidecar["sections"]]
    chapters = [int(n) for n in numbers if "." not in n]
    assert chapters == list(range(1, len(chapters) + 1))
    text = "\n".join(pdf_text(rendered[pid].outputs["pdf"]))
    for s in sidecar["sections"]:
        assert f"{s['number']} {s['title']}" in " ".join(text.split())


@pytest.mark.parametrize("pid", list(PROVIDERS))
def test_figures_and_tables_numbered_per_chapter(rendered, pid):
    sidecar = rendered[pid].sidecar
    html = rendered[pid].outputs["html"].read_text(encoding="utf-8")
    for kind, prefix in (("figures", "fig."), ("tables", "tabel")):
        numbers = [e["number"] for e in sidecar[kind]]
        assert all(numbers)
        for number in numbers:
            assert f"{prefix} {number}" in html
        by_chapter: dict[str, list[int]] = {}
        for n in numbers:
            c, k = n.split(".")
            by_chapter.setdefault(c, []).append(int(k))
        assert all(v == list(range(1, len(v) + 1)) for v in by_chapter.values())


def test_pdf_has_cover_contents_and_page_numbers(rendered):
    pages = pdf_text(rendered["werkpad-noord"].outputs["pdf"])
    assert (
        "Werkpad Noord" in pages[0]
        and "meetperiode" in pages[0]
        and "Definitief rapport" in pages[0]
    )
    toc = next(p for p in pages if "Inhoudsopgave" in p)
    assert re.search(r"Inleiding\s*\.+\s*1", toc)
    # body pages carry their number in the footer
    assert pages[-1].strip().endswith(str(len(pages) - pages.index(toc) - 1))


def test_sidecar_content(rendered):
    sidecar = rendered["werkpad-noord"].sidecar
    assert sidecar["provider"] == {"id": "werkpad-noord", "name": "Werkpad Noord"}
    kinds = [r["kind"] for r in sidecar["table11"]]
    assert kinds[-2:] == ["totaal", "opdrachtgevers"] and kinds.count("dienst") == 2
    assert sidecar["norm"]["status"] in (
        "behaald",
        "behaald na correctie",
        "niet behaald",
        "geen oordeel",
    )
    fig = {f["id"]: f for f in sidecar["figures"]}
    total = next(r for r in sidecar["table11"] if r["kind"] == "totaal")
    assert fig["cijfer-gemiddeld"]["n"] == total["ingevuld"]
    on_disk = json.loads(rendered["werkpad-noord"].outputs["json"].read_text(encoding="utf-8"))
    assert on_disk == sidecar


def test_no_grade_shown_without_answers(rendered):
    """The seed that printed 0,0 for nobody answering is the defect to avoid."""
    sidecar = rendered["werkvonk"].sidecar
    total = next(r for r in sidecar["table11"] if r["kind"] == "totaal")
    assert total["ingevuld"] == 0 and total["rapportcijfer"] is None
    assert sidecar["norm"]["status"] == "geen oordeel"
    reasons = {s["id"]: s["suppressed"] for s in sidecar["suppressed"]}
    assert set(reasons) >= {"cijfer-gemiddeld", "cijfer-verdeling"}
    # nobody answered: the note says so, rather than invoking the privacy threshold
    assert reasons["cijfer-gemiddeld"] == labels.FIGURE_NO_ANSWERS
    html = rendered["werkvonk"].outputs["html"].read_text(encoding="utf-8")
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        if cells and cells[0] in ("Totaal", "Totaal opdrachtgevers"):
            # table 2.2 (its grade is the fifth column) and 2.3 (now and then: second, third)
            grades = [cells[4]] if len(cells) == 7 else cells[1:3]
            assert "0,0" not in grades, cells


def test_html_has_no_unreplaced_placeholders_or_space_before_question_mark(rendered):
    for result in rendered.values():
        html = result.outputs["html"].read_text(encoding="utf-8")
        text = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        assert "{" not in text and "`{python}" not in text
        assert not re.search(r"\w \?", text)


def test_failing_report_names_provider_and_leaves_notebook(demo_2025, settings, tmp_path):
    qmd = tmp_path / "broken.qmd"
    qmd.write_text(
        '---\ntitle: x\n---\n\n```{python}\n#| tags: [parameters]\nprovider = ""\ndata = ""\nparams_file = ""\nwork_dir = ""\n```\n\n'
        '```{python}\nraise ValueError("kapot")\n```\n',
        encoding="utf-8",
    )
    with pytest.raises(RenderError, match="werkpad-noord.*kapot"):
        render.render_report(
            "werkpad-noord",
            demo_2025,
            tmp_path / "out",
            settings=settings,
            template=qmd,
            work_root=tmp_path / "w",
        )
    assert list((tmp_path / "w").rglob("report.ipynb"))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_format_is_named_and_nothing_is_written(
    demo_2025, settings, tmp_path, monkeypatch, jobs
):
    def broken_pdf(*args, **kwargs):
        raise RuntimeError("typst: kapot lettertype")

    monkeypatch.setattr(render, "compile_pdf", broken_pdf)
    with pytest.raises(RenderError, match="koersmakers.*'pdf'.*kapot lettertype") as exc:
        render.render_report(
            "koersmakers",
            demo_2025,
            tmp_path / "out",
            settings=settings,
            work_root=tmp_path / "w",
            jobs=jobs,
        )
    assert exc.value.step == "pdf"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_unknown_provider_is_a_clear_error(demo_2025, tmp_path, capsys):
    code = main(["render", "bestaat-niet", "--data", str(demo_2025), "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "onbekende dienstverlener" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["validate", "render", "batch", "demo", "notebook"])
def test_cli_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "usage" in capsys.readouterr().out


@pytest.mark.skipif(
    shutil.which("quarto") is None, reason="Quarto is not installed on this machine"
)
def test_quarto_renders_the_same_template(demo_2025, tmp_path):
    proc = subprocess.run(
        [
            "quarto",
            "render",
            str(config.TEMPLATE),
            "--to",
            "html",
            "-P",
            "provider:werkpad-noord",
            "-P",
            f"data:{demo_2025}",
            "-P",
            f"work_dir:{tmp_path}",
            "--output-dir",
            str(tmp_path / "q"),
        ],
        capture_output=True,
        text=True,
        cwd=config.PROJECT_ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def shapes(demo_data, settings, published, tmp_path_factory):
    """Every shape's report: from the demo batch where it has a PDF, else rendered here."""
    out = tmp_path_factory.mktemp("shapes")
    work = tmp_path_factory.mktemp("shapes-work")
    return {
        (period, pid): published(period, pid)
        if "pdf" in PERIOD_FORMATS[period]
        else render.render_report(
            pid, demo_data / period, out / period, settings=settings, work_root=work
        )
        for period, pid, _ in SHAPES
    }


def visible_text(html: str) -> str:
    text = re.sub(r"<(style|svg|script)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


@pytest.mark.parametrize("key", [(p, i) for p, i, _ in SHAPES], ids=lambda k: "/".join(k))
def test_every_shape_renders_exactly_what_the_sidecar_lists(shapes, settings, key):
    result = shapes[key]
    sidecar = result.sidecar
    html = result.outputs["html"].read_text(encoding="utf-8")
    pdf = " ".join(" ".join(pdf_text(result.outputs["pdf"])).split())
    k = settings.privacy.min_answers
    # chapters and sections, in order, in both formats
    assert re.findall(r'<h[123][^>]*data-number="([\d.]+)"', html) == [
        s["number"] for s in sidecar["sections"]
    ]
    pos = 0
    for s in sidecar["sections"]:
        found = pdf.find(f"{s['number']} {s['title']}", pos)
        assert found >= 0, f"section {s['number']} {s['title']} missing or out of order in the PDF"
        pos = found
    # figures and tables, in order, in both formats, each with enough answers
    numbered = re.findall(r'class="(rfigure|rtable)"[^>]*data-number="([\d.]+)"', html)
    listed = [("rfigure", f["number"]) for f in sidecar["figures"]] + [
        ("rtable", t["number"]) for t in sidecar["tables"]
    ]
    assert sorted(numbered) == sorted(listed)
    captions = re.findall(r"(fig\.|tabel) (\d+\.\d+)", visible_text(html))
    assert len(captions) == len(listed)
    pdf_captions = re.findall(r"(fig\.|tabel) (\d+\.\d+) ", pdf)
    assert pdf_captions[-len(captions) :] == captions or pdf_captions == captions
    for f in sidecar["figures"]:
        assert f.get("n") is None or f["n"] >= k
    for n in re.findall(r'data-n="(\d+)"', html):
        assert int(n) >= k
    for s in sidecar["suppressed"]:
        assert f'id="fig-{s["id"]}"' not in html and s["suppressed"]
    # no placeholder, no space before a question mark, no 0,0 for an empty group
    text = visible_text(html)
    assert "{" not in text and "}" not in text and "`" not in text
    assert not re.search(r"\s\?", text) and not re.search(r"\s\?", pdf)
    for row in sidecar["table11"]:
        if row["ingevuld"] == 0:
            assert row["rapportcijfer"] is None


def test_chapters_follow_the_data(shapes):
    titles = {
        key: [s["title"] for s in r.sidecar["sections"] if s["level"] == 1]
        for key, r in shapes.items()
    }
    assert "Opdrachtgevers" in titles[("2025", "taalkade-oost")]
    assert (
        "Opdrachtgevers" not in titles[("2025", "duo-loopbaan")]
    )  # one respondent: no chapter of notes about them
    subs = {
        key: [s["title"] for s in r.sidecar["sections"] if s["level"] == 2]
        for key, r in shapes.items()
    }
    assert (
        "Inburgeren" in subs[("2025", "taalkade-oost")]
        and "Contact" not in subs[("2025", "taalkade-oost")]
    )
    assert "Inburgeren" not in subs[("2025", "baankracht-zuid")]
    assert (
        "Inburgeren" in subs[("2025", "taalwerk-zuid")]
        and "Contact" in subs[("2025", "taalwerk-zuid")]
    )
    assert any("Typering" in t for t in subs[("2021", "taalwerk-zuid")])
    assert not any("Typering" in t for t in subs[("2025", "baankracht-zuid")])
    for key in shapes:
        assert titles[key][-1] == "Contactgegevens"


def test_reading_guide_names_the_chapters_that_exist(shapes):
    for r in shapes.values():
        text = visible_text(r.outputs["html"].read_text(encoding="utf-8"))
        numbers = {s["title"]: s["number"] for s in r.sidecar["sections"] if s["level"] == 1}
        assert f"In hoofdstuk {numbers['Contactgegevens']} vindt u de contactgegevens" in text
        if "Opdrachtgevers" in numbers:
            assert f"Hoofdstuk {numbers['Opdrachtgevers']} doet dat voor de opdrachtgevers" in text
        else:
            assert "voor de opdrachtgevers" not in text


def test_cover_summary(shapes):
    r = shapes[("2025", "baankracht-zuid")]
    html = r.outputs["html"].read_text(encoding="utf-8")
    assert 'class="summary"' in html and "gemiddeld rapportcijfer van cliënten" in html
    assert {e["id"] for e in r.sidecar["cover"]} == {"kaart", "tevredenheid"}
    first_pages = " ".join(pdf_text(r.outputs["pdf"])[:2])
    # both formats title the page and caption the map alike
    assert labels.SUMMARY_LABEL in first_pages and labels.SUMMARY_MAP_CAPTION in first_pages
    assert labels.SUMMARY_MAP_CAPTION in html
    grade = next(row for row in r.sidecar["table11"] if row["kind"] == "totaal")["rapportcijfer"]
    assert str(grade).replace(".", ",") in first_pages


@pytest.mark.parametrize(
    "period,pid,years",
    [("2025", "baankracht-zuid", "2024–2025"), ("2021", "taalwerk-zuid", "2021")],
)
def test_source_line_names_the_years_of_the_period(shapes, period, pid, years):
    text = visible_text(shapes[(period, pid)].outputs["html"].read_text(encoding="utf-8"))
    assert f"tevredenheidsonderzoek {years}" in text
    assert "2021–2021" not in text


def test_the_pdf_is_tagged_pdf_ua_with_every_figure_described(rendered):
    """PDF/UA-1: identified in the XMP, title shown, language set, a structure tree in
    which every figure (the charts, the cover map and donut) has its alt text."""
    import pikepdf

    report = rendered["werkpad-noord"]
    with pikepdf.open(report.outputs["pdf"]) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.Root.Lang) == "nl"
        kinds: dict[str, list] = {}

        def walk(node):
            if isinstance(node, pikepdf.Array):
                for child in node:
                    walk(child)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.setdefault(str(node.S), []).append(node)
                if "/K" in node:
                    walk(node.K)

        walk(pdf.Root.StructTreeRoot.K)
        # every chart and every table has its numbered title as a tagged caption
        shown = len(report.sidecar["figures"]) + len(report.sidecar["tables"])
        assert len(kinds["/Caption"]) == shown

        def has_caption(node) -> bool:
            kids = node.K if isinstance(node.K, pikepdf.Array) else [node.K]
            return any(
                isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Caption" for k in kids
            )

        assert all(has_caption(t) for t in kinds["/Table"])
    figures = kinds["/Figure"]
    assert len(figures) == len(report.sidecar["figures"]) + 2  # + the cover's map and donut
    assert all(str(f.get("/Alt", "")).strip() for f in figures)
    alts = {str(f.Alt) for f in figures}
    assert any(a.startswith("Staafdiagram: gemiddeld rapportcijfer") for a in alts)
    assert {"/H1", "/H2", "/TOC", "/TOCI", "/Table", "/TH"} <= set(kinds)


def test_the_invitation_text_follows_the_year(shapes, rendered):
    """2021 invited by e-mail and post with at most 25 phone interviews (its period.yaml);
    2025 by e-mail, with the settings' cap of 50."""

    def text(result):
        return visible_text(result.outputs["html"].read_text(encoding="utf-8"))

    then, now = text(shapes[("2021", "taalwerk-zuid")]), text(rendered["werkpad-noord"])
    assert "in de regel per e-mail of per post." in then and "tot 25 geslaagde" in then
    assert "in de regel per e-mail." in now and "tot 50 geslaagde" in now


def test_a_render_leaves_one_set_of_outputs(demo_2025, tmp_path):
    """A render in one format removes the report's files in other formats from an earlier
    run (made perhaps with other settings), so HTML and PDF never disagree in one folder.
    The CLI runs in a child process: the Word file's figures are compiled by Typst, and
    once its thread pool runs in this process, later batches here may not fork workers
    (pool.forked_typst_works) and render one report at a time."""
    out, work = tmp_path / "out", tmp_path / "w"
    cli = [str(Path(sys.executable).parent / "tevreden")]
    args = [*cli, "render", "koersmakers", "--data", str(demo_2025), "--out", str(out)]
    subprocess.run([*args, "--format", "html", "--work", str(work)], check=True)
    out = out / "2025"  # the period's folder
    assert (out / "koersmakers.html").is_file()
    (out / "andere.pdf").write_bytes(b"%PDF van een andere dienstverlener")
    changed = ["--format", "docx", "--set", "privacy.min_answers=5", "--work", str(work)]
    subprocess.run([*args, *changed], check=True, capture_output=True)
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["andere.pdf", "koersmakers.docx", "koersmakers.json"]
    sidecar = json.loads((out / "koersmakers.json").read_text(encoding="utf-8"))
    assert sidecar["files"] == {"docx": "koersmakers.docx"}
