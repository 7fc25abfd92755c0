"""The README's quick start, followed as a newcomer follows it, in a fresh clone.

``make run`` installs, seeds and serves the demo with a task worker beside it. A new
patient signs up in Chromium on a phone-sized screen, copies the confirmation link from the
e-mail the worker printed in the terminal, signs in and writes a review. A new practitioner
claims a demo profile; the demo staff account, signed in with the code ``demo_totp`` prints,
approves the claim and verifies the license and sterilization attestation the practitioner
then submits, and the profile shows the Verified badge on the first screen. Every command the
documentation shows is run as written. Ctrl-C stops everything, and neither ``make run``,
``make test`` nor the documented commands leave a file that git would report.

Marker ``quickstart``: it takes a few minutes, so CI runs it once, on its SQLite pass.
"""

import datetime
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser.test_journeys import LICENCE, NEW_PASSWORD, Steps, go, sign_in, sign_up
from tests.quickstart.conftest import ROOT, Served, free_port, session_processes
from tests.repository.doc_commands import LONG_RUNNING, Command, to_run

pytestmark = [pytest.mark.quickstart, pytest.mark.slow]

ARTIFACTS = ROOT / "test-artifacts" / "quickstart"
PHONE = {"width": 390, "height": 844}
COMMAND_SECONDS = 300


@pytest.fixture(scope="module")
def phone_page():
    """Debian's Chromium (never a downloaded browser) on a 390x844 screen."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is not installed (apt-get install chromium)"
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        yield another_phone(browser)
        browser.close()


def another_phone(browser):
    """A page on a phone of its own: its own cookies, so its own person signed in."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    return page


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_make_run_serves_the_demo_and_runs_a_task_worker_beside_it(quickstart: Served):
    with urllib.request.urlopen(f"{quickstart.url}/") as response:  # noqa: S310 — loopback
        assert response.status == 200
        assert "Find a practitioner" in response.read().decode()
    output = quickstart.output()
    assert "Seeded in" in output
    assert "Queued the daily expiry job" in output
    assert "Queued the daily personal-data purge" in output
    assert f"E-mailed links point at {quickstart.url}" in output
    commands = " | ".join(quickstart.processes().values())
    assert f"manage.py runserver 127.0.0.1:{quickstart.port}" in commands
    assert "manage.py db_worker --queue-name *" in commands


def printed_confirmation_link(served: Served, address: str) -> str:
    """The confirmation link of the e-mail the worker printed in the terminal for
    ``address``: whole, on its own line, and pointing at the port being served."""
    served.wait_for_output(rf"To: {re.escape(address)}\n", seconds=60)
    email = served.output().split(f"To: {address}\n", 1)[1].split("-" * 79, 1)[0]
    assert "Subject: Confirm your e-mail address" in email
    link = re.search(r"^(\S+/accounts/verify/\S+)$", email, re.MULTILINE).group(1)
    assert link.startswith(f"{served.url}/accounts/verify/")
    return link


def test_a_new_patient_signs_up_confirms_with_the_printed_link_and_submits_a_review(
    quickstart: Served, phone_page
):
    page = phone_page
    address = f"newcomer-{secrets.token_hex(4)}@example.com"
    password = f"Microneedle-{secrets.token_hex(6)}"

    page.goto(f"{quickstart.url}/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Public display name").fill("Nia from Austin")
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    screenshot(page, "1-sign-up")
    page.get_by_role("button", name="Create account").click()
    assert address in page.content()

    page.goto(printed_confirmation_link(quickstart, address))
    assert "your e-mail address is confirmed" in page.content()
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{quickstart.url}/practitioners/")
    page.get_by_role("heading", level=3).first.get_by_role("link").click()
    practitioner = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name="Write a review").first.click()
    screenshot(page, "2-review-form")
    last_month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).strftime(
        "%Y-%m"
    )
    page.get_by_label("Procedure").select_option(index=1)
    page.get_by_label("Month of treatment").fill(last_month)
    for name in ("rating", "rating_results", "rating_hygiene", "rating_communication"):
        page.locator(f"input[name={name}][value='5']").check()
    page.locator("input[name=rating_aftercare][value='4']").check()
    page.get_by_label("Worth it", exact=True).check()
    page.get_by_label("Title").fill("Clean room and a clear plan")
    page.get_by_label("Your review").fill(
        "The practitioner opened a new sealed cartridge in front of me, did a patch test a "
        "week before and explained the aftercare. Some redness for two days, then fine."
    )
    page.get_by_role("button", name="Send my review for moderation").click()

    page.wait_for_url(re.compile(r"/reviews/\d+/submitted/$"))
    screenshot(page, "3-submitted")
    assert "your review is received" in page.get_by_role("heading", level=1).inner_text()
    assert "Clean room and a clear plan" in page.content()
    assert practitioner.split("\n")[0].strip() in page.content()
    assert page.console_errors == []


