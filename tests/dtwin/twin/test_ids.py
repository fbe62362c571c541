from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from dtwin.errors import ConfigError
from dtwin.twin.ids import MachineIds, UnknownMachineError, default_id, machine_ids

CONFIG = NS(stations=[NS(name="cut", machines=2), NS(name="weld", machines=1)])


def test_default_ids_are_station_dash_k():
    ids = machine_ids(CONFIG)
    assert ids.ids == ("cut-1", "cut-2", "weld-1")
    assert default_id("cut", 0) == "cut-1"


def test_both_ways():
    ids = machine_ids(CONFIG)
    for machine in ids.ids:
        assert ids.id_of(*ids.slot_of(machine)) == machine
    assert ids.slot_of("cut-2") == ("cut", 1)
    assert ids.station_of("weld-1") == "weld"
    assert ids.machines_of("cut") == ("cut-1", "cut-2")


def test_names_mapping_overrides_defaults():
    ids = machine_ids(CONFIG, {"cut": ["CUT-A", "CUT-B"]})
    assert ids.ids == ("CUT-A", "CUT-B", "weld-1")
    assert ids.slot_of("CUT-B") == ("cut", 1)


def test_station_field_machine_ids_is_read_when_present():
    config = NS(stations=[NS(name="cut", machines=1, machine_ids=["saw7"])])
    assert machine_ids(config).ids == ("saw7",)


def test_demo_factory_ids_match_the_sim_slots():
    from dtwin.sim import DEMO_FACTORY, load_factory

    config = load_factory(DEMO_FACTORY)
    ids = machine_ids(config)
    assert len(ids.ids) == sum(st.machines for st in config.stations)
    assert ids.id_of("press_a", 1) == "press_a-2"


@pytest.mark.parametrize(
    "names,match",
    [
        ({"nope": ["x"]}, "unknown station 'nope'"),  # a station the factory lacks
        ({"cut": ["x"]}, "2 machines but 1 ids"),  # wrong count
        ({"cut": ["x", ""]}, "non-empty string"),  # an empty id
        ({"cut": ["weld-1", "x"]}, "used twice"),  # clashes with a default id
    ],
    ids=["unknown-station", "wrong-count", "empty-id", "duplicate"],
)
def test_bad_names(names, match):
    with pytest.raises(ConfigError, match=match):
        machine_ids(CONFIG, names)


def test_every_problem_is_named_at_once():
    with pytest.raises(ConfigError) as info:
        machine_ids(CONFIG, {"nope": ["x"], "cut": ["x"]})
    assert "nope" in str(info.value) and "2 machines but 1" in str(info.value)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda ids: ids.slot_of("cut-9"), "unknown machine id 'cut-9'"),
        (lambda ids: ids.id_of("cut", 2), "no machine slot 2"),
        (lambda ids: ids.id_of("cut", -1), "no machine slot -1"),
        (lambda ids: ids.id_of("paint", 0), "unknown station 'paint'"),
        (lambda ids: ids.machines_of("paint"), "unknown station 'paint'"),
    ],
    ids=["unknown-id", "slot-too-high", "negative-slot", "unknown-station", "machines-of"],
)
def test_unknown_lookups(call, match):
    with pytest.raises(UnknownMachineError, match=match):
        call(machine_ids(CONFIG))


def test_json_round_trip():
    ids = machine_ids(CONFIG, {"weld": ["W"]})
    assert MachineIds.from_json(ids.to_json()) == ids
