"""Engine behaviour: determinism, warm-up, snapshots, blocking, failures, maintenance, ..."""

from __future__ import annotations

import pandas as pd
import pytest

from dtwin.sim import Simulation, simulate, write_events
from dtwin.sim.results import MachineSnapshot, Snapshot

STATES = {"running", "idle", "blocked", "starved", "down", "maintenance"}


def test_same_seed_same_run_bit_for_bit(demo_path):
    a = simulate(demo_path, days=1, warmup_days=0.2, seed=7)
    b = simulate(demo_path, days=1, warmup_days=0.2, seed=7)
    assert a.kpis == b.kpis
    pd.testing.assert_frame_equal(a.stations, b.stations)
    pd.testing.assert_frame_equal(a.events, b.events)
    c = simulate(demo_path, days=1, warmup_days=0.2, seed=8)
    assert c.kpis["lead_time_mean_min"] != a.kpis["lead_time_mean_min"]


def test_event_log_columns_and_content(minimal_path):
    res = simulate(minimal_path, days=0.2, seed=1)
    ev = res.events
    assert list(ev.columns) == ["time", "entity", "station", "machine", "event"]
    assert ev["time"].is_monotonic_increasing
    assert set(ev["event"]) == {"release", "start", "finish", "exit"}
    assert (ev["event"] == "exit").sum() == res.kpis["finished"]
    assert set(ev["station"]) == {"press", "paint"}


def test_event_log_off_gives_empty_frame(minimal_path):
    res = simulate(minimal_path, days=0.2, seed=1, log_events=False)
    assert res.events.empty
    assert list(res.events.columns) == ["time", "entity", "station", "machine", "event"]


def test_event_log_to_duckdb(minimal_path, tmp_path):
    import duckdb

    res = simulate(minimal_path, days=0.1, seed=1)
    n = write_events(res.events, tmp_path / "ev.duckdb")
    assert n == len(res.events)
    with duckdb.connect(str(tmp_path / "ev.duckdb")) as con:
        exits = con.execute("SELECT count(*) FROM sim_events WHERE event = ?", ["exit"]).fetchone()
    assert exits[0] == res.kpis["finished"]


def test_warmup_resets_statistics(minimal_path):
    res = simulate(minimal_path, days=0.5, warmup_days=0.5, seed=2)
    assert res.kpis["window_min"] == 720.0
    assert res.kpis["time_min"] == 1440.0
    shares = res.machines[["running", "idle", "blocked", "starved", "down", "maintenance"]]
    assert shares.sum(axis=1).tolist() == pytest.approx([1.0] * 3)
    # about 720 parts arrive in the window (rate 1/min), not 1440
    assert 600 < res.kpis["finished"] < 850


def test_step_wise_snapshots(demo_path):
    sim = Simulation(demo_path, seed=3)
    sim.run_until(600)
    snap = sim.snapshot()
    assert isinstance(snap, Snapshot) and snap.time == 600.0
    assert all(isinstance(m, MachineSnapshot) for m in snap.machines)
    assert {m.state for m in snap.machines} <= STATES
    assert len(snap.machines) == sum(len(rt.machines) for rt in sim.stations.values())
    assert all(0.0 <= m.health <= 1.0 for m in snap.machines)
    assert set(snap.queues) == set(sim.stations)
    assert snap.kpis["time_min"] == 600.0 and snap.kpis["finished"] > 0
    sim.run_until(300)  # going back is a no-op
    assert sim.now == 600.0
    later = sim.run_until(1200).snapshot()
    assert later.kpis["finished"] > snap.kpis["finished"]
    # stepping gives the same run as one long run
    whole = Simulation(demo_path, seed=3).run_until(1200).snapshot()
    assert whole.kpis == later.kpis and whole.machines == later.machines


