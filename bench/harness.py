"""`python -m bench`: seed (or reuse), serve with gunicorn, load, measure, report.

Steps, in order: production environment (DEBUG off, a fresh SECRET_KEY, plain HTTP on
loopback, hashed and compressed static files, persistent connections); migrate; seed
unless the database already holds the requested size; ANALYZE; collectstatic; the long-tail
workload generated from the seeded data with a fixed seed (bench.workload); every query
class it produces rendered in-process with its SQL captured and EXPLAINed; the fixed hot
URLs' query counts and plans; gunicorn on a free loopback port; then the loads: the floor,
the long tail of each page kind and their mix (page cache emptied before each run), the
Zipf mix (emptied before each run too), the fixed hot URLs after a warm-up, the floor
again; the workers' memory and the page cache's size in Redis. With ``--scale-out`` the
long-tail mix runs again against two gunicorn instances, with ``--replica`` against one
instance reading from a streaming replica. The table is printed and written with
everything else to bench/results/<db>-<UTC time>.json.
"""

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench import cachestate, replica, report, server, workload
from bench.classes import explain_classes
from bench.load import loader_name, run_load
from bench.runs import (
    RESULTS,
    WORK,
    KeyRing,
    Loads,
    long_tail,
    mixed,
    print_run,
    replica_runs,
    scale_out_runs,
    write_paths,
)

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = WORK / "bench.sqlite3"
BUDGET_PRACTITIONERS = 100_000
BUDGET_REVIEWS = 1_000_000
PARTS = ("explain", "tail", "zipf", "hot")
# Requests in the Zipf sequence: more than any run can send, so it never wraps.
ZIPF_LENGTH = 200_000
# Distinct requests per kind in the warm-up sequence (drawn with another seed).
WARMUP_DISTINCT = 500


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
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds per run of the floor and hot URLs"
    )
    parser.add_argument(
        "--tail-duration",
        type=float,
        default=20,
        help="seconds per run of the long tail and the Zipf mix (default 20)",
    )
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per hot URL")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn worker processes (default: as gunicorn.conf.py decides)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: gunicorn.conf.py)"
    )
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--ports",
        type=port_range,
        default=None,
        help="where gunicorn may listen, as FIRST-LAST (default: any free loopback port)",
    )
    parser.add_argument(
        "--reseed",
        action="store_true",
        help="flush the benchmark database and seed again when it holds other data",
    )
    parser.add_argument("--seed", type=int, default=1, help="the workload's random seed")
    parser.add_argument(
        "--distinct", type=int, default=5000, help="distinct requests generated per page kind"
    )
    parser.add_argument(
        "--zipf-exponent", type=float, default=workload.ZIPF_EXPONENT, help="default 1.0"
    )
    parser.add_argument(
        "--explain-per-class",
        type=int,
        choices=[1, 2],
        default=2,
        help="requests EXPLAINed per query class: the first, and the broadest (default 2)",
    )
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated parts to run, of {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="also run the long-tail mix against two gunicorn instances",
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="also run the long-tail mix reading from a streaming replica made under "
        "var/bench/replica (PostgreSQL only)",
    )
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument(
        "--keep-replica", action="store_true", help="leave the replica running afterwards"
    )
    args = parser.parse_args(argv)
    args.parts = {p.strip() for p in args.only.split(",") if p.strip()} or set(PARTS)
    unknown = args.parts - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}")
    if args.replica and args.db != "postgres":
        parser.error("--replica needs PostgreSQL")
    return args


