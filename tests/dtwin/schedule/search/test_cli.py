"""``dtwin schedule solve --method``: the same JSON for every method; bad input: one error line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.schedule import check, load_instance, schedule_from_dict
from tests.cli_checks import assert_one_error_line


@pytest.fixture()
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["schedule", *map(str, args)])


@pytest.mark.parametrize("method", ["tabu", "sa", "ga", "hybrid"])
def test_solve_json_per_method(run, data_dir, method):
    path = data_dir / "la01.txt"
    res = run("solve", path, "--method", method, "--time-limit", 1, "--iterations", 50, "--json")
    if method == "hybrid":
        assert_one_error_line(res, "iterations apply to tabu, sa and ga")
        res = run("solve", path, "--method", method, "--time-limit", 1, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["instance"] == "la01" and out["objective"] == "makespan"
    assert {"value", "lower_bound", "status", "solve_seconds", "method"} <= set(out)
    check(load_instance(path), schedule_from_dict(out))


def test_default_method_is_listed_in_help(run):
    from dtwin.schedule import DEFAULT_METHOD

    res = run("solve", "--help")
    assert "--method" in res.output and f"default: {DEFAULT_METHOD}" in res.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("demo.json", "--method", "tabu"), ("plain job shops only", "--method cpsat")),
        (("ft06.txt", "--method", "ga", "--objective", "tardiness"), ("makespan only",)),
        (("ft06.txt", "--method", "sa", "--iterations", 0), ("--iterations",)),
        (("ft06.txt", "--method", "annealing"), ("--method",)),
    ],
    ids=["flexible", "objective", "zero-iterations", "unknown-method"],
)
def test_bad_method_input_is_one_error_line(run, data_dir, args, words):
    res = run("solve", data_dir / args[0], *args[1:], "--time-limit", 1)
    assert_one_error_line(res, *words)
