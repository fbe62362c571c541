"""Static loads agree with the simulation; charts draw what they are given."""

from __future__ import annotations

import matplotlib
import pytest

from dtwin.sim import simulate, station_loads
from dtwin.sim.plots import plot_lead_times, plot_scenarios, plot_state_shares
from dtwin.sim.scenarios import summarize_scenarios

matplotlib.use("Agg")


def test_static_loads_match_simulated_utilisation(minimal_path):
    loads = station_loads(minimal_path).set_index("station")
    assert loads.loc["press", "load"] == pytest.approx(0.75)
    assert loads.loc["paint", "load"] == pytest.approx(0.6)
    assert loads.loc["press", "capacity_per_hour"] == pytest.approx(80.0)
    res = simulate(minimal_path, days=5, seed=0, log_events=False)
    util = res.stations.set_index("station")["utilization"]
    assert util["press"] == pytest.approx(0.75, abs=0.03)


def test_demo_static_bottleneck_is_the_welder(demo_path):
    loads = station_loads(demo_path)
    assert loads.loc[loads["load_with_failures"].idxmax(), "station"] == "weld_a"
    assert (loads["load_with_failures"] < 1).all()


def test_charts(minimal_path):
    import pandas as pd

    res = simulate(minimal_path, days=0.2, seed=0)
    ax = plot_state_shares(res.stations, title="shares")
    assert len(ax.patches) == 2 * 3  # two stations x (running, idle, starved)
    ax = plot_lead_times(res.lead_times)
    assert len(ax.lines) == 2
    runs = pd.DataFrame(
        {"scenario": ["a", "a", "b", "b"], "replication": [0, 1, 0, 1], "wip_mean": [1, 2, 3, 4]}
    )
    axes = plot_scenarios(summarize_scenarios(runs), ["wip_mean"])
    assert [p.get_height() for p in axes[0].patches] == [1.5, 3.5]
    import matplotlib.pyplot as plt

    plt.close("all")
