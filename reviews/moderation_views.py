"""The staff moderation pages (/moderation/…) and the report page (/reviews/<id>/report/).

Views read through ``moderation_selectors`` and write only through ``moderation`` services;
a refused action comes back as a message on the page, never as an error page.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.second_factor import second_factor_passed, second_factor_redirect
from kernel.decision_forms import SeenVersionForm
from kernel.errors import DomainError
from kernel.form_posts import post_form
from kernel.versions import ItemChanged
from practitioners.conflicts import ConflictOfInterest, conflict_of_interest, ties_of
from reviews import moderation_queue
from reviews import moderation_selectors as selectors
from reviews.alerts import alert_resolve
from reviews.models import (
    AlertStatus,
    PractitionerResponse,
    ReportReason,
    Review,
    ReviewStatus,
    SafetyAlert,
)
from reviews.moderation import (
    CLAIM_DURATION,
    REPORT_POLICY_REASON,
    Decision,
    bulk_approve,
    can_moderate,
    claim_is_held_by_other,
    claim_next,
    claim_review,
    moderate_response,
    moderate_review,
    release_review,
    report_review,
)
from reviews.moderation_forms import (
    AlertResolveForm,
    BulkApproveForm,
    ReportForm,
    ResponseDecisionForm,
    ReviewDecisionForm,
)
from reviews.policy import PolicyReason, reason_label

QUEUE_PAGE_SIZE = 50

OUTCOMES = {
    Decision.APPROVE: "was published",
    Decision.REJECT: "was rejected",
    Decision.REQUEST_CHANGES: "was sent back to its author for changes",
    Decision.UPHOLD: "was hidden and its reports upheld",
    Decision.DISMISS: "stays published; its reports were dismissed",
}


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors are sent to sign in; signed-in users without the permission get 403;
    moderators whose session has not passed the second factor are sent to pass it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_moderate(request.user):
            raise PermissionDenied("Only moderators can open the moderation queue.")
        if not second_factor_passed(request.user):
            return second_factor_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


def _load_review(review_id: int) -> Review:
    try:
        return selectors.review_for_moderation(review_id)
    except Review.DoesNotExist:
        raise Http404("No such review") from None


@moderator_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    reported = moderation_queue.reported_review_ids()
    page = Paginator(moderation_queue.review_queue(reported), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    ties = ties_of(request.user)
    for review in page:
        # Marked in the queue, never offered: the decision would be refused anyway.
        review.conflict = conflict_of_interest(request.user, review, ties)
        review.claimed_by_other = claim_is_held_by_other(review, request.user, now)
        review.claimed_by_me = review.claimed_by_id == request.user.pk and not (
            review.claimed_until and review.claimed_until <= now
        )
        review.bulk_approvable = (
            review.status == ReviewStatus.PENDING
            and not review.rule_hits.all()
            and not review.claimed_by_other
            and not review.conflict
        )
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "counts": moderation_queue.queue_counts(reported),
            "alerts": selectors.safety_alerts(),
            "any_bulk": any(review.bulk_approvable for review in page),
            "section": "reviews",
        },
    )


def _item_context(
    request: HttpRequest,
    review: Review,
    form: ReviewDecisionForm,
    *,
    changed: ItemChanged | None = None,
    refused: str = "",
) -> dict:
    now = timezone.now()
    reports = list(review.reports.all())
    open_reports = [report for report in reports if report.status == "open"]
    timeline = selectors.decision_timeline(review)
    for entry in timeline:
        entry.reason_label = (
            ReportReason(entry.reason).label
            if entry.action == "review.reported" and entry.reason in ReportReason.values
            else reason_label(entry.reason)
        )
    return {
        "section": "reviews",
        "review": review,
        "form": form,
        "reports": reports,
        "open_reports": open_reports,
        "is_pending": review.status == ReviewStatus.PENDING,
        "claimed_by_other": claim_is_held_by_other(review, request.user, now),
        "claimed_by_me": review.claimed_by_id == request.user.pk
        and review.claimed_until is not None
        and review.claimed_until > now,
        "claim_minutes": int(CLAIM_DURATION.total_seconds() // 60),
        "history": selectors.author_history(review),
        "practitioner_reviews": selectors.practitioner_recent_reviews(review),
        "timeline": timeline,
        "numbered_reasons": list(enumerate(PolicyReason.choices, start=1)),
        "conflict": conflict_of_interest(request.user, review),
        "changed": changed,
        "refused": refused,
    }


@moderator_required
@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _load_review(pk)
    initial = {}
    open_reasons = [r.reason for r in review.reports.all() if r.status == "open"]
    if open_reasons:
        initial["reason"] = REPORT_POLICY_REASON.get(open_reasons[0], "")
    form = ReviewDecisionForm(initial=initial)
    return render(request, "moderation/review.html", _item_context(request, review, form))


@moderator_required
@require_POST
def review_claim(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Review.objects.only("pk"), pk=pk)
    try:
        review = claim_review(review_id=pk, moderator=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        until = timezone.localtime(review.claimed_until)
        messages.success(request, f"This review is yours until {until:%H:%M}.")
    return redirect("moderation:review", pk=pk)


@moderator_required
@require_POST
def review_release(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Review.objects.only("pk"), pk=pk)
    if release_review(review_id=pk, moderator=request.user):
        messages.success(request, "You released this review; another moderator can take it.")
    return redirect("moderation:queue")


def _go_next(request: HttpRequest, *, after: int | None = None) -> HttpResponse:
    nxt = claim_next(moderator=request.user, after=after)
    if nxt is None:
        messages.info(request, "The queue is clear: nothing else is waiting for you.")
        return redirect("moderation:queue")
    return redirect("moderation:review", pk=nxt.pk)


@moderator_required
@require_POST
def next_item(request: HttpRequest) -> HttpResponse:
    after = request.POST.get("after", "")
    return _go_next(request, after=int(after) if after.isdigit() else None)


@moderator_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _load_review(pk)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request, "moderation/review.html", _item_context(request, review, form), status=400
        )
    seen = SeenVersionForm(request.POST)
    if not seen.is_valid():
        form.add_error(None, seen.errors["version"][0])
        return render(
            request, "moderation/review.html", _item_context(request, review, form), status=400
        )
    decision = form.cleaned_data["decision"]
    try:
        moderate_review(
            review_id=pk,
            moderator=request.user,
            decision=decision,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            seen_version=seen.seen(),
        )
    except ItemChanged as error:
        # Nothing was written: show the current version and what changed, to decide again.
        context = _item_context(request, _load_review(pk), form, changed=error)
        return render(request, "moderation/review.html", context, status=409)
    except ConflictOfInterest as error:
        context = _item_context(request, review, form, refused=error.message)
        return render(request, "moderation/review.html", context, status=403)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("moderation:review", pk=pk)
    messages.success(request, f"“{review.title}” {OUTCOMES[decision]}.")
    return _go_next(request, after=pk)


@moderator_required
@require_POST
def bulk_approve_view(request: HttpRequest) -> HttpResponse:
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("review", []):
            messages.error(request, error)
        return redirect("moderation:queue")
    try:
        result = bulk_approve(
            review_ids=form.cleaned_data["review"],
            moderator=request.user,
            seen_versions=form.cleaned_data["review_versions"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("moderation:queue")
    if result.approved:
        n = len(result.approved)
        messages.success(request, f"Published {n} review{'s' if n != 1 else ''}.")
    for review_id, why in result.skipped:
        messages.warning(request, f"Review #{review_id} was not approved: {why}.")
    return redirect("moderation:queue")


@moderator_required
@require_safe
def responses(request: HttpRequest) -> HttpResponse:
    return _responses_page(request)


def _responses_page(
    request: HttpRequest,
    *,
    changed: ItemChanged | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    page = Paginator(selectors.response_queue(), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    ties = ties_of(request.user)
    for item in page:
        item.conflict = conflict_of_interest(request.user, item, ties)
    return render(
        request,
        "moderation/responses.html",
        {
            "page": page,
            "form": ResponseDecisionForm(),
            "counts": moderation_queue.queue_counts(),
            "section": "responses",
            "changed": changed,
            "refused": refused,
        },
        status=status,
    )


@moderator_required
@require_POST
def response_decide(request: HttpRequest, pk: int) -> HttpResponse:
    response = get_object_or_404(PractitionerResponse.objects.select_related("review"), pk=pk)
    form = ResponseDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("moderation:responses")
    seen = SeenVersionForm(request.POST)
    if not seen.is_valid():
        messages.error(request, seen.errors["version"][0])
        return redirect("moderation:responses")
    try:
        moderate_response(
            response_id=pk,
            moderator=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            seen_version=seen.seen(),
        )
    except ItemChanged as error:
        return _responses_page(request, changed=error, status=409)
    except ConflictOfInterest as error:
        return _responses_page(request, refused=error.message, status=403)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        outcome = "published" if form.cleaned_data["decision"] == Decision.APPROVE else "rejected"
        messages.success(request, f"The response to “{response.review.title}” was {outcome}.")
    return redirect("moderation:responses")


@moderator_required
@require_safe
def alerts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "moderation/alerts.html",
        {
            "open_alerts": selectors.safety_alerts(),
            "resolved_alerts": selectors.safety_alerts(status=AlertStatus.RESOLVED)[:20],
            "form": AlertResolveForm(),
            "counts": moderation_queue.queue_counts(),
            "section": "alerts",
        },
    )


@moderator_required
@require_POST
def alert_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(SafetyAlert.objects.only("pk"), pk=pk)
    form = AlertResolveForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("note", []):
            messages.error(request, error)
        return redirect("moderation:alerts")
    try:
        alert = alert_resolve(alert_id=pk, moderator=request.user, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The alert for {alert.practitioner} is resolved.")
    return redirect("moderation:alerts")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        Review.objects.select_related("practitioner"), pk=pk, status=ReviewStatus.PUBLISHED
    )
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = post_form(
        request,
        form,
        lambda data: report_review(
            review_id=pk, reporter=request.user, reason=data["reason"], note=data["note"]
        ),
        success="Thank you. A moderator will check the review against the policy; "
        "it stays visible meanwhile.",
    )
    if status is None:
        return redirect(review.practitioner.get_absolute_url())
    return render(
        request, "moderation/report.html", {"review": review, "form": form}, status=status
    )
