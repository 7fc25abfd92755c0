"""A real HTTP(S) server on 127.0.0.1 that records webhook deliveries (no mocked sender)."""

import socket
import ssl
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
    # (certificate chain file, key file): serve HTTPS and record the SNI names asked for.
    tls: tuple[str, str] | None = None
    server_names: list[str | None] = field(default_factory=list)

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
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)

            def remember_name(sock, server_name, context):
                receiver.server_names.append(server_name)

            context.sni_callback = remember_name
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_port


class HostileReceiver:
    """A TCP server on 127.0.0.1 that answers every connection with ``behaviour``:

    - ``"trickle"``: an endless answer, one byte every ``interval`` seconds;
    - ``"garbage"``: bytes that are not HTTP, then it closes;
    - ``"hang_up"``: reads the request and closes without a word.
    """

    def __init__(self, behaviour: str, *, interval: float = 0.2):
        self.behaviour = behaviour
        self.interval = interval
        self.connections = 0
        self._stop = threading.Event()

    def start(self) -> "HostileReceiver":
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hooks"
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.settimeout(2)
                connection.recv(65536)
                if self.behaviour == "garbage":
                    connection.sendall(b"\x16\x03\x01 this is not HTTP at all\r\n\r\n")
                elif self.behaviour == "trickle":
                    connection.sendall(b"HTTP/1.1 200 OK\r\n")
                    while not self._stop.is_set():
                        connection.sendall(b"X")
                        time.sleep(self.interval)
            except OSError:
                return  # the sender gave up, as it should

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()
