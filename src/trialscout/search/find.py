"""Patient -> ranked trials over the whole store: retrieve, evaluate, rank (docs/find.md).

1. Retrieval: an FTS5 BM25 OR query of the patient's concepts and most selective note words
   (`patient_query`), with SQL prefilters (age, sex, status, distance box, optionally cancer
   type), keeping the top `candidates`.
2. Evaluation: every candidate's criteria (parsed once, cached in the store) through the
   matcher, giving a verdict and a favourable-criteria score.
3. Ranking: eligible first, then possibly eligible, then ineligible (hidden unless asked).
   Inside a tier the order mixes how relevant the trial is to the patient's disease (the
   retrieval score, relative to the best candidate) with how much of it is met.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, and_, or_, select

from trialscout.criteria.atoms import ParsedCriteria
from trialscout.criteria.cache import get_or_parse
from trialscout.criteria.parser import PARSER_VERSION
from trialscout.match import MatchPolicy, TrialMatch, match_trial
from trialscout.patient.profile import PatientProfile
from trialscout.registry.model import OverallStatus, Trial
from trialscout.search.filters import bounding_box, haversine_km
from trialscout.search.patient_query import PatientQuery, build_query
from trialscout.search.text import TextQuery, parse_conditions, parse_text
from trialscout.store import Store
from trialscout.store.schema import criteria as criteria_table
from trialscout.store.schema import locations, trials

# Weight of the retrieval score against the match score inside a verdict tier (0..1). Measured
# on TREC 2021 (docs/find.md): the match score says little about topical relevance, and giving
# it 0.4 of the weight cost a third of NDCG@10; it is a tie-breaker here.
RELEVANCE_WEIGHT = 0.85
# Below this share of the best candidate's retrieval score a trial is a weak text match: it
# ranks after every well-matching eligible or possibly eligible trial (still before the
# ineligible ones), whatever its verdict. A trial about another disease with few criteria is
# often "possibly eligible"; it should not outrank the patient's own disease. 0.6 measured best
# on TREC 2021 among 0-0.8 (docs/find.md).
MIN_RELEVANCE = 0.6
# `ranking="relevance"`: no tiers; an ineligible trial's score is multiplied by this.
INELIGIBLE_FACTOR = 0.9
Ranking = Literal["verdict", "relevance"]
_TIER = {"eligible": 2, "possibly_eligible": 1, "ineligible": 0}
_TIER_WORD = {"eligible": "eligible", "possibly_eligible": "possibly eligible", "ineligible": ""}


class FoundTrial(BaseModel):
    """One ranked trial: the full match plus why it ranks where it does."""

    rank: int
    match: TrialMatch
    retrieval_score: float = Field(description="BM25 of the patient query (higher is better)")
    retrieval_rank: int = Field(description="position among the candidates before matching")
    rank_score: float = Field(description="order inside a verdict tier (0..1)")
    rank_reason: str
    distance_km: float | None = None
    counts: dict[str, int] = Field(default_factory=dict, description="criteria per status")


class QuerySummary(BaseModel):
    """What retrieval searched for; shown so a user can see why a trial was found."""

    concepts: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)
    age: float | None = None
    sex: str | None = None
    statuses: list[str] = Field(default_factory=list)
    cancer_filter: list[str] = Field(default_factory=list)


class FindResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    patient: str | None = None
    query: QuerySummary
    candidates: int = Field(description="trials retrieved and fully evaluated")
    hidden_ineligible: int = 0
    results: list[FoundTrial] = Field(default_factory=list)


# ------------------------------------------------------------------------------ retrieval


def _filters(
    pq: PatientQuery,
    statuses: Sequence[OverallStatus],
    near: tuple[float, float] | None,
    radius_km: float | None,
) -> list[Any]:
    t = trials.c
    conds: list[Any] = []
    if statuses:
        conds.append(t.overall_status.in_([s.value for s in statuses]))
    if pq.age is not None:
        conds.append(or_(t.min_age_years.is_(None), t.min_age_years <= pq.age))
        conds.append(or_(t.max_age_years.is_(None), t.max_age_years >= pq.age))
    if pq.sex in ("male", "female"):
        conds.append(or_(t.sex.is_(None), t.sex.in_(["ALL", pq.sex.upper()])))
    if near is not None and radius_km is not None:
        loc = locations.c
        sites = select(loc.nct_id).where(
            loc.status == OverallStatus.RECRUITING.value, loc.lat.is_not(None)
        )
        box = bounding_box(near[0], near[1], radius_km)
        if box is not None:
            sites = sites.where(
                and_(loc.lat.between(box[0], box[1]), loc.lon.between(box[2], box[3]))
            )
        conds.append(t.nct_id.in_(sites))
    return conds


def retrieve(
    conn: Connection,
    store: Store,
    pq: PatientQuery,
    *,
    statuses: Sequence[OverallStatus] = (),
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    limit: int = 200,
    cancer_filter: bool = False,
) -> list[tuple[str, float]]:
    """(nct_id, bm25) of the best `limit` trials for the patient query, filters applied."""
    if pq.is_empty():
        return []
    tq = TextQuery(
        phrases=parse_text(pq.text()),
        mode="any",
        conditions=parse_conditions(pq.cancer_conditions) if cancer_filter else [],
    )
    fts = store.index.match(tq)
    stmt = select(trials.c.nct_id, fts.c.score).join(fts, fts.c.doc_id == trials.c.doc_id)
    conds = _filters(pq, statuses, near, radius_km)
    if conds:
        stmt = stmt.where(*conds)
    stmt = stmt.order_by(fts.c.score.desc(), trials.c.nct_id).limit(limit)
    return [(r[0], float(r[1])) for r in conn.execute(stmt)]


@dataclass(frozen=True)
class _TrialRef:
    """What `match_trial` reads of a trial (id and title) when its parse is cached: building
    the full `Trial` model of every candidate cost more than the rest of retrieval."""

    nct_id: str
    brief_title: str | None
    official_title: str | None


def _load_trials(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """The stored JSON of each trial; turned into a model only where it is needed."""
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        rows = conn.execute(
            select(trials.c.nct_id, trials.c.data).where(trials.c.nct_id.in_(ids[i : i + 500]))
        )
        for nct_id, data in rows:
            out[nct_id] = data
    return out


def _trial_ref(nct_id: str, data: str) -> _TrialRef:
    doc = json.loads(data)
    return _TrialRef(nct_id, doc.get("brief_title"), doc.get("official_title"))


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while candidates are matched. Matching makes many
    small models that outlive a young collection, so full (generation 2) collections over
    the whole heap, 0.1-0.2 s each, fell inside single trials (the find spikes,
    docs/find.md). Reference counting still frees almost everything; the collector runs
    again when the last concurrent find leaves."""
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


