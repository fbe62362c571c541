"""Bad input for ``dtwin.sim``: one table per depth (config, CLI options, engine budgets, load).

Every refusal is one ``error:`` line naming the field or option and what is valid, exit code 2,
and no traceback; an unstable factory runs with a ``warning:`` line. The ranges are those of
``data/factories/README.md``.
"""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ConfigError, SimulationError
from dtwin.sim import Simulation, check_load, load_warning, replicate, run_scenarios, simulate
from dtwin.sim.config import parse_factory
from tests.cli_checks import assert_one_error_line


def _simulate(path, *args):
    return CliRunner().invoke(main, ["simulate", str(path), "--replications", "1", *args])


# (override PATH=VALUE, words of the error line); each a config that used to run away, hang,
# blow up memory or compute with NaN
CONFIG_ROWS = [
    # inter-arrival times: the mean decides how often a stream fires, a draw of 0 is fine
    ("arrival-zero", "products.part.arrival=0", ["products.part.arrival", "mean >= 0.001 min"]),
    (
        "arrival-fixed-zero",
        "products.part.arrival={dist: fixed, value: 0}",
        ["products.part.arrival", "mean inter-arrival time 0 min"],
    ),
    (
        "arrival-exponential-tiny-mean",
        "products.part.arrival={dist: exponential, mean: 1e-9}",
        ["products.part.arrival", "1e-09 min is too short"],
    ),
    (
        "arrival-uniform-0-0",
        "products.part.arrival={dist: uniform, low: 0, high: 0}",
        ["products.part.arrival", "mean >= 0.001"],
    ),
    (
        "arrival-empirical-zeros",
        "products.part.arrival={dist: empirical, values: [0, 0, 0.0001]}",
        ["products.part.arrival", "mean >= 0.001"],
    ),
    (
        "arrival-weibull-near-zero-shape",
        "products.part.arrival={dist: weibull, shape: 0.01, scale: 1}",
        ["products.part.arrival.shape", "greater than or equal to 0.1"],
    ),
    (
        "arrival-lognormal-mostly-zero",
        "products.part.arrival={dist: lognormal, mean: 1, std: 1000}",
        ["products.part.arrival", "std <= 10 x mean"],
    ),
    (
        "arrival-nan",
        "products.part.arrival={dist: exponential, mean: .nan}",
        ["products.part.arrival.mean", "finite number"],
    ),
    ("batch-huge", "products.part.batch_size=1000000000", ["batch_size", "10000"]),
    ("machines-huge", "stations.press.machines=100000000", ["stations.press.machines", "1000"]),
    ("machines-zero", "stations.press.machines=0", ["stations.press.machines", "1"]),
    ("process-time-inf", "stations.press.process_time=.inf", ["process_time", "finite number"]),
    (
        "process-time-huge",
        "stations.press.process_time={dist: fixed, value: 1e300}",
        ["stations.press.process_time.value", "1000000000"],
    ),
    (
        "failure-every-instant",
        "stations.press.failure={ttf: 0, repair: 5}",
        ["stations.press.failure.ttf", "mean time to failure 0 min"],
    ),
    (
        "failure-factor-huge",
        "stations.press.health={failure_factor: 1e300}",
        ["stations.press.health.failure_factor", "1000"],
    ),
    ("energy-nan", "stations.press.energy={running: .nan}", ["energy.running", "finite"]),
    ("position-inf", "stations.press.position=[.inf, 0]", ["position.x", "finite"]),
    (
        "job-quantity-huge",
        "jobs=[{product: part, release: 0, quantity: 1000000000}]",
        ["jobs[0].quantity", "100000"],
    ),
    ("job-release-nan", "jobs=[{product: part, release: .nan}]", ["jobs[0].release", "finite"]),
    (
        "maintenance-interval-tiny",
        "maintenance={policy: periodic, interval: 1e-9, duration: 0}",
        ["maintenance.interval", "0.001"],
    ),
    ("event-budget-zero", "limits.max_events=0", ["limits.max_events", "greater than"]),
    ("wip-budget-nan", "limits.max_wip=.nan", ["limits.max_wip"]),
    ("budget-unknown-field", "limits.max_parts=5", ["limits.max_parts", "Extra inputs"]),
]


