"""Summaries carry the rating search ranks by (0 below the review threshold), per-skin-type
counts and the day their window next moves; every existing summary is recounted."""

from dataclasses import asdict

from django.db import migrations, models
from django.utils import timezone


def recount_all(apps, schema_editor):
    # The product's own pure counting function, fed from the historical models.
    from reviews.summaries import tally

    Summary = apps.get_model("reviews", "PractitionerSummary")
    Review = apps.get_model("reviews", "Review")
    Complication = apps.get_model("reviews", "Complication")
    today = timezone.localdate()
    for practitioner_id in list(Summary.objects.values_list("practitioner_id", flat=True)):
        reviews = Review.objects.filter(
            practitioner_id=practitioner_id, status="published"
        ).values_list("id", "rating", "skin_type", "treatment_month")
        complications = Complication.objects.filter(
            review__practitioner_id=practitioner_id, review__status="published"
        ).values_list("review_id", "type", "severity")
        counts = tally(list(reviews), list(complications), today=today)
        Summary.objects.filter(pk=practitioner_id).update(**asdict(counts))


class Migration(migrations.Migration):

    dependencies = [
        ('practitioners', '0007_badge_valid_through_and_attested_dates'),
        ('reviews', '0002_summary_search_order_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='practitionersummary',
            name='summary_rating_order_idx',
        ),
        migrations.RemoveIndex(
            model_name='practitionersummary',
            name='summary_reviews_order_idx',
        ),
        migrations.AddField(
            model_name='practitionersummary',
            name='by_skin_type',
            field=models.JSONField(blank=True, default=dict, help_text='Per skin type: reviews, reviews reporting a complication, severe ones, and complications by type (24 months).'),
        ),
        migrations.AddField(
            model_name='practitionersummary',
            name='rank_rating',
            field=models.FloatField(default=0, help_text='The rating search ranks and filters by: the Bayesian rating from the review threshold up, 0 below it (after every rated practitioner).'),
        ),
        migrations.AddField(
            model_name='practitionersummary',
            name='recount_due_on',
            field=models.DateField(blank=True, help_text='The first day a counted review leaves the window.', null=True),
        ),
        migrations.RunPython(recount_all, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='practitionersummary',
            index=models.Index(fields=['-rank_rating', 'practitioner'], name='summary_rank_order_idx'),
        ),
        migrations.AddIndex(
            model_name='practitionersummary',
            index=models.Index(fields=['-review_count', '-rank_rating', 'practitioner'], name='summary_review_count_order_idx'),
        ),
        migrations.AddIndex(
            model_name='practitionersummary',
            index=models.Index(fields=['recount_due_on'], name='summary_recount_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='practitionersummary',
            constraint=models.CheckConstraint(condition=models.Q(('rank_rating', 0), ('review_count__gte', 5), _connector='OR'), name='summary_rating_ranked_from_threshold'),
        ),
    ]
