"""`find` made cheaper without changing its results (session 3, docs/find.md "Scale").

The fast path (the collector paused for the whole find, titles from the short fields instead
of the whole stored trial, the whole trial read only where the parse is not cached, cached
missing-fact questions and names, de-duplication by key) must give exactly what the plain
path gives: every candidate's full Trial, its parse through `get_or_parse`, a memo-less
`match_trial`, the ranking signals read on their own."""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import delete

from trialscout.criteria.cache import get_or_parse
from trialscout.match import TrialMatch, match_trial
from trialscout.match import engine as match_engine
from trialscout.match.evaluators import common
from trialscout.match.logic import Outcome, _missing
from trialscout.match.result import MissingFact, MissingItem
from trialscout.patient.loader import load_note
from trialscout.patient.profile import PatientProfile
from trialscout.search import find
from trialscout.search.find import _signals, find_trials, rank, retrieve
from trialscout.search.patient_query import build_query
from trialscout.search.rank import confident_ineligible
from trialscout.store import Store
from trialscout.store.schema import criteria as criteria_table

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "trec_tiny"
N = 24  # the 8 real trials, each 3 times


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale_s3", ROOT / "bench/bench_scale.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_scale_s3"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bench = _bench()
    db = tmp_path_factory.mktemp("speed3") / "speed3.db"
    base = bench.load_base(TINY / "trials")
    assert bench.build(db, base, N)["trials"] == N
    return db


@pytest.fixture()
def store(store_path: Path) -> Iterator[Store]:
    with Store.open(store_path) as s:
        yield s


@pytest.fixture(scope="module")
def profiles() -> list[PatientProfile]:
    lines = (TINY / "queries.jsonl").read_text().splitlines()
    notes = [json.loads(ln)["text"] for ln in lines if ln.strip()]
    return [load_note(t, source="<test>", as_of=dt.date(2021, 6, 1)).profile for t in notes]


def _wide_query(conn: Any, profile: PatientProfile) -> Any:
    # Every word is in 3+ of the 24 trials: allow common words, or only concepts are left.
    return build_query(conn, profile, max_df_share=0.6)


def _plain(store: Store, profile: PatientProfile, candidates: int) -> list[dict[str, Any]]:
    """The find pipeline without its shortcuts, as the rows `find_trials` returns."""
    with store.engine.connect() as conn:
        pq = _wide_query(conn, profile)
        hits = retrieve(conn, store, pq, limit=candidates)
    matches: list[tuple[TrialMatch, float, int]] = []
    confident: list[bool] = []
    for i, (nct_id, score) in enumerate(hits, start=1):
        trial = store.get_trial(nct_id)
        assert trial is not None
        parsed = get_or_parse(store, trial)
        m = match_trial(profile, trial, parsed)
        matches.append((m, score, i))
        confident.append(confident_ineligible(m, parsed))
    with store.engine.connect() as conn:
        relevance = _signals(conn, profile, pq, matches)
    ranked = rank(matches, relevance=relevance, confident=confident)
    return [
        {
            "match": m.model_dump(),
            "retrieval_score": round(score, 4),
            "retrieval_rank": rrank,
            "rank_score": rs,
            "rank_reason": reason,
            "counts": counts,
        }
        for m, score, rrank, rs, reason, counts in ranked
    ]


def _fast(store: Store, profile: PatientProfile, candidates: int) -> list[dict[str, Any]]:
    res = find_trials(store, profile, top=candidates, candidates=candidates, show_ineligible=True)
    assert [r.rank for r in res.results] == list(range(1, len(res.results) + 1))
    return [
        {
            "match": r.match.model_dump(),
            "retrieval_score": r.retrieval_score,
            "retrieval_rank": r.retrieval_rank,
            "rank_score": r.rank_score,
            "rank_reason": r.rank_reason,
            "counts": r.counts,
        }
        for r in res.results
    ]


