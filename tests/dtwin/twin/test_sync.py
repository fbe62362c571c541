"""Synchronisation: the state at T replayed from an MES log, by hand and against the engine."""

from __future__ import annotations

import pytest

from dtwin.errors import DataError
from dtwin.event_schema import mes_log_frame, station_machine_ids
from dtwin.sim import Simulation, mes_frame, parse_factory
from dtwin.twin.sync import lead_times, state_at
from tests.dtwin.twin.conftest import INVENTED_PLANT

CFG = parse_factory(INVENTED_PLANT)


def log(*rows: str):
    """An MES log frame from ``time,event,part,product,station,machine`` rows."""
    cols = {c: [] for c in ("time_min", "event", "part", "product", "station", "machine")}
    for row in rows:
        for name, value in zip(cols, row.split(","), strict=True):
            cols[name].append(float(value) if name == "time_min" else (value or None))
    return mes_log_frame(cols)


HAND = log(
    "0,release,p1,bracket,cut,",
    "0,start,p1,bracket,cut,cut-1",
    "2,finish,p1,bracket,cut,cut-1",
    "2,start,p1,bracket,mill,mill-1",
    "3,release,p2,housing,cut,",
    "3,start,p2,housing,cut,cut-1",
    "4,failure,,,mill,mill-1",
    "5,finish,p2,housing,cut,cut-1",
    "9,repaired,,,mill,mill-1",
    "10,release,p3,bracket,cut,",
    "10,start,p3,bracket,cut,cut-1",
    "11,finish,p3,bracket,cut,cut-1",
    "11,start,p3,bracket,mill,mill-2",
    "14,finish,p3,bracket,mill,mill-2",
    "14,start,p3,bracket,inspect,inspect-1",
    "15,exit,p3,bracket,inspect,inspect-1",
)


def test_parts_machines_and_work_done_at_t():
    st = state_at(HAND, 12.0, CFG)
    parts = {p.part: p for p in st.parts}
    assert set(parts) == {"p1", "p2", "p3"}
    p1 = parts["p1"]
    assert p1.machine == "mill-1" and p1.since == 2 and p1.route == ("mill", "inspect")
    assert p1.worked == pytest.approx((4 - 2) + (12 - 9))  # the repair is no work
    p2 = parts["p2"]
    assert p2.machine is None and p2.route == ("weld", "mill", "inspect") and p2.since == 5
    assert parts["p3"].machine == "mill-2" and parts["p3"].worked == pytest.approx(1.0)
    mill1 = st.machine("mill-1")
    assert mill1.status == "up" and mill1.since == 9 and mill1.operating_min == pytest.approx(3)
    assert st.spent()["p2"] == pytest.approx(9.0)
    assert st.last_release == {"bracket": 10.0, "housing": 3.0}


def test_a_machine_down_at_t_and_the_parts_that_left():
    st = state_at(HAND, 6.0, CFG)
    mill1 = st.machine("mill-1")
    assert (mill1.status, mill1.since) == ("down", 4.0)
    assert {p.part: p.worked for p in st.parts}["p1"] == pytest.approx(2.0)
    assert "p3" not in {p.part for p in state_at(HAND, 15.0, CFG).parts}
    assert lead_times(HAND)["lead_time"].tolist() == [5.0]


def test_the_state_matches_the_engine_at_t():
    sim = Simulation(CFG, seed=4)
    products: dict[int, str] = {}
    sim.subscribe_releases(lambda f: products.__setitem__(f.part, f.product))
    t = 600.0
    sim.run_until(t)
    ids = {s.name: station_machine_ids(s.name, s.machines, s.machine_ids) for s in CFG.stations}
    st = state_at(mes_frame(sim.log, products, ids), t, CFG)
    assert len(st.parts) == sim.wip
    for name, rt in sim.stations.items():
        queued = [p for p in st.parts if p.machine is None and p.route[0] == name]
        assert len(queued) == len(rt.buffer), name
        running = {p.machine for p in st.parts if p.route[0] == name and p.machine}
        busy = {ids[name][m.index] for m in rt.machines if m.state in (0, 2, 4)}  # run/blk/down
        assert running <= busy, name


BAD_LOGS = [
    ("unknown product", log("0,release,p1,gear,cut,"), ["gear", "p1"]),
    ("released at the wrong station", log("0,release,p1,bracket,mill,"), ["mill", "cut"]),
    ("started off its route",
     log("0,release,p1,bracket,cut,", "0,start,p1,bracket,weld,weld-1"), ["weld", "p1"]),
]  # fmt: skip


@pytest.mark.parametrize("frame,words", [r[1:] for r in BAD_LOGS], ids=[r[0] for r in BAD_LOGS])
def test_a_log_that_contradicts_the_factory_is_refused(frame, words):
    with pytest.raises(DataError) as err:
        state_at(frame, 5.0, CFG)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("at", [-1.0, float("nan")], ids=["negative", "nan"])
def test_a_bad_time_is_refused(at):
    with pytest.raises(DataError, match="at:"):
        state_at(HAND, at, CFG)
