from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        from kernel.scheduling import register_daily_job
        from reviews.tasks import DAILY_JOB

        register_daily_job(DAILY_JOB)
