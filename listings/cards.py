"""Search result cards, rendered once per version of what they show and then reused.

A search page is twenty cards; rendering them is most of an uncached page's time, and
the long tail of searches (every query different, so the page cache misses) shows the
same practitioners again and again. Each card is cached under a key made from
everything it shows: the practitioner's, clinic's and summary's loaded fields, the
procedures, whether the badge holds today, the distance as printed, the active language
and the card templates' source. A card is thus re-rendered exactly when something it shows changed
(a new review rewrites the summary, an edit the practitioner or clinic, midnight the
badge) — no invalidation to forget, and a stale card can never be served.

On when ``CARD_CACHE_SECONDS`` is above zero (default: with Redis). With the cache down,
cards are rendered as if none were cached.
"""

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache as memoize
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from practitioners.models import Practitioner

CARD_TEMPLATE = "includes/practitioner_card.html"
# The templates a card's HTML comes from: a change to any of them is a new card.
CARD_TEMPLATES = (
    CARD_TEMPLATE,
    "includes/stars.html",
    "includes/icon_check.html",
    "includes/skin_type_facts.html",
)
KEY_PREFIX = "card:"

logger = logging.getLogger(__name__)


@memoize
def templates_version() -> str:
    """A digest of the card templates' source, so a deploy that changes them renders anew."""
    digest = hashlib.sha256()
    for name in CARD_TEMPLATES:
        try:
            origin = get_template(name).origin.name
            digest.update(Path(origin).read_bytes())
        except Exception:
            digest.update(name.encode())
    return digest.hexdigest()[:16]


def _loaded_fields(instance: Model | None) -> tuple:
    """The instance's concrete field values that were loaded (deferred ones are not shown)."""
    if instance is None:
        return ()
    values = instance.__dict__
    return tuple(
        (field.attname, values[field.attname])
        for field in instance._meta.concrete_fields
        if field.attname in values
    )


def profile_query(skin_type: str) -> str:
    """Carried into each card's profile link, so the profile opens on that type's reviews."""
    return f"?{urlencode({'skin_type': skin_type})}" if skin_type else ""


def card_key(practitioner: Practitioner, today: date, skin_type: str = "") -> str:
    """The cache key of one card: a digest of everything the card shows."""
    summary = getattr(practitioner, "summary", None)
    distance = getattr(practitioner, "distance_km", None)
    shown = (
        templates_version(),
        _loaded_fields(practitioner),
        _loaded_fields(practitioner.clinic),
        _loaded_fields(summary),
        tuple((p.pk, p.slug, p.name) for p in practitioner.procedures.all()),
        practitioner.is_verified,
        today.isoformat(),
        # A card in another language (or units that follow it) is another card.
        translation.get_language(),
        None if distance is None else f"{distance:.1f}",
        # The searched skin type adds its line (from the summary above) and the link's query.
        skin_type,
    )
    return KEY_PREFIX + hashlib.sha256(repr(shown).encode()).hexdigest()


def render_card(practitioner: Practitioner, skin_type: str = "") -> SafeString:
    context = {"practitioner": practitioner, "profile_query": profile_query(skin_type)}
    return mark_safe(render_to_string(CARD_TEMPLATE, context))


def render_cards(practitioners: Iterable[Practitioner], *, skin_type: str = "") -> list[SafeString]:
    """Each practitioner's card HTML, in order: from the cache where it holds it."""
    practitioners: Sequence[Practitioner] = list(practitioners)
    timeout = settings.CARD_CACHE_SECONDS
    if timeout <= 0:
        return [render_card(p, skin_type) for p in practitioners]
    today = timezone.localdate()
    keys = [card_key(p, today, skin_type) for p in practitioners]
    try:
        found = cache.get_many(keys)
    except Exception:
        logger.exception("Card cache unavailable; rendering every card")
        found = {}
    cards, missing = [], {}
    for key, practitioner in zip(keys, practitioners, strict=True):
        html = found.get(key)
        if html is None:
            html = missing[key] = render_card(practitioner, skin_type)
        cards.append(mark_safe(html))
    if missing:
        try:
            cache.set_many({key: str(html) for key, html in missing.items()}, timeout)
        except Exception:
            logger.exception("Could not store cards in the cache")
    return cards
