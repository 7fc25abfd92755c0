from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    """Sign-up, sign-in with a second factor for staff, sessions, privacy and security."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported once the app registry is ready: the task module reaches models.
        from accounts.tasks import PURGE_JOB
        from kernel.scheduling import register_daily_job

        register_daily_job(PURGE_JOB)


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by ``StaffAdminSite`` (second factor required)."""

    default = False  # settings name this one in full
    default_site = "accounts.admin_site.StaffAdminSite"
