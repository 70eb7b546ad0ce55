"""Deterministic demo data: fictional providers, samples and answers, one folder per period.

:func:`generate` writes deliveries that meet the data contract (``data/README.md``) exactly,
so every part of the product can be shown and tested without real data. Everything is
fictional: provider names are invented, persons are codes, open answers are made up.

How the answers come about. Every provider has a latent quality (its intended mean client
grade); every respondent has a satisfaction ``L`` = provider level + personal variation.
``L`` drives the grade and, through an ordered-probit model, every evaluative answer (scales,
matrix rows, evaluative single choices such as "aanbevolen?"), so grades go with satisfaction
and providers differ clearly. Factual questions (channel, education, benefit) are drawn from
per-item distributions with a per-provider twist. The generator knows nothing of a particular
questionnaire: it walks whatever items a codebook holds, lets each item's type
(:mod:`items`) draw its answers, honours routing (``when``) and service filters (``diensten``,
on the item or its section) through the same rule :mod:`dataset` reads them with
(:meth:`items.ItemType.asked`), and leaves every cell that was not asked empty.

Determinism: all randomness comes from numpy Generators seeded from ``seed`` plus stable
keys (CRC32 of names, never Python's salted ``hash``), output rows are sorted and no file
holds a timestamp, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import unicodedata
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from types import MappingProxyType

import numpy as np
import pandas as pd

from . import labels
from .codebook import Codebook, Item, load_codebook
from .config import CODEBOOKS
from .fsutil import atomic_write

#: Questionnaire keys of ``period.yaml`` the generator fills (see data/README.md).
ARBEID = "arbeid"
LAAGDREMPELIG = "arbeid_laagdrempelig"
INBURGEREN = "inburgeren"
OPDRACHTGEVERS = "opdrachtgevers"
QUESTIONNAIRES = (ARBEID, LAAGDREMPELIG, INBURGEREN, OPDRACHTGEVERS)
#: Written last into the output directory; the Makefile target depends on it.
COMPLETE_MARKER = ".complete"


@dataclass(frozen=True)
class PeriodSpec:
    """One measurement period to generate: dates and the codebook of each questionnaire.

    ``codebooks`` maps questionnaire keys (:data:`QUESTIONNAIRES`) to codebook ids; a key left
    out means nobody gets that questionnaire (e.g. no opdrachtgevers). ``members`` says which
    providers take part, by their ``Shape.periods``: by default the first period takes
    ``all`` and ``reference``, every other period ``all`` and ``others``.
    """

    period: str
    start: dt.date
    end: dt.date
    report_date: dt.date
    codebooks: Mapping[str, str]
    members: tuple[str, ...] | None = None
    #: ``invitation`` for period.yaml: (channels, phone_calls_cap), or None (the settings').
    invitation: tuple[tuple[str, ...], int] | None = None


#: The codebooks of the 2024 questionnaires (2024 and 2025).
QUESTIONNAIRES_2024: Mapping[str, str] = MappingProxyType(
    {
        ARBEID: "arbeid-2024",
        LAAGDREMPELIG: "arbeid-2024",
        INBURGEREN: "inburgeren-2024",
        OPDRACHTGEVERS: "opdrachtgevers-2019",
    }
)
#: The codebooks of the 2019-2021 questionnaires (2021); opdrachtgevers kept one version.
QUESTIONNAIRES_2019: Mapping[str, str] = MappingProxyType(
    {
        ARBEID: "arbeid-2019",
        LAAGDREMPELIG: "arbeid-2019",
        INBURGEREN: "inburgeren-2019",
        OPDRACHTGEVERS: "opdrachtgevers-2019",
    }
)

DEFAULT_PERIODS: tuple[PeriodSpec, ...] = (
    PeriodSpec(
        "2025",
        dt.date(2024, 9, 1),
        dt.date(2025, 8, 31),
        dt.date(2025, 9, 25),
        QUESTIONNAIRES_2024,
    ),
    # The year before, with the same questionnaires: trends within one version (2024 -> 2025);
    # the providers that take part every year, so the reference-only ones are new in 2025.
    PeriodSpec(
        "2024",
        dt.date(2023, 9, 1),
        dt.date(2024, 8, 31),
        dt.date(2024, 9, 26),
        QUESTIONNAIRES_2024,
        members=("all",),
    ),
    # The 2019-2021 questionnaires: trends across versions (2021 -> 2024).
    PeriodSpec(
        "2021",
        dt.date(2021, 1, 1),
        dt.date(2021, 12, 31),
        dt.date(2022, 2, 10),
        QUESTIONNAIRES_2019,
        # 2020-2021 practice: invitations by e-mail and by post, at most 25 phone interviews
        invitation=(("e-mail", "post"), 25),
    ),
)


# --------------------------------------------------------------------------- providers

#: Provinces per region; a regional provider draws most clients from one of them.
REGIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "noord": ("Groningen", "Friesland", "Drenthe"),
        "oost": ("Overijssel", "Gelderland", "Drenthe"),
        "midden": ("Utrecht", "Gelderland", "Flevoland"),
        "west": ("Noord-Holland", "Zuid-Holland", "Utrecht"),
        "delta": ("Zeeland", "Zuid-Holland", "Noord-Brabant"),
        "zuid": ("Noord-Brabant", "Limburg", "Gelderland"),
        "landelijk": labels.PROVINCIES,
    }
)
#: Rough population shares, for providers that work nationwide.
_POPULATION = MappingProxyType(
    dict(
        zip(
            labels.PROVINCIES,
            (3.4, 3.7, 2.8, 6.7, 2.5, 12.0, 7.8, 16.5, 21.3, 2.2, 14.7, 6.4),
            strict=True,
        )
    )
)


def _slug(text: str) -> str:
    """A provider id from a name: ``Werkpad Noord`` -> ``werkpad-noord``."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")


def _rng(seed: int, *keys: str) -> np.random.Generator:
    """A Generator seeded from ``seed`` and stable keys (CRC32, not the salted ``hash``)."""
    return np.random.default_rng([int(seed), *(zlib.crc32(k.encode("utf-8")) for k in keys)])


