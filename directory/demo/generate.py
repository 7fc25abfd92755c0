"""Deterministic, realistic demo data, generated in memory and written in bulk.

One ``random.Random(seed)`` drives every choice, and every date is counted from the start
of the current UTC day, so the same seed on the same day writes the same rows. The data
follows what patients actually report: most reviews are positive, complications are
mostly mild and resolve, hyperpigmentation is several times more frequent on Fitzpatrick
skin types IV-VI, infections are rarer still and more frequent where sterilization is not
verified, and severe infections are rare.

Derived columns are computed with the product's own rules rather than re-implemented:
the summary of each practitioner by ``reviews.summaries.tally`` (what ``recount`` uses)
and the Verified badge by ``practitioners.badges.compute_badge``.
"""

import bisect
import hashlib
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.text import slugify

from directory.caching import bump_cache_generation_on_commit
from directory.demo import vocab
from directory.demo.accounts import (
    DEMO_PRACTITIONER_FIRST_NAME,
    DEMO_PRACTITIONER_LAST_NAME,
    DemoAccounts,
    SeedError,
    ensure_demo_accounts,
)
from directory.demo.places import City, us_cities
from directory.demo.rates import (
    CHANGE_REASONS,
    HIDE_REASONS,
    INTENSITY,
    LICENCE_STATES,
    NEEDLING,
    ONSET_DAYS,
    REJECT_REASONS,
    SEVERE_INFECTION_TREATMENT,
    SEVERITY,
    SKIN_TYPES,
    STERILIZATION_DETAILS,
    STERILIZATION_FAILURES,
    STERILIZATION_STATES,
    TREATMENT,
)
from directory.demo.tables import SUMMARY_FIELDS, demo_writer
from directory.demo.writer import Writer, bulk_session, next_id, reset_sequences
from directory.models import AuditEntry, User
from practitioners.badges import compute_badge
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    Clinic,
    Practitioner,
    Procedure,
    Standing,
    SterilizationAnswer,
    SterilizationItem,
    VerificationMethod,
)
from practitioners.npi import npi_check_digit
from practitioners.services import one_year_after
from reviews.models import (
    DARKER_SKIN_TYPES,
    Complication,
    PractitionerResponse,
    ResponseStatus,
    Review,
    ReviewInvitation,
    ReviewReport,
    ReviewStatus,
    Severity,
)
from reviews.summaries import tally

MONTHS_OF_REVIEWS = 30
REVIEWS_PER_PATIENT = 2.3
OWNED_SHARE = 0.15  # practitioners who have claimed their profile (and may respond)
DEMO_PRACTITIONER_MIN_REVIEWS = 15

Progress = Callable[[int], None]


class FastRandom(random.Random):
    """``random.Random`` with ``choice``, ``randint`` and ``randrange`` drawn from one float.

    The standard versions draw exact integers through several Python calls each; a seed
    makes tens of millions of draws, and the float version is about three times faster.
    The bias (below 2**-40 for these ranges) does not matter for demo data.
    """

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if step != 1 or stop <= start:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))


_ATTESTATION_DEFAULTS = {f.attname: f.get_default() for f in Attestation._meta.concrete_fields}


def _as_loaded(values: dict) -> Attestation:
    """The attestation a query would return for this row, for ``compute_badge`` to read.

    Built as ``Model.from_db`` would be, but without ``__init__`` visiting every field:
    this runs for every attestation of a hundred thousand practitioners.
    """
    attestation = Attestation.__new__(Attestation)
    attestation._state = ModelState()
    attestation._state.adding = False
    attestation.__dict__.update(
        {name: values.get(name, default) for name, default in _ATTESTATION_DEFAULTS.items()}
    )
    return attestation


@dataclass(frozen=True)
class SeedResult:
    counts: dict[str, int]
    writer: Writer
    accounts: DemoAccounts
    demo_practitioner_slug: str | None


def _weighted(rng: random.Random, items: tuple, cum_weights: list[float]):
    return items[bisect.bisect_right(cum_weights, rng.random() * cum_weights[-1])]


def _valid_until(verified: date, valid_days: int) -> date:
    """When an attestation verified on ``verified`` lapses (the services' own rule for a year)."""
    if valid_days == 365:
        return one_year_after(verified)
    return verified + timedelta(days=valid_days)


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    """Choose a value from ((value, probability), ...)."""
    roll = rng.random()
    for value, share in table:
        roll -= share
        if roll < 0:
            return value
    return table[-1][0]


