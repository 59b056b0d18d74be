"""Search pages and totals stay exact on the fast (index-only) path and on the general path,
with many trials tied on score; `find`'s shared per-profile memo changes no match."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import trialscout.search.engine as engine
from trialscout.criteria.parser import parse_criteria
from trialscout.match import match_trial
from trialscout.patient.profile import PatientProfile
from trialscout.registry.model import DatedEvent, OverallStatus, Trial
from trialscout.search import SearchQuery
from trialscout.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "match"


@dataclass(frozen=True)
class Raw:
    source: str
    format: str
    payload: bytes


def _trial(i: int) -> Trial:
    # Three texts only, so most trials tie on score; last-update dates tie too. Trials 60 and
    # up are about something else, so that the NPC words are rare enough to score.
    extra = ["", " carcinoma", " carcinoma carcinoma"][i % 3]
    npc = i < 60
    return Trial(
        nct_id=f"NCT{90000000 + i:08d}",
        brief_title=f"Nasopharyngeal carcinoma study{extra}" if npc else "Knee osteoarthritis",
        overall_status=OverallStatus.RECRUITING if i % 2 else OverallStatus.COMPLETED,
        conditions=["Nasopharyngeal Carcinoma" if npc else "Osteoarthritis"],
        last_update_posted_date=DatedEvent(date=f"2020-0{1 + i % 4}-01"),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "ties.db") as s:
        s.upsert_batch(
            [(t, Raw(t.nct_id, "ctgov-json-v2", b"{}")) for t in map(_trial, range(240))]
        )
        yield s


def _pages(store: Store, q: str, limit: int) -> tuple[list[int], list[str]]:
    totals: list[int] = []
    ids: list[str] = []
    for off in range(0, 70, limit):
        page = store.search(SearchQuery(text=q, limit=limit, offset=off))
        totals.append(page.total)
        ids += [r.nct_id for r in page.results]
    return totals, ids


@pytest.mark.parametrize("slack", [0, 1, 5, 256])
def test_pages_and_totals_match_one_big_page(
    store: Store, monkeypatch: pytest.MonkeyPatch, slack: int
) -> None:
    whole = store.search(SearchQuery(text="nasopharyngeal carcinoma", limit=100))
    assert whole.total == 60
    assert len({r.score for r in whole.results}) == 3  # ties on score
    monkeypatch.setattr(engine, "_TIE_SLACK", slack)  # 0/1: ties run past -> general path
    for limit in (1, 7, 20):
        totals, ids = _pages(store, "nasopharyngeal carcinoma", limit)
        assert set(totals) == {60}
        assert ids == [r.nct_id for r in whole.results]


def test_general_path_orders_ties_like_the_fast_path(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = store.search(SearchQuery(text="carcinoma", limit=30, offset=10))
    monkeypatch.setattr(engine, "_text_only_page", lambda *a: None)
    slow = store.search(SearchQuery(text="carcinoma", limit=30, offset=10))
    assert fast == slow
    # Within one score, newest first, then by NCT ID.
    whole = store.search(SearchQuery(text="carcinoma", limit=100)).results
    want = sorted(whole, key=lambda r: r.nct_id)
    want.sort(key=lambda r: r.last_update or "", reverse=True)
    want.sort(key=lambda r: -(r.score or 0.0))
    assert [r.nct_id for r in fast.results] == [r.nct_id for r in want[10:40]]


def test_offset_past_the_end_keeps_the_total(store: Store) -> None:
    page = store.search(SearchQuery(text="nasopharyngeal", limit=20, offset=500))
    assert page.total == 60 and page.results == []
    filtered = store.search(
        SearchQuery(text="nasopharyngeal", limit=20, offset=500, statuses=["RECRUITING"])
    )
    assert filtered.total == 30 and filtered.results == []
    assert store.search(SearchQuery(text="glioblastoma", limit=5)).total == 0


def test_filtered_window_total_is_exact(store: Store) -> None:
    page = store.search(SearchQuery(text="carcinoma", limit=4, statuses=["RECRUITING"]))
    assert page.total == 30
    assert len(page.results) == 4


def test_shared_memo_gives_the_same_matches() -> None:
    profile = PatientProfile.model_validate_json(
        (FIXTURES / "recurrent_npc_after_gp_pd1.json").read_text()
    )
    texts = [
        "Inclusion Criteria:\n- Prior platinum-based chemotherapy\n- No prior PD-1 inhibitor\n"
        "Exclusion Criteria:\n- History of HIV infection\n- Other malignancy within 5 years",
        "Inclusion Criteria:\n- Age >= 18 years\n- ECOG 0-1\n"
        "Exclusion Criteria:\n- Prior anti-PD-1 therapy\n- Active hepatitis B",
    ]
    memo: dict[str, Any] = {}
    for n, text in enumerate(texts):
        parsed = parse_criteria(text, f"NCT0000000{n}")
        alone = match_trial(profile, None, parsed)
        shared = match_trial(profile, None, parsed, memo=memo)
        assert alone == shared
    assert "treatment_infos" in memo
