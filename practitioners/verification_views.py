"""The staff verification queue (/verification/): attestations and profile claims.

Only users holding ``practitioners.verify_attestation`` (group "Verifiers") get in; the
services check the permission again, so no other entry point can bypass it. Every
decision is a POST that calls one service and redirects (no JavaScript needed).
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.second_factor import second_factor_passed, second_factor_redirect
from kernel.decision_forms import SeenVersionForm
from kernel.errors import DomainError
from kernel.versions import ItemChanged
from kernel.workflow import allowed_moves
from practitioners import services
from practitioners import verification_selectors as selectors
from practitioners.conflicts import ConflictOfInterest, conflict_of_interest, ties_of
from practitioners.credentials import sterilization_shortfalls
from practitioners.forms import QueueFilterForm, ReasonForm, VerifyForm
from practitioners.models import Attestation, AttestationStatus, ProfileClaim
from practitioners.trust import claimant_domain_match

PAGE_SIZE = 20


def verifier_required(view: Callable) -> Callable:
    """Anonymous visitors are sent to sign in; signed-in users without the role get 403;
    verifiers whose session has not passed the second factor are sent to pass it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.can_verify(request.user):
            raise PermissionDenied("Only staff verifiers can see the verification queue.")
        if not second_factor_passed(request.user):
            return second_factor_redirect(request)
        return never_cache(view)(request, *args, **kwargs)

    return wrapped


