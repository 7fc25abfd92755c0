"""Attempts logged before ``partners.egress`` kept the exception's own text (``Connection
failed: [Errno 111] …``), which partners read in their delivery log. Replace it with the
error class that text stands for. Classes map to themselves, so this can run again."""

import re

from django.db import migrations

CLASSES = {
    "DNS lookup failed",
    "refused: not a public address",
    "connection refused",
    "network unreachable",
    "timeout",
    "TLS error",
    "connection closed without an answer",
    "invalid HTTP response",
    "delivery error",
}
HTTP_STATUS = re.compile(r"^HTTP \d{3}( \(redirect not followed\))?$")
# (words in the old text, the class they mean), checked in this order.
PATTERNS = [
    (("timed out", "no answer within", "timeout"), "timeout"),
    (("non-public address",), "refused: not a public address"),
    (("refused",), "connection refused"),
    (("name or service not known", "nodename", "getaddrinfo", "name resolution"), "DNS lookup failed"),
    (("ssl", "certificate", "tls"), "TLS error"),
    (("reset", "remote end closed", "broken pipe"), "connection closed without an answer"),
    (("unreachable", "no route"), "network unreachable"),
    (("badstatusline", "remotedisconnected", "http"), "invalid HTTP response"),
]


def error_class(text: str) -> str:
    if not text or text in CLASSES or HTTP_STATUS.match(text):
        return text
    lowered = text.lower()
    for words, name in PATTERNS:
        if any(word in lowered for word in words):
            return name
    return "delivery error"


def forwards(apps, schema_editor):
    WebhookAttempt = apps.get_model("partners", "WebhookAttempt")
    for attempt in WebhookAttempt.objects.exclude(error="").only("id", "error").iterator():
        replacement = error_class(attempt.error)
        if replacement != attempt.error:
            WebhookAttempt.objects.filter(pk=attempt.pk).update(error=replacement)


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_partner_keys_webhooks_idempotency")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
