"""Bearer-key authentication for the partner API."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from partners.key_cache import find_key
from partners.services import hash_key, partner_key_touch

MAX_KEY_LENGTH = 128


class PartnerKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``. ``request.auth`` is the ``PartnerKey``.

    A missing header leaves the request unauthenticated (the permission then answers 401);
    a malformed, unknown or revoked key is a 401 at once. All three carry
    ``WWW-Authenticate: Bearer``.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        raw_key = raw_key.strip()
        if scheme.lower() != "bearer" or not raw_key:
            raise exceptions.AuthenticationFailed(
                "Send the key as “Authorization: Bearer <key>”.", code="invalid_authorization"
            )
        if len(raw_key) > MAX_KEY_LENGTH:
            raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_key")
        key = find_key(hash_key(raw_key))
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_key")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                "This API key has been revoked.", code="revoked_key"
            )
        partner_key_touch(key)
        return (None, key)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = PartnerKeyAuthentication
    name = "PartnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner API key: `Authorization: Bearer pdk_…`.",
        }
