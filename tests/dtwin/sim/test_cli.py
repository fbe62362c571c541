"""``dtwin simulate``: JSON keys, overrides, one-line errors with exit code 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dtwin.cli import main


def test_simulate_json(minimal_path):
    args = ["simulate", str(minimal_path), "--days", "0.5", "--warmup-days", "0.1"]
    result = CliRunner().invoke(main, [*args, "--replications", "2", "--seed", "4", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for key in ("throughput_per_hour", "wip_mean", "lead_time_mean_min", "oee"):
        assert isinstance(report["kpis"][key], float)
        assert report["half_width"]["kpis"][key] >= 0
    assert set(report["stations"]) == {"press", "paint"}
    assert 0.6 < report["stations"]["press"]["utilization"] < 0.9
    assert report["half_width"]["stations"]["paint"]["utilization"] >= 0
    assert report["replications"] == 2 and report["seed"] == 4
    again = CliRunner().invoke(main, [*args, "--replications", "2", "--seed", "4", "--json"])
    assert again.output == result.output


def test_simulate_set_override_and_text_output(minimal_path):
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            str(minimal_path),
            "--days",
            "0.3",
            "--replications",
            "1",
            "--set",
            "stations.press.machines=4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "throughput_per_hour" in result.output and "press" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--set", "stations.pres.machines=3"], "choices: press, paint"),
        (["--set", "stations.press.process_time.dist=gamma"], "valid: fixed, exponential"),
        (["--set", "stations.paint.machines=-1"], "stations.paint.machines"),
        (["--set", "products.part.routing=[press, pant]"], "unknown station 'pant'"),
        (["--days", "0"], "'--days': '0' is out of range (valid: 0 < x <= 3660)"),
    ],
    ids=["unknown-station", "unknown-dist", "negative", "bad-routing", "zero-days"],
)
def test_simulate_bad_input_exits_2_with_one_line(minimal_path, args, words):
    result = CliRunner().invoke(main, ["simulate", str(minimal_path), *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert words in lines[0]


def test_simulate_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["simulate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "file not found" in result.output
