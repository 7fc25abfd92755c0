"""The query plan checker: what in an EXPLAIN (ANALYZE, FORMAT JSON) plan breaks the budget."""

from bench import plans

SIZES = {
    "practitioners_practitioner": 100_000,
    "reviews_practitionersummary": 100_000,
    "practitioners_procedure": 6,
}


def node(kind: str, rows: float = 1, loops: int = 1, children=(), **fields) -> dict:
    return {
        "Node Type": kind,
        "Actual Rows": rows,
        "Actual Loops": loops,
        "Plans": list(children),
        **fields,
    }


def plan(root: dict) -> dict:
    return {"Plan": root, "Execution Time": 12.5}


def test_an_index_only_plan_passes():
    found = plans.findings(
        plan(
            node(
                "Limit",
                21,
                children=[
                    node(
                        "Index Scan",
                        21,
                        **{
                            "Relation Name": "reviews_practitionersummary",
                            "Index Name": "summary_rating_order_idx",
                        },
                    )
                ],
            )
        ),
        SIZES,
    )

    assert found == []


def test_a_seq_scan_of_a_large_table_fails_and_is_named():
    scan = node("Seq Scan", 100_000, **{"Relation Name": "reviews_practitionersummary"})

    found = plans.findings(plan(node("Hash Join", 21, children=[scan])), SIZES)

    assert [str(f) for f in found] == [
        "Seq Scan on reviews_practitionersummary: a sequential scan of a 100,000-row table"
    ]


def test_a_parallel_seq_scan_fails_too():
    scan = node(
        "Seq Scan",
        33_000,
        loops=3,
        **{"Relation Name": "practitioners_practitioner", "Parallel Aware": True},
    )

    (found,) = plans.findings(plan(node("Gather", 100_000, children=[scan])), SIZES)

    assert found.node == "Parallel Seq Scan on practitioners_practitioner"


def test_a_seq_scan_of_a_small_table_passes():
    scan = node("Seq Scan", 6, **{"Relation Name": "practitioners_procedure"})

    assert plans.findings(plan(scan), SIZES) == []


def test_a_sort_of_more_than_10k_rows_fails_even_under_a_limit():
    # A top-N heapsort keeps 21 rows but reads all 30,000 of its input.
    sort = node(
        "Sort",
        21,
        children=[node("Bitmap Heap Scan", 30_000)],
        **{"Sort Key": ["(word_similarity(...)) DESC", "p.id"], "Sort Method": "top-N heapsort"},
    )

    (found,) = plans.findings(plan(node("Limit", 21, children=[sort])), SIZES)

    assert found.node == "Sort ((word_similarity(...)) DESC, p.id)"
    assert found.detail == "sorts 30,000 rows"


def test_a_long_sort_key_is_cut_short_in_the_finding():
    distance = "('12742.0176'::double precision * asin(LEAST(sqrt(power(sin(" + "x" * 200
    sort = node("Sort", 21, children=[node("Index Scan", 12_000)], **{"Sort Key": [distance]})

    (found,) = plans.findings(plan(sort), SIZES)

    assert len(found.node) < 80
    assert found.node.endswith("…)")


def test_a_sort_counts_rows_over_every_loop_and_parallel_worker():
    sort = node("Sort", 4_000, loops=3, children=[node("Hash Join", 4_000, loops=3)])

    (found,) = plans.findings(plan(node("Gather Merge", 21, children=[sort])), SIZES)

    assert found.detail == "sorts 12,000 rows"


def test_a_sort_of_a_page_of_rows_passes():
    sort = node("Sort", 21, children=[node("Index Scan", 2_000)])

    assert plans.findings(plan(sort), SIZES) == []


def test_an_incremental_sort_is_held_to_the_same_limit():
    sort = node("Incremental Sort", 21, children=[node("Index Scan", 50_000)])

    (found,) = plans.findings(plan(sort), SIZES)

    assert found.node.startswith("Incremental Sort")


def test_the_outline_names_nodes_tables_indexes_and_rows():
    scan = node(
        "Index Scan",
        21,
        **{
            "Relation Name": "reviews_practitionersummary",
            "Index Name": "summary_rating_order_idx",
            "Actual Total Time": 0.2,
            "Shared Hit Blocks": 30,
            "Plan Rows": 4,
        },
    )

    lines = plans.outline(plan(node("Limit", 21, children=[scan])))

    assert lines[0].startswith("Limit (rows 21")
    assert lines[1] == (
        "  Index Scan on reviews_practitionersummary using summary_rating_order_idx "
        "(rows 21, est 4/loop vs 21, 0.2 ms, buffers 30)"
    )


def test_on_sqlite_a_full_scan_of_a_large_table_is_reported():
    lines = [
        "SCAN practitioners_practitioner",
        "SEARCH reviews_practitionersummary USING INDEX summary_rating_order_idx (rating<?)",
        "SCAN practitioners_procedure",
        "USE TEMP B-TREE FOR ORDER BY",
    ]

    found = plans.sqlite_findings(lines, SIZES)

    assert [f.node for f in found] == ["SCAN practitioners_practitioner"]
