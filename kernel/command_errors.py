"""Management commands call the same services as the pages; a refusal is printed, not traced."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError

from kernel.errors import DomainError


@contextmanager
def refusal_as_command_error() -> Iterator[None]:
    """Turn a service's refusal into the ``CommandError`` manage.py prints with its message."""
    try:
        yield
    except DomainError as error:
        raise CommandError(error.message) from None
