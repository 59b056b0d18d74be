"""Session 5 (helper D): disease status alternatives, remission / CML phases, stage ranges,
TNM alternatives, negated excluded histologies and excepted cancers, RAS letter lists."""

from __future__ import annotations

from typing import Any

from parse_helpers import atom_dicts, fully_parsed, parse_one
from trialscout.criteria.atoms import Expr, iter_atoms


def _statuses(text: str, kind: str = "inclusion") -> list[tuple[str, Any]]:
    return [(a["status"], a.get("detail")) for a in atom_dicts(text, kind, "disease_status")]


def _find(expr: Expr, typ: str) -> list[Expr]:
    out: list[Expr] = []

    def walk(x: Any) -> None:
        if getattr(x, "type", None) == typ:
            out.append(x)
        for k in ("args",):
            for y in getattr(x, k, None) or []:
                walk(y)
        for k in ("arg", "cond", "then", "otherwise"):
            y = getattr(x, k, None)
            if y is not None:
                walk(y)

    walk(expr)
    return out


def test_relapsed_refractory_is_two_statuses() -> None:
    assert _statuses("Relapsed/refractory multiple myeloma") == [
        ("recurrent", None),
        ("refractory", None),
    ]


def test_status_alternatives_share_the_cancer() -> None:
    # (locally advanced OR metastatic) AND breast cancer, never LA OR (metastatic AND breast)
    expr, _ = parse_one("locally advanced or metastatic breast cancer", "inclusion")
    assert expr.type == "and"
    ors = _find(expr, "or")
    assert len(ors) == 1
    assert sorted(a.status for a in ors[0].args) == ["locally_advanced", "metastatic"]
    assert any(getattr(a, "type", None) == "diagnosis" for a in expr.args)


def test_remission_ordinal_is_detail() -> None:
    text = "AML, in first or subsequent remission or relapsed/refractory disease"
    assert ("remission", "first or subsequent remission") in _statuses(text)
    assert fully_parsed(text, "inclusion")
    assert _statuses("Hodgkin lymphoma (HL) beyond first remission") == [
        ("remission", "beyond first remission")
    ]


def test_relapse_after_remission_is_no_remission() -> None:
    st = _statuses("Acute lymphoblastic leukaemia who have relapsed after first remission")
    assert [s for s, _ in st] == ["recurrent"]


def test_cml_phases() -> None:
    text = "Chronic myeloid leukemia (CML), beyond 2nd chronic phase or in blast crisis"
    assert _statuses(text) == [
        ("chronic_phase", "beyond second chronic phase"),
        ("blast_crisis", None),
    ]
    assert fully_parsed(text, "inclusion")
    shared = _statuses("Ph+ CML patients in chronic or accelerated phase")
    assert [s for s, _ in shared] == ["chronic_phase", "accelerated_phase"]


def test_platinum_resistant_detail() -> None:
    assert _statuses("Patients with platinum resistant cancer") == [
        ("refractory", "platinum resistant")
    ]


def test_recurrent_or_persistent() -> None:
    st = _statuses("Recurrent or persistent NSCLC following one previous line of chemotherapy")
    assert sorted(s for s, _ in st) == ["persistent", "recurrent"]


def test_stage_range_runs_through_substages() -> None:
    groups = atom_dicts("Stage IA-IIA disease", "inclusion", "stage")[0]["groups"]
    assert groups == ["IA", "IB", "IC", "IIA"]  # IB was lost before (too strict)
    assert atom_dicts("Stage I-III disease", "inclusion", "stage")[0]["groups"] == [
        "I",
        "II",
        "III",
    ]
    assert atom_dicts("stage IIIA-IVB", "inclusion", "stage")[0]["groups"] == [
        "IIIA",
        "IIIB",
        "IIIC",
        "IVA",
        "IVB",
    ]


