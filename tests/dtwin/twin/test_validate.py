"""Validation over a held-out window: metrics of a log, the verdict for a right and a wrong
factory, the CLI's JSON and exit codes."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.sim import mes_log, parse_factory, write_mes_log
from dtwin.twin.meslog import read_mes_log
from dtwin.twin.sync import state_at
from dtwin.twin.validate import THRESHOLDS, twin_log, validate_twin, window_metrics
from tests.cli_checks import assert_one_error_line
from tests.dtwin.twin.conftest import INVENTED_PLANT
from tests.dtwin.twin.test_sync import HAND

CFG = parse_factory(INVENTED_PLANT)
MACHINES = {st.name: st.machines for st in CFG.stations}
T0, T1 = 1440.0, 2400.0


def slow_mill() -> dict:
    data = copy.deepcopy(INVENTED_PLANT)
    data["stations"][2]["process_time"]["scale"] = 7.0  # a quarter slower than the plant
    return data


def test_window_metrics_of_a_hand_log():
    m = window_metrics(HAND, 1.0, 13.0, MACHINES)
    assert m["throughput"] == 0
    # cut: p1 1..2, p2 3..5, p3 10..11 -> 4 of 12 minutes on one machine
    assert m["utilisation"]["cut"] == pytest.approx(4 / 12)
    # mill: p1 2..13 (the downtime inside counts), p3 11..13 on the second machine
    assert m["utilisation"]["mill"] == pytest.approx((11 + 2) / 24)
    assert m["counts"]["mill/failure"] == 1
    assert list(m["gaps"]["cut"]) == [7.0]
    full = window_metrics(HAND, 0.0, 15.0, MACHINES)
    assert full["throughput"] == 1 and full["lead_time"] == pytest.approx(5.0)


def test_the_twin_log_carries_the_open_parts_from_before_t0(plant_log):
    frame = read_mes_log(plant_log)
    state = state_at(frame, T0, CFG)
    run = twin_log(CFG, state, T0 + 60, seed=0, replication=0)
    first = run.groupby("part")["time_min"].min()
    for p in state.parts:
        assert first[p.part] == p.released
    assert run.loc[run["time_min"] > T0, "part"].dropna().str.startswith("twin-").any()


def test_the_plants_own_model_passes_and_a_slow_mill_fails():
    frame = mes_log(INVENTED_PLANT, days=4.0, seed=5)
    window = (1440.0, 5700.0)  # three days held out
    good = validate_twin(CFG, frame, *window, replications=12, seed=0)
    assert good["passed"], [m for m in good["metrics"] if m["pass"] is False]
    assert {m["status"] for m in good["metrics"]} == {"pass"}
    bad = validate_twin(parse_factory(slow_mill()), frame, *window, replications=12, seed=0)
    assert not bad["passed"]
    failed = {(m["metric"], m["station"]) for m in bad["metrics"] if m["status"] == "fail"}
    assert ("utilisation", "mill") in failed
    row = next(m for m in bad["metrics"] if m["metric"] == "lead_time")
    assert row["threshold"] == THRESHOLDS["lead_time"] and row["rel_error"] > 0.10
    assert row["status"] != "pass"


@pytest.fixture
def yaml_of(tmp_path):
    def write(data, name="plant.yaml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    return write


def invoke(*args):
    return CliRunner().invoke(main, ["twin", "validate", *map(str, args)])


def test_cli_json_and_exit_codes(plant_log, yaml_of):
    window = ("--log", plant_log, "--from", T0, "--to", T1, "--replications", 12)
    ok = invoke(yaml_of(INVENTED_PLANT), *window, "--json")
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.output)
    assert {"from", "to", "metrics", "thresholds", "verdict", "passed", "event_counts"} <= set(
        report
    )
    row = report["metrics"][0]
    assert {"metric", "log", "twin", "rel_error", "threshold", "pass"} <= set(row)
    assert set(row["twin"]) == {"mean", "lo", "hi"}


@pytest.fixture(scope="module")
def four_days(tmp_path_factory):
    """Four days of the invented plant's log (seed 5): a three-day held-out window."""
    path = tmp_path_factory.mktemp("four") / "plant.csv"
    write_mes_log(mes_log(INVENTED_PLANT, days=4.0, seed=5), path)
    return path


def test_a_twin_a_quarter_slow_at_one_station_fails_on_three_days(four_days, yaml_of):
    """Over a 16 h window a 25% slower mill is only inconclusive; over three days it fails
    (its utilisation), while the plant's own model passes every metric."""
    window = ("--log", four_days, "--from", 1440, "--to", 5700, "--replications", 12)
    good = invoke(yaml_of(INVENTED_PLANT), *window)
    assert good.exit_code == 0, good.output
    bad = invoke(yaml_of(slow_mill(), "slow.yaml"), *window)
    assert bad.exit_code == 1
    assert "verdict: fail" in bad.output and "FAIL" in bad.output


BAD_WINDOWS = [
    ("to before from", ["--from", 600, "--to", 300], ["--to"]),
    ("to after the log", ["--from", 600, "--to", 1e6], ["--to"]),
    ("missing to", ["--from", 600], ["--to"]),
]


@pytest.mark.parametrize(
    "args,words", [r[1:] for r in BAD_WINDOWS], ids=[r[0] for r in BAD_WINDOWS]
)
def test_bad_windows_are_one_error_line(plant_log, yaml_of, args, words):
    assert_one_error_line(invoke(yaml_of(INVENTED_PLANT), "--log", plant_log, *args), *words)


def test_the_sequence_test_measures_the_log_against_the_twins_own_spread():
    import numpy as np

    from dtwin.twin.validate import _sequence

    rng = np.random.default_rng(0)
    runs = [rng.exponential(4.0, 400) for _ in range(10)]
    same = _sequence("s", rng.exponential(4.0, 400), runs, tests=5)
    assert same["status"] == "pass" and same["statistic"] <= same["threshold"]
    assert same["twin_distances"]["std"] > 0
    slower = _sequence("s", rng.exponential(5.0, 400), runs, tests=5)
    assert slower["status"] == "fail" and slower["statistic"] > slower["threshold"]
    few = _sequence("s", rng.exponential(4.0, 400), runs[:2], tests=5)
    assert few["status"] == "no data" and few["pass"] is None
