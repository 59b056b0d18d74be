"""Server-rendered pages: trial sections in seed order, qualify, search, patient, errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from trialscout.registry.render import SECTIONS

SEED = "NCT07332247"


def test_trial_page_sections_in_seed_order(client: Any) -> None:
    html = client.get(f"/trials/{SEED}").text
    pos = [html.find(f">{name}</h2>") for name in SECTIONS]
    assert all(p > 0 for p in pos), [n for n, p in zip(SECTIONS, pos, strict=True) if p < 0]
    assert pos == sorted(pos)
    assert "Results pending" in html
    for text in ("Sun Yat-sen University Cancer Center", "2025-FXY-205", "94 participants"):
        assert text in html
    # Extract panel lines link to criteria anchors that exist on the page.
    anchors = set(re.findall(r'href="#crit-([\w.-]+)"', html))
    assert "inc-5" in anchors
    for a in anchors:
        assert f'id="crit-{a}"' in html
    for block in (
        "Extracted eligibility criteria",
        "Frequently asked questions",
        "More related trials",
        "Check if I qualify",
        "TF-IDF",
    ):
        assert block in html


def test_qualify_form_asks_only_this_trials_facts(client: Any) -> None:
    html = client.get(f"/trials/{SEED}").text
    form = html[html.index('id="check-h"') : html.index('id="faq-h"')]
    assert 'name="age"' in form and 'name="f_performance_ECOG"' in form
    assert 'name="f_lab_hemoglobin_unit"' in form and ">g/dL<" in form
    assert "KPS" not in form  # this trial uses ECOG only
    # Every input has a label.
    for fid in re.findall(r'<(?:input|select|textarea)[^>]*id="([^"]+)"', form):
        assert f'for="{fid}"' in form, fid


def test_qualify_post_gives_verdict_and_criteria(client: Any) -> None:
    r = client.post(
        f"/trials/{SEED}/qualify",
        data={"age": "75", "sex": "male", "f_performance_ECOG": "1"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert "INELIGIBLE" in r.text  # age 75 > 70
    assert 'data-status="not_met"' in r.text and "inc-1" in r.text
    assert "Questions still open" in r.text
    assert "<html" not in r.text  # an htmx fragment


def test_qualify_bad_number_is_a_clear_message(client: Any) -> None:
    r = client.post(f"/trials/{SEED}/qualify", data={"age": "old"})
    assert r.status_code == 400
    assert "Age: expected a number" in r.text
    assert "Traceback" not in r.text


def test_qualify_is_post_only(client: Any) -> None:
    assert client.get(f"/trials/{SEED}/qualify?age=50").status_code == 405


def test_unknown_trial_is_404_page(client: Any) -> None:
    r = client.get("/trials/NCT00000000")
    assert r.status_code == 404
    assert "NCT00000000 is not in this store" in r.text and "<html" in r.text
    assert client.get("/trials/banana").status_code == 404


def test_search_page_counts_paging_and_empty_state(client: Any) -> None:
    html = client.get("/search", params={"q": "nasopharyngeal", "limit": 5}).text
    assert re.search(r"<strong>\d+</strong> trials found", html)
    assert "page=2" in html and 'rel="next"' in html
    empty = client.get("/search", params={"q": "zzzqqqxxy"}).text
    assert 'id="no-results"' in empty
    bad = client.get("/search", params={"age": "ten"})
    assert bad.status_code == 200 and "age: expected a number" in bad.text


def test_patient_upload_ranks_trials(client: Any, fixtures: Path) -> None:
    data = (fixtures / "web" / "npc_profile.json").read_bytes()
    r = client.post(
        "/patient",
        files={"profile": ("npc_profile.json", data, "application/json")},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert 'id="ranked-list"' in r.text and "/trials/NCT" in r.text


def test_patient_malformed_upload_names_problem(client: Any, fixtures: Path) -> None:
    r = client.post("/patient", files={"profile": ("p.json", b"{not json", "application/json")})
    assert r.status_code == 400
    assert "p.json: not valid JSON" in r.text
    bad = (fixtures / "web" / "bad_profile.json").read_bytes()
    r = client.post("/patient", files={"profile": ("bad_profile.json", bad, "application/json")})
    assert r.status_code == 400
    assert "labz" in r.text and "unknown field" in r.text
    assert "Traceback" not in r.text


def test_patient_oversized_upload_is_413(client: Any) -> None:
    big = b"{" + b" " * (2 * 1024 * 1024 + 10) + b"}"
    r = client.post("/patient", files={"profile": ("big.json", big, "application/json")})
    assert r.status_code == 413
    assert "too large" in r.text
