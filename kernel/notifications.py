"""E-mail to users, always queued on commit: nothing is sent for a rolled-back decision.

The worker sends it (``kernel.tasks.send_email``). Queueing happens after the decision
has committed, so a queue that refuses the task (Redis down) is logged, never turned into
an error for the person who made the decision.
"""

import logging

from django.db import transaction
from django.template.loader import render_to_string

from kernel.tasks import send_email

logger = logging.getLogger(__name__)


def email_user(*, to: str, subject: str, template: str, context: dict) -> None:
    """Render a plain-text template now and enqueue the e-mail once the transaction commits."""
    body = render_to_string(template, context)
    subject = subject.strip()

    def enqueue() -> None:
        try:
            send_email.enqueue(to=[to], subject=subject, body=body)
        except Exception:
            # The address stays out of the log: only what the e-mail was about.
            logger.exception("Could not queue the e-mail %r", subject)

    transaction.on_commit(enqueue, robust=True)
