"""The dialect-specific full-text index. SQLite: an FTS5 table beside `trials`, in the same file
and the same transactions, so the index is never half-written relative to the store.
PostgreSQL: a `trials_fts` table of tsvectors with GIN indexes (`search_index_pg`), also written
in the store's transactions.

Only this module writes FTS5 syntax. Both implement the same three operations: `create`,
`replace`, `match`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Float, Integer, Subquery, text

from trialscout.search.text import TextQuery

FTS_TABLE = "trials_fts"
# Field order matters: bm25() weights are positional.
FIELDS = ("title", "conditions", "interventions", "keywords", "summary", "criteria")
WEIGHTS = (10.0, 8.0, 5.0, 5.0, 2.0, 1.0)


@dataclass(frozen=True)
class IndexDoc:
    """One trial's searchable text, one string per field of `FIELDS`."""

    doc_id: int
    title: str
    conditions: str
    interventions: str
    keywords: str
    summary: str
    criteria: str


class SearchIndex:
    """Interface: a full-text index keyed by the trial's integer `doc_id`."""

    name = "none"

    def create(self, conn: Connection) -> None:
        raise NotImplementedError

    def replace(
        self, conn: Connection, delete_ids: Sequence[int], docs: Sequence[IndexDoc]
    ) -> None:
        raise NotImplementedError

    def match(self, query: TextQuery) -> Subquery:
        """A subquery with columns `doc_id` and `score` (higher is better)."""
        raise NotImplementedError


class SqliteFts5Index(SearchIndex):
    name = "sqlite-fts5"

    def create(self, conn: Connection) -> None:
        cols = ", ".join(FIELDS)
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({cols}, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )

    def replace(
        self, conn: Connection, delete_ids: Sequence[int], docs: Sequence[IndexDoc]
    ) -> None:
        if delete_ids:
            conn.exec_driver_sql(
                f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", [(i,) for i in delete_ids]
            )
        if docs:
            conn.exec_driver_sql(
                f"INSERT INTO {FTS_TABLE}(rowid, {', '.join(FIELDS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.doc_id,
                        d.title,
                        d.conditions,
                        d.interventions,
                        d.keywords,
                        d.summary,
                        d.criteria,
                    )
                    for d in docs
                ],
            )

    def match(self, query: TextQuery) -> Subquery:
        weights = ", ".join(str(w) for w in WEIGHTS)
        stmt = text(
            f"SELECT rowid AS doc_id, -bm25({FTS_TABLE}, {weights}) AS score "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_q"
        ).bindparams(fts_q=to_fts5(query))
        return stmt.columns(doc_id=Integer, score=Float).subquery("fts")


# FTS5's own records (`<table>_data`): the averages record (rowid 1) starts with the number
# of indexed rows as a varint; the structure record (rowid 10) changes on every write.
_AVERAGES_ROWID = 1
_STRUCTURE_ROWID = 10


def _varint(buf: bytes) -> int | None:
    """SQLite's big-endian varint (the format FTS5 writes), or None if `buf` is too short."""
    v = 0
    for i, b in enumerate(buf[:9]):
        if i == 8:
            return (v << 8) | b
        v = (v << 7) | (b & 0x7F)
        if b < 0x80:
            return v
    return None


def fts5_row_count(cur: Any) -> int:
    """Rows in the FTS5 index (= trials) from its averages record, O(1); a `count(*)` over
    the docsize table (a full scan, 15 ms at 400k trials) only if the record is unreadable."""
    row = cur.execute(
        f"SELECT block FROM {FTS_TABLE}_data WHERE id = ?", (_AVERAGES_ROWID,)
    ).fetchone()
    n = _varint(bytes(row[0])) if row and row[0] else None
    if n is None:
        n = cur.execute(f"SELECT count(*) FROM {FTS_TABLE}_docsize").fetchone()[0]
    return int(n)


def fts5_version(cur: Any) -> bytes:
    """A token that changes whenever the index is written (its structure record)."""
    row = cur.execute(
        f"SELECT block FROM {FTS_TABLE}_data WHERE id = ?", (_STRUCTURE_ROWID,)
    ).fetchone()
    return bytes(row[0]) if row and row[0] else b""


def fts5_doc_count(cur: Any, word: str, limit: int | None = None) -> int:
    """Trials whose text has `word` (the index's tokenizer and stemmer, as a quoted
    phrase), counting at most `limit` (the count stops there: a common word costs
    `limit` postings, not all of them)."""
    toks = word.replace('"', " ").split()
    if not toks:
        return 0
    q = _phrase(toks)
    if limit is None:
        sql = f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
        return int(cur.execute(sql, (q,)).fetchone()[0])
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? LIMIT ?)"
    return int(cur.execute(sql, (q, limit)).fetchone()[0])


def _phrase(tokens: Sequence[str]) -> str:
    # Tokens are \w+ runs, so they never hold a double quote; quoting keeps AND/OR/NOT/NEAR
    # and FTS5 punctuation literal.
    return '"' + " ".join(tokens) + '"'


def to_fts5(query: TextQuery) -> str:
    """Compile a parsed user query into FTS5 syntax; every user word is a quoted phrase."""
    parts: list[str] = []
    if query.phrases:
        joiner = " AND " if query.mode == "all" else " OR "
        parts.append("(" + joiner.join(_phrase(p) for p in query.phrases) + ")")
    if query.conditions:
        alts = ["(" + " AND ".join(_phrase([t]) for t in cond) + ")" for cond in query.conditions]
        parts.append("conditions : (" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


def index_for(dialect: str) -> SearchIndex:
    if dialect == "sqlite":
        return SqliteFts5Index()
    if dialect == "postgresql":
        from trialscout.store.search_index_pg import PostgresTsvectorIndex

        return PostgresTsvectorIndex()
    raise NotImplementedError(f"no full-text index for database dialect '{dialect}' yet")
