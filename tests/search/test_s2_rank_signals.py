"""Ranking signals of `find` (search.rank, search.dense) and how `find.rank` uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialscout.criteria.parser import parse_criteria
from trialscout.match import match_trial
from trialscout.patient.profile import PatientProfile
from trialscout.registry.ingest import ingest_paths
from trialscout.search.dense import DenseScorer, dense_text
from trialscout.search.find import rank
from trialscout.search.rank import (
    FIELD_WEIGHT,
    Signals,
    bm25_scores,
    confident_ineligible,
    field_scores,
    fuse,
    query_words,
    short_text,
    short_texts,
)
from trialscout.store import Store

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "trec_tiny" / "trials"
CRITERIA = (
    "Inclusion Criteria:\n- Age 18 to 65 years\n- Histologically confirmed breast cancer\n"
    "Exclusion Criteria:\n- Pregnant women"
)


def _profile(**kw: object) -> PatientProfile:
    return PatientProfile.model_validate({"as_of": "2026-01-01", "sex": "female", **kw})


# ------------------------------------------------------------------ confident ineligible


def test_age_mismatch_is_a_confident_ineligible_call() -> None:
    parsed = parse_criteria(CRITERIA, "NCT00000001")
    m = match_trial(_profile(age=80), None, parsed)
    assert m.verdict == "ineligible"
    assert confident_ineligible(m, parsed)


def test_diagnosis_mismatch_is_not_confident() -> None:
    parsed = parse_criteria(CRITERIA, "NCT00000001")
    m = match_trial(_profile(age=50, diagnoses=[{"name": "lung cancer"}]), None, parsed)
    assert m.verdict == "ineligible"
    assert not confident_ineligible(m, parsed)


def test_possibly_eligible_and_missing_parse_are_never_confident() -> None:
    parsed = parse_criteria(CRITERIA, "NCT00000001")
    m = match_trial(_profile(age=50), None, parsed)
    assert m.verdict != "ineligible"
    assert not confident_ineligible(m, parsed)
    ruled_out = match_trial(_profile(age=80), None, parsed)
    assert not confident_ineligible(ruled_out, None)


def test_rank_puts_ineligible_last_and_confident_calls_at_the_very_end() -> None:
    parsed = parse_criteria(CRITERIA, "NCT00000001")
    too_old = match_trial(_profile(age=80), None, parsed).model_copy(update={"nct_id": "A"})
    other_dx = match_trial(
        _profile(age=50, diagnoses=[{"name": "lung cancer"}]), None, parsed
    ).model_copy(update={"nct_id": "B"})
    maybe = match_trial(_profile(age=50), None, parsed).model_copy(update={"nct_id": "C"})
    matches = [(too_old, 10.0, 1), (other_dx, 9.0, 2), (maybe, 5.0, 3)]
    confident = [
        confident_ineligible(too_old, parsed),
        confident_ineligible(other_dx, parsed),
        confident_ineligible(maybe, parsed),
    ]
    rows = rank(matches, "verdict", confident=confident)
    # possibly eligible first, then ineligible: the weak (diagnosis) call before the
    # confident (age) one, although both match the text better
    assert [r[0].nct_id for r in rows] == ["C", "B", "A"]
    assert "age or sex" in rows[-1][4]
    # Without the confidence flags both ineligible calls share a tier: relevance decides.
    assert [r[0].nct_id for r in rank(matches, "verdict")] == ["C", "A", "B"]


def test_rank_uses_the_given_relevance() -> None:
    parsed = parse_criteria(CRITERIA, "NCT00000001")
    base = match_trial(_profile(age=50), None, parsed)
    a, b = base.model_copy(update={"nct_id": "A"}), base.model_copy(update={"nct_id": "B"})
    rows = rank([(a, 10.0, 1), (b, 5.0, 2)], "verdict", relevance=[0.2, 1.0])
    assert [r[0].nct_id for r in rows] == ["B", "A"]
    with pytest.raises(ValueError):
        rank([(a, 10.0, 1)], "verdict", relevance=[0.2, 1.0])


# ------------------------------------------------------------------------------ fusion


def test_fuse_weights_and_fallbacks() -> None:
    only_bm25 = fuse([Signals(10.0), Signals(5.0)])
    assert only_bm25 == pytest.approx([1.0, 0.5])
    with_field = fuse([Signals(10.0, field=0.0), Signals(5.0, field=4.0)])
    assert with_field == pytest.approx([1 - FIELD_WEIGHT, 0.5 * (1 - FIELD_WEIGHT) + FIELD_WEIGHT])
    with_dense = fuse([Signals(10.0, 1.0, 0.3), Signals(10.0, 1.0, 0.5)])
    assert with_dense[1] > with_dense[0]
    assert max(with_dense) == pytest.approx(1.0)
    assert fuse([]) == []


def test_bm25_scores_prefers_the_shorter_doc_and_the_rarer_term() -> None:
    idf = {"aortic": 3.0, "stenosi": 2.0, "valv": 1.0}
    q = dict.fromkeys(idf, 1.0)
    s = bm25_scores(
        q,
        {
            "short": ["aortic", "stenosi"],
            "long": ["aortic", "stenosi", "heart", "failur", "studi", "registri"],
            "valve": ["valv", "diseas"],
            "none": ["breast", "cancer"],
        },
        idf,
    )
    assert s["short"] > s["long"] > s["valve"] > s["none"] == 0.0


def test_short_text_and_query_words() -> None:
    doc = {
        "brief_title": "Balloon Valvuloplasty Registry",
        "conditions": ["Aortic Valve Stenosis"],
        "keywords": ["valve"],
        "condition_mesh": [{"term": "Heart Valve Diseases"}],
        "brief_summary": "not part of the short text",
    }
    text = short_text(json.dumps(doc))
    assert "Aortic Valve Stenosis" in text and "Heart Valve Diseases" in text
    assert "summary" not in text
    words = query_words("The patient has a severe aortic stenosis, aortic valve")
    assert words[0] == "patient" and "the" not in words and "a" not in words
    assert words.count("aortic") == 1 and words[-1] == "valve"
    assert dense_text(doc).startswith("Balloon Valvuloplasty Registry. Aortic Valve Stenosis")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("rank") / "store.db"
    with Store.open(path) as s:
        assert ingest_paths([TINY], s, progress=False).failed == 0
        yield s


def test_field_scores_on_a_real_store(store: Store) -> None:
    """Stems and document frequencies come from the store: 'astrocytomas' finds the trial
    whose title says 'Astrocytoma', an unrelated title scores 0."""
    docs = {
        "astro": "Antineoplaston Therapy in Treating Patients With Anaplastic Astrocytoma",
        "heart": "Balloon Valvuloplasty Registry\nAortic Valve Stenosis",
        "empty": "",
    }
    with store.engine.connect() as conn:
        s = field_scores(conn, query_words("anaplastic astrocytomas of the spine"), docs)
        again = field_scores(conn, query_words("anaplastic astrocytomas of the spine"), docs)
        assert field_scores(conn, [], docs) == {}
    assert s == again
    assert s["astro"] > 0
    assert s["heart"] == 0.0 and s["empty"] == 0.0


# ------------------------------------------------------------------------------- dense


class _FakeEncoder:
    """Bag-of-letters vectors: similar spellings, similar vectors. Counts its calls."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return [[float(t.lower().count(c)) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


