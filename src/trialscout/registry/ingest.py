"""Stream records from files into the store in batches, resumable after an interruption.

Each input gets a checkpoint in `meta` keyed by its path, size and mtime: the number of records
read from it that are safely committed. The checkpoint is written in the same transaction as the
batch it covers, so a crash at any point leaves either both or neither; a rerun skips what is
already in. A finished input's checkpoint is removed, so a later rerun re-reads everything (and
reports it unchanged).
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from trialscout.registry.errors import RecordError
from trialscout.registry.model import Trial

if TYPE_CHECKING:
    from trialscout.registry.sources import RawRecord
    from trialscout.store import Store

CHECKPOINT_PREFIX = "ingest:checkpoint:"
MAX_KEPT_ERRORS = 1000
GC_THRESHOLD = 50_000  # young-generation allocations between collections while ingesting


@dataclass
class IngestSummary:
    stored: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0  # already committed by an earlier, interrupted run
    errors: list[str] = field(default_factory=list)  # the first MAX_KEPT_ERRORS lines

    def line(self) -> str:
        out = f"stored {self.stored}, unchanged {self.unchanged}, failed {self.failed}"
        if self.skipped:
            out += f" (resumed: skipped {self.skipped} records already ingested)"
        return out


def _fingerprint(path: Path) -> str:
    """`size|mtime_ns` of a file; for a folder, a digest of every file's name, size and mtime."""
    if path.is_file():
        st = path.stat()
        return f"{st.st_size}|{st.st_mtime_ns}"
    digest = hashlib.sha1(usedforsecurity=False)
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            st = os.stat(full)
            digest.update(f"{full}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def checkpoint_key(path: Path) -> str:
    return f"{CHECKPOINT_PREFIX}{path.resolve()}|{_fingerprint(path)}"


def demo_paths() -> list[Path]:
    """The bundled demo records (`trialscout/demo/**/*.json|*.zip`)."""
    root = Path(str(resources.files("trialscout") / "demo"))
    found = (
        sorted(p for ext in ("*.zip", "*.json") for p in root.rglob(ext)) if root.is_dir() else []
    )
    if not found:
        raise FileNotFoundError(f"demo data not found (looked in {root})")
    return found


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Parsing allocates millions of short-lived, acyclic objects beside a large long-lived
    heap (the gazetteer, the vocabulary): at the default thresholds the cyclic collector's
    passes cost ~15% of ingest CPU while finding almost nothing. Run it less often."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _parse(raw: RawRecord) -> Trial:
    from trialscout.registry.readers import parse_record

    try:
        return parse_record(raw)
    except RecordError:
        raise
    except Exception as exc:  # a reader bug must not stop the batch; name the record
        raise RecordError(raw.source, f"{type(exc).__name__}: {exc}") from exc


def ingest_paths(
    paths: Sequence[str | Path],
    store: Store,
    *,
    batch_size: int = 500,
    progress: bool = True,
    console: Console | None = None,
    on_error: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Read, parse and upsert every record under `paths`; one transaction per batch.

    `on_error` gets one line per failed record (the RecordError text) as it happens.
    Raises FileNotFoundError before doing anything if a path does not exist.
    """
    from trialscout.registry.sources import iter_records

    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    resolved = [Path(p) for p in paths]
    missing = [str(p) for p in resolved if not p.exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")

    summary = IngestSummary()

    def fail(message: str) -> None:
        summary.failed += 1
        if len(summary.errors) < MAX_KEPT_ERRORS:
            summary.errors.append(message)
        if on_error is not None:
            on_error(message)

    with (
        _fewer_gc_passes(),
        Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not progress,
            transient=False,
        ) as bar,
    ):
        for path in resolved:
            key = checkpoint_key(path)
            done_before = int(store.get_meta(key) or 0)
            task = bar.add_task(path.name, total=None, rate="")
            started = time.perf_counter()
            batch: list[tuple[Trial, RawRecord]] = []
            index = 0
            for item in iter_records([path]):
                index += 1
                if index <= done_before:
                    summary.skipped += 1
                    continue
                if isinstance(item, RecordError):
                    fail(str(item))
                else:
                    try:
                        batch.append((_parse(item), item))
                    except RecordError as err:
                        fail(str(err))
                if len(batch) >= batch_size:
                    _flush(store, batch, summary, {key: str(index)})
                    batch = []
                    bar.update(task, completed=index, rate=_rate(index - done_before, started))
            # The last batch and the checkpoint's removal commit together.
            _flush(store, batch, summary, {key: None})
            bar.update(task, completed=index, total=index, rate=_rate(index - done_before, started))
    return summary


def _rate(count: int, started: float) -> str:
    elapsed = time.perf_counter() - started
    return f"{count / elapsed:,.0f} rec/s" if elapsed > 0 and count else ""


def _flush(
    store: Store,
    batch: list[tuple[Trial, RawRecord]],
    summary: IngestSummary,
    meta: dict[str, str | None],
) -> None:
    result = store.upsert_batch(batch, meta=meta)
    summary.stored += result.stored
    summary.unchanged += result.unchanged
