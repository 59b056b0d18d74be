"""Re-flowing classic XML textblocks into the API v2 text shape."""

from __future__ import annotations

from trialscout.registry.textblock import normalize_ws, reflow_textblock, unescape_markdown


def test_paragraphs_are_unwrapped_and_separated_by_one_blank_line() -> None:
    text = (
        "\n      This is a prospective, two arm, international, multicenter, randomized, "
        "open-label Phase III\n"
        "      study evaluating palbociclib.\n\n"
        "      Second paragraph.\n    "
    )
    assert reflow_textblock(text) == (
        "This is a prospective, two arm, international, multicenter, randomized, open-label "
        "Phase III study evaluating palbociclib.\n\nSecond paragraph."
    )


def test_bullets_become_markdown_items_one_per_line() -> None:
    text = (
        "\n        Inclusion Criteria:\n\n"
        "          -  Histologically proven, newly diagnosed, supratentorial, grade IV "
        "astrocytoma\n"
        "             (glioblastoma multiforme)\n\n"
        "               -  Incompletely resected disease\n\n"
        "          -  ECOG 0-1\n\n"
        "        Exclusion Criteria:\n\n"
        "          1. Pregnancy\n\n"
        "          2. Prior   therapy\n"
    )
    assert reflow_textblock(text) == (
        "Inclusion Criteria:\n\n"
        "* Histologically proven, newly diagnosed, supratentorial, grade IV astrocytoma "
        "(glioblastoma multiforme)\n"
        "  * Incompletely resected disease\n"
        "* ECOG 0-1\n\n"
        "Exclusion Criteria:\n\n"
        "1. Pregnancy\n"
        "2. Prior   therapy"
    )


def test_short_lines_keep_their_source_line_breaks() -> None:
    # Lines far shorter than the wrap width were broken by the author, not by the renderer.
    text = "\n        Age: 18 and over\n        ECOG: 0-1\n        Bilirubin normal\n"
    assert reflow_textblock(text) == "Age: 18 and over\nECOG: 0-1\nBilirubin normal"


def test_carriage_returns_and_empty_blocks() -> None:
    assert reflow_textblock("\r\n   a\r\n   b\r\n") == "a\nb"
    assert reflow_textblock("   \n  \n") is None
    assert reflow_textblock(None) is None
    assert reflow_textblock("  single line  ") == "single line"


def test_markdown_unescape_and_whitespace_normalisation() -> None:
    assert unescape_markdown("ANC \\>= 1.5 \\[x10\\^9/L\\] \\\\ ok") == "ANC >= 1.5 [x10^9/L] \\ ok"
    assert unescape_markdown("   ") is None
    assert normalize_ws(" a\n\n* b\t c ") == "a * b c"
