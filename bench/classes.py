"""Query classes: each rendered in-process, its SQL captured and EXPLAINed (bench.plans).

A query class (bench.workload) is the set of filters present and the order in effect;
its requests differ only in literal values and the page's offset. Each class is judged
on its first request and its broadest one (the most practitioners matched by ``q``, the
largest radius, the deepest page).
"""

import time

from bench import report, workload


def representatives(requests: list[workload.Request], per_class: int) -> list[workload.Request]:
    """The class's first request and, when asked for two, its broadest."""
    chosen = [requests[0]]
    broadest = max(requests, key=lambda request: request.breadth)
    if per_class > 1 and broadest is not requests[0]:
        chosen.append(broadest)
    return chosen


def explain_classes(
    work: workload.Workload, pages, sizes: dict[str, int], api_key: str, per_class: int
) -> list[dict]:
    """Every query class of every kind: rendered in-process, its SQL captured and EXPLAINed."""
    classes = []
    total = sum(len(work.classes(kind)) for kind in workload.KINDS)
    print(f"EXPLAINing {total} query classes (page cache off)…", flush=True)
    started = time.monotonic()
    for kind in workload.KINDS:
        api = api_key if kind in workload.API_KINDS else ""
        # One unmeasured render first: the first of a kind compiles its templates.
        pages.capture(work.pools[kind][0].path, api_key=api)
        for name, requests in sorted(work.classes(kind).items()):
            explained = []
            for request in representatives(requests, per_class):
                inspection = pages.capture(request.path, api_key=api)
                statements = pages.explain(inspection.sql, sizes)
                explained.append(
                    {
                        "path": request.path,
                        "status": inspection.status,
                        "queries": inspection.queries,
                        "render_ms": inspection.uncached_ms,
                        "sql_ms": report.sql_ms(statements),
                        "statements": statements,
                    }
                )
            classes.append(
                {
                    "kind": kind,
                    "class": name,
                    "requests": len(requests),
                    "explained": explained,
                    "findings": sorted(
                        {
                            finding
                            for one in explained
                            for statement in one["statements"]
                            for finding in statement["findings"]
                        }
                    ),
                }
            )
            if len(classes) % 100 == 0:
                print(
                    f"  {len(classes)}/{total} classes, {time.monotonic() - started:.0f} s",
                    flush=True,
                )
    return classes
