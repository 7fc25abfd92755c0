from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "practitioners"

    def ready(self) -> None:
        from kernel.scheduling import register_daily_job
        from practitioners.tasks import DAILY_JOB

        register_daily_job(DAILY_JOB)
