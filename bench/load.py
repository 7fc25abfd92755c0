"""Run one bounded load with wrk, or with bench.loadgen when wrk is missing.

The load requests one URL again and again, or walks a file of paths (``paths_file``):
each thread of wrk (or the Python generator's one loop) takes the next path for every
request, from its own starting line. Paths under ``/api/`` and ``/fhir/`` carry ``api_header``.
"""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
WRK_PATHS_SCRIPT = Path(__file__).with_name("wrk_paths.lua")


@dataclass(frozen=True)
class LoadResult:
    connections: int
    seconds: float
    requests: int
    requests_per_second: float
    median_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    error_detail: dict
    # The page cache's verdicts (X-Page-Cache), counted only when walking a paths file.
    cache_hits: int = 0
    cache_misses: int = 0
    cache_none: int = 0

    @property
    def hit_rate(self) -> float | None:
        """Hits among the responses the page cache answered for (None if it answered none)."""
        judged = self.cache_hits + self.cache_misses
        return round(self.cache_hits / judged, 3) if judged else None

    def as_dict(self) -> dict:
        return {**asdict(self), "hit_rate": self.hit_rate}


def loader_name(choice: str) -> str:
    """``wrk`` if asked for or found on PATH, else ``python``."""
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--loader wrk: wrk is not installed (apt-get install wrk)")
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return choice


def _summary_line(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"the load generator printed no summary:\n{output[-2000:]}")


def walkers(loader: str, connections: int) -> int:
    """How many walks through a paths file one load makes: one per wrk thread, else one."""
    return max(1, min(connections, os.cpu_count() or 1)) if loader == "wrk" else 1


def run_load(
    loader: str,
    url: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    paths_file: Path | None = None,
    offset: int = 0,
    regions: int = 0,
    api_header: str = "",
) -> LoadResult:
    """Load ``url`` (or, with ``paths_file``, the server at ``url`` with those paths).

    A paths file is cut into ``regions`` equal parts (default: one per walker); walker *i*
    starts ``i`` parts after ``offset``. Loads run side by side pass the total of their
    walkers and offsets a whole number of parts apart, so that no two walk the same lines.
    """
    header_lines = [f"{name}: {value}" for name, value in (headers or {}).items()]
    if loader == "wrk":
        threads = walkers(loader, connections)
        command = [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=10s",
            f"--script={WRK_PATHS_SCRIPT if paths_file else WRK_SCRIPT}",
        ]
        for line in header_lines:
            command += ["--header", line]
        command.append(url)
        if paths_file:
            command += ["--", str(paths_file), str(regions or threads), str(offset), api_header]
    else:
        command = [
            sys.executable,
            "-m",
            "bench.loadgen",
            url,
            f"--connections={connections}",
            f"--duration={seconds}",
        ]
        for line in header_lines:
            command += ["--header", line]
        if paths_file:
            command += [f"--paths={paths_file}", f"--offset={offset}"]
            command += [f"--api-header={api_header}"] if api_header else []
    completed = subprocess.run(  # noqa: S603 — a fixed command line built above
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {completed.stderr or completed.stdout}")
    raw = _summary_line(completed.stdout)
    elapsed = raw["duration_us"] / 1e6
    detail = {
        name: raw[name]
        for name in (
            "connect_errors",
            "read_errors",
            "write_errors",
            "status_errors",
            "timeout_errors",
        )
    }
    return LoadResult(
        connections=connections,
        seconds=round(elapsed, 2),
        requests=raw["requests"],
        requests_per_second=round(raw["requests"] / elapsed, 1) if elapsed else 0.0,
        median_ms=round(raw["p50_us"] / 1000, 2),
        p90_ms=round(raw["p90_us"] / 1000, 2),
        p99_ms=round(raw["p99_us"] / 1000, 2),
        max_ms=round(raw["max_us"] / 1000, 2),
        errors=sum(detail.values()),
        error_detail=detail,
        cache_hits=raw.get("cache_hits", 0),
        cache_misses=raw.get("cache_misses", 0),
        cache_none=raw.get("cache_none", 0),
    )


def combine(results: list[LoadResult]) -> LoadResult:
    """Loads run side by side (one per server): requests and rates add up; the latencies
    are the worst of them, since percentiles of separate runs cannot be merged exactly."""
    detail = {
        name: sum(result.error_detail.get(name, 0) for result in results)
        for name in results[0].error_detail
    }
    return LoadResult(
        connections=sum(result.connections for result in results),
        seconds=max(result.seconds for result in results),
        requests=sum(result.requests for result in results),
        requests_per_second=round(sum(result.requests_per_second for result in results), 1),
        median_ms=max(result.median_ms for result in results),
        p90_ms=max(result.p90_ms for result in results),
        p99_ms=max(result.p99_ms for result in results),
        max_ms=max(result.max_ms for result in results),
        errors=sum(result.errors for result in results),
        error_detail=detail,
        cache_hits=sum(result.cache_hits for result in results),
        cache_misses=sum(result.cache_misses for result in results),
        cache_none=sum(result.cache_none for result in results),
    )