@pytest.mark.parametrize(
    ("override", "words"), [r[1:] for r in CONFIG_ROWS], ids=[r[0] for r in CONFIG_ROWS]
)
def test_config_refused_with_field_and_range(minimal_path, override, words):
    result = _simulate(minimal_path, "--days", "0.1", "--set", override)
    assert_one_error_line(result, str(minimal_path), *words)


# (CLI arguments, words of the error line)
OPTION_ROWS = [
    ("days-inf", ["--days", "inf"], ["'--days'", "not a finite number", "0 < x <= 3660"]),
    ("days-nan", ["--days", "nan"], ["'--days'", "not a finite number"]),
    ("days-negative", ["--days", "-1"], ["'--days'", "out of range"]),
    ("days-ten-thousand-years", ["--days", "3650000"], ["'--days'", "x <= 3660"]),
    ("days-word", ["--days", "week"], ["'--days'", "not a number"]),
    ("warmup-nan", ["--warmup-days", "nan"], ["'--warmup-days'", "not a finite number"]),
    ("warmup-negative", ["--warmup-days", "-0.5"], ["'--warmup-days'", "0 <= x"]),
    ("warmup-inf", ["--warmup-days", "inf"], ["'--warmup-days'", "not a finite number"]),
    ("replications-zero", ["--replications", "0"], ["'--replications'", "1<=x<=1000"]),
    ("replications-absurd", ["--replications", "1000000000"], ["'--replications'", "1000"]),
    ("replications-float", ["--replications", "2.5"], ["'--replications'", "not a valid"]),
    ("seed-negative", ["--seed", "-1"], ["'--seed'", "2147483647"]),
    ("seed-huge", ["--seed", "99999999999"], ["'--seed'", "2147483647"]),
    ("set-no-equals", ["--set", "stations.press.machines"], ["expected PATH=VALUE"]),
]


@pytest.mark.parametrize(
    ("args", "words"), [r[1:] for r in OPTION_ROWS], ids=[r[0] for r in OPTION_ROWS]
)
def test_option_refused_with_name_and_range(minimal_path, args, words):
    assert_one_error_line(_simulate(minimal_path, *args), *words)


# library calls (notebooks and apps) refuse the same values as the CLI
LIBRARY_ROWS = [
    ("days-nan", lambda f: simulate(f, days=math.nan), ConfigError, "days: must be > 0"),
    ("days-inf", lambda f: simulate(f, days=math.inf), ConfigError, "<= 3660 (got inf)"),
    ("warmup-nan", lambda f: simulate(f, warmup_days=math.nan), ConfigError, "warmup_days"),
    (
        "replications-absurd",
        lambda f: replicate(f, replications=10**9),
        ConfigError,
        "replications: must be an integer in 1..1000",
    ),
    (
        "scenario-days-inf",
        lambda f: run_scenarios(f, {"base": {}}, days=math.inf),
        ConfigError,
        "days",
    ),
    (
        "scenario-workers-zero",
        lambda f: run_scenarios(f, {"base": {}}, backend="processes", workers=0),
        ConfigError,
        "workers",
    ),
    ("run-until-inf", lambda f: Simulation(f).run_until(math.inf), SimulationError, "finite"),
    ("run-until-nan", lambda f: Simulation(f).run_until(math.nan), SimulationError, "finite"),
]


