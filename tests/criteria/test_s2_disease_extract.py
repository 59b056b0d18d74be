"""Session 2 (issue 3): disease, therapy and biomarker atoms on real criterion sentences.

Every sentence is quoted from eligibility-texts.csv (NCT id in the test); the asserts name
the atoms and fields a reader expects.
"""

from __future__ import annotations

from typing import Any, Literal

from trialscout.criteria.atoms import NotNode, OrNode, iter_atoms
from trialscout.criteria.parser import parse_text

Kind = Literal["inclusion", "exclusion"]


def _atoms(text: str, kind: Kind = "inclusion") -> list[dict[str, Any]]:
    expr, _ = parse_text(text, 0, len(text), kind)
    return [a.model_dump(exclude_none=True) for a in iter_atoms(expr)]


def _of(text: str, typ: str, kind: Kind = "inclusion") -> list[dict[str, Any]]:
    return [a for a in _atoms(text, kind) if a["type"] == typ]


def _parsed(text: str, kind: Kind = "inclusion") -> bool:
    return parse_text(text, 0, len(text), kind)[1]


# ------------------------------------------------------------------ biomarkers


def test_list_of_genes_shares_the_alteration_word() -> None:
    # NCT01905592 inc-1: both genes, not only the last; the test to be done is no result
    t = (
        "Germline BRCA1 or BRCA2 mutation; patients with unknown BRCA status who meet NCCN "
        "BRCA screening criteria will be screened for BRCA mutation."
    )
    bms = _of(t, "biomarker")
    assert {b["marker"] for b in bms} == {"BRCA1", "BRCA2"}
    assert all(b["result"] == "positive" and b["kind"] == "mutation" for b in bms)


def test_her2_spelled_out_is_her2_not_egfr() -> None:
    # NCT02359058 exc-12 and NCT02314117
    for t in (
        "Human epidermal growth factor receptor (HER) 2 status of positive.",
        "Participants with human epidermal growth factor receptor 2 (HER2)-positive status",
    ):
        bms = _of(t, "biomarker")
        assert [(b["marker"], b.get("gene"), b["result"]) for b in bms] == [
            ("HER2", "ERBB2", "positive")
        ]


def test_egfr_tyrosine_kinase_is_a_gene_unless_an_inhibitor_follows() -> None:
    # NCT00372515 inc-2
    t = "known somatic mutation of the EGFR tyrosine kinase"
    assert [b["marker"] for b in _of(t, "biomarker")] == ["EGFR"]
    assert _of("Prior EGFR tyrosine kinase inhibitor", "biomarker") == []


def test_triple_negative_and_cd_antigens() -> None:
    # NCT00448305 inc-1; NCT00210340
    t = "Histologically proven triple-receptor-negative metastatic or relapsed breast cancer"
    assert [(b["marker"], b["result"]) for b in _of(t, "biomarker")] == [
        ("triple_negative", "positive")
    ]
    assert [(b["marker"], b["result"]) for b in _of("CD20-positive NHL", "biomarker")] == [
        ("CD20", "positive")
    ]
    # a drug target is no biomarker; a CD4 count is a lab, not an immunophenotype
    assert _of("Prior anti-CD20 antibody", "biomarker") == []
    assert _of("CD4 count > 200 cells/uL", "biomarker") == []


# ------------------------------------------------------------------ diagnosis


def test_rulebook_names_are_not_diagnoses() -> None:
    # NCT02627963 inc-4, NCT02136134 inc-3
    t = (
        "Measurable disease per the Response Evaluation Criteria in Solid Tumors (RECIST) "
        "criteria Version 1.1."
    )
    assert _of(t, "diagnosis") == []
    assert _parsed(t)
    t2 = (
        "Must have had documented evidence of progressive disease as defined based on "
        "Investigator's determination of response of International Myeloma Working Group "
        "(IMWG) criteria on or after their last regimen"
    )
    assert _of(t2, "diagnosis") == []


