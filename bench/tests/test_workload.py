"""The long-tail generator: deterministic, distinct, every filter used, Zipf-shaped repeats."""

import math
import random
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest

from bench import workload

VOCABULARY = workload.Vocabulary(
    surnames=[("Garcia", 800), ("Nguyen", 790), ("Smith", 780), ("Okafor", 12)],
    cities=[("Los Angeles", 1000), ("Chicago", 700), ("Austin", 300), ("Boise", 20)],
    postal_codes=["10001", "78701", "94110"],
    words=[("skin", 50_000), ("laser", 10_000), ("spa", 9_000), ("collagen", 0)],
    coordinates=[(34.05, -118.24), (41.88, -87.63), (30.27, -97.74)],
    procedures=["microneedling", "rf_microneedling", "chemical_peel"],
    professions=["physician", "nurse_practitioner", "esthetician"],
    skin_types=["I", "II", "III", "IV", "V", "VI"],
    complications=["infection", "scarring", "hyperpigmentation", "pain"],
    profile_slugs=[f"practitioner-{n}" for n in range(3000)],
    practitioner_ids=list(range(1, 3001)),
)


def params(request: workload.Request) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(request.path).query)


@pytest.fixture(scope="module")
def built() -> workload.Workload:
    return workload.build(VOCABULARY, seed=7, distinct=2000)


def test_the_same_seed_gives_the_same_requests_in_the_same_order(built):
    again = workload.build(VOCABULARY, seed=7, distinct=2000)

    for kind in workload.KINDS:
        assert [r.path for r in again.pools[kind]] == [r.path for r in built.pools[kind]]
    assert workload.zipf_sequence(again, 500, 7) == workload.zipf_sequence(built, 500, 7)
    assert workload.tail_sequence(again, 7) == workload.tail_sequence(built, 7)


def test_another_seed_gives_other_requests(built):
    other = workload.build(VOCABULARY, seed=8, distinct=2000)

    assert [r.path for r in other.pools["search"]] != [r.path for r in built.pools["search"]]


def test_every_request_of_a_pool_is_distinct(built):
    for kind in workload.KINDS:
        paths = [r.path for r in built.pools[kind]]
        assert len(paths) == 2000
        assert len(set(paths)) == len(paths), kind


def test_every_search_filter_sort_and_page_is_used(built):
    used = Counter(name for r in built.pools["search"] for name, _ in params(r))
    values = {
        name: {value for r in built.pools["search"] for n, value in params(r) if n == name}
        for name in ("sort", "page", "radius_km")
    }

    for name in (
        "q",
        "procedure",
        "near",
        "lat",
        "lng",
        "radius_km",
        "verified",
        "profession",
        "min_rating",
        "skin_type",
        "no_severe",
        "exclude_complication",
        "sort",
        "page",
    ):
        assert used[name] > 0, name
    assert values["sort"] == {"relevance", "rating", "reviews", "distance"}
    assert values["page"] == {"2", "3", "4", "5"}  # page 1 is the URL without it
    assert set(workload.RADII) <= values["radius_km"]


def test_searches_combine_several_filters_and_repeat_exclude_complication(built):
    counts = Counter(
        len({name for name, _ in params(r)} - {"sort", "page", "lat", "lng", "radius_km"})
        for r in built.pools["search"]
    )
    repeated = [
        r
        for r in built.pools["search"]
        if sum(1 for name, _ in params(r) if name == "exclude_complication") > 1
    ]

    assert counts[0] > 0
    assert counts[3] > 0
    assert counts[5] > 0
    assert repeated


def test_q_text_comes_from_surnames_cities_and_words(built):
    texts = " ".join(value for r in built.pools["search"] for n, value in params(r) if n == "q")
    words = texts.lower().split()

    assert "garcia" in words
    assert "okafor" in words
    assert "austin" in words or "boise" in words
    assert "skin" in words
    assert "spa" in words