@pytest.mark.parametrize(
    ("call", "error", "words"), [r[1:] for r in LIBRARY_ROWS], ids=[r[0] for r in LIBRARY_ROWS]
)
def test_library_refuses_run_parameters(minimal_path, call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call(minimal_path)


# configs that pass validation but would run long or fill memory: the engine's budgets stop
# them with the budget's name and how to raise it
BUDGET_ROWS = [
    (
        "event-budget",
        ["--set", "limits.max_events=5000"],
        ["limits.max_events = 5,000", "--set limits.max_events=50000"],
    ),
    (
        "failures-every-few-seconds",  # allowed (mean ttf 0.001 min), yet far too many events
        [
            "--set",
            "stations.press.failure={ttf: 0.001, repair: 0}",
            "--set",
            "limits.max_events=200000",
        ],
        ["after 200,000 SimPy events", "raise the budget"],
    ),
    (
        "wip-budget-unstable",
        ["--set", "stations.press.machines=1", "--set", "limits.max_wip=50"],
        ["51 parts in the factory", "limits.max_wip = 50", "--set limits.max_wip=500"],
    ),
    (
        "wip-budget-one-huge-batch",  # one arrival of 5000 parts: no event in between
        ["--set", "products.part.batch_size=5000", "--set", "limits.max_wip=1000"],
        ["1,001 parts in the factory", "limits.max_wip"],
    ),
]


@pytest.mark.parametrize(
    ("args", "words"), [r[1:] for r in BUDGET_ROWS], ids=[r[0] for r in BUDGET_ROWS]
)
def test_engine_budget_stops_a_run_away(minimal_path, args, words):
    result = _simulate(minimal_path, "--days", "1", "--warmup-days", "0", *args)
    assert_one_error_line(result, f"{minimal_path}: simulation stopped at t=", *words)


def test_machines_over_all_stations_are_bounded(station):
    stations = [station(f"s{i}", 1.0, machines=1000) for i in range(11)]
    data = {"products": [{"name": "p", "routing": ["s0"], "arrival": 1}], "stations": stations}
    with pytest.raises(ConfigError, match="stations: 11000 machines in all.*at most 10000"):
        parse_factory(data, source="f.yaml")


def test_default_event_budget_allows_long_demo_runs(demo_path):
    sim = Simulation(demo_path, log_events=False).run_until(2 * 1440)
    assert 0 < sim.events < sim.config.limits.max_events / 1000


def test_unstable_factory_runs_with_a_warning(minimal_path):
    args = ["--days", "0.2", "--warmup-days", "0", "--set", "stations.press.machines=1"]
    result = _simulate(minimal_path, *args, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: unstable factory: load > 1 at press (1.50)")
    assert result.stderr.count("\n") == 1
    report = json.loads(result.stdout)
    assert report["unstable_stations"] == {"press": 1.5}
    assert report["warnings"] == [result.stderr.removeprefix("warning: ").strip()]
    text = _simulate(minimal_path, *args)
    assert text.exit_code == 0 and text.stderr.startswith("warning: unstable factory")


def test_stable_factory_has_no_warning(minimal_path):
    result = _simulate(minimal_path, "--days", "0.2", "--warmup-days", "0", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["warnings"] == [] and report["unstable_stations"] == {}


def test_load_warning_counts_failures(minimal_data):
    # 1.5 / 2 machines = 0.75 without failures; availability 0.5 makes it 1.5
    minimal_data["stations"][0]["failure"] = {"ttf": 10, "repair": 10}
    warning = load_warning(parse_factory(minimal_data))
    assert warning is not None and "press (1.50)" in warning
    printed: list[str] = []
    assert check_load(parse_factory(minimal_data), echo=printed.append) == warning
    assert printed == [f"warning: {warning}"]


def test_json_never_holds_nan(minimal_path):
    # nothing leaves the factory in 5 minutes: lead times have no value and must be null
    args = ["--days", "0.0035", "--warmup-days", "0", "--set", "products.part.arrival=100"]
    result = _simulate(minimal_path, *args, "--json")
    assert result.exit_code == 0, result.output

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")

    report = json.loads(result.stdout, parse_constant=refuse)
    assert report["kpis"]["lead_time_mean_min"] is None


def test_job_list_parts_are_bounded(minimal_data):
    minimal_data["jobs"] = [{"product": "part", "release": 0, "quantity": 100_000}] * 11
    with pytest.raises(ConfigError, match="jobs: 1100000 parts in all.*at most 1000000"):
        parse_factory(minimal_data, source="f.yaml")
