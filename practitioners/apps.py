from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "practitioners"

    def ready(self) -> None:
        from kernel.scheduling import register_daily_job
        from practitioners.tasks import DAILY_JOB

        register_daily_job(DAILY_JOB)

        # What it holds about an account, for export, erasure and the retention purge.
        from accounts.privacy import register_personal_data
        from practitioners.personal_data import ProfileClaims

        register_personal_data(ProfileClaims())
