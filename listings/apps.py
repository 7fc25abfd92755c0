from django.apps import AppConfig


class ListingsConfig(AppConfig):
    """Read models over both domains: search, the profile page, cards, transparency."""

    name = "listings"
    verbose_name = "Listings"
