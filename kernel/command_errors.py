"""What management commands share: refusals printed, not traced, and the `--today` option."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.core.management.base import CommandError

from kernel.errors import DomainError


@contextmanager
def refusal_as_command_error() -> Iterator[None]:
    """Turn a service's refusal into the ``CommandError`` manage.py prints with its message."""
    try:
        yield
    except DomainError as error:
        raise CommandError(error.message) from None


def add_today_argument(parser) -> None:
    """``--today YYYY-MM-DD``: the daily commands run as of another day, to catch up."""
    parser.add_argument(
        "--today",
        help="Run as of this date (YYYY-MM-DD) instead of today, e.g. to catch up.",
    )


def parse_today(value: str | None) -> date | None:
    """The ``--today`` value as a date (None for today), or a ``CommandError`` that says why."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date like 2026-03-01, not {value!r}") from None
