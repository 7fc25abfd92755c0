"""The load runs of one benchmark: against which server, which paths, how cold.

``Loads`` runs wrk (or bench.loadgen) against one URL or walks a file of paths against
one or more servers, empties the page cache before a cold run, and records each run with
the machine's load average. The functions below it are the runs the harness makes: the
long tail of each kind, a mixed sequence, two gunicorn instances side by side, and one
instance reading from a streaming replica.
"""

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import cachestate, replica, server, workload
from bench.load import LoadResult, combine, run_load, walkers

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
WORK = ROOT / "var" / "bench"
# Seconds of unmeasured load on a newly started server before its first measured run.
SERVER_WARMUP = 10
# Seconds between a load and the flush of the page cache before the next one.
SETTLE_SECONDS = 3


class KeyRing:
    """Partner keys for the run, one per API load so no run meets another's rate window."""

    def __init__(self, pages):
        self.pages = pages
        self.ids: list[int] = []

    def fresh(self) -> str:
        key_id, raw = self.pages.create_partner_key()
        self.ids.append(key_id)
        return raw

    def revoke_all(self) -> None:
        for key_id in self.ids:
            self.pages.revoke_partner_key(key_id)


def write_paths(name: str, requests: list[workload.Request]) -> Path:
    folder = WORK / "paths"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text("".join(f"{request.path}\n" for request in requests))
    return path


def server_starts(lines: int, servers: int, per_server: int, offset: int) -> list[tuple[int, int]]:
    """For loads run side by side on ``servers`` servers, each with ``per_server`` walkers
    through one paths file: each load's first line and the number of equal parts the file
    is cut into, so that every walker starts on a part of its own."""
    regions = servers * per_server
    part = lines // regions
    return [(offset + index * per_server * part, regions) for index in range(servers)]


