"""Whole-page caching of anonymous public pages, made stale by one "cache generation".

Every cached page's key carries the current generation; ``bump_cache_generation`` moves
it on, so every page cached before is never read again (and expires by its timeout). The
generation moves when anything a public page shows changes: a practitioner's profile, a
clinic, a procedure, an attestation (the badge and the verification panel), a summary
(written whenever a review is published, hidden or withdrawn) and a practitioner's
response. Signals cover saves and deletes through the ORM, including the admin; code that
writes with ``QuerySet.update()`` or ``bulk_create`` calls ``bump_cache_generation_on_commit``
itself. The key also carries today's date, since the badge depends on it, and the active language.

Only requests without a session or messages cookie are served from or stored in the
cache, and only a plain 200 response that set no cookie and used no CSP nonce is stored —
so a cached page never holds anything about one visitor. A CSRF token in Django's own
hidden input (the footer's language switch) is stored as a placeholder and filled in with
each visitor's own token; a token used anywhere else keeps the page out of the cache.
Caching is on when ``PAGE_CACHE_SECONDS`` is above zero; it needs a cache shared by every
process (Redis) to be correct, since a bump in one process must reach all.
"""

import functools
import hashlib
import logging
import re
import time
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token, get_token
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
# Says whether a page came from the cache ("hit") or was rendered and stored ("miss").
CACHE_HEADER = "X-Page-Cache"
# The models whose rows public pages show; a write to any of them makes cached pages stale.
PUBLIC_MODELS = (
    "practitioners.Practitioner",
    "practitioners.Clinic",
    "practitioners.Procedure",
    "practitioners.Attestation",
    "reviews.PractitionerSummary",
    "reviews.PractitionerResponse",
)


def cache_generation() -> int | None:
    """The current generation, starting one if the cache has none; None if it is down."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A clock value, never 1: a restarted cache must not bring back pages stored
        # under an older generation that happened to have the same number.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return None if generation is None else int(generation)


def bump_cache_generation() -> None:
    """Make every cached page stale now."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: starting one is as good as a bump
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
    except Exception:
        # The cache being down must not fail a decision; pages then expire by timeout.
        logger.exception("Could not bump the page cache generation")


def bump_cache_generation_on_commit(using: str | None = None) -> None:
    """Bump once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(bump_cache_generation, using=using)


def _on_public_write(sender, using: str | None = None, **kwargs) -> None:
    bump_cache_generation_on_commit(using)


def connect_signals() -> None:
    """Bump the generation after any ORM save or delete of a model public pages show."""
    for label in PUBLIC_MODELS:
        model = apps.get_model(label)
        uid = f"page-cache-{label}"
        post_save.connect(_on_public_write, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_public_write, sender=model, dispatch_uid=f"{uid}-delete")


# The generation this process saw last. A page's key under it is fetched together with the
# current generation in one round trip, and used only if the generation has not moved.
_last_generation: int | None = None


def page_lookup(request: HttpRequest, prefix: str = "") -> tuple[str, object | None]:
    """The page's key under the current generation and what the cache holds for it.

    One round trip while the generation stands still, two after it moved; ("", None) when
    the cache is down.
    """
    global _last_generation
    guess = _last_generation
    if guess is not None:
        guessed_key = prefix + page_key(request, guess)
        found = cache.get_many([GENERATION_KEY, guessed_key])
        current = found.get(GENERATION_KEY)
        if current is not None and int(current) == guess:
            return guessed_key, found.get(guessed_key)
    generation = cache_generation()
    _last_generation = generation
    if generation is None:
        return "", None
    key = prefix + page_key(request, generation)
    return key, cache.get(key)


def is_anonymous_request(request: HttpRequest) -> bool:
    """No session and no pending messages: the page is the same for every such visitor."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def page_key(request: HttpRequest, generation: int) -> str:
    url = request.build_absolute_uri()
    digest = hashlib.sha256(url.encode()).hexdigest()
    # The active language (LocaleMiddleware's choice) changes words, units and dates.
    language = translation.get_language() or ""
    return f"page:{generation}:{timezone.localdate().isoformat()}:{language}:{digest}"


def _is_storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(request, "_csp_nonce", None)
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


# Every page's footer holds the language switch, a POST form with a CSRF token. The token
# is the one part of such a page that belongs to one visitor: the stored copy holds this
# placeholder instead, and each visitor served from the cache gets their own token there.
_CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">')
_CSRF_PLACEHOLDER = b"<!--page-cache:csrf-token-->"
_TOKEN_LIKE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % CSRF_TOKEN_LENGTH)


def _storable_body(request: HttpRequest, body: bytes) -> bytes | None:
    """The page as it may be stored: without any visitor's token, or None if it can't be."""
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return body
    stored = _CSRF_INPUT.sub(_CSRF_PLACEHOLDER, body)
    secret = request.META.get("CSRF_COOKIE", "")
    if secret and secret.encode() in stored:
        return None
    # A token used anywhere but in Django's own hidden input is not ours to swap.
    for candidate in _TOKEN_LIKE.findall(stored):
        text = candidate.decode()
        if text == secret or _unmask_cipher_token(text) == secret:
            return None
    return stored


def _personalised(request: HttpRequest, body: bytes) -> bytes:
    """A stored page with this visitor's CSRF token in place of the placeholder."""
    if _CSRF_PLACEHOLDER not in body:
        return body
    field = f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
    return body.replace(_CSRF_PLACEHOLDER, field.encode())


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a GET from the page cache for anonymous visitors, storing it on a miss."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        timeout = settings.PAGE_CACHE_SECONDS
        if timeout <= 0 or request.method != "GET" or not is_anonymous_request(request):
            return view(request, *args, **kwargs)
        try:
            key, cached = page_lookup(request)
        except Exception:
            logger.exception("Page cache unavailable; rendering without it")
            return view(request, *args, **kwargs)
        if not key:  # the cache is down (and says so): render as if there were none
            return view(request, *args, **kwargs)
        if cached is not None:
            content_type, body = cached
            response = HttpResponse(_personalised(request, body), content_type=content_type)
            response[CACHE_HEADER] = "hit"
        else:
            response = view(request, *args, **kwargs)
            body = (
                _storable_body(request, response.content)
                if _is_storable(request, response)
                else None
            )
            if body is not None:
                try:
                    cache.set(key, (response["Content-Type"], body), timeout)
                except Exception:
                    logger.exception("Could not store a page in the cache")
                response[CACHE_HEADER] = "miss"
        # Signed-in visitors get a different page: no shared cache may mix them up.
        patch_vary_headers(response, ("Cookie",))
        return response

    return wrapped
