"""Deterministic, realistic demo data, generated in memory and written in bulk.

``DemoSeeder`` writes patients, then practitioner by practitioner their clinic,
attestations (``credentials.py``), reviews (``reviews.py``) and summary. One seeded
generator drives every choice, and every date is counted from the start of the current
day, so the same seed on the same day writes the same rows. The data
follows what patients actually report: most reviews are positive, complications are
mostly mild and resolve, hyperpigmentation is several times more frequent on Fitzpatrick
skin types IV-VI, infections are rarer still and more frequent where sterilization is not
verified, and severe infections are rare.

Derived columns are computed with the product's own rules rather than re-implemented:
the summary of each practitioner by ``reviews.summaries.tally`` (what ``recount`` uses)
and the Verified badge by ``practitioners.badges.compute_badge``.
"""

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from demo import vocab
from demo.accounts import (
    DEMO_PRACTITIONER_FIRST_NAME,
    DEMO_PRACTITIONER_LAST_NAME,
    DemoAccounts,
    SeedError,
    ensure_demo_accounts,
)
from demo.credentials import CredentialRows
from demo.places import City, us_cities
from demo.randomness import FastRandom, cumulative, pick, weighted
from demo.rates import (
    LICENCE_STATES,
    SKIN_TYPES,
    STERILIZATION_STATES,
)
from demo.reviews import ReviewRows
from demo.tables import SUMMARY_FIELDS, demo_writer
from demo.writer import Writer, bulk_session, next_id, reset_sequences
from kernel.caching import bump_cache_generation_on_commit
from kernel.models import AuditEntry, User
from practitioners.badges import compute_badge
from practitioners.models import (
    Attestation,
    Clinic,
    Practitioner,
    Procedure,
    ProfileClaim,
    SterilizationAnswer,
)
from practitioners.npi import npi_check_digit
from reviews.alerts import ALERT_RULES, ALERT_WINDOW, check_safety_alerts
from reviews.models import (
    Complication,
    PractitionerResponse,
    Review,
    ReviewInvitation,
    ReviewReport,
)
from reviews.summaries import tally

MONTHS_OF_REVIEWS = 30
REVIEWS_PER_PATIENT = 2.3
OWNED_SHARE = 0.15  # practitioners who have claimed their profile (and may respond)
DEMO_PRACTITIONER_MIN_REVIEWS = 15
# Severe infections given to one practitioner so the demo shows a safety alert.
CLUSTER_SIZE = 2

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SeedResult:
    counts: dict[str, int]
    writer: Writer
    accounts: DemoAccounts
    demo_practitioner_slug: str | None


class DemoSeeder(CredentialRows, ReviewRows):
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
        # Ids were assigned here: move PostgreSQL's sequences past them before the ORM
        # inserts anything (the safety alerts and their audit entries).
        reset_sequences(table.model for table in self.writer.tables.values())
        alerts = self._raise_safety_alerts()
        # Rows written without the ORM send no signals: make cached pages stale ourselves.
        bump_cache_generation_on_commit()
        return SeedResult(
            counts={**self.writer.counts(), "safety_alerts": alerts},
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
        self.city_weights = cumulative(c.population for c in self.cities)
        self.review_ct = ContentType.objects.get_for_model(Review).pk
        self.attestation_ct = ContentType.objects.get_for_model(Attestation).pk
        self.report_ct = ContentType.objects.get_for_model(ReviewReport).pk
        self.ids = {
            model: next_id(model)
            for model in (
                User,
                Clinic,
                Practitioner,
                Practitioner.procedures.through,
                ProfileClaim,
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
        # Practitioners with severe complications published within the safety-alert window.
        self.alert_window_start = self.now - ALERT_WINDOW
        self.recent_severe: dict[int, int] = {}
        self.writer = demo_writer()
        # Review months, more recent ones more likely (the site grows).
        this_month = self.today.replace(day=1)
        self.months = []
        month = this_month
        for _ in range(MONTHS_OF_REVIEWS):
            self.months.append(month)
            month = (month - timedelta(days=1)).replace(day=1)
        self.months = tuple(self.months)
        self.month_weights = cumulative(0.97**k for k in range(MONTHS_OF_REVIEWS))
        self.review_counts = self._allocate_reviews()

    def _raise_safety_alerts(self) -> int:
        """Raise the alerts staff would have been shown, with the product's own rule.

        Only practitioners with at least as many recent severe reports as the lowest
        threshold can qualify; ``check_safety_alerts`` decides for each of them.
        """
        lowest = min(rule.threshold for rule in ALERT_RULES)
        candidates = [pk for pk, count in self.recent_severe.items() if count >= lowest]
        return sum(len(check_safety_alerts(practitioner_id=pk)) for pk in candidates)

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
        # The demo practitioner's profile should have something to show, and the second
        # practitioner reviews enough for the safety-alert cluster: taken from the busiest.
        for index, minimum in ((0, DEMO_PRACTITIONER_MIN_REVIEWS), (1, CLUSTER_SIZE + 2)):
            while index < n - 1 and counts[index] < minimum:
                donor = max(range(index + 1, n), key=counts.__getitem__)
                if not counts[donor]:
                    break
                counts[donor] -= 1
                counts[index] += 1
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
            self.patient_skin.append(pick(rng, SKIN_TYPES))
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
        city: City = weighted(rng, self.cities, self.city_weights)
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
        profession, _, licence_type, board_kind, prefix = weighted(
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
        joined = created + timedelta(days=rng.randint(1, 90))
        if demo:
            owner_id = None if self.demo_owns_a_profile else self.accounts.practitioner.pk
        elif rng.random() < OWNED_SHARE:
            owner_id = self._new_id(User)
            title = "Dr " if profession == "physician" else ""
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
        if owner_id is not None:
            # An owner is someone whose claim to the profile staff approved.
            claimed = joined + timedelta(hours=rng.randint(1, 48))
            writer.add(
                "claims",
                (
                    self._new_id(ProfileClaim),
                    practitioner_id,
                    owner_id,
                    "approved",
                    f"I am {first} {last} and I work at {clinic['name']}.",
                    claimed,
                    claimed + timedelta(hours=rng.randint(2, 72)),
                    self.accounts.staff.pk,
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
        licence_state = "verified" if demo else pick(rng, LICENCE_STATES)
        if licence_state != "missing":
            badge_input.append(
                self._licence(practitioner_id, licence_state, authority, licence_type, prefix)
            )
        sterile_state = "verified" if demo else pick(rng, STERILIZATION_STATES)
        if index == 1:  # the practitioner the safety alert is for let theirs lapse
            sterile_state = "expired"
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
                badge.valid_through,
                badge.verified,
                created,
            ),
        )
        # Reviews and everything hanging off them, then the summary they add up to.
        published: list[tuple[int, int, str, date]] = []
        published_complications: list[tuple[int, str, str]] = []
        count = self.review_counts[index]
        # The second practitioner, when they have reviews enough, is one staff are alerted to.
        self.cluster_left = CLUSTER_SIZE if index == 1 and count > CLUSTER_SIZE + 1 else 0
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


_PROFESSION_WEIGHTS = cumulative(p[1] for p in vocab.PROFESSIONS)
_PROFESSION_LABELS = (
    ("esthetician", "Licensed esthetician"),
    ("registered_nurse", "Registered nurse"),
    ("nurse_practitioner", "Nurse practitioner"),
    ("physician", "Physician"),
    ("physician_assistant", "Physician assistant"),
    ("other", "Skin care specialist"),
)
