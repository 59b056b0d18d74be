"""Runs a SearchQuery: portable SQL for filters, the dialect index for text, Python for distance."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, func, literal, or_, select

from trialscout.registry.model import OverallStatus, Phase, Sex
from trialscout.search import SearchPage, SearchQuery, SearchResult
from trialscout.search.filters import bounding_box, haversine_km
from trialscout.search.text import TextQuery, parse_conditions, parse_text
from trialscout.store.schema import countries, locations, trials
from trialscout.store.search_index import SearchIndex


def _filters(q: SearchQuery) -> list[Any]:
    t = trials.c
    conds: list[Any] = []
    if q.statuses:
        conds.append(t.overall_status.in_([s.value for s in q.statuses]))
    if q.phases:
        conds.append(or_(*[t.phases.like(f"%|{p.value}|%") for p in q.phases]))
    if q.study_type:
        conds.append(t.study_type == q.study_type.value)
    if q.age is not None:
        conds.append(or_(t.min_age_years.is_(None), t.min_age_years <= q.age))
        conds.append(or_(t.max_age_years.is_(None), t.max_age_years >= q.age))
    if q.sex in (Sex.FEMALE, Sex.MALE):
        conds.append(or_(t.sex.is_(None), t.sex.in_([Sex.ALL.value, q.sex.value])))
    if q.countries:
        keys = [c.lower() for c in q.countries]
        conds.append(
            exists().where(and_(countries.c.nct_id == t.nct_id, countries.c.country_key.in_(keys)))
        )
    return conds


def _text_query(q: SearchQuery) -> TextQuery:
    return TextQuery(
        phrases=parse_text(q.text), mode=q.match, conditions=parse_conditions(q.conditions)
    )


# Rows read past the page in `_text_only_page`, so that trials tied on score at the page's edge
# are all seen (copies of one record score the same).
_TIE_SLACK = 256


def _text_only_page(
    conn: Connection, index: SearchIndex, tq: TextQuery, q: SearchQuery
) -> tuple[int, list[tuple[str, float]]] | None:
    """A text query with no filter: rank in the full-text index alone, then look up only the
    page's trials. The general query joins every match to `trials` before sorting, which at
    100k trials cost more than scoring them. None when ties run past what was read (the
    caller then runs the general query); the order and the total are the same either way."""
    fts = index.match(tq)
    k = q.offset + q.limit
    top = conn.execute(
        select(fts.c.doc_id, fts.c.score).order_by(fts.c.score.desc()).limit(k + _TIE_SLACK)
    ).all()
    if len(top) < k + _TIE_SLACK:
        total = len(top)  # every match was read
    elif top[-1][1] < top[k - 1][1]:
        # The index and `trials` are written in the same transactions: one row each per trial.
        total = conn.execute(select(func.count()).select_from(fts)).scalar_one()
    else:
        return None
    edge = top[k - 1][1] if len(top) >= k else None
    score = {r[0]: r[1] for r in top if edge is None or r[1] >= edge}
    if not score or q.offset >= len(score):
        return total, []
    rows = conn.execute(
        select(trials.c.doc_id, trials.c.nct_id)
        .where(trials.c.doc_id.in_(list(score)))
        .order_by(trials.c.last_update.desc(), trials.c.nct_id)
    ).all()
    # Stable: equal scores keep the database's (last_update desc, nct_id) order.
    ranked = sorted(((r[1], score[r[0]]) for r in rows), key=lambda r: -r[1])
    return total, ranked[q.offset : k]


def _candidates(q: SearchQuery, index: SearchIndex) -> tuple[Select[Any], bool]:
    tq = _text_query(q)
    if tq.is_empty():
        stmt = select(trials.c.nct_id, literal(None).label("score"), trials.c.last_update)
        has_text = False
    else:
        fts = index.match(tq)
        stmt = select(trials.c.nct_id, fts.c.score, trials.c.last_update).join(
            fts, fts.c.doc_id == trials.c.doc_id
        )
        has_text = bool(tq.phrases)
    conds = _filters(q)
    if conds:
        stmt = stmt.where(*conds)
    return stmt, has_text


def _recruiting_sites(
    conn: Connection, ids_sub: Any, q: SearchQuery
) -> dict[str, tuple[float, str | None]]:
    """Nearest RECRUITING site per trial: (km, geo_source). Sites without a point (no registry
    geoPoint and a city the gazetteer does not know) do not count."""
    assert q.near is not None
    lat0, lon0 = q.near.lat, q.near.lon
    loc = locations.c
    stmt = select(loc.nct_id, loc.lat, loc.lon, loc.geo_source).where(
        loc.status == OverallStatus.RECRUITING.value,
        loc.lat.is_not(None),
        loc.lon.is_not(None),
        loc.nct_id.in_(select(ids_sub.c.nct_id)),
    )
    if q.radius_km is not None:
        box = bounding_box(lat0, lon0, q.radius_km)
        if box is not None:
            stmt = stmt.where(loc.lat.between(box[0], box[1]), loc.lon.between(box[2], box[3]))
    best: dict[str, tuple[float, str | None]] = {}
    for nct_id, lat, lon, source in conn.execute(stmt):
        d = haversine_km(lat0, lon0, lat, lon)
        if q.radius_km is not None and d > q.radius_km:
            continue
        # On a tie the registry's own point wins over a city centroid.
        if nct_id not in best or (d, source != "registry") < (
            best[nct_id][0],
            best[nct_id][1] != "registry",
        ):
            best[nct_id] = (d, source)
    return best


def _details(
    conn: Connection, ids: list[str], q: SearchQuery
) -> tuple[dict[str, tuple[Any, ...]], dict[str, list[str]]]:
    rows = conn.execute(
        select(
            trials.c.nct_id, trials.c.title, trials.c.overall_status, trials.c.phases, trials.c.data
        ).where(trials.c.nct_id.in_(ids))
    )
    details = {r[0]: tuple(r) for r in rows}
    matched: dict[str, list[str]] = {}
    if q.countries:
        keys = [c.lower() for c in q.countries]
        for nct_id, country in conn.execute(
            select(countries.c.nct_id, countries.c.country)
            .where(countries.c.nct_id.in_(ids), countries.c.country_key.in_(keys))
            .order_by(countries.c.country)
        ):
            matched.setdefault(nct_id, []).append(country)
    return details, matched


def _page(
    conn: Connection,
    q: SearchQuery,
    total: int,
    ranked: Iterable[tuple[str, float | None, tuple[float, str | None] | None]],
) -> SearchPage:
    ranked = list(ranked)
    ids = [r[0] for r in ranked]
    details, matched = _details(conn, ids, q)
    results = []
    for nct_id, score, near in ranked:
        dist, geo_source = near if near is not None else (None, None)
        _, title, status, phases, data = details[nct_id]
        doc = json.loads(data)
        results.append(
            SearchResult(
                nct_id=nct_id,
                title=title or nct_id,
                status=OverallStatus(status) if status else None,
                phases=[Phase(p) for p in phases.strip("|").split("|") if p],
                conditions=doc.get("conditions", []),
                score=round(score, 4) if score is not None else None,
                distance_km=round(dist, 1) if dist is not None else None,
                geo_source=geo_source if geo_source in ("registry", "city") else None,
                matched_countries=matched.get(nct_id, []),
                last_update=(doc.get("last_update_posted_date") or {}).get("date"),
            )
        )
    return SearchPage(total=total, results=results)


def run_search(conn: Connection, index: SearchIndex, q: SearchQuery) -> SearchPage:
    stmt, has_text = _candidates(q, index)
    if q.near is None:
        if has_text and not _filters(q):
            fast = _text_only_page(conn, index, _text_query(q), q)
            if fast is not None:
                total, hits = fast
                return _page(conn, q, total, [(nct_id, s, None) for nct_id, s in hits])
        sub = stmt.subquery()
        order = (
            [sub.c.score.desc(), sub.c.last_update.desc(), sub.c.nct_id]
            if has_text
            else [sub.c.last_update.is_(None), sub.c.last_update.desc(), sub.c.nct_id]
        )
        # One pass over the matches gives the page and the exact total (a window count);
        # a separate count query would run the full-text match a second time.
        rows = conn.execute(
            select(sub.c.nct_id, sub.c.score, func.count().over().label("total"))
            .order_by(*order)
            .limit(q.limit)
            .offset(q.offset)
        ).all()
        if rows:
            total = int(rows[0][2])
        else:
            # An empty page (no match, or an offset past the end) carries no window row.
            total = conn.execute(select(func.count()).select_from(sub)).scalar_one()
        return _page(conn, q, total, [(r[0], r[1], None) for r in rows])

    # Distance: every candidate's nearest recruiting site, then rank in Python.
    sub = stmt.subquery()
    best = _recruiting_sites(conn, sub, q)
    cands = conn.execute(select(sub.c.nct_id, sub.c.score, sub.c.last_update)).all()
    keep = [
        (nct_id, score, last_update, best.get(nct_id))
        for nct_id, score, last_update in cands
        if q.radius_km is None or nct_id in best
    ]
    inf = float("inf")
    if has_text:
        keep.sort(key=lambda r: (-(r[1] or 0.0), r[3][0] if r[3] is not None else inf, r[0]))
    else:
        keep.sort(key=lambda r: (r[3][0] if r[3] is not None else inf, r[0]))
    page = keep[q.offset : q.offset + q.limit]
    return _page(conn, q, len(keep), [(r[0], r[1], r[3]) for r in page])
