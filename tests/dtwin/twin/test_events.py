from __future__ import annotations

import json

import pytest

from dtwin.errors import DataError
from dtwin.twin import events as ev
from tests.dtwin.twin.conftest import one_of_each

EVENTS = one_of_each(12.5)


def test_every_registered_type_has_a_sample():
    assert sorted(type(e).kind for e in EVENTS) == sorted(ev.EVENT_TYPES)


@pytest.mark.parametrize("event", EVENTS, ids=[e.kind for e in EVENTS])
def test_payload_round_trip_through_json(event):
    payload = event.to_payload()
    assert payload["type"] == event.kind and payload["time"] == 12.5
    text = json.dumps(payload, allow_nan=False)
    back = ev.from_payload(json.loads(text))
    assert back == event and type(back) is type(event)


@pytest.mark.parametrize("event", EVENTS, ids=[e.kind for e in EVENTS])
def test_events_are_frozen(event):
    with pytest.raises(AttributeError):
        event.time = 3.0


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: ev.MachineDown(time=-1.0, source="s", machine="m"), "finite and >= 0"),
        (lambda: ev.MachineDown(time=float("nan"), source="s", machine="m"), "finite"),
        (lambda: ev.MachineDown(time="1", source="s", machine="m"), "number of minutes"),
        (lambda: ev.MachineDown(time=1.0, source="", machine="m"), "source"),
        (lambda: ev.MachineStateChanged(time=1, source="s", machine="m", status="on"), "'on'"),
        (lambda: ev.PartInspected(time=1, source="s", part=1, machine="m", image="i",
                                  model_class="good", probability=1.5), "probability"),
        (lambda: ev.HealthEstimateChanged(time=1, source="s", machine="m", mean=0.5,
                                          std=-0.1), "std >= 0"),
        (lambda: ev.AlertRaised(time=1, source="s", rule="r", severity="bad", message="m"),
         "severity"),
    ],
    ids=["negative-time", "nan-time", "str-time", "no-source", "bad-status",
         "probability", "negative-std", "bad-severity"],
)  # fmt: skip
def test_bad_events(make, match):
    with pytest.raises(DataError, match=match):
        make()


@pytest.mark.parametrize(
    "payload,match",
    [
        ({"type": "nope", "time": 1}, "unknown event type 'nope'"),
        ({"time": 1}, "unknown event type None"),
        ({"type": "machine_down", "time": 1, "source": "s"}, r"missing fields \['machine'\]"),
        ({"type": "machine_down", "time": 1, "source": "s", "machine": "m", "x": 1},
         r"unknown fields \['x'\]"),
        ([1, 2], "must be a dict"),
    ],
    ids=["unknown-type", "no-type", "missing-field", "unknown-field", "not-a-dict"],
)  # fmt: skip
def test_bad_payloads(payload, match):
    with pytest.raises(DataError, match=match):
        ev.from_payload(payload)