@verifier_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """The attestations staff decide on: filtered, searched, oldest first by default."""
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else QueueFilterForm().filters()
    page = Paginator(selectors.verification_queue(**filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    kept = {k: v for k, v in request.GET.items() if k in form.fields and v}
    ties = ties_of(request.user)
    for attestation in page.object_list:
        # Marked, never offered for decision: the service would refuse it.
        attestation.conflict = conflict_of_interest(request.user, attestation, ties)
    return render(
        request,
        "verification/queue.html",
        {
            "page": page,
            "form": form,
            "query": urlencode(kept),
            "status": filters["status"],
            "filtered": bool(kept.keys() - {"status"}),
            "counts": selectors.queue_counts(),
            "verify_form": VerifyForm(),
            "reason_form": ReasonForm(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _detail(
    request: HttpRequest,
    attestation: Attestation,
    *,
    verify_form: VerifyForm | None = None,
    reject_form: ReasonForm | None = None,
    revoke_form: ReasonForm | None = None,
    status: int = 200,
    changed: ItemChanged | None = None,
    refused: str = "",
) -> HttpResponse:
    moves = allowed_moves(Attestation.TRANSITIONS, attestation.status)
    shortfalls = sterilization_shortfalls(attestation)
    verified_same_number = services.licence_being_renewed(attestation)
    same_owner = (
        verified_same_number is not None
        and verified_same_number.practitioner_id == attestation.practitioner_id
    )
    return render(
        request,
        "verification/attestation_detail.html",
        {
            "attestation": attestation,
            "renews": verified_same_number if same_owner else None,
            "number_held_elsewhere": verified_same_number if not same_owner else None,
            "timeline": selectors.timeline(attestation),
            "can_verify": AttestationStatus.VERIFIED in moves and not shortfalls,
            "sterilization_shortfalls": shortfalls if AttestationStatus.VERIFIED in moves else [],
            "can_reject": AttestationStatus.REJECTED in moves,
            "can_revoke": AttestationStatus.REVOKED in moves,
            "verify_form": verify_form or VerifyForm(),
            "reject_form": reject_form or ReasonForm(prefix="reject"),
            "revoke_form": revoke_form or ReasonForm(prefix="revoke"),
            "conflict": conflict_of_interest(request.user, attestation),
            "changed": changed,
            "refused": refused,
        },
        status=status,
    )


def _attestation(pk: int) -> Attestation:
    try:
        return selectors.attestation_for_staff(pk)
    except Attestation.DoesNotExist:
        raise Http404("No such attestation.") from None


@verifier_required
@require_safe
def attestation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _attestation(pk))


def _decide(
    request: HttpRequest,
    attestation: Attestation,
    action: Callable[[int], object],
    done: str,
):
    """Run one decision with the version the verifier saw (``action(seen_version)``).

    Changed since it was opened: 409 with the current version and what changed; a conflict
    of interest: 403; any other refusal: a message on the attestation's page.
    """
    seen = SeenVersionForm(request.POST)
    if not seen.is_valid():
        return _detail(request, attestation, status=400, refused=seen.errors["version"][0])
    try:
        action(seen.seen())
    except ItemChanged as error:
        return _detail(request, _attestation(attestation.pk), status=409, changed=error)
    except ConflictOfInterest as error:
        return _detail(request, attestation, status=403, refused=error.message)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("verification:attestation", pk=attestation.pk)
    messages.success(request, done)
    if request.POST.get("return_to") == "queue":
        return redirect("verification:queue")
    return redirect("verification:attestation", pk=attestation.pk)


@verifier_required
@require_POST
def attestation_verify(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = _attestation(pk)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return _detail(request, attestation, verify_form=form, status=400)
    return _decide(
        request,
        attestation,
        lambda seen: services.attestation_verify(
            attestation_id=attestation.pk,
            actor=request.user,
            expires_on=form.cleaned_data["expires_on"],
            note=form.cleaned_data["note"],
            seen_version=seen,
        ),
        f"Verified: {attestation}.",
    )


@verifier_required
@require_POST
def attestation_reject(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = _attestation(pk)
    form = ReasonForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _detail(request, attestation, reject_form=form, status=400)
    return _decide(
        request,
        attestation,
        lambda seen: services.attestation_reject(
            attestation_id=attestation.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            seen_version=seen,
        ),
        f"Rejected: {attestation}. The practitioner is e-mailed the reason.",
    )


@verifier_required
@require_POST
def attestation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = _attestation(pk)
    form = ReasonForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _detail(request, attestation, revoke_form=form, status=400)
    return _decide(
        request,
        attestation,
        lambda seen: services.attestation_revoke(
            attestation_id=attestation.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            seen_version=seen,
        ),
        f"Revoked: {attestation}. The practitioner is e-mailed the reason.",
    )


@verifier_required
@require_safe
def claims(request: HttpRequest) -> HttpResponse:
    return _claims_page(request)


def _claims_page(
    request: HttpRequest,
    *,
    status: int = 200,
    changed: ItemChanged | None = None,
    refused: str = "",
) -> HttpResponse:
    page = Paginator(selectors.pending_claims(), PAGE_SIZE).get_page(request.GET.get("page"))
    ties = ties_of(request.user)
    for claim in page.object_list:
        clinic = claim.practitioner.clinic
        claim.domain_match = claimant_domain_match(
            claim.user.email_domain, clinic.email_domain if clinic else ""
        )
        claim.conflict = conflict_of_interest(request.user, claim, ties)
    return render(
        request,
        "verification/claims.html",
        {
            "page": page,
            "counts": selectors.queue_counts(),
            "reason_form": ReasonForm(),
            "changed": changed,
            "refused": refused,
        },
        status=status,
    )


def _claim_decision(request: HttpRequest, action: Callable[[int], object]) -> HttpResponse | None:
    """Run a claim decision; a response if it was refused for its version or a conflict."""
    seen = SeenVersionForm(request.POST)
    if not seen.is_valid():
        messages.error(request, seen.errors["version"][0])
        return redirect("verification:claims")
    try:
        action(seen.seen())
    except ItemChanged as error:
        return _claims_page(request, status=409, changed=error)
    except ConflictOfInterest as error:
        return _claims_page(request, status=403, refused=error.message)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("verification:claims")
    return None


def _claim(pk: int) -> ProfileClaim:
    try:
        return ProfileClaim.objects.select_related("practitioner", "user").get(pk=pk)
    except ProfileClaim.DoesNotExist:
        raise Http404("No such claim.") from None


@verifier_required
@require_POST
def claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(pk)
    refused = _claim_decision(
        request,
        lambda seen: services.claim_approve(
            claim_id=claim.pk, actor=request.user, seen_version=seen
        ),
    )
    if refused is not None:
        return refused
    messages.success(
        request, f"Approved: {claim.user.email} now manages {claim.practitioner.full_name}."
    )
    return redirect("verification:claims")


@verifier_required
@require_POST
def claim_reject(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason to reject the claim: the claimant is told why.")
        return redirect("verification:claims")
    refused = _claim_decision(
        request,
        lambda seen: services.claim_reject(
            claim_id=claim.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            seen_version=seen,
        ),
    )
    if refused is not None:
        return refused
    messages.success(request, f"Rejected the claim of {claim.practitioner.full_name}'s profile.")
    return redirect("verification:claims")
