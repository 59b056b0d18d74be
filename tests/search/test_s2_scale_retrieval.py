"""Registry-scale retrieval: the index-first top-k of `find.retrieve` returns exactly what the
join over every match returned, the document-frequency counts (capped, cached) match the
index, and the scale benchmark harness runs end to end on a tiny replicated corpus."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select

from trialscout.patient.loader import load_note
from trialscout.registry.model import OverallStatus
from trialscout.search import find
from trialscout.search.find import _filters, retrieve
from trialscout.search.patient_query import (
    DF_CACHE,
    PatientQuery,
    WeightedTerm,
    build_query,
    document_frequencies,
)
from trialscout.search.text import TextQuery, parse_conditions, parse_text
from trialscout.store import Store
from trialscout.store.schema import trials
from trialscout.store.search_index import _varint, fts5_doc_count, fts5_row_count

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "trec_tiny"
N = 40  # 8 real trials, each copied 5 times (copies without keywords tie on score)


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench/bench_scale.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_scale"] = mod
    spec.loader.exec_module(mod)
    return mod


def _notes() -> list[str]:
    lines = (TINY / "queries.jsonl").read_text().splitlines()
    return [json.loads(ln)["text"] for ln in lines if ln.strip()]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _bench()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory, bench: ModuleType) -> Path:
    db = tmp_path_factory.mktemp("scale") / "scale.db"
    base = bench.load_base(TINY / "trials")
    assert len(base) == 8
    out = bench.build(db, base, N)
    assert out["trials"] == N
    return db


@pytest.fixture()
def store(store_path: Path) -> Iterator[Store]:
    with Store.open(store_path) as s:
        yield s


def _join_reference(
    store: Store, pq: PatientQuery, limit: int, **kw: Any
) -> list[tuple[str, float]]:
    """The retrieval before the index-first top-k: every match joined to `trials`."""
    if pq.is_empty():
        return []
    cancer = kw.pop("cancer_filter", False)
    tq = TextQuery(
        phrases=parse_text(pq.text()),
        mode="any",
        conditions=parse_conditions(pq.cancer_conditions) if cancer else [],
    )
    fts = store.index.match(tq)
    stmt = select(trials.c.nct_id, fts.c.score).join(fts, fts.c.doc_id == trials.c.doc_id)
    conds = _filters(pq, kw.get("statuses", ()), None, None)
    if conds:
        stmt = stmt.where(*conds)
    stmt = stmt.order_by(fts.c.score.desc(), trials.c.nct_id).limit(limit)
    with store.engine.connect() as conn:
        return [(r[0], float(r[1])) for r in conn.execute(stmt)]


def _queries(store: Store) -> list[PatientQuery]:
    out: list[PatientQuery] = []
    with store.engine.connect() as conn:
        for text in _notes():
            profile = load_note(text, source="<test>", as_of=dt.date(2021, 6, 1)).profile
            # Every word is in 5+ of the 40 trials: allow common words, or nothing is left.
            pq = build_query(conn, profile, max_df_share=0.6)
            assert not pq.is_empty()
            out.append(pq)
    # Broad one-word queries: many trials, many ties (copies of one record).
    out.append(PatientQuery(words=[WeightedTerm("patients", 1, 1.0)]))
    out.append(PatientQuery(words=[WeightedTerm("patients", 1, 1.0)], age=10.0, sex="male"))
    out.append(
        PatientQuery(
            concepts=["astrocytoma"],
            words=[WeightedTerm("radiation", 1, 1.0)],
            cancer_conditions=["astrocytoma"],
        )
    )
    return out


@pytest.mark.parametrize("slack,rounds", [(256, 3), (0, 3), (0, 1)])
def test_retrieve_equals_the_join_over_every_match(
    store: Store, monkeypatch: pytest.MonkeyPatch, slack: int, rounds: int
) -> None:
    # slack 0 makes the first read short (k = 2 x limit), so the exactness test, the
    # growing k and (with one round) the fallback to the join all run.
    monkeypatch.setattr(find, "_TOP_SLACK", slack)
    monkeypatch.setattr(find, "_TOP_ROUNDS", rounds)
    statuses = [OverallStatus.RECRUITING, OverallStatus.COMPLETED]
    checked = 0
    for pq in _queries(store):
        for limit in (1, 3, 7, 12, 40):
            for kw in ({}, {"statuses": statuses}, {"cancer_filter": True}):
                if kw.get("cancer_filter") and not pq.cancer_conditions:
                    continue
                with store.engine.connect() as conn:
                    got = retrieve(conn, store, pq, limit=limit, **kw)
                assert got == _join_reference(store, pq, limit, **kw), (pq.text(), limit, kw)
                checked += bool(got)
    assert checked > 20


def test_retrieve_ties_at_the_page_edge_are_cut_by_nct_id(store: Store) -> None:
    pq = PatientQuery(words=[WeightedTerm("patients", 1, 1.0)])
    ref = _join_reference(store, pq, N)
    scores = [s for _, s in ref]
    assert len(set(scores)) < len(scores)  # the corpus does have ties
    with store.engine.connect() as conn:
        for limit in range(1, len(ref) + 1):
            assert retrieve(conn, store, pq, limit=limit) == ref[:limit]
        assert retrieve(conn, store, pq, limit=0) == []


def test_document_frequencies_capped_and_cached(store: Store) -> None:
    words = ["temozolomide", "astrocytomas", "patients", "radiation", "nonexistentword"]
    DF_CACHE.clear()
    with store.engine.connect() as conn:
        n, exact = document_frequencies(conn, words)
        assert n == N
        cur = conn.connection.dbapi_connection.cursor()
        for w in words:
            assert exact[w] == fts5_doc_count(cur, w)
        assert exact["nonexistentword"] == 0 and exact["patients"] > 10
        # A cap only hides counts above it (cap + 1 reads as "too common").
        _, capped = document_frequencies(conn, words, cap=10)
        assert capped == {w: min(df, 11) for w, df in exact.items()}
        # Cached: the same answers, also for a higher cap than a capped count was read with.
        _, again = document_frequencies(conn, words)
        assert again == exact
        DF_CACHE.clear()
        _, capped2 = document_frequencies(conn, words, cap=10)
        _, exact2 = document_frequencies(conn, words)
        assert capped2 == capped and exact2 == exact


def test_document_frequency_cache_follows_writes(tmp_path: Path, bench: ModuleType) -> None:
    base = bench.load_base(TINY / "trials")
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        store.upsert_batch(base[:4])
        DF_CACHE.clear()
        with store.engine.connect() as conn:
            n1, d1 = document_frequencies(conn, ["patients"])
        store.upsert_batch(base[4:])
        with store.engine.connect() as conn:
            n2, d2 = document_frequencies(conn, ["patients"])
            cur = conn.connection.dbapi_connection.cursor()
            assert d2["patients"] == fts5_doc_count(cur, "patients")
        assert (n1, n2) == (4, 8)
        assert d2["patients"] > d1["patients"]


def test_row_count_from_the_averages_record(store: Store, store_path: Path) -> None:
    with store.engine.connect() as conn:
        cur = conn.connection.dbapi_connection.cursor()
        assert fts5_row_count(cur) == N
    raw = sqlite3.connect(store_path)
    try:
        assert raw.execute("SELECT count(*) FROM trials_fts_docsize").fetchone()[0] == N
    finally:
        raw.close()
    # SQLite varints: 1 byte under 128, big-endian 7-bit groups, a 9th byte of 8 bits.
    assert _varint(b"\x28") == 40
    assert _varint(b"\x96\xf9\x40") == 376_000
    assert _varint(b"\x81\x00") == 128
    assert _varint(b"\xff" * 9) == 2**64 - 1
    assert _varint(b"\x81") is None


def test_bench_harness_measures_a_tiny_store(store_path: Path, bench: ModuleType) -> None:
    out = bench.measure(store_path, _notes(), rounds=1)
    for name in ("search", "retrieval_selective", "build_query", "find"):
        assert out[f"{name}_p50_ms"] <= out[f"{name}_p95_ms"]
        assert out[f"{name}_cpu_p50_ms"] >= 0
    assert out["find_patients"] == len(_notes())
    assert out["query_terms_mean"] > 0
