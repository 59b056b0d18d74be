"""Trial search: the query and result models, filter parsing, and the SQL that runs them.

`Store.search(SearchQuery)` is the entry point; `engine.run_search` does the work on a
connection so the store stays free of query logic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trialscout.registry.model import OverallStatus, Phase, Sex, StudyType
from trialscout.search.filters import parse_near_or_place, parse_phase, parse_status


class NearPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    place: str | None = Field(
        default=None, description="the place name the point was resolved from (city centroid)"
    )


class SearchQuery(BaseModel):
    """What a user asks for. Filter values are normalised on input (`recruiting` -> RECRUITING)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    match: Literal["all", "any"] = Field(
        default="all",
        description="'all': every word must match; 'any': rank by any word (long queries)",
    )
    statuses: list[OverallStatus] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    age: float | None = Field(default=None, ge=0, le=130)
    sex: Sex | None = None
    near: NearPoint | None = None
    radius_km: float | None = Field(default=None, gt=0)
    conditions: list[str] = Field(default_factory=list)
    study_type: StudyType | None = None
    limit: int = Field(default=20, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)

    @field_validator("near", mode="before")
    @classmethod
    def _near(cls, v: object) -> object:
        """A string is `LAT,LON` or a place name ('Guangzhou, China')."""
        if isinstance(v, str):
            lat, lon, place = parse_near_or_place(v)
            return {"lat": lat, "lon": lon, "place": place}
        return v

    @field_validator("statuses", mode="before")
    @classmethod
    def _statuses(cls, v: object) -> object:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list):
            return [parse_status(s) if isinstance(s, str) else s for s in v]
        return v

    @field_validator("phases", mode="before")
    @classmethod
    def _phases(cls, v: object) -> object:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list):
            out: list[object] = []
            for p in v:
                out.extend(parse_phase(p) if isinstance(p, str) else [p])
            return list(dict.fromkeys(out))
        return v

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, v: object) -> object:
        if isinstance(v, str):
            key = v.strip().upper()
            key = {"F": "FEMALE", "WOMAN": "FEMALE", "M": "MALE", "MAN": "MALE"}.get(key, key)
            if key not in {s.value for s in Sex}:
                raise ValueError(f"unknown sex '{v}' (female, male or all)")
            return key
        return v

    @field_validator("study_type", mode="before")
    @classmethod
    def _study_type(cls, v: object) -> object:
        if isinstance(v, str):
            return v.strip().upper().replace(" ", "_").replace("-", "_")
        return v

    @field_validator("countries", "conditions")
    @classmethod
    def _strip(cls, v: list[str]) -> list[str]:
        return [s.strip() for s in v if s.strip()]


class SearchResult(BaseModel):
    nct_id: str
    title: str
    status: OverallStatus | None = None
    phases: list[Phase] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    score: float | None = None
    distance_km: float | None = Field(
        default=None, description="nearest site whose own status is RECRUITING (when `near` given)"
    )
    geo_source: Literal["registry", "city"] | None = Field(
        default=None,
        description="where that site's point came from: the registry's geoPoint, or the "
        "GeoNames centroid of its city (approximate: the site may be tens of km away)",
    )
    matched_countries: list[str] = Field(default_factory=list)
    last_update: str | None = None


class SearchPage(BaseModel):
    total: int
    results: list[SearchResult] = Field(default_factory=list)


__all__ = ["NearPoint", "SearchPage", "SearchQuery", "SearchResult"]
