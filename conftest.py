"""Role fixtures shared by every app's tests."""

import pytest

from directory.tests.factories import UserFactory
from practitioners.tests.factories import PractitionerFactory


@pytest.fixture
def patient(db):
    return UserFactory(display_name="Pat")


@pytest.fixture
def other_patient(db):
    return UserFactory(display_name="Olive")


@pytest.fixture
def practitioner_owner(db):
    """A user who owns a practitioner profile (``user.practitioner_profile``)."""
    user = UserFactory(display_name="Dr Owner")
    PractitionerFactory(owner=user)
    return user


@pytest.fixture
def other_practitioner_owner(db):
    user = UserFactory(display_name="Dr Other")
    PractitionerFactory(owner=user)
    return user


@pytest.fixture
def moderator(db):
    return UserFactory(display_name="Mo", roles=["Moderators"])


@pytest.fixture
def verifier(db):
    return UserFactory(display_name="Vera", roles=["Verifiers"])