def port_range(text: str) -> range:
    first, _, last = text.partition("-")
    try:
        ports = range(int(first), int(last or first) + 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port range like 8170-8189") from None
    if not ports or ports.start < 1 or ports.stop > 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port range like 8170-8189")
    return ports


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
        DJANGO_SETTINGS_MODULE="directory.settings",
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    env.setdefault("CACHE_KEY_PREFIX", f"bench-{args.db}")
    env.pop("GUNICORN_ACCESS_LOG", None)
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *arguments]
    print(f"$ manage.py {' '.join(arguments)}", flush=True)
    subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603 — fixed command


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
    from django.conf import settings
    from django.db import connection

    from bench import pages
    from kernel.caching import bump_cache_generation

    seeding = seed_if_needed(args, env, pages)
    pages.analyze()
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    bump_cache_generation()  # nothing cached before this run counts

    print("Generating the workload from the seeded data…", flush=True)
    vocabulary = pages.vocabulary()
    distinct = min(args.distinct, len(vocabulary.practitioner_ids))
    work = workload.build(vocabulary, seed=args.seed, distinct=distinct)
    tail_mix = workload.tail_sequence(work, args.seed)
    zipf = workload.zipf_sequence(work, ZIPF_LENGTH, args.seed, exponent=args.zipf_exponent)
    tail_mix_file = write_paths("tail-mix", tail_mix)
    warm_seed = args.seed + 1
    warmup_file = write_paths(
        "warmup",
        workload.tail_sequence(
            workload.build(vocabulary, seed=warm_seed, distinct=min(WARMUP_DISTINCT, distinct)),
            warm_seed,
        ),
    )
    zipf_file = write_paths("zipf", zipf)

    targets = pages.pick_targets()
    scenarios = pages.hot_urls(targets)
    keys = KeyRing(pages)
    inspection_key = keys.fresh()
    sizes = pages.table_sizes()

    classes: list[dict] = []
    if "explain" in args.parts:
        classes = explain_classes(work, pages, sizes, inspection_key, args.explain_per_class)

    inspections = {}
    constant = {}
    if "hot" in args.parts:
        print("Counting queries and capturing query plans of the hot URLs…", flush=True)
        for scenario in scenarios:
            inspection = pages.inspect(
                scenario.path, api_key=inspection_key if scenario.api else ""
            )
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
                "queries": inspections["profile"]["queries"],
            },
            "profile_quietest": {
                "reviews": targets.quietest_reviews,
                "queries": pages.inspect(
                    f"/practitioners/{targets.quietest_slug}/", repeat=1
                ).queries,
            },
            "search_page_1": {"queries": pages.inspect("/practitioners/", repeat=1).queries},
            "search_page_2": {"queries": pages.inspect("/practitioners/?page=2", repeat=1).queries},
        }
    connection.close()

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = f"{args.db}-{started_at.strftime('%Y%m%dT%H%M%SZ')}"
    port = server.free_port(args.ports)
    log_path = RESULTS / f"{stamp}-gunicorn.log"
    print(f"Serving with gunicorn on 127.0.0.1:{port}; loading with {loader}", flush=True)
    main_server = server.start(env, port, log_path)
    base = f"http://127.0.0.1:{port}"
    loads = Loads(args, loader, keys)
    runs: dict = {"tail": {}, "tail_mix": None, "zipf": None, "hot": {}}
    page_cache: dict[str, str] = {}
    workers_memory: list[dict] = []
    redis_memory: dict | None = None
    scale_out: dict = {}
    try:
        loads.warm([base], warmup_file)
        runs["floor"] = loads.url(base, "/bench/floor")
        print_run("floor", runs["floor"]["one"], runs["floor"]["many"], args.connections)
        if "tail" in args.parts:
            runs["tail"] = long_tail(loads, base, work, args.seed)
            if args.db == "postgres":
                (primary_before,) = replica.settled_stats(env["DATABASE_URL"])
            runs["tail_mix"] = mixed(loads, [base], tail_mix_file, len(tail_mix), one=True)
            if args.db == "postgres":
                (primary_after,) = replica.settled_stats(env["DATABASE_URL"])
                runs["tail_mix"]["database_work"] = {
                    "primary": replica.difference(primary_before, primary_after)
                }
            print_run(
                "long-tail mix", runs["tail_mix"]["one"], runs["tail_mix"]["many"], args.connections
            )
        if "zipf" in args.parts:
            runs["zipf"] = mixed(loads, [base], zipf_file, len(zipf), one=True)
            print_run("Zipf mix", runs["zipf"]["one"], runs["zipf"]["many"], args.connections)
        if "hot" in args.parts:
            for scenario in scenarios:
                auth = {"Authorization": f"Bearer {inspection_key}"} if scenario.api else {}
                status, _, body = fetch(base + scenario.path, auth)
                if status != 200:
                    raise SystemExit(f"{scenario.path} answered {status} through gunicorn: {body}")
                run_load(
                    loader,
                    base + scenario.path,
                    connections=args.connections,
                    seconds=args.warmup,
                    headers=auth,
                )
                page_cache[scenario.name] = fetch(base + scenario.path, auth)[1]
            for scenario in scenarios:
                runs["hot"][scenario.name] = loads.url(base, scenario.path, api=scenario.api)
                hot = runs["hot"][scenario.name]
                print_run(f"hot {scenario.name}", hot["one"], hot["many"], args.connections)
        runs["floor_end"] = loads.url(base, "/bench/floor")
        print_run(
            "floor at the end",
            runs["floor_end"]["one"],
            runs["floor_end"]["many"],
            args.connections,
        )
        workers_memory = server.worker_memory(main_server)
        redis_memory = cachestate.memory()
        server.stop(main_server)
        if args.scale_out and "tail" in args.parts:
            scale_out["two_instances"] = scale_out_runs(
                args, env, loads, tail_mix_file, len(tail_mix), warmup_file, stamp
            )
        if args.replica and "tail" in args.parts:
            scale_out["replica"] = replica_runs(
                args, env, loads, tail_mix_file, len(tail_mix), warmup_file, stamp
            )
    finally:
        server.stop(main_server)
        keys.revoke_all()
        connection.close()

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
            "gunicorn_workers": len(workers_memory),
            "gunicorn_threads": int(env.get("GUNICORN_THREADS") or 2),
            "worker_class": env.get("GUNICORN_WORKER_CLASS", "gthread"),
            "loader": loader,
            "duration_s": args.duration,
            "tail_duration_s": args.tail_duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "page_cache_seconds": settings.PAGE_CACHE_SECONDS,
            "page_cache_shared": cachestate.is_shared(),
            "cache_backend": settings.CACHES["default"]["BACKEND"],
            "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
        },
        "workload": {
            "seed": args.seed,
            "distinct": distinct,
            "pools": {kind: len(work.pools[kind]) for kind in workload.KINDS},
            "classes": {kind: len(work.classes(kind)) for kind in workload.KINDS},
            "tail_mix": {"length": len(tail_mix), "weights": workload.MIX_WEIGHTS},
            "zipf": {
                "length": len(zipf),
                "exponent": args.zipf_exponent,
                "weights": workload.MIX_WEIGHTS,
            },
            "samples": {kind: [r.path for r in work.pools[kind][:5]] for kind in workload.KINDS},
        },
        "runs": runs,
        "scale_out": scale_out,
        "classes": classes,
        "targets": vars(targets),
        "hot": [
            {
                "name": s.name,
                "kind": s.kind,
                "path": s.path,
                **inspections.get(s.name, {}),
                "page_cache": page_cache.get(s.name, ""),
            }
            for s in scenarios
        ],
        "constant_queries": constant,
        "memory": {"workers": workers_memory, "redis": redis_memory},
    }
    result["conditions"]["load_average_after"] = os.getloadavg()
    result["budgets"] = report.budgets(
        result,
        full_size=(args.practitioners >= BUDGET_PRACTITIONERS and args.reviews >= BUDGET_REVIEWS),
    )
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print()
    print(report.table(result))
    print(f"\nWritten to {path.relative_to(ROOT)}")
    failed = [b for b in result["budgets"]["checks"] if not b["held"]]
    return 1 if failed and result["budgets"]["enforced"] else 0
