"""Patient -> a short, selective full-text query plus structured filters.

A patient note has 100-300 words; an FTS5 OR over all of them scores every trial that shares
any word, which is slow at registry scale (docs/search-engine.md) and noisy. So the query keeps

- the patient's *concepts* (diagnoses, histology, active conditions, metastasis sites,
  biomarkers) as quoted phrases: what trials are indexed by, and
- the most selective other words of the note, by inverse document frequency read from the
  index's own vocabulary (an `fts5vocab` table), skipping words that are in nearly every trial
  ("patient", "history") and words that are in almost none (typos, dates).

Structured filters (age, sex, cancer type) come from the profile, never from guessing.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection

from trialscout.patient.profile import PatientProfile
from trialscout.search.text import STOPWORDS, tokens
from trialscout.store.search_index import FTS_TABLE

DATA = Path(__file__).resolve().parent.parent / "data"
CANCER_TYPES_CSV = DATA / "criteria" / "cancer_types.csv"
NOTE_STOPWORDS = DATA / "search" / "note_stopwords.txt"
# Temp (per-connection) tables: reading the vocabulary never changes the store file's schema.
_VOCAB = "ts_find_vocab"
_QTOK = "ts_find_qtok"
_QTOK_V = "ts_find_qtok_v"
_NUMBERISH = re.compile(r"^\d|^[a-z]\d*$")


@dataclass(frozen=True)
class WeightedTerm:
    """One query word with the number of trials that contain it (its stem) and its IDF."""

    word: str
    df: int
    idf: float


@dataclass(frozen=True)
class PatientQuery:
    """What retrieval uses: phrases to OR together and filters to apply in SQL."""

    concepts: list[str] = field(default_factory=list)
    words: list[WeightedTerm] = field(default_factory=list)
    age: float | None = None
    sex: str | None = None
    cancer_conditions: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The query as `SearchQuery.text` (concepts quoted as phrases, then the words)."""
        parts = [f'"{c}"' for c in self.concepts]
        parts.extend(t.word for t in self.words)
        return " ".join(parts)

    def is_empty(self) -> bool:
        return not self.concepts and not self.words


def concepts_of(profile: PatientProfile) -> list[str]:
    """The patient's named concepts, most specific first, without repeats."""
    out: list[str] = []
    for d in profile.diagnoses:
        out.extend(x for x in (d.name, d.histology, d.body_site) if x)
    out.extend(m.site for m in profile.metastases)
    for b in profile.biomarkers:
        out.extend(x for x in (b.gene, b.name) if x)
    if not profile.diagnoses:
        # Comorbidities are what a trial is about only when there is no cancer to look for.
        out.extend(
            c.name
            for c in profile.conditions
            if c.status not in ("resolved", "remission", "inactive")
        )
    seen: set[str] = set()
    unique: list[str] = []
    for c in out:
        key = " ".join(tokens(c))
        if key and key not in seen:
            seen.add(key)
            unique.append(key)
    return unique


@lru_cache(maxsize=1)
def _note_stopwords() -> frozenset[str]:
    lines = NOTE_STOPWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


def note_words(profile: PatientProfile) -> list[str]:
    """Candidate words: the note's content words. Past treatments and medications of a
    structured profile are left out: they decide exclusions, not what the trial is about
    (searching them ranks every cisplatin trial above the patient's own cancer)."""
    texts: list[str] = [profile.note] if profile.note else []
    words: list[str] = []
    seen: set[str] = set(_note_stopwords())
    for text in texts:
        for w in tokens(text):
            if w in STOPWORDS or w in seen or len(w) < 3 or _NUMBERISH.match(w):
                continue
            seen.add(w)
            words.append(w)
    return words


@lru_cache(maxsize=1)
def _cancer_synonyms() -> dict[str, list[str]]:
    """Cancer name or synonym (token-joined) -> every spelling of that cancer type."""
    lines = [
        ln for ln in CANCER_TYPES_CSV.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"
    ]
    table: dict[str, list[str]] = {}
    for row in csv.DictReader(lines):
        names = [row["name"], *row.get("synonyms", "").split("|")]
        # Spellings of 2+ words only: 'npc' or 'nasopharynx' alone would match other things.
        spellings = list(dict.fromkeys(" ".join(tokens(n)) for n in names if len(tokens(n)) >= 2))
        for n in names:
            key = " ".join(tokens(n))
            if key:
                table.setdefault(key, spellings or [key])
    return table


def cancer_conditions(profile: PatientProfile) -> list[str]:
    """Spellings of the patient's cancer types for the conditions-field prefilter (may be [])."""
    table = _cancer_synonyms()
    out: list[str] = []
    for d in profile.diagnoses:
        out.extend(table.get(" ".join(tokens(d.name)), []))
    return list(dict.fromkeys(out))


