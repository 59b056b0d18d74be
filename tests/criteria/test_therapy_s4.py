"""Prior-therapy extraction, session 4 (helper B): phrasings counted in the oncology corpus
that the development set does not show: line counts with upper bounds (NOT), counts without a
therapy word, transplant donor words shared through a list, negations inside the sentence,
drugs and sponsor codes new to drugs.csv, PD-L2, and the study drug named as a reference."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import (
    AndNode,
    Expr,
    NotNode,
    PriorTherapyAtom,
    iter_atoms,
)
from trialscout.criteria.parser import parse_criteria
from trialscout.criteria.vocab import vocab


def _one(text: str, kind: str = "Exclusion") -> tuple[Expr, bool]:
    parsed = parse_criteria(f"{kind} Criteria:\n- {text}\n")
    assert len(parsed.criteria) == 1
    c = parsed.criteria[0]
    return c.expr, c.fully_parsed


def _therapies(expr: Any) -> list[PriorTherapyAtom]:
    return [a for a in iter_atoms(expr) if isinstance(a, PriorTherapyAtom)]


def _ids(expr: Any) -> list[str | None]:
    return [a.drug or a.drug_class or a.regimen or a.modality for a in _therapies(expr)]


def _negated(expr: Any) -> list[PriorTherapyAtom]:
    """Therapy atoms under an odd number of NOTs."""
    out: list[PriorTherapyAtom] = []

    def walk(n: Any, neg: bool) -> None:
        if isinstance(n, PriorTherapyAtom):
            if neg:
                out.append(n)
            return
        if isinstance(n, NotNode):
            walk(n.arg, not neg)
        for a in getattr(n, "args", []) or []:
            walk(a, neg)

    walk(expr, False)
    return out


# ------------------------------------------------------------ line counts


def test_upper_bound_on_prior_lines_is_a_negated_next_line() -> None:
    # "up to 2" = NOT(a 3rd line); before, the bare atom line 3 required a 3rd line
    expr, full = _one("Up to 2 prior chemotherapy regimens for metastatic disease", "Inclusion")
    assert full
    assert isinstance(expr, NotNode)
    (a,) = _therapies(expr)
    assert (a.modality, a.line, a.setting) == ("chemotherapy", 3, "metastatic")
    expr, _ = _one("Patients must have received no more than 3 prior regimens", "Inclusion")
    assert [a.line for a in _negated(expr)] == [4]
    expr, _ = _one("Fewer than 3 prior chemotherapy regimens", "Inclusion")
    assert [a.line for a in _negated(expr)] == [3]


def test_leading_no_more_than_is_negated_once() -> None:
    # the tree's own leading negation holds it: no second NOT from the extractor
    expr, _ = _one("No more than 3 prior regimens", "Inclusion")
    assert isinstance(expr, NotNode)
    assert [a.line for a in _negated(expr)] == [4]


def test_lower_bound_stays_positive() -> None:
    expr, _ = _one("More than 1 prior chemotherapy regimen")
    (a,) = _therapies(expr)
    assert a.line == 2 and _negated(expr) == []


def test_at_least_but_no_more_than_gives_both_bounds() -> None:
    expr, full = _one(
        "Must have received at least 1, but no more than 5 prior therapy regimens", "Inclusion"
    )
    assert full
    assert isinstance(expr, AndNode)
    lines = sorted(a.line or 0 for a in _therapies(expr))
    assert lines == [1, 6]
    assert [a.line for a in _negated(expr)] == [6]


def test_count_without_a_therapy_word_is_systemic_therapy() -> None:
    expr, full = _one("Patients who have received more than two prior treatments")
    assert full
    (a,) = _therapies(expr)
    assert (a.modality, a.line) == ("systemic_therapy", 3)
    expr, _ = _one("No more than 3 prior anti-myeloma regimens.", "Inclusion")
    assert [(a.modality, a.line) for a in _therapies(expr)] == [("systemic_therapy", 4)]


def test_count_whose_therapy_is_named_after_it_gets_no_generic_atom() -> None:
    # "lines of chemotherapy": the chemotherapy atom carries the line, no systemic_therapy too
    expr, _ = _one("More than 2 prior lines of chemotherapy")
    assert _ids(expr) == ["chemotherapy"]
    # an unknown kind word between number and noun is not read as systemic therapy
    expr, _ = _one("More than 2 prior intravesical therapies")
    assert "systemic_therapy" not in _ids(expr)


# ------------------------------------------------------------ transplants


def test_donor_word_shared_through_a_list() -> None:
    expr, full = _one("History of allogeneic stem cell or solid organ transplantation")
    assert full
    assert sorted(_ids(expr)) == ["allogeneic_transplant", "organ_transplant"]
    expr, full = _one("Prior autologous or allogeneic stem cell transplantation")
    assert full
    assert sorted(_ids(expr)) == ["allogeneic_transplant", "autologous_transplant"]


def test_donor_word_before_a_transplant_phrase_names_its_kind() -> None:
    expr, full = _one("Prior autologous peripheral blood stem cell transplantation within 3 months")
    assert full
    (a,) = _therapies(expr)
    assert (a.modality, a.within_days) == ("autologous_transplant", 90)
    # the bracketed short form is the same transplant, not a broader second atom
    expr, _ = _one("Prior allogeneic or autologous hematopoietic stem cell transplant (HSCT)")
    assert sorted(_ids(expr)) == ["allogeneic_transplant", "autologous_transplant"]


def test_donor_word_without_a_transplant_is_not_a_therapy() -> None:
    expr, _ = _one("Autologous stem cell collection must be complete", "Inclusion")
    assert _therapies(expr) == []


# ------------------------------------------------------------ negation inside the sentence


def test_patients_who_have_not_received_is_negated() -> None:
    expr, full = _one(
        "Patients who have not received prior chemotherapy for metastatic disease", "Inclusion"
    )
    assert full
    (a,) = _negated(expr)
    assert (a.modality, a.setting) == ("chemotherapy", "metastatic")
    expr, _ = _one("Patients that have never been treated with anthracyclines", "Inclusion")
    assert [a.drug_class for a in _negated(expr)] == ["anthracycline"]


def test_untreated_with_a_list_negates_the_whole_list() -> None:
    expr, _ = _one(
        "Patients must be previously untreated with chemotherapy or radiation therapy", "Inclusion"
    )
    assert sorted(a.modality or "" for a in _negated(expr)) == ["chemotherapy", "radiotherapy"]
    assert len(_negated(expr)) == len(_therapies(expr))


def test_local_negation_stops_at_the_next_clause_and_skips_women() -> None:
    expr, _ = _one(
        "Patients who have not undergone bilateral orchiectomy must continue LHRH agonist therapy",
        "Inclusion",
    )
    assert [a.modality for a in _negated(expr)] == ["hormonal_therapy"]
    assert "gnrh_agonist" in _ids(expr)
    assert all(a.drug_class != "gnrh_agonist" for a in _negated(expr))
    # "provided not previously treated": the tree's unless/provided rule negates it, once
    expr, _ = _one(
        "Prior contralateral breast malignancy allowed provided not previously treated with "
        "chemotherapy",
        "Inclusion",
    )
    assert [a.modality for a in _negated(expr)] == ["chemotherapy"]


def test_negation_at_the_start_is_left_to_the_tree() -> None:
    expr, _ = _one("No patients who have not received prior radiotherapy", "Inclusion")
    # one negation from "No", none from the extractor
    assert isinstance(expr, NotNode)


# ------------------------------------------------------------ vocabulary


def test_new_drugs_and_sponsor_codes() -> None:
    expr, full = _one("Prior treatment with TAK-700, ketoconazole, or aminoglutethimide")
    assert full
    assert _ids(expr) == ["orteronel", "ketoconazole", "aminoglutethimide"]
    expr, _ = _one("Prior therapy with BIBW 2992 or other EGFR TKIs")
    assert _ids(expr) == ["afatinib", "egfr_tki"]
    expr, _ = _one("Prior use of Mylotarg (gemtuzumab ozogamicin)")
    assert "gemtuzumab_ozogamicin" in _ids(expr)


def test_moderate_cyp3a4_inhibitors_are_members_of_the_class() -> None:
    v = vocab()
    for d in ("erythromycin", "fluconazole", "diltiazem", "atazanavir"):
        assert {"cyp3a4_inhibitor", "moderate_cyp3a4_inhibitor"} <= set(v.drug_classes[d])
    assert "moderate_cyp3a4_inhibitor" not in v.drug_classes["ketoconazole"]
    # listed under the class they head: no atoms of their own (docs/criteria-gold.md)
    expr, _ = _one(
        "Medications of concern are the following inhibitors of CYP3A4: azole antifungals "
        "(ketoconazole, itraconazole, fluconazole), macrolide antibiotics (erythromycin, "
        "clarithromycin), cimetidine, aprepitant, HIV protease inhibitors, nefazodone"
    )
    assert _ids(expr) == ["cyp3a4_inhibitor"]


def test_pd_l2_is_its_own_class() -> None:
    expr, full = _one("Prior anti-PD-1, anti-PD-L1, or anti-PD-L2 therapy")
    assert full
    assert sorted(_ids(expr)) == ["pd1_inhibitor", "pdl1_inhibitor", "pdl2_inhibitor"]


def test_study_drug_named_as_a_reference_is_no_prior_therapy() -> None:
    for text in (
        "Strong inducers of CYP3A4 within 1 week prior dosing with AZD1775",
        "Other anti-neoplastic therapy within 2 weeks of starting treatment with sonidegib",
        "Other investigational drug within 28 days before first administration of trial drug "
        "(BIBF 1120)",
        "Gastrointestinal disease that may alter the absorption of LDE225",
    ):
        expr, _ = _one(text)
        assert not [a for a in _therapies(expr) if a.drug], text
    expr, _ = _one("Prior treatment with sonidegib")
    assert _ids(expr) == ["sonidegib"]


# ------------------------------------------------------------ washouts and exceptions


def test_weeks_since_prior_therapy_is_any_anticancer_therapy_in_an_inclusion() -> None:
    expr, full = _one("At least 4 weeks since prior therapy", "Inclusion")
    assert full
    (a,) = _negated(expr)
    assert (a.modality, a.within_days) == ("anticancer_therapy", 28)
    expr, _ = _one("Less than 4 weeks since prior therapy")
    (a,) = _therapies(expr)
    assert (a.modality, a.within_days) == ("anticancer_therapy", 28)


def test_exclusion_at_least_weeks_since_prior_therapy_makes_no_bare_therapy_atom() -> None:
    # "unless at least 4 weeks from prior therapy": no window can be read, and a bare
    # "any prior therapy" atom would wrongly decide the exception
    expr, _ = _one(
        "Patient with CNS involvement unless they are at least 4 weeks from prior therapy"
    )
    assert _therapies(expr) == []


def test_exception_after_a_few_words_drops_the_excepted_drugs() -> None:
    expr, _ = _one(
        "Prior treatment for AML (excluding supportive care, hydroxyurea, hematopoietic "
        "cytokines, or lenalidomide)"
    )
    assert _ids(expr) == ["anticancer_therapy"]
    # "excluding patients with": not an exception list
    expr, _ = _one("Prior systemic therapy, excluding patients with prior chemotherapy")
    assert "chemotherapy" in _ids(expr)


def test_cytokines_gene_therapy_and_intravesical_therapy() -> None:
    expr, _ = _one("Chemotherapy, radiotherapy or cytokines within 30 days")
    assert "immunotherapy" in _ids(expr)
    expr, _ = _one("Hematopoietic cytokines within 2 weeks")
    assert _ids(expr) == ["hematopoietic_growth_factor"]
    expr, full = _one("No prior treatment with gene therapy")
    assert full and _ids(expr) == ["biological_therapy"]
    expr, _ = _one("Prior intravesical therapy")
    assert _ids(expr) == ["intravesical_therapy"]
