"""The practitioner's own pages (/dashboard/): claim a profile, submit attestations, see decisions.

Views read through ``verification_selectors`` and write through ``services``; a domain
error becomes a message on the page, never a server error. Evidence is served here only
to its owner and to staff verifiers.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.roles import note_claim_intent
from accounts.second_factor import second_factor_passed, second_factor_redirect
from kernel.errors import DomainError
from practitioners import services
from practitioners import verification_selectors as selectors
from practitioners.attestation_history import mark_renewed_licences
from practitioners.badges import compute_badge
from practitioners.credentials import kind_codes
from practitioners.evidence import capped_evidence_uploads
from practitioners.forms import (
    AddEvidenceForm,
    ClaimForm,
    CredentialForm,
    NpiForm,
    SterilizationForm,
)
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    Evidence,
    EvidenceCheck,
    Practitioner,
)
from practitioners.trust import attestation_mark


def _first_url(*names: str) -> str | None:
    """The first of these named pages that exists in this build (the reviews app owns them)."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@never_cache
@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    practitioner = selectors.owned_practitioner(request.user)
    if practitioner is None:
        return render(
            request,
            "dashboard/unclaimed.html",
            {"claims": list(selectors.claims_of(request.user))},
        )
    attestations = list(practitioner.attestations.all())
    today = timezone.localdate()
    mark_renewed_licences(attestations)
    for attestation in attestations:
        attestation.mark = attestation_mark(attestation, today, replaced=attestation.renewed)
    return render(
        request,
        "dashboard/home.html",
        {
            "practitioner": practitioner,
            "badge": compute_badge(attestations, today=today),
            "attestations": attestations,
            "resubmissions_open": services.resubmissions_open(attestations),
            "resubmittable_statuses": services.RESUBMITTABLE,
            "renewals_open": services.renewals_open(attestations),
            "renewal_window_days": services.LICENCE_RENEWAL_WINDOW.days,
            "npi_form": NpiForm(initial={"npi": practitioner.npi or ""}),
            "invitations_url": _first_url("reviews:invite", "reviews:invitations"),
            "practice_reviews_url": _first_url("reviews:practice"),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    practitioner = get_object_or_404(Practitioner.objects.select_related("clinic"), slug=slug)
    # Before signing in: the visitor came to claim a profile, which the navigation and
    # the sign-up page (through ``next``) speak to.
    note_claim_intent(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_submit(
                user=request.user,
                practitioner=practitioner,
                message=form.cleaned_data["message"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Thank you. Staff will review your claim of {practitioner.full_name}'s profile "
                "and e-mail you the decision.",
            )
            return redirect("dashboard:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dashboard/claim.html",
        {"practitioner": practitioner, "form": form},
        status=status,
    )


def _own_practitioner_or_redirect(request: HttpRequest) -> Practitioner | None:
    practitioner = Practitioner.objects.filter(owner=request.user).first()
    if practitioner is None:
        messages.info(
            request,
            "Find your profile and claim it first; you can submit attestations once staff "
            "approve your claim.",
        )
    return practitioner


def _previous(request: HttpRequest, practitioner: Practitioner, kind_filter) -> Attestation | None:
    """The attestation submitted again or renewed (``?again=<id>``), if it is theirs.

    A decided one (rejected, expired, revoked), or a verified licence open for renewal.
    """
    again = request.GET.get("again", "")
    if not again.isdigit():
        return None
    previous = (
        Attestation.objects.filter(pk=int(again), practitioner=practitioner)
        .filter(kind_filter)
        .first()
    )
    if previous is None:
        return None
    if previous.status in services.RESUBMITTABLE or services.licence_renewable(previous):
        return previous
    return None


def _error_field(form, error: DomainError) -> str | None:
    """The form field a refusal is about (shown next to it), or None for the whole form."""
    field = getattr(error, "field", None)
    return field if field in form.fields else None


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@capped_evidence_uploads
def credential_new(request: HttpRequest) -> HttpResponse:
    practitioner = _own_practitioner_or_redirect(request)
    if practitioner is None:
        return redirect("dashboard:home")
    initial = {}
    previous = _previous(request, practitioner, ~Q(kind__in=kind_codes(checklist=True)))
    if previous is not None:
        initial = {
            "kind": previous.kind,
            "number": previous.number,
            "issuing_authority": previous.issuing_authority,
            "license_type": previous.license_type,
            "issued_on": previous.issued_on,
        }
    form = CredentialForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attestation = services.attestation_submit(
                actor=request.user,
                practitioner=practitioner,
                kind=data["kind"],
                uploads=data["evidence"],
                number=data["number"],
                issuing_authority=data["issuing_authority"],
                license_type=data["license_type"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
            )
        except DomainError as error:
            form.add_error(_error_field(form, error), error.message)
        else:
            messages.success(
                request,
                f"Your {attestation.get_kind_display().lower()} was submitted; staff will "
                "review it and e-mail you the outcome.",
            )
            return redirect("dashboard:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dashboard/credential_form.html",
        {
            "form": form,
            "practitioner": practitioner,
            "previous": previous,
            "renewing": previous is not None and previous.status == AttestationStatus.VERIFIED,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@capped_evidence_uploads
def sterilization_new(request: HttpRequest) -> HttpResponse:
    practitioner = _own_practitioner_or_redirect(request)
    if practitioner is None:
        return redirect("dashboard:home")
    previous = _previous(request, practitioner, Q(kind__in=kind_codes(checklist=True)))
    initial = {}
    if previous is not None:
        for answer in previous.items.all():
            initial[f"item_{answer.item}"] = "yes" if answer.complies else "no"
            initial[f"detail_{answer.item}"] = answer.detail
    form = SterilizationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.attestation_submit(
                actor=request.user,
                practitioner=practitioner,
                kind=AttestationKind.STERILIZATION,
                uploads=form.cleaned_data["evidence"],
                last_spore_test_on=form.cleaned_data["last_spore_test_on"],
                answers=form.answers(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                "Your sterilization attestation was submitted; staff will review it and "
                "e-mail you the outcome.",
            )
            return redirect("dashboard:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dashboard/sterilization_form.html",
        {"form": form, "practitioner": practitioner, "previous": previous},
        status=status,
    )


@never_cache
@login_required
@require_safe
def attestation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attestation = selectors.attestation_for_owner(pk, request.user)
    except Attestation.DoesNotExist:
        raise Http404("No such attestation on your profile.") from None
    return render(
        request,
        "dashboard/attestation_detail.html",
        {
            "attestation": attestation,
            "timeline": selectors.timeline(attestation),
            "can_submit_again": attestation.pk
            in services.resubmissions_open(attestation.practitioner.attestations.all()),
            "add_evidence_form": AddEvidenceForm()
            if attestation.status == AttestationStatus.PENDING
            else None,
        },
    )


@never_cache
@login_required
@require_POST
@capped_evidence_uploads
def attestation_add_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Add files to one's own attestation awaiting review; the answer is a message."""
    try:
        attestation = selectors.attestation_for_owner(pk, request.user)
    except Attestation.DoesNotExist:
        raise Http404("No such attestation on your profile.") from None
    form = AddEvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("evidence", []):
            messages.error(request, f"No file added: {error}")
        return redirect("dashboard:attestation", pk=pk)
    try:
        services.attestation_add_evidence(
            actor=request.user, attestation_id=attestation.pk, uploads=form.cleaned_data["evidence"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Added. Staff see the new files with your submission.")
    return redirect("dashboard:attestation", pk=pk)


@login_required
@require_POST
def npi_update(request: HttpRequest) -> HttpResponse:
    practitioner = Practitioner.objects.filter(owner=request.user).first()
    if practitioner is None:
        raise Http404("You do not manage a profile.")
    form = NpiForm(request.POST)
    if form.is_valid():
        try:
            services.practitioner_set_npi(
                actor=request.user, practitioner=practitioner, npi=form.cleaned_data["npi"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your NPI was saved.")
    else:
        for error in form.errors.get("npi", []):
            messages.error(request, f"NPI not saved: {error}")
    return redirect(reverse("dashboard:home") + "#npi")


# The evidence itself: never cached, never framed, never able to run anything.
EVIDENCE_CSP = {"default-src": [CSP.NONE], "frame-ancestors": [CSP.NONE], "sandbox": True}


@never_cache
@login_required
@require_safe
@csp_override(EVIDENCE_CSP)
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    try:
        evidence = selectors.evidence_for(pk)
    except Evidence.DoesNotExist:
        raise Http404("No such file.") from None
    practitioner = evidence.attestation.practitioner
    if practitioner.owner_id != request.user.pk:
        if not services.can_verify(request.user):
            # Not 403: whether a file exists is itself nobody else's business.
            raise Http404("No such file.")
        if not second_factor_passed(request.user):
            # A verifier sees other practitioners' evidence only after the second factor.
            return second_factor_redirect(request)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("This file is no longer stored.") from None
    if evidence.check_status != EvidenceCheck.PASSED:
        # A file is served only once it passed its check (practitioners.evidence).
        handle.close()
        message = (
            "This file is still being checked; try again in a minute."
            if evidence.check_status == EvidenceCheck.CHECKING
            else f"This file could not be read: {evidence.check_message}"
        )
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(
        handle,
        content_type=evidence.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=evidence.original_name,
    )
    response["Cache-Control"] = "private, no-store"  # never_cache adds the rest
    response["X-Robots-Tag"] = "noindex"
    return response
