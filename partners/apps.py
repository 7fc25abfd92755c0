from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner API"

    def ready(self) -> None:
        # Django's documented place to connect signals; both modules import models.
        from partners import events, key_cache

        key_cache.connect_signals()
        events.connect()  # webhooks for the domain events partners can subscribe to