def test_find_equals_the_plain_path(
    store: Store, profiles: list[PatientProfile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(find, "build_query", _wide_query)
    checked = 0
    for n, profile in enumerate(profiles):
        if n == 0:
            # Its best candidate without a cached parse: find reads the whole record.
            with store.engine.begin() as conn:
                first = retrieve(conn, store, _wide_query(conn, profile), limit=1)[0][0]
                conn.execute(delete(criteria_table).where(criteria_table.c.nct_id == first))
            assert store.get_criteria(first) is None
        fast = _fast(store, profile, N)
        if n == 0:
            assert store.get_criteria(first) is not None  # parsed by find, and cached
        assert fast == _plain(store, profile, N)
        checked += len(fast)
        # The missing facts of every match, against the roll-up as it was written before.
        for row in fast:
            m = TrialMatch.model_validate(row["match"])
            assert m.missing == _old_missing_items(m)
    assert checked >= 10


def _old_missing_items(m: TrialMatch) -> list[MissingItem]:
    """`match_trial`'s missing-fact list as it was built before session 3."""
    facts: dict[str, MissingItem] = {}
    for r in m.criteria:
        if not r.counted or r.status != "unknown":
            continue
        for f in r.missing:
            item = facts.get(f.fact)
            ids = [*(item.criteria if item else []), r.id]
            facts[f.fact] = MissingItem(fact=f.fact, question=f.question, criteria=ids)
    order = list(facts)
    return sorted(facts.values(), key=lambda x: (-len(x.criteria), order.index(x.fact)))


def test_find_restores_the_collector(
    store: Store, profiles: list[PatientProfile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(find, "build_query", _wide_query)
    profile = profiles[0]
    assert gc.isenabled()
    seen: list[bool] = []
    real = find.match_trial

    def spy(*a: Any, **k: Any) -> TrialMatch:
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(find, "match_trial", spy)
    find_trials(store, profile, candidates=N)
    assert seen and not any(seen)  # paused while matching
    assert gc.isenabled()

    def boom(*a: Any, **k: Any) -> TrialMatch:
        raise RuntimeError("boom")

    monkeypatch.setattr(find, "match_trial", boom)
    with pytest.raises(RuntimeError):
        find_trials(store, profile, candidates=N)
    assert gc.isenabled()


def _old_missing(parts: list[Outcome]) -> list[MissingFact]:
    out: list[MissingFact] = []
    for p in parts:
        for m in p.missing:
            if m not in out:
                out.append(m)
    return out


def test_missing_facts_deduplicated_as_by_model_equality() -> None:
    rng = random.Random(3)
    facts = [f"lab:{x}" for x in "abc"]
    questions = ["Q1?", "Q2?"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(0, 4)):
            miss: list[MissingFact] = []
            for _ in range(rng.randint(0, 4)):
                f, q = rng.choice(facts), rng.choice(questions)
                if rng.random() < 0.2:  # a subclass is never equal to a plain fact
                    miss.append(MissingItem(fact=f, question=q, criteria=["inc-1"]))
                else:
                    miss.append(MissingFact(fact=f, question=q))
            parts.append(Outcome(None, "r", [], miss))
        got, want = _missing(parts), _old_missing(parts)
        assert got == want
        assert [type(m) for m in got] == [type(m) for m in want]


def test_norm_and_ask_cached_as_computed() -> None:
    for s in ["HBV_DNA", "  Hepatitis-B / C  ", None, "", "ECOG\tPS", "hbv dna"]:
        assert common.norm(s) == re.sub(r"[\s_\-/]+", " ", (s or "").lower()).strip()
    q = common.ask("lab:hemoglobin", "lab", label="hemoglobin")
    assert q == MissingFact(fact="lab:hemoglobin", question=q.question)
    assert common.ask("lab:hemoglobin", "lab", label="hemoglobin") == q
    # 1 and 1.0 hash alike: the cache must not hand one's question to the other
    kind = "condition"
    a = common.ask("condition:x", kind, label=1)  # type: ignore[arg-type]
    b = common.ask("condition:x", kind, label=1.0)  # type: ignore[arg-type]
    assert "1.0" in b.question and "1.0" not in a.question
    # an unhashable fill value still gets its question
    c = common.ask("condition:x", kind, label=["x"])  # type: ignore[arg-type]
    assert "['x']" in c.question


def test_required_cancers_memo_equals_the_tree_walk(store: Store) -> None:
    checked = 0
    for nct_id in ("NCT00002814", "NCT00004332", "NCT00005081", "NCT00497575"):
        trial = store.get_trial(nct_id)
        if trial is None:
            continue
        parsed = get_or_parse(store, trial)
        req = match_engine._Required(parsed)
        for c in parsed.criteria:
            assert req(c.id) == frozenset(match_engine._cancers(c.expr))
            assert req(c.id) is req(c.id)
            checked += 1
    assert checked
