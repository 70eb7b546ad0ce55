"""Helpers for the companion notebooks in ``notebooks/`` (data quality, overview).

The notebooks hold the narrative; the computations live here so that they are tested and
shared. Every function returns a DataFrame or a markdown fragment.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from . import fmt, labels, metrics, theme
from .dataset import Dataset
from .errors import Problem
from .md import Md, escape, table
from .survey import Survey


def problems_table(problems: list[Problem]) -> Md:
    """Every validation problem as a table (file, row, column, value, message)."""
    frame = pd.DataFrame(
        [
            {
                "bestand": Path(p.file).name,
                "rij": "" if p.row is None else p.row,
                "kolom": p.column or "",
                "waarde": "" if p.value is None else str(p.value),
                "probleem": p.message + (f"; verwacht: {p.expected}" if p.expected else ""),
            }
            for p in problems
        ]
    )
    return table(frame, align="llll l".replace(" ", ""))


def status_counts(dataset: Dataset) -> pd.DataFrame:
    """Delivered persons per group and sample status."""
    s = dataset.sample
    out = s.groupby(["group", "status"]).size().rename("aantal").reset_index()
    out["status"] = out["status"].map(lambda x: labels.STATUSES.get(x, x))
    return out.rename(columns={"group": "groep"})


def completion(dataset: Dataset) -> pd.DataFrame:
    """Per questionnaire: netto, responded, completed, and response (%)."""
    p = dataset.persons[dataset.persons["netto"].astype(bool)]
    out = p.groupby("questionnaire").agg(
        netto=("person_id", "size"), gestart=("responded", "sum"), ingevuld=("ingevuld", "sum")
    )
    out["respons (%)"] = [
        fmt.number(metrics.response_rate(i, n))
        for i, n in zip(out["ingevuld"], out["netto"], strict=True)
    ]
    return out.reset_index().rename(columns={"questionnaire": "vragenlijst"})


def item_missing(dataset: Dataset) -> pd.DataFrame:
    """Per codebook item: answered by how many of the completed questionnaires (routing explains gaps)."""
    rows = []
    for cid, frame in dataset.responses.items():
        persons = dataset.persons
        done = persons[metrics.completed(persons) & (persons["codebook"] == cid)]
        part = frame.loc[frame.index.intersection(done["person_id"].astype(str))]
        cb = dataset.codebooks[cid]
        for it in cb.items:
            answered = int(part[it.columns()].notna().any(axis=1).sum()) if len(part) else 0
            rows.append(
                {
                    "codeboek": cid,
                    "item": it.id,
                    "type": it.type,
                    "beantwoord": answered,
                    "van": len(part),
                }
            )
    return pd.DataFrame(rows)


def overview(survey: Survey) -> pd.DataFrame:
    """One row per provider: clients' Totaal from table 1.1, opdrachtgevers, norm outcome."""
    rows = []
    for pid in survey.provider_ids():
        t = survey.table11[pid]
        tot = t[t["kind"] == "totaal"].iloc[0]
        opd = t[t["kind"] == "opdrachtgevers"]
        norm = metrics.norm_outcome(
            survey.persons(pid),
            survey.settings.norm,
            min_answers=survey.settings.privacy.min_answers,
        )
        rows.append(
            {
                "dienstverlener": survey.dataset.provider_name(pid),
                "netto": int(tot["netto"]),
                "ingevuld": int(tot["ingevuld"]),
                "respons": tot["respons"],
                "cijfer": tot["cijfer"] if tot["cijfer_shown"] else float("nan"),
                "opdrachtgevers": int(opd["ingevuld"].iloc[0]) if len(opd) else 0,
                "norm": norm.status,
                "publicatie": labels.JA if tot["publicatie"] else labels.NEE,
            }
        )
    return pd.DataFrame(rows)


def formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as Dutch text for printing."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].map(lambda v: fmt.number(v))
    return out


def figure(ax, name: str, alt: str, work_dir: str | Path) -> Md:
    """Save a figure drawn by the notebook (in the report's look) and return its markdown.

    The image path is ``work_dir/figures/<name>.svg`` as given: absolute from our renderer,
    relative to the notebook's folder under Quarto."""
    path = Path(work_dir) / "figures" / f"{name}.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    theme.save_svg(ax.figure, path)
    plt.close(ax.figure)
    return Md(f"![{escape(alt)}]({path.as_posix()}){{width=100%}}")
