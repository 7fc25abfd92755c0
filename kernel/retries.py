"""Retried background work: the state after an attempt, and the backoff before the next.

The event outbox (``kernel.events``) and webhook deliveries (``partners.webhooks``) share
one schedule: pending or retrying until an attempt succeeds, retried after base, 2 x base,
4 x base, … seconds (capped), and given up after the last allowed attempt.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

MAX_BACKOFF_SECONDS = 6 * 3600
PENDING, RETRYING, FAILED = "pending", "retrying", "failed"
# Each retried model's TRANSITIONS: ``done`` is its own name for success; a finished row
# may be sent again (a replay) from pending.
RUNNING = frozenset({PENDING, RETRYING})


def retry_transitions(done: str) -> dict[str, frozenset[str]]:
    """The allowed moves of a retried row whose success is called ``done``."""
    after_attempt_moves = frozenset({done, RETRYING, FAILED})
    return {
        PENDING: after_attempt_moves,
        RETRYING: after_attempt_moves | {PENDING},
        done: frozenset({PENDING}),
        FAILED: frozenset({PENDING}),
    }


def backoff_seconds(base: float, attempt_number: int) -> float:
    """Wait before the attempt after ``attempt_number``: base, 2 x base, 4 x base, … capped."""
    return min(base * 2 ** (attempt_number - 1), MAX_BACKOFF_SECONDS)


def after_attempt(
    succeeded: bool,
    attempt_number: int,
    *,
    max_attempts: int,
    base_backoff: float,
    done: str,
    done_at: str,
    can_retry: bool = True,
) -> tuple[str, dict[str, Any], float | None]:
    """The status after attempt ``attempt_number``, the fields to write with it, and the delay.

    Success is ``done`` with its time in ``done_at``; the last attempt (or one that cannot
    be retried) is ``failed``; anything else is ``retrying`` after a backoff, the delay
    returned so the caller can queue the next attempt (None when there is none).
    """
    if succeeded:
        return done, {done_at: timezone.now(), "next_attempt_at": None}, None
    if attempt_number >= max_attempts or not can_retry:
        return FAILED, {"next_attempt_at": None}, None
    delay = backoff_seconds(base_backoff, attempt_number)
    return RETRYING, {"next_attempt_at": timezone.now() + timedelta(seconds=delay)}, delay
