"""The Python load generator used when wrk is missing, against a real local HTTP server."""

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import loadgen


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 404 if self.path == "/missing" else 200
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


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
