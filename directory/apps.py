from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Directory (accounts and audit record)"

    def ready(self) -> None:
        from directory import mail  # noqa: F401 — registers its deploy check
        from directory.caching import connect_signals

        connect_signals()
