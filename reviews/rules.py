"""Automatic moderation checks: each rule is one small function with a code, a weight and words.

A rule looks at a review (or a practitioner response) and returns a ``Hit`` — why it
matched, in plain language — or ``None``. Adding a rule means writing one function and
decorating it with ``@review_rule`` or ``@response_rule``; ``screen_review`` and
``screen_response`` run them all and store the hits for the moderator. A negative weight
raises a review's priority without making it suspicious (severe complications).
"""

from collections.abc import Callable
from dataclasses import dataclass

from reviews.models import PractitionerResponse, Review, RuleHit


@dataclass(frozen=True)
class Hit:
    explanation: str
    evidence: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    weight: int
    description: str
    check: Callable[..., Hit | None]


REVIEW_RULES: dict[str, Rule] = {}
RESPONSE_RULES: dict[str, Rule] = {}


def _register(registry: dict[str, Rule], code: str, weight: int, description: str):
    def decorator(check: Callable[..., Hit | None]) -> Callable[..., Hit | None]:
        if code in registry:
            raise ValueError(f"Duplicate moderation rule code {code!r}")
        registry[code] = Rule(code=code, weight=weight, description=description, check=check)
        return check

    return decorator


def review_rule(code: str, *, weight: int, description: str):
    return _register(REVIEW_RULES, code, weight, description)


def response_rule(code: str, *, weight: int, description: str):
    return _register(RESPONSE_RULES, code, weight, description)


def _store(hits: list[RuleHit], subject_field: str, subject) -> int:
    RuleHit.objects.filter(**{subject_field: subject}).delete()
    RuleHit.objects.bulk_create(hits)
    return max(0, sum(hit.weight for hit in hits))


def screen_review(review: Review) -> list[RuleHit]:
    """Run every review rule, replace the stored hits, and update the review's risk score."""
    hits = [
        RuleHit(
            review=review,
            code=rule.code,
            weight=rule.weight,
            explanation=hit.explanation[:300],
            evidence=hit.evidence[:300],
        )
        for rule in REVIEW_RULES.values()
        if (hit := rule.check(review)) is not None
    ]
    review.risk_score = min(_store(hits, "review", review), 32767)
    Review.objects.filter(pk=review.pk).update(risk_score=review.risk_score)
    return hits


def screen_response(response: PractitionerResponse) -> list[RuleHit]:
    """Run every response rule, replace the stored hits, and update the response's risk score."""
    hits = [
        RuleHit(
            response=response,
            code=rule.code,
            weight=rule.weight,
            explanation=hit.explanation[:300],
            evidence=hit.evidence[:300],
        )
        for rule in RESPONSE_RULES.values()
        if (hit := rule.check(response)) is not None
    ]
    response.risk_score = min(_store(hits, "response", response), 32767)
    PractitionerResponse.objects.filter(pk=response.pk).update(risk_score=response.risk_score)
    return hits


@review_rule(
    "severe_complication",
    weight=0,
    description="Reports a severe complication: reviewed first, never held against the author.",
)
def severe_complication(review: Review) -> Hit | None:
    severe = [c for c in review.complications.all() if c.is_severe]
    if severe:
        names = ", ".join(c.get_type_display().lower() for c in severe)
        return Hit(f"The patient reports a severe complication ({names}).")
    return None
