"""The HTML as assistive technology meets it: axe-core's WCAG 2.1 A/AA and best-practice rules.

axe-core is an npm package (``.ci/run`` installs it into ``node_modules``; or point
``AXE_CORE_JS`` at an ``axe.min.js``); it runs in headless Chromium on a copy of a published
page with axe added (the page's own Content-Security-Policy forbids every script, so the copy
drops it). Without Chromium or axe-core the test skips.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
from browser import CHROMIUM, dump_dom

ROOT = Path(__file__).resolve().parents[1]
AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
#: The rules run: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks,
#: empty table headers, heading order).
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
RESULT = "axe-result"
RUNNER = """
axe.run(document, {runOnly: {type: "tag", values: TAGS}, resultTypes: ["violations"]})
  .then(function (r) {
    var out = document.createElement("pre");
    out.id = "RESULT";
    out.textContent = JSON.stringify(r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) {
        return n.target.join(" ");
      })};
    }));
    document.body.appendChild(out);
  });
""".replace("TAGS", json.dumps(list(TAGS))).replace("RESULT", RESULT)

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed (npm)"),
]


def violations(page: Path, tmp_path: Path) -> list[dict]:
    """axe-core's violations on ``page`` (a copy with axe in it is loaded in Chromium)."""
    text = page.read_text(encoding="utf-8")
    text, dropped = re.subn(r"<meta[^>]*Content-Security-Policy[^>]*>", "", text)
    assert dropped <= 1
    script = f"<script>{AXE.read_text(encoding='utf-8')}</script><script>{RUNNER}</script>"
    copy = tmp_path / page.name
    copy.write_text(text.replace("</body>", f"{script}</body>"), encoding="utf-8")
    dom = dump_dom(copy, tmp_path / "profiel", budget_ms=30000)
    found = re.search(rf'<pre id="{RESULT}">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_axe_sees_a_violation_it_is_shown(tmp_path):
    """Control: a page with an image without alt text and an empty table header fails."""
    page = tmp_path / "fout.html"
    page.write_text(
        '<!doctype html><html lang="nl"><head><title>t</title></head><body><main>'
        '<img src="data:,"><table><tr><th></th><td>1</td></tr></table></main></body></html>',
        encoding="utf-8",
    )
    assert {"image-alt", "empty-table-header"} <= {v["id"] for v in violations(page, tmp_path)}


@pytest.mark.parametrize(
    "period, name",
    [
        ("2025", "werkpad-noord.html"),  # every figure kind, table 2.3, the trends
        ("2025", "baankracht-zuid.html"),  # hidden grades, suppressed figures
        ("2021", "horizonwerk-west.html"),  # a first measurement
        ("2025", "index.html"),  # the overview with its sort buttons
    ],
)
def test_published_pages_have_no_axe_violation(demo_batch, tmp_path, period, name):
    page = demo_batch / period / name
    assert page.is_file(), page
    assert violations(page, tmp_path) == []
