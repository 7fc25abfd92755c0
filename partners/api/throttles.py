"""The DRF throttle that applies each key's rate through ``partners.throttling``."""

from rest_framework.throttling import BaseThrottle

from partners import throttling
from partners.models import PartnerKey


class PartnerKeyThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, PartnerKey):
            return True
        self.decision = throttling.hit(key)
        return self.decision.allowed

    def wait(self) -> float:
        return self.decision.retry_after