def test_finite_buffer_blocks_upstream(line, station):
    cfg = line(
        station("a", 0.5, dist="fixed"),
        station("b", 1.0, dist="exponential", buffer=1),
        mean_iat=0.5,
    )
    sim = Simulation(cfg, seed=1)
    worst = 0
    for t in range(50, 3000, 50):
        sim.run_until(t)
        worst = max(worst, len(sim.stations["b"].buffer))
    res = simulate(cfg, days=2, seed=1)
    a = res.stations.set_index("station").loc["a"]
    assert worst <= 1
    assert a["blocked"] > 0.2
    assert res.kpis["throughput_per_hour"] < 61  # b limits the line to 60/h


def test_zero_buffer_serial_line_runs(line, station):
    cfg = line(station("a", 0.5), station("b", 0.5, buffer=0), mean_iat=1.0)
    res = simulate(cfg, days=1, seed=4)
    assert res.kpis["finished"] > 1300
    assert res.stations.set_index("station").loc["a", "blocked"] > 0


def test_per_product_process_times_and_job_list_release(station):
    cfg = {
        "products": [
            {"name": "fast", "routing": ["m"], "process_times": {"m": 1.0}},
            {"name": "slow", "routing": ["m"], "process_times": {"m": 5.0}},
        ],
        "stations": [station("m", 3.0, dist="fixed")],
        "jobs": [
            {"product": "slow", "release": 10, "quantity": 2},
            {"product": "fast", "release": 0, "quantity": 3},
        ],
    }
    res = simulate(cfg, days=0.1, seed=0)
    ev = res.events
    releases = ev[ev["event"] == "release"]["time"].tolist()
    exits = ev[ev["event"] == "exit"]["time"].tolist()
    assert releases == [0.0, 0.0, 0.0, 10.0, 10.0]
    assert exits == [1.0, 2.0, 3.0, 15.0, 20.0]


def test_batch_release(line, station):
    cfg = line(station("m", 0.1, dist="fixed"), mean_iat=10.0)
    cfg["products"][0]["arrival"] = {"dist": "fixed", "value": 10.0}
    cfg["products"][0]["batch_size"] = 4
    ev = simulate(cfg, days=0.05, seed=0).events
    times = ev[ev["event"] == "release"]["time"]
    assert times.value_counts().tolist() == [4] * 7


def test_health_degradation_raises_failures_and_scrap_maintenance_helps(line, station):
    worn = station(
        "m",
        1.0,
        dist="fixed",
        defect_rate=0.0,
        failure={"ttf": {"dist": "exponential", "mean": 500}, "repair": 5},
        health={"wear_per_op": 0.002, "failure_factor": 5.0, "defect_factor": 0.3},
    )
    base = line(worn, station("q", 0.5, dist="fixed", kind="inspection"), mean_iat=1.25)
    kept = line(
        {**worn, "maintenance": {"policy": "health_threshold", "threshold": 0.8, "duration": 10}},
        station("q", 0.5, dist="fixed", kind="inspection"),
        mean_iat=1.25,
    )
    a = simulate(base, days=2, seed=5)
    b = simulate(kept, days=2, seed=5)
    failures = [(r.events["event"] == "failure").sum() for r in (a, b)]
    assert failures[0] > 1.5 * failures[1]
    assert a.kpis["scrap_rate"] > 3 * b.kpis["scrap_rate"] > 0
    assert (b.events["event"] == "maintenance_start").sum() > 5
    mb = b.stations.set_index("station").loc["m"]
    assert mb["maintenance"] > 0 and mb["down"] > 0


def test_periodic_maintenance_interval_and_technicians(line, station):
    pm = {"policy": "periodic", "interval": 100, "duration": 20}
    cfg = line(station("m", 0.5, machines=3, dist="fixed", maintenance=pm), mean_iat=0.5)
    cfg["maintenance"] = {"technicians": 1}
    ev = simulate(cfg, days=1000 / 1440, seed=0).events
    starts = ev[ev["event"] == "maintenance_start"]
    ends = ev[ev["event"] == "maintenance_end"]
    assert len(starts) >= 3 * 7
    # one technician: services never overlap
    spans = sorted(zip(ends["time"] - 20, ends["time"], strict=True))
    assert all(b0 >= a1 - 1e-9 for (_, a1), (b0, _) in zip(spans, spans[1:], strict=False))


