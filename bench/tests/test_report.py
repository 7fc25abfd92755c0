"""The benchmark's verdicts: each budget of the spec, checked against measured figures."""

from bench import report

FLOOR = 1000.0


def load(median=5.0, p99=20.0, rps=500.0, errors=0, hits=None, misses=None):
    one = {"median_ms": median, "p99_ms": p99, "requests_per_second": 100.0, "errors": 0}
    many = {
        "median_ms": median,
        "p99_ms": p99,
        "requests_per_second": rps,
        "errors": errors,
        "hit_rate": None if hits is None else hits / (hits + misses),
    }
    return {"one": one, "many": many}


def result(*, vendor="postgresql", tail=None, zipf=None, hot=None, floor=FLOOR, **extra):
    tail = {
        "search": load(8, 60, 50),
        "profile": load(6, 40, 80),
        "api_list": load(7, 50, 40),
        "api_detail": load(4, 20, 60),
        **(tail or {}),
    }
    hot = {
        "search_q": load(0.6, 2, 400),
        "profile": load(0.6, 2, 10),
        "api_list_q": load(1, 3, 300),
        **(hot or {}),
    }
    measured = {
        "database_vendor": vendor,
        "runs": {
            "floor": load(0.5, 1.0, floor),
            "floor_end": load(0.5, 1.0, floor),
            "tail": tail,
            "tail_mix": load(9, 70, 45, misses=100, hits=0),
            "zipf": zipf or load(3, 50, 200, hits=60, misses=40),
            "hot": hot,
        },
        "hot": [
            {"name": "search_q", "kind": "search"},
            {"name": "profile", "kind": "profile"},
            {"name": "api_list_q", "kind": "api_list"},
        ],
        "classes": [
            {"kind": "search", "class": "q | relevance", "findings": [], "explained": [ok()]},
            {"kind": "api_detail", "class": "api detail", "findings": [], "explained": [ok()]},
        ],
        "constant_queries": {
            "profile_busiest": {"reviews": 400, "queries": 6},
            "profile_quietest": {"reviews": 1, "queries": 6},
            "search_page_1": {"queries": 3},
            "search_page_2": {"queries": 3},
        },
        "memory": {"workers": [{"pid": 1, "rss_mb": 180.0, "pss_mb": 90.0}], "redis": None},
        "seeding": {"seeded": False, "seconds": 0.0},
        "scale_out": {},
    }
    measured.update(extra)
    return measured


def ok(status=200):
    return {"path": "/x", "status": status, "render_ms": 20.0, "sql_ms": 2.0, "statements": []}


def missed(measured, *, full_size=True):
    verdict = report.budgets(measured, full_size=full_size)
    return [(c["name"], c["budget"]) for c in verdict["checks"] if not c["held"]], verdict


def test_figures_within_every_budget_hold():
    failed, verdict = missed(result())

    assert failed == []
    assert verdict["enforced"] is True


def test_a_slow_long_tail_search_misses_its_p50_and_p99():
    failed, _ = missed(result(tail={"search": load(median=16.0, p99=101.0, rps=50)}))

    assert failed == [
        ("long tail search", "1 client p50 ≤ 15 ms"),
        ("long tail search", "1 client p99 ≤ 100 ms"),
    ]


def test_the_api_detail_has_no_latency_budget_only_a_throughput_one():
    failed, _ = missed(result(tail={"api_detail": load(median=40.0, p99=400.0, rps=29)}))

    assert failed == [("long tail api_detail", "≥ 0.03x floor req/s")]


def test_profiles_need_a_larger_share_of_the_floor_than_searches():
    # 40 of 1000 floor req/s is enough for a search (0.03x), not for profiles (0.05x).
    failed, _ = missed(result(tail={"search": load(8, 60, 40), "profile": load(6, 40, 40)}))

    assert failed == [("long tail profile", "≥ 0.05x floor req/s")]


def test_the_zipf_mix_needs_0_15x_the_floor():
    failed, _ = missed(result(zipf=load(3, 50, 149, hits=50, misses=50)))

    assert failed == [("Zipf mix", "≥ 0.15x floor req/s")]


def test_hot_urls_need_a_quarter_for_search_and_a_fifth_for_the_api_list():
    failed, _ = missed(result(hot={"search_q": load(rps=240.0), "api_list_q": load(rps=210.0)}))

    assert failed == [("hot search_q", "≥ 0.25x floor req/s")]


