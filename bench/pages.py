"""The Django side of the benchmark: what to request, and what each request costs the database.

Runs inside the harness process after ``django.setup()`` with the same environment as the
served site. It reads the generator's vocabulary from the seeded data, picks the fixed
hot URLs (the most common surname, the city with most clinics, the practitioner with most
reviews), renders pages in-process through Django's test client with the page cache off
to count their SQL queries and capture it (``CaptureQueriesContext``), and EXPLAINs what
they ran: ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` on PostgreSQL, ``EXPLAIN QUERY PLAN``
on SQLite.
"""

import json
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bench import plans, workload

# The fixed hot URLs' search filter combinations; each is loaded on the HTML search page
# and on the API list with the same query string.
SEARCH_FILTERS: dict[str, dict[str, str]] = {
    "all": {},
    "q": {"q": "{name}"},
    "near": {"near": "{city}", "radius_km": "25", "sort": "distance"},
    "verified": {"verified": "1", "no_severe": "1", "skin_type": "V"},
    "exclude": {"exclude_complication": "infection"},
}


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # search | profile | api_list | api_detail | fhir_search
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
    from listings import geo
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


def hot_urls(targets: Targets) -> list[Scenario]:
    """The fixed URLs of the page cache's own check: each requested again and again."""
    found = []
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
    """A read (and FHIR) key for this run, rated high enough that the load is never
    throttled."""
    from partners.services import partner_key_create

    key, raw = partner_key_create(name="Benchmark", scopes="read,fhir", rate_per_minute=100_000)
    return key.pk, raw


def revoke_partner_key(key_id: int) -> None:
    from partners.services import partner_key_revoke

    partner_key_revoke(key_id=key_id)


def inspect(path: str, *, api_key: str = "", repeat: int = 5) -> Inspection:
    """Request a page with the page cache off: status, queries, SQL, median render time."""
    client = _client()
    headers = _auth(api_key)
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


def capture(path: str, *, api_key: str = "") -> Inspection:
    """Render a page once in-process with the page cache off, capturing its SQL.

    ``uncached_ms`` is that one render's wall time: Python and SQL together.
    """
    client = _client()
    with override_settings(PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path, **_auth(api_key))
        elapsed = (time.perf_counter() - started) * 1000
        sql = [query["sql"] for query in captured.captured_queries]
    return Inspection(
        status=response.status_code, queries=len(sql), uncached_ms=round(elapsed, 2), sql=sql
    )


def _client() -> Client:
    return Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)


def _auth(api_key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key}"} if api_key else {}


def table_sizes() -> dict[str, int]:
    """Rows per table: the planner's estimate on PostgreSQL (after ANALYZE), a count on SQLite."""
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
    """Each SELECT's plan, execution time and findings against the budget (bench.plans)."""
    explained = []
    for sql in sql_statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                raw = cursor.fetchone()[0]
                plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
                found = plans.findings(plan, sizes)
                lines = plans.outline(plan)
                execution_ms = plan.get("Execution Time")
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                lines = [row[-1] for row in cursor.fetchall()]
                found = plans.sqlite_findings(lines, sizes)
                execution_ms = None
        explained.append(
            {
                "sql": sql,
                "plan": lines,
                "execution_ms": execution_ms,
                "findings": [str(finding) for finding in found],
            }
        )
    return explained


# -- The generator's vocabulary ---------------------------------------------------------------

# Words too common in English to be what a patient searches for.
STOP_WORDS = frozenset(
    {
        "about", "after", "also", "and", "are", "before", "but", "can", "for", "from", "has",
        "have", "her", "his", "into", "its", "more", "not", "offers", "one", "our", "she",
        "that", "the", "their", "them", "they", "this", "those", "through", "was", "were",
        "when", "where", "which", "while", "who", "with", "years", "year", "experience",
    }
)  # fmt: skip
BIO_SAMPLE = 2_000
WORDS_KEPT = 120
SURNAMES_KEPT = 400
COORDINATE_SAMPLE = 500
POSTAL_CODE_SAMPLE = 300


def _every_nth(queryset, wanted: int):
    """About ``wanted`` rows spread evenly over the table by primary key (deterministic)."""
    total = queryset.count()
    step = max(1, total // max(wanted, 1))
    return queryset.order_by("pk")[::step] if total else []


def _counted_words(texts, weights) -> Counter:
    counted: Counter = Counter()
    for text, weight in zip(texts, weights, strict=True):
        for word in set(re.findall(r"[a-z]{3,}", text.lower())):
            if word not in STOP_WORDS:
                counted[word] += weight
    return counted


def vocabulary() -> workload.Vocabulary:
    """What the request generator draws from, read from the seeded data, deterministically.

    Counts are practitioners: by surname, by their clinic's city, by a word of their
    clinic's name. Words are the commonest of clinic names and of a sample of bios.
    """
    from listings import geo
    from practitioners.models import Clinic, Practitioner, Procedure, Profession
    from reviews.models import ComplicationType, SkinType

    practitioners = Practitioner.objects.all()
    surnames = list(
        practitioners.values("last_name")
        .annotate(n=Count("id"))
        .order_by("-n", "last_name")
        .values_list("last_name", "n")[:SURNAMES_KEPT]
    )
    cities = []
    for city, count in (
        practitioners.exclude(clinic=None)
        .values("clinic__city")
        .annotate(n=Count("id"))
        .order_by("-n", "clinic__city")
        .values_list("clinic__city", "n")
    ):
        try:
            geo.resolve_place(city)
        except geo.UnknownPlace:
            continue
        cities.append((city, count))
    postal_codes = []
    for clinic in _every_nth(Clinic.objects.exclude(postal_code=""), POSTAL_CODE_SAMPLE):
        try:
            geo.resolve_place(clinic.postal_code)
        except geo.UnknownPlace:
            continue
        postal_codes.append(clinic.postal_code)
    clinic_names = list(
        practitioners.exclude(clinic=None)
        .values("clinic__name")
        .annotate(n=Count("id"))
        .order_by("clinic__name")
        .values_list("clinic__name", "n")
    )
    matched = _counted_words([name for name, _ in clinic_names], [n for _, n in clinic_names])
    bios = [p.bio for p in _every_nth(practitioners.only("id", "bio"), BIO_SAMPLE)]
    # Bio words counted as if every bio had been read, to rank them beside clinic words.
    scale = max(1, practitioners.count() // max(len(bios), 1))
    seen = matched + _counted_words(bios, [scale] * len(bios))
    common = sorted(seen, key=lambda word: (-seen[word], word))[:WORDS_KEPT]
    coordinates = [
        (clinic.latitude, clinic.longitude)
        for clinic in _every_nth(
            Clinic.objects.only("id", "latitude", "longitude"), COORDINATE_SAMPLE
        )
    ]
    slugs_and_ids = list(practitioners.order_by("pk").values_list("slug", "pk"))
    return workload.Vocabulary(
        surnames=surnames,
        cities=cities,
        postal_codes=sorted(set(postal_codes)),
        words=[(word, matched.get(word, 0)) for word in common],
        coordinates=coordinates,
        procedures=list(
            Procedure.objects.filter(is_active=True).order_by("slug").values_list("slug", flat=True)
        ),
        professions=list(Profession.values),
        skin_types=list(SkinType.values),
        complications=list(ComplicationType.values),
        profile_slugs=[slug for slug, _ in slugs_and_ids],
        practitioner_ids=[pk for _, pk in slugs_and_ids],
    )
