"""Output models of a match: JSON-serialisable, what the CLI and web show."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal[
    "met", "not_met", "applies", "does_not_apply", "unknown", "not_applicable", "review"
]
Verdict = Literal["eligible", "possibly_eligible", "ineligible"]


class MissingFact(BaseModel):
    """A fact that would settle an unknown, and the question that asks for it."""

    model_config = ConfigDict(frozen=True)

    fact: str = Field(description="stable key, e.g. 'lab:hemoglobin', 'therapy:pd1_inhibitor'")
    question: str


class MissingItem(MissingFact):
    model_config = ConfigDict(frozen=True)

    criteria: list[str] = Field(default_factory=list, description="criterion ids it would settle")


class CriterionResult(BaseModel):
    id: str
    kind: Literal["inclusion", "exclusion"]
    text: str
    status: Status
    reason: str = Field(description="plain words a clinician reads")
    evidence: list[str] = Field(default_factory=list, description="profile paths with values")
    missing: list[MissingFact] = Field(default_factory=list)
    parent: str | None = None
    children: list[str] = Field(
        default_factory=list, description="sub-items whose statuses this item's status derives from"
    )
    conflict_with: list[str] = Field(
        default_factory=list,
        description="inclusion ids whose required therapy this exclusion would rule out",
    )
    counted: bool = Field(True, description="counts toward verdict and score (parents do not)")


class TrialMatch(BaseModel):
    nct_id: str
    title: str | None = None
    verdict: Verdict
    score: float = Field(
        description="favourable share of counted criteria: (met + does_not_apply + 0.5 x review) "
        "/ (counted - not_applicable); unknown, not_met and applies add nothing"
    )
    needs_review: list[str] = Field(default_factory=list, description="criterion ids to review")
    criteria: list[CriterionResult] = Field(default_factory=list)
    missing: list[MissingItem] = Field(default_factory=list)
    as_of: str | None = None
    policy: list[str] = Field(default_factory=list, description="non-default policies in force")
    parser_version: str | None = None

    def rank_key(self) -> tuple[int, float]:
        """Sort key (descending): verdict first, then score."""
        order = {"eligible": 2, "possibly_eligible": 1, "ineligible": 0}
        return (order[self.verdict], self.score)
