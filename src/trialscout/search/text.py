"""User text -> a safe, engine-neutral query: a list of phrases (each a list of word tokens).

Tokenisation mirrors the index tokenizer (Unicode word runs, lower case), so `PD-1` becomes the
phrase "pd 1" and `"` / `AND` / `*` typed by a user are plain text, never query syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

_WORD = re.compile(r"\w+", re.UNICODE)
_QUOTED = re.compile(r'"([^"]*)"')
_CHUNK = re.compile(r"[^\s]+")
# Function words that carry no meaning for a trial search (and that users type as operators).
STOPWORDS = frozenset(
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
        "versus",
    ]
)


@dataclass(frozen=True)
class TextQuery:
    phrases: list[list[str]] = field(default_factory=list)
    mode: Literal["all", "any"] = "all"
    conditions: list[list[str]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.phrases and not self.conditions


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(text)]


def _chunk_phrases(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    for chunk in _CHUNK.findall(text):
        toks = tokens(chunk)
        if len(toks) == 1 and toks[0] in STOPWORDS:
            continue
        if toks:
            out.append(toks)
    return out


def parse_text(text: str | None) -> list[list[str]]:
    """Split user text into phrases: "quoted parts" stay together, hyphenated words too."""
    if not text:
        return []
    phrases: list[list[str]] = []
    pos = 0
    for m in _QUOTED.finditer(text):
        phrases.extend(_chunk_phrases(text[pos : m.start()]))
        toks = tokens(m.group(1))
        if toks:
            phrases.append(toks)
        pos = m.end()
    phrases.extend(_chunk_phrases(text[pos:]))
    # Drop repeats: they add nothing to an AND and skew an OR.
    seen: set[tuple[str, ...]] = set()
    unique: list[list[str]] = []
    for p in phrases:
        key = tuple(p)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def parse_conditions(conditions: list[str]) -> list[list[str]]:
    out = []
    for c in conditions:
        toks = [t for t in tokens(c) if t not in STOPWORDS]
        if toks:
            out.append(toks)
    return out
