"""Regression tests for the seed transcriptions: the parsed Trials must say what the pages say."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from trialscout.registry.json_reader import trial_from_api_v2
from trialscout.registry.model import (
    DateType,
    OverallStatus,
    Phase,
    Sex,
    StudyType,
    Trial,
)

SEEDS = Path(__file__).resolve().parents[2] / "src" / "trialscout" / "demo" / "seeds"
SEED_IDS = ("NCT07332247", "NCT07062484", "NCT07188584")


def _study(nct_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEEDS / f"{nct_id}.json").read_text(encoding="utf-8"))
    return data


def _trial(nct_id: str) -> Trial:
    return trial_from_api_v2(_study(nct_id), str(SEEDS / f"{nct_id}.json"))


def _numbered_items(block: str) -> list[int]:
    return [int(m) for m in re.findall(r"^(\d+)\. ", block, flags=re.MULTILINE)]


def _split_criteria(text: str) -> tuple[str, str]:
    inc, _, exc = text.partition("Exclusion Criteria")
    assert inc.startswith("Inclusion Criteria")
    return inc, exc


def test_demo_seed_files_are_one_api_v2_study_each() -> None:
    assert sorted(p.stem for p in SEEDS.glob("*.json")) == sorted(SEED_IDS)
    for nct in SEED_IDS:
        study = _study(nct)
        assert study["hasResults"] is False
        assert study["protocolSection"]["identificationModule"]["nctId"] == nct


def test_demo_seed_nct07332247_basic_facts() -> None:
    t = _trial("NCT07332247")
    assert t.nct_id == "NCT07332247"
    assert t.title == (
        "PD-1 Inhibitor Plus Chemotherapy Followed by Immediate Versus Selective "
        "Re-irradiation for Locally Advanced Recurrent NPC"
    )
    assert t.last_update == "2026-02-04"
    assert t.has_results is False
    assert t.overall_status is OverallStatus.RECRUITING
    assert t.phases == [Phase.PHASE2]
    assert t.study_type is StudyType.INTERVENTIONAL
    assert t.enrollment is not None and t.enrollment.count == 94
    assert t.enrollment.type is None  # the page does not say actual or estimated
    assert t.start_date is not None and t.start_date.date == "2026-02-03"
    assert t.completion_date is not None and t.completion_date.date == "2035-02-03"
    assert t.completion_date.type is None
    assert t.primary_completion_date is None
    assert t.conditions == ["Nasopharangeal Cancer", "Recurrent Nasopharynx Carcinoma"]
    assert t.brief_summary and t.brief_summary.startswith("This phase II randomized trial")
    # The page's Markdown escape is kept in the file; the reader unescapes it.
    raw = _study("NCT07332247")["protocolSection"]["descriptionModule"]["detailedDescription"]
    assert "10\\~15% of patients" in raw
    assert t.detailed_description and "10~15% of patients" in t.detailed_description
    assert t.org_study_id == "2025-FXY-205"


def test_demo_seed_nct07332247_design_arms_interventions() -> None:
    t = _trial("NCT07332247")
    assert t.design is not None
    assert (t.design.allocation, t.design.intervention_model) == ("RANDOMIZED", "PARALLEL")
    assert (t.design.primary_purpose, t.design.masking) == ("TREATMENT", "NONE")
    assert [a.label for a in t.arm_groups] == [
        "Selective re-irradiation group",
        "Immediate re-irradiation group",
    ]
    assert {a.type for a in t.arm_groups} == {"OTHER"}
    assert all("Toripalimab 240 mg IV" in (a.description or "") for a in t.arm_groups)
    assert [(i.type, i.name) for i in t.interventions] == [
        ("RADIATION", "Selective re-irradiation"),
        ("RADIATION", "Immediate re-irradiation"),
    ]
    assert t.interventions[0].arm_group_labels == ["Selective re-irradiation group"]


def test_demo_seed_nct07332247_eligibility_text_is_the_page() -> None:
    t = _trial("NCT07332247")
    e = t.eligibility
    assert e is not None and e.criteria is not None
    inc, exc = _split_criteria(e.criteria)
    assert _numbered_items(inc) == list(range(1, 11))
    assert _numbered_items(exc) == list(range(1, 16))
    assert "1. Age 18-70 years, any gender." in inc
    # The organ-function block exactly as the page writes it, Unicode signs included.
    assert (
        "9. Adequate organ function within 14 days before first dose, defined as:\n\n"
        "Hematology:Hemoglobin ≥ 90 g/L,ANC ≥ 1.5 × 10⁹/L,Platelet count ≥ 100 × 10⁹/L "
        "Renal Function:Creatinine ≤ 1.5 × ULN"
    ) in inc
    assert "15. Any condition that, in the investigator's judgment" in exc
    assert (e.minimum_age, e.maximum_age) == ("18 Years", "70 Years")
    assert e.sex is Sex.ALL
    assert e.healthy_volunteers is False


def test_demo_seed_nct07332247_people_and_places() -> None:
    t = _trial("NCT07332247")
    assert t.lead_sponsor is not None
    assert (t.lead_sponsor.name, t.lead_sponsor.cls) == ("Sun Yat-sen University", "OTHER")
    rp = t.responsible_party
    assert rp is not None
    assert rp.type == "PRINCIPAL_INVESTIGATOR"
    assert rp.investigator_full_name == "Hai-Qiang Mai,MD,PhD"
    assert rp.investigator_title == "Principal Investigator"
    assert [(c.name, c.phone) for c in t.central_contacts] == [
        ("Haiqiang Mai, PhD, MD", "+86-020-87343643")
    ]
    assert len(t.locations) == 1
    loc = t.locations[0]
    assert loc.facility == "Sun Yat-sen University Cancer Center"
    assert (loc.city, loc.state, loc.country) == ("Guangzhou", "Guangdong", "China")
    assert loc.status is OverallStatus.RECRUITING
    assert loc.geo is None and loc.zip is None
    assert [(c.name, c.phone) for c in loc.contacts] == [
        ("Haiqiang Mai, PhD, MD", "00862087343643")
    ]
    assert all(c.email is None for c in [*t.central_contacts, *loc.contacts])


def test_demo_seed_nct07062484_facts() -> None:
    t = _trial("NCT07062484")
    assert t.overall_status is OverallStatus.NOT_YET_RECRUITING
    assert t.phases == [Phase.NA]
    assert t.enrollment is not None and t.enrollment.count == 600
    assert t.start_date is not None and t.start_date.date == "2025-07-31"
    assert t.completion_date is not None and t.completion_date.date == "2025-12-31"
    assert t.last_update == "2025-07-14"
    assert t.detailed_description is None
    assert t.design is not None and t.design.allocation == "NON_RANDOMIZED"
    assert [(a.label, a.type) for a in t.arm_groups] == [
        ("Control Group", "ACTIVE_COMPARATOR"),
        ("Experimental group", "EXPERIMENTAL"),
    ]
    assert [i.name for i in t.interventions] == [
        "Control: gemcitabine, cisplatin, tirelizumab",
        "Experimental: gemcitabine, cisplatin, tirelizumab and radiotherapy",
    ]
    e = t.eligibility
    assert e is not None and e.criteria is not None
    inc, exc = _split_criteria(e.criteria)
    assert _numbered_items(inc) == list(range(1, 7))
    assert _numbered_items(exc) == list(range(1, 10))
    assert "2. Karnofsky Performance Status (KPS) ≥60;" in inc
    assert (e.minimum_age, e.maximum_age) == ("18 Years", None)
    assert t.responsible_party is not None
    assert t.responsible_party.investigator_full_name == "Yangkun Luo"
    assert t.responsible_party.investigator_title == "Director"
    assert t.org_study_id == "SCCHEC-02-2022-018"
    assert len(t.locations) == 1 and t.locations[0].status is None  # blank on the page
    assert t.locations[0].contacts[0].phone == "13882258173"


def test_demo_seed_nct07188584_records_only_what_the_page_states() -> None:
    t = _trial("NCT07188584")
    assert t.overall_status is OverallStatus.RECRUITING
    assert t.phases == [Phase.PHASE3]
    assert t.conditions == ["Nasopharyngeal Carcinoma"]
    assert t.brief_summary and "full-target radiatiotherapy (with/without CTV2)" in t.brief_summary
    e = t.eligibility
    assert e is not None and e.criteria is not None
    assert e.maximum_age == "70 Years" and e.minimum_age is None
    inc, exc = _split_criteria(e.criteria)
    assert "* Clinical stage TanyNanyM1, stage IVB (AJCC 9th edition)" in inc
    assert "* ECOG 0–1" in inc
    assert "platinum-containing doublet chemotherapy + PD-1 monoclonal antibody" in inc
    assert "QTc interval prolongation in males > 450 ms, females > 470 ms" in exc
    # Nothing the page does not give.
    assert t.start_date is None and t.completion_date is None and t.last_update is None
    assert t.enrollment is None or t.enrollment.count is None
    assert t.lead_sponsor is None and not t.locations and not t.central_contacts
    assert not t.arm_groups and not t.interventions


@pytest.mark.parametrize("nct", SEED_IDS)
def test_demo_seed_dates_have_no_invented_type(nct: str) -> None:
    t = _trial(nct)
    for ev in (t.start_date, t.completion_date, t.last_update_posted_date):
        assert ev is None or ev.type not in (DateType.ACTUAL, DateType.ESTIMATED)
