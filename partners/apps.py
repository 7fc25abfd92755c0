from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner API"

    def ready(self) -> None:
        from partners import key_cache

        key_cache.connect_signals()
