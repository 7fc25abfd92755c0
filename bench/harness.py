"""`python -m bench`: seed (or reuse), serve with gunicorn, load, measure, report.

Steps, in order: production environment (DEBUG off, a fresh SECRET_KEY, plain HTTP on
loopback, hashed and compressed static files, persistent connections); migrate; seed
unless the database already holds the requested size; ANALYZE; collectstatic; a partner
key for the run; per page, SQL queries, uncached render time and query plans through
Django's test client; gunicorn on a free loopback port; a warm-up of every page; then per
page a bounded run at one connection and one at N connections, the floor measured first
and last. The table is printed and written with everything else to
bench/results/<db>-<UTC time>.json.
"""

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.load import loader_name, run_load

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
SQLITE_PATH = ROOT / "var" / "bench" / "bench.sqlite3"
BUDGET_PRACTITIONERS = 100_000
BUDGET_REVIEWS = 1_000_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        choices=["postgres", "sqlite"],
        default="postgres" if os.environ.get("DATABASE_URL") else "sqlite",
        help="postgres uses DATABASE_URL; sqlite uses var/bench/bench.sqlite3 (default "
        "without DATABASE_URL)",
    )
    parser.add_argument("--practitioners", type=int, default=BUDGET_PRACTITIONERS)
    parser.add_argument("--reviews", type=int, default=BUDGET_REVIEWS)
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1)),
        help="gunicorn worker processes (default: WEB_CONCURRENCY, else one per core)",
    )
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS") or 2))
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--reseed",
        action="store_true",
        help="flush the benchmark database and seed again when it holds other data",
    )
    parser.add_argument("--only", default="", help="comma-separated scenario names to run")
    return parser.parse_args(argv)