@dataclass(frozen=True)
class Shape:
    """A provider as it is meant to look: services with delivered clients, opdrachtgevers.

    ``grade`` is the intended mean client grade and ``response`` the completion rate (drawn
    when None). ``exact`` makes a provider come out exactly as specified (every person
    ``netto``, completes = round(response x netto), no half-filled questionnaires), for the
    shapes tests rely on. ``draw``: a sample of that many clients was drawn, the rest are
    ``niet_getrokken``. ``periods``: ``all``, ``reference`` (only the first period generated)
    or ``others`` (only the other periods).
    """

    name: str
    region: str
    clients: Mapping[int, int]
    opdrachtgevers: int = 0
    grade: float | None = None
    response: float | None = None
    og_response: float | None = None
    exact: bool = False
    draw: int | None = None
    laagdrempelig: float | None = None
    telefonisch: bool | None = None
    periods: str = "all"
    id: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", _slug(self.name))


def _shape(name: str, region: str, clients: dict[int, int], og: int = 0, **kw) -> Shape:
    """Compact constructor for the table below."""
    return Shape(name, region, clients, og, **kw)


#: The default providers. The first ones carry the shapes the reports must handle (and the
#: tests check); ``n_providers`` smaller than this list keeps a prefix of it.
CORE: tuple[Shape, ...] = (
    # inburgeren only, a sample drawn from a long list: netto >= 400
    _shape(
        "Taalkade Oost",
        "oost",
        {11: 820},
        80,
        grade=7.2,
        response=0.25,
        og_response=0.33,
        draw=480,
        telefonisch=True,
    ),
    _shape("Werkpad Noord", "noord", {9: 64, 5: 28}, 6),
    _shape("Loopbaanlab West", "west", {3: 36, 7: 22, 8: 30}, 9),
    _shape("Baankracht Zuid", "zuid", {5: 45, 9: 80, 10: 14, 13: 12}, 15, laagdrempelig=0.3),
    _shape("TaalBrug Delta", "delta", {11: 130}, telefonisch=False),
    _shape("Brugwerk IJssel", "oost", {11: 70, 9: 35, 10: 18}, 11),
    # three services and exactly one opdrachtgever, who answered
    _shape(
        "Koersvast Werk",
        "midden",
        {5: 95, 9: 60, 10: 9},
        1,
        grade=8.3,
        response=0.42,
        og_response=1.0,
        exact=True,
    ),
    # tiny: netto 8, two opdrachtgevers who did not answer
    _shape(
        "Stapsteen Midden",
        "midden",
        {1: 8},
        2,
        grade=8.2,
        response=0.5,
        og_response=0.0,
        exact=True,
    ),
    _shape("Koersmakers", "west", {8: 8, 9: 8}, grade=8.8, response=0.375, exact=True),
    # sample delivered, nobody answered
    _shape("Werkvonk", "noord", {10: 12}, response=0.0, exact=True, telefonisch=False),
    # misses the keurmerk norm
    _shape("Opstap Kust", "delta", {9: 70, 10: 30}, 5, grade=5.9, response=0.4),
    _shape("Taalwerk Zuid", "zuid", {11: 48, 1: 22}, 7),
    _shape("Supportpunt Midden", "midden", {13: 26, 5: 34}, 4),
    _shape("Vitaal Verder Oost", "oost", {2: 44, 6: 58}, 12),
    _shape("Verzuimvizier West", "west", {6: 85}, 20),
    _shape("Koerswijzer Zuid", "zuid", {7: 50, 8: 26}, 5),
    _shape("Advieshuis Werkvermogen", "landelijk", {4: 12, 3: 18}, 6),
    # tiny, one opdrachtgever who answered
    _shape(
        "Duo Loopbaan", "noord", {7: 5}, 1, grade=7.6, response=0.6, og_response=1.0, exact=True
    ),
    # regular providers
    _shape("Talentlijn Noord", "noord", {9: 120}, 18),
    _shape("Werkbrug Midden", "midden", {5: 60}),
    _shape("Opmaat Loopbaan Oost", "oost", {3: 28, 7: 40}, 7),
    _shape("Kansrijk Werk Delta", "delta", {9: 75, 10: 40}, 9, laagdrempelig=0.3),
    _shape("Werkwaarde Zuid", "zuid", {8: 45}, 10),
    _shape("Baanzicht West", "west", {7: 110}, 25, grade=8.4),
    _shape("Stapwijzer Zuid", "zuid", {10: 35}, 3, laagdrempelig=0.4),
    _shape("Loopbaanstudio West", "west", {3: 22}, grade=8.7),
    _shape("Werkroute Noord", "noord", {9: 55, 8: 20}, 6),
    _shape("Meedoenpunt Delta", "delta", {10: 65}, 8, grade=6.3),
    _shape("Vakkracht Opleidingen Oost", "oost", {1: 140}, 14),
    _shape("Leerladder Zuid", "zuid", {1: 48, 3: 12}, 5),
    _shape("Taalpunt Midden", "midden", {11: 95}, 9),
    _shape("Taalhaven West", "west", {11: 210}, 22, telefonisch=True),
    _shape("Nieuwland Taal Noord", "noord", {11: 40}),
    _shape("Herstart Coaching Midden", "midden", {2: 30}, 4),
    _shape("Balans en Baan Oost", "oost", {2: 25, 6: 30}, 8),
    _shape("Vonkwerk Delta", "delta", {9: 160}, 30, telefonisch=True),
    _shape("Werkfabriek Noord", "noord", {10: 45, 13: 18}, 2),
    _shape("Horizonwerk West", "west", {8: 70, 9: 90}, 16, grade=6.7),
    _shape("Loopbaanpoort Zuid", "zuid", {7: 33}, 11),
    _shape("Stapvoorstap Oost", "oost", {9: 40}, laagdrempelig=0.35),
    _shape("Kompasroos Outplacement", "landelijk", {7: 260, 8: 90}, 40, grade=7.9),
    _shape("Rugwind Re-integratie", "west", {9: 50, 5: 15}, 5, periods="others"),
    _shape("Zeewind Coaching", "delta", {2: 20}, 2, periods="others"),
    _shape("Tweede Spoor Collectief", "landelijk", {8: 120}, 28, periods="others"),
    _shape("Veerkracht Noord", "noord", {6: 40}, 12, periods="reference"),
    _shape("Duurzaam Vooruit West", "west", {5: 30, 13: 20}, 6, periods="reference"),
    _shape(
        "Jobcoachcollectief Midden", "midden", {5: 75}, 5, laagdrempelig=0.2, periods="reference"
    ),
)

