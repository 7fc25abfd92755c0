"""The test client the suite signs in with: staff sessions pass the second factor too."""

from django.test import Client as DjangoClient
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.second_factor import authenticator_of


class Client(DjangoClient):
    """Django's test client whose ``force_login`` signs in the whole way.

    For a staff member with an authenticator app the session is marked as having passed
    the second factor with that device, as ``django_otp.login`` does after a right code;
    ``OTPMiddleware`` still checks the device on every request. ``second_factor=False``
    stops after the password, as a staff member who has not typed a code yet.
    """

    def force_login(self, user, backend=None, *, second_factor: bool = True) -> None:
        super().force_login(user, backend)
        device = authenticator_of(user) if second_factor else None
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
