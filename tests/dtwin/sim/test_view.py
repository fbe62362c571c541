"""The read-only view that snapshots and KPIs read."""

from __future__ import annotations

import dataclasses

import pytest

from dtwin.sim import MachineState, PlantView, Simulation
from dtwin.sim.kpis import compute_kpis


def test_view_is_a_frozen_copy(demo_path):
    sim = Simulation(demo_path, seed=1)
    sim.run_until(300)
    view = sim.view()
    assert isinstance(view, PlantView) and view.now == 300.0 and view.window == 300.0
    before = compute_kpis(view)
    sim.run_until(600)
    assert compute_kpis(view) == before  # later steps do not change a view already taken
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.now = 0.0  # type: ignore[misc]
    m = view.station("weld_a").machines[0]
    assert isinstance(m.state, MachineState) and sum(m.shares) == pytest.approx(1.0)


def test_kpis_of_view_equal_kpis_of_simulation(demo_path):
    sim = Simulation(demo_path, seed=2, warmup=100)
    sim.run_until(700)
    assert compute_kpis(sim) == compute_kpis(sim.view())
