"""Read public pages from a read replica; write, and read back what was written, on the primary.

Active when DATABASE_REPLICA_URL is set (settings add a ``replica`` alias, this router and
``PrimaryAfterWriteMiddleware``). Reads of the models public pages and the API show go to
the replica — they are the bulk of the traffic and may lag the primary by a moment.
Everything else reads the primary: accounts, sessions, partner keys, moderation and
verification queues, tasks. Reads inside a transaction, and every read after a write in
the same request or task, go to the primary too, so a service's lock and its checks see
one database. After a request that wrote, the visitor's next requests read the primary
for ``REPLICA_PIN_SECONDS`` (a cookie), so a patient sees the review they just submitted.
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "primary_pin"

# model._meta.label_lower of what anonymous pages and the partner API read.
PUBLIC_MODELS = frozenset(
    {
        "practitioners.practitioner",
        "practitioners.practitioner_procedures",
        "practitioners.clinic",
        "practitioners.procedure",
        "practitioners.attestation",
        "reviews.review",
        "reviews.complication",
        "reviews.practitionersummary",
        "reviews.practitionerresponse",
    }
)

_pinned_to_primary: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)


def pin_to_primary() -> None:
    """Send every further read of this request (or task) to the primary."""
    _pinned_to_primary.set(True)


class ReplicaRouter:
    """Route reads of public models to ``replica`` unless they must see the primary."""

    def db_for_read(self, model: type[Model], **hints) -> str:
        if model._meta.label_lower not in PUBLIC_MODELS:
            return PRIMARY
        if _pinned_to_primary.get() or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints) -> str:
        # Also called for select_for_update() and get_or_create(): from here on, read back
        # from where we write.
        pin_to_primary()
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool | None:
        # Both aliases hold the same data: objects from either may be related.
        aliases = {PRIMARY, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        # The replica receives the schema by replication, never by migrate.
        return db != REPLICA


class PrimaryAfterWriteMiddleware:
    """Start each request unpinned, unless its visitor wrote moments ago (the cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        had_pin = PIN_COOKIE in request.COOKIES
        token = _pinned_to_primary.set(had_pin)
        try:
            response = self.get_response(request)
            if _pinned_to_primary.get() and not had_pin:
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
        finally:
            _pinned_to_primary.reset(token)
        return response
