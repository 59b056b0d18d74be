"""The patient page over registry-wide ranking (`search.find.find_trials`): a FHIR bundle,
a pasted note (medspaCy, offline), a malformed bundle, the status select and the
show-ineligible box. FastAPI TestClient over the real demo store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

HX = {"HX-Request": "true"}


def _items(html: str) -> list[str]:
    return re.findall(r'<li data-verdict="(\w+)">', html)


def test_patient_form_offers_status_select_and_ineligible_box(client: Any) -> None:
    html = client.get("/patient").text
    select = html[html.index('<select id="status"') : html.index("</select>")]
    assert '<option value="" selected>Any status</option>' in select  # all statuses by default
    assert 'value="recruiting"' in select and 'value="completed"' in select
    assert 'id="show_ineligible"' in html and 'for="show_ineligible"' in html


def test_fhir_bundle_upload_ranks_trials_with_reasons(client: Any, fixtures: Path) -> None:
    data = (fixtures / "patient" / "fhir" / "npc_bundle.json").read_bytes()
    r = client.post(
        "/patient", files={"profile": ("npc_bundle.json", data, "application/json")}, headers=HX
    )
    assert r.status_code == 200, r.text
    verdicts = _items(r.text)
    assert len(verdicts) >= 5
    assert "ineligible" not in verdicts  # hidden by default
    assert r.text.count('class="source rank-reason"') == len(verdicts)
    assert "text match #" in r.text and "criteria met" in r.text
    assert 'class="source open-questions"' in r.text and "Open: " in r.text
    assert re.search(r"score \d\.\d\d", r.text)
    assert "nasopharyngeal carcinoma" in r.text.split('id="query-summary"')[1][:400]
    assert 'id="note-facts"' not in r.text  # no note, no note facts


def test_pasted_note_ranks_and_shows_facts_with_sentence(client: Any, fixtures: Path) -> None:
    note = (fixtures / "patient" / "notes" / "npc_note.txt").read_text()
    r = client.post("/patient", data={"note": note}, headers=HX)
    assert r.status_code == 200, r.text
    assert len(_items(r.text)) >= 5
    facts = r.text[r.text.index('id="note-facts"') : r.text.index("</details>")]
    rows = re.findall(r'<tr class="note-fact">(.*?)</tr>', facts, re.S)
    assert len(rows) >= 5
    ecog = next(row for row in rows if "ECOG 1" in row)
    assert "performance" in ecog and "ECOG 1." in ecog  # the fact and its sentence
    hiv = next(row for row in rows if "HIV" in row)
    assert "negated" in hiv and "No history of HIV." in hiv


def test_status_select_and_show_ineligible(client: Any, fixtures: Path) -> None:
    data = (fixtures / "web" / "npc_profile.json").read_bytes()
    files = {"profile": ("npc_profile.json", data, "application/json")}
    form = {"status": "unknown"}  # the demo's few NPC trials of status UNKNOWN rule some out
    hidden = client.post("/patient", files=files, data=form, headers=HX).text
    assert "ineligible" not in _items(hidden)
    assert re.search(r"\d+ ineligible trials hidden", hidden)
    shown = client.post(
        "/patient", files=files, data={**form, "show_ineligible": "1"}, headers=HX
    ).text
    verdicts = _items(shown)
    assert "ineligible" in verdicts
    assert set(verdicts[verdicts.index("ineligible") :]) == {"ineligible"}  # listed last
    why = re.findall(r"Why here: ([^<]*)", shown)  # ruled out on age/sex: at the very end
    last = [i for i, w in enumerate(why) if "(ranked last)" in w]
    assert last == list(range(len(why) - len(last), len(why)))
    assert "Rules out: " in shown and "ineligible: ruled out by" in shown
    for html, status in ((shown, "UNKNOWN"), (_post_status(client, files, "completed"), None)):
        ids = re.findall(r'<a href="/trials/(NCT\d+)">', html)[:5]
        assert ids
        for nct in ids:
            got = client.get(f"/api/trials/{nct}").json()["overall_status"]
            assert got == (status or "COMPLETED")
    bad = client.post("/patient", files=files, data={"status": "sleeping"}, headers=HX)
    assert bad.status_code == 400 and "unknown status &#39;sleeping&#39;" in bad.text


def _post_status(client: Any, files: dict[str, Any], status: str) -> str:
    html: str = client.post("/patient", files=files, data={"status": status}, headers=HX).text
    assert f"Searched {status} trials" in html
    return html


def test_malformed_fhir_bundle_is_a_clear_error(client: Any) -> None:
    broken = b'{"resourceType": "Bundle", "type": "collection", "entry": {"resource": {}}}'
    r = client.post("/patient", files={"profile": ("bundle.json", broken, "application/json")})
    assert r.status_code == 400
    assert "bundle.json" in r.text and "the Bundle has no entries" in r.text
    assert "Traceback" not in r.text and 'id="ranked-list"' not in r.text
    cut = b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"'
    r = client.post("/patient", files={"profile": ("cut.json", cut, "application/json")})
    assert r.status_code == 400 and "cut.json: not valid JSON" in r.text
    assert "Traceback" not in r.text
    obs = b'{"resourceType": "Observation", "id": "x"}'
    r = client.post("/patient", files={"profile": ("obs.json", obs, "application/json")})
    assert r.status_code == 400 and "expected a FHIR Bundle" in r.text
