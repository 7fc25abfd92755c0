"""Reading query plans: what makes a plan fail the budget, and a short outline of it.

PostgreSQL plans come from ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)``. A plan fails when
it holds

- a sequential scan (``Seq Scan``, parallel or not) of a large table — one holding more
  than ``LARGE_TABLE_ROWS`` rows by the planner's statistics — or
- a sort (``Sort`` or ``Incremental Sort``) fed more than ``MAX_SORTED_ROWS`` rows: every
  row read into it, over all loops and parallel workers, even when a LIMIT above keeps
  only a page of them (a top-N heapsort still reads them all).

SQLite's ``EXPLAIN QUERY PLAN`` has no row counts: there only a ``SCAN`` of a large table
without an index is reported (the budgets are not enforced on SQLite).
"""

from collections.abc import Iterator
from dataclasses import dataclass

LARGE_TABLE_ROWS = 10_000
MAX_SORTED_ROWS = 10_000
SORT_NODES = frozenset({"Sort", "Incremental Sort"})
# Sort keys can be whole expressions (a distance formula): names are cut to this length.
KEY_LENGTH = 60


@dataclass(frozen=True)
class Finding:
    """A plan node over the budget: ``node`` names it as EXPLAIN does, ``detail`` says why."""

    node: str
    detail: str

    def __str__(self) -> str:
        return f"{self.node}: {self.detail}"


def walk(node: dict, depth: int = 0) -> Iterator[tuple[int, dict]]:
    """Every node of a plan tree with its depth, parents first."""
    yield depth, node
    for child in node.get("Plans", ()):
        yield from walk(child, depth + 1)


def _rows(node: dict) -> int:
    """Rows a node produced over all its loops (parallel workers count as loops)."""
    return round(node.get("Actual Rows", 0) * max(node.get("Actual Loops", 1), 1))


def sorted_rows(node: dict) -> int:
    """Rows fed into a sort node: what its input produced."""
    return sum(_rows(child) for child in node.get("Plans", ()))


def findings(plan: dict, sizes: dict[str, int]) -> list[Finding]:
    """What in one PostgreSQL JSON plan (``{"Plan": …}``) breaks the budget."""
    found = []
    for _, node in walk(plan["Plan"]):
        kind = node.get("Node Type", "")
        if kind == "Seq Scan":
            table = node.get("Relation Name", "")
            rows = sizes.get(table, 0)
            if rows > LARGE_TABLE_ROWS:
                name = f"{'Parallel ' if node.get('Parallel Aware') else ''}Seq Scan on {table}"
                found.append(Finding(name, f"a sequential scan of a {rows:,}-row table"))
        elif kind in SORT_NODES:
            rows = sorted_rows(node)
            if rows > MAX_SORTED_ROWS:
                keys = ", ".join(_short(key) for key in node.get("Sort Key", ()))
                found.append(Finding(f"{kind} ({keys})", f"sorts {rows:,} rows"))
    return found


def _short(text: str) -> str:
    return text if len(text) <= KEY_LENGTH else text[: KEY_LENGTH - 1] + "…"


def outline(plan: dict) -> list[str]:
    """The plan as short indented lines: node, relation or index, rows (actual over all
    loops, then the estimate and the actual per loop), loops, time, buffers."""
    lines = []
    for depth, node in walk(plan["Plan"]):
        label = node.get("Node Type", "?")
        if node.get("Parallel Aware"):
            label = f"Parallel {label}"
        if node.get("Relation Name"):
            label += f" on {node['Relation Name']}"
        if node.get("Index Name"):
            label += f" using {node['Index Name']}"
        if node.get("Sort Key"):
            label += f" by {', '.join(_short(key) for key in node['Sort Key'])}"
        details = [f"rows {_rows(node):,}"]
        if "Plan Rows" in node:
            # The planner's estimate per loop, beside the actual rows per loop: a large gap
            # is a misestimate, the usual reason for a bad plan.
            details.append(f"est {node['Plan Rows']:,}/loop vs {node.get('Actual Rows', 0):,.0f}")
        if node.get("Actual Loops", 1) > 1:
            details.append(f"loops {node['Actual Loops']}")
        if "Actual Total Time" in node:
            details.append(f"{node['Actual Total Time']:.1f} ms")
        if node.get("Rows Removed by Filter"):
            details.append(f"filtered out {_rows_removed(node):,}")
        buffers = node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
        if buffers:
            details.append(f"buffers {buffers:,}")
        lines.append(f"{'  ' * depth}{label} ({', '.join(details)})")
    return lines


def _rows_removed(node: dict) -> int:
    return round(node.get("Rows Removed by Filter", 0) * max(node.get("Actual Loops", 1), 1))


def sqlite_findings(lines: list[str], sizes: dict[str, int]) -> list[Finding]:
    """What an SQLite ``EXPLAIN QUERY PLAN`` shows against the budget (no row counts)."""
    found = []
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0] == "SCAN" and "INDEX" not in line:
            table = words[1]
            if sizes.get(table, 0) > LARGE_TABLE_ROWS:
                found.append(
                    Finding(f"SCAN {table}", f"a full scan of a {sizes[table]:,}-row table")
                )
    return found
