"""Compare full-text engines on the registry sample: SQLite FTS5, tantivy, bm25s.

Indexes the studies of AllPublicXML-sample.zip (optionally replicated to look like a bigger
registry) with each engine in its own process (clean peak-RSS figures), then runs short user
queries (AND of 1-4 words) and long patient-style queries (OR of 30-40 words, built from the
TREC 2021 patient descriptions). Prints and writes JSON.

Needs tantivy==0.27.0 and bm25s in the interpreter for those engines (they are not project
dependencies); an engine whose library is missing is reported as skipped:

    python bench/bench_search_engines.py --xml-zip ../shared/data/ctgov/AllPublicXML-sample.zip \
        --queries ../shared/data/benchmarks/trec2021/queries.jsonl --out bench/results
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

FIELDS = ("title", "conditions", "interventions", "keywords", "summary", "criteria")
STOP = set(
    [
        "a",
        "an",
        "and",
        "or",
        "not",
        "the",
        "of",
        "in",
        "on",
        "for",
        "to",
        "with",
        "without",
        "by",
        "at",
        "as",
        "is",
        "are",
        "be",
        "from",
        "vs",
        "was",
        "were",
        "has",
        "had",
        "have",
        "his",
        "her",
        "he",
        "she",
        "they",
        "their",
        "this",
        "that",
        "which",
        "who",
        "on",
        "over",
        "under",
        "after",
        "before",
        "than",
        "then",
        "no",
        "year",
        "years",
        "old",
        "presents",
        "presented",
        "history",
        "patient",
        "patients",
        "also",
        "denies",
        "reports",
    ]
)
SHORT_QUERIES = [
    "nasopharyngeal carcinoma",
    "pembrolizumab",
    "PD-1 breast cancer",
    "metastatic melanoma",
    "radiotherapy head neck",
    "type 2 diabetes insulin",
    "hepatocellular carcinoma sorafenib",
    "EGFR lung cancer",
    "childhood leukemia",
    "cisplatin",
]


def _text(el: etree._Element | None) -> str:
    return " ".join(el.itertext()).strip() if el is not None else ""


def load_docs(zip_path: Path, copies: int) -> list[dict[str, str]]:
    docs: list[dict[str, str]] = []
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            if not name.endswith(".xml"):
                continue
            root = etree.fromstring(zf.read(name))
            ivs = []
            for iv in root.findall("intervention"):
                ivs.append(_text(iv.find("intervention_name")))
                ivs.extend(_text(o) for o in iv.findall("other_name"))
            docs.append(
                {
                    "title": _text(root.find("brief_title"))
                    + "\n"
                    + _text(root.find("official_title")),
                    "conditions": "\n".join(_text(c) for c in root.findall("condition")),
                    "interventions": "\n".join(ivs),
                    "keywords": "\n".join(_text(k) for k in root.findall("keyword")),
                    "summary": _text(root.find("brief_summary/textblock")),
                    "criteria": _text(root.find("eligibility/criteria/textblock")),
                }
            )
    return docs * copies


def long_queries(path: Path | None, n: int = 40) -> list[list[str]]:
    texts = []
    if path and path.is_file():
        texts = [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    out = []
    for t in texts[:n]:
        words = list(
            dict.fromkeys(
                w for w in re.findall(r"[a-z]+", t.lower()) if w not in STOP and len(w) > 2
            )
        )
        out.append(words[:40])
    return [q for q in out if len(q) >= 30]


def words(q: str) -> list[str]:
    return re.findall(r"\w+", q.lower())


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def run_engine(
    engine: str,
    docs: list[dict[str, str]],
    shorts: list[list[str]],
    longs: list[list[str]],
    tmp: Path,
) -> dict:
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    if engine == "fts5":
        con = sqlite3.connect(tmp / "fts.db")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(
            f"CREATE VIRTUAL TABLE t USING fts5({', '.join(FIELDS)}, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        with con:
            con.executemany(
                f"INSERT INTO t(rowid, {', '.join(FIELDS)}) VALUES (?,?,?,?,?,?,?)",
                [(i + 1, *(d[f] for f in FIELDS)) for i, d in enumerate(docs)],
            )

        def search(ws: list[str], mode: str) -> int:
            expr = (" AND " if mode == "and" else " OR ").join(f'"{w}"' for w in ws)
            rows = con.execute(
                "SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t, 10, 8, 5, 5, 2, 1) LIMIT 20",
                (expr,),
            ).fetchall()
            return len(rows)

    elif engine == "tantivy":
        import tantivy

        sb = tantivy.SchemaBuilder()
        for f in FIELDS:
            sb.add_text_field(f, stored=False, tokenizer_name="en_stem")
        sb.add_integer_field("id", stored=True)
        schema = sb.build()
        (tmp / "tantivy").mkdir()
        index = tantivy.Index(schema, path=str(tmp / "tantivy"))
        writer = index.writer(heap_size=100_000_000, num_threads=1)
        for i, d in enumerate(docs):
            writer.add_document(tantivy.Document(id=i + 1, **{f: d[f] for f in FIELDS}))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        searcher = index.searcher()
        boosts = {
            "title": 10.0,
            "conditions": 8.0,
            "interventions": 5.0,
            "keywords": 5.0,
            "summary": 2.0,
            "criteria": 1.0,
        }

        def search(ws: list[str], mode: str) -> int:
            q = " ".join(("+" if mode == "and" else "") + w for w in ws)
            query = index.parse_query(q, list(FIELDS), field_boosts=boosts)
            return len(searcher.search(query, 20).hits)

    elif engine == "bm25s":
        import bm25s

        corpus = [" ".join(d[f] for f in FIELDS) for d in docs]
        retriever = bm25s.BM25()
        retriever.index(
            bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
        )

        def search(ws: list[str], mode: str) -> int:  # bm25s has no AND: ranks by any word
            toks = bm25s.tokenize([" ".join(ws)], stopwords="en", show_progress=False)
            res, _ = retriever.retrieve(toks, k=20, show_progress=False)
            return len(res[0])

    else:
        raise SystemExit(f"unknown engine {engine}")
    index_s = time.perf_counter() - t0
    out = {"engine": engine, "docs": len(docs), "index_s": round(index_s, 2)}
    for label, qs, mode in (("short_and", shorts, "and"), ("long_or", longs, "or")):
        for q in qs[:3]:
            search(q, mode)  # warm up
        times, hits = [], 0
        for _ in range(3):
            for q in qs:
                s = time.perf_counter()
                hits += search(q, mode)
                times.append((time.perf_counter() - s) * 1000)
        out[f"{label}_p50_ms"] = round(pct(times, 0.5), 2)
        out[f"{label}_p95_ms"] = round(pct(times, 0.95), 2)
        out[f"{label}_queries"] = len(qs)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["rss_growth_mb"] = round(
        (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024, 1
    )
    if engine == "fts5":
        con.close()
        out["index_disk_mb"] = round((tmp / "fts.db").stat().st_size / 1e6, 1)
    elif engine == "tantivy":
        out["index_disk_mb"] = round(
            sum(p.stat().st_size for p in (tmp / "tantivy").rglob("*") if p.is_file()) / 1e6, 1
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--xml-zip", type=Path, required=True)
    ap.add_argument("--queries", type=Path, default=None, help="TREC queries.jsonl (patient texts)")
    ap.add_argument(
        "--copies", type=int, nargs="+", default=[1], help="replicate the corpus N times"
    )
    ap.add_argument("--engines", nargs="+", default=["fts5", "tantivy", "bm25s"])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # child mode: engine:copies
    args = ap.parse_args()
    shorts = [words(q) for q in SHORT_QUERIES]
    longs = long_queries(args.queries)
    if args.one:
        engine, copies = args.one.split(":")
        docs = load_docs(args.xml_zip, int(copies))
        tmp = Path(tempfile.mkdtemp(prefix="ts-bench-"))
        try:
            print(json.dumps(run_engine(engine, docs, shorts, longs, tmp)))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    results = []
    for copies in args.copies:
        for engine in args.engines:
            cmd = [
                sys.executable,
                __file__,
                "--xml-zip",
                str(args.xml_zip),
                "--one",
                f"{engine}:{copies}",
            ]
            if args.queries:
                cmd += ["--queries", str(args.queries)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                row = {
                    "engine": engine,
                    "copies": copies,
                    "skipped": proc.stderr.strip().splitlines()[-1:],
                }
            else:
                row = json.loads(proc.stdout.strip().splitlines()[-1]) | {"copies": copies}
            print(json.dumps(row), flush=True)
            results.append(row)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "search_engines.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
