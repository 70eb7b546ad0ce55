"""Every demo report, rendered by the batch: privacy over all outputs, and batch == single.

The batch renders both demo periods once for this module (about a minute on two cores).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import PERIOD_FORMATS
from test_privacy import leaks, output_text

from tevredenheidsrapport import labels, render
from tevredenheidsrapport.dataset import load_period


@pytest.fixture(scope="module")
def batch(demo_batch):
    return demo_batch


@pytest.fixture(scope="module")
def texts(batch):
    """What a reader sees of every output of the demo batch, read once for all scans."""
    return {p: output_text(p) for p in outputs(batch, ".html", ".json", ".csv", ".pdf")}


def outputs(root, *suffixes):
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix in suffixes and not p.name.startswith(".")
    )


def test_every_provider_has_its_outputs(batch, demo_data):
    for period in ("2025", "2021"):
        ids = pd.read_csv(demo_data / period / "providers.csv")["provider_id"]
        for pid in ids:
            for suffix in (*(f".{f}" for f in PERIOD_FORMATS[period]), ".json"):
                assert (batch / period / f"{pid}{suffix}").exists(), f"{period}/{pid}{suffix}"


def test_no_respondent_id_or_open_answer_in_any_output(batch, demo_data, texts):
    secrets: set[str] = set()
    for period in ("2025", "2021"):
        data = load_period(demo_data / period)
        secrets |= set(data.persons["person_id"].astype(str))
        for cid, frame in data.responses.items():
            for it in data.codebooks[cid].items:
                if it.type == "open":
                    secrets |= {t for t in frame[it.id].dropna().astype(str) if len(t.strip()) > 3}
        vocabulary = {
            str(v)
            for cb in data.codebooks.values()
            for it in cb.items
            for v in (it.text, *it.options.values(), *it.rows.values())
        }
        secrets -= vocabulary  # an open answer that repeats an answer option is no secret
    assert len(secrets) > 1000
    files = outputs(batch, ".html", ".json", ".csv")
    found = leaks(files, secrets, texts)
    assert not found, found[:10]


def test_pdfs_leak_nothing_either(batch, demo_data, texts):
    data = load_period(demo_data / "2025")
    vocabulary = {
        str(v)
        for cb in data.codebooks.values()
        for it in cb.items
        for v in (it.text, *it.options.values(), *it.rows.values())
    }
    secrets = {
        t
        for cid, f in data.responses.items()
        for it in data.codebooks[cid].items
        if it.type == "open"
        for t in f[it.id].dropna().astype(str)
    }
    secrets -= vocabulary
    secrets |= set(data.persons["person_id"].astype(str).head(300))
    found = leaks(outputs(batch / "2025", ".pdf"), secrets, texts)
    assert not found, found[:10]


def test_nothing_rests_on_fewer_answers_than_the_threshold(batch, demo_data, settings):
    k = settings.privacy.min_answers
    for period in ("2025", "2021"):
        persons = load_period(demo_data / period).persons
        done = persons[persons["netto"] & persons["ingevuld"] & persons["cijfer"].notna()]
        for sidecar_path in outputs(batch / period, ".json"):
            sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
            if not isinstance(sidecar, dict) or "table11" not in sidecar:
                continue
            pid = sidecar["provider"]["id"]
            mine = done[done["provider_id"] == pid]
            for row in sidecar["table11"]:
                if row["kind"] == "dienst":
                    n = int((mine["group"].eq("client") & mine["dienst"].eq(row["dienst"])).sum())
                else:
                    n = int(
                        mine["group"]
                        .eq("client" if row["kind"] == "totaal" else "opdrachtgever")
                        .sum()
                    )
                if n < k:
                    assert row["rapportcijfer"] is None, (pid, row, n)
                elif row["rapportcijfer"] is None:  # hidden beside another (secondary)
                    assert row["rapportcijfer_weggelaten"] == labels.RECORD_DERIVABLE, row
            for entry in sidecar["figures"] + sidecar["cover"]:
                assert entry.get("n") is None or entry["n"] >= k, (pid, entry)
            html = (batch / period / f"{sidecar_path.stem}.html").read_text(encoding="utf-8")
            assert all(int(n) >= k for n in re.findall(r'data-n="(\d+)"', html)), pid
            # the promotor score is only given when enough clients answered
            text = output_text(batch / period / f"{sidecar_path.stem}.html")
            if "Dat percentage is de promotorscore" in text:
                assert not any(s["id"] == "client-aanbevolen" for s in sidecar["suppressed"]), pid


@pytest.mark.parametrize(
    "period,pid", [("2025", "baankracht-zuid"), ("2025", "werkvonk"), ("2021", "taalwerk-zuid")]
)
def test_batch_and_single_render_give_identical_bytes(
    batch, demo_data, settings, tmp_path, period, pid
):
    # rendered as by hand (`tevreden render`): figures and formats on two cores, the batch on
    # one; the same bytes from two renders in two ways is also the test of determinism
    single = render.render_report(
        pid,
        demo_data / period,
        tmp_path / "out",
        settings=settings,
        formats=PERIOD_FORMATS[period],
        work_root=tmp_path / "w",
        jobs=2,
    )
    for kind in (*PERIOD_FORMATS[period], "json"):
        assert (
            single.outputs[kind].read_bytes() == (batch / period / f"{pid}.{kind}").read_bytes()
        ), kind


#: How a count below the threshold would read: "n=2", "n = 1", "(n=2)", "1 antwoord",
#: "2 antwoorden", "2 cijfers" (the default threshold is 3).
SMALL_COUNT = re.compile(
    r"\bn\s*=\s*[12](?![\d.,]?\d)|(?<![\d.,])\b[12]\s+(antwoord|antwoorden|cijfers?|respondenten)\b"
)


def test_no_output_counts_below_the_threshold(batch, texts):
    """Notes, alt texts, captions, the sidecar and the overview say "minder dan 3", never 1 or 2."""
    assert len(texts) > 100
    found = []
    for path, text in texts.items():
        for m in SMALL_COUNT.finditer(text):
            found.append((path.name, m.group(0)))
    assert not found, found[:10]


def _structure_problems(path) -> list[str]:
    """What a PDF/UA-1 reader would miss in the tags of ``path`` (empty: nothing)."""
    import pikepdf

    problems = []
    with pikepdf.open(path) as pdf:
        if pdf.open_metadata().get("pdfuaid:part") != "1":
            problems.append("no PDF/UA-1 in the XMP")
        if str(pdf.Root.get("/Lang", "")) != "nl":
            problems.append("no /Lang nl")
        if pdf.Root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
            problems.append("title not displayed")
        root = pdf.Root.StructTreeRoot
        ids = {str(k): v for k, v in pikepdf.NameTree(root.IDTree).items()}
        kinds: dict[str, list] = {}

        def kids(node):
            k = node.get("/K")
            return [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]

        def walk(node):
            if isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.setdefault(str(node.S), []).append(node)
                for kid in kids(node):
                    walk(kid)

        for kid in kids(root):
            walk(kid)
        problems += [f"figure without /Alt: {f.get('/ID')}" for f in kinds.get("/Figure", [])
                     if not str(f.get("/Alt", "")).strip()]  # fmt: skip

        def table_attribute(cell, key):
            for a in cell.get("/A", []):
                if isinstance(a, pikepdf.Dictionary) and a.get("/O") == "/Table" and key in a:
                    return a[key]
            return None

        for t, table in enumerate(kinds.get("/Table", [])):
            parts = {str(p.S): p for p in kids(table) if isinstance(p, pikepdf.Dictionary)}
            if "/Caption" not in parts:
                problems.append(f"table {t}: no caption")
            head_cells = [c for r in kids(parts.get("/THead", {})) for c in kids(r)]
            if not head_cells or any(c.S != "/TH" for c in head_cells):
                problems.append(f"table {t}: header row not all TH")
            for r, row in enumerate(kids(parts.get("/TBody", {}))):
                cells = kids(row)
                first = cells[0]
                if first.S != "/TH" or table_attribute(first, "/Scope") != "/Row":
                    problems.append(f"table {t} row {r}: no row header")
                elif str(first.get("/ID")) not in ids:
                    problems.append(f"table {t} row {r}: row header not in the ID tree")
                for cell in cells:
                    for ref in table_attribute(cell, "/Headers") or []:
                        if str(ref) not in ids:
                            problems.append(f"table {t} row {r}: header {ref} unknown")
    return problems


def test_every_pdf_is_tagged_for_a_screen_reader(batch):
    """PDF/UA-1 in every demo report: identified, titled, in Dutch, every figure described,
    and every table with its caption, column headers and row headers (the first cell of a
    row names it: a service, a group, a total), each header known by its ID."""
    pdfs = outputs(batch, ".pdf")
    assert len(pdfs) > 40
    found = {p.name: _structure_problems(p) for p in pdfs}
    assert {name: problems for name, problems in found.items() if problems} == {}
