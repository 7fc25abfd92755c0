"""Conflict of interest: the one rule that says a staff member may not decide on an item.

Moderators (reviews, responses) and verifiers (attestations, claims) alike: nobody decides
on what they wrote or claimed, on the profile they manage, on a colleague's profile at the
clinic where they practise, on a practice whose staff e-mail domain is theirs, or on a
profile they are themselves claiming. The services refuse such a decision
(``ConflictOfInterest``, 403) and the queues mark the item instead of offering it.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from kernel.errors import NotPermitted
from kernel.models import User
from practitioners.models import ClaimStatus, Clinic, Practitioner, ProfileClaim


class ConflictOfInterest(NotPermitted):
    code = "conflict_of_interest"


@dataclass(frozen=True)
class Parties:
    """Who an item is about: the accounts that wrote or claimed it, and the practitioner."""

    author_ids: frozenset[int]
    practitioner: models.Model | None


def parties(subject: models.Model) -> Parties:
    """The people a review, response, attestation or claim concerns.

    Each model that staff decide on says so itself (``decision_parties``), so this rule
    needs no import of the apps above it.
    """
    try:
        author_ids, practitioner = subject.decision_parties()
    except AttributeError:
        raise TypeError(f"No conflict-of-interest rule for {type(subject).__name__}.") from None
    return Parties(frozenset(author_ids), practitioner)


@dataclass(frozen=True)
class Ties:
    """What links a staff member to practices: read once per page, not once per item."""

    managed: frozenset[int]  # practitioner profiles they manage
    clinics: frozenset[int]  # clinics of those profiles
    domain_clinics: frozenset[int]  # clinics whose staff e-mail domain is theirs
    claiming: frozenset[int]  # profiles they have a pending claim on


def ties_of(user: User) -> Ties:
    managed = list(Practitioner.objects.filter(owner_id=user.pk).values_list("pk", "clinic_id"))
    # A shared webmail domain ties nobody to a practice (as for reviewers, reviews.rules).
    domain = user.employer_domain
    same_domain = (
        Clinic.objects.filter(
            Q(email_domain__iexact=domain) | Q(email_domain__iexact=f"@{domain}")
        ).values_list("pk", flat=True)
        if domain
        else []
    )
    return Ties(
        managed=frozenset(pk for pk, _ in managed),
        clinics=frozenset(clinic for _, clinic in managed if clinic is not None),
        domain_clinics=frozenset(same_domain),
        claiming=frozenset(
            ProfileClaim.objects.filter(user_id=user.pk, status=ClaimStatus.PENDING).values_list(
                "practitioner_id", flat=True
            )
        ),
    )


def conflict_of_interest(
    user: User | None, subject: models.Model, ties: Ties | None = None
) -> str | None:
    """Why ``user`` may not decide on ``subject``, in words shown to them; None if they may.

    ``ties`` (from ``ties_of``) saves the queries when a page asks about many items.
    """
    if user is None or not user.is_authenticated:
        return None
    ties = ties or ties_of(user)
    noun = subject._meta.verbose_name
    who = parties(subject)
    if user.pk in who.author_ids:
        return f"you wrote or claimed this {noun}, or what it answers."
    practitioner = who.practitioner
    if practitioner is None:
        return None
    if practitioner.pk in ties.managed:
        return "it is about the practitioner profile you manage."
    if practitioner.clinic_id is not None and practitioner.clinic_id in ties.clinics:
        return f"it is about a colleague at {practitioner.clinic.name}, where you practise."
    if practitioner.clinic_id is not None and practitioner.clinic_id in ties.domain_clinics:
        clinic = practitioner.clinic
        return f"your e-mail address is at {clinic.name}'s own domain ({clinic.email_domain})."
    if practitioner.pk in ties.claiming:
        return "you are claiming the practitioner profile it is about."
    return None


def has_conflict_of_interest(
    user: User | None, subject: models.Model, ties: Ties | None = None
) -> bool:
    return conflict_of_interest(user, subject, ties) is not None


def require_no_conflict(user: User | None, subject: models.Model) -> None:
    """Refuse a decision on ``subject`` by ``user`` if they have a conflict of interest."""
    why = conflict_of_interest(user, subject)
    if why is not None:
        raise ConflictOfInterest(
            f"You cannot decide on this {subject._meta.verbose_name}: {why} "
            "Leave it to another member of staff."
        )