# Word parts for the names of extra providers (n_providers beyond the default list).
_NAME_HEADS = (
    "Werkpad",
    "Taalbrug",
    "Stapsteen",
    "Baankracht",
    "Koersmaker",
    "Loopbaanlab",
    "Talentlijn",
    "Werkbrug",
    "Opmaat",
    "Kansrijk",
    "Werkwaarde",
    "Baanzicht",
    "Stapwijzer",
    "Werkroute",
    "Vakkracht",
    "Leerladder",
    "Taalpunt",
    "Taalhaven",
    "Herstart",
    "Vonkwerk",
    "Werkfabriek",
    "Horizonwerk",
    "Loopbaanpoort",
    "Kompasroos",
    "Rugwind",
    "Zeewind",
    "Veerkracht",
    "Brugwerk",
    "Taalkade",
    "Koerswijzer",
    "Werkvonk",
    "Opstap",
    "Baanpunt",
    "Werkkompas",
    "Groeipad",
    "Taalstap",
    "Kansenhuis",
    "Werkzin",
    "Startpunt Werk",
    "Loopbaankade",
)
_NAME_TAILS = MappingProxyType(
    {
        "noord": ("Noord", "Waddenrand", "Wadkust"),
        "oost": ("Oost", "Twente-Zuid", "Achterhoek-West"),
        "midden": ("Midden", "Eemvallei", "Heuvelzoom"),
        "west": ("West", "Kust-Noord", "Veenweide"),
        "delta": ("Delta", "Kust", "Scheldeoever"),
        "zuid": ("Zuid", "Maasoever", "Kempenrand"),
        "landelijk": ("Nederland", "Landelijk", "Centraal"),
    }
)
_NAME_FORMS = (
    "{h} {t}",
    "{h} {t} Groep",
    "{h} & Partners {t}",
    "{h} Coaching {t}",
    "{h} Academie {t}",
)

#: How often each arbeid service occurs among extra providers (12 is discontinued).
_ARBEID_DIENSTEN = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13)
_DIENST_WEIGHTS = np.array([8, 5, 8, 3, 12, 7, 7, 9, 20, 10, 3], dtype=float)
_DIENST_WEIGHTS.flags.writeable = False


def _extra_shapes(seed: int, count: int, taken: set[str]) -> list[Shape]:
    """``count`` further providers drawn from the same shapes as the default list."""
    out: list[Shape] = []
    names = set(taken)
    for i in range(count):
        rng = _rng(seed, "extra", str(i))
        region = str(rng.choice(list(REGIONS)))
        name = ""
        while not name or name in names:
            form = _NAME_FORMS[rng.integers(len(_NAME_FORMS))]
            name = form.format(
                h=_NAME_HEADS[rng.integers(len(_NAME_HEADS))],
                t=_NAME_TAILS[region][rng.integers(len(_NAME_TAILS[region]))],
            )
        names.add(name)
        kind = rng.choice(6, p=[0.38, 0.25, 0.10, 0.05, 0.11, 0.11])
        tiny = bool(rng.random() < 0.08)

        def sizes(k: int, rng: np.random.Generator = rng, tiny: bool = tiny) -> list[int]:
            """Delivered clients for ``k`` services: tiny (3-9) or log-normal around 40."""
            if tiny:
                return [int(v) for v in rng.integers(3, 10, size=k)]
            return [int(v) for v in np.clip(rng.lognormal(np.log(40), 0.8, size=k), 8, 600)]

        if kind == 4:
            clients = {11: sizes(1)[0]}
        else:
            k = {0: 1, 1: 2, 2: 3, 3: 4, 5: 1}[int(kind)]
            diensten = rng.choice(
                _ARBEID_DIENSTEN, size=k, replace=False, p=_DIENST_WEIGHTS / _DIENST_WEIGHTS.sum()
            )
            clients = dict(zip((int(d) for d in diensten), sizes(k), strict=True))
            if kind == 5:
                clients[11] = sizes(1)[0]
        og = int(np.clip(rng.lognormal(np.log(8), 0.8), 1, 120)) if rng.random() < 0.7 else 0
        grade = float(rng.uniform(5.6, 6.3)) if rng.random() < 0.06 else None
        periods = "reference" if rng.random() < 0.1 else "all"
        out.append(
            _shape(name, region, dict(sorted(clients.items())), og, grade=grade, periods=periods)
        )
    return out


def _members(
    periods: Sequence[PeriodSpec], n_providers: int | None, seed: int
) -> dict[str, list[Shape]]:
    """The providers of each period: ``n_providers`` in the first (reference) period."""
    in_reference = [s for s in CORE if s.periods != "others"]
    n = len(in_reference) if n_providers is None else int(n_providers)
    if n < 1:
        raise ValueError(f"n_providers moet minstens 1 zijn, niet {n_providers}")
    if n <= len(in_reference):
        last = in_reference[n - 1]
        pool = list(CORE[: CORE.index(last) + 1])
    else:
        pool = list(CORE) + _extra_shapes(seed, n - len(in_reference), {s.name for s in CORE})
    out = {}
    for i, spec in enumerate(periods):
        wanted = spec.members or (("all", "reference") if i == 0 else ("all", "others"))
        out[spec.period] = [s for s in pool if s.periods in wanted]
    return out


# --------------------------------------------------------------------------- the sample

# Latent satisfaction -> grade: grade ~ GRADE_MID + GRADE_SLOPE * L (+ noise).
GRADE_MID, GRADE_SLOPE, GRADE_NOISE = 7.6, 1.1, 0.55
#: Standard deviation of an item's latent response over all respondents (for the cut points).
_LATENT_SD = float(np.sqrt(0.3 + 1.0 + 0.8**2))
_ITEM_NOISE = 0.8
#: Statuses of delivered persons other than ``netto`` and their shares.
_DROP_CLIENT = MappingProxyType({"dubbel": 0.02, "onvolledig": 0.015, "onbestelbaar": 0.035})
_DROP_OPDRACHTGEVER = MappingProxyType({"dubbel": 0.02, "onbestelbaar": 0.03})

# Per person, the state of their questionnaire.
_NONE, _PARTIAL, _COMPLETE = 0, 1, 2


@dataclass
class _People:
    """Columns of the persons of one period, in generation order."""

    person_id: list[str] = field(default_factory=list)
    provider: list[int] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    dienst: list[int] = field(default_factory=list)  # 0 for opdrachtgevers
    questionnaire: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    province: list[str] = field(default_factory=list)
    latent: list[float] = field(default_factory=list)
    state: list[int] = field(default_factory=list)


