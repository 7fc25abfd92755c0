"""A real HTTP server on 127.0.0.1 that records webhook deliveries (no mocked sender)."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of ``statuses`` (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [204])
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.received.append(Received(dict(self.headers), body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                index = min(len(receiver.received), len(receiver.statuses)) - 1
                try:
                    self.send_response(receiver.statuses[index])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
