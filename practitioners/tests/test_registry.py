"""``import_license_registry``: good, mismatched and malformed rosters, idempotence, scale."""

import datetime
import io
import time

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from kernel.models import AuditEntry
from practitioners.badges import refresh_badge
from practitioners.models import Attestation, Practitioner
from practitioners.tests.factories import AttestationFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

AUTHORITY = "Texas Board of Nursing"
HEADER = "license_number,first_name,last_name,license_type,status,issue_date,expiration_date\n"
TODAY = timezone.localdate()
FUTURE = (TODAY + datetime.timedelta(days=500)).isoformat()
PAST = (TODAY - datetime.timedelta(days=2)).isoformat()


def roster(tmp_path, *rows: str, header: str = HEADER, name: str = "roster.csv"):
    path = tmp_path / name
    path.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def run(path, authority: str = AUTHORITY, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "import_license_registry",
        str(path),
        "--authority",
        authority,
        *extra,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


@pytest.fixture
def jane():
    practitioner = PractitionerFactory(first_name="José", last_name="García-Lopez")
    return AttestationFactory(
        practitioner=practitioner, number="RN100", issuing_authority=AUTHORITY, license_type=""
    )


def test_a_matching_licence_is_verified_from_the_registry_and_recorded(tmp_path, jane):
    path = roster(tmp_path, f"RN100,jose,GARCIA LOPEZ,Registered Nurse,ACTIVE,2019-04-01,{FUTURE}")
    output = run(path, "texas board of nursing")
    jane.refresh_from_db()
    assert jane.status == "verified"
    assert jane.verification_method == "registry"
    assert jane.verification_source == "Texas Board of Nursing licence registry"
    assert (jane.issued_on, jane.expires_on) == (
        datetime.date(2019, 4, 1),
        datetime.date.fromisoformat(FUTURE),
    )
    assert jane.next_check_due == jane.expires_on
    assert jane.license_type == "Registered Nurse"
    [entry] = AuditEntry.objects.for_object(jane)
    assert (entry.action, entry.who) == ("attestation.verified", f"licence registry: {AUTHORITY}")
    assert "1 verified" in output


def test_re_importing_the_same_file_changes_and_records_nothing(tmp_path, jane):
    path = roster(tmp_path, f"RN100,José,García-Lopez,RN,active,2019-04-01,{FUTURE}")
    run(path)
    before = Attestation.objects.values().get(pk=jane.pk)
    entries = AuditEntry.objects.count()
    output = run(path)
    assert Attestation.objects.values().get(pk=jane.pk) == before
    assert AuditEntry.objects.count() == entries
    assert "0 verified, 0 updated, 0 lapsed, 0 rejected, 1 unchanged" in output


def test_a_name_mismatch_is_reported_with_its_line_and_not_applied(tmp_path, jane):
    path = roster(
        tmp_path,
        "RN999,Someone,Else,RN,active,2019-04-01," + FUTURE,
        f"RN100,Joanna,García-Lopez,RN,active,2019-04-01,{FUTURE}",
    )
    output = run(path)
    assert "line 3: licence RN100: the registry names Joanna García-Lopez" in output
    assert "line 2: no licence RN999 on file" in output
    assert Attestation.objects.get(pk=jane.pk).status == "pending"
    assert not AuditEntry.objects.exists()


def test_a_malformed_file_changes_nothing_and_lists_every_bad_line(tmp_path, jane):
    other = AttestationFactory(
        practitioner=PractitionerFactory(first_name="Ann", last_name="Bee"),
        number="RN200",
        issuing_authority=AUTHORITY,
    )
    path = roster(
        tmp_path,
        f"RN200,Ann,Bee,RN,active,2019-04-01,{FUTURE}",  # good, yet not applied
        "RN100,José,García-Lopez,RN,on hold,2019-04-01,2030-01-01",
        "RN300,Cy,Dee,RN,active,01/02/2019,2030-02-30",
        "RN400,Too,Few,RN,active",
        "RN500,Ed,Eff,RN,active,2025-01-01,2024-01-01",
        f"RN200,Ann,Bee,RN,active,2019-04-01,{FUTURE}",
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="5 malformed row"):
        call_command("import_license_registry", str(path), "--authority", AUTHORITY, stdout=out)
    report = out.getvalue()
    assert "line 3: status “on hold” is not one of active, expired, suspended, revoked" in report
    assert "line 4: issue_date “01/02/2019” is not an ISO date" in report
    assert "expiration_date “2030-02-30” is not a real date" in report
    assert "line 5: has 5 fields; the header has 7" in report
    assert "line 6: expiration_date is before issue_date" in report
    assert "line 7: licence RN200 is listed again (line 2)" in report
    assert Attestation.objects.filter(status="pending").count() == 2
    assert Attestation.objects.get(pk=other.pk).status == "pending"
    assert not AuditEntry.objects.exists()


def test_a_file_without_the_required_columns_is_refused(tmp_path, jane):
    path = roster(tmp_path, "RN100,José", header="license_number,first_name\n")
    with pytest.raises(CommandError, match="lacks the columns last_name, license_type"):
        run(path)
    assert not AuditEntry.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(tmp_path, jane):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        HEADER.encode()
        + f"RN100,Jos\xe9,Garc\xeda-Lopez,RN,active,2019-04-01,{FUTURE}\n".encode("latin-1")
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="malformed"):
        call_command("import_license_registry", str(path), "--authority", AUTHORITY, stdout=out)
    assert "line 2: is not valid UTF-8" in out.getvalue()
    assert Attestation.objects.get(pk=jane.pk).status == "pending"


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot open"):
        run(tmp_path / "nope.csv")


