"""Score the criteria parser against the hand-made gold set, and measure it on a corpus.

The gold set (tests/fixtures/criteria_gold, one JSON file per trial) is made by hand,
independently of the parser; docs/criteria-gold.md gives the conventions. Scoring is
tolerant of segmentation: each parsed atom is routed to the gold criterion its span
overlaps most, then atoms are matched within a gold criterion by type + key fields.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from trialscout.criteria.atoms import ATOM_TYPES, Atom, ParsedCriteria, iter_atoms

ParseFn = Callable[[str, str | None], ParsedCriteria]

TARGET_ATOM_F1 = 0.9
TARGET_ONCOLOGY_FULLY_PARSED = 0.8

# A trial is oncology when its `diseases` column matches this (documented in
# docs/criteria-gold.md). The criteria text is not used: nearly every trial, oncology or
# not, excludes "history of malignancy", so criteria keywords would call almost all oncology.
ONCOLOGY_RE = re.compile(
    r"cancer|carcinoma|tumou?r|neoplas|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|"
    r"glioblastoma|metasta|malignan|blastoma|mesothelioma|myelodysplas|carcinoid",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------- gold model


class GoldError(ValueError):
    """A gold file that does not load: names the file and the field."""


class GoldCriterion(BaseModel):
    """One hand-annotated criterion: verbatim text, where it is, and the atoms expected."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["inclusion", "exclusion"]
    text: str
    span: tuple[int, int]
    heading: bool = Field(False, description="a lead-in ('defined as:') with no content")
    fully_parseable: bool
    atoms: list[dict[str, Any]] = Field(default_factory=list)
    note: str | None = None


class GoldTrial(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nct_id: str
    source: str
    area: str
    annotator: str
    source_text: str
    criteria: list[GoldCriterion]
    notes: str | None = None


_ATOM_ADAPTER: TypeAdapter[Any] = TypeAdapter(Atom)


def validate_gold(trial: GoldTrial, where: str) -> None:
    """Raise GoldError if an atom is not a valid typed atom or a text is not verbatim."""
    for c in trial.criteria:
        a, b = c.span
        if trial.source_text[a:b] != c.text:
            raise GoldError(f"{where}: criterion {c.id}: field 'text' is not source_text[{a}:{b}]")
        if c.heading and c.atoms:
            raise GoldError(f"{where}: criterion {c.id}: a heading has no atoms")
        for i, atom in enumerate(c.atoms):
            try:
                _ATOM_ADAPTER.validate_python(atom)
            except ValidationError as e:
                first = e.errors()[0]
                loc = ".".join(str(x) for x in first["loc"])
                raise GoldError(
                    f"{where}: criterion {c.id}: field 'atoms[{i}].{loc}': {first['msg']}"
                ) from None
        has_unparsed = any(a.get("type") == "unparsed" for a in c.atoms)
        if not c.heading and c.fully_parseable == has_unparsed:
            raise GoldError(
                f"{where}: criterion {c.id}: field 'fully_parseable' disagrees with its atoms"
            )


def load_gold_file(path: Path) -> GoldTrial:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise GoldError(f"{path}: cannot read JSON: {e}") from None
    try:
        trial = GoldTrial.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise GoldError(f"{path}: field '{loc}': {first['msg']}") from None
    validate_gold(trial, str(path))
    return trial


def load_gold(directory: Path) -> list[GoldTrial]:
    """Every `*.json` in the folder, sorted; raises GoldError naming the first bad file."""
    if not directory.is_dir():
        raise GoldError(f"{directory}: gold folder not found")
    files = sorted(directory.glob("*.json"))
    if not files:
        raise GoldError(f"{directory}: no *.json gold files")
    return [load_gold_file(p) for p in files]


# --------------------------------------------------------------------------- matching

# strict: must be equal (an unset gold field requires an unset parsed field);
# optional: compared only where the gold sets them. Other fields are ignored.
KEY_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "age": (("min_years", "max_years"), ()),
    "sex": (("sex",), ()),
    "diagnosis": (("cancer",), ("histologies", "who_types")),
    "stage": ((), ("groups", "t", "n", "m", "edition")),
    "disease_status": (("status",), ()),
    "metastasis": (("site",), ("symptomatic", "treated")),
    "measurable_disease": ((), ()),
    "performance": (("scale", "min", "max"), ()),
    "prior_therapy": ((), ("modality", "drug", "drug_class", "regimen", "line")),
    "lab": (("analyte", "comparator", "value", "uln_multiple", "lln_multiple"), ()),
    "infection": (("pathogen",), ("marker", "status")),
    "condition": (("condition",), ()),
    "measurement": (("name", "comparator", "value"), ()),
    "reproductive": (("state",), ()),
    "life_expectancy": (("min_months",), ()),
    "time_relation": (("min_days", "max_days"), ()),
    "biomarker": (("marker",), ("gene", "result")),
    "review": (("reason",), ()),
    "unparsed": ((), ()),
}

