"""Privacy of single reports: respondent ids and open answers never reach an output.

Scaffolding for issue part 5: :func:`leaks` scans HTML (source and text), PDF text and JSON
sidecars for given strings, and is meant to be reused on every output of a demo batch; the
tests here need only :func:`render.render_report`. Respondent ids and 'Anders, namelijk'
texts are planted as unique strings in a small period; they must appear in no output unless
``privacy.show_open_answers`` asks for the open answers (and then only those).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from fixtures.periods import answers, codebook, valid_spec, write_period
from pypdf import PdfReader

from tevredenheidsrapport import render
from tevredenheidsrapport.config import load_settings

PDFTOTEXT = shutil.which("pdftotext")
ARBEID = codebook("arbeid-2024")
OPEN_COLUMNS = [c for it in ARBEID.items if it.type == "open" for c in it.columns()]
#: Planted strings: nothing else in a report looks like them.
PERSONS = [f"rid-QX{i}7KZ" for i in range(5)]
OPEN_TEXTS = {p: f"buurvrouw QO{i}9WV" for i, p in enumerate(PERSONS)}


def output_text(path: Path) -> str:
    """Everything a reader of ``path`` could see: the source and the text of HTML (entities
    decoded), the text of a PDF, the content of JSON and other text files."""
    if path.suffix == ".pdf":
        if PDFTOTEXT:
            out = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True)
            if out.returncode == 0:
                return out.stdout.decode("utf-8")
        return "".join(page.extract_text() for page in PdfReader(path).pages)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        # figures are inline SVG whose text is text, so it is scanned with the rest; the
        # only base64 left is the figures' font, and skipping it makes a scan fast
        text = re.sub(r"data:[^\"')\s]+", "data:", text)
        text = re.sub(r'\s(?:d|points|transform)="[^"]*"', "", text)  # geometry: only numbers
        return text + "\n" + html.unescape(re.sub(r"<[^>]+>", " ", text))
    return text


def leaks(
    paths: Iterable[Path], secrets: Iterable[str], texts: dict[Path, str] | None = None
) -> list[tuple[str, str]]:
    """(file name, secret) for every planted string found in an output, whitespace ignored.

    ``texts`` may hold :func:`output_text` of the paths already (a scan of many outputs
    reads each once)."""
    wanted: dict[str, str] = {}
    for s in secrets:
        wanted.setdefault("".join(s.split()), s)
    pattern = _any_of(w for w in wanted if w)
    found = []
    for path in paths:
        text = texts[path] if texts is not None and path in texts else output_text(path)
        flat = "".join(text.split())
        found += sorted({(path.name, wanted[m.group(0)]) for m in pattern.finditer(flat)})
    return found


def _any_of(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern that matches any of ``words``, built as a trie so that a scan costs the
    length of the text, not that times the number of words. A text matches iff it holds one
    of the words; where words overlap only the leftmost (longest) one is reported."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(build(trie) or "(?!)")


@pytest.fixture(scope="module")
def period(tmp_path_factory):
    """P1 with five complete arbeid clients whose ids and open answers are planted strings."""
    spec = valid_spec()
    for person in PERSONS:
        spec["sample"].append(
            {
                "person_id": person,
                "provider_id": "P1",
                "group": "client",
                "dienst": "5",
                "questionnaire": "arbeid",
                "status": "netto",
                "province": "Utrecht",
            }
        )
        row = answers(ARBEID, person, grade="7")
        row.update({c: OPEN_TEXTS[person] for c in OPEN_COLUMNS})
        spec["responses"]["arbeid"].append(row)
    return write_period(tmp_path_factory.mktemp("privacy"), spec)


def test_respondent_ids_and_open_answers_reach_no_output(period, settings, tmp_path):
    result = render.render_report(
        "P1", period, tmp_path / "uit", settings=settings, work_root=tmp_path / "werk"
    )
    outputs = list(result.outputs.values())
    assert {p.suffix for p in outputs} == {".html", ".pdf", ".json"}
    assert leaks(outputs, [*PERSONS, *OPEN_TEXTS.values()]) == []


def test_open_answers_only_when_the_setting_asks(period, tmp_path):
    """The control for the test above: the planted texts are findable when they are shown;
    respondent ids stay out even then."""
    settings = load_settings([], ["privacy.show_open_answers=true"])
    result = render.render_report(
        "P1",
        period,
        tmp_path / "uit",
        settings=settings,
        formats=("html",),
        work_root=tmp_path / "werk",
    )
    outputs = list(result.outputs.values())
    assert leaks(outputs, OPEN_TEXTS.values())
    assert leaks(outputs, PERSONS) == []
