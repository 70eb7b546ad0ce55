"""End to end: report_template.qmd -> HTML, PDF and sidecar for demo providers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from tevredenheidsrapport import config, render
from tevredenheidsrapport.cli import main
from tevredenheidsrapport.errors import RenderError
from tevredenheidsrapport.qmd import load_qmd

# demo providers of different shapes (see tevredenheidsrapport.demo)
PROVIDERS = {
    "werkpad-noord": "arbeid, two services, opdrachtgevers",
    "koersmakers": "tiny: net sample of 16, seed 002's shape",
    "werkvonk": "nobody completed a questionnaire",
}


@pytest.fixture(scope="module")
def rendered(demo_2025, settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    work = tmp_path_factory.mktemp("work")
    results = {
        pid: render.render_report(pid, demo_2025, out, settings=settings, work_root=work) for pid in PROVIDERS
    }
    return results


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
    params = {"provider": "werkpad-noord", "data": str(demo_2025), "params_file": "", "work_dir": str(tmp_path)}
    nb = render.execute(render.template_notebook(), params, tmp_path, "werkpad-noord")
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
    assert "Werkpad Noord" in pages[0] and "meetperiode" in pages[0] and "Definitief rapport" in pages[0]
    toc = next(p for p in pages if "Inhoudsopgave" in p)
    assert re.search(r"Inleiding\s*\.+\s*1", toc)
    # body pages carry their number in the footer
    assert pages[-1].strip().endswith(str(len(pages) - pages.index(toc) - 1))


def test_sidecar_content(rendered):
    sidecar = rendered["werkpad-noord"].sidecar
    assert sidecar["provider"] == {"id": "werkpad-noord", "name": "Werkpad Noord"}
    kinds = [r["kind"] for r in sidecar["table11"]]
    assert kinds[-2:] == ["totaal", "opdrachtgevers"] and kinds.count("dienst") == 2
    assert sidecar["norm"]["status"] in ("behaald", "behaald na correctie", "niet behaald", "geen oordeel")
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
    assert {s["id"] for s in sidecar["suppressed"]} >= {"cijfer-gemiddeld", "cijfer-verdeling"}
    html = rendered["werkvonk"].outputs["html"].read_text(encoding="utf-8")
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        if len(cells) == 6 and cells[0] in ("Totaal", "Totaal opdrachtgevers"):
            assert cells[4] in ("–", "*") or cells[4] != "0,0"
            assert cells[4] != "0,0"


def test_html_has_no_unreplaced_placeholders_or_space_before_question_mark(rendered):
    for result in rendered.values():
        html = result.outputs["html"].read_text(encoding="utf-8")
        text = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        assert "{" not in text and "`{python}" not in text
        assert not re.search(r"\w \?", text)


def test_rendering_is_deterministic(demo_2025, settings, tmp_path):
    outs = []
    for i in range(2):
        r = render.render_report("koersmakers", demo_2025, tmp_path / f"o{i}", settings=settings, work_root=tmp_path / f"w{i}")
        outs.append({k: p.read_bytes() for k, p in r.outputs.items()})
    assert outs[0] == outs[1]


def test_failing_report_names_provider_and_leaves_notebook(demo_2025, settings, tmp_path):
    qmd = tmp_path / "broken.qmd"
    qmd.write_text(
        '---\ntitle: x\n---\n\n```{python}\n#| tags: [parameters]\nprovider = ""\ndata = ""\nparams_file = ""\nwork_dir = ""\n```\n\n'
        '```{python}\nraise ValueError("kapot")\n```\n',
        encoding="utf-8",
    )
    with pytest.raises(RenderError, match="werkpad-noord.*kapot"):
        render.render_report("werkpad-noord", demo_2025, tmp_path / "out", settings=settings, template=qmd, work_root=tmp_path / "w")
    assert list((tmp_path / "w").rglob("report.ipynb"))
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


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed on this machine")
def test_quarto_renders_the_same_template(demo_2025, tmp_path):
    proc = subprocess.run(
        ["quarto", "render", str(config.TEMPLATE), "--to", "html", "-P", "provider:werkpad-noord", "-P", f"data:{demo_2025}",
         "-P", f"work_dir:{tmp_path}", "--output-dir", str(tmp_path / "q")],
        capture_output=True, text=True, cwd=config.PROJECT_ROOT, check=False,
    )
    assert proc.returncode == 0, proc.stderr
