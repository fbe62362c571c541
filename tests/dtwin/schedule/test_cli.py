"""``dtwin schedule solve`` and ``dtwin schedule check``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dtwin.cli import main


@pytest.fixture()
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["schedule", *map(str, args)])


def test_solve_json(run, data_dir, tmp_path):
    res = run("solve", data_dir / "ft06.txt", "--time-limit", 3, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {
        "instance",
        "objective",
        "value",
        "lower_bound",
        "status",
        "solve_seconds",
        "operations",
    } <= set(out)
    assert out["instance"] == "ft06" and out["value"] == 55 and out["objective"] == "makespan"
    assert len(out["operations"]) == 36
    assert set(out["operations"][0]) == {"job", "op", "machine", "start", "end"}
    path = tmp_path / "s.json"
    path.write_text(res.output)
    checked = run("check", data_dir / "ft06.txt", path)
    assert checked.exit_code == 0 and "valid schedule of ft06" in checked.output


def test_solve_text_and_rules(run, data_dir):
    res = run("solve", data_dir / "demo.json", "--objective", "tardiness", "--time-limit", 2)
    assert res.exit_code == 0 and "demo: tardiness 0" in res.output
    res = run("solve", data_dir / "la01.txt", "--rule", "SPT", "--rule", "mwkr", "--json")
    out = json.loads(res.output)
    assert out["status"] == "FEASIBLE" and out["value"] >= 666


def test_check_reports_violations_on_one_line(run, data_dir, tmp_path):
    res = run("solve", data_dir / "ft06.txt", "--rule", "SPT", "--json")
    data = json.loads(res.output)
    data["operations"][0]["start"] += 1
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    res = run("check", data_dir / "ft06.txt", path)
    assert res.exit_code == 2
    assert res.output.startswith("error: schedule is not valid for instance ft06")
    assert res.output.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2 2\n0 3 1 2\n", "announces 2 jobs but 1"),
        ("1 2\n0 3 5 2\n", "line 2: job 0 op 1: unknown machine 5"),
        (
            '{"machines": 1, "jobs": [{"deadline": 4, '
            '"operations": [{"machine": 0, "duration": 5}]}]}',
            "infeasible",
        ),
    ],
    ids=["truncated", "unknown-machine", "infeasible"],
)
def test_bad_input_exits_2_with_one_line(run, tmp_path, content, message):
    path = tmp_path / ("bad.json" if content.startswith("{") else "bad.txt")
    path.write_text(content)
    res = run("solve", path, "--time-limit", 1)
    assert res.exit_code == 2
    assert res.output.startswith("error: ") and message in res.output
    assert res.output.count("\n") == 1
