"""Pages for writing and managing reviews, inviting patients, and responding to reviews.

Every change goes through ``reviews.services`` (or ``reviews.invitations``); a refused
action comes back as a message on the page with the status the error carries.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.services import mask_address
from kernel.errors import DomainError
from kernel.form_posts import post_form
from practitioners.models import Practitioner, Procedure
from reviews import author_selectors as selectors
from reviews.forms import (
    EMPTY_COMPLICATION_ROWS,
    MAX_COMPLICATIONS,
    InvitationForm,
    ResponseForm,
    ReviewForm,
    complication_formset,
    posted_rows,
)
from reviews.invitations import (
    InvitationForAnotherAddress,
    invitation_create,
    invitation_for_token,
    invitation_path,
)
from reviews.models import ReviewInvitation, ReviewStatus
from reviews.policy import reason_label
from reviews.services import (
    COMPLICATION_FIELDS,
    REVIEW_FIELDS,
    is_editable,
    response_submit,
    review_edit,
    review_submit,
    review_withdraw,
)

# Official adverse-event reporting routes shown to a patient who reports a severe complication.
MEDWATCH_URL = (
    "https://www.fda.gov/safety/medwatch-fda-safety-information-and-adverse-event-reporting-program"
)
YELLOW_CARD_URL = "https://yellowcard.mhra.gov.uk/"

GET_AND_POST = ["GET", "HEAD", "POST"]


def _form_field_names() -> tuple[str, ...]:
    return ("procedure", *REVIEW_FIELDS)


def _posted_initial(data) -> dict:
    """What the patient typed, as initial values for a re-rendered (not yet checked) form."""
    return {name: data.get(name, "") for name in _form_field_names() if name in data}


def _apply_domain_error(form: ReviewForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it is about, or at the top of the form."""
    field = {
        "duplicate_review": "treatment_month",
        "invalid_treatment_date": "treatment_month",
    }.get(error.code)
    form.add_error(field if field in form.fields else None, error.message)


def _both_valid(form, formset) -> bool:
    """Check the form and the complications together, so every mistake shows at once."""
    form_ok = form.is_valid()
    formset_ok = formset.is_valid()
    return form_ok and formset_ok


def _render_review_form(request, context: dict, status: int = 200) -> HttpResponse:
    formset = context["formset"]
    context.setdefault("invitation", None)
    context.update(
        {
            "can_add_complication": formset.total_form_count() < MAX_COMPLICATIONS,
            "max_complications": MAX_COMPLICATIONS,
        }
    )
    return render(request, "reviews/review_form.html", context, status=status)


