from __future__ import annotations

import pytest

from dtwin.errors import DtwinError, SimulationError
from dtwin.twin import events as ev
from dtwin.twin.bus import BusOverflow, EventBus


def down(t: float = 0.0, machine: str = "m") -> ev.MachineDown:
    return ev.MachineDown(time=t, source="test", machine=machine)


def repaired(t: float = 0.0) -> ev.MachineRepaired:
    return ev.MachineRepaired(time=t, source="test", machine="m")


def test_subscribe_by_type_and_catch_all_in_subscription_order():
    bus, seen = EventBus(), []
    bus.subscribe(lambda e: seen.append(("all", e.kind)))
    bus.subscribe(lambda e: seen.append(("down", e.kind)), ev.MachineDown)
    bus.subscribe(lambda e: seen.append(("base", e.kind)), ev.TwinEvent)
    bus.publish(down())
    bus.publish(repaired())
    assert seen == [("all", "machine_down"), ("down", "machine_down"), ("base", "machine_down"),
                    ("all", "machine_repaired"), ("base", "machine_repaired")]  # fmt: skip


def test_unsubscribe():
    bus, seen = EventBus(), []
    off = bus.subscribe(seen.append)
    bus.publish(down())
    off()
    off()  # twice is harmless
    bus.publish(down())
    assert len(seen) == 1


def test_published_by_handlers_are_queued_in_order_not_recursed():
    bus, seen = EventBus(), []

    def chain(e):
        seen.append(e.time)
        if e.time < 5000:  # deeper than Python's recursion limit if it recursed
            bus.publish(down(e.time + 1))
            bus.publish(repaired(e.time + 0.5))

    bus.subscribe(chain, ev.MachineDown)
    bus.subscribe(lambda e: seen.append(("r", e.time)), ev.MachineRepaired)
    bus.publish(down(0))
    assert seen[:4] == [0, 1, ("r", 0.5), 2]
    assert bus.seq == 10000


def test_a_failing_handler_is_retried_then_dead_lettered_and_the_loop_goes_on():
    bus, calls, after = EventBus(retries=2), [], []

    def broken(e):
        calls.append(e)
        raise ValueError("sensor offline")

    bus.subscribe(broken, ev.MachineDown, name="broken")
    bus.subscribe(after.append)
    bus.publish(down(1))
    bus.publish(down(2))
    assert len(calls) == 6 and len(after) == 2
    letter = bus.dead_letters[0]
    assert (letter.handler, letter.error_type, letter.error, letter.attempts, letter.seq) == (
        "broken", "ValueError", "sensor offline", 3, 0)  # fmt: skip
    assert letter.event == down(1)


def test_a_handler_that_succeeds_on_retry_is_not_dead_lettered():
    bus, tries = EventBus(retries=1), []

    def flaky(e):
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("once")

    bus.subscribe(flaky)
    bus.publish(down())
    assert len(tries) == 2 and bus.dead_letters == []


def test_a_failed_attempt_publishes_nothing():
    bus, repairs = EventBus(retries=0), []

    def publish_then_fail(e):
        bus.publish(repaired())
        raise RuntimeError("after publishing")

    bus.subscribe(publish_then_fail, ev.MachineDown)
    bus.subscribe(repairs.append, ev.MachineRepaired)
    bus.publish(down())
    assert repairs == [] and len(bus.dead_letters) == 1


def test_dead_letter_hook():
    bus, hooked = EventBus(retries=0), []
    bus.on_dead_letter(hooked.append)
    bus.subscribe(lambda e: 1 / 0)
    bus.publish(down())
    assert hooked[0].error_type == "ZeroDivisionError"


def test_a_feedback_loop_hits_the_event_budget():
    bus = EventBus(max_events=100)
    bus.subscribe(lambda e: bus.publish(down(e.time)))
    with pytest.raises(BusOverflow, match="more than 100 events") as info:
        bus.publish(down())
    assert isinstance(info.value, DtwinError) and bus.dead_letters == []
    seen = []
    bus = EventBus()
    bus.subscribe(seen.append)
    bus.publish(down())
    assert len(seen) == 1


def test_a_fan_out_hits_the_queue_bound():
    bus = EventBus(max_queue=50)

    def fan(e):
        for _ in range(60):
            bus.publish(repaired())

    bus.subscribe(fan, ev.MachineDown)
    with pytest.raises(BusOverflow, match="queue is full"):
        bus.publish(down())


@pytest.mark.parametrize(
    "kwargs", [{"retries": -1}, {"max_queue": 0}, {"max_events": 1.5}, {"retries": True}],
    ids=["negative-retries", "zero-queue", "float-budget", "bool-retries"],
)  # fmt: skip
def test_bad_settings(kwargs):
    with pytest.raises(SimulationError, match="must be an integer"):
        EventBus(**kwargs)


def test_bad_subscribe_and_publish():
    bus = EventBus()
    with pytest.raises(SimulationError, match="TwinEvent classes"):
        bus.subscribe(print, int)
    with pytest.raises(SimulationError, match="expected a TwinEvent"):
        bus.publish({"type": "machine_down"})