def test_a_verified_licence_suspended_by_the_board_loses_its_verification(
    tmp_path, django_capture_on_commit_callbacks
):
    owner_practitioner = PractitionerFactory(first_name="Ann", last_name="Bee")
    licence = AttestationFactory(
        practitioner=owner_practitioner, number="RN200", issuing_authority=AUTHORITY, verified=True
    )
    AttestationFactory(practitioner=owner_practitioner, verified=True, sterilization=True)
    refresh_badge(owner_practitioner.pk)
    assert Practitioner.objects.get(pk=owner_practitioner.pk).is_verified
    path = roster(tmp_path, f"RN200,Ann,Bee,RN,Suspended,2019-04-01,{FUTURE}")
    run(path)
    licence.refresh_from_db()
    assert (licence.status, licence.standing) == ("revoked", "suspended")
    actions = [e.action for e in AuditEntry.objects.for_object(licence)]
    assert actions == ["attestation.registry_updated", "attestation.revoked"]
    assert not Practitioner.objects.get(pk=owner_practitioner.pk).is_verified
    entries = AuditEntry.objects.count()
    run(path)
    assert AuditEntry.objects.count() == entries


def test_a_verified_licence_gets_the_registrys_new_expiry_date_once(tmp_path):
    licence = AttestationFactory(
        practitioner=PractitionerFactory(first_name="Ann", last_name="Bee"),
        number="RN200",
        issuing_authority=AUTHORITY,
        verified=True,
        expiry_warning_sent_on=TODAY,
    )
    path = roster(tmp_path, f"RN200,Ann,Bee,RN,active,2019-04-01,{FUTURE}")
    run(path)
    licence.refresh_from_db()
    assert licence.status == "verified"
    assert licence.expires_on == datetime.date.fromisoformat(FUTURE)
    assert licence.expiry_warning_sent_on is None  # a new date deserves a new reminder
    [entry] = AuditEntry.objects.for_object(licence)
    assert entry.action == "attestation.registry_updated"
    assert entry.data["after"]["expires_on"] == FUTURE
    run(path)
    assert AuditEntry.objects.count() == 1