def environment(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    if args.db == "sqlite":
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    elif not env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("--db postgres needs DATABASE_URL=postgres://…")
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback: no TLS to redirect to, no proxy in front.
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_MANIFEST="1",
        BENCH_FLOOR="1",
        WEB_CONCURRENCY=str(args.workers),
        GUNICORN_THREADS=str(args.threads),
        DJANGO_SETTINGS_MODULE="directory.settings",
    )
    env.setdefault("CACHE_KEY_PREFIX", f"bench-{args.db}")
    env.pop("GUNICORN_ACCESS_LOG", None)
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *arguments]
    print(f"$ manage.py {' '.join(arguments)}", flush=True)
    subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603 — fixed command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    server_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603 — fixed command
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
        env=server_env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    stop(process)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fetch(url: str, headers: dict[str, str]) -> tuple[int, str, str]:
    """Status, the page cache's verdict (X-Page-Cache) and, on an error, the body's start."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 — loopback URL
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.headers.get("X-Page-Cache", ""), ""
    except urllib.error.HTTPError as error:
        return error.code, "", error.read(500).decode(errors="replace")


def seed_if_needed(args: argparse.Namespace, env: dict[str, str], pages) -> dict:
    practitioners, reviews = pages.counts()
    wanted = (args.practitioners, args.reviews)
    if (practitioners, reviews) == wanted:
        print(f"Reusing the seeded data: {practitioners} practitioners, {reviews} reviews")
        return {"seeded": False, "seconds": 0.0}
    if practitioners or reviews:
        if not args.reseed:
            raise SystemExit(
                f"The benchmark database holds {practitioners} practitioners and {reviews} "
                f"reviews, not {wanted[0]} and {wanted[1]}. Point it at an empty database, "
                "or pass --reseed to flush this one and seed again."
            )
        manage(env, "flush", "--noinput")
    started = time.monotonic()
    manage(
        env,
        "seed_demo",
        "--practitioners",
        str(args.practitioners),
        "--reviews",
        str(args.reviews),
    )
    seconds = round(time.monotonic() - started, 1)
    practitioners, reviews = pages.counts()
    if (practitioners, reviews) != wanted:
        raise SystemExit(
            f"seed_demo left {practitioners} practitioners and {reviews} reviews, "
            f"not {wanted[0]} and {wanted[1]}"
        )
    return {"seeded": True, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = environment(args)
    os.environ.update(env)
    loader = loader_name(args.loader)
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()

    manage(env, "migrate", "--noinput", "--verbosity", "0")
    import django

    django.setup()
    from django.db import connection

    from bench import pages
    from directory.caching import bump_cache_generation

    seeding = seed_if_needed(args, env, pages)
    pages.analyze()
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    bump_cache_generation()  # nothing cached before this run counts

    targets = pages.pick_targets()
    scenarios = pages.scenarios(targets)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        scenarios = [s for s in scenarios if s.name in wanted or s.kind == "floor"]
    key_id, api_key = pages.create_partner_key()
    sizes = pages.table_sizes()

    print("Counting queries and capturing query plans (page cache off)…", flush=True)
    inspections = {}
    for scenario in scenarios:
        inspection = pages.inspect(scenario.path, api_key=api_key if scenario.api else "")
        if inspection.status != 200:
            raise SystemExit(f"{scenario.path} answered {inspection.status} in-process")
        inspections[scenario.name] = {
            "queries": inspection.queries,
            "uncached_ms": inspection.uncached_ms,
            "plans": pages.explain(inspection.sql, sizes),
        }
    constant = {
        "profile_busiest": {
            "reviews": targets.busiest_reviews,
            "queries": inspections["profile"]["queries"]
            if "profile" in inspections
            else pages.inspect(f"/practitioners/{targets.busiest_slug}/", repeat=1).queries,
        },
        "profile_quietest": {
            "reviews": targets.quietest_reviews,
            "queries": pages.inspect(f"/practitioners/{targets.quietest_slug}/", repeat=1).queries,
        },
        "search_page_1": {"queries": pages.inspect("/practitioners/", repeat=1).queries},
        "search_page_2": {"queries": pages.inspect("/practitioners/?page=2", repeat=1).queries},
    }
    connection.close()

    port = free_port()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    log_path = RESULTS / f"{args.db}-{stamp}-gunicorn.log"
    print(
        f"Serving with gunicorn on 127.0.0.1:{port} ({args.workers} workers x "
        f"{args.threads} threads); loading with {loader}",
        flush=True,
    )
    server = start_gunicorn(env, port, log_path)
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {api_key}"}
    loads: dict[str, dict] = {}
    page_cache: dict[str, str] = {}
    try:
        for scenario in scenarios:
            status, _, body = fetch(base + scenario.path, auth if scenario.api else {})
            if status != 200:
                raise SystemExit(f"{scenario.path} answered {status} through gunicorn: {body}")
        for scenario in scenarios:
            run_load(
                loader,
                base + scenario.path,
                connections=args.connections,
                seconds=args.warmup,
                headers=auth if scenario.api else {},
            )
        page_cache = {
            scenario.name: fetch(base + scenario.path, auth if scenario.api else {})[1]
            for scenario in scenarios
        }
        # The floor first and last: the machine is shared, and the two tell how steady it was.
        order = [*scenarios, pages.Scenario("floor_end", "floor", "/bench/floor")]
        for scenario in order:
            headers = auth if scenario.api else {}
            one = run_load(
                loader, base + scenario.path, connections=1, seconds=args.duration, headers=headers
            )
            many = run_load(
                loader,
                base + scenario.path,
                connections=args.connections,
                seconds=args.duration,
                headers=headers,
            )
            loads[scenario.name] = {"one": one.as_dict(), "many": many.as_dict()}
            print(
                f"  {scenario.name:<18} 1 conn: median {one.median_ms} ms, p99 {one.p99_ms} ms"
                f" | {args.connections} conn: {many.requests_per_second} req/s, "
                f"{many.errors + one.errors} errors",
                flush=True,
            )
    finally:
        stop(server)
        pages.revoke_partner_key(key_id)
        connection.close()

    from django.conf import settings

    result = {
        "started_at": started_at.isoformat(),
        "database": args.db,
        "database_vendor": connection.vendor,
        "size": {"practitioners": args.practitioners, "reviews": args.reviews},
        "seeding": seeding,
        "conditions": {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "gunicorn_workers": args.workers,
            "gunicorn_threads": args.threads,
            "worker_class": os.environ.get("GUNICORN_WORKER_CLASS", "gthread"),
            "loader": loader,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "page_cache_seconds": settings.PAGE_CACHE_SECONDS,
            "cache_backend": settings.CACHES["default"]["BACKEND"],
            "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
        },
        "targets": vars(targets),
        "scenarios": [
            {
                "name": s.name,
                "kind": s.kind,
                "path": s.path,
                **inspections.get(s.name, {}),
                "page_cache": page_cache.get(s.name, ""),
                "load": loads.get(s.name),
            }
            for s in scenarios
        ],
        "floor_end": loads.get("floor_end"),
        "constant_queries": constant,
    }
    result["conditions"]["load_average_after"] = os.getloadavg()
    result["rows"] = report.rows(result)
    result["budgets"] = report.budgets(
        result,
        full_size=(args.practitioners >= BUDGET_PRACTITIONERS and args.reviews >= BUDGET_REVIEWS),
    )
    path = RESULTS / f"{args.db}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print()
    print(report.table(result))
    print(f"\nWritten to {path.relative_to(ROOT)}")
    failed = [b for b in result["budgets"]["checks"] if not b["held"]]
    return 1 if failed and result["budgets"]["enforced"] else 0
