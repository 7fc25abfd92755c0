"""The benchmark's table and its check against the budgets in docs/performance.md.

``python -m bench.report bench/results/<file>.json`` prints the table of an earlier run.

The budgets ("The budgets it checks"), at 100k practitioners and 1M reviews on PostgreSQL:

- long tail, page cache cold: one client p50 and p99 for search, profile and API list;
  at N connections a share of the floor for every kind (``TAIL_BUDGETS``);
- the Zipf mix: a share of the floor (``ZIPF_FLOOR_SHARE``);
- fixed hot URLs: a share of the floor for the search and the API list (``HOT_FLOOR_SHARE``);
- no errors anywhere; no query class whose plan scans a large table or sorts more than
  10k rows (bench.plans); the same number of queries per page whatever the page or the
  review count; each gunicorn worker's resident size; seeding time when it seeded.
"""

import json
import statistics
import sys

# Per page kind: one-client p50 and p99 (ms; None: no budget) and the share of the floor
# at N connections. A new kind adds a line here and a pool in
# bench.workload.
TAIL_BUDGETS: dict[str, dict[str, float | None]] = {
    "search": {"p50_ms": 15, "p99_ms": 100, "floor_share": 0.03},
    "profile": {"p50_ms": 15, "p99_ms": 100, "floor_share": 0.05},
    "api_list": {"p50_ms": 15, "p99_ms": 100, "floor_share": 0.03},
    "api_detail": {"p50_ms": None, "p99_ms": None, "floor_share": 0.03},
    # No latency budget yet (docs/performance.md sets none for FHIR): throughput only.
    "fhir_search": {"p50_ms": None, "p99_ms": None, "floor_share": 0.03},
}
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
ZIPF_FLOOR_SHARE = 0.15
HOT_FLOOR_SHARE = {"search": 0.25, "api_list": 0.20}
WORKER_RSS_MB = 250
# How many failing query classes the printed table names (the JSON holds them all).
PLANS_SHOWN = 25
SEED_SECONDS = 300


def sql_ms(statements: list[dict]) -> float | None:
    """The database's own execution time of a page's queries (EXPLAIN ANALYZE, PostgreSQL)."""
    times = [s["execution_ms"] for s in statements if s.get("execution_ms") is not None]
    return round(sum(times), 2) if times else None


def floor_rps(result: dict) -> float:
    """The floor's throughput: the mean of its first and last measurement."""
    runs = result["runs"]
    measured = [
        runs[name]["many"]["requests_per_second"]
        for name in ("floor", "floor_end")
        if runs.get(name)
    ]
    return statistics.fmean(measured) if measured else 0.0


def _share(rps: float, floor: float) -> float | None:
    return round(rps / floor, 4) if floor else None


def _errors(run: dict | None) -> int:
    if not run:
        return 0
    return sum(part["errors"] for part in (run.get("one"), run.get("many")) if part)


def _wrapped(run: dict | None) -> bool:
    return any(
        (part or {}).get("wrapped") for part in ((run or {}).get("one"), (run or {}).get("many"))
    )


def _check_distinct(check, name: str, run: dict) -> None:
    """A long-tail run that outlasted its pool asked for some requests twice: not a long tail."""
    wrapped = _wrapped(run)
    check(
        name,
        "every request distinct (raise --distinct if not)",
        "pool exhausted" if wrapped else "yes",
        not wrapped,
    )


