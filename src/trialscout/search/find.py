"""Patient -> ranked trials over the whole store: retrieve, evaluate, rank (docs/find.md).

1. Retrieval: an FTS5 BM25 OR query of the patient's concepts and most selective note words
   (`patient_query`), with SQL prefilters (age, sex, status, distance box, optionally cancer
   type), keeping the top `candidates`.
2. Evaluation: every candidate's criteria (parsed once, cached in the store) through the
   matcher, giving a verdict and a favourable-criteria score.
3. Ranking (`search.rank`): relevance fuses the retrieval BM25 with a BM25 of the note over
   each candidate's titles and conditions (and, optionally, a dense score). Eligible trials
   that match well come first, then the rest by relevance with how much of the trial is met
   as a tie-breaker, ineligible trials last (those ruled out on age or sex at the very end);
   ineligible trials are hidden unless asked.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, Float, Integer, Subquery, and_, or_, select, text

from trialscout.criteria.atoms import ParsedCriteria
from trialscout.criteria.cache import get_or_parse
from trialscout.criteria.parser import PARSER_VERSION
from trialscout.match import MatchPolicy, TrialMatch, match_trial
from trialscout.patient.profile import PatientProfile
from trialscout.registry.model import OverallStatus, Trial
from trialscout.search.dense import DenseScorer, dense_text
from trialscout.search.filters import bounding_box, haversine_km
from trialscout.search.learned import RankModel, learned_relevance
from trialscout.search.patient_query import PatientQuery, build_query
from trialscout.search.rank import (
    Signals,
    confident_ineligible,
    criteria_scores,
    field_scores,
    fuse,
    lead_weights,
    query_words,
    short_text,
    short_texts,
)
from trialscout.search.text import TextQuery, parse_conditions, parse_text
from trialscout.store import Store
from trialscout.store.schema import criteria as criteria_table
from trialscout.store.schema import locations, trials
from trialscout.store.search_index import FIELDS, FTS_TABLE, WEIGHTS, SqliteFts5Index, to_fts5

# Weight of relevance against the match score inside a tier (0..1). Measured on TREC 2021
# (docs/find.md): the match score says little about topical relevance, and giving it 0.4 of
# the weight cost a third of NDCG@10; it is a tie-breaker here.
RELEVANCE_WEIGHT = 0.9
# Below this share of the best candidate's relevance an eligible trial is a weak text match:
# it does not go ahead of the other candidates. A trial about another disease with few
# criteria is easily "eligible"; it should not outrank the patient's own disease.
MIN_RELEVANCE = 0.6
# `ranking="relevance"`: no tiers; an ineligible trial's score is multiplied by this.
INELIGIBLE_FACTOR = 0.9
Ranking = Literal["verdict", "relevance"]
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


# Rows read from the index past `2 x limit` before the filters: most filter sets (age, sex,
# status) keep over half of the trials, so one read usually suffices; ties at the edge are
# handled by the exactness test in `retrieve`.
_TOP_SLACK = 256
# Reads of the index alone before falling back to the join over every match (a very
# selective filter, e.g. a small radius, needs the full match list anyway).
_TOP_ROUNDS = 3


def _filtered(
    conn: Connection,
    top: Sequence[tuple[int, float]],
    conds: Sequence[Any],
    crit: Mapping[int, float] | None = None,
    criteria: dict[str, float] | None = None,
) -> list[tuple[str, float]]:
    """(nct_id, score) of the trials among `top` (doc_id, score) that pass the filters,
    best first (score, then NCT ID). `crit` (doc_id -> criteria-only BM25) is copied into
    `criteria` by NCT ID for the trials kept."""
    score = dict(top)
    ids = list(score)
    out: list[tuple[str, float]] = []
    for i in range(0, len(ids), 500):
        stmt = select(trials.c.doc_id, trials.c.nct_id).where(
            trials.c.doc_id.in_(ids[i : i + 500]), *conds
        )
        for doc_id, nct_id in conn.execute(stmt):
            out.append((nct_id, float(score[doc_id])))
            if crit is not None and criteria is not None:
                criteria[nct_id] = crit[doc_id]
    out.sort(key=lambda h: (-h[1], h[0]))
    return out


def _match_with_criteria(store: Store, tq: TextQuery) -> Subquery | None:
    """The store's FTS5 match (`SqliteFts5Index.match`: same query, same weights, same score)
    with a second column `crit`: the BM25 with only the eligibility criteria weighted
    (`rank.criteria_scores`). Computed in the same pass: FTS5 keeps each row's phrase hits
    for the second `bm25()`, which cost nothing measurable (30 TREC queries on the 6.8k
    store), where a separate pass over the matches cost as much as retrieval. None for
    another index."""
    if not isinstance(store.index, SqliteFts5Index):
        return None
    weights = ", ".join(str(w) for w in WEIGHTS)
    only = ", ".join("1.0" if f == "criteria" else "0.0" for f in FIELDS)
    stmt = text(
        f"SELECT rowid AS doc_id, -bm25({FTS_TABLE}, {weights}) AS score, "
        f"-bm25({FTS_TABLE}, {only}) AS crit "
        f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_q"
    ).bindparams(fts_q=to_fts5(tq))
    return stmt.columns(doc_id=Integer, score=Float, crit=Float).subquery("fts")


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
    criteria: dict[str, float] | None = None,
) -> list[tuple[str, float]]:
    """(nct_id, bm25) of the best `limit` trials for the patient query, filters applied.
    `criteria`: if given (and the index is FTS5), filled with each returned trial's
    criteria-only BM25, read in the same pass (`_match_with_criteria`).

    The index ranks on its own first (`ORDER BY score LIMIT k`, no join), then only those
    `k` trials are looked up in `trials` for the filters. Joining every match to `trials`
    before sorting (the OR query matches a third of the store) cost more than scoring at
    100k trials (docs/find.md, Scale). The answer is the same as the join's: it is returned
    only when every match was read, or when the `limit`-th trial kept scores strictly above
    the last one read (no unread trial can reach the page); otherwise `k` grows, and after
    `_TOP_ROUNDS` reads the join over every match runs."""
    if pq.is_empty() or limit <= 0:
        return []
    tq = TextQuery(
        phrases=parse_text(pq.text()),
        mode="any",
        conditions=parse_conditions(pq.cancer_conditions) if cancer_filter else [],
    )
    with_crit = _match_with_criteria(store, tq) if criteria is not None else None
    fts = with_crit if with_crit is not None else store.index.match(tq)
    cols = [fts.c.doc_id, fts.c.score] + ([fts.c.crit] if with_crit is not None else [])
    conds = _filters(pq, statuses, near, radius_km)
    k = 2 * limit + _TOP_SLACK
    for _ in range(_TOP_ROUNDS):
        top = conn.execute(select(*cols).order_by(fts.c.score.desc()).limit(k)).all()
        crit = {int(r[0]): float(r[2]) for r in top} if with_crit is not None else None
        found: dict[str, float] = {}
        hits = _filtered(conn, [(int(r[0]), float(r[1])) for r in top], conds, crit, found)
        if len(top) < k or (len(hits) >= limit and hits[limit - 1][1] > float(top[-1][1])):
            hits = hits[:limit]
            if criteria is not None:
                criteria.update((h[0], found[h[0]]) for h in hits if h[0] in found)
            return hits
        k *= 4
    stmt = select(trials.c.nct_id, *cols[1:]).join(fts, fts.c.doc_id == trials.c.doc_id)
    if conds:
        stmt = stmt.where(*conds)
    stmt = stmt.order_by(fts.c.score.desc(), trials.c.nct_id).limit(limit)
    rows = conn.execute(stmt).all()
    if criteria is not None and with_crit is not None:
        criteria.update((r[0], float(r[2])) for r in rows)
    return [(r[0], float(r[1])) for r in rows]


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


def _trial_ref(nct_id: str, doc: dict[str, Any]) -> _TrialRef:
    """From the trial's short fields (`rank.short_texts`, read once for matching and
    ranking): decoding every candidate's whole stored JSON for two titles cost more."""
    return _TrialRef(nct_id, doc.get("brief_title"), doc.get("official_title"))


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a find. Decoding the cached parses and
    matching make many small models that outlive a young collection, so full (generation 2)
    collections over the whole heap, 0.1-0.2 s each, fell inside single trials (the find
    spikes, docs/find.md). Reference counting still frees almost everything; the collector
    runs again when the last concurrent find leaves."""
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


def _tier(m: TrialMatch, rel: float, min_relevance: float, confident: bool) -> float:
    """2: eligible and a good text match; 1: possibly eligible, and eligible but a weak text
    match; 0.5: ineligible; 0: ineligible on a confident criterion (age, sex:
    `rank.confident_ineligible`). Ineligible trials always go last (the issue's order): a
    clinician must not meet a trial the tool rules out above one it does not."""
    if m.verdict == "ineligible":
        return 0.0 if confident else 0.5
    return 2.0 if m.verdict == "eligible" and rel >= min_relevance else 1.0


def _reason(
    m: TrialMatch, counts: dict[str, int], rel_rank: int, rel: float, confident: bool = False
) -> str:
    met = counts.get("met", 0) + counts.get("does_not_apply", 0)
    total = sum(v for k, v in counts.items() if k != "not_applicable")
    parts: list[str] = []
    if m.verdict == "ineligible":
        bad = [c.id for c in m.criteria if c.counted and c.status in ("not_met", "applies")]
        parts.append(f"ineligible: ruled out by {', '.join(bad[:4]) or 'a criterion'}")
        if confident:
            parts.append("age or sex (ranked last)")
    elif m.verdict == "eligible":
        parts.append(f"eligible: all {total} criteria met or not applying")
    else:
        parts.append(
            f"possibly eligible: {met} of {total} criteria met, {counts.get('unknown', 0)} unknown"
            + (f", {counts['review']} for review" if counts.get("review") else "")
        )
    parts.append(f"text match #{rel_rank}, relevance {rel:.0%} of the best")
    return "; ".join(parts)


RankedRow = tuple[TrialMatch, float, int, float, str, dict[str, int]]


def rank(
    matches: Sequence[tuple[TrialMatch, float, int]],
    ranking: Ranking = "verdict",
    *,
    min_relevance: float = MIN_RELEVANCE,
    relevance: Sequence[float] | None = None,
    confident: Sequence[bool] | None = None,
) -> list[RankedRow]:
    """(match, bm25, retrieval rank) -> (match, bm25, retrieval rank, rank score, reason,
    counts), best first. `relevance` (0..1 per match, `rank.fuse`; default BM25 relative to
    the best) and `confident` (the ineligible call rests on age/sex, `rank.confident_ineligible`;
    default none) come from the caller. `verdict`: eligible good text matches first, then
    possibly eligible (and weakly matching eligible) trials, ineligible last (confident calls
    at the very end), each tier by `rank_score`.
    `relevance`: one list by relevance, ineligible trials marked down."""
    top = max((s for _, s, _ in matches), default=0.0) or 1.0
    rels = list(relevance) if relevance is not None else [max(0.0, s) / top for _, s, _ in matches]
    sure = list(confident) if confident is not None else [False] * len(matches)
    keyed: list[tuple[float, RankedRow]] = []
    for (m, score, rrank), rel, conf in zip(matches, rels, sure, strict=True):
        counts = _counts(m)
        if ranking == "relevance":
            rs = round(rel * (INELIGIBLE_FACTOR if m.verdict == "ineligible" else 1.0), 6)
            tier = 0.0
        else:
            rs = rank_score(rel, m, counts)
            tier = _tier(m, rel, min_relevance, conf)
        row = (m, score, rrank, rs, _reason(m, counts, rrank, rel, conf), counts)
        keyed.append((tier, row))
    keyed.sort(key=lambda k: (-k[0], -k[1][3], k[1][2]))
    return [row for _, row in keyed]


def _signals(
    conn: Connection,
    profile: PatientProfile,
    pq: PatientQuery,
    matches: Sequence[tuple[TrialMatch, float, int]],
    dense: DenseScorer | None = None,
    short: dict[str, dict[str, Any]] | None = None,
    model: RankModel | None = None,
    criteria: Mapping[str, float] | None = None,
) -> list[float]:
    """Relevance 0..1 per match: retrieval BM25 fused with the short-field BM25 of the
    patient's words (`rank.field_scores`, the note's first sentence weighted
    `rank.lead_weights`), the criteria-only BM25 of the retrieval query
    (`rank.criteria_scores`) and, if given, the dense score (`search.dense`).
    `short`: the candidates' `rank.short_texts` if already read (more trials may be in it).
    `model`: a learned relevance model instead (`search.learned`; opt-in, docs/find.md).
    `criteria`: the candidates' criteria-only BM25 if read with retrieval (`retrieve`);
    otherwise one more FTS5 pass reads it (`rank.criteria_scores`)."""
    text = profile.note or pq.text()
    if short is None:
        docs = short_texts(conn, [m.nct_id for m, _, _ in matches])
    else:
        ids = {m.nct_id for m, _, _ in matches}
        docs = {k: d for k, d in short.items() if k in ids}
    if model is not None and conn.dialect.name == "sqlite":
        return learned_relevance(conn, model, profile, pq, matches, docs)
    words = query_words(text)
    fields = field_scores(
        conn, words, {k: short_text(d) for k, d in docs.items()}, lead_weights(text, words)
    )
    near = dense.scores(text, {k: dense_text(d) for k, d in docs.items()}) if dense else {}
    crit: Mapping[str, float] = {}
    if criteria:
        crit = criteria
    else:
        tq = TextQuery(phrases=parse_text(pq.text()), mode="any")
        if not tq.is_empty():
            crit = criteria_scores(conn, to_fts5(tq), [m.nct_id for m, _, _ in matches])
    return fuse(
        [
            Signals(
                bm25=s,
                field=fields.get(m.nct_id) if fields else None,
                dense=near.get(m.nct_id) if near else None,
                criteria=crit.get(m.nct_id, 0.0) if crit else None,
            )
            for m, s, _ in matches
        ]
    )


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
    dense: DenseScorer | None = None,
    relevance_model: RankModel | None = None,
) -> FindResult:
    """Ranked trials for one patient across the whole store (see the module docstring).
    `dense`: an optional embedding scorer fused into relevance (`search.dense`).
    `relevance_model`: a learned relevance (`search.learned`, opt-in) instead of the
    hand-set fusion; the verdict tiers stay."""
    from trialscout.search.filters import parse_status

    sts = [s if isinstance(s, OverallStatus) else parse_status(s) for s in statuses or []]
    # The collector stays paused for the whole find: decoding the candidates' cached parses
    # and matching them make many small objects, and the full collections they triggered
    # (over the whole heap) cost more than the decoding itself (docs/find.md, Scale).
    with _gc_paused():
        return _find(
            store,
            profile,
            sts,
            near=near,
            radius_km=radius_km,
            top=top,
            candidates=candidates,
            show_ineligible=show_ineligible,
            policy=policy,
            cancer_filter=cancer_filter,
            ranking=ranking,
            dense=dense,
            relevance_model=relevance_model,
        )


def _find(
    store: Store,
    profile: PatientProfile,
    sts: Sequence[OverallStatus],
    *,
    near: tuple[float, float] | None,
    radius_km: float | None,
    top: int,
    candidates: int,
    show_ineligible: bool,
    policy: MatchPolicy | None,
    cancer_filter: bool,
    ranking: Ranking,
    dense: DenseScorer | None,
    relevance_model: RankModel | None = None,
) -> FindResult:
    crit_scores: dict[str, float] = {}
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
            criteria=crit_scores,
        )
        ids = [h[0] for h in hits]
        # Titles, conditions and keywords of every candidate (matching needs the titles,
        # ranking all of them); the whole stored trial only where its parse is not cached.
        short = short_texts(conn, ids)
        cached = _cached_parses(conn, ids)
        loaded = _load_trials(conn, [i for i in ids if i in short and i not in cached])
        dist = _distances(conn, ids, near) if near is not None else {}
    if radius_km is not None and near is not None:
        hits = [h for h in hits if dist.get(h[0], float("inf")) <= radius_km]
    matches: list[tuple[TrialMatch, float, int]] = []
    confident: list[bool] = []
    memo: dict[str, Any] = {}  # profile-derived values, computed once for all candidates
    for i, (nct_id, score) in enumerate(hits, start=1):
        doc = short.get(nct_id)
        if doc is None:
            continue
        trial: Trial | _TrialRef
        parsed = cached.get(nct_id)
        if parsed is None:
            trial = Trial.model_validate_json(loaded[nct_id])
            parsed = get_or_parse(store, trial)
        else:
            trial = _trial_ref(nct_id, doc)
        m = match_trial(profile, trial, parsed, policy=policy, memo=memo)
        matches.append((m, score, i))
        confident.append(confident_ineligible(m, parsed))
    with store.engine.connect() as conn:
        relevance = _signals(
            conn, profile, pq, matches, dense, short, relevance_model, crit_scores or None
        )
    ranked = rank(matches, ranking, relevance=relevance, confident=confident)
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
