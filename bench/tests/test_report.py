"""The benchmark's verdicts: each budget of the spec, checked against measured figures."""

from bench import report


def load(median=5.0, p99=20.0, rps=500.0, errors=0):
    one = {"median_ms": median, "p99_ms": p99, "requests_per_second": 100.0, "errors": 0}
    many = {"median_ms": median, "p99_ms": p99, "requests_per_second": rps, "errors": errors}
    return {"one": one, "many": many}


def result(*, vendor="postgresql", search=None, api=None, profile=None, floor=1000.0):
    scenarios = [
        {"name": "floor", "kind": "floor", "queries": 0, "load": load(0.5, 1.0, floor)},
        {"name": "search_q", "kind": "search", "queries": 3, "load": search or load()},
        {"name": "profile", "kind": "profile", "queries": 6, "load": profile or load()},
        {"name": "api_list_q", "kind": "api_list", "queries": 3, "load": api or load()},
    ]
    measured = {
        "database_vendor": vendor,
        "scenarios": scenarios,
        "floor_end": load(0.5, 1.0, floor),
        "constant_queries": {
            "profile_busiest": {"reviews": 400, "queries": 6},
            "profile_quietest": {"reviews": 1, "queries": 6},
            "search_page_1": {"queries": 3},
            "search_page_2": {"queries": 3},
        },
    }
    measured["rows"] = report.rows(measured)
    return measured


def missed(measured, *, full_size=True):
    verdict = report.budgets(measured, full_size=full_size)
    return [(c["name"], c["budget"]) for c in verdict["checks"] if not c["held"]], verdict


def test_figures_within_every_budget_hold():
    failed, verdict = missed(result())

    assert failed == []
    assert verdict["enforced"] is True


def test_a_slow_median_or_p99_on_search_is_missed():
    failed, _ = missed(result(search=load(median=31.0, p99=101.0)))

    assert ("search_q", "median < 30 ms") in failed
    assert ("search_q", "p99 < 100 ms") in failed


def test_throughput_is_judged_against_the_floor_of_the_same_run():
    # 240 of 1000 floor req/s is under a quarter; the API list needs only a fifth.
    failed, _ = missed(result(search=load(rps=240.0), api=load(rps=210.0)))

    assert ("search_q", "≥ 0.25x floor req/s") in failed
    assert not any(name == "api_list_q" for name, _ in failed)


def test_the_profile_has_its_own_median_budget():
    failed, _ = missed(result(profile=load(median=21.0)))

    assert failed == [("profile", "median < 20 ms")]


def test_any_error_misses_the_budget():
    failed, _ = missed(result(api=load(errors=3)))

    assert failed == [("api_list_q", "no errors")]


def test_queries_that_grow_with_the_review_count_are_missed():
    measured = result()
    measured["constant_queries"]["profile_busiest"]["queries"] = 7

    failed, _ = missed(measured)

    assert failed == [("profile", "same queries whatever the review count")]


def test_budgets_are_reported_but_not_enforced_off_postgresql_or_below_full_size():
    assert missed(result(vendor="sqlite"))[1]["enforced"] is False
    assert missed(result(), full_size=False)[1]["enforced"] is False


def test_the_floor_share_uses_the_mean_of_the_first_and_last_floor():
    measured = result(search=load(rps=300.0))
    measured["floor_end"] = load(0.5, 1.0, 200.0)  # the machine got busier during the run

    rows = report.rows(measured)

    assert next(r for r in rows if r["name"] == "search_q")["floor_share"] == 0.5
