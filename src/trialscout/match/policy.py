"""Matching policies: the defaults follow clinical-reference.md; anything else is opt-in."""

from __future__ import annotations

from pydantic import BaseModel


class MatchPolicy(BaseModel):
    """`absent_unless_documented`: treat a history item (condition, infection, prior therapy,
    metastasis) that the record does not mention as absent. Off by default: silence is
    unknown. When on, every answer it decides says so in its reason."""

    absent_unless_documented: bool = False

    def describe(self) -> list[str]:
        return ["absent unless documented"] if self.absent_unless_documented else []