def _provider_people(
    shape: Shape, index: int, spec: PeriodSpec, reference: bool, seed: int, people: _People
) -> dict[str, str]:
    """Append the delivered persons of one provider to ``people``; return its providers row."""
    rng = _rng(seed, "provider", spec.period, shape.id)
    base = _rng(seed, "quality", shape.id)  # the same in every period
    keys = spec.codebooks
    telefonisch = shape.telefonisch if shape.telefonisch is not None else bool(base.random() < 0.3)
    grade = shape.grade
    if grade is None:
        grade = float(np.clip(base.normal(7.6, 0.45), 6.6, 8.9))
        if not reference:
            grade = float(np.clip(grade + rng.normal(0, 0.25), 6.4, 9.0))
    level = (grade - GRADE_MID) / GRADE_SLOPE
    laag = shape.laagdrempelig
    if laag is None:
        laag = float(base.uniform(0.1, 0.4)) if base.random() < 0.2 else 0.0
    if LAAGDREMPELIG not in keys:
        laag = 0.0

    # sizes: as specified in the reference period, a bit different elsewhere
    clients = dict(shape.clients)
    n_og = shape.opdrachtgevers
    if not reference and not shape.exact:
        factor = rng.uniform(0.75, 1.25)
        clients = {
            d: max(1, round(n * factor * rng.uniform(0.85, 1.15))) for d, n in clients.items()
        }
        n_og = round(n_og * factor) if n_og else 0
    clients = {d: n for d, n in clients.items() if (INBURGEREN if d == 11 else ARBEID) in keys}
    if OPDRACHTGEVERS not in keys:
        n_og = 0

    # provinces: mostly one home province, some from the neighbours
    region = REGIONS[shape.region]
    if shape.region == "landelijk":
        weights = np.array([_POPULATION[p] for p in region])
    else:
        weights = np.full(len(region), 0.12)
        weights[base.integers(len(region))] = 0.76
    weights = weights / weights.sum()

    rate = shape.response
    if rate is None:
        only11 = set(clients) == {11}
        rate = float(base.uniform(0.15, 0.4) if only11 else base.uniform(0.2, 0.55))
        rate = min(rate + (0.05 if telefonisch else 0.0), 0.6)
    og_rate = shape.og_response if shape.og_response is not None else float(base.uniform(0.2, 0.6))

    first = len(people.person_id)
    client_rows: list[int] = []
    for dienst, n in sorted(clients.items()):
        start = len(people.person_id)
        status = _statuses(rng, n, _DROP_CLIENT, shape.exact)
        if dienst == 11:
            quest = [INBURGEREN] * n
        else:
            quest = [LAAGDREMPELIG if u < laag else ARBEID for u in rng.random(n)]
        provinces = rng.choice(region, size=n, p=weights).tolist()
        for j in np.flatnonzero(rng.random(n) < 0.015):
            provinces[j] = ""
        for j, s in enumerate(status):
            if s == "onvolledig":
                provinces[j] = ""
        d_level = level + (rng.normal(0, 0.2) if not shape.exact else 0.0)
        k0 = start - first
        for j in range(n):
            people.person_id.append(f"{shape.id}-c{k0 + j + 1:04d}")
            people.provider.append(index)
            people.group.append(labels.GROUP_CLIENT)
            people.dienst.append(dienst)
            people.questionnaire.append(quest[j])
            people.status.append(status[j])
            people.province.append(provinces[j])
        people.latent.extend(_latent(rng, n, d_level))
        client_rows.extend(range(start, start + n))
        people.state.extend([_NONE] * n)

    # a sample was drawn from a long list: the rest is niet_getrokken
    netto_rows = [r for r in client_rows if people.status[r] == labels.STATUS_NETTO]
    if shape.draw is not None and len(netto_rows) > shape.draw:
        for r in rng.choice(netto_rows, size=len(netto_rows) - shape.draw, replace=False):
            people.status[int(r)] = "niet_getrokken"

    for dienst in sorted(clients):
        rows = [r for r in client_rows if people.dienst[r] == dienst]
        d_rate = rate if shape.exact else float(np.clip(rate + rng.normal(0, 0.04), 0.1, 0.6))
        _respond(rng, people, rows, d_rate, shape.exact)

    og_rows = []
    og_level = 0.6 * level - 0.35 + (rng.normal(0, 0.3) if not shape.exact else 0.0)
    status = _statuses(rng, n_og, _DROP_OPDRACHTGEVER, shape.exact)
    for j in range(n_og):
        og_rows.append(len(people.person_id))
        people.person_id.append(f"{shape.id}-o{j + 1:03d}")
        people.provider.append(index)
        people.group.append(labels.GROUP_OPDRACHTGEVER)
        people.dienst.append(0)
        people.questionnaire.append(OPDRACHTGEVERS)
        people.status.append(status[j])
        people.province.append("")
        people.state.append(_NONE)
    people.latent.extend(_latent(rng, n_og, og_level))
    _respond(rng, people, og_rows, og_rate, shape.exact)
    return {
        "provider_id": shape.id,
        "name": shape.name,
        "telefonisch": labels.JA if telefonisch else labels.NEE,
    }


def _statuses(
    rng: np.random.Generator, n: int, drops: Mapping[str, float], exact: bool
) -> list[str]:
    """Status of ``n`` delivered persons: mostly netto, a few dropped for a reason."""
    if exact or n == 0:
        return [labels.STATUS_NETTO] * n
    names = [labels.STATUS_NETTO, *drops]
    p = np.array([1 - sum(drops.values()), *drops.values()])
    return [names[i] for i in rng.choice(len(names), size=n, p=p)]


def _latent(rng: np.random.Generator, n: int, level: float) -> list[float]:
    """Satisfaction of ``n`` persons around ``level``; now and then someone is very unhappy."""
    z = rng.normal(0.0, 1.0, n)
    angry = rng.random(n) < 0.02
    return (level + z - 2.5 * angry).tolist()


def _respond(
    rng: np.random.Generator, people: _People, rows: list[int], rate: float, exact: bool
) -> None:
    """Decide who of ``rows`` (the netto ones) completed or only started the questionnaire."""
    netto = [r for r in rows if people.status[r] == labels.STATUS_NETTO]
    if not netto:
        return
    if exact:
        k = round(rate * len(netto))
        for r in rng.permutation(netto)[:k]:
            people.state[int(r)] = _COMPLETE
        return
    partial = min(0.12 * rate + 0.01, 1.0 - rate)
    for r, u in zip(netto, rng.random(len(netto)), strict=True):
        if u < rate:
            people.state[r] = _COMPLETE
        elif u < rate + partial:
            people.state[r] = _PARTIAL