# Durations are converted with different month lengths (30, 30.4, 31 days): allow 10%.
_LOOSE_NUMBERS = {"min_months", "min_days", "max_days"}

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def norm_str(s: str) -> str:
    """Case, space, punctuation-insensitive form: 'PD-1 inhibitor' == 'pd1_inhibitor'."""
    s = unicodedata.normalize("NFKC", s).lower()
    return re.sub(r"[^0-9a-z]+", "", s)


def normalise_unit(unit: str) -> str:
    u = unicodedata.normalize("NFC", unit).translate(_SUPERSCRIPTS).lower()
    u = u.replace("µ", "u").replace("μ", "u")
    return re.sub(r"[\s×x*^]", "", u)


@cache
def _unit_table() -> dict[tuple[str, str], tuple[str, float]]:
    text = (
        resources.files("trialscout.data")
        .joinpath("criteria_eval_units.csv")
        .read_text(encoding="utf-8")
    )
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {
        (r["analyte"], normalise_unit(r["unit"])): (r["canonical_unit"], float(r["factor"]))
        for r in rows
    }


def canonical_value(analyte: str, value: float, unit: str | None) -> tuple[float, str | None]:
    """Value in the canonical unit for scoring; unknown units pass through unchanged."""
    if unit is None:
        return value, None
    key = normalise_unit(unit)
    table = _unit_table()
    hit = table.get((norm_analyte(analyte), key)) or table.get(("*", key))
    if hit is None:
        return value, key
    canon, factor = hit
    return value * factor, canon