def document_frequencies(conn: Connection, words: Sequence[str]) -> tuple[int, dict[str, int]]:
    """(number of indexed trials, word -> trials containing its stem), from FTS5's own
    tokenizer and vocabulary, so stemming matches the index exactly."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        cur.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_VOCAB} "
            f"USING fts5vocab(main, {FTS_TABLE}, row)"
        )
        cur.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_QTOK} USING "
            "fts5(w, tokenize='porter unicode61 remove_diacritics 2')"
        )
        cur.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_QTOK_V} "
            f"USING fts5vocab(temp, {_QTOK}, instance)"
        )
        cur.execute(f"DELETE FROM temp.{_QTOK}")
        cur.executemany(
            f"INSERT INTO temp.{_QTOK}(rowid, w) VALUES (?, ?)",
            [(i + 1, w) for i, w in enumerate(words)],
        )
        stems: dict[int, str] = {}
        for term, doc in cur.execute(f"SELECT term, doc FROM temp.{_QTOK_V}"):
            stems.setdefault(int(doc), term)
        dfs: dict[str, int] = {}
        for term in set(stems.values()):
            row = cur.execute(f"SELECT doc FROM temp.{_VOCAB} WHERE term = ?", (term,)).fetchone()
            dfs[term] = int(row[0]) if row else 0
        n = cur.execute(f"SELECT count(*) FROM {FTS_TABLE}_docsize").fetchone()[0]
        cur.execute(f"DELETE FROM temp.{_QTOK}")
    finally:
        cur.close()
    return int(n), {w: dfs.get(stems.get(i + 1, ""), 0) for i, w in enumerate(words)}


def select_words(
    n_docs: int,
    dfs: dict[str, int],
    words: Iterable[str],
    *,
    max_words: int = 48,
    min_df: int = 1,
    max_df_share: float = 0.1,
    df_budget: float = 0.5,
) -> list[WeightedTerm]:
    """The `max_words` most selective words (highest IDF) that occur in at least `min_df`
    trials and in at most `max_df_share` of them; the order of the note is kept.

    Dropping the common words is what makes the OR query cheap (their posting lists are the
    long ones) and costs little quality; keeping only the few rarest words costs a lot (on
    TREC 2021, NDCG@10 0.34 with the words under 10% of trials vs 0.30 with the 32 rarest).
    `df_budget` bounds the work: words are taken rarest first while the sum of their document
    frequencies stays under `df_budget` x the number of trials (the postings an OR reads).
    At 0.5 TREC 2021 NDCG@10 is 0.388 vs 0.394 without a bound, at 0.25 it is 0.341."""
    cap = max(min_df, int(n_docs * max_df_share))
    pool = [(w, dfs.get(w, 0)) for w in words]
    pool = [(w, df) for w, df in pool if min_df <= df <= cap]
    keep: set[str] = set()
    postings = 0
    for w, df in sorted(pool, key=lambda p: (p[1], p[0]))[:max_words]:
        if postings + df > df_budget * n_docs:
            break
        keep.add(w)
        postings += df
    return [
        WeightedTerm(w, df, math.log((n_docs - df + 0.5) / (df + 0.5) + 1.0))
        for w, df in pool
        if w in keep
    ]


def build_query(
    conn: Connection,
    profile: PatientProfile,
    *,
    max_words: int = 48,
    max_df_share: float = 0.1,
    concept_word_share: float = 0.0,
) -> PatientQuery:
    """The retrieval query for one patient (see the module docstring). The words of the
    concepts are also searched one by one (so 'breast' counts even where the trial says
    'breast carcinoma') when at most `concept_word_share` of trials have them; off by default:
    it did not help on TREC 2021 (docs/find.md)."""
    concepts = concepts_of(profile)
    concept_words = list(dict.fromkeys(w for c in concepts for w in c.split() if len(w) > 2))
    words = [w for w in note_words(profile) if w not in concept_words]
    if concept_word_share <= 0:
        concept_words = []
    selected: list[WeightedTerm] = []
    if words or concept_words:
        n, dfs = document_frequencies(conn, concept_words + words)
        if concept_word_share > 0:
            selected = select_words(
                n, dfs, concept_words, max_words=len(concept_words), max_df_share=concept_word_share
            )
        selected += select_words(n, dfs, words, max_words=max_words, max_df_share=max_df_share)
    age = profile.age_at()
    sex = profile.sex if profile.sex in ("male", "female") else None
    cancers = cancer_conditions(profile)
    if not profile.note:
        # A structured profile names its cancer once; the registry spells it many ways
        # ("cancer of the nasopharynx"), so search them all. A note brings its own words
        # (adding the spellings there cost TREC 2021 NDCG@10 0.389 -> 0.378).
        concepts += [c for c in cancers if c not in concepts]
    return PatientQuery(
        concepts=concepts,
        words=selected,
        age=float(age) if age is not None else None,
        sex=sex,
        cancer_conditions=cancers,
    )
