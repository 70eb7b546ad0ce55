"""What a reader gets from the published files of a report: table 2.2, alt texts, sidecar.

The attackers in ``test_attacker.py`` start from here, so that what they attack is what a
provider (or anyone it passes the report to) actually holds: the HTML as delivered and its
JSON sidecar, not the frames the report was made from. Only the standard library reads them.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

_TAG = re.compile(r"<[^>]+>")
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)
_TABLE = re.compile(r"<table[^>]*>.*?</table>", re.S)
_N = r"\(n=([\d.]+)\)"


def text(fragment: str) -> str:
    """The text of an HTML fragment as a reader sees it: tags gone, entities decoded."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def whole(value: str) -> int:
    """A printed whole number: ``1.331`` is 1331."""
    return int(value.replace(".", ""))


def decimal(value: str) -> Fraction | None:
    """A printed number with a decimal comma as an exact fraction; None for ``*`` or ``**``."""
    value = value.strip()
    if not re.fullmatch(r"\d+(,\d+)?", value):
        return None
    return Fraction(value.replace(",", "."))


@dataclass(frozen=True)
class Row:
    label: str
    netto: int
    ingevuld: int
    cijfer: Fraction | None  # None when the report hides it
    shown_as: str  # the printed cell: "7,6", "*", "**"


@dataclass
class Published:
    """The grade numbers one report publishes about its clients."""

    provider: str
    name: str
    services: dict[str, Row] = field(default_factory=dict)  # by service label
    total: Row | None = None
    distribution: dict[int, int] | None = None  # grade -> printed percentage
    distribution_n: int | None = None
    benchmark: dict[str, tuple[Fraction, int] | None] = field(default_factory=dict)
    norm: str | None = None
    alts: dict[str, str] = field(default_factory=dict)  # figure id -> alt text


def table22(page: str) -> list[list[str]]:
    """The rows of table 2.2 (the one with the column Netto steekproef), as cell texts."""
    for table in _TABLE.findall(page):
        if "Netto steekproef" in table and "Rapportcijfer" in table:
            return [[text(c) for c in _CELL.findall(r)] for r in _ROW.findall(table)]
    raise AssertionError("no table 2.2 in the page")


def figure_alts(page: str) -> dict[str, str]:
    """Alt text of every figure, by the figure's id (``fig-cijfer-verdeling``)."""
    out = {}
    for m in re.finditer(r'<div id="(fig-[^"]+)" class="rfigure"', page):
        # inline SVG (the HTML writer's): its accessible name; an <img>: its alt text
        alt = re.search(r'<(?:svg|img)\b[^>]*\b(?:aria-label|alt)="([^"]*)"', page[m.end() :])
        if alt:
            out[m.group(1)] = html.unescape(alt.group(1))
    return out


def read(html_path: Path) -> Published:
    """Read one report as published: its HTML and the JSON sidecar beside it."""
    page = html_path.read_text(encoding="utf-8")
    page = re.sub(r"data:[^\"')\s]+", "data:", page)
    sidecar = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    pub = Published(provider=sidecar["provider"]["id"], name=sidecar["provider"]["name"])
    pub.norm = (sidecar.get("norm") or {}).get("status")
    section = None
    for cells in table22(page)[1:]:
        label = cells[0]
        if not any(cells[1:]):
            section = label
            continue
        if section != "Cliënten":
            continue
        row = Row(label, whole(cells[1]), whole(cells[2]), decimal(cells[4]), cells[4])
        if label == "Totaal":
            pub.total = row
        else:
            pub.services[label] = row
    pub.alts = figure_alts(page)
    dist = pub.alts.get("fig-cijfer-verdeling")
    if dist:
        dist = without_previous(dist)
        own = re.search(re.escape(pub.name) + " " + _N + r": (.*?)\. Alle deelnemers", dist)
        assert own, dist
        pub.distribution_n = whole(own.group(1))
        pub.distribution = {int(g): int(p) for g, p in re.findall(r"cijfer (\d+): (\d+)%", own[2])}
    means = without_tests(pub.alts.get("fig-cijfer-gemiddeld", ""))
    body = means.split("gemiddeld rapportcijfer. ", 1)[-1].rstrip(".")
    for part in re.split(r"\.\s+", body) if means else ():
        label, rest = part.split(": ", 1)
        bench = rest.rsplit("alle deelnemers ", 1)[1]
        m = re.fullmatch(r"(\d+,\d) " + _N, bench)
        pub.benchmark[label] = (decimal(m[1]), whole(m[2])) if m else None
    return pub


