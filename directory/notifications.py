"""E-mail to users, always queued on commit: nothing is sent for a rolled-back decision."""

from functools import partial

from django.db import transaction
from django.template.loader import render_to_string

from directory.tasks import send_email


def email_user(*, to: str, subject: str, template: str, context: dict) -> None:
    """Render a plain-text template now and enqueue the e-mail once the transaction commits."""
    body = render_to_string(template, context)
    transaction.on_commit(partial(send_email.enqueue, to=[to], subject=subject.strip(), body=body))
