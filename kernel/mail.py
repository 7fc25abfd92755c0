"""The console e-mail backend used when no SMTP server is configured (development, the demo).

Django's own console backend prints the raw MIME message: bodies in quoted-printable, so
a long confirmation link is split with ``=`` at the end of each line and non-ASCII
letters appear as ``=C3=A9``. This one prints what the recipient would read: the headers
decoded, then each text part decoded, so links can be copied and pasted as they are.

Like Django's, it is for development only: ``manage.py check --deploy`` refuses it with
Django's own error for development backends (``mail.E001``), which knows them by name.
"""

from email.message import EmailMessage as MIMEMessage

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.mail import DEFAULT_MAILER_ALIAS
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

RULE = "-" * 79
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date")


def readable_email(message: MIMEMessage) -> str:
    """``message`` as a person reads it: decoded headers, text bodies, attachment names."""
    lines = [f"{name}: {message[name]}" for name in SHOWN_HEADERS if message[name]]
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_type() == "text/plain":
            lines += ["", part.get_content().rstrip("\n")]
        else:
            size = len(part.get_payload(decode=True) or b"")
            what = f"attachment {filename}" if filename else "version"
            lines += ["", f"[{part.get_content_type()} {what}, {size:,} bytes]"]
    return "\n".join(lines)


class ConsoleEmailBackend(DjangoConsoleBackend):
    """Print each e-mail decoded, between two rules, on the console."""

    def write_message(self, message) -> None:
        self.stream.write(f"{RULE}\n{readable_email(message.message())}\n{RULE}\n")


@register(Tags.mail, deploy=True)
def check_console_backend_in_production(app_configs, **kwargs) -> list[Error]:
    """Production with no SMTP server would print password resets instead of sending them."""
    mailer = settings.MAILERS.get(DEFAULT_MAILER_ALIAS, {})
    backend = mailer.get("BACKEND", "")
    if backend != f"{ConsoleEmailBackend.__module__}.{ConsoleEmailBackend.__name__}":
        return []
    return [
        Error(
            f"Your MAILERS setting uses a development-only email backend in the "
            f"'{DEFAULT_MAILER_ALIAS}' entry ({backend}): e-mails are printed, not sent.",
            hint="Set EMAIL_HOST (and its credentials) so e-mail goes through SMTP.",
            id="mail.E001",
        )
    ]
