"""Scopes: what a partner key may do. Views list the scopes they need in ``required_scopes``."""

from rest_framework import exceptions, permissions

from partners.models import PartnerKey, Scope


class HasScopes(permissions.BasePermission):
    """Every endpoint needs ``read``; a view's ``required_scopes`` adds more (``invite``…)."""

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, PartnerKey):
            raise exceptions.NotAuthenticated(
                "Send an API key as “Authorization: Bearer <key>”.", code="not_authenticated"
            )
        needed = [Scope.READ, *getattr(view, "required_scopes", ())]
        missing = [scope for scope in needed if not key.has_scope(scope)]
        if missing:
            raise exceptions.PermissionDenied(
                f"This key lacks the “{'”, “'.join(missing)}” scope.", code="missing_scope"
            )
        return True
