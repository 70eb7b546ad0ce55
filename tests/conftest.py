"""Shared fixtures: settings, hand-built person frames, the demo batch, and a check after
every test that each sidecar written under the temporary folders fits the schema."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tevredenheidsrapport.config import load_settings


@pytest.fixture(scope="session")
def settings():
    return load_settings()


def grades_with_sum(n: int, total: float, step: float = 1.0) -> list[float]:
    """``n`` grades as equal as possible whose sum is ``total`` (in units of ``step``)."""
    units = round(total / step)
    q, r = divmod(units, n)
    return [(q + 1) * step] * r + [q * step] * (n - r)


def persons_frame(provider: str, rows: list[dict]) -> pd.DataFrame:
    """Build a ``Dataset.persons``-like frame from compact row specs.

    Each spec: group, dienst, netto (count), grades (list, one per completed questionnaire),
    plus ``dropped`` persons outside the netto steekproef that must never count.
    """
    out = []
    for spec in rows:
        grades = spec.get("grades", [])
        for i in range(spec["netto"]):
            done = i < len(grades)
            out.append(
                {
                    "provider_id": provider,
                    "group": spec["group"],
                    "dienst": spec.get("dienst"),
                    "netto": True,
                    "ingevuld": done,
                    "cijfer": grades[i] if done else float("nan"),
                }
            )
        for _ in range(spec.get("dropped", 0)):
            out.append(
                {
                    "provider_id": provider,
                    "group": spec["group"],
                    "dienst": spec.get("dienst"),
                    "netto": False,
                    "ingevuld": True,
                    "cijfer": 1.0,
                }
            )
    frame = pd.DataFrame(out)
    frame["dienst"] = frame["dienst"].astype("Int64")
    return frame


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    """The demo measurement years, generated once per test session (as `make reports` does)."""
    from tevredenheidsrapport.demo import generate

    root = tmp_path_factory.mktemp("demo")
    generate(root)
    return root


@pytest.fixture(scope="session")
def demo_2025(demo_data):
    return demo_data / "2025"


# What the demo batch renders: 2025 as HTML and PDF, 2021 as HTML (its PDFs would add minutes
# to the suite and test nothing the 2025 PDFs and the 2021 HTML do not).
PERIOD_FORMATS = {"2025": ("html", "pdf"), "2021": ("html",)}


@pytest.fixture(scope="session")
def demo_batch(demo_data, settings, tmp_path_factory):
    """Every demo report as the batch publishes it, rendered once per session for the
    privacy scans (test_demo_outputs) and the attacker who reads the files (test_attacker)."""
    from tevredenheidsrapport.batch import render_batch

    out, work = tmp_path_factory.mktemp("batch-out"), tmp_path_factory.mktemp("batch-work")
    for period, formats in PERIOD_FORMATS.items():
        result = render_batch(
            demo_data / period,
            out,
            settings=settings,
            formats=formats,
            work_root=work,
            progress=False,
        )
        assert result.ok, result.summary()
    return out


@dataclass(frozen=True)
class Published:
    """One report of the demo batch as a reader holds it (the fields of a RenderResult)."""

    provider: str
    outputs: dict[str, Path]
    sidecar: dict


@pytest.fixture(scope="session")
def published(demo_batch):
    """``published(period, provider)``: that report of the demo batch. Tests of what a
    report contains read these instead of rendering the same reports again (the batch and
    a single render give the same bytes, see test_demo_outputs)."""

    def get(period: str, provider: str) -> Published:
        base = demo_batch / period / provider
        outputs = {k: base.with_name(f"{provider}.{k}") for k in (*PERIOD_FORMATS[period], "json")}
        return Published(provider, outputs, json.loads(outputs["json"].read_text("utf-8")))

    return get


# ---- every sidecar a test writes fits the schema -------------------------------------------
class SidecarWatch:
    """Finds the sidecars written under a folder since the last look, and validates them.

    A folder's listing is read again only when its modification time changed (a sidecar is
    written by renaming a temporary file, which changes it), so a look after every test
    costs a stat per folder. A JSON file that is not a sidecar (no ``table11``), or not
    JSON at all (a test that breaks one on purpose), is skipped."""

    #: A listing younger than this may miss a file written in the same clock tick: such a
    #: folder is read again next time.
    SETTLE_NS = 200_000_000
    MAX_BYTES = 20_000_000

    def __init__(self, root: Path):
        self.root = root
        self._folders: dict[str, tuple[int, list[str]]] = {}  # folder -> (mtime, subfolders)
        self._checked: dict[str, tuple[int, int]] = {}  # file -> (mtime, size) validated

    def problems(self) -> list[str]:
        """One message per sidecar written since the last call that does not fit."""
        from tevredenheidsrapport import sidecar

        out = []
        for path in self._new_json_files():
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not sidecar.is_sidecar(data):
                continue
            try:
                sidecar.validate(data, what=f"De sidecar {path}")
            except sidecar.SidecarError as error:
                out.append(str(error))
        return out

    def _new_json_files(self) -> list[str]:
        found = []
        stack = [str(self.root)]
        while stack:
            folder = stack.pop()
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                self._folders.pop(folder, None)
                continue
            known = self._folders.get(folder)
            if known is not None and known[0] == mtime:
                stack.extend(known[1])
                continue
            subfolders = []
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            subfolders.append(entry.path)
                        elif entry.name.endswith(".json") and entry.is_file(follow_symlinks=False):
                            stat = entry.stat()
                            version = (stat.st_mtime_ns, stat.st_size)
                            if self._checked.get(entry.path) != version:
                                self._checked[entry.path] = version
                                if stat.st_size <= self.MAX_BYTES:
                                    found.append(entry.path)
            except OSError:
                continue
            settled = time.time_ns() - mtime > self.SETTLE_NS
            self._folders[folder] = (mtime if settled else -1, subfolders)
            stack.extend(subfolders)
        return found


@pytest.fixture(scope="session")
def sidecar_watch(tmp_path_factory) -> SidecarWatch:
    return SidecarWatch(tmp_path_factory.getbasetemp())


@pytest.fixture(autouse=True)
def _sidecars_fit_the_schema(sidecar_watch, request):
    """After every test: each sidecar it (or a fixture it set up) wrote under the session's
    temporary folders fits ``resources/sidecar.schema.json``. A test marked
    ``unchecked_sidecar`` renders data that bypassed validation on purpose (ids no codebook
    may have): its sidecars are looked at but not held to the schema of valid data."""
    yield
    found = sidecar_watch.problems()
    if found and request.node.get_closest_marker("unchecked_sidecar") is None:
        pytest.fail("\n\n".join(found), pytrace=False)
