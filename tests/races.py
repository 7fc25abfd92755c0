"""Races for the concurrency tests: calls run in real threads, released at the same moment.

Each thread has its own database connection (closed when it is done), so on PostgreSQL
the calls really do meet in row locks and constraints; SQLite serialises their writes.
"""

import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.db import connection


def at_once(
    *calls: Callable[[], Any],
    ok: str = "ok",
    labels: Mapping[type[Exception], str] | None = None,
    join_timeout: float = 60,
) -> list[tuple[str, Any]]:
    """Run each call in its own thread, all released by one barrier; return what each got.

    A call that returns gives ``(ok, value)``; one that raises gives ``(label, error)``,
    the label of the first class in ``labels`` the error is an instance of, else "error"
    (the test inspects what each thread got).
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = (ok, call())
        except Exception as error:
            kinds = (labels or {}).items()
            label = next((name for kind, name in kinds if isinstance(error, kind)), "error")
            results[index] = (label, error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    return results
