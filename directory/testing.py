"""Pytest plugin loaded before Django's settings (``-p directory.testing``).

It gives the test run the environment a developer would otherwise export: a throw-away
secret, plain HTTP, unhashed static files, and tasks run in-process the moment they are
enqueued (enqueueing still waits for the transaction to commit). Anything already set in
the environment — DATABASE_URL and REDIS_URL in CI — wins.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-only-for-the-test-run-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Whole-page caching would carry pages from one test into the next through Redis.
os.environ.setdefault("PAGE_CACHE_SECONDS", "0")
# Likewise for partner keys; the tests of that cache turn it on with a local cache.
os.environ.setdefault("PARTNER_KEY_CACHE_SECONDS", "0")
# A file rather than memory: the concurrency tests run real threads, and only a file
# database waits for SQLite's write lock (an in-memory shared cache fails at once with
# "database table is locked"), as production SQLite does.
os.environ.setdefault(
    "SQLITE_TEST_NAME",
    os.path.join(tempfile.gettempdir(), f"directory-test-{os.getpid()}.sqlite3"),
)
os.environ.setdefault(
    "EVIDENCE_ROOT", os.path.join(tempfile.gettempdir(), f"directory-test-evidence-{os.getpid()}")
)
os.environ.setdefault(
    "FHIR_EXPORT_ROOT",
    os.path.join(tempfile.gettempdir(), f"directory-test-fhir-exports-{os.getpid()}"),
)