# --------------------------------------------------------------------------- answers

_NORMAL = NormalDist()
_NON_SUBSTANTIVE = re.compile(
    r"geen mening|weet (ik )?niet|zeg ik liever niet|n\.?v\.?t|niet van toepassing|geen oordeel",
    re.I,
)
_OTHER_LABEL = re.compile(r"^(iets )?anders\b", re.I)
_NEGATIVE = re.compile(
    r"ontevreden|oneens|slecht|niet goed|niet tevreden|^nee\b|nooit|onvoldoende|viel tegen"
    r"|te weinig|te kort",
    re.I,
)
_POSITIVE = re.compile(
    r"tevreden|\beens\b|goed|^ja\b|uitstekend|altijd|zeker|beter|voldoende", re.I
)
_STRONG = re.compile(r"\b(heel|zeer|erg|helemaal|uitstekend)\b", re.I)
_COMPLAINT = re.compile(r"klacht|klagen", re.I)
#: Share of answers per level (best first) of an average respondent, by number of levels.
_TEMPLATES = MappingProxyType(
    {
        1: [1.0],
        2: [0.85, 0.15],
        3: [0.55, 0.32, 0.13],
        4: [0.36, 0.45, 0.13, 0.06],
        5: [0.3, 0.42, 0.16, 0.08, 0.04],
    }
)
#: Item nonresponse of a question that was asked (never for complete_when items).
_SKIP = 0.015

# Short fictional answers for open items: 'Anders, namelijk' by topic, reasons, remarks.
_OPEN_OTHER = MappingProxyType(
    {
        "uitkering": (
            "Toeslag van de gemeente",
            "Een klein pensioen",
            "Uitkering uit het buitenland",
            "Studiefinanciering",
            "Dat is nog niet bekend",
        ),
        "scholing": (
            "Cursus boekhouden",
            "Training klantcontact",
            "Heftruckcertificaat",
            "Cursus omgaan met spanning",
            "Vaktraining in de zorg",
        ),
        "contact": (
            "Spraakberichten",
            "Wandelend gesprek buiten",
            "Samen met mijn werkgever",
            "Via mijn partner",
            "Brief per post",
        ),
        "klacht": (
            "Bij mijn klantmanager",
            "In een brief aan de directie",
            "Bij de vertrouwenspersoon",
            "Tijdens het evaluatiegesprek",
        ),
        "jobcoaching": (
            "Begeleiding op een leerwerkplek",
            "Steun bij een terugkeer na ziekte",
            "Advies over aanpassingen van de werkplek",
        ),
        "": (
            "Via een kennis",
            "Op eigen initiatief",
            "Via de huisarts",
            "Na een verhuizing",
            "Door een reorganisatie",
            "Via het wijkteam",
            "Een combinatie hiervan",
            "Weet ik niet meer",
        ),
    }
)
_OPEN_REASONS = (
    "Ik slaap slecht",
    "Mijn kinderen waren vaak ziek",
    "Ik werk ook nog",
    "Ik heb veel aan mijn hoofd",
    "Het ging te snel voor mij",
    "Er was te veel lawaai",
    "Ik had vaak hoofdpijn",
    "De reistijd is lang",
)
_OPEN_POSITIVE = (
    "Fijne begeleiding, dank jullie wel",
    "Mijn coach dacht echt met mij mee",
    "Alles was goed geregeld",
    "Ik voelde me serieus genomen",
    "Heel prettig contact",
)
_OPEN_NEGATIVE = (
    "Afspraken werden vaak verzet",
    "Ik kreeg weinig reactie op mijn mails",
    "Het duurde lang voordat er iets gebeurde",
    "Te veel wisselingen van begeleider",
    "Ik had meer hulp verwacht",
)


def _score(label: str) -> int:
    """Rough sentiment of an answer label: positive > 0, negative < 0, 'heel' doubles."""
    s = -1 if _NEGATIVE.search(label) else (1 if _POSITIVE.search(label) else 0)
    return 2 * s if _STRONG.search(label) else s


def _numeric(codes: Sequence[int], options: Mapping[int, str]) -> bool:
    """Whether a scale is a row of numbers (1-10): higher is better, answered like a grade."""
    return len(codes) > 2 and all(re.fullmatch(r"\s*\d+\s*", options[c]) for c in codes)


def _template(k: int, rng: np.random.Generator) -> np.ndarray:
    """Answer shares over ``k`` ordered levels (best first), jittered per item."""
    if k in _TEMPLATES:
        base = np.array(_TEMPLATES[k])
    else:  # long numeric scales: bell shape a quarter from the top, like grades
        pos = np.arange(k)
        base = np.exp(-0.5 * ((pos - 0.25 * (k - 1)) / (0.2 * k)) ** 2)
        base /= base.sum()
    if k == 1:
        return base
    return rng.dirichlet(base * 60 + 0.05)


def _cuts(template: np.ndarray) -> np.ndarray:
    """Descending cut points on the latent scale that give ``template`` for an average person."""
    cum = np.clip(np.cumsum(template)[:-1], 1e-4, 1 - 1e-4)
    return np.array([_LATENT_SD * _NORMAL.inv_cdf(1 - c) for c in cum])