def test_a_pending_licence_the_registry_shows_expired_is_rejected_with_the_reason(
    tmp_path, django_capture_on_commit_callbacks
):
    owner = PractitionerFactory(first_name="Ann", last_name="Bee")
    from directory.tests.factories import UserFactory

    owner.owner = UserFactory()
    owner.save()
    licence = AttestationFactory(practitioner=owner, number="RN200", issuing_authority=AUTHORITY)
    with django_capture_on_commit_callbacks(execute=True):
        run(roster(tmp_path, f"RN200,Ann,Bee,RN,active,2015-01-01,{PAST}"))
    licence.refresh_from_db()
    assert licence.status == "rejected"
    assert f"expired on {PAST}" in licence.decision_reason
    assert f"expired on {PAST}" in mail.outbox[0].body


def test_a_dry_run_reports_but_changes_nothing(tmp_path, jane):
    path = roster(tmp_path, f"RN100,José,García-Lopez,RN,active,2019-04-01,{FUTURE}")
    output = run(path, AUTHORITY, "--dry-run")
    assert "dry run" in output
    assert "1 verified" in output
    assert Attestation.objects.get(pk=jane.pk).status == "pending"
    assert not AuditEntry.objects.exists()


def test_our_licences_the_registry_does_not_list_are_reported(tmp_path, jane):
    output = run(roster(tmp_path, f"RN999,A,B,RN,active,2019-04-01,{FUTURE}"))
    assert "the registry does not list (1)" in output
    assert "licence RN100 of José García-Lopez (pending review)" in output


def test_a_licence_from_another_authority_is_never_matched(tmp_path, jane):
    output = run(
        roster(tmp_path, f"RN100,José,García-Lopez,RN,active,2019-04-01,{FUTURE}"),
        "Texas Medical Board",
    )
    assert "line 2: no licence RN100 on file" in output
    assert Attestation.objects.get(pk=jane.pk).status == "pending"


@pytest.mark.slow
def test_a_roster_of_100k_rows_is_streamed_and_applied(tmp_path, jane):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for n in range(100_000):
            handle.write(f"X{n},First{n},Last{n},RN,active,2019-01-01,{FUTURE}\n")
        handle.write(f"RN100,José,García-Lopez,RN,active,2019-04-01,{FUTURE}\n")
    started = time.monotonic()
    output = run(path, AUTHORITY, "--list-limit", "3")
    assert time.monotonic() - started < 120
    assert Attestation.objects.get(pk=jane.pk).status == "verified"
    assert "Imported 100001 rows" in output
    assert "… and 99997 more" in output


def test_a_verified_licence_the_registry_shows_expired_by_date_expires_at_once(tmp_path):
    licence = AttestationFactory(
        practitioner=PractitionerFactory(first_name="Ann", last_name="Bee"),
        number="RN200",
        issuing_authority=AUTHORITY,
        verified=True,
    )
    run(roster(tmp_path, f"RN200,Ann,Bee,RN,active,2015-01-01,{PAST}"))
    licence.refresh_from_db()
    assert (licence.status, licence.expires_on.isoformat()) == ("expired", PAST)
    actions = [e.action for e in AuditEntry.objects.for_object(licence)]
    assert actions == ["attestation.registry_updated", "attestation.expired"]


# --- Hostile rosters -----------------------------------------------------------------------