def norm_analyte(analyte: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", analyte.lower()).strip("_")


def _num_equal(a: float, b: float, loose: bool) -> bool:
    return math.isclose(a, b, rel_tol=0.1 if loose else 0.02, abs_tol=1e-9)


# Atom fields whose values are vocabulary ids: gold short ids (`nasopharyngeal`) and parser
# ids (`nasopharyngeal_carcinoma`) are compared after both pass through the vocabulary.
_VOCAB_KIND: dict[tuple[str, str], str] = {
    ("diagnosis", "cancer"): "cancer",
    ("diagnosis", "histologies"): "histology",
    ("condition", "condition"): "condition",
    ("condition", "exceptions"): "condition",
    ("prior_therapy", "drug"): "drug",
    ("prior_therapy", "drug_class"): "drug_class",
    ("prior_therapy", "regimen"): "regimen",
    ("prior_therapy", "modality"): "modality",
    ("disease_status", "status"): "status",
    ("metastasis", "site"): "site",
    ("biomarker", "marker"): "biomarker",
}


@cache
def vocab_canonical(kind: str, value: str) -> str:
    """The vocabulary entry a value names (by id, alias or synonym), else the value itself.

    An alias mapping, not a loosening: two values match only when the vocabulary says they
    are the same entry, so `nasopharyngeal` == `nasopharyngeal_carcinoma` but `breast` !=
    `nasopharyngeal`.
    """
    from trialscout.criteria.vocab import vocab

    try:
        return vocab().canonical_id(kind, value)
    except Exception:  # a broken vocabulary must not stop scoring; fall back to the raw value
        return value


def _vocab_equal(kind: str, g: Any, p: Any) -> bool:
    if isinstance(g, list) and isinstance(p, list):
        gs = {norm_str(vocab_canonical(kind, str(x))) for x in g}
        ps = {norm_str(vocab_canonical(kind, str(x))) for x in p}
        return gs == ps
    if isinstance(g, str) and isinstance(p, str):
        return norm_str(vocab_canonical(kind, g)) == norm_str(vocab_canonical(kind, p))
    return False


def _field_equal(atom_type: str, name: str, g: Any, p: Any) -> bool:
    if _value_equal(name, g, p):
        return True
    kind = _VOCAB_KIND.get((atom_type, name))
    return kind is not None and _vocab_equal(kind, g, p)


def _value_equal(name: str, g: Any, p: Any) -> bool:
    if g is None or p is None:
        return g is None and p is None
    if isinstance(g, bool) or isinstance(p, bool):
        return g == p
    if isinstance(g, int | float) and isinstance(p, int | float):
        return _num_equal(float(g), float(p), name in _LOOSE_NUMBERS)
    if isinstance(g, list) and isinstance(p, list):
        return {norm_str(str(x)) for x in g} == {norm_str(str(x)) for x in p}
    if isinstance(g, str) and isinstance(p, str):
        if name == "comparator" or not norm_str(g):
            return g.strip() == p.strip()
        return norm_str(g) == norm_str(p)
    return bool(g == p)


def _empty(v: Any) -> bool:
    return v is None or v == [] or v == ""


def _measured_equal(g: dict[str, Any], p: dict[str, Any], name_field: str) -> bool:
    """value + unit compared in the canonical unit of the analyte/measurement."""
    gv, pv = g.get("value"), p.get("value")
    if gv is None or pv is None:
        return gv is None and pv is None
    name = str(g.get(name_field) or "")
    gc, gu = canonical_value(name, float(gv), g.get("unit"))
    pc, pu = canonical_value(name, float(pv), p.get("unit"))
    if gu is not None and pu is not None and gu != pu:
        return False
    return _num_equal(gc, pc, False)


def atoms_match(gold: dict[str, Any], parsed: dict[str, Any]) -> bool:
    """Same type and the key fields of that type agree (docs/criteria-gold.md)."""
    kind = gold.get("type")
    if kind != parsed.get("type"):
        return False
    strict, optional = KEY_FIELDS.get(str(kind), ((), ()))
    for f in strict:
        if f == "value" and kind in ("lab", "measurement"):
            if not _measured_equal(gold, parsed, "analyte" if kind == "lab" else "name"):
                return False
            continue
        gv, pv = gold.get(f), parsed.get(f)
        if f in ("analyte",) and gv is not None and pv is not None:
            if norm_analyte(vocab_canonical("lab", str(gv))) != norm_analyte(
                vocab_canonical("lab", str(pv))
            ):
                return False
            continue
        if not _field_equal(str(kind), f, gv, pv):
            return False
    for f in optional:
        gv = gold.get(f)
        if _empty(gv):
            continue
        if not _field_equal(str(kind), f, gv, parsed.get(f)):
            return False
    return True


# --------------------------------------------------------------------------- scoring


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "support": self.tp + self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class TrialScore:
    nct_id: str
    per_type: dict[str, Counts] = field(default_factory=dict)
    gold_criteria: int = 0
    aligned: int = 0
    kind_agree: int = 0
    parse_agree: int = 0
    error: str | None = None
    misses: list[dict[str, Any]] = field(default_factory=list)

    def counts(self, kind: str) -> Counts:
        return self.per_type.setdefault(kind, Counts())


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _tokens(s: str) -> set[str]:
    return set(re.findall(r"[0-9a-z]+", s.lower()))


def _route(
    span: tuple[int, int] | None, text: str, gold: list[GoldCriterion], src_len: int
) -> int | None:
    """Index of the gold criterion a parsed piece belongs to, by span, else by words."""
    if span is not None and 0 <= span[0] <= span[1] <= src_len:
        best, best_ov = None, 0
        for i, g in enumerate(gold):
            ov = _overlap(span, g.span)
            if ov > best_ov:
                best, best_ov = i, ov
        if best is not None:
            return best
    toks = _tokens(text)
    if not toks:
        return None
    best, best_j = None, 0.0
    for i, g in enumerate(gold):
        gt = _tokens(g.text)
        j = len(toks & gt) / len(toks | gt) if gt else 0.0
        if j > best_j:
            best, best_j = i, j
    return best if best_j >= 0.5 else None


def _inside_child(span: tuple[int, int] | None, children: list[tuple[int, int]]) -> bool:
    return span is not None and any(a <= span[0] and span[1] <= b for a, b in children)


def score_trial(gold: GoldTrial, parsed: ParsedCriteria) -> TrialScore:
    """Atom counts per type for one trial, plus criterion alignment agreement."""
    score = TrialScore(nct_id=gold.nct_id)
    crits = gold.criteria
    n = len(gold.source_text)
    routed: list[list[dict[str, Any]]] = [[] for _ in crits]
    kids: dict[str, list[tuple[int, int]]] = {}
    for pc in parsed.criteria:
        if pc.parent is not None:
            kids.setdefault(pc.parent, []).append(pc.span)
    for pc in parsed.criteria:
        for atom in iter_atoms(pc.expr):
            if _inside_child(atom.span, kids.get(pc.id, [])):
                continue  # a parent's tree embeds its sub-items: each is scored once, as itself
            span = atom.span if atom.span is not None else pc.span
            i = _route(span, atom.text or pc.text, crits, n)
            if i is None and atom.span is not None:
                i = _route(pc.span, pc.text, crits, n)
            data = atom.model_dump()
            if i is None:
                score.counts(str(data["type"])).fp += 1
                score.misses.append({"criterion": None, "extra": data})
            else:
                routed[i].append(data)
    for i, g in enumerate(crits):
        if g.heading:
            continue
        score.gold_criteria += 1
        best, best_ov = None, 0
        for pc in parsed.criteria:
            ov = _overlap(pc.span, g.span)
            if ov > best_ov:
                best, best_ov = pc, ov
        if best is not None and best_ov >= 0.5 * max(1, g.span[1] - g.span[0]):
            score.aligned += 1
            score.kind_agree += best.kind == g.kind
            score.parse_agree += best.fully_parsed == g.fully_parseable
        remaining = list(routed[i])
        for ga in g.atoms:
            hit = next((k for k, pa in enumerate(remaining) if atoms_match(ga, pa)), None)
            if hit is None:
                score.counts(str(ga["type"])).fn += 1
                score.misses.append({"criterion": g.id, "missing": ga})
            else:
                score.counts(str(ga["type"])).tp += 1
                remaining.pop(hit)
        for pa in remaining:
            score.counts(str(pa["type"])).fp += 1
            score.misses.append({"criterion": g.id, "extra": _brief(pa)})
    return score


def _brief(atom: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in atom.items() if k not in ("text", "span") and not _empty(v)}


class GoldReport(BaseModel):
    parser_version: str
    trials: int
    criteria: int
    gold_atoms: int
    per_type: dict[str, dict[str, Any]]
    micro: dict[str, Any]
    criteria_aligned: float
    kind_agreement: float
    fully_parsed_agreement: float
    parse_failures: list[str]
    target_atom_f1: float = TARGET_ATOM_F1


def evaluate_gold(
    trials: Iterable[GoldTrial], parse: ParseFn, parser_version: str = "?"
) -> tuple[GoldReport, list[TrialScore]]:
    """Run the parser on each gold trial's source text and score the atoms it gives."""
    total: dict[str, Counts] = {t: Counts() for t in ATOM_TYPES}
    scores: list[TrialScore] = []
    failures: list[str] = []
    n_trials = n_gold = aligned = kind_ok = parse_ok = 0
    for trial in trials:
        n_trials += 1
        try:
            parsed = parse(trial.source_text, trial.nct_id)
        except Exception as e:  # a parser bug must not stop the evaluation
            failures.append(f"{trial.nct_id}: {type(e).__name__}: {e}")
            parsed = ParsedCriteria(nct_id=trial.nct_id, parser_version=parser_version)
        s = score_trial(trial, parsed)
        scores.append(s)
        for k, c in s.per_type.items():
            total.setdefault(k, Counts()).add(c)
        n_gold += s.gold_criteria
        aligned += s.aligned
        kind_ok += s.kind_agree
        parse_ok += s.parse_agree
    micro = Counts()
    for c in total.values():
        micro.add(c)
    report = GoldReport(
        parser_version=parser_version,
        trials=n_trials,
        criteria=n_gold,
        gold_atoms=micro.tp + micro.fn,
        per_type={k: c.as_dict() for k, c in total.items()},
        micro=micro.as_dict(),
        criteria_aligned=round(aligned / n_gold, 4) if n_gold else 0.0,
        kind_agreement=round(kind_ok / aligned, 4) if aligned else 0.0,
        fully_parsed_agreement=round(parse_ok / aligned, 4) if aligned else 0.0,
        parse_failures=failures,
    )
    return report, scores


# --------------------------------------------------------------------------- corpus


@dataclass
class CorpusRow:
    nct_id: str
    diseases: str
    criteria: str

    @property
    def oncology(self) -> bool:
        return bool(ONCOLOGY_RE.search(self.diseases))


def iter_corpus(path: Path) -> Iterator[CorpusRow]:
    """Rows of eligibility-texts.csv (columns nctid, diseases, criteria)."""
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"nctid", "criteria"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            yield CorpusRow(
                nct_id=row["nctid"], diseases=row.get("diseases") or "", criteria=row["criteria"]
            )


class CorpusReport(BaseModel):
    path: str
    trials: int
    criteria: int
    fully_parsed: int
    fully_parsed_share: float
    oncology_trials: int
    oncology_criteria: int
    oncology_fully_parsed: int
    oncology_fully_parsed_share: float
    parse_failures: int
    failure_examples: list[str]
    oncology_rule: str = "diseases column matches: " + ONCOLOGY_RE.pattern
    target_oncology_fully_parsed: float = TARGET_ONCOLOGY_FULLY_PARSED


def evaluate_corpus(path: Path, parse: ParseFn) -> CorpusReport:
    """Share of criteria fully parsed over the corpus and its oncology subset."""
    trials = crit = full = o_trials = o_crit = o_full = fails = 0
    examples: list[str] = []
    for row in iter_corpus(path):
        trials += 1
        onc = row.oncology
        o_trials += onc
        try:
            parsed = parse(row.criteria, row.nct_id)
        except Exception as e:
            fails += 1
            if len(examples) < 10:
                examples.append(f"{row.nct_id}: {type(e).__name__}: {e}")
            continue
        n = len(parsed.criteria)
        f = sum(c.fully_parsed for c in parsed.criteria)
        crit += n
        full += f
        if onc:
            o_crit += n
            o_full += f
    return CorpusReport(
        path=str(path),
        trials=trials,
        criteria=crit,
        fully_parsed=full,
        fully_parsed_share=round(full / crit, 4) if crit else 0.0,
        oncology_trials=o_trials,
        oncology_criteria=o_crit,
        oncology_fully_parsed=o_full,
        oncology_fully_parsed_share=round(o_full / o_crit, 4) if o_crit else 0.0,
        parse_failures=fails,
        failure_examples=examples,
    )


def default_parser() -> tuple[ParseFn, str]:
    """The project's parser, imported late so the evaluator loads without it."""
    from trialscout.criteria.parser import PARSER_VERSION, parse_criteria

    return parse_criteria, str(PARSER_VERSION)
