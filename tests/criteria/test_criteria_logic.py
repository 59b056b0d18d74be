"""Tree structure and the leftover rule of the criteria parser (logic.py, evaluate aliases)."""

from __future__ import annotations

from trialscout.criteria.atoms import Expr, iter_atoms
from trialscout.criteria.evaluate import atoms_match
from trialscout.criteria.parser import parse_criteria


def _one(text: str, kind: str = "Inclusion") -> tuple[Expr, bool]:
    parsed = parse_criteria(f"{kind} Criteria:\n- {text}\n")
    assert len(parsed.criteria) == 1
    c = parsed.criteria[0]
    return c.expr, c.fully_parsed


def test_shared_limit_joined_by_or_is_an_or_of_two_labs() -> None:
    expr, ok = _one("INR or PT ≤ 1.5 × ULN")
    assert expr.type == "or"
    labs = [a for a in iter_atoms(expr) if a.type == "lab"]
    assert sorted(a.analyte for a in labs) == ["inr", "pt"]  # type: ignore[attr-defined]
    assert all(a.uln_multiple == 1.5 for a in labs)  # type: ignore[attr-defined]
    assert ok


def test_shared_limit_joined_by_and_stays_and() -> None:
    expr, _ = _one("AST and ALT ≤ 2.5 × ULN")
    assert expr.type == "and"


def test_procedural_review_note_is_not_an_or_branch_of_an_exclusion() -> None:
    expr, _ = _one(
        "Active tuberculosis. Suspected active TB must be excluded by chest X-ray.", "Exclusion"
    )
    # AND(fact, note): all facts false -> the exclusion does not apply
    assert expr.type == "and"
    types = [a.type for a in expr.args]  # type: ignore[attr-defined]
    assert "review" in types and "infection" in types


def test_example_list_after_parsed_head_is_not_leftover() -> None:
    _, ok = _one("Known brain metastases (e.g. symptomatic lesions)", "Exclusion")
    assert ok


def test_filler_words_do_not_make_a_criterion_unparsed() -> None:
    _, ok = _one("Patients must have documented ECOG performance status of 0 or 1")
    assert ok


def test_real_leftover_content_stays_unparsed() -> None:
    expr, ok = _one("Tumour tissue block available for central pathology review")
    assert not ok
    assert any(a.type == "unparsed" for a in iter_atoms(expr))


def test_gold_short_ids_match_vocabulary_ids() -> None:
    gold = {"type": "diagnosis", "cancer": "nasopharyngeal", "histologies": ["squamous_cell"]}
    parsed = {
        "type": "diagnosis",
        "cancer": "nasopharyngeal_carcinoma",
        "histologies": ["squamous_cell_carcinoma"],
    }
    assert atoms_match(gold, parsed)


def test_vocabulary_alias_does_not_merge_different_values() -> None:
    gold = {"type": "diagnosis", "cancer": "breast"}
    assert atoms_match(gold, {"type": "diagnosis", "cancer": "breast_cancer"})
    assert not atoms_match(gold, {"type": "diagnosis", "cancer": "nasopharyngeal_carcinoma"})
    assert not atoms_match(
        {"type": "condition", "condition": "heart_failure"},
        {"type": "condition", "condition": "myocardial_infarction"},
    )


def test_keyword_prefilter_skips_only_declared_extractors() -> None:
    from trialscout.criteria.extractors.base import Ctx, Found, needs, wanted

    def plain(ctx: Ctx) -> list[Found]:
        return []

    gated = needs("ECOG", "karnofsky")(lambda ctx: [])
    assert wanted(gated, "ecog 0-1") and wanted(gated, "karnofsky >= 70")
    assert not wanted(gated, "age >= 18 years")
    assert wanted(plain, "age >= 18 years")  # undeclared: always run


def test_drug_examples_of_a_parsed_class_are_not_atoms() -> None:
    expr, ok = _one("Prior taxane (e.g. docetaxel, paclitaxel)", "Exclusion")
    atoms = list(iter_atoms(expr))
    assert [a.type for a in atoms] == ["prior_therapy"]
    assert atoms[0].drug_class == "taxane"  # type: ignore[attr-defined]
    assert ok


def test_condition_examples_keep_their_own_atoms() -> None:
    expr, _ = _one(
        "Cardiovascular disease (e.g., unstable angina, myocardial infarction within 6 months)",
        "Exclusion",
    )
    conds = {a.condition for a in iter_atoms(expr) if a.type == "condition"}  # type: ignore[attr-defined]
    assert "myocardial_infarction" in conds and len(conds) == 3


def test_pdq_not_specified_is_no_limit_with_the_kind_default() -> None:
    inc, ok = _one("Performance status: Not specified")
    assert ok and inc.type == "and" and inc.args == []  # type: ignore[attr-defined]
    exc, ok = _one("Renal: Not specified", "Exclusion")
    assert ok and exc.type == "or" and exc.args == []  # type: ignore[attr-defined]


def test_vague_criterion_without_a_no_limit_phrase_stays_unparsed() -> None:
    _, ok = _one("History of disease", "Exclusion")
    assert not ok


