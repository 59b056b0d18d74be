"""Patient -> query: concepts, selective words from the index vocabulary, filters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trialscout.patient.profile import PatientProfile
from trialscout.registry.ingest import ingest_paths
from trialscout.search.patient_query import (
    PatientQuery,
    WeightedTerm,
    build_query,
    cancer_conditions,
    concepts_of,
    document_frequencies,
    note_words,
    select_words,
)
from trialscout.search.text import TextQuery
from trialscout.store import Store

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "trec_tiny" / "trials"


def _profile(**kw: object) -> PatientProfile:
    return PatientProfile.model_validate({"as_of": "2026-01-01", **kw})


def test_concepts_skip_resolved_conditions_and_repeats() -> None:
    p = _profile(
        diagnoses=[{"name": "Nasopharyngeal carcinoma", "histology": "non-keratinizing"}],
        conditions=[
            {"name": "hypertension", "status": "active"},
            {"name": "hepatitis B", "status": "resolved"},
            {"name": "nasopharyngeal  carcinoma"},
        ],
    )
    assert concepts_of(p) == ["nasopharyngeal carcinoma", "non keratinizing"]
    assert concepts_of(_profile(conditions=[{"name": "hypertension"}])) == ["hypertension"]


def test_note_words_drop_stopwords_numbers_and_short_words() -> None:
    p = _profile(
        note="A 45 year old man with T3N1 NPC and the ECOG 1; cisplatin, cisplatin.",
        treatments=[{"kind": "drug", "name": "gemcitabine"}],
    )
    words = note_words(p)
    assert "cisplatin" in words and words.count("cisplatin") == 1
    assert not {"the", "and", "with", "45", "1", "old", "man", "gemcitabine"} & set(words)


def test_select_words_keeps_rare_not_ubiquitous_nor_absent() -> None:
    dfs = {"patient": 900, "astrocytoma": 3, "temozolomide": 10, "xyzzy": 0, "spine": 50}
    out = select_words(1000, dfs, list(dfs), max_words=2, min_df=1, max_df_share=0.1)
    assert [t.word for t in out] == ["astrocytoma", "temozolomide"]
    assert out[0].idf > out[1].idf
    wide = select_words(1000, dfs, list(dfs), max_words=10, min_df=1, max_df_share=0.1)
    assert [t.word for t in wide] == ["astrocytoma", "temozolomide", "spine"]


def test_document_frequencies_match_the_index(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        ingest_paths([TINY], store, progress=False)
        words = ["temozolomide", "astrocytomas", "acromegaly", "nonexistentword"]
        with store.engine.connect() as conn:
            n, dfs = document_frequencies(conn, words)
        assert n == 8
        assert dfs["nonexistentword"] == 0
        for w in words[:3]:
            # Same stemming as the index: the df equals the number of trials a MATCH finds.
            fts = store.index.match(TextQuery(phrases=[[w]], mode="any"))
            with store.engine.connect() as conn:
                from sqlalchemy import func, select

                hits = conn.execute(select(func.count()).select_from(fts)).scalar_one()
            assert dfs[w] == hits
        assert dfs["astrocytomas"] > 0


def test_build_query_has_filters_and_quoted_concepts(tmp_path: Path) -> None:
    p = _profile(
        birth_date=dt.date(1980, 6, 1),
        sex="female",
        diagnoses=[{"name": "nasopharyngeal carcinoma"}],
        note="Recurrent disease after temozolomide and cisplatin.",
    )
    with Store.open(tmp_path / "s.db") as store:
        ingest_paths([TINY], store, progress=False)
        with store.engine.connect() as conn:
            pq = build_query(conn, p)
    assert pq.age == 45 and pq.sex == "female"
    assert pq.text().startswith('"nasopharyngeal carcinoma"')
    assert "nasopharyngeal carcinoma" in pq.cancer_conditions
    assert all(len(s.split()) >= 2 for s in pq.cancer_conditions)


def test_cancer_conditions_unknown_cancer_is_empty() -> None:
    assert cancer_conditions(_profile(diagnoses=[{"name": "made-up tumour"}])) == []
    assert PatientQuery().is_empty()
    assert PatientQuery(words=[WeightedTerm("x", 1, 1.0)]).text() == "x"


def test_select_words_stops_at_the_postings_budget() -> None:
    dfs = {"a": 10, "b": 20, "c": 30, "d": 40}
    out = select_words(100, dfs, list(dfs), max_words=10, max_df_share=1.0, df_budget=0.6)
    # 10 + 20 + 30 = 60 postings fit in 0.6 x 100; adding d (40) would not.
    assert [t.word for t in out] == ["a", "b", "c"]


def test_structured_profile_searches_every_spelling_of_its_cancer(tmp_path: Path) -> None:
    p = _profile(diagnoses=[{"name": "nasopharyngeal carcinoma"}])
    with Store.open(tmp_path / "s.db") as store:
        ingest_paths([TINY], store, progress=False)
        with store.engine.connect() as conn:
            structured = build_query(conn, p)
            noted = build_query(conn, p.model_copy(update={"note": "Recurrent NPC."}))
    assert "cancer of the nasopharynx" in structured.concepts
    assert "cancer of the nasopharynx" not in noted.concepts
