"""Run in a separate process by test_throttling: send requests with one key, print the codes.

Usage: python tests/api/throttle_client.py <raw key> <requests> <start at (unix time)>
Prints one JSON line: the status codes, the rate windows of the first and last request,
and how many times the counter store could not be reached.
"""

import json
import logging
import os
import sys
import time


class CountUnavailable(logging.Handler):
    count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "counter unavailable" in record.getMessage():
            CountUnavailable.count += 1


def main() -> None:
    raw_key, count, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")
    import django

    django.setup()
    from django.test import Client

    logging.getLogger("partners.throttling").addHandler(CountUnavailable())
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.get("/healthz")  # warm up outside the counted requests
    time.sleep(max(0.0, start_at - time.time()))
    first_window = int(time.time() // 60)
    codes = [client.get("/api/v1/procedures/").status_code for _ in range(count)]
    last_window = int(time.time() // 60)
    print(
        json.dumps(
            {
                "codes": codes,
                "windows": [first_window, last_window],
                "unavailable": CountUnavailable.count,
            }
        )
    )


if __name__ == "__main__":
    main()
