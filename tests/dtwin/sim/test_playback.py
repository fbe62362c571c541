from types import SimpleNamespace

import pytest

from dtwin.sim import health_series, record_snapshots, series, state_shares


class FakeSim:
    """Counts time; its snapshot is the time and a falling health."""

    def __init__(self):
        self.now = 0.0

    def run_until(self, t):
        self.now = t

    def snapshot(self):
        state = "running" if self.now < 20 else "down"
        m = SimpleNamespace(station="a", machine=0, state=state, health=1.0 - self.now / 100)
        return SimpleNamespace(time=self.now, machines=[m], queues={"a": 1}, kpis={"wip": self.now})


def test_record_snapshots_every_step():
    snaps = record_snapshots(FakeSim(), until=30, step=10)
    assert [s.time for s in snaps] == [0, 10, 20, 30]
    assert series(snaps, "wip", scale=0.5) == [0, 5, 10, 15]


def test_bad_step_rejected():
    with pytest.raises(ValueError, match="step"):
        record_snapshots(FakeSim(), until=30, step=0)


def _two_station_snapshots():
    def machine(station, k, state):
        return SimpleNamespace(station=station, machine=k, state=state, health=1.0)

    return [
        SimpleNamespace(time=t, machines=[machine("cut", 0, s), machine("press", 0, "idle")])
        for t, s in ((0.0, "idle"), (1.0, "running"))
    ]


def test_health_and_state_shares():
    snapshots = _two_station_snapshots()
    snaps = record_snapshots(FakeSim(), until=30, step=10)
    assert health_series(snaps) == {"a#0": [1.0, 0.9, 0.8, 0.7]}
    assert state_shares(snaps) == {"a": {"down share": 0.5, "running share": 0.5}}
    assert "cut" in state_shares(snapshots)
