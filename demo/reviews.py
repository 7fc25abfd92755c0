"""Reviews for demo practitioners, with their complications, text, moderation decisions,
reports and practitioner responses."""

import bisect
import functools
import hashlib
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from demo import vocab
from demo.randomness import pick
from demo.rates import (
    CHANGE_REASONS,
    HIDE_REASONS,
    INTENSITY,
    NEEDLING,
    ONSET_DAYS,
    REJECT_REASONS,
    SEVERE_INFECTION_TREATMENT,
    SEVERITY,
    TREATMENT,
)
from kernel.models import AuditEntry
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
from reviews.policy import APPROVAL_REASON

_SEVERITY_RANK = {"mild": 0, "moderate": 1, "severe": 2}


class ReviewRows:
    """Review rows, mixed into ``DemoSeeder`` (uses its ``rng``, ``writer``, patients, ids)."""

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
        demo_patient = self.demo_patient_reviews < 3 and not seen
        # The practitioner the safety alert is for: severe infections treated last month.
        cluster = self.cluster_left > 0 and not demo_patient
        # When: a treatment day in one of the last 30 months, submitted days to weeks later.
        month_index = bisect.bisect_right(self.month_weights, rng.random() * self.month_weights[-1])
        if cluster:
            month_index = 1
        month = self.months[month_index]
        day_range = self.today.day if month_index == 0 else 28
        treated = month + timedelta(days=rng.randrange(day_range))
        treated_at = datetime.combine(treated, time(rng.randint(9, 18)), tzinfo=UTC)
        submitted = treated_at + timedelta(days=rng.uniform(2, 40))
        if submitted >= anchor:
            submitted = treated_at + (anchor - treated_at) * rng.random()
        invited = rng.random() < 0.06 and not cluster
        # Who: the demo patient writes the first review of the first three profiles.
        author_index = None
        if demo_patient:
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
        elif cluster:
            status = ReviewStatus.PUBLISHED
        elif age_days < 10 and rng.random() < 0.6:
            status = ReviewStatus.PENDING
        else:
            status = pick(
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
        patch_test = pick(rng, (("yes", 0.45), ("no", 0.25), ("unknown", 0.30)))
        numbing = (
            pick(rng, (("yes", 0.75), ("no", 0.15), ("unknown", 0.10))) if needling else "unknown"
        )
        depth = None
        if needling and rng.random() < 0.6:
            depth = Decimal(rng.choice(("0.25", "0.50", "0.75", "1.00", "1.50", "2.00", "2.50")))
        # What happened.
        complications = self._complications(
            procedure, skin_type, patch_test, skill, sterile_ok, month_index
        )
        if cluster:
            self.cluster_left -= 1
            outcome = "ongoing" if self.cluster_left else "resolved"
            complications = [
                ("infection", Severity.SEVERE, rng.randint(2, 5), "emergency", outcome)
            ]
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
            if has_severe and decided >= self.alert_window_start:
                self.recent_severe[practitioner_id] = self.recent_severe.get(practitioner_id, 0) + 1
            if owner_id and rng.random() < (0.45 if rating <= 3 else 0.25):
                self._response(review_id, owner_id, rating, decided)
            if rng.random() < 0.002:
                self._report(review_id, decided, status=None)
        self._history(review_id, title, status, breach, author_id, submitted, decided, published_at)

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
            severity = pick(rng, SEVERITY[kind])
            low, high = ONSET_DAYS[kind]
            if kind == "infection" and severity == Severity.SEVERE:
                treatment = pick(rng, SEVERE_INFECTION_TREATMENT)
            else:
                treatment = pick(rng, TREATMENT[severity])
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

    def _audit(
        self,
        when,
        actor,
        action,
        from_status,
        to_status,
        *,
        object_ct,
        object_id,
        title,
        reason="",
        note="",
    ):
        self.writer.add(
            "audit",
            (
                self._new_id(AuditEntry),
                when,
                actor,
                "",
                action,
                object_ct,
                object_id,
                title[:200],
                from_status,
                to_status,
                reason,
                note,
            ),
        )

    def _history(
        self, review_id, title, status, breach, author_id, submitted, decided, published_at
    ):
        """The audit entries of a review's life, as the services write them: submitted, then
        published or refused, and what happened after (a report upheld, a withdrawal)."""
        rng = self.rng
        staff = self.accounts.staff.pk
        audit = functools.partial(
            self._audit, object_ct=self.review_ct, object_id=review_id, title=title
        )
        audit(submitted, author_id, "review.submitted", "", ReviewStatus.PENDING)
        if status == ReviewStatus.PENDING:
            return
        if status == ReviewStatus.WITHDRAWN:
            from_status = rng.choice((ReviewStatus.PENDING, ReviewStatus.PUBLISHED))
            if from_status == ReviewStatus.PUBLISHED:
                audit(
                    decided,
                    staff,
                    "review.published",
                    ReviewStatus.PENDING,
                    ReviewStatus.PUBLISHED,
                    reason=APPROVAL_REASON,
                )
            when = max(decided, min(self.anchor, submitted + timedelta(days=rng.randint(1, 30))))
            audit(when, author_id, "review.withdrawn", from_status, status)
            return
        if status in (ReviewStatus.PUBLISHED, ReviewStatus.HIDDEN):
            audit(
                published_at,
                staff,
                "review.published",
                ReviewStatus.PENDING,
                ReviewStatus.PUBLISHED,
                reason=APPROVAL_REASON,
            )
        if status == ReviewStatus.PUBLISHED:
            return
        if status == ReviewStatus.HIDDEN:
            when = min(self.anchor, published_at + timedelta(days=rng.randint(2, 40)))
            report_id = self._report(review_id, published_at, status=when, reason=breach)
            audit(when, staff, "review.hidden", ReviewStatus.PUBLISHED, status, reason=breach)
            self._audit(
                when,
                staff,
                "report.upheld",
                "open",
                "upheld",
                object_ct=self.report_ct,
                object_id=report_id,
                title=f"Report on review {review_id}",
                reason=breach,
            )
            return
        audit(decided, staff, f"review.{status}", ReviewStatus.PENDING, status, reason=breach)

    def _report(self, review_id, published_at, *, status, reason=None) -> int:
        """A report on a published review: open, or upheld at ``status`` (a datetime)."""
        rng = self.rng
        reporter = self.patient_ids[rng.randrange(len(self.patient_ids))]
        reported_at = min(self.anchor, published_at + timedelta(days=rng.uniform(0.5, 20)))
        if status is not None:
            reported_at = min(reported_at, status)
        report_id = self._new_id(ReviewReport)
        self.writer.add(
            "reports",
            (
                report_id,
                review_id,
                reporter,
                reason or rng.choice(("fake", "offensive", "conflict_of_interest")),
                "",
                "upheld" if status is not None else "open",
                reported_at,
                status,
            ),
        )
        return report_id

    def _response(self, review_id, owner_id, rating, published_at) -> None:
        rng = self.rng
        created = published_at + timedelta(days=rng.uniform(0.2, 10))
        if created >= self.anchor:
            return
        status = pick(
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
