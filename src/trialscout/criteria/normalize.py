"""Text normalisation that remembers where every character came from.

Criteria arrive with HTML entities, typographic symbols and wrapped lines. The
extractors want plain ASCII-ish text with single spaces, but every atom must point
back to the exact original characters, so each output character keeps the
original span it was produced from.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_SUPERSCRIPTS = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
}

_CHAR_MAP = {
    "≥": ">=",
    "≧": ">=",
    "⩾": ">=",
    "≤": "<=",
    "≦": "<=",
    "⩽": "<=",
    "＞": ">",
    "＜": "<",
    "＝": "=",
    "×": "x",
    "✕": "x",
    "⋅": ".",
    "µ": "u",
    "μ": "u",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "‒": "-",
    "～": "~",
    "’": "'",
    "‘": "'",
    "´": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "，": ",",
    "；": ";",
    "：": ":",
    "（": "(",
    "）": ")",
    "±": "+/-",
    "\u00ad": "",
    "\u200b": "",
    "\ufeff": "",
}

# Comparators typed in the Windows Symbol font and stored as Latin-1: byte 0xB3 is "≥" and
# 0xA3 is "≤" there, read back as "³" and "£" ("Haemoglobin ³ 9.0 g/dl"; 11 registry texts
# in eligibility-texts.csv, e.g. "longest diameter ³10 mm"). Only before a number
# (`_symbol_font`).
_SYMBOL_FONT = {"³": ">=", "£": "<="}
_NUMBER_AFTER = re.compile(r" ?[-+]?\.?\d")

# multi-character spellings of comparators and escapes (markdown `\~`, `\>`)
_MULTI = {
    ">/=": ">=",
    "</=": "<=",
    "=/>": ">=",
    "=/<": "<=",
    "=>": ">=",
    "=<": "<=",
    "> =": ">=",
    "< =": "<=",
    "\\>": ">",
    "\\<": "<",
    "\\~": "~",
    "\\*": "*",
    "\\-": "-",
}

_TOKEN = re.compile(
    r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});"
    r"|>/=|</=|=/>|=/<|=>|=<|> =|< =|\\[><~*\-]"
    r"|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+"
    r"|[^\S ]\s*| \s+"  # whitespace runs but a lone " ", which stays as it is (see `normalize`)
    r"|[^\x00-\x7f]"
)


# Anything `_TOKEN` would rewrite other than a single space: without it, the text is its
# own normalisation (the common case, so it skips the per-token loop).
_NEEDS_WORK = re.compile(r"[^\x20-\x7e]|\s\s|&|\\|[<>=]\s?[/=<>]|=/")


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, per character, the original [start, end) it came from."""

    text: str
    starts: list[int]
    ends: list[int]

    def span(self, start: int, end: int, base: int = 0) -> tuple[int, int]:
        """Original span of normalised text[start:end], shifted by `base`."""
        if not self.text:
            return (base, base)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return (base + self.starts[start], base + self.ends[end - 1])


def _entity(tok: str) -> str:
    out = html.unescape(tok)
    return out if out != tok else tok


def _symbol_font(text: str, a: int, b: int) -> bool:
    """A lone "³"/"£" after a space or "(" and before a number is a Symbol-font comparator
    ("diameter ³10 mm", "Hb ³ 9"); "£" only with a space after it ("£20" is money)."""
    if a == 0 or text[a - 1] not in " (":
        return False
    if text[a] == "£" and not text.startswith(" ", b):
        return False
    return _NUMBER_AFTER.match(text, b) is not None


def normalize(text: str) -> Normalized:
    """Map entities/symbols to ASCII spellings and collapse whitespace to one space."""
    if not _NEEDS_WORK.search(text):
        lo = len(text) - len(text.lstrip(" "))
        hi = len(text.rstrip(" "))
        if hi <= lo:
            return Normalized("", [], [])
        return Normalized(text[lo:hi], list(range(lo, hi)), list(range(lo + 1, hi + 1)))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last_space = True  # drops leading spaces

    def emit(s: str, a: int, b: int) -> None:
        nonlocal last_space
        for ch in s:
            if ch == " " and last_space:
                continue
            pieces.append(ch)
            starts.append(a)
            ends.append(b)
            last_space = ch == " "

    def plain(pos: int, a: int) -> None:
        """Copy text[pos:a] as it is: no token, so at most lone spaces, which collapse
        like `emit(" ")` (a space after a space or at the start is dropped)."""
        nonlocal last_space
        if last_space and text[pos] == " ":
            pos += 1
            if pos == a:
                return
        pieces.append(text[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        last_space = text[a - 1] == " "

    pos = 0
    for m in _TOKEN.finditer(text):
        a, b = m.span()
        if a > pos:
            plain(pos, a)
        tok = m.group()
        if tok[0] == "&":
            rep = _entity(tok)
            emit("".join(_CHAR_MAP.get(c, " " if c.isspace() else c) for c in rep), a, b)
        elif tok in _MULTI:
            emit(_MULTI[tok], a, b)
        elif tok in _SYMBOL_FONT and _symbol_font(text, a, b):
            emit(_SYMBOL_FONT[tok], a, b)
        elif tok[0] in _SUPERSCRIPTS:
            prev = text[a - 1] if a > 0 else ""
            digits = "".join(_SUPERSCRIPTS[c] for c in tok)
            emit(("^" if prev.isdigit() else "") + digits, a, b)
        elif tok.isspace():
            emit(" ", a, b)
        elif tok in _CHAR_MAP:
            emit(_CHAR_MAP[tok], a, b)
        elif tok.isspace():
            emit(" ", a, b)
        else:
            emit(tok, a, b)
        pos = b
    if pos < len(text):
        plain(pos, len(text))
    out = "".join(pieces)
    k = len(out)
    while k and out[k - 1] == " ":
        k -= 1
    return Normalized(out[:k], starts[:k], ends[:k])
