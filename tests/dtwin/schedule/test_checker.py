"""The independent checker finds every kind of violation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import Schedule, ScheduledOp, check, violations


def _valid_tiny() -> list[ScheduledOp]:
    # job 0: m0 [0,3) m1 [3,5); job 1 (release 1): m1 [1,3) m0 [5,9) (setup 0->1 on m0 is 2)
    return [
        ScheduledOp(0, 0, 0, 0, 3),
        ScheduledOp(0, 1, 1, 3, 5),
        ScheduledOp(1, 0, 1, 1, 3),
        ScheduledOp(1, 1, 0, 5, 9),
    ]


def test_valid_schedule_passes(tiny):
    check(tiny, Schedule(_valid_tiny()))
    assert violations(tiny, Schedule(_valid_tiny())) == []


def _edit(index: int | None, **changes: int) -> list[ScheduledOp]:
    ops = _valid_tiny()
    if index is not None:
        ops[index] = replace(ops[index], **changes)
    return ops


CASES = [
    (_valid_tiny()[:3], "job 1 op 1 is not scheduled", "missing"),
    (_valid_tiny() + [ScheduledOp(1, 1, 0, 20, 24)], "more than once", "duplicate"),
    (
        _valid_tiny() + [ScheduledOp(4, 0, 0, 20, 24)],
        "job 4 op 0 is not in the instance",
        "unknown-op",
    ),
    (_edit(0, machine=1, start=20, end=23), "not eligible", "wrong-machine"),
    (_edit(0, end=4), "lasts 4 on machine 0, expected 3", "wrong-duration"),
    (_edit(1, start=2, end=4), "job 0 op 1 starts at 2 before op 0 ends at 3", "precedence"),
    (_edit(2, start=0, end=2), "before its release 1", "release"),
    (_edit(3, start=3, end=7), "setup after job 0 needs it to wait until 5", "setup"),
    (_edit(2, start=2, end=4), "overlaps", "overlap"),
    (_edit(1, start=9, end=11), "while the machine is unavailable [10, 12)", "downtime"),
    (_edit(0, start=-3, end=0), "starts at -3 < 0", "negative-start"),
]


@pytest.mark.parametrize(("ops", "message", "_id"), CASES, ids=[c[2] for c in CASES])
def test_violation_is_reported(tiny, ops, message, _id):
    with pytest.raises(ScheduleError) as info:
        check(tiny, Schedule(ops))
    assert any(message in v for v in info.value.violations), info.value.violations
    assert "tiny" in str(info.value)


def test_deadline_is_checked(demo):
    from dtwin.schedule import dispatch

    sched = dispatch(demo, "SPT")
    late = [
        replace(o, start=o.start + 100, end=o.end + 100) if o.job == 3 else o
        for o in sched.operations
    ]
    found = violations(demo, Schedule(late))
    assert any("after its deadline 30" in v for v in found)


def test_long_lists_are_shortened_in_the_message(la01):
    with pytest.raises(ScheduleError) as info:
        check(la01, Schedule([]))
    assert len(info.value.violations) == 50
    assert "(and 45 more)" in str(info.value)
