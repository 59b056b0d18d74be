"""Prior-therapy extraction, session 5 (helper T): phrasings counted in the oncology corpus
(eligibility-texts.csv): "without X support" as a negation, the target named after the agent
("therapy targeting EGFR"), failure of a therapy, trial participation named by its agent,
stenting beside angioplasty, exclusion washouts that have no safe reading kept unread, and the
exception's washout read inside "unless"."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import Expr, NotNode, PriorTherapyAtom, UnparsedAtom, iter_atoms
from trialscout.criteria.parser import parse_criteria


def _one(text: str, kind: str = "Exclusion") -> tuple[Expr, bool]:
    parsed = parse_criteria(f"{kind} Criteria:\n- {text}\n")
    assert len(parsed.criteria) == 1
    c = parsed.criteria[0]
    return c.expr, c.fully_parsed


def _polar(expr: Any) -> list[tuple[bool, PriorTherapyAtom]]:
    """Each therapy atom with whether it sits under an odd number of NOTs."""
    out: list[tuple[bool, PriorTherapyAtom]] = []

    def walk(n: Any, neg: bool) -> None:
        if isinstance(n, PriorTherapyAtom):
            out.append((neg, n))
        elif isinstance(n, NotNode):
            walk(n.arg, not neg)
        else:
            for x in getattr(n, "args", []):
                walk(x, neg)

    walk(expr, False)
    return out


def _ids(expr: Any) -> list[str | None]:
    return [a.drug or a.drug_class or a.regimen or a.modality for _, a in _polar(expr)]


# --------------------------------------------------------------------------- "without"


def test_without_transfusion_support_is_negated_in_an_inclusion() -> None:
    expr, full = _one(
        "Platelets > 100,000/mm3 without transfusion support in the past 28 days", "Inclusion"
    )
    pol = _polar(expr)
    assert [(neg, a.modality, a.within_days) for neg, a in pol] == [(True, "transfusion", 28)]
    assert full


def test_without_carries_through_a_list() -> None:
    expr, _ = _one(
        "Hemoglobin >= 9 g/dL without transfusion or growth factor support within 7 days",
        "Inclusion",
    )
    pol = _polar(expr)
    assert {(neg, a.modality or a.drug_class) for neg, a in pol} == {
        (True, "transfusion"),
        (True, "hematopoietic_growth_factor"),
    }


def test_with_or_without_is_no_negation() -> None:
    expr, _ = _one("Prior radiotherapy with or without chemotherapy", "Inclusion")
    assert all(not neg for neg, _ in _polar(expr))


# --------------------------------------------------------------------------- targets


def test_target_named_after_the_agent() -> None:
    expr, full = _one("Previous therapy targeting EGFR or HER-2.")
    assert sorted(_ids(expr)) == ["egfr_inhibitor", "her2_inhibitor"]  # type: ignore[type-var]
    assert full
    expr, full = _one("No prior agents directed against EGFR and/or HER2", "Inclusion")
    assert all(neg for neg, _ in _polar(expr)) and len(_polar(expr)) == 2
    assert full


def test_spelled_target_and_its_kinds() -> None:
    expr, full = _one(
        "Previous treatment with monoclonal antibody or signal transduction inhibitors "
        "targeting epidermal growth factor receptor"
    )
    assert sorted(_ids(expr)) == ["anti_egfr", "egfr_tki"]  # type: ignore[type-var]
    assert full


def test_investigational_or_licensed_is_any_agent() -> None:
    expr, _ = _one(
        "Prior use of an investigational or licensed drug that targets VEGF or VEGF receptors"
    )
    atoms = [a for _, a in _polar(expr)]
    assert [(a.drug_class, a.modality) for a in atoms] == [("vegf_inhibitor", None)]


def test_inhibition_hgf_and_checkpoint() -> None:
    assert sorted(_ids(_one("Prior treatment with c-MET/HGF inhibitors")[0])) == [  # type: ignore[type-var]
        "hgf_inhibitor",
        "met_inhibitor",
    ]
    assert _ids(_one("Previous treatment with VEGF/VEGFR inhibition")[0]) == ["vegf_inhibitor"]
    expr, full = _one("Prior therapy with immune checkpoint inhibition or indoximod")
    assert _ids(expr) == ["checkpoint_inhibitor", "indoximod"] and full


def test_cyp3a4_named_by_its_verb() -> None:
    expr, full = _one("Any current treatment with drugs that induce or inhibit the CYP3A4 system")
    assert sorted(_ids(expr)) == ["cyp3a4_inducer", "cyp3a4_inhibitor"]  # type: ignore[type-var]
    assert full


# --------------------------------------------------------------------------- failure


def test_failure_of_a_therapy_is_read() -> None:
    expr, full = _one("Failure of at least one prior chemotherapy regimen", "Inclusion")
    assert [(a.modality, a.line) for _, a in _polar(expr)] == [("chemotherapy", 1)] and full
    expr, full = _one("Prior failure with either topotecan or temozolomide")
    assert _ids(expr) == ["topotecan", "temozolomide"] and full


def test_failure_is_not_read_beside_an_or_or_an_organ() -> None:
    # "progression after or failure of": the "or" joins a progression the tree cannot bind
    _, full = _one("Progression after or failure of prior sorafenib", "Inclusion")
    assert not full
    expr, _ = _one("Failure to recover from any prior surgery within 4 weeks of study entry")
    assert not any(
        a.modality == "surgery" and not neg for neg, a in _polar(expr) if a.within_days is None
    )


# --------------------------------------------------------------------------- vocabulary


def test_trial_participation_named_by_its_agent() -> None:
    expr, full = _one(
        "Is currently participating in or has participated in a study of an investigational "
        "agent or has used an investigational device within 4 weeks prior to randomization."
    )
    assert [(a.modality, a.within_days) for _, a in _polar(expr)] == [("investigational", 28)]
    assert full


def test_angioplasty_or_stenting_is_one_therapy() -> None:
    expr, full = _one("No cardiac angioplasty or stenting within the last 12 weeks", "Inclusion")
    assert [(neg, a.modality) for neg, a in _polar(expr)] == [(True, "coronary_angioplasty")]
    assert full
    # a biliary stent is no coronary procedure
    assert _ids(_one("Biliary stenting within 2 weeks")[0]) == []


def test_bracketed_abbreviation_is_the_same_therapy() -> None:
    expr, _ = _one("At least 2 weeks since prior radiotherapy (XRT)", "Inclusion")
    assert [(neg, a.modality, a.within_days) for neg, a in _polar(expr)] == [
        (True, "radiotherapy", 14)
    ]


def test_hormone_borrows_therapy_only_beside_anticancer_therapies() -> None:
    expr, full = _one(
        "Patients who underwent surgery, radiation therapy, hormone or chemotherapy within 4 "
        "weeks prior to the beginning of investigational drug administration"
    )
    assert _ids(expr) == ["surgery", "radiotherapy", "hormonal_therapy", "chemotherapy"]
    assert full


def test_surgery_other_than_biopsy() -> None:
    expr, full = _one("Major surgery for any reason, except diagnostic biopsy, within 4 weeks")
    assert [(a.modality, a.major) for _, a in _polar(expr)] == [("surgery", True)] and full


def test_count_of_chemotherapy() -> None:
    expr, full = _one("More than 2 prior systemic chemotherapy.")
    assert [(a.modality, a.line) for _, a in _polar(expr)] == [("chemotherapy", 3)] and full


def test_concurrent_therapy_for_their_tumor() -> None:
    expr, full = _one(
        "Patients receiving concurrent therapy for their tumor (i.e. chemotherapeutics or "
        "investigational agents)"
    )
    assert [(a.modality, a.ongoing) for _, a in _polar(expr)] == [("anticancer_therapy", True)]
    assert full


# --------------------------------------------------------------------------- washouts


def test_exclusion_at_least_window_stays_unread() -> None:
    """An exclusion "At least 4 weeks since prior chemotherapy" has no safe reading: the
    window is kept as an unread part of the therapy (AND), not dropped."""
    expr, full = _one("At least 4 weeks since prior chemotherapy")
    assert not full
    assert any(isinstance(a, UnparsedAtom) for a in iter_atoms(expr))


def test_exception_window_reads_inside_unless() -> None:
    expr, _ = _one(
        "Prior chemotherapy unless 4 weeks have elapsed since the last dose of chemotherapy"
    )
    pol = _polar(expr)
    # the head chemotherapy is required; the exception's one is under NOT(NOT(within 28))
    assert (False, None) in [(neg, a.within_days) for neg, a in pol]
    assert (False, 28) in [(neg, a.within_days) for neg, a in pol]


def test_elapsed_between_is_a_washout_in_an_inclusion() -> None:
    expr, full = _one(
        "6 weeks have elapsed between completion of radiation therapy and start of trial drug",
        "Inclusion",
    )
    assert [(neg, a.modality, a.within_days) for neg, a in _polar(expr)] == [
        (True, "radiotherapy", 42)
    ]
    assert full


def test_underwent_is_a_verb_of_receipt() -> None:
    expr, full = _one("Patients who underwent prior pelvic surgery are eligible", "Inclusion")
    assert [(neg, a.modality) for neg, a in _polar(expr)] == [(False, "surgery")]
    expr, full = _one("Patients who underwent surgery within 4 weeks")
    assert [(neg, a.modality, a.within_days) for neg, a in _polar(expr)] == [(False, "surgery", 28)]
    assert full


def test_containing_and_any_indication_add_no_limit() -> None:
    expr, full = _one("Prior chemotherapy regimen containing irinotecan.")
    assert _ids(expr) == ["chemotherapy", "irinotecan"] and full
    expr, full = _one("Participants who were intolerant of a gemcitabine containing regimen.")
    assert "gemcitabine" in _ids(expr) and full
    expr, full = _one(
        "Minimum interval of 6 months after the end of any previous taxane-containing "
        "chemotherapy regimen",
        "Inclusion",
    )
    assert [(a.drug_class, a.modality) for _, a in _polar(expr)] == [("taxane", "chemotherapy")]
    expr, full = _one("Prior treatment with a JAK inhibitor for any indication.")
    assert _ids(expr) == ["jak_inhibitor"] and full
    # "for any other indication than X" names an exception: not read
    _, full = _one("Systemic steroid use for any other indication than peritumoral brain edema.")
    assert not full


def test_gnrh_agonist_or_antagonist() -> None:
    expr, _ = _one(
        "Ongoing androgen deprivation therapy with a LHRH analogue or antagonist", "Inclusion"
    )
    assert {"gnrh_agonist", "gnrh_antagonist"} <= set(_ids(expr))  # type: ignore[arg-type]


def test_therapy_a_bracket_forbids_is_not_required() -> None:
    """Inclusion "crizotinib (all other ALK inhibitors are excluded)": the ALK class must not
    be read as a requirement; the bracket stays unread."""
    expr, full = _one(
        "Patients must have progressed on crizotinib (all other ALK inhibitors are excluded)",
        "Inclusion",
    )
    assert _ids(expr) == ["crizotinib"]
    assert not full


def test_not_including_is_an_exception() -> None:
    expr, _ = _one(
        "Failure of at least one systemic therapy, not including Bexarotene", "Inclusion"
    )
    assert _ids(expr) == ["systemic_therapy"]


def test_permissive_inclusion_keeps_its_filler_unread() -> None:
    """ "Patients who received prior tamoxifen are eligible" reads as requiring tamoxifen (the
    tree's doing); the new filler words must not make such a criterion look fully parsed."""
    _, full = _one(
        "Failure of aromatase inhibitor therapy within the previous 6 months. Patients who "
        "received prior tamoxifen are eligible to enroll",
        "Inclusion",
    )
    assert not full


def test_non_myelosuppressive_is_not_the_myelosuppressive_phrase() -> None:
    expr, full = _one("At least 2 weeks since prior myelosuppressive chemotherapy", "Inclusion")
    assert [(neg, a.modality, a.within_days) for neg, a in _polar(expr)] == [
        (True, "chemotherapy", 14)
    ]
    assert full
    _, full = _one("At least 1 week since prior non-myelosuppressive chemotherapy", "Inclusion")
    assert not full
