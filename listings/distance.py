"""Distances in the visitor's unit: miles in American English, kilometres in British English.

Searches and the database work in kilometres, and the partner API takes ``radius_km``.
Pages take and show distances in one ``DistanceUnit``, chosen by the active language's
format module (``DISTANCE_UNIT`` in directory/formats/<locale>/formats.py), so templates
and views never choose between units themselves. Conversions happen here and nowhere else.
"""

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import get_language, gettext

KM_PER_MILE = 1.609344
MAX_RADIUS_KM = 500
# The radius choices a page offers, in its own unit.
RADIUS_CHOICES = (5, 10, 25, 50, 100, 250)
DEFAULT_RADIUS = 25


@dataclass(frozen=True)
class DistanceUnit:
    code: str
    # The search parameter that takes a radius in this unit.
    parameter: str
    km_per_unit: float

    def to_km(self, value: float) -> float:
        return float(value) * self.km_per_unit

    def from_km(self, km: float) -> float:
        return float(km) / self.km_per_unit

    @property
    def max_radius(self) -> int:
        """The largest radius in this unit that stays within ``MAX_RADIUS_KM``."""
        return int(MAX_RADIUS_KM / self.km_per_unit)

    @property
    def default_radius_km(self) -> float:
        return self.to_km(DEFAULT_RADIUS)

    def amount(self, km: float, *, digits: int = 1) -> str:
        """``km`` in this unit, rounded, with its symbol: "3.1 mi", "5 km"."""
        value = round(self.from_km(km), digits)
        number = formats.number_format(value, digits if value % 1 else 0)
        return f"{number}\u00a0{self.code}"

    def away(self, km: float) -> str:
        return gettext("%(distance)s away") % {"distance": self.amount(km)}

    def within(self, km: float, place: str) -> str:
        """Mid-sentence: "within 25 mi of Austin, TX"."""
        return gettext("within %(distance)s of %(place)s") % {
            "distance": self.amount(km),
            "place": place,
        }

    def radius_label(self, value: float) -> str:
        """A radius choice as a page lists it: "25 mi"."""
        return self.amount(self.to_km(value))


KILOMETRES = DistanceUnit(
    code="km",
    parameter="radius_km",
    km_per_unit=1.0,
)
MILES = DistanceUnit(
    code="mi",
    parameter="radius_mi",
    km_per_unit=KM_PER_MILE,
)
UNITS = {unit.code: unit for unit in (KILOMETRES, MILES)}


def active_unit() -> DistanceUnit:
    """The unit of the active language: its format module's ``DISTANCE_UNIT`` (km if none)."""
    for module in formats.get_format_modules(get_language()):
        code = getattr(module, "DISTANCE_UNIT", None)
        if code:
            return UNITS[code]
    return KILOMETRES
