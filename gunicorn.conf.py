"""Gunicorn settings for production: `gunicorn directory.wsgi` reads this file by default.

Everything comes from the environment so one file serves a laptop, the benchmark and a
server: WEB_CONCURRENCY worker processes (default: 2 per core, plus one), GUNICORN_THREADS
threads each, bound to GUNICORN_BIND (default 127.0.0.1:$PORT, PORT default 8000). Web
processes keep no state of their own — sessions live in the database or Redis — so any
number of them, on any number of machines, can serve the same users (docs/performance.md).
"""

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


wsgi_app = "directory.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"]
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# gthread keeps HTTP connections alive between requests (the sync worker closes each one),
# which saves a TCP handshake per request behind a proxy that reuses connections.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 2)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Load Django once in the master; workers fork from it, start faster and share memory.
# Database connections are opened lazily in each worker, never inherited.
preload_app = True


def pre_fork(server, worker):
    """Put what the master loaded (Django, the apps, their modules) out of the garbage
    collector's reach before forking: it lives as long as the process, yet every full
    collection in a worker walked all of it — a pause of tens of milliseconds every few
    hundred requests — and touching it un-shared the pages copy-on-write had shared."""
    gc.freeze()


timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
# Access log off unless asked for ("-" is stdout); errors always go to stderr.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Gunicorn 27's control socket sits at one fixed path per user, which two instances on one
# machine would fight over; it is off unless a path is given.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
# Gunicorn's own request limits sit above the application's (kernel/limits.py: a
# 4,096-byte address, 8,190-byte headers, 100 of them), so a request over those reaches
# Django, which answers it in the API's JSON error shape or with a page. Only beyond these
# does gunicorn refuse a request itself, with its own plain error page.
limit_request_line = 8190  # gunicorn's maximum
limit_request_field_size = 16_384
limit_request_fields = 128
# The proxy in front (nginx, a load balancer) terminates TLS and sets X-Forwarded-Proto
# (SECURE_PROXY_SSL_HEADER_ENABLED).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