def test_dense_scorer_caches_document_vectors() -> None:
    enc = _FakeEncoder()
    d = DenseScorer(encoder=enc)
    docs = {"A": "aortic stenosis", "B": "zzz qqq"}
    first = d.scores("aortic valve stenosis", docs)
    assert first["A"] > first["B"]
    assert -1.0 <= first["B"] <= first["A"] <= 1.0
    n = len(enc.texts)
    assert d.scores("aortic valve stenosis", docs) == pytest.approx(first)
    assert len(enc.texts) == n + 1  # only the query was encoded again
    assert d.scores("", docs) == {}


def test_dense_scorer_cache_is_bounded() -> None:
    enc = _FakeEncoder()
    d = DenseScorer(encoder=enc, cache_size=2)
    d.scores("q", {"A": "a", "B": "b", "C": "c"})
    d.scores("q", {"A": "a"})
    assert enc.texts.count("a") == 2  # evicted, encoded again


def test_short_texts_read_from_the_store(store: Store) -> None:
    with store.engine.connect() as conn:
        got = short_texts(conn, ["NCT00002814", "NCT99999999"])
    assert set(got) == {"NCT00002814"}
    doc = got["NCT00002814"]
    assert isinstance(doc["brief_title"], str) and "Brain" in doc["brief_title"]
    assert isinstance(doc["conditions"], list) and doc["conditions"]
    assert "Brain" in short_text(doc)


def test_stems_are_cached_across_calls(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import trialscout.search.rank as rank_mod

    calls: list[list[str]] = []
    real = rank_mod._fts5_terms

    def counting(conn, words):  # type: ignore[no-untyped-def]
        calls.append(list(words))
        return real(conn, words)

    monkeypatch.setattr(rank_mod, "_fts5_terms", counting)
    monkeypatch.setattr(rank_mod, "STEMS", rank_mod._StemCache())
    docs = {"a": "Temozolomide for Recurrent Gliomas"}
    with store.engine.connect() as conn:
        first = field_scores(conn, ["gliomas", "recurrent"], docs)
        second = field_scores(conn, ["gliomas", "recurrent"], docs)
    assert first == second and first["a"] > 0
    assert len(calls) == 1 and "gliomas" in calls[0]
