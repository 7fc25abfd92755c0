"""The console e-mail backend (no SMTP server configured): what the terminal shows must be
what the recipient would read, so a link can be copied from it."""

import io

from django.core.mail import EmailMultiAlternatives

from kernel.mail import ConsoleEmailBackend

LONG_LINK = (
    "http://127.0.0.1:8091/accounts/verify/" + "eyJ1IjoxMiwiZSI6InpvZUBleGFtcGxlLmNvbSJ9" * 4
)


def printed(message: EmailMultiAlternatives) -> str:
    stream = io.StringIO()
    sent = ConsoleEmailBackend(stream=stream).send_messages([message])
    assert sent == 1
    return stream.getvalue()


def test_a_long_link_is_printed_whole_on_one_line_and_accents_as_letters():
    message = EmailMultiAlternatives(
        subject="Confirm your e-mail address, Zoë",
        body=f"Hello Zoë,\n\nPlease open this link:\n\n{LONG_LINK}\n\nThank you.\n",
        from_email="Skin Practitioner Directory <no-reply@localhost>",
        to=["zoe@example.com"],
    )

    output = printed(message)

    assert f"\n{LONG_LINK}\n" in output
    assert "Subject: Confirm your e-mail address, Zoë" in output
    assert "Hello Zoë," in output
    assert "To: zoe@example.com" in output
    # Nothing of the transfer encoding shows: no soft line breaks, no =C3=AB, no =?utf-8?.
    assert "=\n" not in output
    assert "=C3" not in output
    assert "=?utf-8?" not in output
    assert "Content-Transfer-Encoding" not in output


def test_other_parts_are_named_not_dumped():
    message = EmailMultiAlternatives(
        subject="Your data", body="Attached.", to=["pat@example.com"], cc=["staff@example.com"]
    )
    message.attach_alternative("<p>Attached.</p>", "text/html")
    message.attach("reviews.csv", "id,title\n1,Great\n", "text/csv")

    output = printed(message)

    assert "Cc: staff@example.com" in output
    assert "\nAttached.\n" in output
    assert "[text/html version, 17 bytes]" in output  # the part as sent, newline included
    assert "[text/csv attachment reviews.csv, 17 bytes]" in output
    assert "<p>" not in output


def test_each_e_mail_is_set_apart_by_rules():
    first = EmailMultiAlternatives(subject="One", body="First.", to=["a@example.com"])
    second = EmailMultiAlternatives(subject="Two", body="Second.", to=["b@example.com"])
    stream = io.StringIO()

    ConsoleEmailBackend(stream=stream).send_messages([first, second])

    blocks = [block.strip() for block in stream.getvalue().split("-" * 79) if block.strip()]
    assert len(blocks) == 2
    assert "Subject: One" in blocks[0]
    assert blocks[0].endswith("First.")
    assert "Subject: Two" in blocks[1]
    assert blocks[1].endswith("Second.")


def test_the_site_prints_e_mails_with_it_when_no_smtp_server_is_set():
    from directory import settings as site_settings

    assert site_settings.MAILERS["default"]["BACKEND"] == "kernel.mail.ConsoleEmailBackend"
