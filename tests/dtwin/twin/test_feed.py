"""The control room's rows: feed lines, estimate vs truth, the floor, plans and KPI columns."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from dtwin.errors import ConfigError
from dtwin.schedule import Instance, Job, MachineDown, Operation, Option, best_rule, reschedule
from dtwin.twin import KPI_NAMES, EventBus, FactoryState, TwinLoop, machine_ids
from dtwin.twin import events as ev
from dtwin.twin.feed import (
    EventFeed,
    KpiRow,
    feed_row,
    floor_snapshot,
    format_kpi,
    format_time,
    health_rows,
    is_routine,
    kpi_comparison,
    plan_gantt,
    plan_rows,
    worn_machines,
)
from tests.dtwin.twin.conftest import one_of_each

S = "test"


@pytest.fixture(scope="module")
def factory_path():
    from dtwin.paths import CLOSED_LOOP_FACTORY

    return CLOSED_LOOP_FACTORY


@pytest.fixture(scope="module")
def defect_model():
    from dtwin.paths import DEFECT_MODEL_DIR
    from dtwin.twin import open_model

    return open_model(DEFECT_MODEL_DIR)


def test_format_time_gives_minutes_and_hours():
    assert format_time(0) == "0 min (0.0 h)"
    assert format_time(1830.4) == "1,830 min (30.5 h)"


# (kind, text, severity, routine) for every event of conftest.one_of_each
EXPECTED = {
    "part_released": ("part 7 released at a, product p", "info", True),
    "part_started": ("a-1 started part 7", "info", True),
    "part_finished": ("a-1 finished part 7", "info", True),
    "part_inspected": (
        "camera at b-1: part 7 looks scratch (model probability 0.88)",
        "warning",
        False,
    ),
    "part_scrapped": ("part 7 scrapped at b-1", "warning", False),
    "part_exited": ("part 8 shipped after b-1", "info", True),
    "machine_state_changed": ("a-2 is blocked", "info", True),
    "machine_down": ("a-2 broke down (failure)", "warning", False),
    "machine_repaired": ("a-2 repaired", "info", False),
    "health_estimate_changed": ("a-1: health estimate 0.80 ± 0.05", "info", False),
    "maintenance_requested": ("maintenance of a-1 requested: health < 0.6", "info", False),
    "maintenance_started": ("maintenance of a-1 started", "info", False),
    "maintenance_done": ("maintenance of a-1 done", "info", False),
    "schedule_changed": ("new plan plan-2: breakdown", "info", False),
    "alert_raised": ("a-1 below 0.6", "warning", False),
}


@pytest.mark.parametrize("event", one_of_each(90.0), ids=lambda e: e.kind)
def test_every_event_kind_has_a_feed_line(event):
    text, severity, routine = EXPECTED[event.kind]
    row = feed_row(event)
    assert (row.text, row.severity, is_routine(event)) == (text, severity, routine)
    assert row.kind == event.kind and row.source == S and row.when == "90 min (1.5 h)"
    assert row.machine == getattr(event, "machine", None)


def test_a_good_inspection_is_routine_and_a_critical_alert_is_critical():
    good = ev.PartInspected(
        time=1, source=S, part=1, machine="b-1", image="pool:1", model_class="good", probability=1
    )
    alert = ev.AlertRaised(time=1, source=S, rule="r", severity="critical", message="m")
    assert is_routine(good) and feed_row(good).severity == "info"
    assert feed_row(alert).severity == "critical" and feed_row(alert).machine is None


def test_event_feed_keeps_the_last_events_newest_first():
    bus = EventBus()
    feed = EventFeed(bus, size=3)
    for t in range(5):
        bus.publish(ev.MachineStateChanged(time=t, source=S, machine="a-1", status="running"))
        bus.publish(ev.MachineDown(time=t, source=S, machine="a-1"))
    assert (feed.total, feed.notable) == (10, 5)
    assert [r.time for r in feed.rows()] == [4.0, 3.0, 2.0]
    assert {r.kind for r in feed.rows()} == {"machine_down"}
    assert [r.kind for r in feed.rows(routine=True)] == [
        "machine_down",
        "machine_state_changed",
        "machine_down",
    ]
    feed.unsubscribe()
    bus.publish(ev.MachineDown(time=9, source=S, machine="a-1"))
    assert feed.total == 10


@pytest.mark.parametrize("size", [0, -1, 2.5, True], ids=["zero", "negative", "float", "bool"])
def test_event_feed_refuses_a_bad_size(size):
    with pytest.raises(ConfigError, match="size must be a whole number"):
        EventFeed(EventBus(), size=size)


def test_floor_snapshot_is_the_twins_belief(ids):
    state = FactoryState(ids)
    state.apply(ev.MachineStateChanged(time=1, source=S, machine="a-1", status="off_shift"))
    state.apply(ev.MachineDown(time=2, source=S, machine="a-2"))
    state.apply(ev.HealthEstimateChanged(time=3, source=S, machine="a-2", mean=0.6, std=0.1))
    snap = floor_snapshot(state)
    assert snap.time == 3.0 and snap.queues == {"a": 0, "b": 0}
    rows = {m.id: m for m in snap.machines}
    assert [(m.station, m.machine) for m in snap.machines] == [("a", 0), ("a", 1), ("b", 0)]
    assert rows["a-1"].state == "idle"  # off shift shows as idle, as in the simulator's view
    assert (rows["a-2"].state, rows["a-2"].health, rows["a-2"].health_std) == ("down", 0.6, 0.1)
    assert rows["b-1"].health is None and floor_snapshot(state, 10.0).time == 10.0


def test_health_rows_put_the_estimate_beside_the_truth(factory_path, defect_model):
    from dtwin.twin import AgentSettings

    twin = TwinLoop(
        factory_path, "closed", seed=1, model=defect_model,
        settings=AgentSettings(pool_per_class=4, plan=False),
    )  # fmt: skip
    assert worn_machines(twin.config, twin.ids) == ("weld-1",)
    (row,) = health_rows(twin)
    assert (row.estimate, row.std, row.error, row.covered) == (None, None, None, None)
    assert row.truth == 1.0 and row.threshold == 0.7 and row.observations == 0
    twin.run_until(600)
    (row,) = health_rows(twin)
    view = twin.sim.view()
    assert row.truth == view.station("weld").machines[0].health < 1.0
    record = twin.state.machines["weld-1"]
    assert (row.estimate, row.std) == (record.health_mean, record.health_std)
    assert row.error == pytest.approx(record.health_mean - row.truth)
    assert row.observations == twin.health.observations("weld-1") > 0
    assert row.time == 600.0


def test_health_rows_of_the_open_loop_have_no_estimate(factory_path):
    twin = TwinLoop(factory_path, "open", seed=1).run_until(300)
    (row,) = health_rows(twin)
    assert row.estimate is None and row.observations is None and row.threshold is None
    assert row.truth < 1.0


def _plans():
    """A fresh plan of two jobs on two machines and its reschedule after machine 0 broke."""
    ops = [Operation((Option(0, 3), Option(1, 4))), Operation((Option(1, 2),))]
    inst = Instance("tiny", 2, (Job(tuple(ops)), Job(tuple(ops))))
    first = best_rule(inst)
    result = reschedule(inst, first, 1, MachineDown(0, 1, 5), time_limit=1.0, workers=1)

    def plan(pid, t, reason, instance, schedule, moved):
        return SimpleNamespace(
            id=pid, time=t, origin=10.0, reason=reason, instance=instance,
            schedule=schedule, parts=(1, 2), moved=moved,
        )  # fmt: skip

    return [
        plan("plan-1", 10.0, "replan", inst, first, 0),
        plan("plan-2", 11.0, "failure of a-1", result.instance, result.schedule, result.moved),
    ]


def test_plan_rows_mark_reschedules_newest_first():
    fresh, repaired = _plans()
    rows = plan_rows([fresh, repaired])
    assert [r.id for r in rows] == ["plan-2", "plan-1"]
    assert [r.rescheduled for r in rows] == [True, False]
    assert rows[0].reason == "failure of a-1" and rows[0].moved == repaired.moved
    assert rows[1].operations == 4 and rows[1].jobs == 2
    assert [r.id for r in plan_rows([fresh, repaired], last=1)] == ["plan-2"]


def test_plan_gantt_marks_moved_operations_and_downtime():
    fresh, repaired = _plans()
    frame, downtimes = plan_gantt(fresh)
    assert not frame["moved"].any() and downtimes == []
    frame, downtimes = plan_gantt(repaired)
    moved = set(frame.loc[frame["moved"], ["job", "op"]].itertuples(index=False, name=None))
    assert moved and moved == set(repaired.schedule.moved)
    assert downtimes == [(0, 1, 6)]


@pytest.mark.parametrize(
    "name,mean,half,text",
    [
        ("good_units_per_day", 295.77, 19.75, "295.8 ± 19.8 parts/day"),
        ("scrap_share", 0.1297, 0.029, "13.0 ± 2.9 %"),
        ("oee", 0.4598, None, "46.0 %"),
        ("lead_time_mean_min", 30.3, None, "30.3 min"),
        ("maintenance_count", 2.0, None, "2 services"),
        ("maintenance_count", 2.0, 0.0, "2.0 ± 0.0 services"),
        ("unplanned_down_share", 0.07, 0.038, "7.0 ± 3.8 % of planned time"),
        ("oee", None, None, "—"),
        ("lead_time_mean_min", math.nan, 1.0, "—"),
    ],
    ids=["units", "share", "no-half", "minutes", "count", "count-ci", "downtime", "none", "nan"],
)
def test_format_kpi(name, mean, half, text):
    assert format_kpi(name, mean, half) == text


def test_kpi_comparison_lines_up_loops_and_judges_overlap():
    report = {
        "kpis": {
            **{n: 1.0 for n in KPI_NAMES},
            **{f"{n}_ci95": 0.1 for n in KPI_NAMES},
            "scrap_share": 0.5,
        }
    }
    rows = kpi_comparison({"open": report, "closed": {"kpis": {"scrap_share": 0.2}}, "x": None})
    assert [r.name for r in rows] == list(KPI_NAMES)
    scrap = rows[KPI_NAMES.index("scrap_share")]
    assert scrap.cells == {"open": (0.5, 0.1), "closed": (0.2, None), "x": None}
    assert scrap.unit == "%" and scrap.apart("open", "closed") is None  # no half-width
    assert KpiRow("k", "k", "", {"a": (1.0, 0.1), "b": (1.5, 0.2)}).apart("a", "b") is True
    assert KpiRow("k", "k", "", {"a": (1.0, 0.3), "b": (1.5, 0.2)}).apart("a", "b") is False


def test_worn_machines_follow_the_config(factory_path):
    from dtwin.sim import load_factory, with_overrides

    config = load_factory(factory_path)
    assert worn_machines(config, machine_ids(config)) == ("weld-1",)
    more = with_overrides(
        config, {"stations.paint.health": {"wear_per_op": 0.001}, "stations.paint.machines": 2}
    )
    assert worn_machines(more, machine_ids(more)) == ("weld-1", "paint-1", "paint-2")
