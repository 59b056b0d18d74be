"""Vocabulary tables (data/criteria/*.csv) compiled into phrase matchers.

The clinical knowledge lives in the data files; this module only turns them into
regular expressions. Short all-letter aliases ("NPC", "MI", "ALT") are matched only
when written in capitals, so "mi" or "all" inside ordinary words never match.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "criteria"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a data CSV, skipping the `#` source/comment lines at its top."""
    path = DATA_DIR / name
    with path.open(encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return [dict(r) for r in csv.DictReader(lines)]


def _key(s: str) -> str:
    return re.sub(r"[\s\-']+", "", s.lower())


_SEP = ""


def _units(phrase: str) -> list[str]:
    """A phrase as regex units: characters, with one separator unit between words."""
    out: list[str] = []
    for i, part in enumerate(p for p in re.split(r"[\s\-]+", phrase.strip()) if p):
        if i:
            out.append(_SEP)
        out.extend(part)
    return out


def trie_regex(phrases: list[str], fold: bool = True) -> str:
    """One regex for many phrases with shared prefixes factored out (fast alternation)."""
    root: dict[str, dict] = {}
    for ph in phrases:
        node = root
        for u in _units(ph.lower() if fold else ph):
            node = node.setdefault(u, {})
        node["\0"] = {}

    def gen(node: dict) -> str:
        alts: list[str] = []
        opt = False
        for k, child in node.items():
            if k == "\0":
                opt = True
                continue
            head = r"[\s\-]*" if k == _SEP else re.escape(k)
            alts.append(head + gen(child))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if opt:
            return "(?:" + body + ")?"
        return body

    return gen(root)


def _phrase_regex(phrase: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", phrase.strip()) if p]
    body = r"[\s\-]*".join(parts)
    if phrase[-1].isalpha() and len(phrase) > 4:
        body += r"(?:s|es)?"
    return body


@dataclass
class PhraseMatch:
    id: str
    start: int
    end: int
    text: str


class PhraseMatcher:
    """Finds vocabulary phrases (longest first) and maps them to their canonical id."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._ids: dict[str, str] = {}
        long_p: list[str] = []
        short_p: list[str] = []
        for phrase, ident in pairs:
            phrase = phrase.strip()
            if not phrase:
                continue
            self._ids.setdefault(_key(phrase), ident)
            if len(phrase) <= 3 and re.fullmatch(r"[a-z0-9]+", phrase):
                short_p.append(phrase.upper())
            else:
                long_p.append(phrase)
        edge_l = r"(?<![A-Za-z0-9])"
        edge_r = r"(?![A-Za-z0-9])"
        self._long = (
            re.compile(f"{edge_l}(?:{trie_regex(long_p)})(?:e?s)?{edge_r}", re.I)
            if long_p
            else None
        )
        self._short = (
            re.compile(f"{edge_l}(?:{trie_regex(short_p, fold=False)}){edge_r}")
            if short_p
            else None
        )

    def lookup(self, text: str) -> str | None:
        k = _key(text)
        if k in self._ids:
            return self._ids[k]
        for suf in ("es", "s"):
            if k.endswith(suf) and k[: -len(suf)] in self._ids:
                return self._ids[k[: -len(suf)]]
        return None

    def find(self, text: str) -> list[PhraseMatch]:
        found: list[PhraseMatch] = []
        taken: list[tuple[int, int]] = []
        for rx in (self._long, self._short):
            if rx is None:
                continue
            for m in rx.finditer(text):
                a, b = m.span()
                if any(a < y and x < b for x, y in taken):
                    continue
                ident = self.lookup(m.group())
                if ident is None:
                    continue
                taken.append((a, b))
                found.append(PhraseMatch(ident, a, b, m.group()))
        found.sort(key=lambda p: p.start)
        return found


def _split(v: str) -> list[str]:
    return [x.strip() for x in v.split("|") if x.strip()]


@dataclass(frozen=True)
class LabInfo:
    analyte: str
    loinc: str | None
    unit: str | None
    uln_low: float | None
    uln_high: float | None


class Vocab:
    """Every table, loaded once."""

    def __init__(self) -> None:
        cancers = read_table("cancer_types.csv")
        self.cancer = PhraseMatcher(
            [(s, r["id"]) for r in cancers for s in [r["name"], *_split(r["synonyms"])]]
        )
        self.cancer_names = {r["id"]: r["name"] for r in cancers}
        hist = read_table("histologies.csv")
        self.histology = PhraseMatcher([(s, r["id"]) for r in hist for s in _split(r["synonyms"])])
        self.histology_who = {r["id"]: r["who_type"] for r in hist if r["who_type"]}
        drugs = read_table("drugs.csv")
        self.drug = PhraseMatcher([(s, r["drug"]) for r in drugs for s in _split(r["aliases"])])
        self.drug_classes = {r["drug"]: _split(r["classes"]) for r in drugs}
        classes = read_table("drug_classes.csv")
        self.drug_class = PhraseMatcher(
            [(s, r["class"]) for r in classes for s in _split(r["phrases"])]
        )
        regs = read_table("regimens.csv")
        self.regimen = PhraseMatcher(
            [(s, r["regimen"]) for r in regs for s in _split(r["aliases"])]
        )
        labs = read_table("labs.csv")
        self.labs: dict[str, LabInfo] = {}
        pairs: list[tuple[str, str]] = []
        for r in labs:
            self.labs[r["analyte"]] = LabInfo(
                r["analyte"],
                r["loinc"] or None,
                r["unit"] or None,
                float(r["uln_low"]) if r["uln_low"] else None,
                float(r["uln_high"]) if r["uln_high"] else None,
            )
            pairs += [(s, r["analyte"]) for s in _split(r["aliases"])]
        self.lab_alias: dict[str, str] = {_key(p): a for p, a in pairs}
        alias_rx = sorted((_phrase_regex(p) for p, _ in pairs), key=len, reverse=True)
        self.lab_alias_re = "(?:" + "|".join(alias_rx) + ")"
        units = read_table("units.csv")
        self.unit_alias: dict[str, str] = {}
        spell: list[str] = []
        for r in units:
            for s in _split(r["spellings"]):
                self.unit_alias[re.sub(r"\s+", "", s.lower())] = r["canonical"]
                spell.append(s)
        unit_rx = sorted(
            (r"\s*".join(re.escape(c) for c in s if not c.isspace()) for s in spell),
            key=len,
            reverse=True,
        )
        self.unit_re = "(?:" + "|".join(unit_rx) + ")"
        conds = read_table("conditions.csv")
        self.condition = PhraseMatcher(
            [(s, r["condition"]) for r in conds for s in _split(r["phrases"])]
        )
        mods = read_table("therapy_modalities.csv")
        self.modality = PhraseMatcher(
            [(s, r["modality"]) for r in mods for s in _split(r["phrases"])]
        )
        stats = read_table("disease_status.csv")
        self.status = PhraseMatcher([(s, r["status"]) for r in stats for s in _split(r["phrases"])])
        self.review = [
            (r["reason"], re.compile(r["pattern"], re.I)) for r in read_table("review_cues.csv")
        ]
        sites = read_table("metastatic_sites.csv")
        self.site = PhraseMatcher([(s, r["site"]) for r in sites for s in _split(r["phrases"])])
        self.id_alias: dict[tuple[str, str], str] = {
            (r["kind"], _key(r["alias"].replace("_", " "))): r["id"]
            for r in read_table("id_aliases.csv")
        }

    def canonical_id(self, kind: str, value: str) -> str:
        """The vocabulary id for an id, short alias or spelled phrase of `kind`.

        Lets a scorer or matcher treat `nasopharyngeal`, `NPC` and
        `nasopharyngeal_carcinoma` as one value without renaming ids. Unknown values
        come back unchanged. Kinds: cancer, histology, condition, drug, drug_class,
        regimen, modality, status, site, lab, measurement, biomarker.
        """
        k = _key(value.replace("_", " "))
        hit = self.id_alias.get((kind, k))
        if hit:
            return hit
        matcher = {
            "cancer": self.cancer,
            "histology": self.histology,
            "condition": self.condition,
            "drug": self.drug,
            "drug_class": self.drug_class,
            "regimen": self.regimen,
            "modality": self.modality,
            "status": self.status,
            "site": self.site,
        }.get(kind)
        if matcher is not None:
            found = matcher.lookup(value.replace("_", " "))
            if found:
                return found
        if kind == "lab":
            return self.lab_for(value.replace("_", " ")) or value
        return value

    def lab_for(self, alias: str) -> str | None:
        k = _key(alias)
        return self.lab_alias.get(k) or self.lab_alias.get(k.rstrip("s"))

    def canonical_unit(self, spelled: str) -> str:
        k = re.sub(r"\s+", "", spelled.lower())
        return self.unit_alias.get(k, spelled.strip())


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    return Vocab()
