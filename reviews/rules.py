"""Automatic moderation checks: each rule is one small function with a code, a weight and words.

A rule looks at a review (or a practitioner response) and returns a ``Hit`` — why it
matched, in plain language — or ``None``. Adding a rule means writing one function and
decorating it with ``@review_rule`` or ``@response_rule``; ``screen_review`` and
``screen_response`` run them all and store the hits for the moderator. A negative weight
raises a review's priority without making it suspicious (severe complications).

Rules never look at how positive or negative a review is: moderation is content-neutral,
and every rule points at one reason of the published policy (``reviews.policy``).
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

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


# The largest risk score a PositiveSmallIntegerField holds on every database.
MAX_RISK_SCORE = 32767


def _store(hits: list[RuleHit], subject_field: str, subject) -> int:
    RuleHit.objects.filter(**{subject_field: subject}).delete()
    RuleHit.objects.bulk_create(hits)
    return max(0, sum(hit.weight for hit in hits))


def _screen(subject: Review | PractitionerResponse, field: str, rules: dict) -> list[RuleHit]:
    """Run ``rules`` on ``subject``, replace its stored hits, and update its risk score."""
    hits = [
        RuleHit(
            **{field: subject},
            code=rule.code,
            weight=rule.weight,
            explanation=hit.explanation[:300],
            evidence=hit.evidence[:300],
        )
        for rule in rules.values()
        if (hit := rule.check(subject)) is not None
    ]
    subject.risk_score = min(_store(hits, field, subject), MAX_RISK_SCORE)
    type(subject).objects.filter(pk=subject.pk).update(risk_score=subject.risk_score)
    return hits


def screen_review(review: Review) -> list[RuleHit]:
    """Run every review rule, replace the stored hits, and update the review's risk score."""
    return _screen(review, "review", REVIEW_RULES)


def screen_response(response: PractitionerResponse) -> list[RuleHit]:
    """Run every response rule, replace the stored hits, and update the response's risk score."""
    return _screen(response, "response", RESPONSE_RULES)


# --- Shared text checks ------------------------------------------------------------------

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL_RE = re.compile(
    r"\b(?:https?://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9-]*\.(?:com|net|org|io|co|uk|us|ca|au|biz|info|me|clinic|health|shop)"
    r"\b(?:/\S*)?",
    re.IGNORECASE,
)
# Groups of digits with optional separators, as phone numbers are written; a match needs
# 9+ digits so prices, depths and dates (2024-03-12 has 8) do not count.
PHONE_RE = re.compile(
    r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)|\d{2,5})(?:[\s.-]?\d{2,4}){2,3}\b"
)
MIN_PHONE_DIGITS = 9

LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})
WORD_RE = re.compile(r"[a-z0-9]+")


def _contact_details(text: str) -> list[str]:
    found = EMAIL_RE.findall(text)
    without_emails = EMAIL_RE.sub(" ", text)
    found += [m.group(0) for m in URL_RE.finditer(without_emails)]
    found += [
        m.group(0).strip()
        for m in PHONE_RE.finditer(without_emails)
        if sum(ch.isdigit() for ch in m.group(0)) >= MIN_PHONE_DIGITS
    ]
    return found


@cache
def profanity_pattern() -> re.Pattern[str]:
    """The shipped word list (reviews/data/profanity.txt) as one whole-word pattern."""
    path = Path(__file__).parent / "data" / "profanity.txt"
    alternatives = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip().lower()
        if not word or word.startswith("#"):
            continue
        stem = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
        alternatives.append(stem + (r"[a-z]*" if word.endswith("*") else ""))
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


def _profanity(text: str) -> list[str]:
    normalised = text.lower().translate(LEET)
    return sorted({m.group(0) for m in profanity_pattern().finditer(normalised)})


def _words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def _shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    words = _words(text)
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' three-word shingles (0 = nothing shared, 1 = same)."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def _review_text(review: Review) -> str:
    return f"{review.title}\n{review.body}"


def _response_text(response: PractitionerResponse) -> str:
    return response.body


def _quote(items: Iterable[str]) -> str:
    return ", ".join(f"“{item}”" for item in items)


