"""OpenAPI details drf-spectacular cannot infer: filter parameters read from the FilterSets
the API enforces, and the error answers every endpoint can give.

The query parameters of a filtered list are generated from its FilterSet's form fields —
the very fields that validate the request — so types, enums, bounds and maximum lengths
in the schema cannot drift from what the API accepts. Every parameter may be sent empty
(``allowEmptyValue``): an empty value means "no filter", as on the site's search form.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.core import validators
from django.db import DatabaseError
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from listings.filters import FlagField
from partners.api.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid parameters, body or headers; `fields` says which and why.",
    401: "No API key, or an unknown or revoked one.",
    403: "The key lacks a scope this endpoint needs.",
    404: "No such object (or not one this API shows).",
    405: "This method is not allowed on this path.",
    406: "The Accept header allows no JSON answer.",
    409: "Conflict, e.g. an Idempotency-Key reused with a different body.",
    413: "The body is over the API's size limit (2 MB).",
    414: "The path and query string are over 4,096 bytes.",
    415: "The body is not JSON.",
    429: "Too many requests for this key; see the Retry-After header.",
    431: "A header, or the headers together, are over the API's limits.",
    503: "The database is briefly unavailable; nothing was changed. See Retry-After.",
}
# What any request can meet before or after the view: a bad header or Content-Length
# (400), the key (401/403), the method (405), the Accept header (406), the request limits
# (413/414/431), the rate (429) and a database outage (503).
EVERY_OPERATION = {400, 401, 403, 405, 406, 413, 414, 429, 431, 503}
RETRY_AFTER = {
    "schema": {"type": "integer"},
    "description": "Seconds to wait before trying again.",
}


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values: list[str] = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an option group
            values += [str(inner) for inner, _ in label]
        elif value not in ("", None):
            values.append(str(value))
    return values


def form_field_schema(field: forms.Field) -> dict[str, Any]:
    """The JSON Schema of the values ``field`` accepts in a query string."""
    if isinstance(field, FlagField):
        return {"type": "string", "enum": sorted(field.TRUE | (field.FALSE - {""}))}
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        item = form_field_schema(
            forms.ModelChoiceField(field.queryset, to_field_name=field.to_field_name)
            if isinstance(field, forms.ModelMultipleChoiceField)
            else forms.ChoiceField(choices=field.choices)
        )
        return {"type": "array", "items": item}
    if isinstance(field, forms.ModelChoiceField):
        key = field.to_field_name or "pk"
        try:
            values = [
                str(value) for value in field.queryset.order_by(key).values_list(key, flat=True)
            ]
        except DatabaseError:
            # `manage.py check --deploy` generates the schema before any migration has run:
            # without the table there is no list to give, only the type.
            return {"type": "string"}
        return {"type": "string", "enum": values}
    if isinstance(field, forms.TypedChoiceField) and field.coerce is int:
        numbers = sorted(int(value) for value in _choice_values(field))
        return {"type": "integer", "enum": numbers}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": _choice_values(field)}
    schema: dict[str, Any]
    if isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField):
        schema = {"type": "integer"}
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        schema = {"type": "number"}
    elif isinstance(field, forms.CharField):
        schema = {"type": "string"}
    else:
        raise TypeError(f"No schema for the form field {type(field).__name__}")
    # A field can carry several bounds (django-filter adds a maximum of 1e50 to every
    # number): the tightest one is what the API enforces.
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            low = _number(validator.limit_value)
            schema["minimum"] = max(low, schema.get("minimum", low))
        elif isinstance(validator, validators.MaxValueValidator):
            high = _number(validator.limit_value)
            schema["maximum"] = min(high, schema.get("maximum", high))
        elif isinstance(validator, validators.MaxLengthValidator):
            schema["maxLength"] = validator.limit_value
        elif isinstance(validator, validators.ProhibitNullCharactersValidator):
            schema["pattern"] = "^[^\\x00]*$"
    return schema


def filter_parameters(filterset_class, descriptions: dict[str, str]) -> list[dict[str, Any]]:
    """One query parameter per filter of ``filterset_class``, from its form field."""
    form = filterset_class(data={}).form
    parameters = []
    for name, field in form.fields.items():
        schema = form_field_schema(field)
        parameter = {
            "name": name,
            "in": "query",
            "required": False,
            "description": descriptions.get(name) or str(field.label or name),
            "schema": schema,
        }
        if schema["type"] == "array":
            # Repeated (`?a=x&a=y`); each value must be a choice, so none may be empty.
            parameter |= {"style": "form", "explode": True}
        else:
            parameter["allowEmptyValue"] = True
        parameters.append(parameter)
    return parameters


class PartnerAutoSchema(AutoSchema):
    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        filterset_class = getattr(self.view, "filterset_class", None)
        if filterset_class is None:
            return super()._get_filter_parameters()
        descriptions = getattr(self.view, "filter_descriptions", {})
        return filter_parameters(filterset_class, descriptions)

    def _error_statuses(self) -> set[int]:
        statuses = set(EVERY_OPERATION)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses.add(415)
        if "{" in self.path:
            statuses.add(404)
        return statuses | set(getattr(self.view, "error_statuses", ()))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in sorted(self._error_statuses()):
            responses.setdefault(
                str(status),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]),
                    str(status),
                    direction=direction,
                ),
            )
        # OpenAPI links: where an answer's ids lead (``schema_links`` on the view, by status).
        for status, links in getattr(self.view, "schema_links", {}).get(self.method, {}).items():
            if str(status) in responses:
                responses[str(status)]["links"] = {
                    name: {"operationId": operation, "parameters": parameters}
                    for name, (operation, parameters) in links.items()
                }
        for status in ("429", "503"):
            if status in responses:
                responses[status]["headers"] = {"Retry-After": RETRY_AFTER}
        if "401" in responses:
            responses["401"]["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}
            }
        return responses