def test_tnm_alternatives_are_separate_atoms() -> None:
    st = atom_dicts("Clinical stage T2-3 N0-2 or T1 N1-2", "inclusion", "stage")
    assert [(a["t"], a["n"]) for a in st] == [
        (["T2", "T3"], ["N0", "N1", "N2"]),
        (["T1"], ["N1", "N2"]),
    ]


def test_excluded_histologies_are_negated() -> None:
    text = (
        "Adenocarcinoma of the prostate without neuroendocrine differentiation"
        " or small cell features"
    )
    expr, _ = parse_one(text, "inclusion")
    nots = _find(expr, "not")
    assert len(nots) == 1
    negated = sorted(h for a in iter_atoms(nots[0]) for h in a.histologies)  # type: ignore[union-attr]
    assert negated == ["neuroendocrine", "small_cell"]
    # the required diagnosis is outside the NOT
    top = [a for a in expr.args if a.type == "diagnosis"]  # type: ignore[union-attr]
    assert top and top[0].histologies == ["adenocarcinoma"]  # type: ignore[union-attr]


def test_excepted_cancer_is_negated_only_right_after_the_intro() -> None:
    expr, _ = parse_one("Any solid tumor except breast cancer or melanoma", "inclusion")
    nots = _find(expr, "not")
    assert sorted(a.cancer for a in iter_atoms(nots[0])) == ["breast_cancer", "melanoma"]  # type: ignore[union-attr]
    text = (
        "Acute myeloid leukemia (AML), except acute promyelocytic leukemia (APL), including "
        "leukemia secondary to prior therapy or antecedent MDS"
    )
    expr, _ = parse_one(text, "inclusion")
    assert _find(expr, "not") == []  # APL shares AML's id; "leukemia secondary" is no exception
    # an exclusion's or a history's exception is never negated as a diagnosis
    expr, _ = parse_one("No prior malignancy other than basal cell carcinoma", "inclusion")
    assert not any(a.type == "diagnosis" for a in iter_atoms(expr))


def test_ras_letter_list() -> None:
    got = atom_dicts("K/NRAS WT status for mCRC patients only", "inclusion", "biomarker")
    assert [(a["marker"], a["result"]) for a in got] == [
        ("KRAS", "wild-type"),
        ("NRAS", "wild-type"),
    ]


def test_new_vocabulary() -> None:
    mpn = atom_dicts("Myeloproliferative disorders", "inclusion", "diagnosis")
    assert mpn[0]["cancer"] == "mpn"
    dx = atom_dicts(
        "histologically confirmed metastatic epithelial cancer of the exocrine pancreas",
        "inclusion",
        "diagnosis",
    )
    assert dx[0]["cancer"] == "pancreatic_cancer"
    fr = atom_dicts("FRalpha-positive tumors", "inclusion", "biomarker")
    assert (fr[0]["marker"], fr[0]["gene"], fr[0]["result"]) == ("FRalpha", "FOLR1", "positive")


def test_histology_with_its_noun_in_an_exclusion() -> None:
    dx = atom_dicts("Squamous cell histology.", "exclusion", "diagnosis")
    assert dx == [
        {"type": "diagnosis", "histologies": ["squamous_cell_carcinoma"], "who_types": []}
    ]
    # a bare histology in an exclusion is often another cancer's: no atom
    assert (
        atom_dicts("Basal or squamous cell carcinoma of the skin", "exclusion", "diagnosis") == []
    )


def test_status_words_of_a_therapy_setting_are_no_status() -> None:
    text = "This therapy may have been given in a neoadjuvant, adjuvant or metastatic setting"
    assert _statuses(text) == []
    assert _statuses("Metastatic breast cancer") == [("metastatic", None)]


def test_how_a_status_was_shown_is_explained() -> None:
    text = "Must have radiologic, nuclear image, or histologic verification of relapse"
    assert _statuses(text) == [("recurrent", None)]
    assert fully_parsed(text, "inclusion")
    # a PSA (biochemical) relapse is another fact: its word stays
    assert not fully_parsed("Biochemical evidence of relapse", "inclusion")


