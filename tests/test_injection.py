"""Injection: markup in provider names, item texts and answer labels is shown, never obeyed.

A period is built with the fixture helper: the providers have hostile names, and the copies
of the codebooks get a hostile payload appended to every section title, item text, answer
label and matrix row. A name may be at most 200 characters (``checks.MAX_NAME_LENGTH``), so
the payloads are spread over three names. Real reports are rendered (HTML, and PDF for the
names whose payloads are about print), and then:

- the HTML shows every name literally (text and ``<title>``), and every payload that appears
  (found by the unique marker in front of it) appears whole and literally, in the text or in
  an ``alt`` attribute;
- the HTML of a hostile provider has no element or attribute that the report of a plain
  provider does not have, no ``on...`` attribute, no ``javascript:`` URL and no script;
- headless Chromium runs no script in it (the payloads would change the document title);
- the PDF builds and its text holds the names and payloads literally;
- the sidecar holds the name exactly.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from browser import CHROMIUM, dump_dom
from fixtures.periods import answers, codebook, valid_spec, write_period
from pypdf import PdfReader

from tevredenheidsrapport import render

#: What a script that ran would write into the page; never present literally in any payload.
RAN = "XSS" + "-RAN"
SCRIPT = "document.title='XSS'+'-RAN'"

PAYLOADS = {
    "html": f'<script>{SCRIPT}</script><img src=x onerror="{SCRIPT}"> <b onmouseover={SCRIPT}>',
    "markdown": "**vet** _schuin_ # kop [klik](javascript:alert(1)) <https://x.invalid> `code` |",
    "typst": "#set page(fill: red) #{1+1} $x^2$ @fig-x <label> = kop // niet weg /* ook niet */",
    "latex": r"\textbf{vet} \input{/etc/passwd} $\alpha$ en $\nietbestaand$ 100% & _ ^ \\",
    "braces": "{bedrijf} {0} {provider.__class__} {{dubbel}} %(naam)s ${HOME}",
    "rtl": "שלום עולם مرحبا بالعالم",
}

#: Providers: id -> name. Every payload is in one of the hostile names, each within the
#: length limit: X the print payloads (Typst, LaTeX), Y the HTML payload, W emoji and
#: right-to-left text with Markdown and format fields; N is the plain reference.
NAMES = {
    "X": f"Bèta {PAYLOADS['typst']} {PAYLOADS['latex']} Einde",
    "Y": f"Bèta {PAYLOADS['html']} Einde",
    "W": f"Wereld 💼🙂 {PAYLOADS['rtl']} {PAYLOADS['markdown']} {PAYLOADS['braces']}",
    "N": "Normaal Re-integratie",
}
assert all(len(name) <= 200 for name in NAMES.values()) and "\n" not in "".join(NAMES.values())
HOSTILE = ("X", "Y", "W")
#: The hostile reports also rendered as PDF (the HTML payload is about the browser).
HOSTILE_PDF = ("X", "W")
_RTL = re.compile("[\u0590-\u08ff]")


def _flat(text: str) -> str:
    """Text without whitespace, hyphens and invisible format characters, in compatibility
    form: PDF text breaks lines anywhere (text extraction drops a hyphen at a line end), adds
    bidi marks and may give Arabic as presentation forms."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        c for c in text if not c.isspace() and c != "-" and unicodedata.category(c) != "Cf"
    )


