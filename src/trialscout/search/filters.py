"""Lenient parsing of filter values as users type them (`recruiting`, `phase 2`, `500km`)."""

from __future__ import annotations

import math
import re

from trialscout.registry.model import OverallStatus, Phase

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


def parse_status(value: str) -> OverallStatus:
    key = re.sub(r"[\s\-/]+", "_", value.strip()).upper()
    key = {"ACTIVE": "ACTIVE_NOT_RECRUITING", "NOT_RECRUITING": "ACTIVE_NOT_RECRUITING"}.get(
        key, key
    )
    try:
        return OverallStatus(key)
    except ValueError:
        allowed = ", ".join(s.value.lower().replace("_", " ") for s in OverallStatus)
        raise ValueError(f"unknown status '{value}' (one of: {allowed})") from None


def parse_phase(value: str) -> list[Phase]:
    """`2`, `phase 2`, `PHASE2`, `II`, `early phase 1`, `1/2` (both), `na`."""
    raw = value.strip().lower()
    key = re.sub(r"[\s_\-]+", "", raw)
    if key in {"na", "n/a", "notapplicable"}:
        return [Phase.NA]
    if key in {"early1", "earlyphase1", "phase0", "0"}:
        return [Phase.EARLY_PHASE1]
    key = key.removeprefix("phase")
    out: list[Phase] = []
    for part in re.split(r"[/,|]|phase", key):
        if not part:
            continue
        part = _ROMAN.get(part, part)
        if part not in {"1", "2", "3", "4"}:
            raise ValueError(f"unknown phase '{value}' (use 1, 2, 3, 4, 1/2, early 1 or na)")
        out.append(Phase(f"PHASE{part}"))
    if not out:
        raise ValueError(f"unknown phase '{value}' (use 1, 2, 3, 4, 1/2, early 1 or na)")
    return out


def parse_near(value: str) -> tuple[float, float]:
    """`LAT,LON` in decimal degrees."""
    parts = [p.strip() for p in value.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"--near must be 'LAT,LON' in decimal degrees, got '{value}'") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        raise ValueError(f"--near out of range (lat -90..90, lon -180..180): '{value}'")
    return lat, lon


_COORDS = re.compile(r"^\s*[-+]?[\d.]+\s*,\s*[-+]?[\d.]+\s*$")


def parse_near_or_place(value: str) -> tuple[float, float, str | None]:
    """`LAT,LON`, or a place name ('Guangzhou, China', 'Chengdu') resolved offline to its
    city centroid: (lat, lon, place label or None)."""
    if _COORDS.match(value) or not re.search(r"[^\W\d_]", value):
        lat, lon = parse_near(value)
        return lat, lon, None
    from trialscout.search.geocode import resolve_place

    place = resolve_place(value)
    return place.lat, place.lon, place.label


_RADIUS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|mi|miles?|kilometers?|kilometres?)?\s*$", re.I)


def parse_radius(value: str) -> float:
    """`500`, `500km`, `300mi` -> kilometres."""
    m = _RADIUS.match(value)
    if not m:
        raise ValueError(f"--radius must be a distance such as 500, 500km or 300mi, got '{value}'")
    n = float(m.group(1))
    unit = (m.group(2) or "km").lower()
    return n * 1.609344 if unit.startswith("mi") else n


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(
    lat: float, lon: float, radius_km: float
) -> tuple[float, float, float, float] | None:
    """(min_lat, max_lat, min_lon, max_lon) that holds the circle, or None when it wraps."""
    dlat = radius_km / 111.0
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90:
        return None
    dlon = radius_km / (111.0 * max(math.cos(math.radians(max(abs(min_lat), abs(max_lat)))), 1e-6))
    min_lon, max_lon = lon - dlon, lon + dlon
    if min_lon < -180 or max_lon > 180:
        return None
    return min_lat, max_lat, min_lon, max_lon
