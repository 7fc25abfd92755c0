from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Directory (accounts and audit record)"

    def ready(self) -> None:
        from directory import mail  # noqa: F401 — registers its deploy check
        from directory.caching import connect_signals
        from directory.scheduling import register_daily_job
        from directory.tasks import OUTBOX_SWEEP_JOB, PURGE_JOB

        connect_signals()
        register_daily_job(PURGE_JOB)
        register_daily_job(OUTBOX_SWEEP_JOB)


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by ``StaffAdminSite`` (second factor required)."""

    default = False  # "directory" is DirectoryConfig; settings name this one in full
    default_site = "directory.admin_site.StaffAdminSite"
