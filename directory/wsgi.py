"""WSGI entry point: `gunicorn directory.wsgi` (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")

application = get_wsgi_application()

# Build the offline place indexes before taking requests: gunicorn preloads this module in
# its master, so every worker forks with them ready. Built lazily instead, the first
# `near=` searches of each worker waited seconds and timed out under load (make loadcheck).
from listings.geo import warm  # noqa: E402

warm()
