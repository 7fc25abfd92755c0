"""The benchmark's table and its check against the budgets in the spec.

``python -m bench.report bench/results/<file>.json`` prints the table of an earlier run.
"""

import json
import statistics
import sys

SEARCH_MEDIAN_MS = 30
SEARCH_P99_MS = 100
PROFILE_MEDIAN_MS = 20
SEARCH_FLOOR_SHARE = 0.25
API_LIST_FLOOR_SHARE = 0.20


def floor_rps(result: dict) -> float:
    """The floor's throughput: the mean of its first and last measurement."""
    measured = [
        scenario["load"]["many"]["requests_per_second"]
        for scenario in result["scenarios"]
        if scenario["kind"] == "floor" and scenario.get("load")
    ]
    if result.get("floor_end"):
        measured.append(result["floor_end"]["many"]["requests_per_second"])
    return statistics.fmean(measured) if measured else 0.0


def _sql_ms(plans: list[dict]) -> float | None:
    """The database's own execution time of a page's queries (EXPLAIN ANALYZE, PostgreSQL)."""
    times = [plan["execution_ms"] for plan in plans if plan.get("execution_ms") is not None]
    return round(sum(times), 2) if times else None


def rows(result: dict) -> list[dict]:
    floor = floor_rps(result)
    table = []
    for scenario in result["scenarios"]:
        load = scenario.get("load")
        if not load:
            continue
        rps = load["many"]["requests_per_second"]
        table.append(
            {
                "name": scenario["name"],
                "kind": scenario["kind"],
                "median_ms": load["one"]["median_ms"],
                "p99_ms": load["one"]["p99_ms"],
                "requests_per_second": rps,
                "errors": load["one"]["errors"] + load["many"]["errors"],
                "queries": scenario.get("queries"),
                "uncached_ms": scenario.get("uncached_ms"),
                "floor_share": round(rps / floor, 3) if floor else None,
                "page_cache": scenario.get("page_cache", ""),
                "sql_ms": _sql_ms(scenario.get("plans", [])),
                "full_scans": sorted(
                    {
                        t
                        for plan in scenario.get("plans", [])
                        for t in plan["full_scans_of_large_tables"]
                    }
                ),
            }
        )
    return table


def budgets(result: dict, *, full_size: bool) -> dict:
    """Every budget of the spec, measured; enforced only on PostgreSQL at the budget size."""
    checks = []

    def check(name: str, budget: str, measured, held: bool) -> None:
        checks.append({"name": name, "budget": budget, "measured": measured, "held": held})

    for row in result["rows"]:
        name, kind = row["name"], row["kind"]
        if kind in {"search", "api_list"}:
            check(
                name,
                f"median < {SEARCH_MEDIAN_MS} ms",
                row["median_ms"],
                row["median_ms"] < SEARCH_MEDIAN_MS,
            )
            check(name, f"p99 < {SEARCH_P99_MS} ms", row["p99_ms"], row["p99_ms"] < SEARCH_P99_MS)
            share = SEARCH_FLOOR_SHARE if kind == "search" else API_LIST_FLOOR_SHARE
            check(
                name,
                f"≥ {share}x floor req/s",
                row["floor_share"],
                row["floor_share"] is not None and row["floor_share"] >= share,
            )
        if kind == "profile":
            check(
                name,
                f"median < {PROFILE_MEDIAN_MS} ms",
                row["median_ms"],
                row["median_ms"] < PROFILE_MEDIAN_MS,
            )
        check(name, "no errors", row["errors"], row["errors"] == 0)
    constant = result["constant_queries"]
    busiest, quietest = constant["profile_busiest"], constant["profile_quietest"]
    check(
        "profile",
        "same queries whatever the review count",
        f"{busiest['queries']} queries at {busiest['reviews']} reviews, "
        f"{quietest['queries']} at {quietest['reviews']}",
        busiest["queries"] == quietest["queries"],
    )
    first, second = constant["search_page_1"], constant["search_page_2"]
    check(
        "search",
        "same queries on every page",
        f"page 1: {first['queries']}, page 2: {second['queries']}",
        first["queries"] == second["queries"],
    )
    enforced = result["database_vendor"] == "postgresql" and full_size
    return {"enforced": enforced, "checks": checks}


def table(result: dict) -> str:
    floor = floor_rps(result)
    conditions = result["conditions"]
    connections = conditions["connections"]
    lines = [
        f"{result['database']} · {result['size']['practitioners']:,} practitioners · "
        f"{result['size']['reviews']:,} reviews · {conditions['cpus']} CPUs · gunicorn "
        f"{conditions['gunicorn_workers']}x{conditions['gunicorn_threads']} "
        f"{conditions['worker_class']} · {conditions['loader']} {conditions['duration_s']:g} s "
        f"per run · page cache {conditions['page_cache_seconds']} s · load average "
        f"{conditions['load_average_before'][0]:.1f} before, "
        f"{conditions['load_average_after'][0]:.1f} after",
        "",
        f"{'page':<18} {'median':>8} {'p99':>8} {f'req/s@{connections}':>10} {'x floor':>8} "
        f"{'errors':>6} {'queries':>7} {'uncached':>9} {'SQL':>8} {'cache':>5}",
    ]
    for row in result["rows"]:
        share = "" if row["floor_share"] is None else f"{row['floor_share']:.2f}"
        uncached = "" if row["uncached_ms"] is None else f"{row['uncached_ms']:.1f} ms"
        sql = "" if row.get("sql_ms") is None else f"{row['sql_ms']:.1f} ms"
        lines.append(
            f"{row['name']:<18} {row['median_ms']:>5.1f} ms {row['p99_ms']:>5.1f} ms "
            f"{row['requests_per_second']:>10.0f} {share:>8} {row['errors']:>6} "
            f"{row['queries'] if row['queries'] is not None else '':>7} {uncached:>9} {sql:>8} "
            f"{row.get('page_cache', ''):>5}"
        )
    if result.get("floor_end"):
        first = next(r for r in result["rows"] if r["kind"] == "floor")["requests_per_second"]
        last = result["floor_end"]["many"]["requests_per_second"]
        lines.append(
            f"floor at start {first:.0f} req/s, at end {last:.0f} req/s; "
            f"shares use the mean, {floor:.0f} req/s"
        )
    scans = [
        f"{row['name']}: {', '.join(row['full_scans'])}"
        for row in result["rows"]
        if row["full_scans"]
    ]
    lines.append(
        "uncached: in-process render with the page cache off (median of 5); SQL: the "
        "database's execution time of those queries; cache: the page cache's answer after "
        "warm-up"
    )
    lines.append("Full scans of large tables: " + ("; ".join(scans) if scans else "none"))
    lines.append("")
    verdict = result["budgets"]
    failed = [c for c in verdict["checks"] if not c["held"]]
    note = "" if verdict["enforced"] else " (not enforced: budgets are for PostgreSQL at 100k/1M)"
    if failed:
        lines.append(f"Budgets: {len(failed)} of {len(verdict['checks'])} missed{note}")
        lines += [f"  MISSED {c['name']}: {c['budget']} — measured {c['measured']}" for c in failed]
    else:
        lines.append(f"Budgets: all {len(verdict['checks'])} held{note}")
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as saved:
        print(table(json.load(saved)))