def _text_rules(
    code: str,
    weight: int,
    find: Callable[[str], list[str]],
    *,
    description: str,
    review_says: str,
    response_says: str,
    for_reviews: str = "",
) -> tuple[Callable[[Review], Hit | None], Callable[[PractitionerResponse], Hit | None]]:
    """One text check as a review rule and a response rule, quoting what ``find`` finds.

    ``for_reviews`` is added to the description of the review rule.
    """

    def rule(text_of: Callable[..., str], says: str) -> Callable[..., Hit | None]:
        def check(subject: Review | PractitionerResponse) -> Hit | None:
            found = find(text_of(subject))
            return Hit(says, _quote(found)) if found else None

        return check

    on_review = review_rule(code, weight=weight, description=f"{description}{for_reviews}")
    on_response = response_rule(code, weight=weight, description=description)
    return on_review(rule(_review_text, review_says)), on_response(
        rule(_response_text, response_says)
    )


# --- Review rules ------------------------------------------------------------------------


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


review_contact_details, response_contact_details = _text_rules(
    "contact_details",
    5,
    _contact_details,
    description="Contains a phone number, an e-mail address or a web link (policy: contact "
    "details, links or advertising).",
    review_says="The text contains contact details or a link.",
    response_says="The response contains contact details or a link.",
)
review_profanity, response_profanity = _text_rules(
    "profanity",
    3,
    _profanity,
    description="Uses a word from the abusive-language list (policy: offensive).",
    for_reviews=" Strong criticism is allowed; check whether the word attacks a person.",
    review_says="The text uses words from the abusive-language list.",
    response_says="The response uses words from the abusive-language list.",
)


DUPLICATE_THRESHOLD = 0.6
DUPLICATE_CANDIDATES = 200  # recent reviews of the same practitioner compared, at most
DUPLICATE_AUTHOR_CANDIDATES = 50  # and recent reviews by the same author


@review_rule(
    "duplicate_text",
    weight=6,
    description="The text is the same as, or nearly the same as, another review of this "
    "practitioner or another review by this author (policy: duplicate).",
)
def duplicate_text(review: Review) -> Hit | None:
    text = _review_text(review)
    if not _shingles(text):
        return None
    others = Review.objects.exclude(pk=review.pk).values_list("id", "title", "body")
    candidates = [
        *others.filter(practitioner_id=review.practitioner_id).order_by("-id")[
            :DUPLICATE_CANDIDATES
        ],
        *others.filter(author_id=review.author_id).order_by("-id")[:DUPLICATE_AUTHOR_CANDIDATES],
    ]
    best_id, best = None, 0.0
    for other_id, title, body in candidates:
        score = similarity(text, f"{title}\n{body}")
        if score > best:
            best_id, best = other_id, score
    if best >= DUPLICATE_THRESHOLD:
        return Hit(
            f"The text is {round(best * 100)}% the same as review #{best_id}.",
            f"review #{best_id}",
        )
    return None


BURST_WINDOW = timedelta(hours=24)
BURST_COUNT = 3  # this review and at least two more within the window


def _near_in_time(review: Review) -> dict[str, object]:
    """Reviews created within ``BURST_WINDOW`` of this one (either side)."""
    return {
        "created_at__gt": review.created_at - BURST_WINDOW,
        "created_at__lte": review.created_at + BURST_WINDOW,
    }


@review_rule(
    "account_burst",
    weight=4,
    description=f"The author submitted {BURST_COUNT} or more reviews within 24 hours "
    "(policy: fake or incentivised).",
)
def account_burst(review: Review) -> Hit | None:
    count = Review.objects.filter(author_id=review.author_id, **_near_in_time(review)).count()
    if count >= BURST_COUNT:
        return Hit(f"The author submitted {count} reviews within 24 hours.")
    return None


@review_rule(
    "network_burst",
    weight=4,
    description=f"{BURST_COUNT} or more reviews came from the same network address within 24 "
    "hours (policy: fake or incentivised).",
)
def network_burst(review: Review) -> Hit | None:
    if not review.submitted_ip:
        return None
    rows = list(
        Review.objects.filter(
            submitted_ip=review.submitted_ip, **_near_in_time(review)
        ).values_list("author_id", flat=True)
    )
    if len(rows) >= BURST_COUNT:
        accounts = len(set(rows))
        return Hit(
            f"{len(rows)} reviews from {accounts} account{'s' if accounts != 1 else ''} came "
            "from the same network address within 24 hours.",
            review.submitted_ip,
        )
    return None