def _cached_parses(conn: Connection, ids: Sequence[str]) -> dict[str, ParsedCriteria]:
    """The cached parses of the current parser version, in one query (the per-trial lookup of
    `get_or_parse` costs a connection round trip each); misses are parsed later."""
    out: dict[str, ParsedCriteria] = {}
    c = criteria_table.c
    for i in range(0, len(ids), 500):
        rows = conn.execute(
            select(c.nct_id, c.payload).where(
                c.nct_id.in_(ids[i : i + 500]), c.parser_version == PARSER_VERSION
            )
        )
        for nct_id, payload in rows:
            try:
                out[nct_id] = ParsedCriteria.model_validate_json(payload)
            except ValidationError:
                continue  # get_or_parse parses it again
    return out


def _distances(conn: Connection, ids: Sequence[str], near: tuple[float, float]) -> dict[str, float]:
    """Nearest RECRUITING site per trial (km); sites without a point do not count."""
    loc = locations.c
    best: dict[str, float] = {}
    rows = conn.execute(
        select(loc.nct_id, loc.lat, loc.lon).where(
            loc.nct_id.in_(list(ids)),
            loc.status == OverallStatus.RECRUITING.value,
            loc.lat.is_not(None),
            loc.lon.is_not(None),
        )
    )
    for nct_id, lat, lon in rows:
        d = haversine_km(near[0], near[1], lat, lon)
        if d < best.get(nct_id, float("inf")):
            best[nct_id] = d
    return best


# ------------------------------------------------------------------------------ ranking


def _counts(m: TrialMatch) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in m.criteria:
        if c.counted:
            out[c.status] = out.get(c.status, 0) + 1
    return out


def rank_score(rel: float, m: TrialMatch, counts: dict[str, int]) -> float:
    """Order inside a tier: relevance (0..1, vs the best candidate) and the share of criteria
    met, less a little for each share left unknown."""
    total = sum(v for k, v in counts.items() if k != "not_applicable") or 1
    unknown = counts.get("unknown", 0) / total
    fit = max(0.0, min(1.0, m.score - 0.25 * unknown + 0.25))
    return round(RELEVANCE_WEIGHT * rel + (1 - RELEVANCE_WEIGHT) * fit, 6)


def _tier(m: TrialMatch, rel: float, min_relevance: float) -> float:
    if m.verdict == "ineligible":
        return 0.0
    return float(_TIER[m.verdict]) if rel >= min_relevance else 0.5


