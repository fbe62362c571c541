"""Recording a run as snapshots for playback, and the series a playback view charts."""

from __future__ import annotations

from typing import Any


def record_snapshots(
    simulation: Any, until: float, step: float, off_shift: bool = False
) -> list[Any]:
    """Advance a ``dtwin.sim.Simulation`` to ``until`` in ``step`` increments; one snapshot each.

    The first snapshot is taken at the simulation's current time. ``off_shift=True`` keeps the
    state ``off_shift`` for machines outside every shift (a plain snapshot shows them idle).
    """
    if step <= 0:
        raise ValueError(f"step must be > 0 (got {step})")
    snapshots = [_snapshot(simulation, off_shift)]
    t = float(simulation.now)
    while t + step <= until + 1e-9:
        t += step
        simulation.run_until(t)
        snapshots.append(_snapshot(simulation, off_shift))
    return snapshots


def _snapshot(simulation: Any, off_shift: bool) -> Any:
    snapshot = simulation.snapshot()
    if not off_shift:
        return snapshot
    from dataclasses import replace

    from dtwin.sim.states import MachineState

    off = {
        (st.name, m.index)
        for st in simulation.view().stations
        for m in st.machines
        if m.state is MachineState.OFF_SHIFT
    }
    if not off:
        return snapshot
    machines = [
        replace(m, state="off_shift") if (m.station, m.machine) in off else m
        for m in snapshot.machines
    ]
    return replace(snapshot, machines=machines)


def series(snapshots: list[Any], key: str, scale: float = 1.0) -> list[float]:
    """One KPI over the snapshots (NaN where missing), multiplied by ``scale``."""
    return [float(s.kpis.get(key, float("nan"))) * scale for s in snapshots]


def health_series(snapshots: list[Any]) -> dict[str, list[float]]:
    """Health of every machine whose health ever drops below 1 (``station#machine`` -> values)."""
    keys: dict[str, list[float]] = {}
    for i, snap in enumerate(snapshots):
        for m in snap.machines:
            name = f"{m.station}#{m.machine}"
            keys.setdefault(name, [1.0] * i).append(float(m.health))
    return {k: v for k, v in keys.items() if min(v) < 1.0}


def state_shares(snapshots: list[Any]) -> dict[str, dict[str, float]]:
    """Share of machine-snapshots in each state: ``{station: {"<state> share": p}}``."""
    counts: dict[str, dict[str, int]] = {}
    for snap in snapshots:
        for m in snap.machines:
            station = counts.setdefault(m.station, {})
            station[m.state] = station.get(m.state, 0) + 1
    return {
        name: {f"{state} share": n / sum(c.values()) for state, n in sorted(c.items())}
        for name, c in counts.items()
    }
