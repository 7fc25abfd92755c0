"""The page cache (kernel.caching) for the partner API's public reads.

Same cache, same generation, same rules as the public pages; the body stored is the API's
rendered JSON.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from rest_framework.settings import api_settings

from kernel.caching import CACHE_HEADER, page_lookup

logger = logging.getLogger(__name__)


def cached_api_response(request, render: Callable[[], HttpResponse]) -> HttpResponse:
    """Serve a public API GET from the cache, rendering and storing it on a miss.

    Call it from a DRF handler (``list``/``retrieve``), which runs after authentication,
    permissions and throttling: every caller is still checked, only the work of reading
    and serializing public data is shared. The body is the same for every caller allowed
    to read, so the key is the URL alone; a 200's data is stored as rendered JSON.
    """
    timeout = settings.PAGE_CACHE_SECONDS
    if timeout <= 0 or request.method != "GET":
        return render()
    try:
        key, body = page_lookup(request, prefix="api:")
    except Exception:
        logger.exception("Page cache unavailable; answering without it")
        return render()
    if body is not None:
        response = HttpResponse(body, content_type="application/json")
        response[CACHE_HEADER] = "hit"
        return response
    response = render()
    if key and response.status_code == 200 and getattr(response, "data", None) is not None:
        renderer = api_settings.DEFAULT_RENDERER_CLASSES[0]()
        try:
            cache.set(key, renderer.render(response.data), timeout)
        except Exception:
            logger.exception("Could not store an API answer in the cache")
        response[CACHE_HEADER] = "miss"
    return response


class CachedPublicReadsMixin:
    """For DRF views of public data: ``list`` and ``retrieve`` go through ``cached_api_response``.

    Put it first among the bases. Authentication, permissions and throttles still run for
    every request; only reading and serializing the answer is shared.
    """

    def list(self, request, *args, **kwargs):
        parent = super()
        return cached_api_response(request, lambda: parent.list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        parent = super()
        return cached_api_response(request, lambda: parent.retrieve(request, *args, **kwargs))
