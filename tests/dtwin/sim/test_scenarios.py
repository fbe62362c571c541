"""Scenarios and replications: tidy frames, CIs, identical results on every backend."""

from __future__ import annotations

import pandas as pd
import pytest

from dtwin.errors import ConfigError
from dtwin.sim import replicate, run_scenarios
from dtwin.sim.scenarios import bottleneck, summarize_scenarios

SCENARIOS = {"base": {}, "3 presses": {"stations.press.machines": 3}}


def test_serial_scenarios_tidy_frame(minimal_path):
    df = run_scenarios(minimal_path, SCENARIOS, replications=2, days=0.5, seed=1)
    assert len(df) == 4
    assert list(df.columns[:2]) == ["scenario", "replication"]
    assert {"throughput_per_hour", "wip_mean", "press.utilization"} <= set(df.columns)
    by = df.groupby("scenario")["press.utilization"].mean()
    assert by["3 presses"] < by["base"]  # same load spread over more machines
    summary = summarize_scenarios(df, ["wip_mean", "lead_time_mean_min"])
    assert set(summary.columns) >= {"scenario", "metric", "mean", "half_width"}
    assert len(summary) == 4
    assert (summary["half_width"] >= 0).all()


def test_processes_and_dask_match_serial(minimal_path):
    from dask.distributed import LocalCluster

    serial = run_scenarios(minimal_path, SCENARIOS, replications=2, days=0.2, seed=3)
    procs = run_scenarios(
        minimal_path, SCENARIOS, replications=2, days=0.2, seed=3, backend="processes"
    )
    pd.testing.assert_frame_equal(serial, procs)
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        dask = run_scenarios(
            minimal_path,
            SCENARIOS,
            replications=2,
            days=0.2,
            seed=3,
            backend="dask",
            scheduler=cluster.scheduler_address,
        )
    pd.testing.assert_frame_equal(serial, dask)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"backend": "spark"}, "choices: serial, processes, dask"),
        ({"replications": 0}, "replications"),
        ({"overrides": {"x": {"stations.nope.machines": 2}}}, "scenario 'x'"),
    ],
    ids=["bad-backend", "no-replications", "bad-override"],
)
def test_scenario_bad_input(minimal_path, kwargs, words):
    args = {"overrides": SCENARIOS, "replications": 1, "days": 0.1, **kwargs}
    with pytest.raises(ConfigError, match=words):
        run_scenarios(minimal_path, **args)


def test_replications_confidence_intervals(minimal_path):
    reps = replicate(minimal_path, replications=4, days=0.5, seed=0)
    assert len(reps.runs) == 4
    mean = reps.mean("throughput_per_hour")
    assert mean == pytest.approx(reps.runs["throughput_per_hour"].mean())
    assert 0 < reps.half_width("throughput_per_hour") < 0.1 * mean
    row = reps.summary.loc["wip_mean"]
    assert row["low"] < row["mean"] < row["high"]


def test_bottleneck_of_the_demo_is_the_welder(demo_path):
    from dtwin.sim import simulate

    res = simulate(demo_path, days=3, warmup_days=0.5, seed=0, log_events=False)
    assert bottleneck(res.stations) == "weld_a"


def test_machine_scenarios_and_scenario_factory(demo_path):
    from dtwin.sim import load_factory, machine_scenarios, scenario_factory

    cfg = load_factory(demo_path)
    names = list(machine_scenarios(cfg))
    assert names[0] == "base" and names[1] == "+1 machine at cut_a"
    assert len(names) == len(cfg.stations) + 1
    more = scenario_factory(cfg, "+1 machine at weld_a", "maintenance.technicians=3; ")
    assert more.station("weld_a").machines == cfg.station("weld_a").machines + 1
    assert more.maintenance.technicians == 3
    assert scenario_factory(cfg) == cfg
    with pytest.raises(ConfigError, match="choices: base"):
        scenario_factory(cfg, "baseline")


def test_active_shares_put_the_bottleneck_first(demo_path):
    from dtwin.sim import active_shares, simulate

    res = simulate(demo_path, days=1, seed=0, log_events=False)
    shares = active_shares(res.stations)
    assert shares.index[0] == bottleneck(res.stations)
    assert shares.is_monotonic_decreasing and len(shares) == len(res.stations)
