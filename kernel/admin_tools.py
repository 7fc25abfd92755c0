"""What the apps' admin pages share: read-only pages and inlines, and per-row service actions."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest

from kernel.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record staff read and never add to, change or delete (the audit record, the outbox)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, never added, changed or deleted from the admin."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


def apply_to_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[models.Model],
    service: Callable[[models.Model], object],
    *,
    label: Callable[[models.Model], str],
    done: str,
) -> None:
    """Run ``service`` on each selected row; warn per refusal, then say how many were done.

    ``done`` is formatted with the count (``"Revoked {} key(s)."``); nothing is said when
    no row was done.
    """
    count = 0
    for row in rows:
        try:
            service(row)
            count += 1
        except DomainError as error:
            model_admin.message_user(request, f"{label(row)}: {error.message}", messages.WARNING)
    if count:
        model_admin.message_user(request, done.format(count), messages.SUCCESS)
