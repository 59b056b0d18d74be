"""Eligibility matching: a verdict per criterion, with its reason and evidence.

Three-valued (Kleene) logic throughout: a missing fact is unknown, never "no"
(design/clinical-reference.md). `match_trial` is the entry point.
"""

from __future__ import annotations

from trialscout.match.engine import MatchPolicy, match_trial
from trialscout.match.result import CriterionResult, MissingFact, TrialMatch

__all__ = ["CriterionResult", "MatchPolicy", "MissingFact", "TrialMatch", "match_trial"]
