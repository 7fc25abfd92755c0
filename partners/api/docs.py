"""The browsable API reference at /api/docs/: Swagger UI served from our own static files.

Swagger UI starts from a static file (no inline script). It injects one fixed inline
``<style>`` block; that block alone is allowed by its hash, on this page only. The browser
test (tests/api/test_docs_browser.py) fails if an upgrade changes it.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

SWAGGER_UI_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"

DOCS_CSP = {
    **settings.SECURE_CSP,
    "style-src": [*settings.SECURE_CSP.get("style-src", []), SWAGGER_UI_STYLE_HASH],
}


@require_safe
@csp_override(DOCS_CSP)
def api_docs(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/api_docs.html")
