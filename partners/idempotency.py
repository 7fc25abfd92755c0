"""Idempotent POSTs: the same ``Idempotency-Key`` and body always get the first answer.

The first request with a key inserts an ``IdempotencyRecord`` and does the work in the same
transaction; the stored answer is what every retry gets back. A retry with the same key but
another body is refused (409) — it is a client bug, not a retry. Two requests racing with
one key cannot both do the work: the unique constraint on (partner key, key) makes the
second insert wait for the first transaction and then fail, and it replays the first
answer. Only successful answers are stored; a refused request can be corrected and resent
with the same key. Keys are remembered for 24 hours.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from kernel.digests import sha256_hex
from kernel.errors import Conflict
from partners.models import IdempotencyRecord, PartnerKey

KEY_MAX_LENGTH = 255
REMEMBER_FOR = timedelta(hours=24)


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


def validate_idempotency_key(raw: str | None) -> str | None:
    """The header's value, or None when absent; 400 when empty, too long or not printable."""
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable() or not key.isascii():
        raise ValidationError(
            {
                "Idempotency-Key": [
                    f"Use 1 to {KEY_MAX_LENGTH} printable ASCII characters, e.g. a UUID."
                ]
            }
        )
    return key


def fingerprint(parts: list[Any]) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return sha256_hex(canonical)


def _replay(record: IdempotencyRecord, request_hash: str) -> tuple[int, dict, bool]:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request body. "
            "Use a new key for a new request."
        )
    return record.response_status, record.response_body, True


def run_idempotent(
    *,
    partner_key: PartnerKey,
    key: str,
    fingerprint_parts: list[Any],
    action: Callable[[], tuple[int, dict]],
) -> tuple[int, dict, bool]:
    """Run ``action`` once per (partner key, key); return (status, body, replayed)."""
    request_hash = fingerprint(fingerprint_parts)
    records = IdempotencyRecord.objects.filter(partner_key=partner_key, key=key)
    records.filter(created_at__lt=timezone.now() - REMEMBER_FOR).delete()
    existing = records.first()
    if existing is not None:
        return _replay(existing, request_hash)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    partner_key=partner_key,
                    key=key,
                    request_hash=request_hash,
                    response_status=0,
                    response_body={},
                )
        except IntegrityError:
            record = None  # a concurrent request with this key committed first
        if record is not None:
            status, body = action()
            record.response_status, record.response_body = status, body
            record.save(update_fields=["response_status", "response_body"])
            return status, body, False
    return _replay(records.get(), request_hash)
