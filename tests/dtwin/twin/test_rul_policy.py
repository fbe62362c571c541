"""The RUL agent and policy, factory-wide maintenance policies and the cost per good unit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ConfigError
from dtwin.health import read_table
from dtwin.sim import parse_factory
from dtwin.sim.histories import run_to_failure, write_histories
from dtwin.twin.agents.rul import RulAgent, RulPredicted
from dtwin.twin.bus import EventBus
from dtwin.twin.ids import machine_ids
from dtwin.twin.kpis import cost_per_good_unit
from dtwin.twin.loop import TwinLoop
from dtwin.twin.policy_choice import candidates, choose_parameter, training_seed
from dtwin.twin.rul_policy import MaintenanceSettings
from tests.cli_checks import assert_one_error_line
from tests.dtwin.sim.test_sensors import press

COSTS = {"downtime_per_min": 5.0, "maintenance": 50.0, "repair": 500.0, "scrap": 0.0}


@dataclass(frozen=True)
class Prediction:
    rul: float
    lo: float
    hi: float


class VibrationRul:
    """A stand-in RUL model: the press's vibration is 2 + 4 (1 - h)^2, so its last value says
    how much health is left; ~50 cycles of a mean life (2 operations a reading, 0.01 wear)."""

    window = 5

    def __init__(self) -> None:
        self.calls = 0

    def predict_unit(self, history):
        self.calls += 1
        level = float(history["vibration"].iloc[-3:].mean())
        worn = min(1.0, max(0.0, (level - 2.0) / 4.0)) ** 0.5
        rul = 50.0 * (1.0 - worn)
        return Prediction(rul, max(0.0, rul - 5.0), rul + 5.0)


def factory(**extra):
    return parse_factory({**press(), "costs": COSTS, **extra})


def run(maintenance, loop="open", days=3.0, seed=4, readings=None):
    twin = TwinLoop(factory(), loop, seed, 0, 0.0, maintenance=maintenance)
    if readings is not None:
        twin.sim.subscribe_sensors(readings.append)
    twin.run_until(days * 1440.0)
    return twin


def test_cost_per_good_unit_adds_the_costs_of_the_window():
    costs = SimpleNamespace(**COSTS)
    got = cost_per_good_unit(costs, down_min=100.0, services=2, failures=1, scrapped=3, good=50)
    assert got == pytest.approx((5 * 100 + 50 * 2 + 500 * 1) / 50)
    assert cost_per_good_unit(None, 100.0, 2, 1, 3, 50) == 0.0  # no costs block: free


def test_the_rul_agent_predicts_per_life_and_publishes():
    cfg = factory()
    ids = machine_ids(cfg)
    bus, seen = EventBus(), []
    bus.subscribe(seen.append, RulPredicted)
    model = VibrationRul()
    agent = RulAgent(bus, ids, model, {"press": ["vibration", "temperature"]})
    reading = SimpleNamespace(station="press", machine=0, life=0, time=0.0, values=(2.0, 60.0))
    for cycle in range(1, 8):
        agent.on_reading(SimpleNamespace(**{**vars(reading), "cycle": cycle, "time": cycle}))
    assert len(seen) == 7 and seen[-1].machine == "press-1" and seen[-1].cycle == 7
    assert seen[-1].minutes == pytest.approx(seen[-1].rul * 1.0)  # one reading a minute
    agent.on_reading(SimpleNamespace(**{**vars(reading), "life": 1, "cycle": 1, "time": 9.0}))
    assert len(agent.lives["press-1"].rows) == 1  # a new life starts an empty history


def test_rul_policy_prevents_wear_out_failures_and_costs_less():
    none = run(MaintenanceSettings("none"))
    model, readings = VibrationRul(), []
    rul = run(MaintenanceSettings("rul", margin=8.0, model=model), readings=readings)
    assert none.counters.failures >= 5 and none.kpis()["maintenance_count"] == 0
    assert rul.counters.failures < none.counters.failures / 2
    assert rul.kpis()["maintenance_count"] > 0
    assert rul.kpis()["cost_per_good_unit"] < none.kpis()["cost_per_good_unit"]
    assert rul.rul.latest and rul.rul_policy.decisions
    # predictions only as often as the slack to the margin asks (not every reading)
    assert model.calls == rul.loop_stats()["rul_predictions"] < len(readings) / 2
    assert rul.loop_stats()["dead_letters"] == 0


def test_oracle_threshold_acts_on_true_health_and_open_loop_does_not():
    plan = MaintenanceSettings("health_threshold", threshold=0.1)
    assert run(plan, loop="oracle").kpis()["maintenance_count"] > 0
    assert run(plan, loop="open").kpis()["maintenance_count"] == 0


def test_rul_policy_is_refused_where_it_cannot_act():
    with pytest.raises(ConfigError, match="oracle"):
        run(MaintenanceSettings("rul", margin=5.0, model=VibrationRul()), loop="oracle")
    with pytest.raises(ConfigError, match="needs a RUL model"):
        MaintenanceSettings("rul", margin=5.0)


def test_histories_are_read_by_the_health_loader(tmp_path):
    hist = run_to_failure(press(), seed=1, days=2)
    frame = read_table(write_histories(hist, tmp_path / "lives.csv"))
    assert frame["unit"].nunique() == hist.units
    assert list(frame.columns) == ["unit", "cycle", "vibration", "temperature"]


def test_a_parameter_is_chosen_on_the_training_seed_only():
    hist = run_to_failure(press(), seed=training_seed(0), days=2)
    name, grid = candidates("periodic", hist)
    assert name == "interval_min" and len(grid) > 3
    settings = SimpleNamespace(days=0.5, warmup_days=0.0, replications=1)
    choice = choose_parameter(
        factory(), MaintenanceSettings("health_threshold", threshold=0.5), 0, hist, settings
    )
    assert choice.value in choice.table["value"].tolist()
    best = choice.table["cost_per_good_unit"].min()
    assert choice.table.set_index("value").loc[choice.value, "cost_per_good_unit"] == best


@pytest.fixture(scope="module")
def press_yaml(tmp_path_factory):
    path = tmp_path_factory.mktemp("press") / "press.yaml"
    path.write_text(yaml.safe_dump({**press(), "costs": COSTS}))
    return path


def _twin_run(path, *args):
    base = ["twin", "run", str(path), "--loop", "open", "--days", "1", "--warmup-days", "0"]
    return CliRunner().invoke(main, [*base, "--replications", "2", *map(str, args)])


def test_twin_run_reports_cost_per_good_unit_for_a_policy(press_yaml):
    result = _twin_run(
        press_yaml, "--maintenance-policy", "periodic", "--maintenance-interval", "150", "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["kpis"]["cost_per_good_unit"] > 0
    assert report["kpis"]["cost_per_good_unit_ci95"] is not None
    assert report["maintenance"]["policy"] == "periodic"
    assert report["maintenance"]["interval_min"] == 150.0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--maintenance-threshold", "0.2"], ["--maintenance-policy"]),
        (["--maintenance-policy", "health_threshold", "--maintenance-threshold", "1.5"],
         ["1.5", "(0, 1)"]),
        (["--maintenance-policy", "bogus"], ["bogus"]),
        (["--maintenance-policy", "rul", "--maintenance-threshold", "5", "--rul-model",
          "/no/such/folder"], ["/no/such/folder"]),
    ],
    ids=["threshold-without-policy", "health-above-1", "unknown-policy", "missing-model"],
)  # fmt: skip
def test_twin_run_refuses_bad_policy_options(press_yaml, args, words):
    assert_one_error_line(_twin_run(press_yaml, *args), *words)
