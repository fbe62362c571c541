"""``dtwin schedule solve --method policy`` and ``dtwin schedule train-policy``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from tests.cli_checks import assert_one_error_line


@pytest.fixture()
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["schedule", *map(str, args)])


def test_solve_with_a_policy_prints_the_usual_json(run, data_dir, random_policy):
    res = run(
        "solve", data_dir / "ft06.txt", "--method", "policy", "--policy", random_policy, "--json"
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    cpsat = json.loads(run("solve", data_dir / "ft06.txt", "--time-limit", 1, "--json").output)
    assert set(out) == set(cpsat)
    assert out["method"] == "policy" and out["value"] == max(o["end"] for o in out["operations"])
    assert len(out["operations"]) == 36


def test_solve_with_a_policy_checks_its_schedule(run, data_dir, random_policy, tmp_path):
    res = run(
        "solve", data_dir / "demo.json", "--method", "policy", "--policy", random_policy, "--json"
    )
    assert res.exit_code == 0, res.output
    path = tmp_path / "s.json"
    path.write_text(res.output)
    assert run("check", data_dir / "demo.json", path).exit_code == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--policy", "{tmp}/nowhere"], ["nowhere", "weights.pt"]),  # no such folder
        (["--objective", "tardiness"], ["makespan only"]),  # the policy minimises the makespan
    ],
    ids=["missing-policy", "objective"],
)
def test_solve_with_a_policy_bad_input(run, data_dir, random_policy, tmp_path, args, words):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--policy" not in args:
        args += ["--policy", str(random_policy)]
    res = run("solve", data_dir / "ft06.txt", "--method", "policy", *args)
    assert_one_error_line(res, *words)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--minutes", "0"], ["--minutes"]),  # no time to train
        (["--minutes", "nan"], ["--minutes"]),  # not a finite number
        (["--steps", "0"], ["--steps"]),  # no steps
        (["--seed", "-1"], ["--seed"]),  # seeds are non-negative
    ],
    ids=["minutes-zero", "minutes-nan", "steps-zero", "seed"],
)
def test_train_policy_bad_input(run, tmp_path, args, words):
    assert_one_error_line(run("train-policy", "--out", tmp_path / "p", *args), *words)


def test_train_policy_needs_a_folder(run, tmp_path):
    (tmp_path / "file").write_text("x")
    assert_one_error_line(run("train-policy", "--out", tmp_path / "file", "--steps", 10), "file")
