"""The Django side of the benchmark: what to request, and what each request costs the database.

Runs inside the harness process after ``django.setup()`` with the same environment as the
served site. It picks realistic targets from the data (the most common surname, the city
with most clinics, the practitioner with most reviews), counts each page's SQL queries
through Django's test client with the page cache off, times that uncached render, and
captures the query plans of what it ran (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY
PLAN on SQLite).
"""

import re
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

# The search filter combinations of the budget; each is benchmarked on the HTML search
# page and on the API list with the same query string.
SEARCH_FILTERS: dict[str, dict[str, str]] = {
    "all": {},
    "q": {"q": "{name}"},
    "near": {"near": "{city}", "radius_km": "25", "sort": "distance"},
    "verified": {"verified": "1", "no_severe": "1", "skin_type": "V"},
    "exclude": {"exclude_complication": "infection"},
}
# A table holding more rows than this is "large": a full scan of it is a finding.
LARGE_TABLE_ROWS = 10_000


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # floor | search | profile | api_list | api_detail
    path: str
    api: bool = False


@dataclass
class Targets:
    common_name: str
    city: str
    busiest_slug: str
    busiest_id: int
    busiest_reviews: int
    quietest_slug: str
    quietest_reviews: int


@dataclass
class Inspection:
    status: int
    queries: int
    uncached_ms: float
    sql: list[str] = field(default_factory=list)


def counts() -> tuple[int, int]:
    from practitioners.models import Practitioner
    from reviews.models import Review

    return Practitioner.objects.count(), Review.objects.count()


def analyze() -> None:
    """Refresh the planner's statistics (seeding writes faster than autovacuum samples)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pick_targets() -> Targets:
    from practitioners import geo
    from practitioners.models import Clinic, Practitioner
    from reviews.models import PractitionerSummary

    name = (
        Practitioner.objects.values("last_name")
        .annotate(n=Count("id"))
        .order_by("-n", "last_name")
        .values_list("last_name", flat=True)
        .first()
    )
    cities = (
        Clinic.objects.values("city")
        .annotate(n=Count("id"))
        .order_by("-n", "city")
        .values_list("city", flat=True)[:25]
    )
    city = ""
    for candidate in cities:
        try:
            geo.resolve_place(candidate)
        except geo.UnknownPlace:
            continue
        city = candidate
        break
    summaries = PractitionerSummary.objects.select_related("practitioner")
    busiest = summaries.order_by("-published_count", "practitioner_id").first()
    quietest = summaries.filter(published_count__gt=0).order_by("published_count").first()
    if name is None or busiest is None or quietest is None or not city:
        raise SystemExit("The database holds no practitioners with reviews and clinics: seed it")
    return Targets(
        common_name=name,
        city=city,
        busiest_slug=busiest.practitioner.slug,
        busiest_id=busiest.practitioner_id,
        busiest_reviews=busiest.published_count,
        quietest_slug=quietest.practitioner.slug,
        quietest_reviews=quietest.published_count,
    )


def _query(filters: dict[str, str], targets: Targets) -> str:
    values = {"name": targets.common_name, "city": targets.city}
    query = urlencode({key: value.format(**values) for key, value in filters.items()})
    return f"?{query}" if query else ""


def scenarios(targets: Targets) -> list[Scenario]:
    found = [Scenario("floor", "floor", "/bench/floor")]
    for name, filters in SEARCH_FILTERS.items():
        found.append(
            Scenario(f"search_{name}", "search", "/practitioners/" + _query(filters, targets))
        )
    found.append(Scenario("profile", "profile", f"/practitioners/{targets.busiest_slug}/"))
    for name, filters in SEARCH_FILTERS.items():
        found.append(
            Scenario(
                f"api_list_{name}",
                "api_list",
                "/api/v1/practitioners/" + _query(filters, targets),
                api=True,
            )
        )
    found.append(
        Scenario("api_detail", "api_detail", f"/api/v1/practitioners/{targets.busiest_id}/", True)
    )
    return found


def create_partner_key() -> tuple[int, str]:
    """A read key for this run, rated high enough that the load is never throttled."""
    from partners.services import partner_key_create

    key, raw = partner_key_create(name="Benchmark", scopes="read", rate_per_minute=100_000)
    return key.pk, raw


def revoke_partner_key(key_id: int) -> None:
    from partners.services import partner_key_revoke

    partner_key_revoke(key_id=key_id)


def inspect(path: str, *, api_key: str = "", repeat: int = 5) -> Inspection:
    """Request a page with the page cache off: status, queries, SQL, median render time."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key}"} if api_key else {}
    client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
    with override_settings(PAGE_CACHE_SECONDS=0):
        client.get(path, **headers)  # warm the process and the database's buffers
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, **headers)
        # Read now: the next request's request_started signal empties the query log.
        sql = [query["sql"] for query in captured.captured_queries]
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path, **headers)
            timings.append((time.perf_counter() - started) * 1000)
    return Inspection(
        status=response.status_code,
        queries=len(sql),
        uncached_ms=round(statistics.median(timings), 2),
        sql=sql,
    )


def _table_sizes() -> dict[str, int]:
    tables = connection.introspection.table_names()
    sizes = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' "
                "AND relname = ANY(%s)",
                [tables],
            )
            sizes = dict(cursor.fetchall())
        else:
            for table in tables:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 — introspected names
                sizes[table] = cursor.fetchone()[0]
    return sizes


def explain(sql_statements: list[str], sizes: dict[str, int]) -> list[dict]:
    """The plan of each SELECT, with the full scans of large tables called out."""
    plans = []
    for sql in sql_statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
                scans = re.findall(r"Seq Scan on (\w+)", "\n".join(lines))
                timing = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(lines))
                execution_ms = float(timing.group(1)) if timing else None
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                lines = [row[-1] for row in cursor.fetchall()]
                scans = [
                    match.group(1)
                    for line in lines
                    if (match := re.match(r"SCAN (\w+)", line)) and "INDEX" not in line
                ]
                execution_ms = None
        large = sorted({table for table in scans if sizes.get(table, 0) > LARGE_TABLE_ROWS})
        plans.append(
            {
                "sql": sql,
                "plan": lines,
                "execution_ms": execution_ms,
                "full_scans_of_large_tables": large,
            }
        )
    return plans


def table_sizes() -> dict[str, int]:
    return _table_sizes()
