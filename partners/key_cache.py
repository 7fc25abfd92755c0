"""Partner keys read from the shared cache instead of the database on every API request.

Looking the key up is the largest cost of an API request whose answer is already cached:
the ORM builds and runs a join for each one. So the key's row, with its partner, is kept in
the cache (Redis) under its SHA-256 for ``PARTNER_KEY_CACHE_SECONDS`` and dropped whenever
the key or its partner is saved or deleted through the ORM (``partner_key_revoke`` saves):
at once, and again when the transaction commits, so a request that read the row before the
commit cannot keep the old row there. The one remaining race — a request that read the row
just before a revocation committed and stores it just after — lasts at most one timeout,
which is why the timeout is short.

Unknown keys are never cached, so made-up keys cannot fill the cache. Off when the timeout
is 0, the default without Redis: a cache in one process would not hear of a revocation in
another.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from partners.models import Partner, PartnerKey


def _name(key_hash: str) -> str:
    return f"partner-key:{key_hash}"


def _from_database(key_hash: str) -> PartnerKey | None:
    return PartnerKey.objects.select_related("partner").filter(key_hash=key_hash).first()


def find_key(key_hash: str) -> PartnerKey | None:
    """The key with this hash, revoked or not, or None if there is none."""
    timeout = settings.PARTNER_KEY_CACHE_SECONDS
    if timeout <= 0:
        return _from_database(key_hash)
    key = cache.get(_name(key_hash))
    if key is None:
        key = _from_database(key_hash)
        if key is not None:
            cache.set(_name(key_hash), key, timeout)
    return key


def forget(*key_hashes: str, using: str | None = None) -> None:
    """Drop these keys from the cache now and once the current transaction commits."""
    names = [_name(key_hash) for key_hash in key_hashes]
    if not names or settings.PARTNER_KEY_CACHE_SECONDS <= 0:
        return
    cache.delete_many(names)
    transaction.on_commit(lambda: cache.delete_many(names), using=using)


def _key_written(sender, instance: PartnerKey, using: str | None = None, **kwargs) -> None:
    forget(instance.key_hash, using=using)


def _partner_written(sender, instance: Partner, using: str | None = None, **kwargs) -> None:
    # A cached key carries its partner's row (deleting a partner deletes each key too).
    if settings.PARTNER_KEY_CACHE_SECONDS <= 0:
        return
    hashes = PartnerKey.objects.using(using).filter(partner_id=instance.pk)
    forget(*hashes.values_list("key_hash", flat=True), using=using)


def connect_signals() -> None:
    post_save.connect(_key_written, sender=PartnerKey, dispatch_uid="partner-key-cache-save")
    post_delete.connect(_key_written, sender=PartnerKey, dispatch_uid="partner-key-cache-delete")
    post_save.connect(_partner_written, sender=Partner, dispatch_uid="partner-cache-save")