def test_throughput_is_judged_against_the_mean_of_the_first_and_last_floor():
    measured = result(hot={"search_q": load(rps=300.0)})
    measured["runs"]["floor_end"] = load(0.5, 1.0, 200.0)  # the machine got busier

    assert report.floor_rps(measured) == 600.0
    assert missed(measured)[0] == []  # 300 / 600 = 0.5x


def test_any_error_in_any_run_misses_the_budget():
    measured = result(tail={"api_list": load(7, 50, 40, errors=3)})
    measured["scale_out"] = {"replica": load(errors=1)}

    failed, _ = missed(measured)

    assert ("long tail api_list", "no errors") in failed
    assert ("scale-out replica", "no errors") in failed


def test_a_long_tail_run_that_outlasted_its_pool_is_not_a_long_tail():
    measured = result()
    measured["runs"]["tail"]["api_list"]["one"]["wrapped"] = True

    failed, _ = missed(measured)

    assert failed == [("long tail api_list", "every request distinct (raise --distinct if not)")]


def test_a_query_class_with_a_bad_plan_fails_naming_the_class_and_the_node():
    measured = result()
    measured["classes"][0]["findings"] = [
        "Seq Scan on reviews_practitionersummary: a sequential scan of a 100,000-row table"
    ]

    failed, verdict = missed(measured)

    assert ("plan search [q | relevance]", "no seq scan of a large table, no sort > 10k rows") in (
        failed
    )
    named = next(c for c in verdict["checks"] if c["name"] == "plan search [q | relevance]")
    assert "Seq Scan on reviews_practitionersummary" in named["measured"]


def test_a_query_class_that_did_not_answer_200_in_process_fails():
    measured = result()
    measured["classes"][1]["explained"] = [ok(status=400)]

    failed, _ = missed(measured)

    assert failed == [("every query class", "answers 200 in-process")]


def test_queries_that_grow_with_the_review_count_are_missed():
    measured = result()
    measured["constant_queries"]["profile_busiest"]["queries"] = 7

    failed, _ = missed(measured)

    assert failed == [("profile", "same queries whatever the review count")]


def test_a_worker_over_250_mb_resident_is_missed():
    measured = result()
    measured["memory"]["workers"].append({"pid": 2, "rss_mb": 260.5, "pss_mb": 120.0})

    failed, _ = missed(measured)

    assert failed == [("gunicorn workers", "resident size ≤ 250 MB")]


def test_seeding_is_timed_only_when_the_run_seeded():
    assert missed(result(seeding={"seeded": False, "seconds": 0.0}))[0] == []
    assert missed(result(seeding={"seeded": True, "seconds": 301.0}))[0] == [
        ("seed_demo", "< 300 s")
    ]


def test_budgets_are_reported_but_not_enforced_off_postgresql_or_below_full_size():
    assert missed(result(vendor="sqlite"))[1]["enforced"] is False
    assert missed(result(), full_size=False)[1]["enforced"] is False


def test_the_table_shows_every_kind_the_hit_rates_and_what_missed():
    measured = result(tail={"search": load(median=16.0, p99=60, rps=50)})
    measured.update(
        conditions={
            "cpus": 2,
            "gunicorn_workers": 5,
            "gunicorn_threads": 2,
            "worker_class": "gthread",
            "loader": "wrk",
            "tail_duration_s": 20,
            "duration_s": 10,
            "connections": 16,
            "page_cache_seconds": 300,
            "load_average_before": [1.0, 1.0, 1.0],
            "load_average_after": [2.0, 1.0, 1.0],
        },
        workload={"distinct": 5000, "seed": 1, "zipf": {"exponent": 1.0, "weights": {}}},
        size={"practitioners": 100_000, "reviews": 1_000_000},
        database="postgres",
    )
    measured["budgets"] = report.budgets(measured, full_size=True)

    printed = report.table(measured)

    for kind in ("search", "profile", "api_list", "api_detail", "Zipf mix", "mix of the four"):
        assert kind in printed
    assert "60%" in printed  # the Zipf mix's hit rate
    assert "MISSED long tail search: 1 client p50 ≤ 15 ms — measured 16.0" in printed
