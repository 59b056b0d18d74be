"""What keeps criteria from being fully parsed: the content words the parser itself flags as
leftover (`trialscout.criteria.logic.leftover`), over the oncology subset of
eligibility-texts.csv (the same `diseases` rule as `trialscout eval criteria`).

Prints the share of criteria fully parsed, the most frequent leftover words and leftover
phrases (runs of adjacent leftover words), each with an example criterion, and how often a
word is the only thing left in a criterion that has an atom (`sole`: reading or dismissing
that word would make the criterion fully parsed; a criterion with no atom stays unparsed).
Writes the same as JSON with --out.

Usage:
    .venv/bin/python scripts/criteria_coverage.py [CSV] [--top 40] [--limit N] [--all]
        [--out /tmp/coverage.json]

--all parses the non-oncology trials too (for the all-trials share; leftovers are still
counted over oncology only). --limit N stops after N oncology trials (quick looks).
The oncology figure matches `trialscout eval criteria --corpus` (all criteria, parents
included); atoms and leftovers are counted on leaf criteria only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from trialscout.criteria import logic
from trialscout.criteria.atoms import iter_atoms
from trialscout.criteria.evaluate import ONCOLOGY_RE, iter_corpus
from trialscout.criteria.normalize import normalize
from trialscout.criteria.parser import parse_criteria

DEFAULT_CSV = (
    Path(__file__).resolve().parents[1].parent / "shared/data/criteria/eligibility-texts.csv"
)
# Two leftover words belong to one phrase when only spaces, hyphens, slashes or one short
# function word lie between them (no punctuation that ends a clause or list item).
_JOIN = re.compile(r"[\s\-/]*(?:[A-Za-z]{1,4}[\s\-/]+)?")
_MAX_PHRASE_WORDS = 6
_EXAMPLE_CHARS = 240


def _phrases(text: str, words: list[tuple[int, int]]) -> list[str]:
    runs: list[list[tuple[int, int]]] = []
    for sp in words:
        if runs and _JOIN.fullmatch(text[runs[-1][-1][1] : sp[0]]):
            runs[-1].append(sp)
        else:
            runs.append([sp])
    out = []
    for run in runs:
        if 2 <= len(run) <= _MAX_PHRASE_WORDS:
            out.append(" ".join(text[run[0][0] : run[-1][1]].lower().split()))
    return out


def _example(text: str, sp: tuple[int, int]) -> str:
    """The criterion text around a leftover word, the word marked with [[ ]]."""
    half = _EXAMPLE_CHARS // 2
    lo = max(0, sp[0] - half)
    hi = min(len(text), sp[1] + half)
    s = text[lo : sp[0]] + "[[" + text[sp[0] : sp[1]] + "]]" + text[sp[1] : hi]
    return ("..." if lo else "") + " ".join(s.split()) + ("..." if hi < len(text) else "")


def _bare_headings(criteria: list[Any]) -> set[str]:
    """Normalised texts of parent items whose own words the parser drops: no atom of their
    own besides review/unparsed ("Life expectancy:", "Hematopoietic"), so the parent's
    tree is only its children's and its leftover words never count (parser.parse_criteria)."""
    out: set[str] = set()
    for c in criteria:
        kids = [x for x in criteria if x.parent == c.id]
        if not kids:
            continue
        own = [
            a
            for a in iter_atoms(c.expr)
            if a.type not in ("unparsed", "review")
            and a.span is not None
            and not any(k.span[0] <= a.span[0] and a.span[1] <= k.span[1] for k in kids)
        ]
        if not own:
            out.add(normalize(c.text).text)
    return out


