"""A bounded load run on loopback: search and review submission together, then a recount.

    DATABASE_URL=postgres://… [REDIS_URL=redis://…] python tests/load/loadcheck.py \
        --seconds 60 --connections 64

It migrates the database it is given (SQLite in a temporary directory when DATABASE_URL
is unset), seeds a small directory when it is empty, creates verified patients with
signed-in sessions, and starts gunicorn with production settings on a free loopback port.
Then half the connections search (the HTML search page with varied filters) and half
submit reviews through the real form (GET the form, POST it with its CSRF token), while a
moderator thread publishes submitted reviews through the review service — so summaries
change under load. Afterwards every practitioner's stored summary must equal a recount
(``reviews.summaries.summary_drift``) and no request may have failed. Exits 1 otherwise.
"""

import argparse
import http.client
import itertools
import os
import queue
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEARCHES = [
    {},
    {"q": "clinic"},
    {"verified": "1"},
    {"procedure": "microneedling", "sort": "rating"},
    {"near": "Austin", "radius_km": "50"},
    {"min_rating": "4", "sort": "reviews"},
    {"skin_type": "V", "no_severe": "1"},
    {"exclude_complication": ["infection", "scarring"]},
    {"profession": "physician", "page": "2"},
    {"lat": "40.71", "lng": "-74.0", "sort": "distance"},
]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "BENCH_FLOOR"}}
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'load.sqlite3'}")
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        STATIC_MANIFEST="0",
        TASKS_BACKEND="database",
        EVIDENCE_ROOT=str(workdir / "evidence"),
        LOG_LEVEL="WARNING",
    )
    return env


