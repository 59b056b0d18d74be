"""Patient -> a short, selective full-text query plus structured filters.

A patient note has 100-300 words; an FTS5 OR over all of them scores every trial that shares
any word, which is slow at registry scale (docs/search-engine.md) and noisy. So the query keeps

- the patient's *concepts* (diagnoses, histology, active conditions, metastasis sites,
  biomarkers) as quoted phrases: what trials are indexed by, and
- the most selective other words of the note, by inverse document frequency counted by the
  index itself (an FTS5 query per word, stopped once the word is known to be too common),
  skipping words that are in nearly every trial ("patient", "history") and words that are in
  almost none (typos, dates). Counts are cached per store until its index changes.

Structured filters (age, sex, cancer type) come from the profile, never from guessing.
"""

from __future__ import annotations

import csv
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from trialscout.patient.profile import PatientProfile
from trialscout.search.text import STOPWORDS, tokens
from trialscout.store.search_index import fts5_doc_count, fts5_row_count, fts5_version

DATA = Path(__file__).resolve().parent.parent / "data"
CANCER_TYPES_CSV = DATA / "criteria" / "cancer_types.csv"
NOTE_STOPWORDS = DATA / "search" / "note_stopwords.txt"
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


class _DfCache:
    """Document frequencies already counted, per store file, valid while the index is
    unchanged (its FTS5 structure record, which every write changes). Notes share most of
    their words ("pain", "chemotherapy"), and a common word's count reads its postings."""

    def __init__(self, max_terms: int = 200_000) -> None:
        self.max_terms = max_terms
        self._lock = threading.Lock()
        self._by_db: dict[str, tuple[bytes, dict[str, tuple[int, int | None]]]] = {}

    def terms(self, db: str, version: bytes) -> dict[str, tuple[int, int | None]]:
        with self._lock:
            cur = self._by_db.get(db)
            if cur is None or cur[0] != version or len(cur[1]) > self.max_terms:
                cur = (version, {})
                self._by_db[db] = cur
            return cur[1]

    def clear(self) -> None:
        with self._lock:
            self._by_db.clear()


DF_CACHE = _DfCache()


def _main_file(cur: Any) -> str | None:
    for _seq, name, file in cur.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(file) or None  # '' for an in-memory database: not cached
    return None


def document_frequencies(
    conn: Connection, words: Sequence[str], *, cap: int | None = None
) -> tuple[int, dict[str, int]]:
    """(number of indexed trials, word -> trials containing it), counted by FTS5 itself, so
    stemming matches the index exactly. With `cap`, a count stops at `cap + 1` (enough to
    tell the word is too common to search): each word then costs at most `cap` postings.
    Counts are cached per store while its index is unchanged (`DF_CACHE`)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        n = fts5_row_count(cur)
        db = _main_file(cur)
        known: dict[str, tuple[int, int | None]] = (
            DF_CACHE.terms(db, fts5_version(cur)) if db else {}
        )
        limit = None if cap is None else cap + 1
        dfs: dict[str, int] = {}
        for w in words:
            hit = known.get(w)
            # A cached count is good if it is exact (under its own limit) or read with a
            # limit at least as high as this one.
            if hit is not None and (
                hit[1] is None or hit[0] < hit[1] or (limit is not None and limit <= hit[1])
            ):
                dfs[w] = hit[0] if limit is None else min(hit[0], limit)
                continue
            df = fts5_doc_count(cur, w, limit)
            known[w] = (df, limit)
            dfs[w] = df
    finally:
        cur.close()
    return n, dfs


def _index_size(conn: Connection) -> int:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        return fts5_row_count(cur)
    finally:
        cur.close()


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
        # Only whether a word is under the most permissive share matters past it.
        share = max(max_df_share, concept_word_share)
        cap = max(1, int(_index_size(conn) * share)) if share < 1 else None
        n, dfs = document_frequencies(conn, concept_words + words, cap=cap)
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
