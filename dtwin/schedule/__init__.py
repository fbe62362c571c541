"""Job-shop scheduling: instances, CP-SAT solver, dispatching rules, checker, rescheduling.

OR-Tools and pandas are imported only inside the functions that need them.
"""

from dtwin.schedule.checker import check, violations
from dtwin.schedule.formats import (
    find_instance,
    instance_from_dict,
    instance_to_dict,
    load_instance,
    load_schedule,
    parse_instance,
    schedule_from_dict,
    schedule_to_dict,
    shipped_instances,
    write_instance,
    write_schedule,
)
from dtwin.schedule.frame import rule_table, schedule_frame
from dtwin.schedule.instance import Downtime, Instance, Job, Operation, Option
from dtwin.schedule.plot import plot_gantt
from dtwin.schedule.rescheduling import MachineDown, RescheduleResult, RushJob, reschedule
from dtwin.schedule.rules import MODES, RULES, best_rule, dispatch
from dtwin.schedule.solution import Objective, Schedule, ScheduledOp, weighted_tardiness
from dtwin.schedule.solver import solve, solve_textbook

__all__ = [
    "MODES",
    "RULES",
    "Downtime",
    "Instance",
    "Job",
    "MachineDown",
    "Objective",
    "Operation",
    "Option",
    "RescheduleResult",
    "RushJob",
    "Schedule",
    "ScheduledOp",
    "best_rule",
    "check",
    "dispatch",
    "plot_gantt",
    "instance_from_dict",
    "instance_to_dict",
    "find_instance",
    "load_instance",
    "load_schedule",
    "parse_instance",
    "reschedule",
    "rule_table",
    "schedule_frame",
    "schedule_from_dict",
    "schedule_to_dict",
    "shipped_instances",
    "solve",
    "solve_textbook",
    "violations",
    "weighted_tardiness",
    "write_instance",
    "write_schedule",
]
