"""Run in a separate process by test_throttling: send requests with one key, print the codes.

Usage: python tests/api/throttle_client.py <raw key> <requests> <start at (unix time)>
"""

import os
import sys
import time


def main() -> None:
    raw_key, count, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.get("/healthz")  # warm up outside the counted requests
    time.sleep(max(0.0, start_at - time.time()))
    codes = [client.get("/api/v1/procedures/").status_code for _ in range(count)]
    print(" ".join(map(str, codes)))


if __name__ == "__main__":
    main()
