from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Seeds the demo (``seed_demo``) and prints demo staff codes (``demo_totp``)."""

    name = "demo"
    verbose_name = "Demo data"