@review_rule(
    "tied_reviewer",
    weight=8,
    description="The reviewer is tied to the practitioner: their own account, a colleague's "
    "profile at the same clinic, or the clinic's e-mail domain (policy: conflict of interest).",
)
def tied_reviewer(review: Review) -> Hit | None:
    practitioner = review.practitioner
    author = review.author
    if practitioner.owner_id == author.pk:
        return Hit("The reviewer's account owns this practitioner's profile.")
    clinic = practitioner.clinic
    if clinic is None:
        return None
    domain = (clinic.email_domain or "").strip().lower().lstrip("@")
    if domain and author.employer_domain == domain:
        return Hit("The reviewer's e-mail address is at the clinic's own domain.", domain)
    colleague = (
        type(practitioner)
        .objects.filter(clinic_id=clinic.pk, owner_id=author.pk)
        .exclude(pk=practitioner.pk)
        .first()
    )
    if colleague is not None:
        return Hit(
            "The reviewer owns the profile of a colleague at the same clinic.",
            colleague.full_name,
        )
    return None


NEW_ACCOUNT_AGE = timedelta(days=2)


@review_rule(
    "new_account",
    weight=1,
    description="The account was less than 2 days old when the review was submitted.",
)
def new_account(review: Review) -> Hit | None:
    age = review.submitted_at - review.author.date_joined
    if age < NEW_ACCOUNT_AGE:
        hours = max(0, int(age.total_seconds() // 3600))
        return Hit(f"The account was {hours} hour{'s' if hours != 1 else ''} old.")
    return None


# --- Response rules ----------------------------------------------------------------------
# (Contact details and profanity are checked on responses too: see ``_text_rules`` above.)


MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE_RE = re.compile(
    r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"
    rf"|\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\b(?:\s+\d{{4}})?"
    r"|\b(?:on|last|this|that)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
    re.IGNORECASE,
)
NAME_RE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z]+"
    r"|^(?:Dear|Hi|Hello|Hey)\s+[A-Z][a-z]+"
    r"|\byour\s+(?:husband|wife|partner|daughter|son|mother|father|sister|brother|friend)"
    r",?\s+[A-Z][a-z]+",
    re.MULTILINE,
)
TREATMENTS = (
    "botox",
    "filler",
    "fillers",
    "lip filler",
    "laser",
    "chemical peel",
    "peel",
    "prp",
    "microneedling",
    "hydrafacial",
    "dermaplaning",
    "ipl",
    "thread lift",
    "sculptra",
    "profhilo",
    "kybella",
    "coolsculpting",
    "accutane",
    "isotretinoin",
    "antibiotics",
    "tattoo removal",
    "hair removal",
    "facelift",
    "rhinoplasty",
)
TREATMENT_RE = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in TREATMENTS) + r")\b", re.I)
RECORD_PHRASES_RE = re.compile(
    r"\b(?:our|your)\s+(?:records?|files?|chart|notes|medical history)\b"
    r"|\b(?:previous|earlier|last|other)\s+(?:visits?|appointments?|treatments?|sessions?)\b"
    r"|\byou\s+(?:were|have been)\s+(?:diagnosed|prescribed|coming|seen)\b"
    r"|\bdate of birth\b",
    re.IGNORECASE,
)


def _normalised(text: str) -> str:
    return " ".join(_words(text))


def _beyond_review(found: Iterable[str], review_text: str) -> list[str]:
    """The items of ``found`` the review itself does not mention."""
    known = f" {_normalised(review_text)} "
    out: list[str] = []
    for item in found:
        if f" {_normalised(item)} " not in known and item not in out:
            out.append(item)
    return out


@response_rule(
    "discloses_patient_details",
    weight=6,
    description="The response mentions details about the patient the review does not: "
    "names, visit dates, other treatments or records (policy: personal data).",
)
def discloses_patient_details(response: PractitionerResponse) -> Hit | None:
    review = response.review
    review_text = f"{_review_text(review)}\n{review.procedure.name}\n{review.author.display_name}"
    findings: list[str] = []
    names = [
        m.group(0)
        for m in NAME_RE.finditer(response.body)
        if m.group(0).split()[-1] not in {review.author.display_name, review.practitioner.last_name}
    ]
    findings += _beyond_review(names, review_text)
    findings += _beyond_review((m.group(0) for m in DATE_RE.finditer(response.body)), review_text)
    findings += _beyond_review(
        (m.group(0) for m in TREATMENT_RE.finditer(response.body)), review_text
    )
    findings += _beyond_review(
        (m.group(0) for m in RECORD_PHRASES_RE.finditer(response.body)), review_text
    )
    if findings:
        return Hit(
            "The response mentions details about the patient that the review does not.",
            _quote(findings),
        )
    return None
