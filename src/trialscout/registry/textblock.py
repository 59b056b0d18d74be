"""Registry free text: turn the classic XML's indented, wrapped textblocks into the API v2 shape.

The classic XML renders each textblock indented by 6-8 spaces, hard-wrapped at column 99,
with list items drawn as ``-  item`` and a blank line between everything. API v2 JSON gives
the same text as light markdown: one paragraph per line, list items as ``* item`` on
consecutive lines, blank lines only around paragraphs. Re-flowing the XML into that shape
lets the same study read from either format give the same text, and keeps one criterion
per line for the criteria parser.
"""

from __future__ import annotations

import re

# The XML renderer wraps at this width (no wrapped line in AllPublicXML is longer, except
# unbreakable words). A line break that came before this width was in the source text.
WRAP_WIDTH = 99

_DASH_ITEM = re.compile(r"^[-*•·]\s+(?=\S)")
_NUMBERED_ITEM = re.compile(r"^(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]\s+(?=\S)")
_DASH_CHARS = frozenset("-*•·")
_INDENTS = re.compile(r"\n( *)[^\s]")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>&|~^=])")
_WS = re.compile(r"\s+")


class _Block:
    __slots__ = ("indent", "is_item", "lines", "prefix")

    def __init__(self, indent: int, is_item: bool, prefix: str, first: str) -> None:
        self.indent = indent
        self.is_item = is_item
        self.prefix = prefix
        self.lines = [first]


def reflow_textblock(text: str | None) -> str | None:
    """Dedent and re-flow one XML textblock into API v2 style text; None when empty."""
    if text is None:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip("\n ")
    if "\n" not in text:
        return text.strip() or None
    if "\t" in text:
        text = text.expandtabs(4)
    lines = text.split("\n")
    # The first line lost its indent to strip(): measure the base from the other lines.
    base = min(map(len, _INDENTS.findall(text)), default=0)
    lines[0] = " " * base + lines[0]

    blocks: list[_Block] = []
    cur: _Block | None = None
    prev_width = 0
    for line in lines:
        line = line.rstrip()
        if not line:
            cur = None
            continue
        stripped = line.lstrip()
        width = len(line)
        rel = width - len(stripped) - base
        first = stripped[0]
        if first in _DASH_CHARS and (dash := _DASH_ITEM.match(stripped)) is not None:
            cur = _Block(rel, True, "  " * max(0, rel // 5) + "* ", stripped[dash.end() :])
            blocks.append(cur)
        elif (
            (cur is None or first.isdigit())
            and first.isalnum()
            and (numbered := _NUMBERED_ITEM.match(stripped)) is not None
        ):
            end = numbered.end()
            marker = _WS.sub(" ", stripped[:end])
            cur = _Block(rel, True, "  " * max(0, rel // 5), marker + stripped[end:])
            blocks.append(cur)
        elif cur is not None and (not cur.is_item or rel > cur.indent):
            space = stripped.find(" ")
            if prev_width + 1 + (len(stripped) if space < 0 else space) <= WRAP_WIDTH:
                # The previous line had room for this word: the break was in the source.
                cur.lines.append("\n" + stripped)
            else:
                cur.lines.append(" " + stripped)
        else:
            cur = _Block(rel, False, "", stripped)
            blocks.append(cur)
        prev_width = width

    out: list[str] = []
    prev: _Block | None = None
    for block in blocks:
        if prev is not None:
            out.append("\n" if (prev.is_item and block.is_item) else "\n\n")
        out.append(block.prefix)
        out.append("".join(block.lines))
        prev = block
    return "".join(out) or None


def unescape_markdown(text: str | None) -> str | None:
    """Drop API v2's markdown backslash escapes (``\\>=`` -> ``>=``) and trim; None when empty."""
    if text is None:
        return None
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    text = text.strip()
    return text or None


def normalize_ws(text: str | None) -> str:
    """Collapse all whitespace runs to one space: for comparing texts across formats."""
    return _WS.sub(" ", text or "").strip()