def test_qualifier_words_around_an_atom_are_not_leftover() -> None:
    _, ok = _one("Symptomatic and/or unstable pre-existing brain metastases", "Exclusion")
    assert ok
    _, ok = _one("Fertile patients must use effective contraception")
    assert ok
    _, ok = _one("Documented metastatic disease on bone scan or computed tomography (CT) scan")
    assert ok


def test_qualifiers_alone_do_not_make_a_criterion_parsed() -> None:
    # no atom at all: the words are all generic, yet nothing is read, so it stays unparsed
    expr, ok = _one("Moderate or unstable lesions requiring scheduled administration")
    assert not ok
    assert expr.type == "unparsed"


def test_content_next_to_an_atom_still_leaves_the_criterion_unparsed() -> None:
    expr, ok = _one("Prior radiotherapy; tumour must be accessible for repeat biopsy", "Exclusion")
    assert not ok
    assert any(a.type == "unparsed" for a in iter_atoms(expr))


def test_not_yet_recovered_is_unresolved_toxicity() -> None:
    expr, ok = _one("Patients who have not yet recovered from prior surgery", "Exclusion")
    conds = [a for a in iter_atoms(expr) if a.type == "condition"]
    assert [c.condition for c in conds] == ["toxicity_unresolved"]  # type: ignore[attr-defined]
    assert ok


def test_lab_aliases_match_in_the_scorer() -> None:
    gold = {
        "type": "lab",
        "analyte": "creatinine_clearance",
        "comparator": ">=",
        "value": 60,
        "unit": "mL/min",
    }
    parsed = dict(gold, analyte="crcl")
    assert atoms_match(gold, parsed)
    assert not atoms_match(gold, dict(gold, analyte="creatinine"))
    gold_alp = {
        "type": "lab",
        "analyte": "alkaline_phosphatase",
        "comparator": "<=",
        "uln_multiple": 2.5,
    }
    assert atoms_match(gold_alp, dict(gold_alp, analyte="alp"))


def test_not_recovered_keeps_its_meaning_in_an_exclusion() -> None:
    # "has not recovered" names the excluding condition itself; it must not be negated.
    from trialscout.criteria.atoms import ConditionAtom
    from trialscout.criteria.parser import parse_criteria

    text = "Exclusion Criteria:\n- Subject has not recovered from adverse events of prior therapy"
    [c] = parse_criteria(text).criteria
    assert c.kind == "exclusion"
    assert isinstance(c.expr, ConditionAtom) and c.expr.condition == "toxicity_unresolved"


def _atoms(expr: Expr, kind: str) -> list[Expr]:
    return [a for a in iter_atoms(expr) if a.type == kind]


def test_window_with_study_anchor_is_covered_and_fills_within_days() -> None:
    expr, ok = _one(
        "Major surgery within 28 days prior to the first dose of study drug", "Exclusion"
    )
    assert ok
    (pt,) = _atoms(expr, "prior_therapy")
    assert pt.within_days == 28  # type: ignore[attr-defined]


def test_window_in_the_last_weeks_before_enrollment_is_covered() -> None:
    expr, ok = _one("Chemotherapy within the last 3 weeks prior to enrollment", "Exclusion")
    assert ok
    assert _atoms(expr, "prior_therapy")[0].within_days == 21  # type: ignore[attr-defined]


def test_half_lives_and_whichever_clause_qualify_the_window() -> None:
    _, ok = _one(
        "Radiotherapy within 4 weeks or 5 half-lives prior to randomization, whichever is shorter",
        "Exclusion",
    )
    assert ok


def test_named_method_of_a_lab_limit_is_covered() -> None:
    _, ok = _one("Creatinine clearance >= 60 mL/min as calculated by the Cockcroft-Gault formula")
    assert ok
    _, ok = _one("Estimated creatinine clearance >= 60 mL/min")
    assert ok


def test_unnamed_method_object_stays_content() -> None:
    expr, ok = _one("Creatinine clearance >= 60 mL/min as determined by 24-hour urine collection")
    assert not ok
    (un,) = _atoms(expr, "unparsed")
    assert "urine" in (un.text or "")


def test_recovered_after_a_washout_is_covered() -> None:
    _, ok = _one("At least 3 weeks since prior chemotherapy and recovered")
    assert ok


def test_during_the_study_and_connectives_are_not_content() -> None:
    _, ok = _one("Pregnant or breastfeeding during the study", "Exclusion")
    assert ok
    _, ok = _one("Age between 18 and 75 years, inclusive")
    assert ok


def test_comparator_with_a_limit_the_atom_did_not_take_stays_unparsed() -> None:
    expr, ok = _one("Total bilirubin > 1.5 x ULN but not exceeding 3 x ULN")
    assert not ok
    assert _atoms(expr, "unparsed")


def test_qualifier_in_a_clause_without_an_atom_stays_content() -> None:
    # the window belongs to the second clause, which has no atom: its words stay unparsed
    expr, ok = _one(
        "Use of warfarin during the study; planned hepatectomy within 28 days prior to enrollment",
        "Exclusion",
    )
    assert not ok
    (un,) = _atoms(expr, "unparsed")
    assert "hepatectomy" in (un.text or "")
