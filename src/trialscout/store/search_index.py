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
