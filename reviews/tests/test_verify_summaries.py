"""verify_summaries: recount every summary from the reviews, report drift, fix it on request."""

import pytest
from django.core.management import CommandError, call_command

from practitioners.tests.factories import PractitionerFactory
from reviews.models import PractitionerSummary
from reviews.services import review_publish
from reviews.summaries import summary_drift
from reviews.tests.factories import ComplicationFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def run(*args):
    call_command("verify_summaries", "--no-progress", *args)


def publish_some(moderator, practitioners):
    for i, practitioner in enumerate(practitioners):
        review = ReviewFactory(practitioner=practitioner, rating=1 + i % 5, skin_type="V")
        ComplicationFactory(review=review, type="hyperpigmentation", severity="moderate")
        review_publish(review_id=review.pk, moderator=moderator)


def test_summaries_kept_by_the_services_show_no_drift_across_several_batches(moderator, capsys):
    practitioners = [PractitionerFactory() for _ in range(5)]
    publish_some(moderator, practitioners)

    run("--batch-size", "2")

    assert "Checked 5 practitioners: no drift." in capsys.readouterr().out


def test_drift_is_reported_field_by_field_and_fails_the_command(moderator, capsys):
    practitioner = PractitionerFactory(slug="dana-cole")
    publish_some(moderator, [practitioner])
    PractitionerSummary.objects.filter(pk=practitioner.pk).update(rating_sum=17, severe_count=2)

    with pytest.raises(CommandError, match="1 of 1 practitioner summaries differ"):
        run()

    out = capsys.readouterr().out
    assert f"Practitioner {practitioner.pk} (dana-cole)" in out
    assert "rating_sum stored 17, recounted 1" in out
    assert "severe_count stored 2, recounted 0" in out


def test_fix_rewrites_drifted_and_missing_summaries(moderator, capsys):
    drifted, missing = PractitionerFactory(), PractitionerFactory()
    publish_some(moderator, [drifted, missing])
    PractitionerSummary.objects.filter(pk=drifted.pk).update(rating_sum=99)
    PractitionerSummary.objects.filter(pk=missing.pk).delete()

    run("--fix")

    out = capsys.readouterr().out
    assert "no summary row" in out
    assert "Fixed 2 of 2 practitioner summaries." in out
    for summary in PractitionerSummary.objects.all():
        assert summary_drift(summary) == {}
    run()
    assert "no drift" in capsys.readouterr().out


def test_a_review_published_directly_without_the_services_shows_up_as_drift(capsys):
    practitioner = PractitionerFactory()
    ReviewFactory(practitioner=practitioner, published=True)
    with pytest.raises(CommandError):
        run()
    assert "published_count stored 0, recounted 1" in capsys.readouterr().out


def test_the_recount_takes_a_constant_number_of_queries_per_batch(
    moderator, django_assert_num_queries
):
    publish_some(moderator, [PractitionerFactory() for _ in range(6)])
    # the count; per batch of 3: ids, summaries, reviews, complications (two batches); and
    # the final, empty batch of ids. Nothing drifted, so nothing else is read.
    with django_assert_num_queries(1 + 2 * 4 + 1):
        run("--batch-size", "3")


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        run("--batch-size", "0")