def run_capturing(path, authority: str = AUTHORITY) -> tuple[str, str]:
    """Run the import as an operator would; return (stdout, the CommandError's text)."""
    out = io.StringIO()
    try:
        call_command(
            "import_license_registry",
            str(path),
            "--authority",
            authority,
            stdout=out,
            stderr=io.StringIO(),
        )
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), ""


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('"=HYPERLINK(""https://evil.example"",""Verify"")"', "(it starts with =)"),
        ("=1+2", "(it starts with =)"),
        ("+SUM(A1:A9)", "(it starts with +)"),
        ("-2+3", "(it starts with -)"),
        ("@SUM(A1)", "(it starts with @)"),
        ('"\t=cmd"', "(it starts with a tab)"),
        ('"\r=cmd"', "(it starts with a carriage return)"),
        ("  =1+1", "(it starts with =)"),
    ],
)
def test_a_formula_looking_licence_type_is_refused_with_its_line_and_nothing_is_stored(
    tmp_path, jane, cell, shown
):
    path = roster(
        tmp_path,
        f"RN100,José,García-Lopez,{cell},active,2019-04-01,{FUTURE}",
    )

    output, error = run_capturing(path)

    assert "1 malformed row(s)" in error
    assert "line 2: license_type “" in output
    assert f"looks like a spreadsheet formula {shown}; registry values never do" in output
    jane.refresh_from_db()
    assert (jane.status, jane.license_type) == ("pending", "")
    assert not AuditEntry.objects.exists()


def test_every_column_is_checked_for_formulas_and_the_whole_file_is_reported(tmp_path, jane):
    path = roster(
        tmp_path,
        f"RN100,José,García-Lopez,RN,active,2019-04-01,{FUTURE}",  # good, yet not applied
        f"=RN7,Ann,Bee,RN,active,2019-04-01,{FUTURE}",
        f"RN8,@Ann,Bee,RN,active,2019-04-01,{FUTURE}",
        f"RN9,Ann,+Bee,RN,active,2019-04-01,{FUTURE}",
    )

    output, error = run_capturing(path)

    assert "3 malformed row(s)" in error
    assert "line 3: license_number “=RN7” looks like a spreadsheet formula" in output
    assert "line 4: first_name “@Ann” looks like a spreadsheet formula" in output
    assert "line 5: last_name “+Bee” looks like a spreadsheet formula" in output
    assert Attestation.objects.get(pk=jane.pk).status == "pending"


def test_control_characters_from_the_file_reach_the_terminal_only_as_escapes(tmp_path, jane):
    clear_screen = "\x1b[2J\x1b]0;pwned\x07"
    path = roster(
        tmp_path,
        f"RN100,José,García-Lopez,RN,{clear_screen}active,2019-04-01,{FUTURE}",
        f"RN200,Ann\u202eeB,Bee,RN,active,2019-04-01,{FUTURE}",
    )

    output, error = run_capturing(path)

    everything = output + error
    assert "\x1b" not in everything
    assert "\x07" not in everything
    assert "\u202e" not in everything
    assert "line 2: status “\\x1b[2J\\x1b]0;pwned\\x07active” contains a control character" in (
        output
    )
    assert "line 3: first_name “Ann\\u202eeB” contains a control character" in output
    assert Attestation.objects.get(pk=jane.pk).status == "pending"


def test_names_on_file_are_escaped_when_the_report_quotes_them(tmp_path, jane):
    practitioner = jane.practitioner
    practitioner.last_name = "García-Lopez\x1b[31m"
    practitioner.save(update_fields=["last_name"])
    path = roster(tmp_path, f"RN100,José,Other,RN,active,2019-04-01,{FUTURE}")

    output, error = run_capturing(path)

    assert error == ""
    assert "\x1b" not in output
    assert "the profile José García-Lopez\\x1b[31m" in output


def test_a_long_hostile_cell_is_quoted_shortened():
    from practitioners.registry import _cell_problem

    problem = _cell_problem("license_type", "=" + "A" * 5000)

    assert problem is not None
    assert len(problem) < 150
    assert "“=AAAA" in problem
    assert "…”" in problem


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("plain José Ñ 名前", "plain José Ñ 名前"),
        ("tab\tnewline\n", "tab\\tnewline\\n"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\x9b31m", "\\x9b31m"),  # the one-byte C1 escape
        ("\u2028", "\\u2028"),
        ("a\u202eb", "a\\u202eb"),
    ],
)
def test_terminal_safe_escapes_only_what_a_terminal_would_act_on(text, printed):
    from practitioners.registry import terminal_safe

    assert terminal_safe(text) == printed
