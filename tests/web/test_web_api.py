"""The JSON API over a real store built from the demo data (FastAPI TestClient)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEED = "NCT07332247"


def test_trial_json_and_twin_agree(client: Any) -> None:
    r = client.get(f"/api/trials/{SEED}")
    assert r.status_code == 200
    body = r.json()
    assert body["nct_id"] == SEED
    assert body["overall_status"] == "RECRUITING"
    assert client.get(f"/trials/{SEED}.json").json() == body


def test_unknown_trial_is_404_json(client: Any) -> None:
    r = client.get("/api/trials/NCT00000000")
    assert r.status_code == 404
    assert "NCT00000000" in r.json()["detail"]


def test_criteria_has_parsed_tree_and_linked_summary(client: Any) -> None:
    body = client.get(f"/api/trials/{SEED}/criteria").json()
    ids = [c["id"] for c in body["parsed"]["criteria"]]
    assert "inc-5" in ids and "exc-3" in ids
    perf = next(f for f in body["summary"] if f["field"] == "performance status")
    assert perf["lines"][0]["criterion_id"] == "inc-5"
    assert "ECOG" in perf["lines"][0]["value"]


def test_related_excludes_itself_and_is_ranked(client: Any) -> None:
    body = client.get(f"/api/trials/{SEED}/related?k=5").json()
    rel = body["related"]
    assert len(rel) == 5
    assert SEED not in [r["nct_id"] for r in rel]
    scores = [r["score"] for r in rel]
    assert scores == sorted(scores, reverse=True)
    assert "TF-IDF" in body["method"]


def test_search_filters_and_paging(client: Any) -> None:
    r = client.get("/api/search", params={"q": "nasopharyngeal", "limit": 5, "page": 1})
    assert r.status_code == 200
    first = r.json()
    assert first["total"] > 5 and len(first["results"]) == 5
    second = client.get("/api/search", params={"q": "nasopharyngeal", "limit": 5, "page": 2}).json()
    ids1 = {x["nct_id"] for x in first["results"]}
    assert ids1.isdisjoint({x["nct_id"] for x in second["results"]})
    rec = client.get("/api/search", params={"q": "nasopharyngeal", "status": "recruiting"}).json()
    assert rec["total"] >= 1
    assert all(x["status"] == "RECRUITING" for x in rec["results"])


def test_search_bad_filter_names_the_field(client: Any) -> None:
    r = client.get("/api/search", params={"status": "sleeping"})
    assert r.status_code == 400
    assert "sleeping" in json.dumps(r.json())
    r = client.get("/api/search", params={"radius": "500km"})
    assert r.status_code == 400 and "near" in json.dumps(r.json())


def test_match_same_shape_as_cli(client: Any, fixtures: Path) -> None:
    profile = json.loads((fixtures / "web" / "npc_profile.json").read_text())
    r = client.post("/api/match", json={"profile": profile, "trials": [SEED]})
    assert r.status_code == 200
    body = r.json()
    assert body["patient"] == "WEB-1"
    res = body["results"][0]
    assert res["nct_id"] == SEED
    assert res["verdict"] in ("eligible", "possibly_eligible", "ineligible")
    assert {"id", "kind", "text", "status", "reason", "evidence"} <= set(res["criteria"][0])
    age = next(c for c in res["criteria"] if c["id"] == "inc-1")
    assert age["status"] == "met"
    assert all({"fact", "question"} == set(m) for m in res["missing"])


def test_match_without_trials_ranks_the_store(client: Any, fixtures: Path) -> None:
    profile = json.loads((fixtures / "web" / "npc_profile.json").read_text())
    body = client.post("/api/match", json={"profile": profile, "limit": 10}).json()
    res = body["results"]
    assert 1 <= len(res) <= 10
    # The `trialscout find --format json` shape: ranks 1..n with their reasons.
    assert [r["rank"] for r in res] == list(range(1, len(res) + 1))
    assert all(r["rank_reason"].startswith(r["verdict"].replace("_", " ")) for r in res)
    assert "ineligible" not in {r["verdict"] for r in res}  # hidden unless asked
    assert (
        body["candidates"] >= len(res) and "nasopharyngeal carcinoma" in body["query"]["concepts"]
    )
    assert any(r["missing"] for r in res)  # the open questions come along


def test_match_without_trials_status_and_ineligible(client: Any, fixtures: Path) -> None:
    profile = json.loads((fixtures / "web" / "npc_profile.json").read_text())
    # ECOG 3: a real exclusion for most trials (ECOG 0-1 or 0-2 required), so some are ineligible
    profile["performance"] = [{"scale": "ECOG", "value": 3}]
    body = client.post(
        "/api/match",
        json={"profile": profile, "limit": 40, "statuses": ["completed"], "show_ineligible": True},
    ).json()
    res = body["results"]
    assert res and body["query"]["statuses"] == ["COMPLETED"]
    for r in res[:5]:
        assert client.get(f"/api/trials/{r['nct_id']}").json()["overall_status"] == "COMPLETED"
    verdicts = [r["verdict"] for r in res]
    assert "ineligible" in verdicts
    first_bad = verdicts.index("ineligible")
    assert set(verdicts[first_bad:]) == {"ineligible"}  # listed last
    last = [i for i, r in enumerate(res) if "(ranked last)" in r["rank_reason"]]
    assert last == list(range(len(res) - len(last), len(res)))  # age/sex at the very end
    r = client.post("/api/match", json={"profile": profile, "statuses": ["sleeping"]})
    assert r.status_code == 400 and "sleeping" in json.dumps(r.json())


def test_match_bad_profile_names_the_field(client: Any, fixtures: Path) -> None:
    profile = json.loads((fixtures / "web" / "bad_profile.json").read_text())
    r = client.post("/api/match", json={"profile": profile})
    assert r.status_code == 422
    text = json.dumps(r.json())
    assert "labz" in text and "age" in text


def test_openapi_and_local_docs(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/match" in schema["paths"] and "/api/search" in schema["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/api/trials/{nct_id}/criteria" in docs.text
    # No external fetch: every script and stylesheet is local.
    assert "cdn" not in docs.text.lower()
    assert 'src="http' not in docs.text and 'href="http' not in docs.text
