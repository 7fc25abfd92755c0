"""The safety summary as one extension on PractitionerRole (StructureDefinition
``safety-summary``, served at its canonical URL).

Its figures are the REST API's and the profile's: ``safety_summary`` applies the review
threshold (``has_enough_reviews``), so below it the extension carries the review count
and ``enoughReviews`` false, and no rating or complication figure at all.
"""

from datetime import date

from fhir_api.canonical import SAFETY_SUMMARY, structure_definition
from partners.api.practitioners.serializers import safety_summary
from practitioners.models import Practitioner, badge_holds
from reviews.models import summary_of


def safety_extension(practitioner: Practitioner, today: date) -> dict:
    figures = safety_summary(summary_of(practitioner))
    parts = [
        {"url": "verified", "valueBoolean": badge_holds(practitioner.verified_through, today)},
        {"url": "windowMonths", "valueInteger": figures["window_months"]},
        {"url": "reviewCount", "valueInteger": figures["review_count"]},
        {"url": "enoughReviews", "valueBoolean": figures["enough_reviews"]},
    ]
    if figures["enough_reviews"]:
        parts += [
            {"url": "rating", "valueDecimal": figures["rating"]},
            {"url": "severeCount", "valueInteger": figures["severe_count"]},
        ]
        parts += [
            {
                "url": "complication",
                "extension": [
                    {"url": "type", "valueCode": kind},
                    {"url": "severity", "valueCode": severity},
                    {"url": "count", "valueInteger": count},
                ],
            }
            for kind, by_severity in sorted(figures["complication_counts"].items())
            for severity, count in sorted(by_severity.items())
            if count
        ]
    return {"url": structure_definition(SAFETY_SUMMARY), "extension": parts}