def test_organ_words_sharing_one_head_noun() -> None:
    # NCT01171924 inc-1
    t = (
        "Subjects with histopathologically confirmed diagnosis of advanced breast, gastric, "
        "head and neck, liver and non-small cell lung cancer."
    )
    got = [d["cancer"] for d in _of(t, "diagnosis")]
    assert got == [
        "breast_cancer",
        "gastric_cancer",
        "head_and_neck_cancer",
        "hepatocellular_carcinoma",
        "nsclc",
    ]
    # NCT01416038
    t2 = "stage IIc-IV epithelial ovarian, fallopian tube and peritoneal cancer"
    assert {d["cancer"] for d in _of(t2, "diagnosis")} >= {
        "ovarian_cancer",
        "fallopian_tube_cancer",
        "primary_peritoneal_cancer",
    }


def test_each_cancer_keeps_its_own_histology() -> None:
    # NCT01045421 inc-4
    t = (
        "Phase 2 requires Non-small cell lung cancer (NSCLC); Small-cell lung cancer; Breast "
        "adenocarcinoma (female patients only); Squamous cell cancer of the head and neck "
        "(HNSCC); or Gastroesophageal adenocarcinoma"
    )
    dx = {d["cancer"]: d.get("histologies", []) for d in _of(t, "diagnosis")}
    assert dx["breast_cancer"] == ["adenocarcinoma"]
    assert dx["head_and_neck_cancer"] == ["squamous_cell_carcinoma"]
    assert dx["gastric_cancer"] == ["adenocarcinoma"]
    assert dx["nsclc"] == [] and dx["sclc"] == []


def test_non_squamous_is_not_squamous() -> None:
    # NCT02364999 inc-3
    t = "Histologically or cytologically confirmed diagnosis of predominately non-squamous NSCLC."
    (d,) = _of(t, "diagnosis")
    assert d["cancer"] == "nsclc" and d["histologies"] == ["non_squamous"]


def test_cancers_listed_as_exceptions_are_not_diagnoses() -> None:
    # NCT01433731 exc-4
    t = (
        "Coexistent second malignancy or history of prior solid organ malignancy within "
        "previous 5 years (excluding basal or squamous cell carcinoma of the skin, in situ "
        "carcinoma of the cervix (CIN 3), papillary or follicular thyroid cancer that has been "
        "treated curatively, or prostate cancer that has been treated curatively)."
    )
    assert _of(t, "diagnosis", "exclusion") == []
    # NCT00314977 exc-4: a history of another cancer, in an exclusion, is no diagnosis
    assert _of("Patients with a history of breast cancer", "diagnosis", "exclusion") == []


# ------------------------------------------------------------------ status, metastases


def test_local_recurrence_is_recurrent_with_detail_local() -> None:
    # NCT07332247 inc-2
    t = (
        "Local recurrence (with or without regional recurrence) more than one year after "
        "radical treatment and unsuitable for surgery."
    )
    (s,) = _of(t, "disease_status")
    assert s["status"] == "recurrent" and s["detail"].startswith("local")


def test_castration_resistant_and_not_amenable_to_resection() -> None:
    # NCT01335204; NCT01992952 inc-4
    t = "Histologically confirmed castration-resistant prostate cancer (CRPC)"
    assert [s["status"] for s in _of(t, "disease_status")] == ["castration_resistant"]
    assert [d["cancer"] for d in _of(t, "diagnosis")] == ["prostate_cancer"]
    t2 = (
        "Clinical or histological confirmation of metastatic or locally advanced disease "
        "not amenable to surgical resection"
    )
    assert {s["status"] for s in _of(t2, "disease_status")} == {
        "metastatic",
        "locally_advanced",
        "unresectable",
    }


