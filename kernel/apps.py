from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The bottom layer: the user model, the audit record, events and their outbox.

    Its label stays "directory", the app these models were first created in, so existing
    databases keep their tables, migration history and admin addresses.
    """

    name = "kernel"
    label = "directory"
    verbose_name = "Directory (accounts and audit record)"

    def ready(self) -> None:
        # Django's documented place to connect signals and register checks.
        from kernel import mail  # noqa: F401 — registers its deploy check
        from kernel.caching import connect_signals
        from kernel.scheduling import register_daily_job
        from kernel.tasks import OUTBOX_SWEEP_JOB

        connect_signals()
        register_daily_job(OUTBOX_SWEEP_JOB)