@require_http_methods(GET_AND_POST)
def write_review(request: HttpRequest, slug: str) -> HttpResponse:
    """The review form at /practitioners/<slug>/review/, optionally through an invitation."""
    practitioner = get_object_or_404(Practitioner.objects.select_related("clinic"), slug=slug)
    token = request.POST.get("invitation") or request.GET.get("invitation") or ""
    invitation: ReviewInvitation | None = None
    if token:
        signed_in = request.user if request.user.is_authenticated else None
        try:
            invitation = invitation_for_token(token, practitioner, user=signed_in)
        except InvitationForAnotherAddress as error:
            # A forwarded link, or the patient signed in with another account: refused, and
            # not spent, with a way to sign in with the address it was sent to.
            return render(
                request,
                "reviews/invitation_other_address.html",
                {
                    "practitioner": practitioner,
                    "masked_address": error.masked_address,
                    "invitation_link": invitation_path(practitioner, token),
                },
                status=error.status,
            )
        except DomainError as error:
            return render(
                request,
                "reviews/invitation_problem.html",
                {"practitioner": practitioner, "message": error.message, "code": error.code},
                status=error.status,
            )
    if not request.user.is_authenticated:
        if invitation is not None:
            return render(
                request,
                "reviews/invitation_welcome.html",
                {
                    "practitioner": practitioner,
                    "invitation": invitation,
                    "masked_address": mask_address(invitation.email),
                    "next": invitation_path(practitioner, token),
                },
            )
        return redirect_to_login(request.get_full_path())
    if practitioner.owner_id == request.user.pk:
        return render(
            request,
            "reviews/not_allowed.html",
            {
                "title": "You cannot review your own practice",
                "message": "Reviews are written by patients. You can respond publicly to "
                "reviews of your practice once they are published.",
            },
            status=403,
        )
    if request.user.email_verified_at is None:
        return render(
            request,
            "reviews/verify_first.html",
            {"practitioner": practitioner, "next": request.get_full_path()},
            status=403,
        )

    if invitation is not None:
        procedures = Procedure.objects.filter(pk=invitation.procedure_id)
        fixed = {
            "procedure": invitation.procedure,
            "treatment_month": invitation.treatment_date.replace(day=1),
        }
    else:
        procedures = selectors.reviewable_procedures(practitioner)
        fixed = {}
    context = {"practitioner": practitioner, "invitation": invitation, "token": token}

    if request.method != "POST":
        form = ReviewForm(initial=fixed, procedures=procedures, locked=bool(fixed))
        context.update(form=form, formset=complication_formset())
        return _render_review_form(request, context)

    if "add_complication" in request.POST:
        # Without JavaScript: show the form again, as typed, with one more empty row.
        form = ReviewForm(
            initial={**_posted_initial(request.POST), **fixed},
            procedures=procedures,
            locked=bool(fixed),
        )
        formset = complication_formset(initial=posted_rows(request.POST), extra=1)
        context.update(form=form, formset=formset, added_row=True)
        return _render_review_form(request, context)

    form = ReviewForm(request.POST, initial=fixed, procedures=procedures, locked=bool(fixed))
    formset = complication_formset(data=request.POST)
    context.update(form=form, formset=formset)
    if not _both_valid(form, formset):
        return _render_review_form(request, context, status=400)
    try:
        review = review_submit(
            author=request.user,
            practitioner=practitioner,
            procedure=form.cleaned_data["procedure"],
            fields=form.review_fields(),
            complications=formset.complications(),
            ip=request.META.get("REMOTE_ADDR"),
            invitation=invitation,
        )
    except DomainError as error:
        _apply_domain_error(form, error)
        return _render_review_form(request, context, status=error.status)
    return redirect("reviews:submitted", pk=review.pk)


@login_required
@require_safe
def review_submitted(request: HttpRequest, pk: int) -> HttpResponse:
    """Straight after submitting: the status, and medical advice after a severe complication."""
    review = selectors.review_of_author(pk, request.user)
    return render(
        request,
        "reviews/submitted.html",
        {
            "review": review,
            "medwatch_url": MEDWATCH_URL,
            "yellow_card_url": YELLOW_CARD_URL,
        },
    )


@login_required
@require_safe
def my_reviews(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reviews_by_author(request.user), 20).get_page(
        request.GET.get("page")
    )
    for review in page:
        review.decision_reason_label = (
            reason_label(review.decision_reason) if review.decision_reason else ""
        )
        review.can_edit = is_editable(review)
        review.can_withdraw = review.status != ReviewStatus.WITHDRAWN
    return render(
        request,
        "reviews/mine.html",
        {"page": page, "medwatch_url": MEDWATCH_URL, "yellow_card_url": YELLOW_CARD_URL},
    )


@login_required
@require_http_methods(GET_AND_POST)
def edit_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_of_author(pk, request.user)
    if not is_editable(review):
        messages.error(
            request,
            f"“{review.title}” is {review.get_status_display().lower()} and can no longer be "
            "edited.",
        )
        return redirect("reviews:mine")
    locked = review.invitation_id is not None
    procedures = (
        Procedure.objects.filter(pk=review.procedure_id)
        if locked
        else selectors.reviewable_procedures(review.practitioner)
        | Procedure.objects.filter(pk=review.procedure_id)
    ).distinct()
    saved = {
        "procedure": review.procedure,
        **{name: getattr(review, name) for name in REVIEW_FIELDS},
    }
    fixed = {name: saved[name] for name in ("procedure", "treatment_month")} if locked else {}
    context = {"practitioner": review.practitioner, "review": review, "editing": True}

    if request.method != "POST":
        form = ReviewForm(initial=saved, procedures=procedures, locked=locked)
        rows = [
            {name: getattr(c, name) for name in COMPLICATION_FIELDS}
            for c in review.complications.all()
        ]
        formset = complication_formset(initial=rows, extra=1 if rows else EMPTY_COMPLICATION_ROWS)
        context.update(form=form, formset=formset)
        return _render_review_form(request, context)

    if "add_complication" in request.POST:
        form = ReviewForm(
            initial={**_posted_initial(request.POST), **fixed}, procedures=procedures, locked=locked
        )
        formset = complication_formset(initial=posted_rows(request.POST), extra=1)
        context.update(form=form, formset=formset, added_row=True)
        return _render_review_form(request, context)

    form = ReviewForm(request.POST, initial=saved, procedures=procedures, locked=locked)
    formset = complication_formset(data=request.POST)
    context.update(form=form, formset=formset)
    if not _both_valid(form, formset):
        return _render_review_form(request, context, status=400)
    fields = form.review_fields()
    if not locked:
        fields["procedure"] = form.cleaned_data["procedure"]
    try:
        review = review_edit(
            review_id=review.pk,
            author=request.user,
            fields=fields,
            complications=formset.complications(),
        )
    except DomainError as error:
        _apply_domain_error(form, error)
        return _render_review_form(request, context, status=error.status)
    messages.success(
        request,
        "Your changes are saved. The review is waiting for moderation again; "
        "the earlier version is kept.",
    )
    return redirect("reviews:submitted", pk=review.pk)