def test_metastatic_sites_listed_together() -> None:
    # NCT01992952 exc-6, NCT00030407, NCT07062484 inc-5
    assert [m["site"] for m in _of("Known brain or leptomeningeal metastases", "metastasis")] == [
        "brain",
        "leptomeningeal",
    ]
    t = "No symptomatic or untreated brain or leptomeningeal metastases"
    sites = {m["site"] for m in _of(t, "metastasis", "exclusion")}
    assert sites == {"brain", "leptomeningeal"}
    t3 = (
        "at least 1 measurable metastatic lesions in lung or mediastinal or pleura (imaging "
        "for distant metastases with FDG-PET/CT or chest/abdomen CT with contrast);"
    )
    assert [m["site"] for m in _of(t3, "metastasis")] == ["lung", "mediastinum", "pleura"]
    assert len(_of(t3, "measurable_disease")) == 1


def test_or_between_qualifiers_gives_alternatives() -> None:
    # NCT02008227 exc-1: active OR untreated, not both at once
    t = "Known active or untreated central nervous system (CNS) metastases"
    expr, _ = parse_text(t, 0, len(t), "exclusion")
    ors = [expr] if isinstance(expr, OrNode) else []
    assert ors, expr
    ms = [a.model_dump(exclude_none=True) for a in iter_atoms(expr)]
    assert {("stable", False), ("treated", False)} == {
        (k, v) for m in ms for k, v in m.items() if k in ("stable", "treated")
    }
    assert all(len([k for k in m if k in ("stable", "treated")]) == 1 for m in ms)


def test_self_evident_sites_and_extrahepatic() -> None:
    # NCT00372515 inc-3; NCT00122876 exc-5; NCT02383966 exc-5
    t = "Recurrent or persistent disease as manifested by carcinomatous meningitis"
    assert [m["site"] for m in _of(t, "metastasis")] == ["leptomeningeal"]
    assert [m["site"] for m in _of("Known presence of extrahepatic metastases;", "metastasis")] == [
        "extrahepatic"
    ]
    t3 = "Known central nervous system metastasis and/or leptomeningeal disease"
    assert [m["site"] for m in _of(t3, "metastasis", "exclusion")] == ["brain", "leptomeningeal"]


# ------------------------------------------------------------------ therapy settings


def test_status_words_after_a_therapy_are_its_setting() -> None:
    # NCT00448305 exc-1, NCT00101062, NCT00398567 inc-2
    t = "More than 1 previous chemotherapeutic treatment for metastatic or relapsed disease"
    atoms = _atoms(t, "exclusion")
    assert [a["type"] for a in atoms] == ["prior_therapy"]
    assert atoms[0]["setting"] == "recurrent_metastatic" and atoms[0]["line"] == 2
    t2 = "No prior chemotherapy for metastatic or recurrent disease"
    assert [a["type"] for a in _atoms(t2)] == ["prior_therapy"]
    t3 = (
        "Progression following at least one Herceptin-containing cytotoxic chemotherapy "
        "regimen (neoadjuvant, adjuvant, or metastatic setting)"
    )
    (pt,) = _of(t3, "prior_therapy")
    assert pt["drug"] == "trastuzumab" and pt["setting"] == "metastatic"
    assert [s["status"] for s in _of(t3, "disease_status")] == ["progressive"]
    assert _parsed(t3)


def test_a_diagnosis_named_with_of_stays_a_status() -> None:
    # the setting is read after a therapy only: the disease here is metastatic
    t = "Diagnosis of metastatic NSCLC with no prior chemotherapy"
    assert [s["status"] for s in _of(t, "disease_status")] == ["metastatic"]