def test_distance_is_asked_for_only_with_a_location(built):
    for request in [*built.pools["search"], *built.pools["api_list"]]:
        names = {name for name, _ in params(request)}
        if ("sort", "distance") in params(request):
            assert names & {"near", "lat"}, request.path
        assert not {"near", "lat"} <= names, "near and lat/lng are never combined"


def test_the_api_list_pages_with_cursors_not_page_numbers(built):
    names = {name for r in built.pools["api_list"] for name, _ in params(r)}

    assert "page" not in names
    assert "page_size" in names
    assert all(r.path.startswith(workload.API_LIST_PATH) for r in built.pools["api_list"])


def test_a_query_class_is_the_filters_present_and_the_order_in_effect():
    assert workload.search_class({"skin_type", "q"}, None) == "q+skin_type | relevance"
    assert workload.search_class({"location"}, "relevance") == "location | distance"
    assert workload.search_class({"q", "location"}, "rating") == "q+location | rating"
    assert workload.search_class(set(), "distance") == "no filter | rating"
    assert workload.search_class(set(), None) == "no filter | rating"


def test_requests_of_one_class_share_their_filters_whatever_the_values(built):
    for requests in built.classes("search").values():
        shapes = {
            frozenset(
                "location" if name in {"near", "lat", "lng", "radius_km"} else name
                for name, _ in params(r)
                if name not in {"page", "sort"}
            )
            for r in requests
        }
        assert len(shapes) == 1


def test_profiles_and_details_are_distinct_practitioners(built):
    slugs = [urlsplit(r.path).path.split("/")[2] for r in built.pools["profile"]]
    filtered = [r for r in built.pools["profile"] if "?" in r.path]

    assert len(set(slugs)) == len(slugs)
    assert 0.15 < len(filtered) / len(slugs) < 0.35
    assert len({r.path for r in built.pools["api_detail"]}) == 2000


def test_a_pool_larger_than_the_data_is_refused():
    with pytest.raises(ValueError, match="distinct practitioners"):
        workload.build(VOCABULARY, seed=1, distinct=5000)


def test_the_long_tail_sequence_never_repeats_and_mixes_every_kind(built):
    sequence = workload.tail_sequence(built, 7)
    kinds = Counter(r.kind for r in sequence)

    assert len({r.path for r in sequence}) == len(sequence)
    assert workload.expected_hit_rate(sequence) == 0
    assert set(kinds) == set(workload.KINDS)
    assert kinds["search"] > kinds["profile"] > kinds["api_list"] > kinds["api_detail"]


def test_zipf_draws_fall_off_as_one_over_the_rank():
    sampler = workload.ZipfSampler(1000, exponent=1.0)
    rng = random.Random(3)
    counts = Counter(sampler.draw(rng) for _ in range(200_000))

    # P(rank r) = 1 / (r * H_1000), H_1000 ≈ 7.485: the top rank takes about 13%.
    assert counts[0] / 200_000 == pytest.approx(1 / 7.485, rel=0.05)
    assert counts[0] / counts[9] == pytest.approx(10, rel=0.2)
    # The slope of log(count) against log(rank) over ranks 1 to 100 is about -1.
    ranks = range(1, 101)
    xs = [math.log(r) for r in ranks]
    ys = [math.log(counts[r - 1]) for r in ranks]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    assert slope == pytest.approx(-1.0, abs=0.1)


def test_the_zipf_mix_repeats_popular_requests_of_every_kind(built):
    sequence = workload.zipf_sequence(built, 20_000, 7)
    counts = Counter(r.path for r in sequence)
    (_, most), *_ = counts.most_common(1)
    mean = len(sequence) / len(counts)

    assert {r.kind for r in sequence} == set(workload.KINDS)
    assert most > 100 * mean  # the most popular search is asked for far more than most
    assert 0.5 < workload.expected_hit_rate(sequence) < 0.95
    assert workload.expected_hit_rate(sequence[:1000]) < workload.expected_hit_rate(sequence)