def _norm(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- the period


def _inject(path: Path, counter: itertools.count, payloads: dict[str, str]) -> None:
    """Append ``ZQ<n>QZ <payload>`` to every title, text, label and row of a codebook copy."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kinds = list(PAYLOADS)

    def tag(text: object) -> str:
        i = next(counter)
        marker = f"ZQ{i}QZ"
        payloads[marker] = PAYLOADS[kinds[i % len(kinds)]]
        return f"{text} {marker} {payloads[marker]}"

    for section in data["sections"]:
        section["title"] = tag(section["title"])
    for scale in (data.get("scales") or {}).values():
        scale.update({code: tag(label) for code, label in scale.items()})
    for item in data["items"]:
        item["text"] = tag(item["text"])
        for key in ("options", "rows"):
            if isinstance(item.get(key), dict):
                item[key] = {code: tag(label) for code, label in item[key].items()}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def period(tmp_path_factory):
    """Five providers with four clients (arbeid) and three opdrachtgevers each, all complete.

    Returns (period directory, marker -> payload)."""
    root = tmp_path_factory.mktemp("injectie")
    arbeid, opdr = codebook("arbeid-2024"), codebook("opdrachtgevers-2019")
    spec = valid_spec()
    spec["providers"] = [
        {"provider_id": pid, "name": name, "telefonisch": "ja"} for pid, name in NAMES.items()
    ]
    spec["sample"], clients, opdrachtgevers = [], [], []
    for pid in NAMES:
        for i in range(4):
            person = f"c{pid}{i}"
            spec["sample"].append(
                {
                    "person_id": person,
                    "provider_id": pid,
                    "group": "client",
                    "dienst": "5",
                    "questionnaire": "arbeid",
                    "status": "netto",
                    "province": "Utrecht",
                }
            )
            clients.append(answers(arbeid, person, grade=str(6 + i)))
        for i in range(3):
            person = f"o{pid}{i}"
            spec["sample"].append(
                {
                    "person_id": person,
                    "provider_id": pid,
                    "group": "opdrachtgever",
                    "dienst": None,
                    "questionnaire": "opdrachtgevers",
                    "status": "netto",
                    "province": None,
                }
            )
            opdrachtgevers.append(answers(opdr, person, grade="7,5"))
    spec["responses"] = {
        "arbeid": clients,
        "opdrachtgevers": opdrachtgevers,
        "arbeid_laagdrempelig": None,
        "inburgeren": None,
    }
    directory = write_period(root, spec)
    payloads: dict[str, str] = {}
    counter = itertools.count()
    for cb_id in ("arbeid-2024", "opdrachtgevers-2019"):
        _inject(root / "codebooks" / f"{cb_id}.yaml", counter, payloads)
    return directory, payloads


@pytest.fixture(scope="module")
def reports(period, settings, tmp_path_factory):
    """provider -> RenderResult: HTML for every name, PDF too for :data:`HOSTILE_PDF`."""
    directory, _ = period
    out, work = tmp_path_factory.mktemp("uit"), tmp_path_factory.mktemp("werk")
    return {
        pid: render.render_report(
            pid,
            directory,
            out,
            settings=settings,
            formats=("html", "pdf") if pid in HOSTILE_PDF else ("html",),
            work_root=work,
        )
        for pid in (*HOSTILE, "N")
    }


# --------------------------------------------------------------------------- HTML


class _Page(HTMLParser):
    """Text, title, alt texts, elements and attributes of an HTML page."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.title = ""
        self.alts: list[str] = []
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str]] = set()
        self.dangerous: list[tuple[str, str, str | None]] = []
        self._skip = 0
        self._in_title = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add((tag, name))
            url = (value or "").strip().lower()
            if name.startswith("on") or url.startswith(("javascript:", "vbscript:")):
                self.dangerous.append((tag, name, value))
            if tag == "img" and name == "src" and not url.startswith("data:"):
                self.dangerous.append((tag, name, value))
            if name == "alt" and value:
                self.alts.append(value)
        if tag in ("script", "iframe", "object", "embed", "form", "base"):
            self.dangerous.append((tag, "", None))
        self._skip += tag in ("style", "script")
        self._in_title |= tag == "title"

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")
        self._in_title &= tag != "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.text.append(data)


@pytest.fixture(scope="module")
def pages(reports):
    return {pid: _Page(r.outputs["html"].read_text(encoding="utf-8")) for pid, r in reports.items()}


@pytest.mark.parametrize("pid", HOSTILE)
def test_name_is_shown_literally_in_html(pages, pid):
    """Wherever the plain report shows its name, the hostile one shows its name, literally."""
    page, plain = pages[pid], pages["N"]
    times = _norm(" ".join(plain.text)).count(NAMES["N"])
    assert times > 3
    assert _norm(" ".join(page.text)).count(_norm(NAMES[pid])) == times
    alts = [alt.count(NAMES["N"]) for alt in plain.alts]
    assert [_norm(alt).count(_norm(NAMES[pid])) for alt in page.alts] == alts
    assert _norm(page.title).endswith(_norm(NAMES[pid]))


@pytest.mark.parametrize("pid", HOSTILE)
def test_html_has_no_injected_element_or_attribute(pages, reports, pid):
    page, plain = pages[pid], pages["N"]
    assert page.dangerous == []
    assert page.tags <= plain.tags, page.tags - plain.tags
    assert page.attributes <= plain.attributes, page.attributes - plain.attributes
    source = reports[pid].outputs["html"].read_text(encoding="utf-8")
    assert "<script" not in source.lower()
    assert RAN not in source


