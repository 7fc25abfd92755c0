from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site itself: settings, URLs, site-wide pages, static files, ``devserver``.

    Labelled "site" because the label "directory" belongs to the kernel (kernel/apps.py).
    """

    name = "directory"
    label = "site"
    verbose_name = "Site"
