"""The tidy table of a schedule that Gantt charts and reports draw from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dtwin.schedule.instance import Instance
from dtwin.schedule.rules import MODES, RULES, dispatch
from dtwin.schedule.solution import Schedule, weighted_tardiness

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["job", "op", "machine", "start", "end", "due_date", "late"]


def schedule_frame(instance: Instance, schedule: Schedule) -> pd.DataFrame:
    """One row per operation: job, op, machine, start, end, due_date (NaN if none), late.

    ``late`` is True on every operation of a job that completes after its due date. A
    schedule that came from rescheduling also gets a ``moved`` column.
    """
    import pandas as pd

    ends = schedule.job_ends()
    rows = []
    for o in sorted(schedule.operations, key=lambda o: (o.job, o.op)):
        due = instance.jobs[o.job].due if 0 <= o.job < instance.num_jobs else None
        row = {
            "job": o.job,
            "op": o.op,
            "machine": o.machine,
            "start": o.start,
            "end": o.end,
            "due_date": float("nan") if due is None else float(due),
            "late": bool(due is not None and ends[o.job] > due),
        }
        if schedule.moved is not None:
            row["moved"] = (o.job, o.op) in schedule.moved
        rows.append(row)
    columns = COLUMNS + (["moved"] if schedule.moved is not None else [])
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype(
        {
            "job": "int64",
            "op": "int64",
            "machine": "int64",
            "start": "int64",
            "end": "int64",
            "due_date": "float64",
            "late": "bool",
        }
        | ({"moved": "bool"} if schedule.moved is not None else {})
    )


def rule_table(
    instance: Instance,
    rules: tuple[str, ...] | list[str] = RULES,
    modes: tuple[str, ...] = MODES,
    objective: str = "makespan",
) -> pd.DataFrame:
    """One row per rule and mode: objective value, makespan, weighted tardiness, ms."""
    import pandas as pd

    rows = []
    for rule in rules:
        for mode in modes:
            s = dispatch(instance, rule, mode, objective)
            rows.append(
                {
                    "rule": rule.upper(),
                    "mode": mode,
                    "value": s.value,
                    "makespan": s.makespan,
                    "weighted_tardiness": weighted_tardiness(instance, s),
                    "ms": round(1000 * s.solve_seconds, 2),
                }
            )
    return pd.DataFrame(rows).sort_values(["value", "rule", "mode"], ignore_index=True)
