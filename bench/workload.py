"""The long-tail workload: distinct requests generated from the seeded data with a fixed seed.

Pure Python with no Django: ``bench.pages.vocabulary()`` reads the seeded database once
into a ``Vocabulary`` (surnames, cities, common words of bios and clinic names, procedure
slugs, profile slugs, …) and everything here is a function of that vocabulary and a seed,
so the same data and the same seed always give the same requests in the same order.

- ``searches`` — distinct search query strings combining the search's filters at random
  (``q``, ``procedure``, ``near`` or ``lat``+``lng`` with ``radius_km``, ``verified``,
  ``profession``, ``min_rating``, ``skin_type``, ``no_severe``, ``exclude_complication``
  (repeatable), ``sort``, ``page`` 1 to 5). The API list uses the same generator without
  ``page`` (it pages with cursors) and with an occasional ``page_size``.
- ``profiles`` and ``api_details`` — distinct practitioners.
- ``fhir_searches`` — distinct FHIR searches (``/fhir/r4/``): practitioners by name, roles
  by procedure, clinics near a point, verification results of a practitioner, with and
  without includes and ``_count``.
- ``tail_sequence`` — every request a different one, each kind in its share of traffic.
- ``zipf_sequence`` — popular requests repeat: rank *r* of each kind's pool is asked for
  with a probability proportional to 1/r^s, as real traffic does.

Each request carries its *query class*: the set of filters present and the order in
effect. Two requests of one class produce the same SQL apart from literal values and the
page's offset, so the harness EXPLAINs one or two requests per class (the first, and the
broadest) rather than every request.
"""

import bisect
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

SEARCH_PATH = "/practitioners/"
API_LIST_PATH = "/api/v1/practitioners/"
FHIR_PATH = "/fhir/r4/"

# The page kinds the benchmark loads, with the path prefix that tells them apart. A new
# kind adds one entry here (and in MIX_WEIGHTS), a pool in ``Workload`` and its budgets
# in bench.report.
KINDS = ("search", "profile", "api_list", "api_detail", "fhir_search")
API_KINDS = frozenset({"api_list", "api_detail", "fhir_search"})

# The search filters in the order the search form sends them; "location" is ``near`` or
# ``lat``+``lng``, with ``radius_km`` some of the time.
FILTERS = (
    "q",
    "procedure",
    "location",
    "verified",
    "profession",
    "min_rating",
    "skin_type",
    "no_severe",
    "exclude_complication",
)
# How many of those filters one search combines (weights): most searches use a few.
FILTER_COUNT_WEIGHTS = {0: 6, 1: 24, 2: 30, 3: 24, 4: 12, 5: 4}
SORTS = ("relevance", "rating", "reviews", "distance")
PAGE_WEIGHTS = {1: 50, 2: 20, 3: 13, 4: 10, 5: 7}
RADII = ("5", "10", "25", "50", "100", "250")
MIN_RATINGS = ("2", "3", "3.5", "4", "4.5", "4.8")
API_PAGE_SIZES = ("10", "50", "100")
# Filters of a profile's reviews; a quarter of profile requests carry one or two.
REVIEW_FILTERS = ("complication", "skin_type", "rating", "page")
PROFILE_FILTERED_SHARE = 0.25

# The share of each kind in the mixed runs (the long-tail mix and the Zipf mix).
MIX_WEIGHTS = {"search": 50, "profile": 30, "api_list": 12, "api_detail": 8, "fhir_search": 5}
# The FHIR searches: which resource type (weights), and the page sizes asked for.
FHIR_TYPE_WEIGHTS = {
    "PractitionerRole": 40,
    "Practitioner": 25,
    "Location": 20,
    "VerificationResult": 15,
}
FHIR_COUNTS = ("10", "20", "50", "100")
ZIPF_EXPONENT = 1.0


@dataclass(frozen=True)
class Vocabulary:
    """What the generator draws from, read from the seeded data (most common first).

    Each surname, city and word comes with how many practitioners ``q`` finds by it (their
    name, clinic name or city holds it); a word only ever seen in bios matches none.
    """

    surnames: Sequence[tuple[str, int]]
    cities: Sequence[tuple[str, int]]
    postal_codes: Sequence[str]
    words: Sequence[tuple[str, int]]
    coordinates: Sequence[tuple[float, float]]
    procedures: Sequence[str]
    professions: Sequence[str]
    skin_types: Sequence[str]
    complications: Sequence[str]
    profile_slugs: Sequence[str]
    practitioner_ids: Sequence[int]


