"""Sensors, wear-out failures, run-to-failure histories and factory-wide policies."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ConfigError
from dtwin.sim import Simulation, parse_factory
from dtwin.sim.histories import run_to_failure, write_histories
from dtwin.sim.policies import maintained_stations, with_policy
from tests.cli_checks import assert_one_error_line

CHANNELS = [
    {"name": "vibration", "base": 2.0, "gain": 4.0, "shape": 2.0, "noise": 0.2},
    {"name": "temperature", "base": 60.0, "gain": 15.0, "noise": 1.0},
]


def press(**station) -> dict:
    """One wearing press behind a saw (wear-out failures and sensors unless overridden)."""
    st = {
        "name": "press",
        "process_time": {"dist": "uniform", "low": 1.5, "high": 2.5},
        "health": {
            "wear_per_op": 0.01,
            "wear_cv": 0.3,
            "failure_factor": 0.0,
            "defect_factor": 0.0,
            "repair": 60,
        },
        "maintenance": {"policy": "none", "duration": 20},
        "sensors": {"every": 2, "channels": CHANNELS},
        "buffer": 50,
    }
    st.update(station)
    return {
        "name": "press_line",
        "products": [{"name": "p", "routing": ["saw", "press"], "arrival": 3.0}],
        "stations": [{"name": "saw", "process_time": 1.0}, st],
    }


def test_sensors_change_no_other_draw():
    """Switching sensors on leaves every KPI of the same seed as it was (own random stream)."""
    with_sensors = Simulation(parse_factory(press()), seed=3).run_until(3000)
    without = Simulation(parse_factory(press(sensors=None)), seed=3).run_until(3000)
    assert with_sensors.snapshot().kpis == without.snapshot().kpis


def test_readings_follow_health_and_lives_end_in_wear_out():
    sim = Simulation(parse_factory(press()), seed=1)
    readings, ends = [], []
    sim.subscribe_sensors(readings.append, ends.append)
    sim.run_until(4000)
    assert ends and all(e.cause == "failure" for e in ends)
    first = [r for r in readings if r.machine == 0 and r.life == 0]
    assert [r.cycle for r in first] == list(range(1, len(first) + 1))
    assert ends[0].cycles == len(first)
    # health 1 -> 0 over a life: vibration rises by about its gain (4), far above its noise
    early = sum(r.values[0] for r in first[:5]) / 5
    late = sum(r.values[0] for r in first[-5:]) / 5
    assert late - early > 2.5
    failures = [r for r in sim.log if r[4] == "failure"]
    assert len(failures) == len(ends)
    lengths = {e.cycles for e in ends}
    assert len(lengths) > 1  # lives wear at different speeds (wear_cv)


def test_a_service_ends_a_life_as_maintenance():
    cfg = with_policy(parse_factory(press()), "periodic", interval=200.0)
    sim = Simulation(cfg, seed=1)
    ends = []
    sim.subscribe_sensors(lambda r: None, ends.append)
    sim.run_until(3000)
    assert "maintenance" in {e.cause for e in ends}
    assert min(e.cycles for e in ends) > 0  # the interval counts from the last renewal


def test_run_to_failure_histories_are_a_long_table(tmp_path):
    hist = run_to_failure(press(), seed=2, days=3, replications=2)
    assert list(hist.table.columns) == ["unit", "cycle", "vibration", "temperature"]
    assert hist.units == hist.table["unit"].nunique() > 4
    assert set(hist.lives["replication"]) == {0, 1}
    per_unit = hist.table.groupby("unit")["cycle"].agg(["min", "max", "count"])
    assert (per_unit["min"] == 1).all() and (per_unit["max"] == per_unit["count"]).all()
    again = run_to_failure(press(), seed=2, days=3, replications=2)
    assert again.table.equals(hist.table)  # same seed, same histories
    path = write_histories(hist, tmp_path / "h.csv")
    assert path.read_text().splitlines()[0] == "unit,cycle,vibration,temperature"


def test_with_policy_sets_every_maintained_station():
    cfg = parse_factory(press())
    assert maintained_stations(cfg) == ["press"]
    periodic = with_policy(cfg, "periodic", interval=300.0)
    assert periodic.station("press").maintenance.policy == "periodic"
    assert periodic.station("press").maintenance.interval == 300.0
    assert periodic.station("saw").maintenance.policy == "none"
    rul = with_policy(cfg, "rul")
    assert rul.station("press").maintenance.policy == "none"
    assert rul.station("press").maintenance.duration is not None  # for requested services


@pytest.mark.parametrize(
    ("station", "words"),
    [
        ({"health": {"wear_per_op": 0.01, "wear_cv": 0.3}}, ["wear_cv", "repair"]),  # no repair
        ({"health": {"wear_per_op": 0.0, "wear_cv": 0.3, "repair": 5}}, ["wear_per_op"]),
        ({"sensors": {"channels": [CHANNELS[0], CHANNELS[0]]}}, ["twice", "vibration"]),
        ({"sensors": {"channels": [{"name": "cycle"}]}}, ["reserved"]),
        ({"sensors": {"every": 0, "channels": CHANNELS}}, ["every"]),
        ({"sensors": {"channels": []}}, ["channels"]),
    ],
    ids=["wear-no-repair", "wear-cv-no-wear", "channel-twice", "reserved-name", "every-0",
         "no-channels"],
)  # fmt: skip
def test_bad_sensor_and_wear_blocks_are_refused(station, words):
    with pytest.raises(ConfigError) as err:
        parse_factory(press(**station))
    for word in words:
        assert word in str(err.value)


def test_periodic_without_a_duration_is_refused():
    cfg = parse_factory(press(maintenance=None))
    with pytest.raises(ConfigError, match="no maintenance duration"):
        with_policy(cfg, "periodic", interval=100.0)


def test_costs_are_checked():
    data = {**press(), "costs": {"repair": -1}}
    with pytest.raises(ConfigError, match="costs"):
        parse_factory(data)


def test_simulate_writes_sensor_histories(tmp_path):
    import yaml

    config = tmp_path / "press.yaml"
    config.write_text(yaml.safe_dump(press()))
    out = tmp_path / "lives.csv"
    args = ["simulate", str(config), "--days", "2", "--replications", "1", "--json"]
    result = CliRunner().invoke(main, [*args, "--sensors-out", str(out)])
    assert result.exit_code == 0, result.output
    assert '"sensor_lives_written"' in result.stdout
    assert out.read_text().startswith("unit,cycle,vibration,temperature")
    bad = CliRunner().invoke(main, [*args, "--sensors-out", str(tmp_path / "x.txt")])
    assert_one_error_line(bad, "--sensors-out", ".csv")
