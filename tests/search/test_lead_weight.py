"""Session 5 ranking signals (docs/find.md "Session 5"): the note's first sentence weighs
double in `find`'s short-field BM25 (`rank.lead_weights`), and the criteria-only BM25 of the
retrieval query (`rank.criteria_scores`) is fused into the relevance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from trialscout.match import TrialMatch
from trialscout.patient.loader import load_note
from trialscout.registry.ingest import ingest_paths
from trialscout.search import find as find_module
from trialscout.search.find import _signals
from trialscout.search.patient_query import build_query
from trialscout.search.rank import (
    CRITERIA_WEIGHT,
    LEAD_WEIGHT,
    Signals,
    criteria_scores,
    field_scores,
    fuse,
    lead_weights,
    query_words,
)
from trialscout.search.text import TextQuery, parse_text
from trialscout.store import Store
from trialscout.store.search_index import to_fts5

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "trec_tiny" / "trials"
ACROMEGALY = ("NCT00004332", "NCT00005100")
GLIOMA = ("NCT00005081", "NCT00005637")
AS_OF = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("lead") / "store.db"
    with Store.open(path) as s:
        assert ingest_paths([TINY], s, progress=False).failed == 0
        yield s


def test_first_sentence_words_weigh_more() -> None:
    text = "A 40-year-old man with acromegaly. He also has a glioma! Seen again? Yes."
    w = lead_weights(text, query_words(text))
    assert LEAD_WEIGHT > 1.0
    assert w["acromegaly"] == LEAD_WEIGHT and w["man"] == LEAD_WEIGHT
    assert w["glioma"] == 1.0 and w["seen"] == 1.0 and w["yes"] == 1.0


def test_one_sentence_weighs_every_word_alike() -> None:
    # A structured profile's query has no sentence end: every word is in the "first sentence".
    text = '"anaplastic astrocytoma" temozolomide spine'
    assert set(lead_weights(text, query_words(text)).values()) == {LEAD_WEIGHT}
    assert lead_weights("", ["glioma"]) == {"glioma": 1.0}
    # A period inside a word or number does not end the sentence.
    text = "Temozolomide 2.5 mg/kg for glioma.grade 3"
    assert set(lead_weights(text, query_words(text)).values()) == {LEAD_WEIGHT}


def test_weights_scale_the_short_field_score(store: Store) -> None:
    """Two one-word titles with words unknown to the store (same document frequency, 0):
    equal without weights, the lead word's trial scores LEAD_WEIGHT times the other."""
    docs = {"lead": "zorbelitis", "later": "quafflosis"}
    text = "Patient with zorbelitis. Also quafflosis."
    words = query_words(text)
    with store.engine.connect() as conn:
        plain = field_scores(conn, words, docs)
        weighted = field_scores(conn, words, docs, lead_weights(text, words))
        # Uniform weights change nothing relative to the best.
        uniform = field_scores(conn, words, docs, dict.fromkeys(words, 3.0))
    assert plain["lead"] == pytest.approx(plain["later"]) and plain["lead"] > 0
    assert weighted["lead"] == pytest.approx(LEAD_WEIGHT * weighted["later"])
    assert uniform["lead"] / uniform["later"] == pytest.approx(1.0)


def test_words_sharing_a_stem_take_the_higher_weight(store: Store) -> None:
    docs = {"a": "Recurrent Glioma", "b": "Acromegaly"}
    text = "Man with gliomas. A glioma again and acromegaly."
    words = query_words(text)
    with store.engine.connect() as conn:
        weighted = field_scores(conn, words, docs, lead_weights(text, words))
        flat = field_scores(conn, words, docs, {w: 1.0 for w in words} | {"gliomas": 2.0})
    assert weighted == pytest.approx(flat)


def _relevance(store: Store, note: str) -> dict[str, float]:
    profile = load_note(note, source="<test>", as_of=AS_OF).profile
    matches = [
        (TrialMatch(nct_id=n, verdict="possibly_eligible", score=0.0), 1.0, i)
        for i, n in enumerate(ACROMEGALY + GLIOMA, start=1)
    ]
    with store.engine.connect() as conn:
        rel = _signals(conn, profile, build_query(conn, profile), matches)
    return {m.nct_id: r for (m, _, _), r in zip(matches, rel, strict=True)}


def test_find_relevance_favours_the_disease_named_first(store: Store) -> None:
    """The same two sentences in either order and the same retrieval score for every trial:
    only the lead weighting moves the trials about the disease named first."""
    acro_first = _relevance(store, "A 40-year-old man with acromegaly. He also has a glioma.")
    glioma_first = _relevance(store, "A 40-year-old man with a glioma. He also has acromegaly.")
    for a in ACROMEGALY:
        for g in GLIOMA:
            # The retrieval and criteria scores are the same for both notes (same words):
            # the gap between the two diseases' trials moves towards the one named first.
            assert acro_first[a] - acro_first[g] > glioma_first[a] - glioma_first[g]


# ------------------------------------------------------------------ criteria-only BM25


def test_criteria_scores_read_the_criteria_column_only(store: Store) -> None:
    """'leuprolide' is in NCT00004438's title only, 'hypogonadism' in NCT00004332's criteria:
    only the criteria count; a trial the query does not match is left out."""
    ids = ["NCT00004438", "NCT00004332", "NCT00005100"]
    with store.engine.connect() as conn:
        got = criteria_scores(conn, '"leuprolide" OR "hypogonadism"', ids)
        assert criteria_scores(conn, "", ids) == {}
        assert criteria_scores(conn, '"leuprolide"', []) == {}
    assert got["NCT00004332"] > 0
    assert got["NCT00004438"] == 0.0
    assert "NCT00005100" not in got


def test_fuse_gives_the_criteria_score_its_weight() -> None:
    plain = fuse([Signals(bm25=2.0, field=1.0), Signals(bm25=2.0, field=1.0)])
    both = fuse(
        [
            Signals(bm25=2.0, field=1.0, criteria=0.0),
            Signals(bm25=2.0, field=1.0, criteria=3.0),
        ]
    )
    assert plain == pytest.approx([1.0, 1.0])
    assert 0 < CRITERIA_WEIGHT < 1
    assert both == pytest.approx([1.0 - CRITERIA_WEIGHT, 1.0])


@pytest.mark.parametrize("rounds", [3, 0])  # 0: the join over every match (the fallback)
def test_retrieve_reads_the_criteria_scores_in_the_same_pass(
    store: Store, rounds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same trials and scores as without; each one's criteria score is the separate pass's."""
    monkeypatch.setattr(find_module, "_TOP_ROUNDS", rounds)
    profile = load_note(
        "A 40-year-old man with a recurrent glioma after carmustine. Karnofsky 80.",
        source="<test>",
        as_of=AS_OF,
    ).profile
    with store.engine.connect() as conn:
        pq = build_query(conn, profile, max_df_share=0.9)
        crit: dict[str, float] = {}
        hits = find_module.retrieve(conn, store, pq, limit=3, criteria=crit)
        assert hits == find_module.retrieve(conn, store, pq, limit=3)
        fts = to_fts5(TextQuery(phrases=parse_text(pq.text()), mode="any"))
        separate = criteria_scores(conn, fts, [h[0] for h in hits])
    assert len(hits) == 3
    assert crit == pytest.approx(separate)
    assert set(crit) == {h[0] for h in hits}
    assert any(v > 0 for v in crit.values())
