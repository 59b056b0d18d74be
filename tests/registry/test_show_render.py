"""The Rich renderer on hand-built Trials: empty parts, markup-like text, results, width."""

from __future__ import annotations

import io

from rich.console import Console

from trialscout.registry.model import (
    Contact,
    DatedEvent,
    Eligibility,
    Enrollment,
    Location,
    MeshTerm,
    Reference,
    SecondaryId,
    Trial,
)
from trialscout.registry.render import (
    NOT_PROVIDED,
    RESULTS_PENDING,
    RESULTS_POSTED,
    SECTIONS,
    render_trial,
)


def _render(t: Trial, width: int = 80) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    render_trial(t, console)
    return console.export_text()


def test_show_render_bare_trial_has_every_heading_and_says_not_provided() -> None:
    out = _render(Trial(nct_id="NCT00000001"))
    for heading in SECTIONS:
        assert heading in out, heading
    assert "NCT ID: NCT00000001" in out
    assert f"Last Updated: {NOT_PROVIDED}" in out
    assert RESULTS_PENDING in out
    # Every section but the results notice has nothing to show.
    assert out.count(NOT_PROVIDED) >= len(SECTIONS) - 1


def test_show_render_keeps_square_brackets_and_unicode() -> None:
    criteria = "Inclusion Criteria:\n\n* [bold]ANC[/bold] ≥ 1.5 × 10⁹/L\n* [red]x"
    t = Trial(
        nct_id="NCT00000002",
        brief_title="A [link=http://x]trial[/link]",
        eligibility=Eligibility(criteria=criteria),
    )
    out = _render(t, width=120)
    assert "A [link=http://x]trial[/link]" in out
    assert "* [bold]ANC[/bold] ≥ 1.5 × 10⁹/L" in out
    assert "* [red]x" in out


def test_show_render_results_dates_and_lists() -> None:
    t = Trial(
        nct_id="NCT00000003",
        has_results=True,
        results_first_posted_date=DatedEvent(date="2020-05-01", type="ACTUAL"),
        enrollment=Enrollment(count=12, type="ACTUAL"),
        start_date=DatedEvent(date="2015-08", type="ACTUAL"),
        primary_completion_date=DatedEvent(date="2019-01", type="ESTIMATED"),
        secondary_ids=[SecondaryId(id="2014-005181-30", type="EUDRACT_NUMBER")],
        references=[Reference(pmid="12345678", type="RESULT", citation="Doe J. A paper.")],
        condition_mesh=[MeshTerm(id="D009303", term="Nasopharyngeal Carcinoma")],
        central_contacts=[Contact(name="A Person", phone="123", phone_ext="9", email="a@b.org")],
    )
    out = _render(t, width=120)
    assert RESULTS_POSTED in out and RESULTS_PENDING not in out
    assert "2020-05-01" in out
    assert "12 participants (ACTUAL)" in out
    assert "2015-08 (ACTUAL)" in out and "2019-01 (ESTIMATED)" in out
    assert "2014-005181-30 (EUDRACT_NUMBER)" in out
    assert "PMID 12345678" in out and "Doe J. A paper." in out
    assert "Nasopharyngeal Carcinoma" in out
    assert "123 ext. 9" in out and "a@b.org" in out


def test_show_render_fits_80_columns_with_long_words() -> None:
    long = "x" * 150
    t = Trial(
        nct_id="NCT00000004",
        brief_title="Title " + long,
        brief_summary=long,
        locations=[
            Location(facility=f"Hospital {i} " + long, city="City", country="Country")
            for i in range(40)
        ],
        countries=["Country"],
    )
    out = _render(t, width=80)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "40 sites" in out
    assert "Hospital 39" in out


def test_show_render_every_demo_record_at_80_columns() -> None:
    """Real records with every kind of gap: all render, every heading, nothing wider than 80."""
    import zipfile
    from pathlib import Path

    from trialscout.registry.xml_reader import trial_from_xml

    demo = Path(__file__).resolve().parents[2] / "src" / "trialscout" / "demo" / "ctgov-sample.zip"
    with zipfile.ZipFile(demo) as zf:
        names = zf.namelist()
        assert len(names) >= 300
        for name in names:
            t = trial_from_xml(zf.read(name), f"{demo.name}:{name}")
            out = _render(t, width=80)
            assert t.nct_id in out, name
            assert all(h in out for h in SECTIONS), name
            assert max(len(line) for line in out.splitlines()) <= 80, name