def test_codebook_texts_and_labels_are_shown_literally_in_html(pages, period):
    """Every injected payload that the report shows, it shows whole and literally."""
    _, payloads = period
    shown = 0
    for pid in HOSTILE:
        page = pages[pid]
        for where in (_norm(" ".join(page.text)), *map(_norm, page.alts)):
            for marker, payload in payloads.items():
                at = where.find(marker + " ")
                while at >= 0:
                    shown += 1
                    found = where[at + len(marker) + 1 :][: len(_norm(payload))]
                    assert found == _norm(payload), (marker, where[at : at + 200])
                    at = where.find(marker + " ", at + 1)
    assert shown > 0, "the reports show no codebook text at all; this test would be moot"


def test_provider_name_inside_item_texts_stays_literal(pages, period):
    """``{provider}`` in a codebook text becomes the name, and only that: no format fields."""
    text = _norm(" ".join(pages["W"].text))
    assert "{bedrijf} {0} {provider.__class__} {{dubbel}}" in text
    assert "<class" not in text


# --------------------------------------------------------------------------- Chromium


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_runs_no_script(reports, tmp_path):
    # Control: the same payload in a page of our own does run, so the check can see it.
    control = tmp_path / "control.html"
    control.write_text(
        f"<!doctype html><title>t</title><p>{PAYLOADS['html']}</p>", encoding="utf-8"
    )
    assert RAN in dump_dom(control, tmp_path / "profiel-controle")
    dom = dump_dom(reports["Y"].outputs["html"], tmp_path / "profiel")
    assert RAN not in dom
    assert html.escape("<script>", quote=False) in dom  # the payload is there, as text


# --------------------------------------------------------------------------- PDF and sidecar


PDFTOTEXT = shutil.which("pdftotext")


def _pdf_text(path: Path) -> str:
    """All text of a PDF: poppler's pdftotext when present (fast), else pypdf (slow: the
    figures hold many paths)."""
    if PDFTOTEXT:
        out = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True)
        if out.returncode == 0:
            return out.stdout.decode("utf-8")
    return "".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def pdf_texts(reports):
    return {pid: _pdf_text(reports[pid].outputs["pdf"]) for pid in HOSTILE_PDF}


@pytest.mark.parametrize("pid", HOSTILE_PDF)
def test_pdf_builds_and_shows_the_name_literally(reports, pid):
    pdf = reports[pid].outputs["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    cover = _flat(PdfReader(pdf).pages[0].extract_text())  # pypdf, on the cover page
    if _RTL.search(NAMES[pid]):  # right-to-left words come out in visual order: each word
        assert all(_flat(word) in cover for word in NAMES[pid].split())
    else:
        assert _flat(NAMES[pid]) in cover


@pytest.mark.parametrize("pid", HOSTILE_PDF)
def test_pdf_document_title_is_literal(reports, settings, pid):
    title = PdfReader(reports[pid].outputs["pdf"]).metadata.title
    assert title == f"{settings.report.title} – {NAMES[pid]}"


def _shows(text: str, at: int, marker: str, payload: str) -> bool:
    """``text`` (flat) shows ``payload`` right after ``marker`` at ``at``.

    Right-to-left words come out of a PDF in visual order, a table of contents puts its dot
    leaders and page number between the parts, and the text of a chart comes out by position
    (a wrapped label's lines with the values beside them): for those, every word must follow
    within a short distance instead."""
    rest = text[at + len(marker) :]
    if rest.startswith(_flat(payload)):
        return True
    window = rest[: len(_flat(payload)) + 200]
    return all(_flat(word) in window for word in payload.split())


def test_codebook_texts_and_labels_are_shown_literally_in_pdf(pdf_texts, period):
    _, payloads = period
    shown = 0
    for text in map(_flat, pdf_texts.values()):
        for marker, payload in payloads.items():
            at = text.find(marker)
            while at >= 0:
                shown += 1
                assert _shows(text, at, marker, payload), (marker, text[at : at + 200])
                at = text.find(marker, at + 1)
    assert shown > 0


@pytest.mark.parametrize("pid", HOSTILE)
def test_sidecar_holds_the_exact_name(reports, pid):
    sidecar = json.loads(reports[pid].outputs["json"].read_text(encoding="utf-8"))
    assert sidecar["provider"] == {"id": pid, "name": NAMES[pid]}


# --------------------------------------------------------------------------- emoji


def test_emoji_and_right_to_left_name(pages, reports):
    assert _norm(NAMES["W"]) in _norm(" ".join(pages["W"].text))
    cover = _flat(PdfReader(reports["W"].outputs["pdf"]).pages[0].extract_text())
    # right-to-left words come out of a PDF in visual order: each word must be there
    assert all(_flat(word) in cover for word in NAMES["W"].split())
