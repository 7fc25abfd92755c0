"""The load generators (the Python one, and wrk with its paths script) against a real local
HTTP server."""

import asyncio
import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import load, loadgen

# What the test server says about each path, as the page cache would.
VERDICTS = {"/hit": "hit", "/miss": "miss"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: Counter = Counter()
    authorized: Counter = Counter()

    def do_GET(self):
        status = 404 if self.path == "/missing" else 200
        body = b"hello"
        Handler.seen[self.path] += 1
        if self.headers.get("Authorization") == "Bearer k":
            Handler.authorized[self.path] += 1
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if self.path in VERDICTS:
            self.send_header("X-Page-Cache", VERDICTS[self.path])
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.seen = Counter()
    Handler.authorized = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def paths_file(tmp_path):
    path = tmp_path / "paths.txt"
    path.write_text("/hit\n/miss\n/api/v1/x\n/plain\n")
    return path


def test_it_keeps_connections_busy_and_measures_latency(server):
    summary = asyncio.run(loadgen.run(server + "/", connections=4, duration=0.5, headers=[]))

    assert summary["requests"] > 10
    assert summary["status_errors"] == summary["connect_errors"] == 0
    assert 0 < summary["p50_us"] <= summary["p99_us"] <= summary["max_us"]
    assert summary["bytes"] > summary["requests"] * len("hello")


def test_error_statuses_are_counted(server):
    summary = asyncio.run(loadgen.run(server + "/missing", connections=1, duration=0.3, headers=[]))

    assert summary["requests"] > 0
    assert summary["status_errors"] == summary["requests"]


def test_a_closed_port_counts_connect_errors():
    summary = asyncio.run(
        loadgen.run("http://127.0.0.1:9/", connections=1, duration=0.2, headers=[])
    )

    assert summary["requests"] == 0
    assert summary["connect_errors"] > 0


def _walks_every_path_with_the_api_header_only_under_api(result: load.LoadResult) -> None:
    assert result.requests > 8
    assert set(Handler.seen) == {"/hit", "/miss", "/api/v1/x", "/plain"}
    # Every line in turn: no path is asked for more than once per round over the others.
    assert max(Handler.seen.values()) - min(Handler.seen.values()) <= 2
    assert set(Handler.authorized) == {"/api/v1/x"}
    # The server may have answered a request or two still in flight when the run ended.
    in_flight = result.connections
    assert 0 <= Handler.seen["/hit"] - result.cache_hits <= in_flight
    assert 0 <= Handler.seen["/miss"] - result.cache_misses <= in_flight
    none = Handler.seen["/api/v1/x"] + Handler.seen["/plain"]
    assert 0 <= none - result.cache_none <= in_flight
    judged = result.cache_hits + result.cache_misses
    assert result.hit_rate == pytest.approx(result.cache_hits / judged, abs=0.001)


def test_the_python_generator_walks_a_paths_file_and_counts_cache_verdicts(server, paths_file):
    result = load.run_load(
        "python",
        server,
        connections=2,
        seconds=0.5,
        paths_file=paths_file,
        api_header="Authorization: Bearer k",
    )

    _walks_every_path_with_the_api_header_only_under_api(result)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_walks_a_paths_file_and_counts_cache_verdicts(server, paths_file):
    result = load.run_load(
        "wrk",
        server,
        connections=2,
        seconds=1,
        paths_file=paths_file,
        api_header="Authorization: Bearer k",
    )

    _walks_every_path_with_the_api_header_only_under_api(result)


def test_an_offset_starts_the_walk_further_down_the_file(server, paths_file):
    summary = asyncio.run(
        loadgen.run(
            server + "/",
            connections=1,
            duration=0.05,
            headers=[],
            paths=["/hit", "/miss", "/plain"],
            offset=2,
        )
    )

    assert summary["requests"] >= 1
    first = next(iter(Handler.seen))
    assert first == "/plain"


def test_loads_side_by_side_add_up_their_requests_and_keep_the_worst_latency():
    def result(rps, p99, errors=0):
        return load.LoadResult(
            connections=8,
            seconds=10.0,
            requests=int(rps * 10),
            requests_per_second=rps,
            median_ms=p99 / 4,
            p90_ms=p99 / 2,
            p99_ms=p99,
            max_ms=p99 * 2,
            errors=errors,
            error_detail={"status_errors": errors},
            cache_misses=int(rps * 10),
        )

    combined = load.combine([result(40.0, 200.0), result(35.0, 300.0, errors=1)])

    assert combined.connections == 16
    assert combined.requests_per_second == 75.0
    assert combined.p99_ms == 300.0
    assert combined.errors == 1
    assert combined.hit_rate == 0.0
