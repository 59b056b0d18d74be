"""PostgreSQL full-text index: tsvector columns with GIN indexes, ranked by `ts_rank_cd`.

Same fields as the SQLite FTS5 index. Text is tokenised in Python exactly like user queries
(`search.text.tokens`, Unicode word runs, lower case, accents folded like FTS5's
`remove_diacritics`) before PostgreSQL sees it, so `PD-1` is the phrase `pd 1` on both sides.
The text search configuration `trialscout` stems with Snowball English and keeps stop words
(FTS5's porter tokenizer drops none either). Snowball's English stemmer is Porter2, FTS5's is
the original Porter: a few words stem differently, so rankings can differ slightly.

PostgreSQL has four weight classes where FTS5 weights six columns; the mapping is
title A (1.0), conditions B (0.8), interventions + keywords C (0.5), summary + criteria D (0.15).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sqlalchemy import Connection, Float, Integer, Subquery, text

from trialscout.search.text import TextQuery, tokens
from trialscout.store.search_index import FTS_TABLE, IndexDoc, SearchIndex

CONFIG = "trialscout"
# ts_rank_cd's weight array is ordered {D, C, B, A}.
RANK_WEIGHTS = "{0.15,0.5,0.8,1.0}"

_CREATE_CONFIG = f"""
DO $$
DECLARE ns oid := (SELECT oid FROM pg_namespace WHERE nspname = current_schema());
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_dict
                 WHERE dictname = '{CONFIG}_stem' AND dictnamespace = ns) THEN
    CREATE TEXT SEARCH DICTIONARY {CONFIG}_stem (TEMPLATE = snowball, Language = english);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}' AND cfgnamespace = ns) THEN
    CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english);
    ALTER TEXT SEARCH CONFIGURATION {CONFIG}
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
      WITH {CONFIG}_stem;
  END IF;
END
$$;
"""

_INSERT = (
    f"INSERT INTO {FTS_TABLE} (doc_id, tsv, cond_tsv) VALUES (%s, "
    f"setweight(to_tsvector('{CONFIG}', %s), 'A') || "
    f"setweight(to_tsvector('{CONFIG}', %s), 'B') || "
    f"setweight(to_tsvector('{CONFIG}', %s), 'C') || "
    f"setweight(to_tsvector('{CONFIG}', %s), 'D'), "
    f"to_tsvector('{CONFIG}', %s))"
)


def fold(value: str) -> str:
    """Accents off (é -> e), as FTS5's `remove_diacritics 2` does."""
    nfkd = unicodedata.normalize("NFKD", value)
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def normalise(value: str) -> str:
    """The word sequence PostgreSQL indexes: the query tokeniser's, accents folded."""
    return " ".join(tokens(fold(value)))


class PostgresTsvectorIndex(SearchIndex):
    name = "postgresql-tsvector"

    def create(self, conn: Connection) -> None:
        conn.exec_driver_sql(_CREATE_CONFIG)
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {FTS_TABLE} ("
            "doc_id integer PRIMARY KEY, tsv tsvector NOT NULL, cond_tsv tsvector NOT NULL)"
        )
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS ix_{FTS_TABLE}_tsv ON {FTS_TABLE} USING gin (tsv)"
        )
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS ix_{FTS_TABLE}_cond ON {FTS_TABLE} USING gin (cond_tsv)"
        )

    def replace(
        self, conn: Connection, delete_ids: Sequence[int], docs: Sequence[IndexDoc]
    ) -> None:
        if delete_ids:
            conn.exec_driver_sql(
                f"DELETE FROM {FTS_TABLE} WHERE doc_id = ANY(%s)", (list(delete_ids),)
            )
        if docs:
            conn.exec_driver_sql(
                _INSERT,
                [
                    (
                        d.doc_id,
                        normalise(d.title),
                        normalise(d.conditions),
                        normalise(d.interventions + "\n" + d.keywords),
                        normalise(d.summary + "\n" + d.criteria),
                        normalise(d.conditions),
                    )
                    for d in docs
                ],
            )

    def match(self, query: TextQuery) -> Subquery:
        params: dict[str, str] = {}

        def bind(value: str) -> str:
            name = f"tsq{len(params)}"
            params[name] = value
            return f":{name}"

        where: list[str] = []
        score = "0.0"
        if query.phrases:
            joiner = " && " if query.mode == "all" else " || "
            tsq = joiner.join(
                f"phraseto_tsquery('{CONFIG}', {bind(fold(' '.join(p)))})" for p in query.phrases
            )
            where.append(f"f.tsv @@ ({tsq})")
            score = f"ts_rank_cd('{RANK_WEIGHTS}', f.tsv, ({tsq}))"
        if query.conditions:
            cq = " || ".join(
                f"plainto_tsquery('{CONFIG}', {bind(fold(' '.join(c)))})" for c in query.conditions
            )
            where.append(f"f.cond_tsv @@ ({cq})")
        stmt = text(
            f"SELECT f.doc_id AS doc_id, CAST({score} AS double precision) AS score "
            f"FROM {FTS_TABLE} f WHERE {' AND '.join(where) or 'false'}"
        ).bindparams(**params)
        return stmt.columns(doc_id=Integer, score=Float).subquery("fts")