def test_treatment_for_a_cancer_is_any_anticancer_therapy() -> None:
    # NCT00193128 inc-4, NCT00209612 inc-1
    (pt,) = _of("No previous treatment for esophageal cancer", "prior_therapy")
    assert pt["modality"] == "anticancer_therapy"
    assert _parsed("No previous treatment for esophageal cancer")
    t = (
        "Histologically confirmed metastatic or recurrent gastric cancer with prior "
        "treatment for advanced disease."
    )
    (pt2,) = _of(t, "prior_therapy")
    assert pt2["modality"] == "anticancer_therapy" and pt2["setting"] == "advanced"
    assert "advanced" not in {s["status"] for s in _of(t, "disease_status")}
    # NCT00556049 exc-2: the cancer a therapy was for is no diagnosis of its own
    t3 = "More than one prior systemic therapy of any kind for renal cell carcinoma"
    assert _of(t3, "diagnosis", "exclusion") == []


def test_adjuvant_setting_after_the_drug_and_timed_parentheses() -> None:
    # NCT01992952 inc-9
    t = "Relapsed with metastatic disease whilst receiving an AI in adjuvant setting"
    (pt,) = _of(t, "prior_therapy")
    assert pt["drug_class"] == "aromatase_inhibitor" and pt["setting"] == "adjuvant"
    # NCT00635557 inc-4: "(6 weeks since prior BCNU or CCNU)" names drugs, not examples
    t2 = (
        "Be a minimum of 4 weeks since prior surgical resection, major surgical procedure, "
        "radiation therapy or cytotoxic chemotherapy (6 weeks since prior BCNU or CCNU)"
    )
    drugs = {a.get("drug") for a in _of(t2, "prior_therapy")}
    assert {"carmustine", "lomustine"} <= drugs
    # examples in parentheses still are examples
    assert [
        a.get("drug") for a in _of("Prior taxane (paclitaxel, docetaxel)", "prior_therapy")
    ] == [None]


def test_stable_dose_of_steroids_is_ongoing() -> None:
    # NCT00635557 inc-6
    t = "If steroids are needed, be on a stable or decreasing dose of steroids for at least 1 week"
    (pt,) = _of(t, "prior_therapy")
    assert pt["drug_class"] == "corticosteroid" and pt["ongoing"] is True


def test_negated_status_is_not_lost() -> None:
    # a NOT around a listed-sites criterion keeps both sites inside it
    t = "No uncontrolled brain or leptomeningeal metastases"
    expr, _ = parse_text(t, 0, len(t), "inclusion")
    assert isinstance(expr, NotNode) or any(
        isinstance(x, NotNode) for x in getattr(expr, "args", [])
    )


def test_excepted_drugs_are_not_atoms_of_their_own() -> None:
    # NCT00372515 exc-13: an OR with aspirin would exclude a patient on aspirin
    atoms = _atoms("Anticoagulant except aspirin or heparin flushes", "exclusion")
    assert [(a["type"], a.get("drug_class"), a.get("drug")) for a in atoms] == [
        ("prior_therapy", "anticoagulant", None)
    ]
    # a plain list still gives one atom per therapy
    t = "Prior chemotherapy or radiotherapy"
    assert [a["modality"] for a in _of(t, "prior_therapy", "exclusion")] == [
        "chemotherapy",
        "radiotherapy",
    ]


def test_lesion_size_definitions_and_staging_system_names() -> None:
    # RECIST 1.0 definitions as separate items (NCT00003926-era PDQ texts)
    assert len(_of("At least 20 mm by conventional techniques OR", "measurable_disease")) == 1
    assert _parsed("At least 10 mm by spiral CT scan")
    # "Ann Arbor" is explained by the stage atom; a status between two stages survives
    (st,) = _of("Ann Arbor stage III or IV disease", "stage")
    assert st["groups"] == ["III", "IV"] and _parsed("Ann Arbor stage III or IV disease")
    t = (
        "Documented AJCC (American Joint Committee on Cancer) Stage 3 unresectable or "
        "Stage 4 melanoma (Phase 1); AJCC Stage 4 melanoma (Phase 2)"
    )
    assert "unresectable" in {s["status"] for s in _of(t, "disease_status")}
