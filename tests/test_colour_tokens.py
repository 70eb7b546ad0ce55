"""Colour tokens live in the theme only: the templates and the overview name them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypandoc
import pytest

from tevredenheidsrapport import overview, theme
from tevredenheidsrapport.config import RESOURCES

TEMPLATES = ("report.css", "report.html", "report.typ", "cover.typ")
HEX = re.compile(r"(?<![\w$&])#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")
TOKEN = re.compile(r"\$colour-([a-z-]+)\$")
CUSTOM_PROPERTY = re.compile(r"var\(--([a-z-]+)\)")


def resource(name: str) -> str:
    return (RESOURCES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_hold_no_colour_of_their_own(name):
    assert HEX.findall(resource(name)) == []


def test_overview_css_holds_no_colour_of_its_own():
    assert HEX.findall(overview._CSS) == []
    assert set(CUSTOM_PROPERTY.findall(overview._CSS)) <= set(theme.COLOURS)


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_name_only_theme_tokens(name):
    assert set(TOKEN.findall(resource(name))) <= set(theme.COLOURS)


def test_report_css_uses_only_properties_it_defines():
    css = resource("report.css")
    defined = set(re.findall(r"--([a-z-]+): \$colour-", css))
    assert defined and set(CUSTOM_PROPERTY.findall(css)) <= defined


def test_pandoc_variables_name_every_token():
    variables = theme.pandoc_variables()
    assert variables == [f"--variable=colour-{k}:{v}" for k, v in theme.COLOURS.items()]
    assert "--accent: #1f5fa8;" in theme.css_variables()


def _pandoc(*args: str, text: str) -> str:
    command = [pypandoc.get_pandoc_path(), "-f", "markdown", *args, *theme.pandoc_variables()]
    done = subprocess.run(command, input=text, capture_output=True, text=True, check=True)
    return done.stdout


def test_html_template_embeds_the_theme_colours():
    out = _pandoc("-t", "html5", "--template", str(RESOURCES / "report.html"), text="Tekst\n")
    accent = theme.COLOURS["accent"]
    assert f"--accent: {accent};" in out and TOKEN.findall(out) == []
    assert f"var(--accent), {theme.COLOURS['accent-deep']})" in out


def _compiles(path: Path) -> bool:
    """Compile with Typst in a child process: once Typst's thread pool runs in the test
    process, no batch may fork workers from it, and later batches render one report at a
    time (pool.forked_typst_works)."""
    code = "import sys, typst; sys.exit(0 if typst.compile(sys.argv[1]).startswith(b'%PDF') else 1)"
    return subprocess.run([sys.executable, "-c", code, str(path)], timeout=120).returncode == 0


def test_typst_template_compiles_with_cover_and_summary(tmp_path):
    body = '```{=typst}\n#cover(title: "Titel", provider: "X")\n#summary(grade: "7,5")\n```\n'
    source = _pandoc("-t", "typst", "--template", str(RESOURCES / "report.typ"), text=body)
    assert f'rgb("{theme.COLOURS["accent"]}")' in source
    (tmp_path / "report.typ").write_text(source, encoding="utf-8")
    assert _compiles(tmp_path / "report.typ")


def test_cover_typ_compiles_on_its_own_as_quarto_includes_it(tmp_path):
    calls = '#cover(title: "Titel", provider: "X")\n#summary(grade: "7,5")\n'
    (tmp_path / "doc.typ").write_text(resource("cover.typ") + calls, encoding="utf-8")
    assert _compiles(tmp_path / "doc.typ")


def test_quarto_gets_the_theme_colours_through_its_pre_render_script(tmp_path):
    """Quarto reads report.css and cover.typ as they are: its pre-render script fills them."""
    import importlib.util

    import yaml

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "quarto_assets", root / "scripts" / "quarto_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    css, cover = module.main(tmp_path)
    assert not re.search(r"\$colour-[a-z-]+\$", css.read_text(encoding="utf-8"))
    # the partial's template comments are not CSS: left in, they would void the first rule
    assert "$" not in css.read_text(encoding="utf-8")
    assert css.read_text(encoding="utf-8").startswith(":root {")
    assert theme.COLOURS["accent"] in css.read_text(encoding="utf-8")
    assert f'fill: rgb("{theme.COLOURS["accent"]}")' in cover.read_text(encoding="utf-8")
    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))
    assert "scripts/quarto_assets.py" in config["project"]["pre-render"]
    assert config["format"]["html"]["css"] == "_work/quarto/report.css"
    assert config["format"]["typst"]["include-in-header"] == "_work/quarto/cover.typ"


# --- colours for every eye -----------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_scale_colours_differ_in_grey_and_carry_a_readable_label(n):
    """In greyscale (luminance) every two colours of a scale stay apart, "tevreden" and
    "ontevreden" included, and the value label on each (white or dark) reads at 4,5:1."""
    import itertools

    colours = theme.SCALE_PALETTES[n]
    for a, b in itertools.combinations(colours, 2):
        assert theme.contrast(a, b) >= 1.4, (n, a, b)
    for c in colours:
        assert theme.contrast(c, theme.text_color_on(c)) >= 4.5, (n, c)


def test_contrast_is_the_wcag_ratio():
    assert theme.contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#777777") == pytest.approx(1.0)
    assert theme.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert theme.text_color_on("#0B3C73") == "white" and theme.text_color_on("#F2EBD3") != "white"