def report_pages(folder: Path) -> list[Path]:
    """The HTML reports of one period folder of a batch (the overview left out)."""
    return sorted(
        p
        for p in folder.glob("*.html")
        if p.with_suffix(".json").exists() and not p.name.startswith(".")
    )


def round_half_up(x: Fraction, decimals: int) -> Fraction:
    """``x`` rounded half-up as the reports print it, exactly."""
    scale = 10**decimals
    return Fraction(int(x * scale + Fraction(1, 2)), scale)


def counts_for_percent(n: int, printed: int) -> tuple[int, int]:
    """The counts out of n whose share prints (whole percent, half-up) as ``printed``.

    p - 0,5 <= 100 c / n < p + 0,5, in whole numbers: n (2p - 1) / 200 <= c < n (2p + 1) / 200.
    """
    first = max(0, -((-n * (2 * printed - 1)) // 200))
    last = min(n, -((-n * (2 * printed + 1)) // 200) - 1)
    assert first <= last, (n, printed)
    return first, last


@dataclass(frozen=True)
class Shares:
    """One figure of shares as its alt text gives it: n and printed percent per option, of
    the provider and of all participants (None when the benchmark is withheld)."""

    n: int
    percent: dict[str, int]
    bench_n: int | None
    bench_percent: dict[str, int] | None


def without_tests(alt: str) -> str:
    """An alt text without its sentences on tests (against the rest, against the previous
    measurement)."""
    return re.sub(
        r" Significant (?:hoger|lager) dan (?:de andere deelnemers|bij de vorige meting): [^.]*\.",
        "",
        alt,
    )


def without_previous(alt: str) -> str:
    """An alt text without the previous measurement's numbers (its own report shows them)."""
    alt = re.sub(r", vorige meting \(\w+\) " + _N + "(?= en )", "", alt)
    alt = re.sub(r", vorige meting \(\w+\) \d+%", "", alt)
    return re.sub(r" Vorige meting \(\w+\) " + _N + r": [^.]*\.", "", alt)


def shares(alt: str, name: str) -> Shares | None:
    """Read a figure of shares (bars per answer, or one stacked bar per group)."""
    alt = without_previous(without_tests(alt))
    who = re.escape(name)
    side = re.search(who + " " + _N + r" en alle deelnemers " + _N + r"\. (.*)$", alt)
    if side:  # "X (n=34) en alle deelnemers (n=1.059). Ja: X 71%, alle deelnemers 60%. ..."
        pairs = re.findall(r"(?:^|\. )(.+?): " + who + r" (\d+)%, alle deelnemers (\d+)%", side[3])
        assert pairs, alt
        return Shares(
            whole(side[1]),
            {o: int(p) for o, p, _ in pairs},
            whole(side[2]),
            {o: int(b) for o, _, b in pairs},
        )
    stacked = re.search(
        who + " " + _N + r": (.*?)\.(?: Alle deelnemers " + _N + r": (.*)\.)?$", alt
    )
    if (
        stacked and "%" in stacked[2]
    ):  # "X (n=30): Heel tevreden 13%, ... Alle deelnemers (n=...): ..."

        def options(part):
            return {o: int(p) for o, p in re.findall(r"(.+?) (\d+)%(?:, |$)", part)}

        bench = stacked[3] is not None
        return Shares(
            whole(stacked[1]),
            options(stacked[2]),
            whole(stacked[3]) if bench else None,
            options(stacked[4]) if bench else None,
        )
    return None


def sums_for_mean(n: int, printed: Fraction) -> tuple[int, int]:
    """Grade sums of n whole grades whose mean prints (one decimal, half-up) as ``printed``.

    Exact: a mean m prints as p when p - 0,05 <= m < p + 0,05."""
    low = printed - Fraction(1, 20)
    high = printed + Fraction(1, 20)
    first = -((-low * n).__floor__())  # ceil(n * low)
    last = (high * n).__ceil__() - 1  # largest sum below n * high
    return int(first), int(last)
