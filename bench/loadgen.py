"""A small closed-loop HTTP/1.1 load generator, used when wrk is not installed.

``python -m bench.loadgen URL --connections 16 --duration 10 [--header "Name: value"]``
keeps N keep-alive connections busy for the duration, each sending the next request as
soon as the previous response is read (as wrk does), and prints the same one-line JSON
summary as ``wrk_report.lua``. With ``--paths FILE`` it requests the file's paths (one a
line) in turn from ``--offset`` instead of the URL's, paths under ``/api/`` and ``/fhir/``
carrying ``--api-header``, and counts the page cache's verdicts as ``wrk_paths.lua`` does.

It is asyncio on raw sockets with no dependency, so it costs more CPU per request than
wrk: page throughput is always compared with the floor measured by the same generator in
the same run.
"""

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# The paths that need a partner key: the REST API and the FHIR API.
KEYED_PATHS = ("/api/", "/fhir/")


@dataclass
class Tally:
    latencies_us: list[float] = field(default_factory=list)
    bytes: int = 0
    connect_errors: int = 0
    read_errors: int = 0
    write_errors: int = 0
    status_errors: int = 0
    timeout_errors: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    cache_none: int = 0

    def count_verdict(self, verdict: str) -> None:
        if verdict == "hit":
            self.cache_hits += 1
        elif verdict == "miss":
            self.cache_misses += 1
        else:
            self.cache_none += 1


class Requests:
    """The request bytes to send next: one fixed request, or a list of them walked in turn."""

    def __init__(self, prepared: list[bytes], offset: int = 0):
        self.prepared = prepared
        self.position = offset % len(prepared)

    def next(self) -> bytes:
        request = self.prepared[self.position]
        self.position = (self.position + 1) % len(self.prepared)
        return request


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool, str]:
    """Read one response: status, bytes read, whether the connection stays open, and the
    page cache's verdict (X-Page-Cache)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    size = len(head)
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        size += len(body)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunk_size = int(size_line.split(b";")[0], 16)
            chunk = await reader.readexactly(chunk_size + 2)
            size += len(size_line) + len(chunk)
            if chunk_size == 0:
                break
    else:
        body = await reader.read()
        size += len(body)
        return status, size, False, headers.get("x-page-cache", "")
    keep_alive = headers.get("connection", "").lower() != "close"
    return status, size, keep_alive, headers.get("x-page-cache", "")


async def _connection(
    host: str, port: int, requests: Requests, deadline: float, timeout: float, tally: Tally
) -> None:
    reader = writer = None
    while time.perf_counter() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), timeout
                )
            except (OSError, TimeoutError):
                tally.connect_errors += 1
                await asyncio.sleep(0.01)
                continue
        started = time.perf_counter()
        try:
            writer.write(requests.next())
            await writer.drain()
        except OSError:
            tally.write_errors += 1
            writer = None
            continue
        try:
            status, size, keep_alive, verdict = await asyncio.wait_for(
                _read_response(reader), timeout
            )
        except TimeoutError:
            tally.timeout_errors += 1
            writer.close()
            writer = None
            continue
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            tally.read_errors += 1
            writer.close()
            writer = None
            continue
        tally.latencies_us.append((time.perf_counter() - started) * 1e6)
        tally.bytes += size
        tally.count_verdict(verdict)
        if status >= 400:
            tally.status_errors += 1
        if not keep_alive:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def _request(target: str, netloc: str, headers: list[str]) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: {netloc}", "User-Agent: bench.loadgen", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def run(
    url: str,
    connections: int,
    duration: float,
    headers: list[str],
    timeout: float = 10.0,
    *,
    paths: list[str] | None = None,
    offset: int = 0,
    api_header: str = "",
) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if paths:
        prepared = [
            _request(
                path,
                parts.netloc,
                [*headers, api_header] if api_header and path.startswith(KEYED_PATHS) else headers,
            )
            for path in paths
        ]
    else:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        prepared = [_request(target, parts.netloc, headers)]
    requests = Requests(prepared, offset)
    tally = Tally()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(_connection(host, port, requests, deadline, timeout, tally) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies = sorted(tally.latencies_us)
    return {
        "requests": len(latencies),
        "duration_us": int(elapsed * 1e6),
        "bytes": tally.bytes,
        "connect_errors": tally.connect_errors,
        "read_errors": tally.read_errors,
        "write_errors": tally.write_errors,
        "status_errors": tally.status_errors,
        "timeout_errors": tally.timeout_errors,
        "p50_us": _percentile(latencies, 50),
        "p90_us": _percentile(latencies, 90),
        "p99_us": _percentile(latencies, 99),
        "max_us": latencies[-1] if latencies else 0.0,
        "mean_us": statistics.fmean(latencies) if latencies else 0.0,
        "cache_hits": tally.cache_hits,
        "cache_misses": tally.cache_misses,
        "cache_none": tally.cache_none,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--paths", help="a file of paths to request in turn, one a line")
    parser.add_argument("--offset", type=int, default=0, help="the line to start from")
    parser.add_argument(
        "--api-header", default="", help="a header for paths under /api/ and /fhir/"
    )
    args = parser.parse_args()
    paths = None
    if args.paths:
        with open(args.paths) as listed:
            paths = [line.strip() for line in listed if line.strip()]
    summary = asyncio.run(
        run(
            args.url,
            args.connections,
            args.duration,
            args.header,
            paths=paths,
            offset=args.offset,
            api_header=args.api_header,
        )
    )
    print("BENCH_JSON " + json.dumps(summary))


if __name__ == "__main__":
    main()
