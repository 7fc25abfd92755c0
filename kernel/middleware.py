"""What the site answers when its database is down: a friendly 503 that needs no database.

``DatabaseUnavailableMiddleware`` catches a lost database in a view; ``server_error`` (the
root URLconf's ``handler500``) catches it anywhere else — loading the session, saving it —
and renders the plain 500 page for everything else. Neither page is rendered with the
request, because the context processors would ask the database who the user is.
Connections are persistent with health checks (``CONN_HEALTH_CHECKS``), and Django closes
a connection that raised at the end of the request, so the site recovers by itself as soon
as the database answers again.
"""

import ipaddress
import logging
import sys
from functools import cache

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

from kernel.errors import FHIR_PREFIX, error_body, outcome_response

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = "The directory is briefly unavailable. Please try again in a minute."


def service_unavailable(request: HttpRequest | None) -> HttpResponse:
    """503 with a Retry-After: JSON for the API (an OperationOutcome for the FHIR API), the
    friendly page for everyone else."""
    if request is not None and request.path.startswith(FHIR_PREFIX):
        response = outcome_response(UNAVAILABLE_MESSAGE, status=503, issue="transient")
    elif request is not None and request.path.startswith("/api/"):
        response = JsonResponse(
            error_body("service_unavailable", UNAVAILABLE_MESSAGE),
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


# A middleware class in Django's plain form: its __init__ and __call__ are like every other's.
class DatabaseUnavailableMiddleware:
    """Turn a database connection failure raised by a view into a 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.error(
                "Database unavailable for %s %s: %s", request.method, request.path, exception
            )
            return service_unavailable(request)
        return None


@cache
def _trusted_networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class ClientAddressMiddleware:
    """Behind trusted proxies, set REMOTE_ADDR to the client's address from X-Forwarded-For.

    Gunicorn puts the proxy's address in REMOTE_ADDR; every per-address limit (sign-in,
    sign-up, review bursts) would then count all visitors as one. Only when the request
    comes from an address in ``TRUSTED_PROXY_IPS`` is X-Forwarded-For read, from the right,
    skipping the trusted proxies themselves: the first other address is the client's. A
    header sent by anyone else is ignored, so nobody can choose their own address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = _trusted_networks(tuple(settings.TRUSTED_PROXY_IPS))
        if trusted and _is_trusted(request.META.get("REMOTE_ADDR", ""), trusted):
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            for hop in reversed(hops):
                if _is_trusted(hop, trusted):
                    continue
                try:
                    ipaddress.ip_address(hop)
                except ValueError:
                    break
                request.META["REMOTE_ADDR"] = hop
                break
        return self.get_response(request)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a lost database anywhere in the request still gets the 503 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return service_unavailable(request)
    if request.path.startswith(FHIR_PREFIX):
        return outcome_response(
            "Something went wrong on our side; it has been logged.", status=500, issue="exception"
        )
    if request.path.startswith("/api/"):
        message = "Something went wrong on our side; it has been logged."
        return JsonResponse(error_body("server_error", message), status=500)
    return HttpResponseServerError(render_to_string("500.html"))
