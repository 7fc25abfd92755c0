"""The harness's own small decisions: where walkers start, which requests are EXPLAINed,
which ports it may use."""

import argparse

import pytest

from bench import classes, harness, runs, workload


def test_walkers_on_servers_side_by_side_each_start_on_a_part_of_their_own():
    lines = 9955
    starts = runs.server_starts(lines, servers=2, per_server=2, offset=lines // 4)
    walkers = sorted(
        (first + walker * (lines // regions)) % lines
        for first, regions in starts
        for walker in range(2)
    )

    assert len(set(walkers)) == 4
    gaps = [(b - a) % lines for a, b in zip(walkers, [*walkers[1:], walkers[0]], strict=True)]
    assert min(gaps) >= lines // 4 - 1


def test_one_server_keeps_the_walkers_of_one_load():
    assert runs.server_starts(1000, servers=1, per_server=2, offset=250) == [(250, 2)]


def request(path: str, breadth=(0, 0.0, 1)) -> workload.Request:
    return workload.Request("search", path, "q | relevance", breadth)


def test_a_class_is_explained_by_its_first_and_its_broadest_request():
    first = request("/practitioners/?q=okafor", (12, 0.0, 1))
    broadest = request("/practitioners/?q=skin&page=3", (50_000, 0.0, 3))
    other = request("/practitioners/?q=smith", (780, 0.0, 1))

    assert classes.representatives([first, broadest, other], 2) == [first, broadest]
    assert classes.representatives([first, broadest, other], 1) == [first]
    assert classes.representatives([broadest, other], 2) == [broadest]


def test_a_port_range_is_read_from_first_to_last():
    assert harness.port_range("8170-8189") == range(8170, 8190)
    assert harness.port_range("8170") == range(8170, 8171)
    for wrong in ("80-70", "x-y", "0-10", "8170-70000"):
        with pytest.raises(argparse.ArgumentTypeError):
            harness.port_range(wrong)


def test_only_takes_known_parts_and_the_replica_needs_postgresql():
    assert harness.parse_args(["--db", "sqlite", "--only", "tail,zipf"]).parts == {"tail", "zipf"}
    with pytest.raises(SystemExit):
        harness.parse_args(["--db", "sqlite", "--only", "tails"])
    with pytest.raises(SystemExit):
        harness.parse_args(["--db", "sqlite", "--replica"])
