from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Directory (accounts and audit record)"

    def ready(self) -> None:
        from directory.caching import connect_signals
        from directory.scheduling import register_daily_job
        from directory.tasks import PURGE_JOB

        connect_signals()
        register_daily_job(PURGE_JOB)
