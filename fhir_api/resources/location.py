"""Location: where a clinic is — its address and its position on the map."""

from datetime import date

from fhir_api.outcomes import FhirError
from fhir_api.parameters import string_filter
from fhir_api.resources.base import (
    ResourceType,
    SearchParam,
    address,
    meta,
    reference,
    without_empty,
)
from fhir_api.resources.organization import CLINIC_NAME, clinics
from listings.distance import KM_PER_MILE, MAX_RADIUS_KM
from listings.filters import DEFAULT_RADIUS_KM, within_radius
from listings.geo import Place
from practitioners.models import Clinic

# ``near``'s units: UCUM's, and the plain abbreviations people type.
KM_PER_UNIT = {"km": 1.0, "mi": KM_PER_MILE, "[mi_i]": KM_PER_MILE}


def build(clinic: Clinic, today: date) -> dict:
    return without_empty(
        {
            "resourceType": "Location",
            "id": str(clinic.pk),
            **meta(clinic),
            "status": "active",
            "mode": "instance",
            "name": clinic.name,
            "address": address(clinic),
            "position": {"latitude": clinic.latitude, "longitude": clinic.longitude},
            "managingOrganization": reference("Organization", clinic.pk, clinic.name),
        }
    )


def parse_near(value: str) -> tuple[Place, float]:
    """``latitude|longitude[|distance[|unit]]`` → the point and the radius in km."""
    parts = value.split("|")
    invalid = FhirError(
        f"“{value}” is not latitude|longitude|distance|unit "
        f"(unit km or mi; at most {MAX_RADIUS_KM} km)."
    )
    if not 2 <= len(parts) <= 4:
        raise invalid
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
        distance = float(parts[2]) if len(parts) > 2 and parts[2] else DEFAULT_RADIUS_KM
    except ValueError:
        raise invalid from None
    unit = parts[3] if len(parts) > 3 and parts[3] else "km"
    if unit not in KM_PER_UNIT or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise invalid
    radius_km = distance * KM_PER_UNIT[unit]
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise invalid
    return Place(name="", latitude=latitude, longitude=longitude), radius_km


def _near(queryset, value: str, modifier: str | None):
    place, radius_km = parse_near(value)
    return within_radius(queryset, place, radius_km, prefix="")


LOCATION = ResourceType(
    name="Location",
    queryset=clinics,
    build=build,
    params={
        "near": SearchParam(
            "near",
            "special",
            _near,
            "latitude|longitude|distance|unit: within that distance (unit km or mi, "
            f"default {DEFAULT_RADIUS_KM} km, at most {MAX_RADIUS_KM} km).",
        ),
        "address-state": SearchParam(
            "address-state",
            "string",
            string_filter("region"),
            "The state (e.g. TX) starts with (any case); :exact and :contains.",
            modifiers=("exact", "contains"),
        ),
        "name": CLINIC_NAME,
    },
)
