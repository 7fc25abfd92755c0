"""Pending limits under concurrency, in real threads with real transactions.

Eight concurrent claims by one account leave exactly three pending (the claimant's row is
locked while counting); five concurrent submissions of one kind leave exactly two pending
(the profile's row is locked). On SQLite write transactions are serialised (IMMEDIATE),
on PostgreSQL the row locks make the later ones wait and count again.
"""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.errors import DomainError
from practitioners import services
from practitioners.models import Attestation, ProfileClaim, SterilizationItem
from practitioners.tests.factories import PractitionerFactory
from practitioners.tests.uploads import checked

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", call())
        except Exception as error:  # each thread's outcome is inspected below
            results[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_eight_concurrent_claims_by_one_account_leave_exactly_three_pending():
    claimant = UserFactory()
    profiles = PractitionerFactory.create_batch(8)

    results = at_once(
        [
            (lambda p=p: services.claim_submit(user=claimant, practitioner=p, message="Me."))
            for p in profiles
        ]
    )

    refused = [r[1] for r in results if r[0] == "error"]
    assert ProfileClaim.objects.filter(user=claimant, status="pending").count() == 3
    assert len(refused) == 5
    assert all(isinstance(error, DomainError) for error in refused), refused


def test_five_concurrent_submissions_of_one_kind_leave_exactly_two_pending():
    owner = UserFactory()
    practitioner = PractitionerFactory(owner=owner)
    answers = dict.fromkeys(SterilizationItem.values, (True, ""))

    def submit():
        return services.attestation_submit(
            actor=owner,
            practitioner=practitioner,
            kind="sterilization",
            uploads=checked(),
            last_spore_test_on=timezone.localdate(),
            answers=answers,
        )

    results = at_once([submit] * 5)

    refused = [r[1] for r in results if r[0] == "error"]
    assert Attestation.objects.filter(practitioner=practitioner, status="pending").count() == 2
    assert len(refused) == 3
    assert all(getattr(error, "code", "") == "too_many_pending" for error in refused), refused