class DemoSeeder:
    """Writes N practitioners and M reviews, with everything around them, in one transaction."""

    def __init__(
        self,
        *,
        practitioners: int,
        reviews: int,
        seed: int = 1,
        progress: Progress | None = None,
        phase: Callable[[str, int], None] | None = None,
    ):
        if practitioners < 0 or reviews < 0:
            raise SeedError("Counts cannot be negative.")
        if reviews and not practitioners:
            raise SeedError("Reviews need at least one practitioner to be about.")
        self.n_practitioners = practitioners
        self.n_reviews = reviews
        self.rng = FastRandom(seed)
        self.seed = seed
        self.progress = progress or (lambda n: None)
        self.phase = phase or (lambda name, total: None)
        # Every generated time is counted from the start of today (UTC): same seed, same day,
        # same rows, however long the run takes.
        self.today = timezone.localdate()
        self.anchor = datetime.combine(
            self.today, time.min, tzinfo=timezone.get_current_timezone()
        ).astimezone(UTC)
        self.now = timezone.now()

    # --- entry point --------------------------------------------------------------------

    @transaction.atomic
    def run(self) -> SeedResult:
        """Write everything in one transaction: a failed seed leaves the database as it was."""
        self.accounts = ensure_demo_accounts()
        self._prepare()
        with bulk_session(), self.writer.background():
            self._write_patients()
            self._write_practitioners()
        reset_sequences(table.model for table in self.writer.tables.values())
        # Rows written without the ORM send no signals: make cached pages stale ourselves.
        bump_cache_generation_on_commit()
        return SeedResult(
            counts=self.writer.counts(),
            writer=self.writer,
            accounts=self.accounts,
            demo_practitioner_slug=self.demo_slug,
        )

    # --- set-up -------------------------------------------------------------------------

    def _prepare(self) -> None:
        self.procedures = dict(Procedure.objects.filter(is_active=True).values_list("slug", "id"))
        if not self.procedures:
            raise SeedError("There are no active procedures to review: run migrate first.")
        # Seeding again: the demo practitioner already owns the first seed's profile.
        self.demo_owns_a_profile = Practitioner.objects.filter(
            owner=self.accounts.practitioner
        ).exists()
        self.cities = us_cities()
        self.city_weights = _cumulative(c.population for c in self.cities)
        self.review_ct = ContentType.objects.get_for_model(Review).pk
        self.attestation_ct = ContentType.objects.get_for_model(Attestation).pk
        self.ids = {
            model: next_id(model)
            for model in (
                User,
                Clinic,
                Practitioner,
                Practitioner.procedures.through,
                Attestation,
                SterilizationAnswer,
                ReviewInvitation,
                Review,
                Complication,
                PractitionerResponse,
                ReviewReport,
                AuditEntry,
            )
        }
        self.used_slugs = set(Practitioner.objects.values_list("slug", flat=True))
        self.used_npis = set(Practitioner.objects.exclude(npi=None).values_list("npi", flat=True))
        self.demo_slug = None
        self.writer = demo_writer()
        # Review months, more recent ones more likely (the site grows).
        this_month = self.today.replace(day=1)
        self.months = []
        month = this_month
        for _ in range(MONTHS_OF_REVIEWS):
            self.months.append(month)
            month = (month - timedelta(days=1)).replace(day=1)
        self.months = tuple(self.months)
        self.month_weights = _cumulative(0.97**k for k in range(MONTHS_OF_REVIEWS))
        self.review_counts = self._allocate_reviews()

    def _new_id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _allocate_reviews(self) -> list[int]:
        """How many reviews each practitioner gets: skewed, some none, summing exactly."""
        n, total, rng = self.n_practitioners, self.n_reviews, self.rng
        if not n:
            return []
        weights = [0.0 if rng.random() < 0.12 else rng.lognormvariate(0, 1.0) for _ in range(n)]
        weights[0] = max(weights[0], 1.0)
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        missing = total - sum(counts)
        eligible = [i for i, w in enumerate(weights) if w > 0]
        for i in rng.sample(eligible, missing):
            counts[i] += 1
        # The demo practitioner's profile should have something to show.
        target = min(total, DEMO_PRACTITIONER_MIN_REVIEWS)
        while counts[0] < target:
            donor = max(range(1, n), key=counts.__getitem__)
            counts[donor] -= 1
            counts[0] += 1
        return counts

    # --- patients -----------------------------------------------------------------------

    def _write_patients(self) -> None:
        rng = self.rng
        count = math.ceil(self.n_reviews / REVIEWS_PER_PATIENT) if self.n_reviews else 0
        self.phase("patients", count)
        first_joined = self.anchor - timedelta(days=1100)
        span = (self.anchor - first_joined).total_seconds()
        joined = sorted(rng.random() for _ in range(count))
        self.patient_ids: list[int] = []
        self.patient_joined: list[datetime] = []
        self.patient_skin: list[str] = []
        self.patient_emails: list[str] = []
        password = UNUSABLE_PASSWORD_PREFIX + "demo-patient-account"
        writer = self.writer
        for i, share in enumerate(joined):
            user_id = self._new_id(User)
            when = first_joined + timedelta(seconds=0 if i == 0 else share * span)
            first = rng.choice(vocab.FIRST_NAMES)
            last = rng.choice(vocab.LAST_NAMES)
            email = f"{first}.{last}{user_id}@{rng.choice(vocab.PATIENT_EMAIL_DOMAINS)}".lower()
            self.patient_ids.append(user_id)
            self.patient_joined.append(when)
            self.patient_skin.append(_pick(rng, SKIN_TYPES))
            self.patient_emails.append(email)
            writer.add(
                "users",
                (
                    user_id,
                    password,
                    False,
                    False,
                    True,
                    when,
                    email,
                    f"{first} {last[0]}.",
                    when + timedelta(minutes=rng.randint(1, 600)),
                ),
            )
            if i % 10_000 == 9_999:
                writer.flush_if_full()
                self.progress(10_000)
        self.progress(count % 10_000)
        writer.flush()

    def _author_for(self, submitted: datetime) -> int:
        """A patient who had joined before the review was submitted."""
        joined_before = bisect.bisect_right(self.patient_joined, submitted)
        return self.rng.randrange(max(joined_before, 1))

    # --- practitioners ------------------------------------------------------------------

    def _write_practitioners(self) -> None:
        self.phase("practitioners", self.n_practitioners)
        clinic = None
        clinic_left = 0
        done = 0
        self.demo_patient_reviews = 0
        for index in range(self.n_practitioners):
            if clinic_left <= 0:
                clinic = self._clinic(index)
                clinic_left = self.rng.choice((1, 1, 2, 2, 3, 4))
            clinic_left -= 1
            self._practitioner(index, clinic)
            done += 1
            if done == 500:
                self.writer.flush_if_full()
                self.progress(done)
                done = 0
        self.progress(done)

    def _clinic(self, index: int) -> dict:
        rng = self.rng
        city: City = _weighted(rng, self.cities, self.city_weights)
        area = rng.choice(city.zip_areas)
        style = rng.random()
        suffix = rng.choice(vocab.CLINIC_SUFFIXES)
        if style < 0.45:
            name = f"{rng.choice(vocab.CLINIC_PREFIXES)} {suffix}"
        elif style < 0.75:
            name = f"{city.name} {suffix}"
        else:
            name = f"{rng.choice(vocab.LAST_NAMES)} {suffix}"
        street = f"{rng.randint(10, 9899)} {rng.choice(vocab.STREET_NAMES)} "
        street += rng.choice(vocab.STREET_TYPES)
        if rng.random() < 0.4:
            street += f", {rng.choice(vocab.SUITES)} {rng.randint(100, 450)}"
        clinic_id = self._new_id(Clinic)
        domain = f"{slugify(name).replace('-', '')}-{clinic_id}.example"
        clinic = {
            "id": clinic_id,
            "name": name,
            "city": city,
            "domain": domain,
        }
        self.writer.add(
            "clinics",
            (
                clinic_id,
                name,
                street,
                city.name,
                city.state,
                area.code,
                "US",
                round(area.latitude + rng.uniform(-0.006, 0.006), 6),
                round(area.longitude + rng.uniform(-0.006, 0.006), 6),
                domain,
            ),
        )
        return clinic

    def _slug(self, first: str, last: str, city: str) -> str:
        base = slugify(f"{first} {last} {city}")[:120] or "practitioner"
        slug, n = base, 2
        while slug in self.used_slugs:
            slug, n = f"{base}-{n}", n + 1
        self.used_slugs.add(slug)
        return slug

    def _npi(self) -> str:
        rng = self.rng
        while True:
            first_nine = f"{rng.choice('12')}{rng.randrange(10**8):08d}"
            npi = f"{first_nine}{npi_check_digit(first_nine)}"
            if npi not in self.used_npis:
                self.used_npis.add(npi)
                return npi

    def _practitioner(self, index: int, clinic: dict) -> None:
        rng, writer = self.rng, self.writer
        demo = index == 0
        city: City = clinic["city"]
        profession, _, licence_type, board_kind, prefix = _weighted(
            rng, vocab.PROFESSIONS, _PROFESSION_WEIGHTS
        )
        first = rng.choice(vocab.FIRST_NAMES)
        last = rng.choice(vocab.LAST_NAMES)
        if demo:
            profession, _, licence_type, board_kind, prefix = vocab.PROFESSIONS[3]
            first, last = DEMO_PRACTITIONER_FIRST_NAME, DEMO_PRACTITIONER_LAST_NAME
        practitioner_id = self._new_id(Practitioner)
        self.current_name = f"{first} {last}"
        slug = self._slug(first, last, city.name)
        if demo:
            self.demo_slug = slug
        npi = None
        npi_share = {"physician": 0.95, "nurse_practitioner": 0.9, "physician_assistant": 0.9}
        if rng.random() < npi_share.get(profession, 0.3 if profession == "registered_nurse" else 0):
            npi = self._npi()
        created = self.anchor - timedelta(
            days=rng.randint(400, 1200), seconds=rng.randint(0, 86399)
        )
        # Personal traits that shape the reviews: skill (ratings) and hygiene practice.
        skill = min(4.9, max(2.6, rng.gauss(4.35, 0.45)))
        owner_id = None
        if demo:
            owner_id = None if self.demo_owns_a_profile else self.accounts.practitioner.pk
        elif rng.random() < OWNED_SHARE:
            owner_id = self._new_id(User)
            title = "Dr " if profession == "physician" else ""
            joined = created + timedelta(days=rng.randint(1, 90))
            writer.add(
                "users",
                (
                    owner_id,
                    UNUSABLE_PASSWORD_PREFIX + "demo-practitioner-account",
                    False,
                    False,
                    True,
                    joined,
                    f"{first}.{last}.{owner_id}@{clinic['domain']}".lower(),
                    f"{title}{first} {last}"[:60],
                    joined + timedelta(minutes=5),
                ),
            )
        # Procedures offered.
        menu = vocab.PROCEDURE_MENUS[profession]
        offered = [menu[0]] + [slug_ for slug_ in menu[1:] if rng.random() < 0.45]
        if demo:
            offered = ["microneedling", "rf_microneedling", "prp_microneedling", "chemical_peel"]
        offered = [p for p in offered if p in self.procedures] or list(self.procedures)[:1]
        for procedure in offered:
            writer.add(
                "practitioner_procedures",
                (
                    self._new_id(Practitioner.procedures.through),
                    practitioner_id,
                    self.procedures[procedure],
                ),
            )
        # Attestations, and the badge computed from them by the product's own rule.
        state_boards = vocab.BOARDS.get(city.state) or tuple(
            pattern.format(state=city.state_name) for pattern in vocab.DEFAULT_BOARDS
        )
        authority = state_boards[vocab.BOARD_INDEX[board_kind]]
        badge_input = []
        licence_state = "verified" if demo else _pick(rng, LICENCE_STATES)
        if licence_state != "missing":
            badge_input.append(
                self._licence(practitioner_id, licence_state, authority, licence_type, prefix)
            )
        sterile_state = "verified" if demo else _pick(rng, STERILIZATION_STATES)
        if sterile_state != "missing":
            badge_input.append(self._sterilization(practitioner_id, sterile_state))
        self._other_credentials(practitioner_id, profession)
        badge = compute_badge(badge_input, today=self.today)
        sterile_ok = sterile_state == "verified"
        bio = self._bio(first, last, profession, clinic["name"], city.name, offered)
        writer.add(
            "practitioners",
            (
                practitioner_id,
                first,
                last,
                slug,
                profession,
                npi,
                bio,
                clinic["id"],
                owner_id,
                badge.verified,
                self.now,
                created,
            ),
        )
        # Reviews and everything hanging off them, then the summary they add up to.
        published: list[tuple[int, int, str, date]] = []
        published_complications: list[tuple[int, str, str]] = []
        count = self.review_counts[index]
        seen: set[tuple[int, str, date]] = set()
        for _ in range(count):
            self._review(
                practitioner_id,
                offered,
                skill,
                sterile_ok,
                owner_id,
                seen,
                published,
                published_complications,
            )
        counts = tally(published, published_complications, today=self.today)
        writer.add(
            "summaries",
            (practitioner_id, *(getattr(counts, name) for name in SUMMARY_FIELDS), self.now),
        )

    def _bio(self, first, last, profession, clinic_name, city, offered) -> str:
        rng = self.rng
        label = dict(_PROFESSION_LABELS)[profession]
        title = "Dr " if profession == "physician" else ""
        years = rng.randint(3, 25)
        words = [vocab.PROCEDURE_WORDS[p] for p in offered]
        treatments = (
            " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"
        )
        return " ".join(
            (
                f"{title}{first} {last} is a {label.lower()} at {clinic_name} in {city} with "
                f"{years} years of experience, focusing on {rng.choice(vocab.FOCUS)}.",
                f"Offers {treatments}.",
                rng.choice(vocab.BIO_APPROACH),
                rng.choice(vocab.BIO_TRAINING),
            )
        )

    # --- attestations -------------------------------------------------------------------

    def _attestation_row(self, practitioner_id: int, kind: str, **values) -> Attestation:
        attestation_id = self._new_id(Attestation)
        row = {
            "id": attestation_id,
            "practitioner_id": practitioner_id,
            "kind": kind,
            "number": "",
            "issuing_authority": "",
            "license_type": "",
            "issued_on": None,
            "expires_on": None,
            "standing": "",
            "last_spore_test_on": None,
            "verification_method": "",
            "verification_source": "",
            "verified_at": None,
            "verified_by_id": None,
            "next_check_due": None,
            "decision_reason": "",
            **values,
        }
        self.writer.add(
            "attestations",
            (
                attestation_id,
                practitioner_id,
                kind,
                row["status"],
                row["number"],
                row["issuing_authority"],
                row["license_type"],
                row["issued_on"],
                row["expires_on"],
                row["standing"],
                row["last_spore_test_on"],
                row["verification_method"],
                row["verification_source"],
                row["verified_at"],
                row["verified_by_id"],
                row["next_check_due"],
                row["decision_reason"],
                row["submitted_at"],
            ),
        )
        status = row["status"]
        if status in (
            AttestationStatus.REJECTED,
            AttestationStatus.REVOKED,
            AttestationStatus.EXPIRED,
        ):
            decided = row["decided_at"]
            from_status = (
                AttestationStatus.PENDING
                if status == AttestationStatus.REJECTED
                else AttestationStatus.VERIFIED
            )
            by_staff = status != AttestationStatus.EXPIRED
            self.writer.add(
                "audit",
                (
                    self._new_id(AuditEntry),
                    decided,
                    self.accounts.staff.pk if by_staff else None,
                    "" if by_staff else "expiry job",
                    f"attestation.{status}",
                    self.attestation_ct,
                    attestation_id,
                    f"{_KIND_LABELS[kind]} {row['number']}".strip() + f" — {self.current_name}",
                    from_status,
                    status,
                    "",
                    row["decision_reason"]
                    or f"Expired on {row['expires_on'].isoformat() if row['expires_on'] else ''}",
                ),
            )
        return _as_loaded(row)

    def _decision_times(self, state: str, *, valid_days: int | None):
        """(submitted_at, verified_at, expires_on) that make ``state`` true today."""
        rng, anchor, today = self.rng, self.anchor, self.today
        if state == "pending":
            submitted = anchor - timedelta(days=rng.randint(0, 45), seconds=rng.randint(0, 86399))
            return submitted, None, None
        if state == "rejected":
            submitted = anchor - timedelta(days=rng.randint(8, 400), seconds=rng.randint(0, 86399))
            return submitted, None, None
        if state == "expired":
            verified = today - timedelta(days=(valid_days or 400) + rng.randint(2, 300))
            expires = _valid_until(verified, valid_days) if valid_days else verified
            if not valid_days:  # a licence's own expiry date, somewhere before today
                expires = today - timedelta(days=rng.randint(1, 300))
                verified = expires - timedelta(days=rng.randint(300, 700))
        else:
            verified = today - timedelta(days=rng.randint(1, 330))
            if valid_days:
                expires = _valid_until(verified, valid_days)
            else:
                expires = today + timedelta(days=rng.randint(20, 720))
        verified_at = datetime.combine(verified, time(rng.randint(13, 22)), tzinfo=UTC)
        submitted = verified_at - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 12))
        return submitted, verified_at, expires

    def _licence(self, practitioner_id, state, authority, licence_type, prefix) -> Attestation:
        rng = self.rng
        submitted, verified_at, expires = self._decision_times(state, valid_days=None)
        if expires is None:
            expires = self.today + timedelta(days=rng.randint(60, 720))
        issued = expires - timedelta(days=365 * rng.randint(2, 20))
        number = f"{prefix}{rng.randint(10, 99)}{practitioner_id:06d}"
        by_registry = rng.random() < 0.6
        values = {
            "status": state,
            "number": number,
            "issuing_authority": authority,
            "license_type": licence_type,
            "issued_on": issued,
            "expires_on": expires,
            "standing": Standing.ACTIVE,
            "submitted_at": submitted,
        }
        if verified_at is not None:
            values.update(
                verified_at=verified_at,
                verification_method=(
                    VerificationMethod.REGISTRY if by_registry else VerificationMethod.DOCUMENTS
                ),
                verification_source=(
                    f"{authority} licence roster"
                    if by_registry
                    else "Staff review of submitted documents"
                ),
                verified_by_id=None if by_registry else self.accounts.staff.pk,
                next_check_due=expires,
            )
            if state == "verified" and rng.random() < 0.03:
                # The board reports a suspension: still verified, but not in good standing.
                values["standing"] = Standing.SUSPENDED
        if state == "expired":
            values["decided_at"] = datetime.combine(
                expires + timedelta(days=1), time(3), tzinfo=UTC
            )
        elif state == "rejected":
            values["decided_at"] = submitted + timedelta(days=rng.randint(1, 7))
            values["decision_reason"] = rng.choice(
                (
                    f"The number does not appear on the {authority} roster.",
                    "The name on the licence does not match the profile.",
                    "The document uploaded is illegible; please upload a clear copy.",
                )
            )
        elif state == "revoked":
            values["decided_at"] = min(
                self.anchor, verified_at + timedelta(days=rng.randint(5, 60))
            )
            values["decision_reason"] = (
                f"{authority} reported disciplinary action; verification withdrawn."
            )
        return self._attestation_row(practitioner_id, AttestationKind.LICENSE, **values)

    def _sterilization(self, practitioner_id: int, state: str) -> Attestation:
        rng = self.rng
        submitted, verified_at, expires = self._decision_times(state, valid_days=365)
        spore_test = (verified_at.date() if verified_at else submitted.date()) - timedelta(
            days=rng.randint(1, 30)
        )
        values = {"status": state, "submitted_at": submitted, "last_spore_test_on": spore_test}
        failing = None
        if verified_at is not None:
            values.update(
                verified_at=verified_at,
                expires_on=expires,
                next_check_due=expires,
                verification_method=VerificationMethod.DOCUMENTS,
                verification_source="Staff review of autoclave logs and spore-test reports",
                verified_by_id=self.accounts.staff.pk,
            )
        if state == "expired":
            values["decided_at"] = datetime.combine(
                expires + timedelta(days=1), time(3), tzinfo=UTC
            )
        elif state == "rejected":
            failing = rng.choice(tuple(STERILIZATION_FAILURES))
            values["decided_at"] = submitted + timedelta(days=rng.randint(1, 7))
            values["decision_reason"] = f"{STERILIZATION_FAILURES[failing]}."
        elif state == "revoked":
            values["decided_at"] = min(
                self.anchor, verified_at + timedelta(days=rng.randint(5, 90))
            )
            values["decision_reason"] = "A patient complaint showed cartridges were being reused."
        elif state == "pending" and rng.random() < 0.1:
            failing = rng.choice(tuple(STERILIZATION_FAILURES))
        attestation = self._attestation_row(
            practitioner_id, AttestationKind.STERILIZATION, **values
        )
        for item in SterilizationItem:
            complies = item != failing
            detail = STERILIZATION_DETAILS[item] if complies else STERILIZATION_FAILURES[item]
            if item == SterilizationItem.SPORE_TESTING and complies:
                detail += f"; last pass {spore_test.isoformat()}"
            self.writer.add(
                "sterilization_answers",
                (self._new_id(SterilizationAnswer), attestation.pk, item.value, complies, detail),
            )
        return attestation

    def _other_credentials(self, practitioner_id: int, profession: str) -> None:
        rng = self.rng
        kinds = []
        if profession == "physician" and rng.random() < 0.7:
            kinds.append(
                (AttestationKind.BOARD_CERTIFICATION, rng.choice(vocab.SPECIALTY_BOARDS), 3650)
            )
        prescribers = ("physician", "nurse_practitioner", "physician_assistant")
        if profession in prescribers and rng.random() < 0.5:
            kinds.append((AttestationKind.MALPRACTICE_INSURANCE, rng.choice(vocab.INSURERS), 365))
        if rng.random() < 0.35:
            maker, course = rng.choice(vocab.DEVICE_TRAININGS)
            kinds.append((AttestationKind.DEVICE_TRAINING, f"{maker} — {course}", None))
        for kind, source, valid_days in kinds:
            if valid_days:
                state = _pick(rng, (("verified", 0.8), ("pending", 0.15), ("expired", 0.05)))
            else:  # a training certificate does not lapse
                state = _pick(rng, (("verified", 0.85), ("pending", 0.15)))
            submitted, verified_at, expires = self._decision_times(state, valid_days=valid_days)
            values = {
                "status": state,
                "submitted_at": submitted,
                "issuing_authority": source,
                "number": f"{kind[:2].upper()}-{rng.randint(100000, 999999)}",
                "expires_on": expires if valid_days else None,
            }
            if verified_at is not None:
                values.update(
                    verified_at=verified_at,
                    verification_method=VerificationMethod.DOCUMENTS,
                    verification_source="Staff review of submitted documents",
                    verified_by_id=self.accounts.staff.pk,
                    next_check_due=expires if valid_days else None,
                )
            if state == "expired":
                values["decided_at"] = datetime.combine(
                    expires + timedelta(days=1), time(3), tzinfo=UTC
                )
            self._attestation_row(practitioner_id, kind, **values)

    # --- reviews ------------------------------------------------------------------------

    def _review(
        self,
        practitioner_id: int,
        offered: list[str],
        skill: float,
        sterile_ok: bool,
        owner_id: int | None,
        seen: set,
        published: list,
        published_complications: list,
    ) -> None:
        rng, anchor, writer = self.rng, self.anchor, self.writer
        procedure = rng.choice(offered)
        # When: a treatment day in one of the last 30 months, submitted days to weeks later.
        month_index = bisect.bisect_right(self.month_weights, rng.random() * self.month_weights[-1])
        month = self.months[month_index]
        day_range = self.today.day if month_index == 0 else 28
        treated = month + timedelta(days=rng.randrange(day_range))
        treated_at = datetime.combine(treated, time(rng.randint(9, 18)), tzinfo=UTC)
        submitted = treated_at + timedelta(days=rng.uniform(2, 40))
        if submitted >= anchor:
            submitted = treated_at + (anchor - treated_at) * rng.random()
        invited = rng.random() < 0.06
        # Who: the demo patient writes the first review of the first three profiles.
        author_index = None
        if self.demo_patient_reviews < 3 and not seen:
            author_id = self.accounts.patient.pk
            self.demo_patient_reviews += 1
            forced_status = (ReviewStatus.PUBLISHED, ReviewStatus.PENDING, ReviewStatus.PUBLISHED)[
                self.demo_patient_reviews - 1
            ]
            skin_type = "IV"
            invited = False
        else:
            forced_status = None
            author_index = self._author_for(submitted)
            tries = 0
            # One review per author, practitioner, procedure and month: draw again on a clash,
            # from everyone once the patients who had joined by then are used up.
            while (author_index, procedure, month) in seen:
                tries += 1
                if tries < 20:
                    author_index = self._author_for(submitted)
                else:
                    author_index = rng.randrange(len(self.patient_ids))
            author_id = self.patient_ids[author_index]
            skin_type = self.patient_skin[author_index]
        seen.add((author_index, procedure, month))
        # Status: recent reviews are often still in the queue.
        age_days = (anchor - submitted).days
        if forced_status:
            status = forced_status
        elif age_days < 10 and rng.random() < 0.6:
            status = ReviewStatus.PENDING
        else:
            status = _pick(
                rng,
                (
                    (ReviewStatus.PUBLISHED, 0.935),
                    (ReviewStatus.REJECTED, 0.03),
                    (ReviewStatus.CHANGES_REQUESTED, 0.01),
                    (ReviewStatus.WITHDRAWN, 0.01),
                    (ReviewStatus.HIDDEN, 0.006),
                    (ReviewStatus.PENDING, 0.009),
                ),
            )
        # What was done.
        needling = procedure in NEEDLING
        sessions = rng.choice((1, 1, 2, 3, 3, 3, 4, 5, 6)) if needling else rng.choice((1, 1, 2))
        patch_test = _pick(rng, (("yes", 0.45), ("no", 0.25), ("unknown", 0.30)))
        numbing = (
            _pick(rng, (("yes", 0.75), ("no", 0.15), ("unknown", 0.10))) if needling else "unknown"
        )
        depth = None
        if needling and rng.random() < 0.6:
            depth = Decimal(rng.choice(("0.25", "0.50", "0.75", "1.00", "1.50", "2.00", "2.50")))
        # What happened.
        complications = self._complications(
            procedure, skin_type, patch_test, skill, sterile_ok, month_index
        )
        worst = max((_SEVERITY_RANK[c[1]] for c in complications), default=-1)
        if worst == 2:
            rating = rng.choice((1, 1, 2, 2, 3))
        elif worst == 1:
            rating = rng.choice((2, 3, 3, 4))
        else:
            rating = min(5, max(1, round(rng.gauss(skill - (0.6 if complications else 0), 0.75))))

        def near(value: int) -> int:
            return min(5, max(1, value + rng.choice((-1, 0, 0, 0, 1))))

        infected = any(c[0] == "infection" for c in complications)
        hygiene = rng.choice((1, 2)) if infected else near(rating if sterile_ok else rating - 1)
        worth_it = "yes" if rating >= 4 else ("not_sure" if rating == 3 else "no")
        if rating == 4 and rng.random() < 0.1:
            worth_it = "not_sure"
        title, body, breach = self._text(
            procedure, sessions, rating, complications, patch_test, numbing, status
        )
        review_id = self._new_id(Review)
        # Verified-patient reviews come through a partner's invitation.
        invitation_id = None
        if invited:
            invitation_id = self._new_id(ReviewInvitation)
            invited_at = treated_at + timedelta(hours=rng.randint(2, 48))
            if invited_at >= anchor:
                invited_at = treated_at
            submitted = min(anchor, invited_at + timedelta(hours=rng.randint(1, 400)))
            writer.add(
                "invitations",
                (
                    invitation_id,
                    practitioner_id,
                    self.procedures[procedure],
                    self.patient_emails[author_index],
                    treated,
                    hashlib.sha256(f"demo-{self.seed}-{invitation_id}".encode()).hexdigest(),
                    rng.choice(vocab.PARTNERS),
                    invited_at,
                    invited_at + timedelta(days=30),
                    submitted,
                ),
            )
        decided = min(anchor, submitted + timedelta(hours=rng.uniform(1, 72)))
        published_at = decided if status in (ReviewStatus.PUBLISHED, ReviewStatus.HIDDEN) else None
        has_severe = worst == 2
        writer.add(
            "reviews",
            (
                review_id,
                author_id,
                practitioner_id,
                self.procedures[procedure],
                status,
                month,
                sessions,
                rating,
                near(rating),
                hygiene,
                near(rating),
                near(rating),
                worth_it,
                title,
                body,
                skin_type,
                patch_test,
                numbing,
                depth,
                invitation_id,
                invited,
                has_severe,
                submitted,
                submitted,
                published_at,
            ),
        )
        for kind, severity, onset, treatment, outcome in complications:
            writer.add(
                "complications",
                (self._new_id(Complication), review_id, kind, severity, onset, treatment, outcome),
            )
        if status == ReviewStatus.PUBLISHED:
            published.append((review_id, rating, skin_type, month))
            published_complications.extend((review_id, c[0], c[1]) for c in complications)
            if owner_id and rng.random() < (0.45 if rating <= 3 else 0.25):
                self._response(review_id, owner_id, rating, decided)
            if rng.random() < 0.002:
                self._report(review_id, decided, status=None)
        else:
            self._decision(
                review_id, title, status, breach, author_id, submitted, decided, published_at
            )

    def _complications(self, procedure, skin_type, patch_test, skill, sterile_ok, month_index):
        rng = self.rng
        scale = INTENSITY[procedure] * (1 + max(0.0, 4.4 - skill))
        darker = skin_type in DARKER_SKIN_TYPES
        chances = (
            ("inflammation", 0.05),
            ("pain", 0.035),
            ("hyperpigmentation", 0.07 if darker else 0.015),
            (
                "allergic_reaction",
                0.015
                * (2.0 if patch_test == "no" else 1.0)
                * (0.5 if procedure == "prp_microneedling" else 1.0),
            ),
            ("infection", 0.008 * (1.0 if sterile_ok else 3.0)),
            ("scarring", 0.005),
            ("other", 0.01),
        )
        found = []
        for kind, chance in chances:
            if rng.random() >= chance * scale:
                continue
            severity = _pick(rng, SEVERITY[kind])
            low, high = ONSET_DAYS[kind]
            if kind == "infection" and severity == Severity.SEVERE:
                treatment = _pick(rng, SEVERE_INFECTION_TREATMENT)
            else:
                treatment = _pick(rng, TREATMENT[severity])
            resolved = 0.9
            if severity == Severity.SEVERE:
                resolved -= 0.25
            if kind in ("scarring", "hyperpigmentation"):
                resolved -= 0.25
            if month_index < 2:
                resolved -= 0.2
            outcome = "resolved" if rng.random() < resolved else "ongoing"
            found.append((kind, severity, rng.randint(low, high), treatment, outcome))
        return found

    def _text(self, procedure, sessions, rating, complications, patch_test, numbing, status):
        rng = self.rng
        words = vocab.PROCEDURE_WORDS[procedure]
        plural = "" if sessions == 1 else "s"
        main = max(complications, key=lambda c: _SEVERITY_RANK[c[1]])[0] if complications else None
        if rating >= 4 and not complications:
            title = rng.choice(vocab.TITLES_GOOD)
        elif rating == 3 or (rating >= 4 and complications):
            title = rng.choice(vocab.TITLES_MIXED)
        else:
            title = rng.choice(vocab.TITLES_BAD[main])
        title = title.format(n=sessions, s=plural)
        parts = [
            rng.choice(vocab.OPENINGS).format(
                n=sessions, s=plural, procedure=words, reason=rng.choice(vocab.REASONS)
            )
        ]
        parts.append(rng.choice(vocab.CARE_GOOD if rating >= 3 else vocab.CARE_BAD))
        if numbing == "yes" and rng.random() < 0.5:
            parts.append(rng.choice(vocab.NUMBING))
        if patch_test == "yes" and rng.random() < 0.5:
            parts.append(vocab.PATCH_TEST_YES)
        elif patch_test == "no" and (rating <= 3 or rng.random() < 0.3):
            parts.append(vocab.PATCH_TEST_NO)
        for kind, _, onset, treatment, outcome in complications:
            parts.append(
                rng.choice(vocab.COMPLICATION_SENTENCES[kind]).format(
                    onset=max(onset, 1), os="" if onset == 1 else "s"
                )
            )
            parts.append(vocab.TREATMENT_SENTENCES[treatment])
            parts.append(vocab.OUTCOME_SENTENCES[outcome])
        if rating >= 4:
            parts.append(rng.choice(vocab.RESULTS_GOOD))
            parts.append(rng.choice(vocab.CLOSING_GOOD))
        elif rating == 3:
            parts.append(rng.choice(vocab.RESULTS_MIXED))
        else:
            parts.append(rng.choice(vocab.RESULTS_BAD))
            parts.append(rng.choice(vocab.CLOSING_BAD))
        # Reviews the demo shows as refused carry what broke the policy, and its reason code.
        breach = ""
        if status == ReviewStatus.REJECTED:
            breach = rng.choice(REJECT_REASONS)
        elif status == ReviewStatus.CHANGES_REQUESTED:
            breach = rng.choice(CHANGE_REASONS)
        elif status == ReviewStatus.HIDDEN:
            breach = rng.choice(HIDE_REASONS)
        if breach:
            parts.append(vocab.POLICY_BREACHES[breach])
        return title, " ".join(parts), breach

    def _decision(
        self, review_id, title, status, breach, author_id, submitted, decided, published_at
    ):
        """The audit entry (and report) that explains a review that is not public."""
        if status == ReviewStatus.PENDING:
            return
        rng = self.rng
        staff = self.accounts.staff.pk
        reason, actor, from_status = breach, staff, ReviewStatus.PENDING
        when = decided
        if status == ReviewStatus.WITHDRAWN:
            actor, reason = author_id, ""
            from_status = rng.choice((ReviewStatus.PENDING, ReviewStatus.PUBLISHED))
            when = min(self.anchor, submitted + timedelta(days=rng.randint(1, 30)))
        elif status == ReviewStatus.HIDDEN:
            from_status = ReviewStatus.PUBLISHED
            when = min(self.anchor, published_at + timedelta(days=rng.randint(2, 40)))
            self._report(review_id, published_at, status=when, reason=reason)
        self.writer.add(
            "audit",
            (
                self._new_id(AuditEntry),
                when,
                actor,
                "",
                f"review.{status}",
                self.review_ct,
                review_id,
                title[:200],
                from_status,
                status,
                reason,
                "",
            ),
        )

    def _report(self, review_id, published_at, *, status, reason=None) -> None:
        """A report on a published review: open, or upheld at ``status`` (a datetime)."""
        rng = self.rng
        reporter = self.patient_ids[rng.randrange(len(self.patient_ids))]
        reported_at = min(self.anchor, published_at + timedelta(days=rng.uniform(0.5, 20)))
        if status is not None:
            reported_at = min(reported_at, status)
        self.writer.add(
            "reports",
            (
                self._new_id(ReviewReport),
                review_id,
                reporter,
                reason or rng.choice(("fake", "offensive", "conflict_of_interest")),
                "",
                "upheld" if status is not None else "open",
                reported_at,
                status,
            ),
        )

    def _response(self, review_id, owner_id, rating, published_at) -> None:
        rng = self.rng
        created = published_at + timedelta(days=rng.uniform(0.2, 10))
        if created >= self.anchor:
            return
        status = _pick(
            rng,
            (
                (ResponseStatus.PUBLISHED, 0.9),
                (ResponseStatus.PENDING, 0.08),
                (ResponseStatus.REJECTED, 0.02),
            ),
        )
        decided = min(self.anchor, created + timedelta(hours=rng.uniform(1, 48)))
        body = rng.choice(vocab.RESPONSES_GOOD if rating >= 4 else vocab.RESPONSES_BAD)
        self.writer.add(
            "responses",
            (
                self._new_id(PractitionerResponse),
                review_id,
                owner_id,
                body,
                status,
                created,
                decided if status == ResponseStatus.PUBLISHED else None,
            ),
        )


_PROFESSION_WEIGHTS = _cumulative(p[1] for p in vocab.PROFESSIONS)
_PROFESSION_LABELS = (
    ("esthetician", "Licensed esthetician"),
    ("registered_nurse", "Registered nurse"),
    ("nurse_practitioner", "Nurse practitioner"),
    ("physician", "Physician"),
    ("physician_assistant", "Physician assistant"),
    ("other", "Skin care specialist"),
)
_SEVERITY_RANK = {"mild": 0, "moderate": 1, "severe": 2}
_KIND_LABELS = dict(AttestationKind.choices)
