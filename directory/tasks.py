"""Background tasks shared by every app (Django's tasks framework)."""

from django.core.mail import send_mail
from django.tasks import task


@task(queue_name="email")
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail; the task backend retries nothing, so SMTP errors surface."""
    return send_mail(subject, body, None, to, fail_silently=False)
