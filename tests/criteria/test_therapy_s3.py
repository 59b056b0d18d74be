"""Prior-therapy extraction, session 3: what is (and is not) a prior therapy, classes and
their members, per-therapy time windows, and the washout reading of "at least N weeks since"."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import Expr, NotNode, OrNode, PriorTherapyAtom, iter_atoms
from trialscout.criteria.parser import parse_criteria


def _one(text: str, kind: str = "Exclusion") -> tuple[Expr, bool]:
    parsed = parse_criteria(f"{kind} Criteria:\n- {text}\n")
    assert len(parsed.criteria) == 1
    c = parsed.criteria[0]
    return c.expr, c.fully_parsed


def _therapies(expr: Expr) -> list[PriorTherapyAtom]:
    return [a for a in iter_atoms(expr) if isinstance(a, PriorTherapyAtom)]


def _ids(expr: Expr) -> list[str | None]:
    return [a.drug or a.drug_class or a.regimen or a.modality for a in _therapies(expr)]


def _nots(expr: Any) -> list[NotNode]:
    out: list[NotNode] = []
    if isinstance(expr, NotNode):
        out.append(expr)
        out += _nots(expr.arg)
    for a in getattr(expr, "args", []) or []:
        out += _nots(a)
    return out


# ------------------------------------------------------------ not a prior therapy


def test_planned_treatment_and_its_anchor_are_no_prior_therapy() -> None:
    expr, _ = _one(
        "Intent to administer neoadjuvant chemotherapy or radiation therapy prior to the "
        "surgery or biopsy"
    )
    assert _therapies(expr) == []
    expr, _ = _one(
        "Scheduled to receive adjuvant concurrent chemoradiation treatment within 12 weeks "
        "of surgery",
        "Inclusion",
    )
    assert _therapies(expr) == []


def test_list_of_treatments_the_patient_is_not_a_candidate_for_is_dropped_as_a_whole() -> None:
    expr, _ = _one(
        "Subjects who were not candidates for surgery, systemic chemotherapy, chemoembolization "
        "(TACE), intratumoral ethanol injection (PEI), radiofrequency ablation (RFA), cryoablation "
        "or other locally ablative technology may be eligible",
        "Inclusion",
    )
    assert _therapies(expr) == []


def test_toxicity_source_is_read_by_the_condition_not_as_a_therapy() -> None:
    expr, _ = _one(
        "Resolution of all acute toxic effects of prior therapy, radiotherapy or surgical "
        "procedure to grade 1 or less",
        "Inclusion",
    )
    assert _therapies(expr) == []
    # without a recovery requirement the drug is the content: "toxicity on gefitinib"
    expr, _ = _one("Previous Grade 4 toxicity on gefitinib or erlotinib")
    assert sorted(str(x) for x in _ids(expr)) == ["erlotinib", "gefitinib"]


def test_treatment_that_describes_a_disease_is_not_a_prior_therapy() -> None:
    expr, _ = _one("Known diagnosis of diabetes requiring insulin for control.")
    assert "insulin" not in _ids(expr)
    # but a patient who requires the treatment is read
    expr, _ = _one("Patients requiring full systemic anticoagulation")
    assert _ids(expr) == ["anticoagulant"]


def test_receptor_and_swallowed_study_drug_are_no_therapies() -> None:
    expr, _ = _one(
        "Estrogen and/or progesterone receptor analysis performed on the primary tumour",
        "Inclusion",
    )
    assert _therapies(expr) == []
    expr, _ = _one("Inability or unwillingness to swallow HKI-272 capsules")
    assert _therapies(expr) == []


def test_how_brain_metastases_were_treated_is_no_prior_therapy_limit() -> None:
    expr, _ = _one(
        "Known progressive cerebral metastasis (patients with cerebral metastases in a stable "
        "state or after successful surgical or radiological treatment are allowed to participate)"
    )
    assert _therapies(expr) == []


# ------------------------------------------------------------ classes and members


def test_drugs_listed_as_members_of_the_class_before_them_are_covered_by_it() -> None:
    expr, _ = _one(
        "previous complete or partial response to treatment with an epidermal growth factor "
        "receptor-tyrosine kinase inhibitor, erlotinib, or gefitinib",
        "Inclusion",
    )
    (tx,) = _therapies(expr)
    assert tx.drug_class == "egfr_tki"
    assert tx.response == ["CR", "PR"]


def test_class_in_brackets_explaining_a_drug_is_covered_by_the_drug() -> None:
    expr, ok = _one("St. John's wort or hyperforin (potent cytochrome P450 CYP3A4 enzyme inducer)")
    assert _ids(expr) == ["st_johns_wort"]
    assert ok


def test_prednisone_or_equivalent_is_the_corticosteroid_class() -> None:
    expr, _ = _one(
        "Subjects with brain metastases are eligible if controlled on a stable dose <= 10mg "
        "prednisone/day or its equivalent dose of steroids",
        "Inclusion",
    )
    assert "corticosteroid" in _ids(expr)
    assert "prednisone" not in _ids(expr)


def test_target_list_with_a_spelled_out_name_in_brackets() -> None:
    expr, _ = _one(
        "Previous treatment with fulvestrant or PI3K/mTOR(mammalian target of rapamycin )/Akt "
        "inhibitor therapy"
    )
    ids = _ids(expr)
    assert {"pi3k_inhibitor", "mtor_inhibitor", "akt_inhibitor", "fulvestrant"} <= set(ids)
    assert "sirolimus" not in ids  # "rapamycin" names the target, not a drug taken


def test_cyp3a4_inhibitors_or_inducers_is_an_or_of_both_classes() -> None:
    expr, ok = _one(
        "No concurrent agents known to be strong inhibitors or inducers of isoenzyme CYP3A4",
        "Inclusion",
    )
    ors = [n for n in [expr, *getattr(expr, "args", [])] if isinstance(n, OrNode)]
    assert sorted(str(x) for x in _ids(expr)) == ["cyp3a4_inducer", "cyp3a4_inhibitor"]
    assert ors or isinstance(expr, NotNode)
    assert ok


def test_bare_kind_words_in_a_therapy_list_borrow_therapy() -> None:
    expr, _ = _one(
        "Treatment with chemotherapy, immunotherapy or targeted, biologic or tumour embolisation "
        "within 21 days of study drug administration"
    )
    assert set(_ids(expr)) == {
        "chemotherapy",
        "immunotherapy",
        "targeted_therapy",
        "biological_therapy",
        "embolization",
    }
    assert {a.within_days for a in _therapies(expr)} == {21}


def test_adjuvant_or_neoadjuvant_therapy_is_a_therapy_with_its_setting() -> None:
    expr, _ = _one("Prior adjuvant or neoadjuvant therapy allowed", "Inclusion")
    (tx,) = _therapies(expr)
    assert tx.modality == "anticancer_therapy" and tx.setting == "adjuvant"
    # right after a class, the setting belongs to that class
    expr, _ = _one(
        "disease recurrence within 6 months of treatment with a platinum-based "
        "adjuvant/neoadjuvant regimen",
        "Inclusion",
    )
    (tx,) = _therapies(expr)
    assert tx.drug_class == "platinum" and tx.setting == "adjuvant"


def test_new_table_rows_are_read() -> None:
    for text, want in [
        ("Live vaccines within 30 days", "live_vaccine"),
        ("No concurrent ovarian hormonal replacement therapy", "hormone_replacement"),
        ("No other concurrent cyclo-oxygenase-2 inhibitors", "cox2_inhibitor"),
        ("No HIV-positive patients receiving combination antiretroviral therapy", "antiretroviral"),
        ("Patients who have undergone prior allograft", "allogeneic_transplant"),
        ("Prior valproic acid within 2 weeks", "valproic_acid"),
    ]:
        expr, _ = _one(text)
        assert want in _ids(expr), text


# ------------------------------------------------------------ time windows


def test_each_therapy_keeps_its_own_window() -> None:
    expr, _ = _one(
        "The patients who have already taken Extended Field Radiotherapy (EF-RT) within 4 weeks "
        "before grouping or Limited Field Radiotherapy with proposed assessment of nidus within "
        "2 weeks before grouping"
    )
    assert sorted(a.within_days or 0 for a in _therapies(expr)) == [14, 28]


def test_one_therapy_with_two_alternative_windows_is_read_twice() -> None:
    expr, _ = _one(
        "Radiotherapy within 28 days of study enrollment or within 14 days of study enrollment "
        "for peripheral lesions"
    )
    assert sorted(a.within_days or 0 for a in _therapies(expr)) == [14, 28]


def test_concurrent_therapy_after_a_washout_is_ongoing_not_timed() -> None:
    expr, _ = _one(
        "Chemotherapy within 4 weeks of starting therapy, or concurrent anticancer therapy "
        "(chemotherapy, radiotherapy, or biologic therapy)"
    )
    chemo = [a for a in _therapies(expr) if a.modality == "chemotherapy"]
    assert len(chemo) == 2
    assert {(a.within_days, a.ongoing) for a in chemo} == {(28, None), (None, True)}


def test_at_least_weeks_since_in_an_inclusion_is_a_negated_washout() -> None:
    expr, ok = _one(
        "More than 4 weeks since prior major surgery, chemotherapy, or radiotherapy", "Inclusion"
    )
    nots = _nots(expr)
    assert len(nots) == 1  # NOT(any of them within 4 weeks), not OR(NOT a, NOT b, ...)
    assert {a.within_days for a in _therapies(nots[0].arg)} == {28}
    assert set(_ids(expr)) == {"surgery", "chemotherapy", "radiotherapy"}
    assert ok


def test_less_than_weeks_since_in_an_exclusion_is_a_plain_window() -> None:
    expr, _ = _one("Less than 4 weeks since prior chemotherapy")
    assert _nots(expr) == []
    (tx,) = _therapies(expr)
    assert tx.within_days == 28


def test_administration_of_a_drug_is_the_criterion_subject_not_a_time_anchor() -> None:
    expr, ok = _one("Administration of metformin within last 4 weeks.")
    (tx,) = _therapies(expr)
    assert tx.drug == "metformin" and tx.within_days == 28
    assert ok


def test_line_count_does_not_cross_a_time_unit() -> None:
    expr, _ = _one(
        "brain metastasis stable without steroid treatment for at least 3 months following prior "
        "treatment"
    )
    assert all(a.line is None for a in _therapies(expr))


def test_completed_before_a_window_reads_as_at_least_and_is_covered() -> None:
    expr, ok = _one(
        "Prior chemotherapy, radiation therapy, or surgery must have been completed at least "
        "28 days prior to registration",
        "Inclusion",
    )
    (neg,) = _nots(expr)
    assert {a.within_days for a in _therapies(neg.arg)} == {28}
    assert ok
    expr, _ = _one("Prior radiation allowed if completed 3 weeks before enrollment", "Inclusion")
    (neg,) = _nots(expr)
    assert [a.within_days for a in _therapies(neg.arg)] == [21]
