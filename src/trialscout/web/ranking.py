"""Rank the store's trials for one patient (the patient page and `POST /api/match`).

A thin layer over the registry-wide `search.find.find_trials` (docs/find.md): the web
defaults (every status, since the 2023 demo sample has few recruiting trials) and the
status choices offered by the patient page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trialscout.match import MatchPolicy, TrialMatch
from trialscout.patient.profile import PatientProfile
from trialscout.registry.model import OverallStatus
from trialscout.search.find import FindResult

# (form value, label) for the patient page's status select; "" is every status.
STATUS_CHOICES: list[tuple[str, str]] = [("", "Any status")] + [
    (s.value.lower(), s.value.replace("_", " ").capitalize()) for s in OverallStatus
]


def parse_statuses(values: Sequence[str]) -> list[OverallStatus]:
    """Form/API status words -> statuses; ValueError names the bad one."""
    from trialscout.search.filters import parse_status

    return [parse_status(v) for v in values if v.strip()]


def find_for_patient(
    store: Any,
    profile: PatientProfile,
    limit: int = 20,
    *,
    statuses: Sequence[OverallStatus] = (),
    show_ineligible: bool = False,
    policy: MatchPolicy | None = None,
) -> FindResult:
    """The best `limit` trials across the store, each with its verdict and `rank_reason`."""
    from trialscout.search.find import find_trials

    return find_trials(
        store,
        profile,
        statuses=list(statuses),
        top=limit,
        candidates=max(200, limit),
        show_ineligible=show_ineligible,
        policy=policy,
    )


def rank_trials(
    store: Any,
    profile: PatientProfile,
    limit: int = 20,
    *,
    policy: MatchPolicy | None = None,
) -> list[TrialMatch]:
    """The matches alone, best first, ineligible ones last (kept for callers wanting them)."""
    found = find_for_patient(store, profile, limit, show_ineligible=True, policy=policy)
    return [r.match for r in found.results]
