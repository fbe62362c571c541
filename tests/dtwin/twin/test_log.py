from __future__ import annotations

import random

import duckdb
import pytest

from dtwin.errors import DataError
from dtwin.twin import events as ev
from dtwin.twin.bus import EventBus
from dtwin.twin.log import EventLog, read_events, replay
from dtwin.twin.state import FactoryState


def _random_events(n_parts: int, seed: int) -> list[ev.TwinEvent]:
    """A few hundred events: parts through a -> b, breakdowns, health estimates."""
    rng, out, t = random.Random(seed), [], 0.0
    for part in range(n_parts):
        t += rng.random()
        m = rng.choice(["a-1", "a-2"])
        out += [
            ev.PartReleased(time=t, source="t", part=part, station="a", route=("a", "b")),
            ev.PartStarted(time=t, source="t", part=part, machine=m),
            ev.PartFinished(time=t + 1, source="t", part=part, machine=m),
            ev.HealthEstimateChanged(time=t + 1, source="health", machine=m,
                                     mean=rng.random(), std=rng.random() / 10),
            ev.PartStarted(time=t + 1, source="t", part=part, machine="b-1"),
            ev.PartFinished(time=t + 2, source="t", part=part, machine="b-1"),
            ev.PartExited(time=t + 2, source="t", part=part, machine="b-1"),
        ]  # fmt: skip
        t += 2
        if rng.random() < 0.2:
            out.append(ev.MachineDown(time=t, source="t", machine=m))
    return out


def _live(ids, db, events, replication=0, batch=64):
    bus = EventBus(retries=1)
    log = EventLog(db, ids, replication=replication, batch=batch).attach(bus)
    state = FactoryState(ids)
    bus.subscribe(state.apply)
    for e in events:
        bus.publish(e)
    log.close()
    return bus, log, state


def test_replay_equals_live_state_on_hundreds_of_events(ids, tmp_path):
    events = _random_events(60, seed=1)
    assert len(events) >= 400
    db = tmp_path / "events.duckdb"
    con = duckdb.connect(str(db))
    _, _, state = _live(ids, con, events)
    con.close()
    assert replay(db).to_json() == state.to_json()
    assert read_events(db) == events


def test_rows_hold_seq_time_type_and_payload(ids):
    con = duckdb.connect()
    events = _random_events(3, seed=2)
    _live(ids, con, events)
    rows = con.execute("SELECT seq, time, type FROM twin_events ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == list(range(len(events)))
    assert [(r[1], r[2]) for r in rows] == [(e.time, e.kind) for e in events]


def test_replications_are_kept_apart(ids):
    con = duckdb.connect()
    _, _, s0 = _live(ids, con, _random_events(5, seed=3), replication=0)
    _, _, s1 = _live(ids, con, _random_events(7, seed=4), replication=1)
    assert replay(con, 0).to_json() == s0.to_json()
    assert replay(con, 1).to_json() == s1.to_json() != s0.to_json()


def test_dead_letters_reach_the_table_and_the_run_goes_on(ids):
    con = duckdb.connect()
    bus = EventBus(retries=2)
    EventLog(con, ids, batch=10).attach(bus)
    state = FactoryState(ids)
    bus.subscribe(state.apply)

    def broken(e):
        raise RuntimeError(f"cannot handle {e.kind}")

    bus.subscribe(broken, ev.MachineDown, name="broken_agent")
    events = _random_events(20, seed=5)
    for e in events:
        bus.publish(e)
    downs = sum(isinstance(e, ev.MachineDown) for e in events)
    assert downs > 0 and state.events == len(events)
    rows = con.execute(
        "SELECT seq, handler, error_type, error, attempts, event->>'type' FROM twin_dead_letters"
    ).fetchall()
    assert len(rows) == downs
    assert rows[0][1:] == ("broken_agent", "RuntimeError", "cannot handle machine_down", 3,
                           "machine_down")  # fmt: skip


def test_a_replication_is_logged_once(ids):
    con = duckdb.connect()
    EventLog(con, ids, replication=2)
    with pytest.raises(DataError, match="already holds replication 2"):
        EventLog(con, ids, replication=2)


def test_replay_errors(ids, tmp_path):
    con = duckdb.connect()
    EventLog(con, ids)
    with pytest.raises(DataError, match="no replication 5"):
        replay(con, 5)
    with pytest.raises(DataError, match="no such file"):
        replay(tmp_path / "missing.duckdb")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(DataError, match="not a twin event log"):
        replay(other)
