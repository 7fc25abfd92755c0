"""The project's benchmark: `make bench` (or `python -m bench`), described in docs/performance.md.

It seeds 100k practitioners and 1M reviews (or reuses them), serves the site with gunicorn
under production settings on a free loopback port, loads each page with wrk (or the
built-in Python load generator when wrk is missing) at one connection and at sixteen,
counts each page's SQL queries, captures the query plans, and prints one table checked
against the budgets in the spec. Results are written to bench/results/<db>-<time>.json.
"""
