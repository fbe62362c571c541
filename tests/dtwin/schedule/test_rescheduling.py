"""Rescheduling freezes the past, honours the event, and counts what moved."""

from __future__ import annotations

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import (
    Job,
    MachineDown,
    Operation,
    Option,
    RushJob,
    check,
    reschedule,
    schedule_frame,
    solve,
)


@pytest.fixture(scope="module")
def la01_plan(la01):
    plan = solve(la01, time_limit=20)  # stops once optimal (well under a second when idle)
    check(la01, plan)
    return plan


def test_machine_down(la01, la01_plan):
    t, machine, duration = 200, 0, 60
    result = reschedule(la01, la01_plan, t, MachineDown(machine, t, duration), time_limit=1)
    new = result.schedule
    check(result.instance, new)  # includes the downtime window
    old = la01_plan.by_key()
    after = new.by_key()
    frozen = [k for k, o in old.items() if o.start < t and not (o.machine == machine and o.end > t)]
    assert result.frozen == len(frozen)
    assert all(after[k] == old[k] for k in frozen)
    assert not any(
        o.machine == machine and o.start < t + duration and o.end > t for o in new.operations
    )
    changed = sum((old[k].start, old[k].machine) != (after[k].start, after[k].machine) for k in old)
    assert result.moved == changed == len(new.moved) > 0
    assert result.objective == new.value >= la01_plan.value
    assert result.objective <= result.repair_objective


def test_rush_job(la01, la01_plan):
    t = 300
    rush = RushJob([(0, 20), (1, 30), (2, 10)], arrival=t)
    result = reschedule(la01, la01_plan, t, rush, time_limit=1)
    check(result.instance, result.schedule)
    assert result.instance.num_jobs == la01.num_jobs + 1
    new_ops = [o for o in result.schedule.operations if o.job == la01.num_jobs]
    assert len(new_ops) == 3 and min(o.start for o in new_ops) >= t


def test_rush_job_with_due_date_under_tardiness(demo):
    plan = solve(demo, "tardiness", time_limit=2)
    job = Job((Operation((Option(0, 2), Option(1, 2))),), due=8, weight=5, name="urgent")
    result = reschedule(demo, plan, 4, RushJob(job, 4), time_limit=2)
    check(result.instance, result.schedule)
    assert result.schedule.objective == "tardiness"
    assert result.instance.jobs[-1].name == "urgent"
    assert len(result.instance.setups[0]) == demo.num_jobs + 1


def test_stability_weight_moves_fewer_operations(ft06):
    # both solved to optimality: minimising makespan + 50 * moved cannot move more operations
    plan = solve(ft06, time_limit=10)
    event = MachineDown(0, 15, 8)
    free = reschedule(ft06, plan, 15, event, time_limit=10)
    stable = reschedule(ft06, plan, 15, event, time_limit=10, stability_weight=50)
    check(stable.instance, stable.schedule)
    assert free.schedule.status == stable.schedule.status == "OPTIMAL"
    assert stable.moved <= free.moved
    assert stable.schedule.makespan >= free.schedule.makespan


def test_frame_marks_moved_operations(la01, la01_plan):
    result = reschedule(la01, la01_plan, 200, MachineDown(0, 200, 60), time_limit=1)
    frame = schedule_frame(result.instance, result.schedule)
    assert "moved" in frame.columns
    assert int(frame["moved"].sum()) == result.moved


@pytest.mark.parametrize(
    ("t", "event", "message"),
    [
        (-1, MachineDown(0, 0, 5), "time must be >= 0"),
        (10, MachineDown(9, 10, 5), "need machine in 0..4"),
        (10, MachineDown(0, 10, 0), "duration > 0"),
        (10, "fire", "unknown event"),
    ],
    ids=["negative-time", "unknown-machine", "zero-duration", "unknown-event"],
)
def test_bad_events(la01, la01_plan, t, event, message):
    with pytest.raises(ScheduleError, match=message):
        reschedule(la01, la01_plan, t, event, time_limit=1)
