"""Eligibility text -> inclusion/exclusion items with exact character spans.

Span rule: for every item, ``text == original[span[0]:span[1]]``. The span starts
after the list marker ("1.", "(a)", "-", "•"...) and the spaces that follow it, and
ends at the last non-space character of the item's last line. Wrapped lines stay
inside the span as they are (newlines and indentation included); the parser works
on a normalised copy and maps positions back.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["inclusion", "exclusion"]

_MARKER = re.compile(
    r"(?:(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\s?[.)](?=\s|$)(?!\d)"
    r"|\((?P<pnum>\d{1,2})\)"
    r"|\((?P<palpha>[a-zA-Z]|[ivxIVX]{1,5})\)"
    r"|(?P<alpha>[a-zA-Z])[.)](?=\s)"
    r"|(?P<roman>[ivxIVX]{1,5})[.)](?=\s)"
    r"|(?P<bullet>[•·●○▪■◦‣►➢▶✓\u2022\uf0b7\uf0a7]|[-*+o](?=\s)|-(?=[A-Za-z]))"
    r")[ \t\u00a0]*"
)
_HEADER_WORDS = re.compile(r"\b(inclusion|exclusion|eligibility)\b", re.I)
_HEADER_ONLY = re.compile(
    r"^[#*_\s]*(?:(?:key|main|major|general|specific|additional|other|principal)\s+)?"
    r"(?P<word>inclusion|exclusion|eligibility)\b[^:]{0,60}?(?:criteria|criterion|requirements?)?"
    r"[^:]{0,40}?[*_\s]*(?::|\.)?[*_\s]*$",
    re.I,
)
_HEADER_INLINE = re.compile(
    r"^[#*_\s]*(?:(?:key|main|major|general)\s+)?(?P<word>inclusion|exclusion)\s+"
    r"(?:criteria|criterion)[*_\s]*:[*_\s]*(?=[^\s*_])",
    re.I,
)
_PERSON_HEADER = re.compile(
    r"^(?:the following\s+)?(?:all\s+)?(?:patients?|subjects?|participants?|candidates?|"
    r"individuals?|women|men|persons?|volunteers?)\b[^:\n]{0,120}"
    r"\b(?:following|below|criteria|excluded|ineligible)\b[^:\n]{0,40}:\s*$",
    re.I,
)
_NEG_HEADER = re.compile(r"\b(not|excluded?|exclusion|ineligible|none)\b", re.I)
_CAPS_LABEL = re.compile(r"^[A-Z][A-Z0-9 ,/&()'-]{2,60}:\s*$")
_SUBLABEL = re.compile(
    r"(?:(?<=^)|(?<=[\s,;.]))(?:Hematolog\w*|Haematolog\w*|Bone marrow(?: function)?|"
    r"Blood routine|Renal(?: function)?|Kidney(?: function)?|Liver(?: function)?|"
    r"Hepatic(?: function)?|Coagulation(?: function)?)\s*:",
    re.I,
)


@dataclass
class Item:
    """One criterion in the original text; `id` is assigned after nesting is known."""

    kind: Kind
    start: int
    end: int
    indent: int
    style: str
    parent: Item | None = None
    children: list[Item] = field(default_factory=list)
    id: str = ""


@dataclass
class Segmented:
    items: list[Item]
    warnings: list[str]


def _style(m: re.Match[str], prev_style: str | None) -> str:
    if m.group("num"):
        return f"num{m.group('num').count('.')}"
    if m.group("pnum"):
        return "pnum"
    if m.group("palpha"):
        v = m.group("palpha")
        if re.fullmatch(r"[ivxIVX]+", v) and (len(v) > 1 or prev_style == "proman"):
            return "proman"
        return "palpha"
    if m.group("alpha"):
        v = m.group("alpha")
        if v in "ivxIVX" and prev_style == "roman":
            return "roman"
        return "alpha" if v.islower() else "ALPHA"
    if m.group("roman"):
        return "roman"
    return "bullet:" + m.group("bullet")[0]


def _header(stripped: str) -> tuple[Kind | None, int]:
    """(kind, offset of inline content or -1) when the line is a section header."""
    m = _HEADER_INLINE.match(stripped)
    if m:
        kind: Kind = "exclusion" if m.group("word").lower() == "exclusion" else "inclusion"
        return kind, m.end()
    if len(stripped) <= 110 and _HEADER_WORDS.search(stripped):
        m2 = _HEADER_ONLY.match(stripped)
        if m2:
            w = _HEADER_WORDS.search(stripped)
            assert w is not None
            return ("exclusion" if w.group(1).lower() == "exclusion" else "inclusion"), -1
    if len(stripped) <= 200 and _PERSON_HEADER.match(stripped):
        return ("exclusion" if _NEG_HEADER.search(stripped) else "inclusion"), -1
    return None, -1


def segment(text: str) -> Segmented:
    """Split an eligibility text into nested items (see module doc for the span rule)."""
    warnings: list[str] = []
    top: list[Item] = []
    stack: list[Item] = []
    kind: Kind = "inclusion"
    cur: Item | None = None
    blank_seen = False
    prev_line_len = 0
    prev_line_end_char = ""
    pos = 0
    n = len(text)
    prev_style: str | None = None

    def add(item: Item, parent: Item | None) -> None:
        item.parent = parent
        if parent is None:
            top.append(item)
        else:
            parent.children.append(item)
        stack.append(item)

    while pos <= n:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        line = text[pos:nl]
        lstart = pos
        pos = nl + 1
        raw_stripped = line.strip()
        if not raw_stripped:
            blank_seen = True
            if nl >= n:
                break
            continue
        indent = len(line) - len(line.lstrip())
        cstart = lstart + indent
        cend = lstart + len(line.rstrip())
        hkind, inline = (None, -1)
        m = _MARKER.match(line, indent)
        if m is None or not m.group(0).strip() or raw_stripped[0] in "*#_":
            hkind, inline = _header(raw_stripped)
        if hkind is not None:
            kind = hkind
            stack.clear()
            cur = None
            blank_seen = False
            prev_line_len = 0
            if inline >= 0:
                s = cstart + inline
                cur = Item(kind, s, cend, indent, "para")
                add(cur, None)
            prev_line_end_char = raw_stripped[-1]
            continue
        if m is None and _CAPS_LABEL.match(raw_stripped) and len(raw_stripped) < 60:
            # old NCI style sub-sections ("DISEASE CHARACTERISTICS:"): not criteria
            stack.clear()
            cur = None
            blank_seen = False
            prev_line_end_char = ":"
            prev_line_len = 0
            continue
        if m is not None and lstart + m.end() < cend:
            style = _style(m, prev_style)
            prev_style = style
            item = Item(kind, lstart + m.end(), cend, indent, style)
            parent: Item | None = None
            # sibling of an open item with the same marker style and about the same indent
            # (a bullet two or more columns deeper is a sub-item: registry text nests '*'
            # lists by two spaces, e.g. '* one of the following:' / '  * CML')
            sib_idx = next(
                (
                    i
                    for i in range(len(stack) - 1, -1, -1)
                    if stack[i].style == style
                    and abs(stack[i].indent - indent) <= (1 if style.startswith("bullet") else 3)
                ),
                -1,
            )
            if sib_idx >= 0:
                del stack[sib_idx:]
                parent = stack[-1] if stack else None
            else:
                while stack and stack[-1].indent > indent:
                    stack.pop()
                parent = stack[-1] if stack else None
            add(item, parent)
            cur = item
        elif (
            cur is not None
            and not blank_seen
            and not _starts_new_unmarked(
                cur, indent, raw_stripped, prev_line_len, prev_line_end_char
            )
        ):
            cur.end = cend
        elif cur is not None and blank_seen and cur.style != "para" and indent > cur.indent + 1:
            cur.end = cend  # an indented paragraph inside the current item
        else:
            # an unmarked paragraph: a child of an item that announced sub-parts with ':'
            parent = None
            if cur is not None and prev_line_end_char == ":":
                parent = cur
            else:
                while stack and stack[-1].indent > indent:
                    stack.pop()
                parent = stack[-1].parent if stack and stack[-1].style == "para" else None
                if stack and stack[-1].style != "para" and stack[-1].indent < indent:
                    parent = stack[-1]
            item = Item(kind, cstart, cend, indent, "para")
            if parent is not None and parent in stack:
                del stack[stack.index(parent) + 1 :]
            else:
                stack.clear()
            add(item, parent)
            cur = item
        blank_seen = False
        prev_line_len = len(line.rstrip())
        prev_line_end_char = raw_stripped[-1]
        if nl >= n:
            break

    items = _flatten_with_ids(top, text)
    return Segmented(items, warnings)


def _starts_new_unmarked(
    cur: Item, indent: int, stripped: str, prev_len: int, prev_end: str
) -> bool:
    """Whether a line right under another line starts a new criterion (not a wrap)."""
    if cur.style != "para" and indent > cur.indent:
        return False
    if prev_end in ",(" or stripped[0].islower():
        return False
    if prev_end in ".;:" and prev_len < 70:
        return True
    return prev_len < 50 and (stripped[0].isupper() or stripped[0].isdigit())


def _split_sublabels(item: Item, text: str) -> list[Item] | None:
    """Parts of an item that packs labelled blocks ("Hematology: ... Renal: ...")."""
    body = text[item.start : item.end]
    marks = [m.start() for m in _SUBLABEL.finditer(body)]
    if len(marks) < 2:
        return None
    parts: list[Item] = []
    bounds = [*marks, len(body)]
    if body[: marks[0]].strip():
        bounds = [0, *bounds] if False else bounds
    for a, b in itertools.pairwise(bounds):
        seg = body[a:b]
        s = item.start + a
        e = s + len(seg.rstrip(" \t\r\n,;"))
        if e > s:
            parts.append(Item(item.kind, s, e, item.indent, "sub"))
    return parts


def _flatten_with_ids(top: list[Item], text: str) -> list[Item]:
    out: list[Item] = []
    counters = {"inclusion": 0, "exclusion": 0}

    def expand(children: list[Item]) -> list[Item]:
        res: list[Item] = []
        for ch in children:
            parts = _split_sublabels(ch, text) if not ch.children else None
            if (parts is not None and ch.style == "para" and ch.parent is not None) or (
                parts is not None and text[ch.start : parts[0].start].strip() == ""
            ):
                for p in parts:
                    p.parent = ch.parent
                res.extend(parts)
            elif parts is not None:
                for p in parts:
                    p.parent = ch
                ch.children = parts
                ch.end = parts[0].start
                ch.end = ch.start + len(text[ch.start : ch.end].rstrip())
                res.append(ch)
            else:
                res.append(ch)
        return res

    def walk(items: list[Item], prefix: str | None) -> None:
        for idx, it in enumerate(items, 1):
            if prefix is None:
                counters[it.kind] += 1
                it.id = f"{'inc' if it.kind == 'inclusion' else 'exc'}-{counters[it.kind]}"
            else:
                it.id = f"{prefix}.{idx}"
            out.append(it)
            it.children = expand(it.children)
            walk(it.children, it.id)

    walk(expand(top), None)
    return out