@login_required
@require_http_methods(GET_AND_POST)
def withdraw_review(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_of_author(pk, request.user)
    if request.method == "POST":
        try:
            review_withdraw(review_id=review.pk, author=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Your review “{review.title}” is withdrawn and no longer shown."
            )
        return redirect("reviews:mine")
    return render(request, "reviews/withdraw.html", {"review": review})


def _practice_or_refusal(request: HttpRequest):
    practitioner = selectors.practice_of(request.user)
    if practitioner is None:
        return None, render(
            request,
            "reviews/not_allowed.html",
            {
                "title": "For practitioners only",
                "message": "This page is for practitioners who have claimed their profile. "
                "Claim your profile first; staff check the claim before you can invite "
                "patients or respond to reviews.",
            },
            status=403,
        )
    return practitioner, None


@login_required
@require_http_methods(GET_AND_POST)
def invite(request: HttpRequest) -> HttpResponse:
    """A practitioner invites a patient they treated to write a verified-patient review."""
    practitioner, refusal = _practice_or_refusal(request)
    if refusal:
        return refusal
    procedures = Procedure.objects.filter(is_active=True, practitioners=practitioner)
    form = InvitationForm(request.POST or None, procedures=procedures)
    status = post_form(
        request,
        form,
        lambda data: invitation_create(
            practitioner=practitioner,
            procedure=data["procedure"],
            email=data["email"],
            treatment_date=data["treatment_date"],
            created_by=request.user,
        ),
        success=lambda data: (
            f"Invitation sent to {data['email']}. The link works once and expires in 30 days."
        ),
    )
    if status is None:
        return redirect("reviews:invite")
    return render(
        request,
        "reviews/invite.html",
        {
            "form": form,
            "practitioner": practitioner,
            "invitations": selectors.invitations_sent(practitioner),
            "has_procedures": procedures.exists(),
        },
        status=status,
    )


@login_required
@require_safe
def practice_reviews(request: HttpRequest) -> HttpResponse:
    """The published reviews of the practitioner's own profile, each with its response."""
    practitioner, refusal = _practice_or_refusal(request)
    if refusal:
        return refusal
    page = Paginator(selectors.published_reviews_of_practice(practitioner), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "reviews/practice.html", {"practitioner": practitioner, "page": page})


@login_required
@require_http_methods(GET_AND_POST)
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The practitioner's one public response to a published review of their practice."""
    practitioner, refusal = _practice_or_refusal(request)
    if refusal:
        return refusal
    review = get_object_or_404(selectors.published_reviews_of_practice(practitioner), pk=pk)
    existing = getattr(review, "response", None)
    form = ResponseForm(request.POST or None, initial={"body": existing.body if existing else ""})
    status = post_form(
        request,
        form,
        lambda data: response_submit(review_id=review.pk, author=request.user, body=data["body"]),
        success="Your response is saved and waits for moderation before it is shown.",
    )
    if status is None:
        return redirect("reviews:practice")
    return render(
        request,
        "reviews/respond.html",
        {"review": review, "form": form, "existing": existing},
        status=status,
    )