def _reason(m: TrialMatch, counts: dict[str, int], rel_rank: int, rel: float) -> str:
    met = counts.get("met", 0) + counts.get("does_not_apply", 0)
    total = sum(v for k, v in counts.items() if k != "not_applicable")
    parts: list[str] = []
    if m.verdict == "ineligible":
        bad = [c.id for c in m.criteria if c.counted and c.status in ("not_met", "applies")]
        parts.append(f"ineligible: ruled out by {', '.join(bad[:4]) or 'a criterion'}")
    elif m.verdict == "eligible":
        parts.append(f"eligible: all {total} criteria met or not applying")
    else:
        parts.append(
            f"possibly eligible: {met} of {total} criteria met, {counts.get('unknown', 0)} unknown"
            + (f", {counts['review']} for review" if counts.get("review") else "")
        )
    weak = " (weak: ranked after the closer matches)" if rel < MIN_RELEVANCE else ""
    parts.append(f"text match #{rel_rank} ({rel:.0%} of the best){weak}")
    return "; ".join(parts)


RankedRow = tuple[TrialMatch, float, int, float, str, dict[str, int]]


def rank(
    matches: Sequence[tuple[TrialMatch, float, int]],
    ranking: Ranking = "verdict",
    *,
    min_relevance: float = MIN_RELEVANCE,
) -> list[RankedRow]:
    """(match, bm25, retrieval rank) -> (match, bm25, retrieval rank, rank score, reason,
    counts), best first. `verdict`: eligible, then possibly eligible, then ineligible, each
    tier by `rank_score`, weak text matches after the good ones. `relevance`: one list by
    relevance, ineligible trials marked down."""
    top = max((s for _, s, _ in matches), default=0.0) or 1.0
    rows: list[RankedRow] = []
    for m, score, rrank in matches:
        counts = _counts(m)
        rel = max(0.0, score) / top
        if ranking == "relevance":
            rs = round(rel * (INELIGIBLE_FACTOR if m.verdict == "ineligible" else 1.0), 6)
        else:
            rs = rank_score(rel, m, counts)
        rows.append((m, score, rrank, rs, _reason(m, counts, rrank, rel), counts))
    if ranking == "relevance":
        rows.sort(key=lambda r: (-r[3], r[2]))
    else:
        rows.sort(key=lambda r: (-_tier(r[0], r[1] / top, min_relevance), -r[3], r[2]))
    return rows


def find_trials(
    store: Store,
    profile: PatientProfile,
    *,
    statuses: Sequence[OverallStatus | str] | None = None,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    top: int = 20,
    candidates: int = 200,
    show_ineligible: bool = False,
    policy: MatchPolicy | None = None,
    cancer_filter: bool = False,
    ranking: Ranking = "verdict",
) -> FindResult:
    """Ranked trials for one patient across the whole store (see the module docstring)."""
    from trialscout.search.filters import parse_status

    sts = [s if isinstance(s, OverallStatus) else parse_status(s) for s in statuses or []]
    with store.engine.connect() as conn:
        pq = build_query(conn, profile)
        hits = retrieve(
            conn,
            store,
            pq,
            statuses=sts,
            near=near,
            radius_km=radius_km,
            limit=candidates,
            cancer_filter=cancer_filter and bool(pq.cancer_conditions),
        )
        ids = [h[0] for h in hits]
        loaded = _load_trials(conn, ids)
        cached = _cached_parses(conn, ids)
        dist = _distances(conn, ids, near) if near is not None else {}
    if radius_km is not None and near is not None:
        hits = [h for h in hits if dist.get(h[0], float("inf")) <= radius_km]
    matches: list[tuple[TrialMatch, float, int]] = []
    memo: dict[str, Any] = {}  # profile-derived values, computed once for all candidates
    with _gc_paused():
        for i, (nct_id, score) in enumerate(hits, start=1):
            data = loaded.get(nct_id)
            if data is None:
                continue
            trial: Trial | _TrialRef
            parsed = cached.get(nct_id)
            if parsed is None:
                trial = Trial.model_validate_json(data)
                parsed = get_or_parse(store, trial)
            else:
                trial = _trial_ref(nct_id, data)
            matches.append(
                (match_trial(profile, trial, parsed, policy=policy, memo=memo), score, i)
            )
    ranked = rank(matches, ranking)
    hidden = 0
    if not show_ineligible:
        hidden = sum(1 for r in ranked if r[0].verdict == "ineligible")
        ranked = [r for r in ranked if r[0].verdict != "ineligible"]
    results = [
        FoundTrial(
            rank=n,
            match=m,
            retrieval_score=round(score, 4),
            retrieval_rank=rrank,
            rank_score=rs,
            rank_reason=reason,
            distance_km=round(dist[m.nct_id], 1) if m.nct_id in dist else None,
            counts=counts,
        )
        for n, (m, score, rrank, rs, reason, counts) in enumerate(ranked[:top], start=1)
    ]
    summary = QuerySummary(
        concepts=pq.concepts,
        words=[w.word for w in pq.words],
        age=pq.age,
        sex=pq.sex,
        statuses=[s.value for s in sts],
        cancer_filter=pq.cancer_conditions if cancer_filter else [],
    )
    return FindResult(
        patient=profile.id,
        query=summary,
        candidates=len(hits),
        hidden_ineligible=hidden,
        results=results,
    )
