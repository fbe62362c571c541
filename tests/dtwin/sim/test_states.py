"""Machine states are defined once: engine counters, KPI columns, energy fields, snapshots."""

from __future__ import annotations

import dtwin.sim
from dtwin.sim import STATE_LABELS, MachineState, simulate
from dtwin.sim.config import Energy
from dtwin.sim.plots import SHARE_COLORS
from dtwin.sim.states import POWERED_STATES, SNAPSHOT_STATES
from tests.dtwin.sim.test_engine import STATES


def test_labels_and_counter_order():
    assert [s.label for s in MachineState] == list(STATE_LABELS)
    assert MachineState.OFF_SHIFT.shown == "idle" and MachineState.DOWN.shown == "down"
    assert [int(s) for s in MachineState] == list(range(len(MachineState)))


def test_snapshot_states_are_the_documented_ones():
    assert set(SNAPSHOT_STATES) == STATES


def test_energy_has_one_field_per_powered_state():
    assert list(Energy.model_fields) == [s.label for s in POWERED_STATES]


def test_kpi_columns_and_plot_colours_cover_every_state(minimal_path):
    res = simulate(minimal_path, days=0.05, seed=0, log_events=False)
    assert set(STATE_LABELS) <= set(res.machines.columns)
    assert set(SHARE_COLORS) == set(STATE_LABELS)


def test_front_lists_its_names():
    names = dir(dtwin.sim)
    for name in ("Simulation", "MachineState", "record_snapshots", "scenario_factory"):
        assert name in names
    assert "record_snapshots" in (dtwin.sim.__doc__ or "")
