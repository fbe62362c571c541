from __future__ import annotations

import json

import pytest

from dtwin.errors import DataError
from dtwin.twin import events as ev
from dtwin.twin.ids import UnknownMachineError
from dtwin.twin.state import FactoryState
from tests.dtwin.twin.conftest import one_of_each

S = "test"


def _flow(state: FactoryState) -> None:
    """Part 1 goes a -> b and exits; part 2 is scrapped after a."""
    for e in [
        ev.PartReleased(time=0, source=S, part=1, station="a", product="p", route=("a", "b")),
        ev.PartReleased(time=0, source=S, part=2, station="a", product="p", route=("a", "b")),
        ev.PartStarted(time=1, source=S, part=1, machine="a-1"),
        ev.PartFinished(time=2, source=S, part=1, machine="a-1"),
        ev.PartStarted(time=2, source=S, part=2, machine="a-2"),
        ev.PartStarted(time=3, source=S, part=1, machine="b-1"),
        ev.PartFinished(time=3, source=S, part=2, machine="a-2"),
        ev.PartScrapped(time=3, source=S, part=2, machine="a-2"),
        ev.PartFinished(time=4, source=S, part=1, machine="b-1"),
        ev.PartExited(time=4, source=S, part=1, machine="b-1"),
    ]:
        state.apply(e)


def test_parts_flow_with_queues_and_counters(ids):
    state = FactoryState(ids)
    _flow(state)
    assert (state.released, state.exited, state.scrapped, state.wip) == (2, 1, 1, 0)
    assert state.queues == {"a": 0, "b": 0}
    assert state.machines["a-1"].ops == 1 and state.machines["a-2"].scrapped == 1
    part = state.parts[1]
    assert part.status == "exited" and part.step == 2
    assert [h[1] for h in part.history] == ["released", "started", "finished", "started",
                                            "finished", "exited"]  # fmt: skip


def test_queue_counts_waiting_parts(ids):
    state = FactoryState(ids)
    state.apply(ev.PartReleased(time=0, source=S, part=1, station="a", route=("a", "b")))
    assert state.queues["a"] == 1
    state.apply(ev.PartStarted(time=1, source=S, part=1, machine="a-1"))
    assert state.queues["a"] == 0 and state.machines["a-1"].part == 1
    state.apply(ev.PartFinished(time=2, source=S, part=1, machine="a-1"))
    assert state.queues["b"] == 1 and state.machines["a-1"].part is None


def test_machine_events(ids):
    state = FactoryState(ids)
    for e in one_of_each(5.0)[6:]:
        state.apply(e)
    a1, a2 = state.machines["a-1"], state.machines["a-2"]
    assert a2.status == "down" and a2.failures == 1 and a2.repairs == 1
    assert (a1.health_mean, a1.health_std, a1.health_time) == (0.8, 0.05, 5.0)
    assert a1.last_maintenance == 5.0 and a1.maintenances == 1 and not a1.maintenance_pending
    assert state.schedule_id == "plan-2" and state.alerts[0]["rule"] == "low_health"


def test_health_starts_unknown(ids):
    assert FactoryState(ids).to_json()["machines"][0]["health"]["mean"] is None


def test_to_json_is_plain_json_and_deterministic(ids):
    a, b = FactoryState(ids), FactoryState(ids)
    _flow(a)
    _flow(b)
    text = json.dumps(a.to_json(), allow_nan=False)
    assert json.loads(text) == a.to_json() == b.to_json()


@pytest.mark.parametrize(
    "event,match",
    [
        (ev.PartStarted(time=1, source=S, part=9, machine="a-1"), "never released"),
        (ev.MachineDown(time=1, source=S, machine="z-1"), "unknown machine id 'z-1'"),
        (ev.PartReleased(time=1, source=S, part=9, station="z"), "unknown station 'z'"),
    ],
    ids=["unknown-part", "unknown-machine", "unknown-station"],
)
def test_events_that_do_not_fit(ids, event, match):
    with pytest.raises(DataError, match=match):
        FactoryState(ids).apply(event)


def test_unknown_machine_is_its_own_error(ids):
    with pytest.raises(UnknownMachineError):
        FactoryState(ids).apply(ev.MachineRepaired(time=0, source=S, machine="nope"))


def test_release_twice_and_time_order(ids):
    state = FactoryState(ids)
    state.apply(ev.PartReleased(time=5, source=S, part=1, station="a"))
    with pytest.raises(DataError, match="released before"):
        state.apply(ev.PartReleased(time=5, source=S, part=1, station="a"))
    with pytest.raises(DataError, match="earlier than the state's"):
        state.apply(ev.MachineDown(time=4, source=S, machine="a-1"))


def test_not_an_event(ids):
    with pytest.raises(DataError, match="cannot apply"):
        FactoryState(ids).apply(ev.TwinEvent(time=0, source=S))


def test_parts_that_left_are_kept_up_to_keep_done_newest_first():
    from dtwin.twin import FactoryState, MachineIds, PartExited, PartReleased

    ids = MachineIds((("s", ("s-1",)),))
    state = FactoryState(ids, keep_done=3)
    for part in range(6):
        state.apply(PartReleased(time=float(part), source="t", part=part, station="s",
                                 route=("s",)))  # fmt: skip
    for part in range(5):
        state.apply(PartExited(time=10.0 + part, source="t", part=part, machine="s-1"))
    assert sorted(state.parts) == [2, 3, 4, 5]  # 5 is still in the factory
    assert state.exited == 5 and state.wip == 1
