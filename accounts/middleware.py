"""Staff finish signing in with their second factor before anything else."""

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from accounts.second_factor import second_factor_passed, second_factor_redirect


class SecondFactorMiddleware:
    """A staff session that has not passed the second factor can only finish signing in.

    After the password, staff (``is_staff``, superusers) are sent to the code page — or to
    set up an authenticator — from every page but those that finish or abandon signing in.
    The staff views and the admin check the second factor again themselves, and also for
    role holders without the ``is_staff`` flag, which costs a permission query this
    middleware does not make on every page. The partner API ignores sessions, so it is
    left alone. Needs ``django_otp.middleware.OTPMiddleware`` before it.
    """

    EXEMPT_VIEWS = frozenset(
        {
            "login",
            "logout",
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
            "two_factor:verify",
            "two_factor:setup",
            "admin:logout",
            "healthz",
        }
    )
    EXEMPT_PREFIXES = ("/api/", "/fhir/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.EXEMPT_PREFIXES):
            user = request.user
            if (
                user.is_authenticated
                and (user.is_staff or user.is_superuser)
                and not second_factor_passed(user)
                and not self.exempt(request)
            ):
                return second_factor_redirect(request)
        return self.get_response(request)

    def exempt(self, request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return match.view_name in self.EXEMPT_VIEWS
