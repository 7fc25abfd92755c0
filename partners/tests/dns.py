"""A stub resolver for webhook tests: answers what the test chooses, and nothing else.

It stands in for ``socket.getaddrinfo`` in ``partners.egress`` (the root conftest installs
one for every test, so no test depends on the network's DNS). Names under the reserved
``example`` domains resolve to one public address unless a test says otherwise; every
other name does not resolve. Numeric addresses and ``localhost`` go to the real resolver,
which answers them without the network. ``answer`` may give several answers in turn, the
last one repeating, to play a DNS server that changes its mind (rebinding).
"""

import ipaddress
import socket
from collections.abc import Sequence

# An address on the public internet (one of example.com's); nothing in the tests expects
# a connection to it to succeed.
PUBLIC_ADDRESS = "93.184.215.14"
EXAMPLE_DOMAINS = (".example", ".example.com", ".example.org", ".example.net")


class StubResolver:
    def __init__(self):
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []

    def answer(self, host: str, *answers: Sequence[str]) -> None:
        """Resolve ``host`` to ``answers[0]``, then ``answers[1]``, …; the last repeats.

        An empty answer makes the name unknown.
        """
        self.answers[host.lower()] = [list(addresses) for addresses in answers]

    def lookups_of(self, host: str) -> int:
        return self.lookups.count(host.lower())

    def _addresses(self, host: str) -> list[str]:
        queued = self.answers.get(host)
        if queued is not None:
            return queued.pop(0) if len(queued) > 1 else queued[0]
        if host.endswith(EXAMPLE_DOMAINS) or host in {"example.com", "example.org"}:
            return [PUBLIC_ADDRESS]
        return []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = str(host).lower()
        if name == "localhost" or _is_numeric(name):
            return socket.getaddrinfo(host, port, family, type, proto, flags)
        self.lookups.append(name)
        addresses = self._addresses(name)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in addresses
        ]


def _is_numeric(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True
