"""The benchmark's floor: the cheapest response Django can give through the full stack.

Routed at ``/bench/floor`` only when BENCH_FLOOR=1 (the benchmark sets it). It goes through
every middleware like any page, touches no database, cache or template, so its throughput
is what this machine, these settings and this server can do at best; each page's
throughput is reported as a share of it.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

FLOOR_BODY = b"floor\n"


@require_safe
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(FLOOR_BODY, content_type="text/plain")
