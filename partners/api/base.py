"""What every partner API view shares: key auth, scopes, per-key throttling, one error shape."""

from django.conf import settings
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from partners.api.authentication import PartnerKeyAuthentication
from partners.api.errors import api_exception_handler
from partners.api.pagination import KeysetPagination
from partners.api.parsers import JSONParser
from partners.api.permissions import HasScopes
from partners.api.schema import PartnerAutoSchema
from partners.api.throttles import PartnerKeyThrottle


class PartnerAPIMixin:
    """Mix into any DRF view of ``/api/v1/``; set ``required_scopes`` beyond ``read``."""

    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasScopes]
    throttle_classes = [PartnerKeyThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    pagination_class = KeysetPagination
    schema = PartnerAutoSchema()
    required_scopes: tuple[str, ...] = ()
    error_statuses: tuple[int, ...] = ()

    def initial(self, request, *args, **kwargs):
        # One contract for every partner: the API's words (badge reasons and their dates)
        # are in the site's default English, whatever the request's Accept-Language.
        translation.activate(settings.LANGUAGE_CODE)
        super().initial(request, *args, **kwargs)

    def get_exception_handler(self):
        return api_exception_handler
