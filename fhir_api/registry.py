"""The resource types the API serves and the references between them.

A ``Link`` is one reference element (``PractitionerRole.practitioner``…): it is a search
parameter of its source type (``PractitionerRole?practitioner=Practitioner/5``), what
``_include=PractitionerRole:practitioner`` follows and what
``_revinclude=PractitionerRole:practitioner`` follows back.
"""

from dataclasses import dataclass

from django.db.models import Q

from fhir_api.parameters import or_values, reference_pk
from fhir_api.resources.base import ResourceType, SearchParam
from fhir_api.resources.location import LOCATION
from fhir_api.resources.organization import ORGANIZATION
from fhir_api.resources.practitioner import PRACTITIONER
from fhir_api.resources.practitioner_role import PRACTITIONER_ROLE
from fhir_api.resources.verification_result import VERIFICATION_RESULT


@dataclass(frozen=True)
class Link:
    source: str  # resource type holding the reference
    name: str  # its search parameter
    target: str  # resource type referred to
    field: str  # the source row's field holding the target's id

    @property
    def code(self) -> str:
        return f"{self.source}:{self.name}"

    def target_ids(self, rows) -> set:
        return {getattr(row, self.field) for row in rows} - {None}

    def referring_to(self, ids) -> Q:
        return Q(**{f"{self.field}__in": ids})

    def as_param(self) -> SearchParam:
        def apply(queryset, value: str, modifier: str | None):
            ids = [reference_pk(item, self.target) for item in or_values(value)]
            return queryset.filter(self.referring_to([pk for pk in ids if pk is not None]))

        return SearchParam(
            self.name, "reference", apply, f"A reference to a {self.target}: {self.target}/5 or 5."
        )


LINKS = (
    Link("PractitionerRole", "practitioner", "Practitioner", "pk"),
    Link("PractitionerRole", "organization", "Organization", "clinic_id"),
    Link("PractitionerRole", "location", "Location", "clinic_id"),
    Link("Location", "organization", "Organization", "pk"),
    Link("VerificationResult", "target", "Practitioner", "practitioner_id"),
)

TYPES: dict[str, ResourceType] = {
    kind.name: kind
    for kind in (PRACTITIONER, PRACTITIONER_ROLE, ORGANIZATION, LOCATION, VERIFICATION_RESULT)
}


def links_from(kind: str) -> dict[str, Link]:
    """``_include`` values of a type's search: the links it holds."""
    return {link.code: link for link in LINKS if link.source == kind}


def links_to(kind: str) -> dict[str, Link]:
    """``_revinclude`` values of a type's search: the links that point at it."""
    return {link.code: link for link in LINKS if link.target == kind}


def search_params(kind: str) -> dict[str, SearchParam]:
    """A type's own search parameters and its reference parameters."""
    own = dict(TYPES[kind].params)
    own.update({link.name: link.as_param() for link in LINKS if link.source == kind})
    return own