def test_inspection_detection_rate(line, station):
    cfg = line(
        station("m", 0.5, dist="fixed", defect_rate=0.5),
        station("q", 0.5, dist="fixed", kind="inspection", detection_rate=0.8),
        mean_iat=1.0,
    )
    k = simulate(cfg, days=3, seed=6).kpis
    defects = k["scrap"] + k["defects_shipped"]
    assert k["scrap"] / defects == pytest.approx(0.8, abs=0.02)
    assert k["quality"] == pytest.approx(0.5, abs=0.02)
    assert k["oee"] == pytest.approx(k["availability"] * k["performance"] * k["quality"])


def test_shifts_stop_work_outside_windows(line, station):
    cfg = line(station("m", 1.0, dist="fixed"), mean_iat=2.0, shifts=[{"start": 6, "end": 14}])
    res = simulate(cfg, days=2, seed=0)
    ev = res.events
    hours = (ev.loc[ev["event"] == "start", "time"] % 1440) / 60
    assert hours.between(6, 14).all()
    m = res.machines.iloc[0]
    assert m["off_shift"] == pytest.approx(16 / 24, abs=0.01)
    # off shift is not planned time, hence no loss: the machine waits half its shift for parts
    st = res.stations.loc[0]
    assert st["loss_down"] == st["loss_setup_maintenance"] == 0.0
    assert st["availability"] + st["loss_starved"] == pytest.approx(1.0)
    assert st["availability"] == pytest.approx(0.5, abs=0.03)


def test_energy_is_power_times_time_in_state(line, station):
    energy = {"running": 10.0, "idle": 1.0, "starved": 1.0}
    cfg = line(station("m", 0.5, dist="fixed", energy=energy), mean_iat=1.0)
    res = simulate(cfg, days=1, seed=0)
    m = res.machines.iloc[0]
    expected = (m["running"] * 10 + m["idle"] * 1) * 24
    assert res.kpis["energy_kwh"] == pytest.approx(expected)
    assert res.kpis["energy_kwh"] == pytest.approx(0.5 * 240 + 0.5 * 24, rel=0.05)


def test_runtime_deadlock_is_reported(station):
    from dtwin.errors import SimulationError

    cfg = {
        "products": [
            {
                "name": "p",
                "routing": ["a", "b", "a", "b"],
                "arrival": {"dist": "fixed", "value": 0.5},
            }
        ],
        "stations": [
            station("a", 1.0, dist="fixed", buffer=1),
            station("b", 1.0, dist="fixed", buffer=1),
        ],
    }
    with pytest.raises(SimulationError, match=r"deadlock.*stuck at a, b.*enlarge"):
        simulate(cfg, days=0.1, seed=0)
    cfg["stations"][0]["buffer"] = None
    assert simulate(cfg, days=0.1, seed=0).kpis["finished"] > 0


def test_event_log_is_an_observer_and_others_see_the_same(minimal_path):
    sim = Simulation(minimal_path, seed=4)
    seen: list = []
    unsubscribe = sim.subscribe(seen.append)
    sim.run_until(60)
    assert seen == sim.log and seen
    unsubscribe()
    sim.run_until(120)
    assert len(sim.log) > len(seen)  # the log goes on, the unsubscribed observer does not


def test_state_changes_reach_state_observers(minimal_path):
    quiet = Simulation(minimal_path, seed=4, log_events=False)
    changes: list = []
    quiet.subscribe(changes.append, states=True)
    quiet.run_until(60)
    kinds = {event for *_, event in changes}
    assert "state:running" in kinds and "start" in kinds
    assert all(entity == -1 for _, entity, *_, event in changes if event.startswith("state:"))
    loud = Simulation(minimal_path, seed=4)
    loud.run_until(60)
    assert [r for r in changes if not r[4].startswith("state:")] == loud.log  # same run
