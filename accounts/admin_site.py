"""The admin site: staff who passed the second factor, with the site's throttled sign-in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from accounts.second_factor import second_factor_passed, second_factor_url
from accounts.security import ThrottledAdminAuthenticationForm


class StaffAdminSite(OTPAdminSite):
    """django-otp's admin site: an account gets in only once its session passed the second
    factor (``OTPAdminSite.has_permission``).

    The code is asked for on the site's own page (``two_factor:verify``), not in the
    admin's sign-in form: the admin signs in with a password like the rest of the site,
    counted by the same throttle, then sends staff who have not passed the second factor
    to that page and back.
    """

    login_form = ThrottledAdminAuthenticationForm
    login_template = None  # Django's own: the form asks for no code

    def __init__(self, name: str = "admin"):
        super().__init__(name)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        user = request.user
        if (
            request.method == "GET"
            and user.is_active
            and user.is_staff
            and not second_factor_passed(user)
        ):
            next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            return redirect(second_factor_url(user, next_url))
        return super().login(request, extra_context)