def test_confirmation_before_a_status_keeps_both() -> None:
    text = "Histologically or cytologically confirmed recurrent ovarian epithelial cancer"
    dx = atom_dicts(text, "inclusion", "diagnosis")
    assert dx[0]["cancer"] == "ovarian_cancer" and dx[0]["confirmation"] == "any"
    assert _statuses(text) == [("recurrent", None)]


def test_brain_or_leptomeningeal_disease() -> None:
    got = atom_dicts(
        "Patients with known brain or leptomeningeal disease.", "exclusion", "metastasis"
    )
    assert [a["site"] for a in got] == ["brain", "leptomeningeal"]


def test_metastasis_qualifiers_of_alternatives_stay_apart() -> None:
    got = atom_dicts(
        "Untreated brain metastasis or neurologically unstable CNS metastases", "exclusion"
    )
    mets = [a for a in got if a["type"] == "metastasis"]
    assert {"site": "brain", "treated": False, "type": "metastasis"} in mets
    assert {"site": "brain", "stable": False, "type": "metastasis"} in mets
    expr, _ = parse_one("Brain metastases that are untreated or symptomatic", "exclusion")
    ors = _find(expr, "or")
    pairs = {(a.treated, a.symptomatic) for a in ors[0].args}  # type: ignore[union-attr]
    assert pairs == {(False, None), (None, True)}
    # an earlier alternative without qualifiers of its own keeps the shared one
    got = atom_dicts(
        "Uncontrolled brain metastases, or brain metastases associated with mass effect",
        "exclusion",
        "metastasis",
    )
    assert got == [{"type": "metastasis", "site": "brain", "stable": False}]


def test_inflammatory_breast_cancer_is_a_subtype() -> None:
    dx = atom_dicts("Inflammatory breast cancer", "exclusion", "diagnosis")
    assert (dx[0]["cancer"], dx[0]["histologies"]) == ("breast_cancer", ["inflammatory"])


def test_exclusion_exceptions_hold_no_stage_or_status() -> None:
    text = (
        "Previous or concurrent malignancy except superficial bladder tumors [Ta, Tis and T1]"
        " or early-stage prostate cancer"
    )
    assert atom_dicts(text, "exclusion", "stage") == []
    assert _statuses(text, "exclusion") == []
    # the cancer the trial is for is no exception's
    assert (
        atom_dicts(
            "Previous or current cancer that is distinct in primary site or histology from NSCLC",
            "exclusion",
            "diagnosis",
        )
        == []
    )


def test_a_prior_cancers_stage_is_not_the_trials() -> None:
    assert atom_dicts("History of stage III or greater cancer", "exclusion", "stage") == []
    assert atom_dicts("Stage IV disease", "exclusion", "stage")[0]["groups"] == ["IV"]


def test_one_stage_atom_per_sentence() -> None:
    text = "Stage III or IV disease. Patients with stage I or II disease are eligible for cohort B"
    got = atom_dicts(text, "inclusion", "stage")
    assert [a["groups"] for a in got] == [["III", "IV"], ["I", "II"]]


def test_all_is_read_only_beside_a_blood_cancer_word() -> None:
    got = atom_dicts("Refractory AML or ALL.", "exclusion", "diagnosis")
    assert [a["cancer"] for a in got] == ["aml", "all"]
    assert atom_dicts("ALL PATIENTS MUST HAVE RELAPSED DISEASE", "inclusion", "diagnosis") == []
    text = "evaluation of ALL sites of disease must be obtained within 4 weeks"
    assert atom_dicts(text, "inclusion", "diagnosis") == []


def test_bare_all_passes_the_diagnosis_gate() -> None:
    # the keyword gate must know "ALL" (gated and ungated parses agree on all 4,868 texts)
    got = atom_dicts("ALL in 1st or subsequent remission or in relapse", "inclusion", "diagnosis")
    assert [a["cancer"] for a in got] == ["all"]