def prepare_database(env: dict[str, str], args: argparse.Namespace) -> None:
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], **run)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "seed_demo",
            "--if-empty",
            "--practitioners",
            str(args.practitioners),
            "--reviews",
            str(args.practitioners * 10),
            "--seed",
            "7",
            "-v",
            "0",
        ],
        **run,
    )


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "directory.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create_patients(count: int) -> list[tuple[int, str]]:
    """Verified patients with a signed-in session each: (user id, session key)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from kernel.models import User

    run = secrets.token_hex(3)
    users = User.objects.bulk_create(
        [
            User(
                email=f"load-{run}-{n}@example.com",
                display_name=f"Load patient {n}",
                password="!unusable",
                email_verified_at=timezone.now(),
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    users = list(User.objects.filter(email__startswith=f"load-{run}-").order_by("pk"))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append((user.pk, session.session_key))
    return sessions


def submission_plan(sessions: list[tuple[int, str]], per_patient: int) -> queue.Queue:
    """(session key, practitioner slug, procedure id, month) — unique per author and treatment."""
    from practitioners.models import Practitioner
    from reviews.tests.factories import last_month

    practitioners = list(
        Practitioner.objects.filter(procedures__isnull=False)
        .values_list("slug", "procedures__pk")
        .distinct()
        .order_by("slug")
    )
    month = last_month().strftime("%Y-%m")
    plan: queue.Queue = queue.Queue()
    rng = random.Random(7)
    for _, session_key in sessions:
        for slug, procedure_id in rng.sample(practitioners, min(per_patient, len(practitioners))):
            plan.put((session_key, slug, procedure_id, month))
    return plan


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    # The project's gunicorn.conf.py, as in production, sized by its variables.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn"],
        cwd=ROOT,
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_TIMEOUT": "60",
            "GUNICORN_LOG_LEVEL": "warning",
        },
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, http.client.HTTPResponse]:
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read().decode(errors="replace"), response


def searcher(port: int, stop: threading.Event, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        query = urllib.parse.urlencode(rng.choice(SEARCHES), doseq=True)
        started = time.perf_counter()
        try:
            status, _, _ = request(connection, "GET", f"/practitioners/?{query}")
        except (OSError, http.client.HTTPException) as error:
            tally.error(f"search {query}: {error!r}")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        tally.record("search", time.perf_counter() - started)
        if status != 200:
            tally.error(f"search {query}: HTTP {status}")


def reviewer(port: int, stop: threading.Event, tally: Tally, plan: queue.Queue) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        try:
            session_key, slug, procedure_id, month = plan.get_nowait()
        except queue.Empty:
            return
        path = f"/practitioners/{slug}/review/"
        cookie = f"sessionid={session_key}"
        started = time.perf_counter()
        try:
            status, html, response = request(connection, "GET", path, headers={"Cookie": cookie})
            token = CSRF_INPUT.search(html)
            csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
            if status != 200 or not token or not csrf_cookie:
                tally.error(f"review form {path}: HTTP {status}")
                continue
            form = {
                "csrfmiddlewaretoken": token.group(1),
                "procedure": str(procedure_id),
                "treatment_month": month,
                "sessions": "2",
                "rating": str(random.randint(1, 5)),
                "rating_results": "4",
                "rating_hygiene": "5",
                "rating_communication": "4",
                "rating_aftercare": "3",
                "worth_it": "yes",
                "title": "Careful and clean treatment",
                "body": "The practitioner opened a new sterile cartridge in front of me, "
                "did a patch test first and explained the aftercare clearly.",
                "skin_type": random.choice(["", "II", "IV", "VI"]),
                "patch_test": "yes",
                "numbing": "yes",
                "complications-TOTAL_FORMS": "0",
                "complications-INITIAL_FORMS": "0",
                "complications-MIN_NUM_FORMS": "0",
                "complications-MAX_NUM_FORMS": "7",
            }
            status, html, response = request(
                connection,
                "POST",
                path,
                body=urllib.parse.urlencode(form),
                headers={
                    "Cookie": f"{cookie}; csrftoken={csrf_cookie.group(1)}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
        except (OSError, http.client.HTTPException) as error:
            tally.error(f"review {path}: {error!r}")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        tally.record("review", time.perf_counter() - started)
        location = response.getheader("Location") or ""
        if status != 302 or "/submitted/" not in location:
            problem = re.search(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
            tally.error(f"review {path}: HTTP {status} {problem.group(1)[:200] if problem else ''}")


def publisher(stop: threading.Event, tally: Tally, published: list[int]) -> None:
    """A moderator publishing what patients submit, through the review service."""
    from django.db import close_old_connections

    from kernel.errors import DomainError
    from kernel.models import User
    from reviews.models import Review, ReviewStatus
    from reviews.services import review_publish

    moderator, _ = User.objects.get_or_create(
        email="load-moderator@example.com", defaults={"display_name": "Load moderator"}
    )
    while not stop.is_set():
        pending = list(
            Review.objects.filter(
                status=ReviewStatus.PENDING, author__email__startswith="load-"
            ).values_list("pk", flat=True)[:20]
        )
        for review_id in pending:
            try:
                review_publish(review_id=review_id, moderator=moderator)
                published.append(review_id)
            except DomainError:
                pass
            except Exception as error:
                tally.error(f"publish {review_id}: {error!r}")
        time.sleep(0.05)
    close_old_connections()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def check_summaries() -> list[str]:
    from reviews.models import PractitionerSummary
    from reviews.summaries import summary_drift

    drifted = []
    for summary in PractitionerSummary.objects.all().iterator():
        drift = summary_drift(summary)
        if drift:
            drifted.append(f"practitioner {summary.practitioner_id}: {drift}")
    return drifted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--practitioners", type=int, default=200)
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 2) * 2 + 1))
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="loadcheck-"))
    env = environment(args, workdir)
    print(f"Preparing the database ({env['DATABASE_URL'].split('@')[-1]}) …", flush=True)
    prepare_database(env, args)
    setup_django(env)
    sessions = create_patients(args.patients)
    plan = submission_plan(sessions, per_patient=5)
    port = free_port()
    server = start_gunicorn(env, port, args.workers, args.threads)
    print(
        f"gunicorn on 127.0.0.1:{port}: {args.workers} workers x {args.threads} threads; "
        f"{args.connections} connections for {args.seconds:.0f} s …",
        flush=True,
    )

    tally = Tally()
    stop = threading.Event()
    published: list[int] = []
    searchers = args.connections // 2
    threads = [
        threading.Thread(target=searcher, args=(port, stop, tally, n)) for n in range(searchers)
    ]
    threads += [
        threading.Thread(target=reviewer, args=(port, stop, tally, plan))
        for _ in range(args.connections - searchers)
    ]
    moderator = threading.Thread(target=publisher, args=(stop, tally, published))
    started = time.monotonic()
    for thread in itertools.chain(threads, [moderator]):
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in itertools.chain(threads, [moderator]):
        thread.join(60)
    elapsed = time.monotonic() - started
    server.send_signal(signal.SIGTERM)
    server.wait(30)

    drifted = check_summaries()
    print(f"\nRan {elapsed:.1f} s with {args.connections} connections.")
    for kind, values in sorted(tally.latencies.items()):
        print(
            f"  {kind:7} {len(values):6} requests  {len(values) / elapsed:7.1f}/s  "
            f"median {statistics.median(values) * 1000:6.1f} ms  "
            f"p99 {percentile(values, 0.99):7.1f} ms"
        )
    print(f"  reviews published during the run: {len(published)}")
    print(f"  errors: {len(tally.errors)}")
    for message in tally.errors[:20]:
        print(f"    {message}")
    print(f"  summaries differing from a recount: {len(drifted)}")
    for message in drifted[:20]:
        print(f"    {message}")
    if not tally.latencies.get("review") or not tally.latencies.get("search"):
        print("No requests of one kind completed.")
        return 1
    return 1 if tally.errors or drifted else 0


if __name__ == "__main__":
    sys.exit(main())