@dataclass(frozen=True)
class Request:
    """One request of the workload: its kind, path (with query string) and query class."""

    kind: str
    path: str
    query_class: str
    # How much the request reads: how many practitioners its commonest q term matches,
    # the radius, the page. The broadest request of a class is EXPLAINed besides the first.
    breadth: tuple[int, float, int] = (0, 0.0, 1)


@dataclass
class Workload:
    """The distinct pools of every kind, and the fixed hot paths."""

    seed: int
    pools: dict[str, list[Request]] = field(default_factory=dict)

    def classes(self, kind: str) -> dict[str, list[Request]]:
        """The requests of one kind grouped by query class, in generation order."""
        grouped: dict[str, list[Request]] = {}
        for request in self.pools.get(kind, []):
            grouped.setdefault(request.query_class, []).append(request)
        return grouped


# -- Search query strings ------------------------------------------------------------------


def effective_sort(present: set[str], sort: str | None) -> str:
    """The order a search runs in, as ``PractitionerFilterSet.sort_order`` decides it."""
    if sort in {"rating", "reviews"} or (sort == "distance" and "location" in present):
        return sort
    if "q" in present:
        return "relevance"
    return "distance" if "location" in present else "rating"


def search_class(present: set[str], sort: str | None) -> str:
    """``q+skin_type | relevance``: the filters present and the order in effect."""
    names = "+".join(name for name in FILTERS if name in present) or "no filter"
    return f"{names} | {effective_sort(present, sort)}"


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _q_text(rng: random.Random, vocabulary: Vocabulary) -> tuple[str, int]:
    """A search text, and how many practitioners its commonest term matches."""
    sources = [
        (vocabulary.surnames, 40),
        (vocabulary.cities, 20),
        (vocabulary.words, 40),
    ]
    available = [(terms, weight) for terms, weight in sources if terms]
    if not available:
        raise ValueError("the vocabulary holds no surnames, cities or words for q")

    def term() -> tuple[str, int]:
        terms = rng.choices([t for t, _ in available], weights=[w for _, w in available])[0]
        return terms[rng.randrange(len(terms))]

    word, frequency = term()
    style = rng.random()
    if style < 0.12:
        # Two terms, as "laser austin" or "smith dermatology".
        other, other_frequency = term()
        return f"{word} {other}", max(frequency, other_frequency)
    if style < 0.22 and len(word) > 4:
        # Typed part of a word: prefix matching finds "aus…" as Austin.
        return word[: rng.randint(3, len(word) - 1)].lower(), frequency
    if style < 0.5:
        return word.lower(), frequency
    return word, frequency


def _search_params(
    rng: random.Random, vocabulary: Vocabulary, *, api: bool
) -> tuple[list[tuple[str, str]], str, tuple[int, float, int]]:
    count = _weighted(rng, FILTER_COUNT_WEIGHTS)
    present = set(rng.sample(FILTERS, count))
    params: list[tuple[str, str]] = []
    q_frequency, radius = 0, 0.0
    for name in FILTERS:
        if name not in present:
            continue
        if name == "q":
            text, q_frequency = _q_text(rng, vocabulary)
            params.append(("q", text))
        elif name == "procedure":
            params.append(("procedure", rng.choice(vocabulary.procedures)))
        elif name == "location":
            if rng.random() < 0.7 and vocabulary.cities:
                if rng.random() < 0.8 or not vocabulary.postal_codes:
                    params.append(("near", rng.choice(vocabulary.cities)[0]))
                else:
                    params.append(("near", rng.choice(vocabulary.postal_codes)))
            else:
                lat, lng = rng.choice(vocabulary.coordinates)
                params.append(("lat", f"{lat + rng.uniform(-0.05, 0.05):.4f}"))
                params.append(("lng", f"{lng + rng.uniform(-0.05, 0.05):.4f}"))
            radius = 25.0
            if rng.random() < 0.6:
                chosen = rng.choice(RADII)
                params.append(("radius_km", chosen))
                radius = float(chosen)
        elif name in {"verified", "no_severe"}:
            params.append((name, "1"))
        elif name == "profession":
            params.append(("profession", rng.choice(vocabulary.professions)))
        elif name == "min_rating":
            params.append(("min_rating", rng.choice(MIN_RATINGS)))
        elif name == "skin_type":
            params.append(("skin_type", rng.choice(vocabulary.skin_types)))
        elif name == "exclude_complication":
            kinds = rng.sample(list(vocabulary.complications), rng.choice((1, 1, 2, 3)))
            params += [("exclude_complication", kind) for kind in kinds]
    sort = None
    if rng.random() < 0.55:
        choices = [s for s in SORTS if s != "distance" or "location" in present]
        sort = rng.choice(choices)
        params.append(("sort", sort))
    page = 1
    if api:
        if rng.random() < 0.3:
            params.append(("page_size", rng.choice(API_PAGE_SIZES)))
    else:
        page = _weighted(rng, PAGE_WEIGHTS)
        if page > 1:
            params.append(("page", str(page)))
    return params, search_class(present, sort), (q_frequency, radius, page)