class Loads:
    """The load runs against the served site, each one recorded with the machine's load."""

    def __init__(self, args: argparse.Namespace, loader: str, keys: KeyRing):
        self.args = args
        self.loader = loader
        self.keys = keys

    def url(self, base: str, path: str, **kwargs) -> dict:
        """One URL at one connection, then at N."""
        return {
            "one": self._run(base + path, connections=1, seconds=self.args.duration, **kwargs),
            "many": self._run(
                base + path,
                connections=self.args.connections,
                seconds=self.args.duration,
                **kwargs,
            ),
        }

    def _run(self, url: str, *, connections: int, seconds: float, api: bool = False) -> dict:
        headers = {"Authorization": f"Bearer {self.keys.fresh()}"} if api else {}
        before = os.getloadavg()[0]
        result = run_load(
            self.loader, url, connections=connections, seconds=seconds, headers=headers
        )
        return {**result.as_dict(), "load_average": [before, os.getloadavg()[0]]}

    def paths(
        self,
        bases: list[str],
        paths_file: Path,
        *,
        connections: int,
        offset: int = 0,
        lines: int,
        cold: bool = True,
    ) -> dict:
        """Walk a paths file against one or more servers at once (connections split evenly),
        the page cache emptied first unless ``cold`` is off."""
        if cold:
            # Requests still in flight when the previous load stopped would store their
            # pages after the flush: let them finish first.
            time.sleep(SETTLE_SECONDS)
            cachestate.flush()
        api_header = f"Authorization: Bearer {self.keys.fresh()}"
        before = os.getloadavg()[0]
        share = max(1, connections // len(bases))
        starts = server_starts(lines, len(bases), walkers(self.loader, share), offset)
        with ThreadPoolExecutor(len(bases)) as pool:
            futures = [
                pool.submit(
                    run_load,
                    self.loader,
                    base,
                    connections=share,
                    seconds=self.args.tail_duration,
                    paths_file=paths_file,
                    offset=starts[index][0],
                    regions=starts[index][1],
                    api_header=api_header,
                )
                for index, base in enumerate(bases)
            ]
            results: list[LoadResult] = [future.result() for future in futures]
        combined = combine(results)
        return {
            **combined.as_dict(),
            "load_average": [before, os.getloadavg()[0]],
            "lines": lines,
            "wrapped": combined.requests > lines,
            "per_server": [result.as_dict() for result in results] if len(results) > 1 else [],
            "page_cache_memory": cachestate.memory(),
        }

    def warm(self, bases: list[str], paths_file: Path) -> None:
        """Requests of the warm-up sequence (none of the measured ones), unmeasured, for
        ``SERVER_WARMUP`` s or the warm-up time if longer: each new worker imports, compiles
        its templates and opens its connections before the measured runs."""
        with ThreadPoolExecutor(len(bases)) as pool:
            for future in [
                pool.submit(
                    run_load,
                    self.loader,
                    base,
                    connections=self.args.connections,
                    seconds=max(self.args.warmup, SERVER_WARMUP),
                    paths_file=paths_file,
                    api_header=f"Authorization: Bearer {self.keys.fresh()}",
                )
                for base in bases
            ]:
                future.result()


def print_run(label: str, one: dict | None, many: dict | None, connections: int) -> None:
    parts = [f"  {label:<22}"]
    if one:
        parts.append(f"1 conn: p50 {one['median_ms']} ms, p99 {one['p99_ms']} ms")
    if many:
        hit = "" if many.get("hit_rate") is None else f", hit rate {many['hit_rate']:.0%}"
        parts.append(f"{connections} conn: {many['requests_per_second']} req/s{hit}")
    errors = sum(run["errors"] for run in (one, many) if run)
    print(" | ".join(parts) + f" | {errors} errors", flush=True)


def long_tail(loads: Loads, base: str, work: workload.Workload, seed: int) -> dict:
    """Each kind's distinct pool in a random order, one client then N, cold each time."""
    runs = {}
    connections = loads.args.connections
    for kind in workload.KINDS:
        sequence = workload.shuffled(work.pools[kind], seed)
        paths_file = write_paths(f"tail-{kind}", sequence)
        lines = len(sequence)
        one = loads.paths([base], paths_file, connections=1, lines=lines)
        many = loads.paths(
            [base], paths_file, connections=connections, offset=lines // 4, lines=lines
        )
        runs[kind] = {"one": one, "many": many}
        print_run(f"long tail {kind}", one, many, connections)
    return runs


def mixed(loads: Loads, bases: list[str], paths_file: Path, lines: int, *, one: bool) -> dict:
    """A mixed sequence: one client (unless ``one`` is off), then N connections starting a
    quarter of the way in, so that the two runs ask for different requests first."""
    connections = loads.args.connections
    return {
        "one": loads.paths(bases[:1], paths_file, connections=1, lines=lines) if one else None,
        "many": loads.paths(
            bases, paths_file, connections=connections, offset=lines // 4, lines=lines
        ),
    }


def scale_out_runs(
    args, env, loads: Loads, paths_file: Path, lines: int, warmup_file: Path, log_stamp: str
) -> dict:
    """The long-tail mix against two gunicorn instances sharing the database and Redis."""
    processes = []
    bases = []
    try:
        for index in range(2):
            port = server.free_port(args.ports)
            log = RESULTS / f"{log_stamp}-gunicorn-{index + 2}.log"
            processes.append(server.start(env, port, log))
            bases.append(f"http://127.0.0.1:{port}")
        loads.warm(bases, warmup_file)
        run = mixed(loads, bases, paths_file, lines, one=False)
        run["workers"] = [server.worker_memory(process) for process in processes]
    finally:
        for process in processes:
            server.stop(process)
    print_run("mix, 2 instances", None, run["many"], args.connections)
    return run


def replica_runs(
    args, env, loads: Loads, paths_file: Path, lines: int, warmup_file: Path, log_stamp: str
) -> dict:
    """The long-tail mix with reads of public data sent to a streaming replica."""
    standby = replica.Replica(env["DATABASE_URL"], port=args.replica_port)
    print(f"Read replica on 127.0.0.1:{args.replica_port} (var/bench/replica)…", flush=True)
    made = standby.ensure()
    replica_env = dict(env, DATABASE_REPLICA_URL=standby.url)
    port = server.free_port(args.ports)
    urls = (standby.url, env["DATABASE_URL"])
    process = server.start(replica_env, port, RESULTS / f"{log_stamp}-gunicorn-replica.log")
    try:
        loads.warm([f"http://127.0.0.1:{port}"], warmup_file)
        before = replica.settled_stats(*urls)
        run = mixed(loads, [f"http://127.0.0.1:{port}"], paths_file, lines, one=True)
        run["workers"] = [server.worker_memory(process)]
        run["streaming"] = standby.streaming()
        after = replica.settled_stats(*urls)
    finally:
        server.stop(process)
        if not args.keep_replica:
            standby.stop()
    run["made"] = made
    run["database_work"] = {
        side: replica.difference(before[index], after[index])
        for index, side in enumerate(("replica", "primary"))
    }
    print_run("mix, read replica", run["one"], run["many"], args.connections)
    return run
