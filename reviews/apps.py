from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        from kernel.scheduling import register_daily_job
        from reviews.tasks import DAILY_JOB

        register_daily_job(DAILY_JOB)

        # What it holds about an account, for export, erasure and the retention purge.
        from accounts.privacy import register_personal_data
        from reviews.personal_data import AuthoredReviews, ResponsesWritten

        register_personal_data(AuthoredReviews())
        register_personal_data(ResponsesWritten())