def demo_totp(served: Served) -> str:
    """The demo staff account's next code, printed by the command the README shows, run in
    the clone as a newcomer runs it in another terminal."""
    result = subprocess.run(
        ["bash", "-c", "DEBUG=1 .venv/bin/python manage.py demo_totp"],
        cwd=served.clone,
        env=served.env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    code = result.stdout.strip()
    assert re.fullmatch(r"\d{6}", code), result.stdout
    return code


def an_unclaimed_unverified_profile(page) -> str:
    """Open, from the results on screen, the first profile not yet verified that offers
    "Claim this profile", as a practitioner looking for their own would. Its name."""
    cards = page.locator("li.result").filter(has=page.locator(".badge-unverified"))
    for n in range(cards.count()):
        link = cards.nth(n).get_by_role("heading", level=3).get_by_role("link")
        name = link.inner_text().strip()
        go(page, link)
        if page.get_by_role("link", name="Claim this profile").count():
            return name
        page.go_back()
    raise AssertionError("no unclaimed, unverified profile among the results")


def wait_until_the_evidence_is_checked(page, seconds: float = 180) -> None:
    """The worker checks uploads in the background; the verifier reloads until it has."""
    deadline = time.monotonic() + seconds
    while "Being checked" in page.inner_text("main"):
        assert time.monotonic() < deadline, "the evidence was still being checked"
        time.sleep(2)
        page.reload()


def test_a_new_practitioner_claims_a_demo_profile_and_a_demo_verifier_makes_it_verified(
    quickstart: Served, phone_page, tmp_path
):
    from practitioners.tests.uploads import PDF_BYTES, image_bytes

    base = quickstart.url
    page = another_phone(phone_page.context.browser)
    desk = another_phone(phone_page.context.browser)
    step, staff_step = Steps(ARTIFACTS, "practitioner"), Steps(ARTIFACTS, "verifier")
    address = f"owner-{secrets.token_hex(4)}@example.com"
    licence_scan = tmp_path / "licence.pdf"
    licence_scan.write_bytes(PDF_BYTES)
    spore_report = tmp_path / "spore-test.png"
    spore_report.write_bytes(image_bytes("PNG"))

    # A practitioner looks for their profile among all, not only the verified ones.
    page.goto(f"{base}/")
    page.get_by_label("Verified practitioners only").uncheck()
    go(page, page.get_by_role("button", name="Search"))
    step(page, "search")
    name = an_unclaimed_unverified_profile(page)
    step(page, "profile-unclaimed")
    slug = page.url.split("/practitioners/", 1)[1].split("/", 1)[0]
    go(page, page.get_by_role("link", name="Claim this profile"))
    step(page, "asked-to-sign-in")
    go(page, page.get_by_role("main").get_by_role("link", name=re.compile("Create an account")))
    sign_up(page, name, address)
    step(page, "check-your-email")
    page.goto(printed_confirmation_link(quickstart, address))
    if page.get_by_label("Password").count():
        sign_in(page, address, NEW_PASSWORD)
    page.wait_for_url(f"**/dashboard/claim/{slug}/**")
    step(page, "claim-form")
    page.get_by_label("How can we confirm this profile is yours?").fill(
        "My license number is on the state board's register; call the clinic to check."
    )
    go(page, page.get_by_role("button", name="Send my claim"))
    step(page, "claim-sent")
    assert "claim" in page.inner_text("main").lower()

    # The demo staff account signs in with its password and the code `demo_totp` prints.
    desk.goto(f"{base}/verification/claims/")
    sign_in(desk, "staff@demo.example", "staff-demo-password")
    desk.get_by_label("Code").fill(demo_totp(quickstart))
    go(desk, desk.get_by_role("button", name="Continue"))
    desk.wait_for_url(f"{base}/verification/claims/")
    staff_step(desk, "claims")
    go(desk, desk.get_by_role("button", name=re.compile(f"Approve.*{re.escape(address)}")))
    staff_step(desk, "claim-approved")
    assert f"now manages {name}" in desk.inner_text("main")

    # The practitioner submits a license and a sterilization attestation.
    dashboard = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Practitioner dashboard"
    )
    page.reload()
    go(page, dashboard)
    step(page, "dashboard")
    go(page, page.get_by_role("link", name=LICENCE).filter(has_text="Add"))
    page.get_by_label("Number").fill("LIC-448812")
    page.get_by_label("Issued by").fill("Texas Medical Board")
    page.get_by_label(re.compile(r"licen[cs]e type", re.I)).fill("Physician")
    page.get_by_label("Expires on").fill(
        (datetime.date.today() + datetime.timedelta(days=600)).isoformat()
    )
    page.get_by_label("Evidence files").set_input_files(licence_scan)
    step(page, "licence-form")
    go(page, page.get_by_role("button", name="Submit for verification"))
    step(page, "licence-sent")
    assert "submitted" in page.get_by_role("status").inner_text()
    go(page, dashboard)
    go(page, page.get_by_role("link", name="Submit a sterilization attestation"))
    for radio in page.get_by_role("radio", name="Yes").all():
        radio.check()
    page.get_by_label(re.compile("last passed spore")).fill(
        (datetime.date.today() - datetime.timedelta(days=20)).isoformat()
    )
    page.get_by_label("Evidence files").set_input_files(spore_report)
    step(page, "sterilization-form")
    go(page, page.get_by_role("button", name="Submit for verification"))
    step(page, "sterilization-sent")
    assert "submitted" in page.get_by_role("status").inner_text()

    # The verifier finds both in the queue by the practitioner's name and verifies each
    # once the worker has checked its evidence.
    for n in range(2):
        # From the claims page its tab, from an attestation the way back.
        go(
            desk,
            desk.get_by_role("link", name=re.compile("Attestations awaiting|Verification queue")),
        )
        desk.get_by_label("Name or number").fill(name)
        desk.get_by_label("Order").select_option(label="Newest first")
        go(desk, desk.get_by_role("button", name="Filter"))
        staff_step(desk, f"queue-{n}")
        go(desk, desk.locator(".queue a[href*='/verification/attestations/']").first)
        wait_until_the_evidence_is_checked(desk)
        staff_step(desk, f"attestation-{n}")
        go(desk, desk.get_by_role("button", name="Verify", exact=True))
        staff_step(desk, f"verified-{n}")
        assert "Verified: " in desk.get_by_role("status").inner_text()

    # The public profile, opened from the dashboard, shows the badge on the first screen.
    go(page, dashboard)
    go(page, page.get_by_role("main").get_by_role("link", name=name).first)
    step(page, "profile-verified")
    badge = page.locator(".profile-status .badge")
    assert badge.inner_text().strip() == "Verified"
    assert badge.bounding_box()["y"] + badge.bounding_box()["height"] <= PHONE["height"]
    assert page.console_errors == []
    assert desk.console_errors == []


