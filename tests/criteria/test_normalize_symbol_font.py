"""Comparators typed in the Windows Symbol font ("³" = ≥, "£" = ≤ read back as Latin-1)."""

from __future__ import annotations

import pytest

from trialscout.criteria.normalize import normalize


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Haemoglobin ³ 9.0 g/dl", "Haemoglobin >= 9.0 g/dl"),
        ("Creatinine £ 1.5 x ULN", "Creatinine <= 1.5 x ULN"),
        ("Platelets >= 100 x 10³/mm³", "Platelets >= 100 x 10^3/mm3"),  # a real superscript
        ("longest diameter ³10 mm", "longest diameter >=10 mm"),
        ("(³240 mg/dL)", "(>=240 mg/dL)"),
        ("cost £20", "cost £20"),  # "£" needs a space after it: "£20" is money
        ("10 ³ /mm3", "10 3 /mm3"),  # no number after: a stray superscript
    ],
)
def test_symbol_font_comparators(text: str, want: str) -> None:
    assert normalize(text).text == want


def test_spans_still_point_at_the_original_sign() -> None:
    n = normalize("Hb ³ 9")
    i = n.text.index(">=")
    assert n.span(i, i + 2) == (3, 4)