def _levels(y: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Level (0 = best) of each latent response."""
    return (cuts[None, :] >= y[:, None]).sum(axis=1)


class AnswerSimulator:
    """Fills one questionnaire for a set of respondents, item by item, vectorised.

    Each item's type decides how it is answered (:meth:`items.ItemType.simulate`); the
    public methods below are the answer models those types use, each returning one array per
    export column (NaN, or '' for text, where empty). A new type may also draw its own from
    ``n`` (respondents), ``rng`` (the questionnaire's Generator) and ``L`` (each respondent's
    latent satisfaction), after :meth:`responds` for who answered.
    """

    def __init__(
        self,
        codebook: Codebook,
        latent: np.ndarray,
        provider: np.ndarray,
        dienst: np.ndarray,
        state: np.ndarray,
        offers: np.ndarray,
        rng: np.random.Generator,
        seed: int,
    ):
        self.cb = codebook
        self.L = latent
        self.provider = provider
        self.dienst = dienst
        self.complete = state == _COMPLETE
        self.offers = offers  # (providers, 14) bool: services each provider delivers
        self.rng = rng
        self.seed = seed
        self.n = len(latent)
        self.n_providers = offers.shape[0]
        self.position = {it.id: i for i, it in enumerate(codebook.items)}
        self.sections = {s.id: s for s in codebook.sections}
        self.cw = set(codebook.complete_when)
        # respondents who stopped early answer nothing from item position `cut` on; the cut
        # lies at or before the last complete_when item, so they do not count as ingevuld
        last_cw = max((self.position[c] for c in codebook.complete_when), default=0)
        cut = rng.integers(min(1, last_cw), last_cw + 1, size=self.n)
        self.cut = np.where(self.complete, len(codebook.items), cut)
        self.answers: dict[str, list[np.ndarray]] = {}
        #: export column -> its answers so far (what routing on an earlier item looks at)
        self.columns: dict[str, np.ndarray] = {}
        #: open item id -> the item whose 'Anders, namelijk' text it holds
        self.owners = {it.other_text: it for it in codebook.items if it.other_text}

    def run(self) -> dict[str, np.ndarray]:
        """Return the export columns (object arrays of text, '' = empty)."""
        sources = {it.id: it.when.item for it in self.cb.items if it.when}
        sources.update(
            {text: owner.id for text, owner in self.owners.items() if text not in sources}
        )
        for item in _topological(self.cb.items, sources):
            self.answers[item.id] = cells = self._item(item)
            self.columns.update(zip(item.columns(), cells, strict=True))
        cols: dict[str, np.ndarray] = {}
        for item in self.cb.items:
            for name, cell in zip(item.columns(), self.answers[item.id], strict=True):
                cols[name] = item.kind.export_text(item, cell)
        return cols

    # -- who is asked

    def _asked(self, item: Item) -> np.ndarray:
        """Mask of respondents who were asked ``item`` (and had not stopped before it): the
        item type's routing and service filter, the same rule :mod:`dataset` reads with."""
        reached = self.cut > self.position[item.id]
        return reached & item.kind.asked(item, self.cb, self.columns, self.dienst)

    def responds(self, item: Item, asked: np.ndarray) -> np.ndarray:
        """Asked and not skipped: complete_when items are never skipped by completers."""
        skip = self.rng.random(self.n) < _SKIP
        if item.id in self.cw:
            skip &= ~self.complete
        return asked & ~skip

    # -- per type

    def _item(self, item: Item) -> list[np.ndarray]:
        """The answers to one item, as its type simulates them."""
        asked = self._asked(item)
        prng = _rng(self.seed, "item", self.cb.id, item.id)  # item character, same every period
        return item.kind.simulate(self, item, asked, prng)

    # -- answer models

    def grade(self, item: Item, mask: np.ndarray) -> list[np.ndarray]:
        """Grade 1-10 from satisfaction; with ``decimals`` some give a half or a tenth."""
        g = GRADE_MID + GRADE_SLOPE * self.L + self.rng.normal(0, GRADE_NOISE, self.n)
        g = np.clip(g, 1, 10)
        u = self.rng.random(self.n)
        whole = np.rint(g)
        if item.decimals:
            g = np.where(u < 0.25, np.rint(g * 2) / 2, np.where(u < 0.27, np.round(g, 1), whole))
        else:
            g = whole
        g = np.clip(g, 1, 10)
        return [np.where(mask, g, np.nan)]

    def _scale_levels(self, item: Item) -> tuple[list[int], list[int]]:
        """Substantive scale codes best first, and the non-substantive codes."""
        codes = sorted(item.options)
        labs = [item.options[c] for c in codes]
        sub = [c for c, lab in zip(codes, labs, strict=True) if not _NON_SUBSTANTIVE.search(lab)]
        non = [c for c in codes if c not in sub]
        sub_labels = [item.options[c] for c in sub]
        if _numeric(sub, item.options) or (
            len(sub) > 1 and _score(sub_labels[0]) < _score(sub_labels[-1])
        ):
            sub = sub[::-1]  # higher code is better
        return sub, non

    def _ordinal(
        self,
        sub: list[int],
        non: list[int],
        options: Mapping[int, str],
        mask: np.ndarray,
        prng: np.random.Generator,
        shared: np.ndarray | None = None,
    ) -> np.ndarray:
        """Codes for an ordered item: latent satisfaction through cut points, a few 'no opinion'."""
        offset = prng.normal(0, 0.2)
        y = self.L + offset + self.rng.normal(0, _ITEM_NOISE, self.n)
        if shared is not None:
            y = y + shared
        if _numeric(sub, options):
            # a grade per aspect: the same model as the overall grade, on the scale's range
            lo, hi = min(sub), max(sub)
            g = (np.clip(GRADE_MID + GRADE_SLOPE * y, 1, 10) - 1) / 9 * (hi - lo) + lo
            values = np.asarray(sorted(sub), dtype=float)
            codes = values[np.abs(g[:, None] - values[None, :]).argmin(axis=1)]
        else:
            codes = np.asarray(sub, dtype=float)[_levels(y, _cuts(_template(len(sub), prng)))]
        if non:
            p_non = prng.uniform(0.02, 0.07)
            pick = self.rng.random(self.n) < p_non
            codes = np.where(
                pick, np.asarray(non, dtype=float)[self.rng.integers(len(non), size=self.n)], codes
            )
        return np.where(mask, codes, np.nan)

    def scale(self, item: Item, mask: np.ndarray, prng: np.random.Generator) -> list[np.ndarray]:
        """One scale question."""
        sub, non = self._scale_levels(item)
        return [self._ordinal(sub, non, item.options, mask, prng)]

    def matrix(self, item: Item, asked: np.ndarray, prng: np.random.Generator) -> list[np.ndarray]:
        """Rows share a personal halo; rows may be left empty ('not applicable') when the scale
        has no 'no opinion' code, except by completers when the matrix decides ingevuld."""
        sub, non = self._scale_levels(item)
        halo = self.rng.normal(0, 0.4, self.n)
        mask = self.responds(item, asked)
        p_row = 0.01 if non else 0.08
        cells = []
        for _ in item.rows:
            row_mask = mask & ~(self.rng.random(self.n) < p_row)
            if item.id in self.cw:
                row_mask |= mask & self.complete
            cells.append(self._ordinal(sub, non, item.options, row_mask, prng, halo))
        return cells

    def single(self, item: Item, mask: np.ndarray, prng: np.random.Generator) -> list[np.ndarray]:
        """Evaluative choices (labels with a sentiment) follow satisfaction; others are factual."""
        codes = list(item.options)
        labs = [item.options[c] for c in codes]
        sub = [c for c, lab in zip(codes, labs, strict=True) if not _NON_SUBSTANTIVE.search(lab)]
        non = [c for c in codes if c not in sub]
        scores = {c: _score(item.options[c]) for c in sub}
        if len(set(scores.values())) > 1 and item.other_option is None:
            levels = sorted(set(scores.values()), reverse=True)
            if len(levels) == 2 and _COMPLAINT.search(item.text):
                levels = levels[::-1]  # having a complaint goes with dissatisfaction
            groups = [[c for c in sub if scores[c] == lv] for lv in levels]
            template = _template(len(groups), prng)
            y = self.L + prng.normal(0, 0.2) + self.rng.normal(0, _ITEM_NOISE, self.n)
            level = _levels(y, _cuts(template))
            out = np.full(self.n, np.nan)
            for i, grp in enumerate(groups):
                share = prng.dirichlet(np.full(len(grp), 3.0))
                pick = self.rng.choice(len(grp), size=self.n, p=share)
                out = np.where(level == i, np.asarray(grp, dtype=float)[pick], out)
            if non:
                p_non = prng.uniform(0.02, 0.07)
                take = self.rng.random(self.n) < p_non
                out = np.where(
                    take,
                    np.asarray(non, dtype=float)[self.rng.integers(len(non), size=self.n)],
                    out,
                )
        else:
            alpha = np.array([2.0 * 0.85**i for i in range(len(codes))])
            rare = [
                c == item.other_option or c in non or bool(_OTHER_LABEL.search(item.options[c]))
                for c in codes
            ]
            alpha = np.where(rare, alpha * 0.08, alpha)
            base = prng.dirichlet(alpha * 8 + 0.2)
            base = np.where(rare, np.minimum(base, 0.06), base)
            base /= base.sum()
            per_provider = self.rng.dirichlet(base * 40 + 1e-3, size=self.n_providers)
            out = np.asarray(codes, dtype=float)[_draw_rows(per_provider[self.provider], self.rng)]
        return [np.where(mask, out, np.nan)]

    def multi(self, item: Item, mask: np.ndarray, prng: np.random.Generator) -> list[np.ndarray]:
        """One 0/1 column per option; at least one option is chosen. The 'purchased services'
        question follows what the provider actually delivers."""
        codes = list(item.options)
        purchased = self.cb.roles.get("purchased") == item.id or all(
            labels.DIENSTEN.get(c) == item.options[c] for c in codes
        )
        if purchased:
            offered = np.array(
                [
                    self.offers[:, c]
                    if 0 <= c < self.offers.shape[1]
                    else np.zeros(self.n_providers, bool)
                    for c in codes
                ]
            ).T[self.provider]
            # never a service the provider does not deliver (unless it delivers none of them)
            p = np.where(offered, 0.85, np.where(offered.any(axis=1, keepdims=True), 0.0, 0.02))
        else:
            p_item = prng.beta(1.3, 2.4, size=len(codes))
            rare = [
                c == item.other_option or bool(_OTHER_LABEL.search(item.options[c])) for c in codes
            ]
            p_item = np.where(rare, 0.05, p_item)
            logit = np.log(p_item / (1 - p_item))
            jitter = self.rng.normal(0, 0.5, size=(self.n_providers, len(codes)))
            p = 1 / (1 + np.exp(-(logit[None, :] + jitter)))[self.provider]
        chosen = self.rng.random((self.n, len(codes))) < p
        none = ~chosen.any(axis=1)
        fallback = np.argmax(p * self.rng.random((self.n, len(codes))), axis=1)
        chosen[none, fallback[none]] = True
        cells = [np.where(mask, chosen[:, i].astype(float), np.nan) for i in range(len(codes))]
        return cells

    def open_text(self, item: Item, asked: np.ndarray) -> list[np.ndarray]:
        """Short texts: 'Anders, namelijk' when that option was chosen, otherwise remarks."""
        out = np.full(self.n, "", dtype=object)
        owner = self.owners.get(item.id)
        parent = self.cb.item(item.when.item) if item.when else None
        if owner is not None and owner.other_option is not None:
            # the text of 'Anders, namelijk': only when that option was chosen, routed or not
            chosen = owner.kind.selects(owner, self.columns, (owner.other_option,))
            asked = asked & chosen
            fill, pools = 0.85, _other_pool(owner.text + " " + item.text)
        elif parent is None:
            fill, pools = 0.2, None
        elif parent.other_option in item.when.values:
            fill, pools = 0.85, _other_pool(parent.text + " " + item.text)
        else:
            fill, pools = 0.75, _OPEN_REASONS
        mask = asked & (self.rng.random(self.n) < fill)
        idx = self.rng.integers(1_000_000, size=self.n)
        for i in np.flatnonzero(mask):
            if pools is None:
                pool = _OPEN_POSITIVE if self.L[i] > 0 else _OPEN_NEGATIVE
            else:
                pool = pools
            out[i] = pool[idx[i] % len(pool)]
        return [out]


def _other_pool(text: str) -> tuple[str, ...]:
    """'Anders, namelijk' answers that fit the topic of the question."""
    lowered = text.lower()
    for key, pool in _OPEN_OTHER.items():
        if key and key in lowered:
            return pool
    return _OPEN_OTHER[""]


def _draw_rows(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of a probability matrix."""
    u = rng.random(probs.shape[0])
    idx = (np.cumsum(probs, axis=1) < u[:, None]).sum(axis=1)
    return np.minimum(idx, probs.shape[1] - 1)


def _topological(items: Sequence[Item], sources: Mapping[str, str]) -> list[Item]:
    """Items with their source (routing, 'anders' option) first; codebook order otherwise."""
    done: set[str] = set()
    order: list[Item] = []
    rest = list(items)
    while rest:
        for i, it in enumerate(rest):
            if sources.get(it.id) is None or sources[it.id] in done:
                order.append(rest.pop(i))
                done.add(it.id)
                break
        else:
            raise ValueError(f"routering in een kring: {', '.join(it.id for it in rest)}")
    return order


# --------------------------------------------------------------------------- writing


def _period_files(
    spec: PeriodSpec,
    shapes: Sequence[Shape],
    books: Mapping[str, Codebook],
    reference: bool,
    seed: int,
    directory: Path,
    codebooks_rel: str,
) -> None:
    """Write one period folder: period.yaml, providers.csv, sample.csv, responses/*.csv."""
    people = _People()
    providers = [
        _provider_people(shape, i, spec, reference, seed, people) for i, shape in enumerate(shapes)
    ]
    n = len(people.person_id)
    provider = np.asarray(people.provider, dtype=np.int64)
    dienst = np.asarray(people.dienst, dtype=np.int64)
    quest = np.asarray(people.questionnaire, dtype=object)
    state = np.asarray(people.state, dtype=np.int8)
    latent = np.asarray(people.latent, dtype=float)
    pid = np.asarray(people.person_id, dtype=object)
    offers = np.zeros((len(shapes), 14), dtype=bool)
    client = dienst > 0
    offers[provider[client], dienst[client]] = True

    directory.mkdir(parents=True)
    (directory / "responses").mkdir()
    _write_csv(pd.DataFrame(providers).sort_values("provider_id"), directory / "providers.csv")
    sample = pd.DataFrame(
        {
            "person_id": pid,
            "provider_id": [shapes[i].id for i in provider],
            "group": people.group,
            "dienst": np.where(client, dienst.astype(str), ""),
            "questionnaire": quest,
            "status": people.status,
            "province": people.province,
        }
    ).sort_values("person_id")
    _write_csv(sample, directory / "sample.csv")

    for key in spec.codebooks:
        rows = (
            np.flatnonzero((quest == key) & (state != _NONE)) if n else np.array([], dtype=np.int64)
        )
        rows = rows[np.argsort(pid[rows], kind="stable")]
        cb = books[spec.codebooks[key]]
        gen = AnswerSimulator(
            cb,
            latent[rows],
            provider[rows],
            dienst[rows],
            state[rows],
            offers,
            _rng(seed, "answers", spec.period, key),
            seed,
        )
        cols = {cb.respondent_id: pid[rows], **gen.run()}
        _write_csv(pd.DataFrame(cols, columns=cb.columns()), directory / "responses" / f"{key}.csv")

    lines = [
        "# Fictieve demodata: alle namen en antwoorden zijn verzonnen.",
        f"# Gemaakt met tevredenheidsrapport.demo (seed {seed}); dezelfde seed geeft dezelfde"
        " bestanden.",
        f'period: "{spec.period}"',
        f"start: {spec.start.isoformat()}",
        f"end: {spec.end.isoformat()}",
        f"report_date: {spec.report_date.isoformat()}",
        f"codebooks: {codebooks_rel}",
        "providers: providers.csv",
        "sample: sample.csv",
        "questionnaires:",
    ]
    width = max(len(k) for k in spec.codebooks) + 1
    for key, cb_id in spec.codebooks.items():
        lines.append(
            f"  {key + ':':<{width}} {{codebook: {cb_id}, responses: responses/{key}.csv}}"
        )
    if spec.invitation is not None:
        channels, cap = spec.invitation
        lines += [
            "invitation:",
            f"  channels: [{', '.join(channels)}]",
            f"  phone_calls_cap: {cap}",
        ]
    (directory / "period.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8, comma separated, '\\n' line ends, empty cell for missing."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _relative(target: Path, start: Path) -> str:
    """``target`` relative to ``start`` with forward slashes (absolute if on another drive)."""
    try:
        return Path(os.path.relpath(target, start)).as_posix()
    except ValueError:
        return target.as_posix()


def generate(
    out_dir: Path,
    *,
    seed: int = 2025,
    n_providers: int | None = None,
    codebooks_dir: Path = CODEBOOKS,
    periods: Sequence[PeriodSpec] = DEFAULT_PERIODS,
) -> list[Path]:
    """Write demo data to ``out_dir/<period>/`` for every period; return the period folders.

    ``n_providers`` is the number of providers in the first period (default: the built-in
    list of 44); the other periods hold a similar but not identical set. Everything is built
    in a temporary folder next to ``out_dir`` and renamed into place; ``out_dir/.complete`` is
    written last. A period whose codebook file does not exist is skipped with a warning.
    The same arguments always give byte-identical files.

    Raises FileExistsError when ``out_dir`` exists, is not empty and was not made by this
    function (no ``.complete``), and ValueError when ``out_dir`` would contain the codebooks.
    """
    out_dir = Path(out_dir).resolve()
    codebooks_dir = Path(codebooks_dir).resolve()
    if codebooks_dir == out_dir or out_dir in codebooks_dir.parents:
        raise ValueError(f"uitvoermap {out_dir} bevat de codeboeken; kies een andere map")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / COMPLETE_MARKER).exists():
        raise FileExistsError(
            f"{out_dir} bestaat al en is geen map met demodata (geen {COMPLETE_MARKER}); "
            "kies een lege of nieuwe map"
        )

    usable: list[tuple[PeriodSpec, dict[str, Codebook]]] = []
    for spec in periods:
        missing = sorted(
            {c for c in spec.codebooks.values() if not (codebooks_dir / f"{c}.yaml").is_file()}
        )
        unknown = sorted(set(spec.codebooks) - set(QUESTIONNAIRES))
        if unknown:
            raise ValueError(
                f"onbekende vragenlijst {unknown} in periode {spec.period}; "
                f"bekend: {', '.join(QUESTIONNAIRES)}"
            )
        if missing:
            warnings.warn(
                f"codeboek {', '.join(missing)} ontbreekt in {codebooks_dir}: "
                f"periode {spec.period} overgeslagen",
                stacklevel=2,
            )
            continue
        books = {
            c: load_codebook(codebooks_dir / f"{c}.yaml")
            for c in sorted(set(spec.codebooks.values()))
        }
        usable.append((spec, books))
    members = _members([spec for spec, _ in usable], n_providers, seed) if usable else {}

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    old: Path | None = None
    try:
        os.chmod(tmp, 0o755)
        for i, (spec, books) in enumerate(usable):
            rel = _relative(codebooks_dir, out_dir / spec.period)
            _period_files(spec, members[spec.period], books, i == 0, seed, tmp / spec.period, rel)
        if out_dir.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent)
            )
            os.replace(out_dir, old / "data")
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            if not out_dir.exists():  # the swap failed half-way: put the old data back
                os.replace(old / "data", out_dir)
            shutil.rmtree(old, ignore_errors=True)
    marker = "".join(f"{spec.period}\n" for spec, _ in usable)
    os.chmod(atomic_write(out_dir / COMPLETE_MARKER, marker), 0o644)
    return [out_dir / spec.period for spec, _ in usable]
