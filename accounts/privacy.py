"""A member's own data: everything the site holds about them, and erasing it on request.

The data itself lives in the domains above this app, so each domain registers a
``PersonalDataHolder`` (in its ``AppConfig.ready()``) that exports, erases and purges its
share; this module calls every holder in the fixed order ``HOLDER_ORDER`` names.

``account_export`` gathers what is stored about one account into plain JSON-ready data:
the account itself, then each holder's sections in that order. ``account_erase`` lets each
holder erase what the account wrote (the reviews holder withdraws its reviews through the
review service first, so summaries are recounted and each withdrawal is recorded), erases
whatever the account wrote into the audit record, and anonymises the account itself.
Decisions stay in the moderation record — who decided what, when and for which policy
reason — but that record keeps no text the member wrote: the only edit ever made to it is
this erasure (``erase_audit_text``).
"""

import logging
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.second_factor import second_factor_erase
from accounts.security import (
    account_key,
    count_failure,
    failure_count,
    failures_per_account,
    window_seconds,
)
from kernel.errors import DomainError, NotPermitted
from kernel.models import AuditEntry, User
from kernel.tasks import send_email
from kernel.workflow import record

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1
ERASED_DISPLAY_NAME = "Former member"


class PersonalDataHolder:
    """One domain's share of what the site holds about an account.

    Subclasses name themselves (a name in ``HOLDER_ORDER``) and override what they hold;
    the defaults hold nothing.
    """

    name: str

    def export(self, user: User) -> dict[str, Any]:
        """This holder's sections of the account's download, in the order they appear."""
        return {}

    def erase(self, user: User) -> None:
        """Erase what the account wrote, inside ``account_erase``'s transaction.

        Runs before the account is anonymised: ``user.email`` is still its own address.
        """

    def purge_expired(self, now: datetime) -> dict[str, int]:
        """Erase what is kept only for a while (SECURITY.md, "Retention"); count what went."""
        return {}


# The fixed order holders are called in. The download's sections follow it (the reviews a
# member wrote, then what they did for a profile they claimed), and so does erasure: the
# reviews are withdrawn, and their withdrawals recorded, before anything else is erased.
HOLDER_ORDER = (
    "reviews.authored",  # reviews, reports and invitations (reviews.personal_data)
    "practitioners.claims",  # profile claims and owned profiles (practitioners.personal_data)
    "reviews.responses",  # responses written for an owned profile (reviews.personal_data)
)

_holders: dict[str, PersonalDataHolder] = {}


def register_personal_data(holder: PersonalDataHolder) -> None:
    """Add ``holder`` to what export, erasure and the retention purge call (once per name)."""
    if holder.name not in HOLDER_ORDER:
        raise ImproperlyConfigured(
            f"Personal data holder {holder.name!r} has no place in HOLDER_ORDER."
        )
    _holders[holder.name] = holder


def personal_data_holders() -> Iterator[PersonalDataHolder]:
    """The registered holders, in ``HOLDER_ORDER``."""
    return (_holders[name] for name in HOLDER_ORDER if name in _holders)


def json_ready(value: Any) -> Any:
    """``value`` as the download writes it: dates in ISO 8601, decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def export_fields(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of ``obj``, JSON-ready, in the order given."""
    return {name: json_ready(getattr(obj, name)) for name in fields}


def account_export(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as JSON-ready data (a fixed number of queries)."""
    data: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": json_ready(timezone.now()),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": json_ready(user.date_joined),
            "last_login": json_ready(user.last_login),
            "email_verified_at": json_ready(user.email_verified_at),
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
    }
    for holder in personal_data_holders():
        data.update(holder.export(user))
    return data


def check_password_for_deletion(user: User, password: str) -> None:
    """Refuse a wrong password, counting it with the sign-in failures for this account."""
    key = account_key(user.email)
    if failure_count(key) >= failures_per_account():
        raise NotPermitted(
            "Too many wrong passwords for this account. "
            f"Please wait {max(1, window_seconds() // 60)} minutes and try again."
        )
    if not password or not user.check_password(password):
        count_failure(key)
        raise DomainError("That password is not correct. Nothing was deleted.", code="bad_password")


def erase_audit_text(
    queryset: models.QuerySet, *, object_repr: str | None = None, keep_data: bool = False
) -> None:
    """Erase the notes (and, unless ``keep_data``, the data) of the audit entries in ``queryset``.

    ``object_repr`` replaces the title an entry was named by, when that title was personal.
    """
    # The one edit ever made to the append-only record: erasure of the text in it. The base
    # QuerySet is used on purpose, past AuditQuerySet's refusal of bulk updates.
    values: dict[str, Any] = {"note": ""} if keep_data else {"note": "", "data": {}}
    if object_repr is not None:
        values["object_repr"] = object_repr
    models.QuerySet(model=AuditEntry).filter(pk__in=queryset.values("pk")).update(**values)


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """The member's own request: confirm the password, then erase the account."""
    check_password_for_deletion(user, password)
    account_erase(user_id=user.pk, actor_label="the account holder")


@transaction.atomic
def account_erase(*, user_id: int, actor_label: str, notify: bool = True) -> None:
    """Let every holder erase what the account wrote, then anonymise the account itself."""
    user = User.objects.select_for_update().get(pk=user_id)
    former_email = user.email
    for holder in personal_data_holders():
        holder.erase(user)
    # Whatever the account wrote into a decision it made (a report's note, recorded on the
    # reported review) goes too; the decision itself stays.
    erase_audit_text(AuditEntry.objects.filter(actor=user), keep_data=True)

    user_type = ContentType.objects.get_for_model(User)
    erase_audit_text(
        AuditEntry.objects.filter(content_type=user_type, object_id=user.pk),
        object_repr=f"Account #{user.pk} (deleted)",
    )
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = ERASED_DISPLAY_NAME
    user.email_verified_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()  # also ends every session: their auth hash no longer matches
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    second_factor_erase(user)
    record(user, action="account.deleted", actor_label=actor_label)
    # Outside the database too: after restoring a backup, this is the list to erase again.
    logger.info("Account %s erased (%s)", user.pk, actor_label)
    if not notify:
        return
    body = render_to_string("account/email/account_deleted.txt", {})
    transaction.on_commit(
        partial(
            send_email.enqueue,
            to=[former_email],
            subject="Your account has been deleted",
            body=body,
        )
    )


@transaction.atomic
def purge_expired_personal_data(*, now: datetime | None = None) -> dict[str, int]:
    """Erase what is kept only for a while (SECURITY.md, "Retention"); return what was erased.

    Each holder purges its own data and counts it; expired sessions are deleted.
    """
    now = now or timezone.now()
    erased: dict[str, int] = {}
    for holder in personal_data_holders():
        erased.update(holder.purge_expired(now))
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return erased


def accounts_to_erase_again() -> list[int]:
    """Accounts the record says were deleted but which hold personal data again (a restore)."""
    deleted = AuditEntry.objects.filter(
        action="account.deleted", content_type=ContentType.objects.get_for_model(User)
    ).values_list("object_id", flat=True)
    return list(
        User.objects.filter(pk__in=list(deleted))
        .exclude(email__endswith="@deleted.invalid")
        .values_list("pk", flat=True)
    )