def distinct(count: int, draw: Callable[[], Request], what: str) -> list[Request]:
    """``count`` requests of distinct paths from ``draw``, in the order first drawn."""
    seen: set[str] = set()
    found: list[Request] = []
    for _ in range(count * 50):
        if len(found) == count:
            return found
        request = draw()
        if request.path not in seen:
            seen.add(request.path)
            found.append(request)
    if len(found) < count:
        raise ValueError(f"the vocabulary is too small for {count} distinct {what}")
    return found


def searches(vocabulary: Vocabulary, count: int, seed: int, *, api: bool = False) -> list[Request]:
    """``count`` distinct search requests (HTML, or the API list with ``api=True``)."""
    rng = random.Random(f"search:{seed}:{'api' if api else 'html'}")
    kind, base = ("api_list", API_LIST_PATH) if api else ("search", SEARCH_PATH)

    def draw() -> Request:
        params, query_class, breadth = _search_params(rng, vocabulary, api=api)
        query = urlencode(params)
        return Request(kind, f"{base}?{query}" if query else base, query_class, breadth)

    return distinct(count, draw, "searches")


# -- Profiles and API details --------------------------------------------------------------


def _sample(rng: random.Random, population: Sequence, count: int) -> list:
    if count > len(population):
        raise ValueError(
            f"asked for {count} distinct practitioners; the data holds {len(population)}"
        )
    return rng.sample(list(population), count)


def profiles(vocabulary: Vocabulary, count: int, seed: int) -> list[Request]:
    """``count`` distinct practitioners' profiles, a quarter with review filters or a page."""
    rng = random.Random(f"profile:{seed}")
    found = []
    for slug in _sample(rng, vocabulary.profile_slugs, count):
        params: list[tuple[str, str]] = []
        if rng.random() < PROFILE_FILTERED_SHARE:
            for name in sorted(
                rng.sample(REVIEW_FILTERS, rng.choice((1, 1, 2))), key=REVIEW_FILTERS.index
            ):
                if name == "complication":
                    params.append((name, rng.choice(vocabulary.complications)))
                elif name == "skin_type":
                    params.append((name, rng.choice(vocabulary.skin_types)))
                elif name == "rating":
                    params.append((name, str(rng.randint(1, 5))))
                else:
                    params.append((name, str(rng.randint(2, 3))))
        names = "+".join(name for name, _ in params)
        query = urlencode(params)
        path = f"/practitioners/{slug}/" + (f"?{query}" if query else "")
        found.append(Request("profile", path, f"profile | {names or 'no filter'}"))
    return found


def api_details(vocabulary: Vocabulary, count: int, seed: int) -> list[Request]:
    """``count`` distinct practitioners through ``GET /api/v1/practitioners/<id>/``."""
    rng = random.Random(f"api_detail:{seed}")
    return [
        Request("api_detail", f"{API_LIST_PATH}{pk}/", "api detail")
        for pk in _sample(rng, vocabulary.practitioner_ids, count)
    ]


# -- FHIR searches ---------------------------------------------------------------------------


def _fhir_params(rng: random.Random, vocabulary: Vocabulary) -> tuple[str, list, float]:
    """A resource type, its search parameters, and the radius of a ``near`` search."""
    kind = _weighted(rng, FHIR_TYPE_WEIGHTS)
    params: list[tuple[str, str]] = []
    radius = 0.0
    if kind == "Practitioner":
        surname = rng.choice(vocabulary.surnames)[0]
        params.append(("name", surname[: rng.randint(min(3, len(surname)), len(surname))]))
        if rng.random() < 0.3:
            params.append(("_revinclude", "PractitionerRole:practitioner"))
    elif kind == "PractitionerRole":
        params.append(("specialty", rng.choice(vocabulary.procedures)))
        if rng.random() < 0.5:
            params.append(("_lastUpdated", f"ge{rng.randint(2020, 2026)}-{rng.randint(1, 12):02d}"))
        if rng.random() < 0.5:
            params.append(("_include", "PractitionerRole:practitioner"))
    elif kind == "Location":
        lat, lng = rng.choice(vocabulary.coordinates)
        radius = float(rng.choice(RADII))
        point = f"{lat + rng.uniform(-0.05, 0.05):.4f}|{lng + rng.uniform(-0.05, 0.05):.4f}"
        params.append(("near", f"{point}|{radius:g}|km"))
    else:
        params.append(("target", f"Practitioner/{rng.choice(vocabulary.practitioner_ids)}"))
        if rng.random() < 0.3:
            params.append(("_include", "VerificationResult:target"))
    if rng.random() < 0.5:
        params.append(("_count", rng.choice(FHIR_COUNTS)))
    return kind, params, radius


