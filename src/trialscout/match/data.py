"""Readers for the matcher's data tables (`trialscout/data/match/`), loaded once."""

from __future__ import annotations

import csv
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "match"


@cache
def read_csv(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a CSV under data/match, skipping the `#` source lines at its top.

    Cached: evaluators call this per atom, and re-reading the tables was most of the
    matching time in batch runs. Callers must not mutate the rows.
    """
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return tuple(dict(r) for r in csv.DictReader(lines))


@cache
def read_json(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def hierarchy() -> dict[tuple[str, str], set[str]]:
    """(kind, child) -> every ancestor id (transitive)."""
    direct: dict[tuple[str, str], set[str]] = {}
    for r in read_csv("hierarchy.csv"):
        direct.setdefault((r["kind"], r["child"]), set()).add(r["parent"])
    out: dict[tuple[str, str], set[str]] = {}
    for key in direct:
        seen: set[str] = set()
        todo = list(direct[key])
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            todo.extend(direct.get((key[0], p), ()))
        out[key] = seen
    return out


def ancestors(kind: str, ident: str) -> set[str]:
    """The id itself and everything it is a kind of."""
    return {ident} | hierarchy().get((kind, ident), set())


def display(table: str, key: str | None, default: str | None = None) -> str:
    """Clinician wording for an id (`pd1_inhibitor` -> `a PD-1 inhibitor`)."""
    if key is None:
        return default or ""
    names: dict[str, str] = read_json("display_names.json").get(table, {})
    return names.get(key, default or key.replace("_", " "))


def question(kind: str, **fill: str) -> str:
    template: str = read_json("questions.json")[kind]
    return template.format(**fill)