def budgets(result: dict, *, full_size: bool) -> dict:
    """Every budget of the spec, measured; enforced only on PostgreSQL at the budget size."""
    checks = []
    floor = floor_rps(result)
    runs = result["runs"]

    def check(name: str, budget: str, measured, held: bool) -> None:
        checks.append({"name": name, "budget": budget, "measured": measured, "held": held})

    for kind, budget in TAIL_BUDGETS.items():
        run = runs.get("tail", {}).get(kind)
        if not run:
            continue
        name = f"long tail {kind}"
        one, many = run["one"], run["many"]
        if budget["p50_ms"] is not None:
            limit = budget["p50_ms"]
            check(name, f"1 client p50 ≤ {limit} ms", one["median_ms"], one["median_ms"] <= limit)
        if budget["p99_ms"] is not None:
            limit = budget["p99_ms"]
            check(name, f"1 client p99 ≤ {limit} ms", one["p99_ms"], one["p99_ms"] <= limit)
        share = _share(many["requests_per_second"], floor)
        wanted = budget["floor_share"]
        check(name, f"≥ {wanted}x floor req/s", share, share is not None and share >= wanted)
        check(name, "no errors", _errors(run), _errors(run) == 0)
        _check_distinct(check, name, run)
    if runs.get("tail_mix"):
        _check_distinct(check, "long-tail mix", runs["tail_mix"])
        check(
            "long-tail mix", "no errors", _errors(runs["tail_mix"]), not _errors(runs["tail_mix"])
        )
    if runs.get("zipf"):
        share = _share(runs["zipf"]["many"]["requests_per_second"], floor)
        check(
            "Zipf mix",
            f"≥ {ZIPF_FLOOR_SHARE}x floor req/s",
            share,
            share is not None and share >= ZIPF_FLOOR_SHARE,
        )
        check("Zipf mix", "no errors", _errors(runs["zipf"]), _errors(runs["zipf"]) == 0)
    kinds = {hot["name"]: hot["kind"] for hot in result.get("hot", [])}
    for name, run in runs.get("hot", {}).items():
        wanted = HOT_FLOOR_SHARE.get(kinds.get(name, ""))
        if wanted is not None:
            share = _share(run["many"]["requests_per_second"], floor)
            check(
                f"hot {name}",
                f"≥ {wanted}x floor req/s",
                share,
                share is not None and share >= wanted,
            )
        check(f"hot {name}", "no errors", _errors(run), _errors(run) == 0)
    for setup, run in result.get("scale_out", {}).items():
        check(f"scale-out {setup}", "no errors", _errors(run), _errors(run) == 0)
    classes = result.get("classes", [])
    if classes:
        failing = [c for c in classes if c["findings"]]
        for found in failing:
            check(
                f"plan {found['kind']} [{found['class']}]",
                "no seq scan of a large table, no sort > 10k rows",
                "; ".join(found["findings"]),
                False,
            )
        check(
            f"every query class ({len(classes)})",
            "no seq scan of a large table, no sort > 10k rows",
            f"{len(failing)} classes with findings",
            not failing,
        )
        wrong = [
            f"{c['kind']} [{c['class']}] answered {one['status']}"
            for c in classes
            for one in c["explained"]
            if one["status"] != 200
        ]
        check("every query class", "answers 200 in-process", "; ".join(wrong) or "all", not wrong)
    constant = result.get("constant_queries") or {}
    if constant:
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
    workers = result.get("memory", {}).get("workers") or []
    if workers:
        largest = max(worker["rss_mb"] for worker in workers)
        check(
            "gunicorn workers",
            f"resident size ≤ {WORKER_RSS_MB} MB",
            largest,
            largest <= WORKER_RSS_MB,
        )
    seeding = result.get("seeding") or {}
    if seeding.get("seeded"):
        seconds = seeding["seconds"]
        check("seed_demo", f"< {SEED_SECONDS} s", seconds, seconds < SEED_SECONDS)
    enforced = result["database_vendor"] == "postgresql" and full_size
    return {"enforced": enforced, "checks": checks}


# -- The printed table -----------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _rate(run: dict | None) -> str:
    if not run or run.get("hit_rate") is None:
        return "-"
    return f"{run['hit_rate']:.0%}"


def _row(label: str, run: dict | None, floor: float, extra: str = "") -> str:
    one = (run or {}).get("one") or {}
    many = (run or {}).get("many") or {}
    rps = many.get("requests_per_second")
    share = _share(rps, floor) if rps is not None else None
    return (
        f"{label:<24} {_ms(one.get('median_ms')):>9} {_ms(one.get('p99_ms')):>9} "
        f"{'' if rps is None else f'{rps:.0f}':>9} "
        f"{'' if share is None else f'{share:.3f}':>8} {_rate(many):>8} "
        f"{_errors(run):>6}{extra}"
    )


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _node_kind(finding: str) -> str:
    """A finding's plan node without its literals: "Seq Scan on x", "Sort of > 10k rows"."""
    node = finding.split(":", 1)[0]
    return "Sort of more than 10k rows" if "Sort (" in node else node