def run(csv_path: Path, limit: int, all_trials: bool) -> dict[str, Any]:
    tot = {"all": [0, 0], "oncology": [0, 0]}
    words: Counter[str] = Counter()
    sole: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    examples: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    unparsed_no_words = 0
    onco_trials = 0
    sink: list[tuple[str, list[tuple[int, int]], bool]] = []
    t0 = time.process_time()
    logic.LEFTOVER_SINK = sink
    try:
        for row in iter_corpus(csv_path):
            onco = row.oncology
            if not onco and not all_trials:
                continue
            if onco:
                if limit and onco_trials >= limit:
                    break
                onco_trials += 1
            sink.clear()
            parsed = parse_criteria(row.criteria, row.nct_id)
            keys = (["all"] if all_trials else []) + (["oncology"] if onco else [])
            for c in parsed.criteria:
                for key in keys:
                    tot[key][0] += 1
                    tot[key][1] += int(c.fully_parsed)
                if onco and not any(x.parent == c.id for x in parsed.criteria):
                    for a in iter_atoms(c.expr):
                        kinds[a.type] += 1
            if not onco:
                continue
            n_unparsed = sum(
                a.type == "unparsed"
                for c in parsed.criteria
                if not any(x.parent == c.id for x in parsed.criteria)
                for a in iter_atoms(c.expr)
            )
            unparsed_no_words += max(0, n_unparsed - len(sink))
            heads = _bare_headings(parsed.criteria)
            for text, spans, has_atom in sink:
                if text in heads:
                    continue  # a heading's own words: its tree is its children's
                distinct = {text[x:y].lower() for x, y in spans}
                for x, y in spans:
                    w = text[x:y].lower()
                    words[w] += 1
                    if w not in examples:
                        examples[w] = _example(text, (x, y))
                if len(distinct) == 1 and has_atom:
                    sole[next(iter(distinct))] += 1
                for p in _phrases(text, spans):
                    phrases[p] += 1
                    key = "phrase:" + p
                    if key not in examples:
                        i = text.lower().find(p.split()[0])
                        examples[key] = _example(text, (i, i + len(p.split()[0])))
    finally:
        logic.LEFTOVER_SINK = None
    cpu = time.process_time() - t0
    return {
        "csv": str(csv_path),
        "oncology_rule": ONCOLOGY_RE.pattern,
        "oncology_trials": onco_trials,
        "cpu_seconds": round(cpu, 1),
        "criteria": {
            k: {"n": n, "fully_parsed": ok, "share": round(ok / n, 4) if n else 0.0}
            for k, (n, ok) in tot.items()
            if n
        },
        "atoms_oncology": dict(kinds.most_common()),
        "unparsed_without_leftover_words": unparsed_no_words,
        "leftover_words": [
            {"word": w, "count": n, "sole": sole[w], "example": examples[w]}
            for w, n in words.most_common()
        ],
        "sole_leftover_words": [{"word": w, "criteria": n} for w, n in sole.most_common()],
        "leftover_phrases": [
            {"phrase": p, "count": n, "example": examples["phrase:" + p]}
            for p, n in phrases.most_common()
            if n > 1
        ],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", nargs="?", default=str(DEFAULT_CSV))
    ap.add_argument("--top", type=int, default=40, help="rows printed per list")
    ap.add_argument("--limit", type=int, default=0, help="stop after N oncology trials")
    ap.add_argument("--all", action="store_true", help="also parse non-oncology trials")
    ap.add_argument("--out", help="write the full report as JSON here")
    ap.add_argument("--examples", action="store_true", help="print an example per row")
    args = ap.parse_args()
    rep = run(Path(args.csv), args.limit, args.all)
    for key, c in rep["criteria"].items():
        share = 100 * c["share"]
        print(f"{key:9} criteria {c['n']:7d}  fully parsed {c['fully_parsed']:7d}  ({share:.1f}%)")
    print(f"oncology trials {rep['oncology_trials']}; {rep['cpu_seconds']}s CPU")
    print("atoms (oncology):", ", ".join(f"{k}={v}" for k, v in rep["atoms_oncology"].items()))
    n_empty = rep["unparsed_without_leftover_words"]
    print(f"unparsed atoms with no leftover word (no atom, only stop words): {n_empty}")
    width = max((len(r["word"]) for r in rep["leftover_words"][: args.top]), default=10)
    print(
        "\ntop leftover words (oncology): count, sole (criteria with an atom where it is all "
        "that is left)"
    )
    for r in rep["leftover_words"][: args.top]:
        ex = f"  | {r['example'][:160]}" if args.examples else ""
        print(f"  {r['count']:6d} {r['sole']:5d}  {r['word']:{width}}{ex}")
    print("\ntop leftover phrases (oncology)")
    for r in rep["leftover_phrases"][: args.top]:
        ex = f"  | {r['example'][:160]}" if args.examples else ""
        print(f"  {r['count']:6d}  {r['phrase']}{ex}")
    if args.out:
        Path(args.out).write_text(json.dumps(rep, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