def production_environment(served: Served) -> dict[str, str]:
    """The README's production set-up in the clone: its ``.venv`` activated and the
    production variables set, with a SQLite file standing in for PostgreSQL and no Redis.
    (The SMTP server is the README's example: nothing here sends an e-mail.)"""
    venv = served.clone / ".venv"
    return {
        **served.env,
        "PATH": f"{venv / 'bin'}{os.pathsep}{served.env['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "DATABASE_URL": f"sqlite:///{served.clone / 'var' / 'production.sqlite3'}",
        "EVIDENCE_ROOT": str(served.clone / "var" / "production-evidence"),
        "EMAIL_HOST": "smtp.example.org",
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "2",
    }


def run_until_ready(command: Command, cwd: Path, env: dict[str, str]) -> str | None:
    """Start a command that keeps running, wait until it says it is up, then stop it as
    Ctrl-C would. Returns what went wrong, or None."""
    process = subprocess.Popen(
        ["bash", "-c", command.text],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    ready = re.compile(LONG_RUNNING[command.text])
    deadline = time.monotonic() + COMMAND_SECONDS
    while not any(ready.search(line) for line in list(lines)):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    started = process.poll() is None
    if started:
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return f"did not stop on Ctrl-C:\n{''.join(lines)[-3000:]}"
    reader.join(timeout=5)
    leftovers = session_processes(process.pid)
    if not started:
        return f"exited {process.returncode} before it was up:\n{''.join(lines)[-3000:]}"
    if leftovers:
        return f"left processes running after Ctrl-C: {leftovers}"
    return None


def test_every_command_the_docs_show_works_as_written(quickstart: Served):
    production = production_environment(quickstart)
    migrate = subprocess.run(
        ["bash", "-c", "python manage.py migrate --noinput"],
        cwd=quickstart.clone,
        env=production,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    failures, record = [], []
    for command in to_run(quickstart.clone):  # the clone's own docs
        env = production if command.production else quickstart.env
        started = time.monotonic()
        if command.text in LONG_RUNNING:
            problem = run_until_ready(command, quickstart.clone, env)
        else:
            result = subprocess.run(
                ["bash", "-c", command.text],
                cwd=quickstart.clone,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=COMMAND_SECONDS,
            )
            problem = (
                None
                if result.returncode == 0
                else f"exit status {result.returncode}:\n{(result.stdout + result.stderr)[-3000:]}"
            )
        context = "production" if command.production else "checkout"
        verdict = "ok" if problem is None else "FAILED"
        record.append(
            f"{time.monotonic() - started:6.1f} s  {verdict:6}  {context:10}  "
            f"{command.where}: {command.text}"
        )
        if problem:
            failures.append(f"{command.where}: {command.text}\n{problem}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "doc-commands.txt").write_text("\n".join(record) + "\n")
    assert failures == [], "\n\n".join(failures)


def test_ctrl_c_stops_the_web_server_and_the_worker_and_leaves_nothing_running(
    quickstart: Served,
):
    running = quickstart.processes().values()
    assert any("runserver" in command for command in running)
    assert any("db_worker" in command for command in running)

    quickstart.press_ctrl_c()

    deadline = time.monotonic() + 30
    while quickstart.processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert quickstart.processes() == {}
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        urllib.request.urlopen(f"{quickstart.url}/healthz", timeout=5)  # noqa: S310


def git_status(clone: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout


def test_make_run_make_test_and_make_clean_leave_the_clone_clean(quickstart: Served):
    if quickstart.process.poll() is None:
        quickstart.press_ctrl_c()
    assert git_status(quickstart.clone) == ""

    # A part of the suite that writes what the whole one writes: the test database,
    # pytest's and ruff's caches, bytecode, Hypothesis' examples. (.ci/run checks the same
    # after the whole suite.)
    tests = (
        "directory/tests/test_console_email.py tests/repository "
        "tests/security/test_hostile_input.py::"
        "test_search_and_profile_filters_never_fail_on_hostile_parameters"
    )
    result = subprocess.run(
        ["make", "test", f"PYTEST_ARGS={tests}"],
        cwd=quickstart.clone,
        env=quickstart.env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    assert git_status(quickstart.clone) == ""

    clean = subprocess.run(
        ["make", "clean"], cwd=quickstart.clone, env=quickstart.env, capture_output=True
    )
    assert clean.returncode == 0
    assert not (quickstart.clone / ".venv").exists()
    assert git_status(quickstart.clone) == ""