def table(result: dict) -> str:
    floor = floor_rps(result)
    conditions = result["conditions"]
    runs = result["runs"]
    connections = conditions["connections"]
    header = (
        f"{'':<24} {'p50 @1':>9} {'p99 @1':>9} {f'req/s@{connections}':>9} {'x floor':>8} "
        f"{'hit rate':>8} {'errors':>6}"
    )
    lines = [
        f"{result['database']} · {result['size']['practitioners']:,} practitioners · "
        f"{result['size']['reviews']:,} reviews · {conditions['cpus']} CPUs · gunicorn "
        f"{conditions['gunicorn_workers']}x{conditions['gunicorn_threads']} "
        f"{conditions['worker_class']} · {conditions['loader']} · "
        f"{conditions['tail_duration_s']:g} s per long-tail run, {conditions['duration_s']:g} s "
        f"per hot URL · page cache {conditions['page_cache_seconds']} s · load average "
        f"{conditions['load_average_before'][0]:.1f} before, "
        f"{conditions['load_average_after'][0]:.1f} after",
    ]
    if runs.get("floor"):
        first = runs["floor"]["many"]["requests_per_second"]
        last = (runs.get("floor_end") or runs["floor"])["many"]["requests_per_second"]
        lines.append(
            f"floor: {first:.0f} req/s at the start, {last:.0f} at the end; shares use the "
            f"mean, {floor:.0f} req/s"
        )
    work = result.get("workload", {})
    if runs.get("tail"):
        lines += [
            "",
            f"Long tail: {work.get('distinct', 0):,} distinct requests per kind (seed "
            f"{work.get('seed')}), each request a different one, page cache emptied before "
            "each run",
            header,
        ]
        for kind, run in runs["tail"].items():
            wrapped = " (pool exhausted: repeats)" if _wrapped(run) else ""
            lines.append(_row(kind, run, floor, wrapped))
        if runs.get("tail_mix"):
            mixed = NUMBER_WORDS.get(len(runs["tail"]), str(len(runs["tail"])))
            lines.append(_row(f"mix of the {mixed}", runs["tail_mix"], floor))
    if runs.get("zipf"):
        zipf = work.get("zipf", {})
        lines += [
            "",
            f"Zipf mix: popular requests repeat (exponent {zipf.get('exponent')}, shares "
            f"{zipf.get('weights')}), page cache emptied before each run",
            header,
            _row("Zipf mix", runs["zipf"], floor),
        ]
    if runs.get("hot"):
        cached = {hot["name"]: hot.get("page_cache", "") for hot in result.get("hot", [])}
        lines += ["", "Fixed hot URLs (the page cache's check, after a warm-up)", header]
        for name, run in runs["hot"].items():
            lines.append(_row(name, run, floor, f"  {cached.get(name, '')}"))
    classes = result.get("classes", [])
    if classes:
        per_kind: dict[str, int] = {}
        for found in classes:
            per_kind[found["kind"]] = per_kind.get(found["kind"], 0) + 1
        failing = [c for c in classes if c["findings"]]
        explained = sum(len(c["explained"]) for c in classes)
        lines += [
            "",
            f"Query classes: {len(classes)} "
            f"({', '.join(f'{kind} {n}' for kind, n in per_kind.items())}), {explained} "
            f"requests EXPLAINed; {len(failing)} classes with a plan over budget",
        ]
        by_node: dict[tuple[str, str], int] = {}
        for found in failing:
            for node in {_node_kind(finding) for finding in found["findings"]}:
                by_node[found["kind"], node] = by_node.get((found["kind"], node), 0) + 1
        lines += [
            f"  {count:4} {kind} classes: {node}"
            for (kind, node), count in sorted(by_node.items(), key=lambda item: -item[1])
        ]
        slowest = sorted(
            (
                (one["render_ms"], one.get("sql_ms"), c["kind"], c["class"])
                for c in classes
                for one in c["explained"]
            ),
            key=lambda item: item[0],
            reverse=True,
        )[:10]
        lines.append("Slowest renders in-process (page cache off): render, of which SQL execution")
        lines += [
            f"  {render:7.0f} ms {'-' if sql is None else f'{sql:.0f}':>7} ms  {kind} [{name}]"
            for render, sql, kind, name in slowest
        ]
    memory = result.get("memory", {})
    if memory.get("workers"):
        rss = [w["rss_mb"] for w in memory["workers"]]
        pss = [w["pss_mb"] for w in memory["workers"] if w.get("pss_mb") is not None]
        lines += [
            "",
            f"Gunicorn workers after the run: {len(rss)}, resident "
            f"{min(rss):.0f} to {max(rss):.0f} MB each"
            + (f" (proportional share {min(pss):.0f} to {max(pss):.0f} MB)" if pss else ""),
        ]
    redis = memory.get("redis")
    peaks = {}
    for run in [
        *(r.get("many") for r in runs.get("tail", {}).values()),
        (runs.get("tail_mix") or {}).get("many"),
        (runs.get("zipf") or {}).get("many"),
    ]:
        for group, used in ((run or {}).get("page_cache_memory") or {}).items():
            if used["bytes"] >= peaks.get(group, {"bytes": -1})["bytes"]:
                peaks[group] = used
    if redis is not None:
        lines.append(
            "Redis, page cache after the run: "
            + ", ".join(f"{g} {u['keys']:,} keys {_mb(u['bytes'])}" for g, u in redis.items())
        )
    if peaks:
        lines.append(
            "Redis, page cache at its largest after one load run: "
            + ", ".join(f"{g} {u['keys']:,} keys {_mb(u['bytes'])}" for g, u in peaks.items())
        )
    scale = result.get("scale_out", {})
    if scale:
        lines += ["", "Scale-out: the long-tail mix, page cache emptied first", header]
        if runs.get("tail_mix"):
            lines.append(_row("one instance", runs["tail_mix"], floor))
        if scale.get("two_instances"):
            lines.append(_row("two instances", scale["two_instances"], floor))
        if scale.get("replica"):
            lines.append(_row("one + read replica", scale["replica"], floor))
            work_done = scale["replica"]["database_work"]
            for side in ("replica", "primary"):
                done = work_done[side]
                lines.append(
                    f"  on the {side}: {done['transactions']:,} transactions, "
                    f"{done['rows_fetched']:,} rows fetched, {done['index_scans']:,} index "
                    f"scans, {done['seq_scans']:,} sequential scans, "
                    f"{done['buffer_hits'] + done['buffer_reads']:,} buffer reads"
                )
            alone = (runs.get("tail_mix") or {}).get("database_work", {}).get("primary")
            if alone:
                lines.append(
                    f"  (without the replica the primary did {alone['transactions']:,} "
                    f"transactions, {alone['rows_fetched']:,} rows fetched, "
                    f"{alone['index_scans']:,} index scans for the same mix)"
                )
    lines.append("")
    verdict = result["budgets"]
    failed = [c for c in verdict["checks"] if not c["held"]]
    note = "" if verdict["enforced"] else " (not enforced: budgets are for PostgreSQL at 100k/1M)"
    if failed:
        lines.append(f"Budgets: {len(failed)} of {len(verdict['checks'])} missed{note}")
        plans = [c for c in failed if c["name"].startswith("plan ")]
        shown = [c for c in failed if not c["name"].startswith("plan ")] + plans[:PLANS_SHOWN]
        lines += [f"  MISSED {c['name']}: {c['budget']} — measured {c['measured']}" for c in shown]
        if len(plans) > PLANS_SHOWN:
            lines.append(f"  … and {len(plans) - PLANS_SHOWN} more query classes (in the JSON)")
    else:
        lines.append(f"Budgets: all {len(verdict['checks'])} held{note}")
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as saved:
        print(table(json.load(saved)))