def fhir_searches(vocabulary: Vocabulary, count: int, seed: int) -> list[Request]:
    """``count`` distinct FHIR searches, each of class ``fhir <type> | <parameters>``."""
    rng = random.Random(f"fhir_search:{seed}")

    def draw() -> Request:
        kind, params, radius = _fhir_params(rng, vocabulary)
        query_class = f"fhir {kind} | {'+'.join(name for name, _ in params)}"
        path = f"{FHIR_PATH}{kind}?{urlencode(params)}"
        return Request("fhir_search", path, query_class, (0, radius, 1))

    return distinct(count, draw, "FHIR searches")


def build(vocabulary: Vocabulary, *, seed: int, distinct: int) -> Workload:
    """Every kind's pool of ``distinct`` requests."""
    workload = Workload(seed=seed)
    workload.pools["search"] = searches(vocabulary, distinct, seed)
    workload.pools["profile"] = profiles(vocabulary, distinct, seed)
    workload.pools["api_list"] = searches(vocabulary, distinct, seed, api=True)
    workload.pools["api_detail"] = api_details(vocabulary, distinct, seed)
    workload.pools["fhir_search"] = fhir_searches(vocabulary, distinct, seed)
    return workload


# -- Request sequences ---------------------------------------------------------------------


def shuffled(pool: Sequence[Request], seed: int) -> list[Request]:
    """The pool in a random order: walking it, each request takes a random unused one."""
    order = list(pool)
    random.Random(f"shuffle:{seed}").shuffle(order)
    return order


def _kind_draws(rng: random.Random, kinds: dict[str, int], count: int) -> list[str]:
    return rng.choices(list(kinds), weights=list(kinds.values()), k=count)


def tail_sequence(
    workload: Workload, seed: int, weights: dict[str, int] | None = None
) -> list[Request]:
    """Every request of every pool once, kinds interleaved in their traffic shares.

    The sequence ends when the first kind's pool runs out, so every request is distinct.
    """
    weights = weights or MIX_WEIGHTS
    rng = random.Random(f"tail:{seed}")
    queues = {kind: iter(shuffled(workload.pools[kind], seed)) for kind in weights}
    sequence = []
    total = sum(len(workload.pools[kind]) for kind in weights)
    for kind in _kind_draws(rng, weights, total):
        request = next(queues[kind], None)
        if request is None:
            break
        sequence.append(request)
    return sequence


class ZipfSampler:
    """Ranks 0…n-1 drawn with probability proportional to 1/(rank+1)^exponent."""

    def __init__(self, size: int, exponent: float = ZIPF_EXPONENT):
        if size < 1:
            raise ValueError("a Zipf sampler needs at least one item")
        self.cumulative = list(itertools.accumulate(1 / (r + 1) ** exponent for r in range(size)))

    def draw(self, rng: random.Random) -> int:
        point = rng.random() * self.cumulative[-1]
        return min(bisect.bisect_right(self.cumulative, point), len(self.cumulative) - 1)


def zipf_sequence(
    workload: Workload,
    count: int,
    seed: int,
    *,
    exponent: float = ZIPF_EXPONENT,
    weights: dict[str, int] | None = None,
) -> list[Request]:
    """``count`` requests: each kind in its share, each kind's pool in Zipf popularity.

    Popularity ranks are a shuffle of the pool, so the popular requests are not the
    generator's first ones (which all start the same way).
    """
    weights = weights or MIX_WEIGHTS
    rng = random.Random(f"zipf:{seed}")
    ranked = {kind: shuffled(workload.pools[kind], seed + 1) for kind in weights}
    samplers = {kind: ZipfSampler(len(ranked[kind]), exponent) for kind in weights}
    return [ranked[kind][samplers[kind].draw(rng)] for kind in _kind_draws(rng, weights, count)]


def expected_hit_rate(sequence: Sequence[Request]) -> float:
    """The share of a sequence a cold cache that keeps everything could serve: repeats."""
    if not sequence:
        return 0.0
    return 1 - len({request.path for request in sequence}) / len(sequence)


def paths(sequence: Sequence[Request]) -> Iterator[str]:
    return (request.path for request in sequence)
