"""Job-shop scheduling: instances, CP-SAT solver, dispatching rules, checker, rescheduling.

Importing this package is cheap; each name below loads its module on first use (OR-Tools,
pandas and matplotlib only inside the functions that need them).

Instances and files
    ``Instance``, ``Job``, ``Operation``, ``Option``, ``Downtime``; ``load_instance``,
    ``parse_instance``, ``find_instance``, ``shipped_instances``, ``instance_from_dict``,
    ``instance_to_dict``, ``write_instance``
Schedules
    ``Schedule``, ``ScheduledOp``, ``Objective``, ``OBJECTIVES``, ``weighted_tardiness``;
    ``load_schedule``, ``write_schedule``, ``schedule_from_dict``, ``schedule_to_dict``;
    ``check``, ``violations``
Solving
    ``solve`` (dtwin's CP-SAT model) with ``SolverSettings`` and ``Phase``;
    ``solve_textbook`` (the benchmarks' baseline); dispatching rules: ``dispatch``,
    ``best_rule``, ``RULES``, ``MODES``; every method (CP-SAT, tabu search, simulated annealing,
    genetic algorithm, hybrid) through ``solve_with`` with ``METHODS`` and ``DEFAULT_METHOD``
    (:mod:`dtwin.schedule.search`)
Rescheduling
    ``reschedule``, ``MachineDown``, ``RushJob``, ``RescheduleResult``
Tables and figures
    ``schedule_frame``, ``rule_table``, ``plot_gantt``
Learned dispatching (:mod:`dtwin.schedule.rl`; gymnasium, torch and sb3-contrib load on use)
    ``DispatchEnv``, ``DynamicDispatchEnv``, ``make_vec_env``, ``FEATURES``; ``taillard``,
    ``published_instance``, ``evaluation_instances``, ``TA_OPTIMA``; ``load_policy``,
    ``solve_policy``, ``policy_action``, ``TrainConfig``, ``train_policy``; ``EvalTask``,
    ``compare_dispatchers``
"""

from __future__ import annotations

from dtwin.lazy import lazy_front

_EXPORTS: dict[str, str] = {
    "Instance": "dtwin.schedule.instance",
    "Job": "dtwin.schedule.instance",
    "Operation": "dtwin.schedule.instance",
    "Option": "dtwin.schedule.instance",
    "Downtime": "dtwin.schedule.instance",
    "load_instance": "dtwin.schedule.formats",
    "parse_instance": "dtwin.schedule.formats",
    "find_instance": "dtwin.schedule.formats",
    "shipped_instances": "dtwin.schedule.formats",
    "instance_from_dict": "dtwin.schedule.formats",
    "instance_to_dict": "dtwin.schedule.formats",
    "write_instance": "dtwin.schedule.formats",
    "load_schedule": "dtwin.schedule.formats",
    "write_schedule": "dtwin.schedule.formats",
    "schedule_from_dict": "dtwin.schedule.formats",
    "schedule_to_dict": "dtwin.schedule.formats",
    "Schedule": "dtwin.schedule.solution",
    "ScheduledOp": "dtwin.schedule.solution",
    "Objective": "dtwin.schedule.solution",
    "OBJECTIVES": "dtwin.schedule.solution",
    "weighted_tardiness": "dtwin.schedule.solution",
    "check": "dtwin.schedule.checker",
    "violations": "dtwin.schedule.checker",
    "solve": "dtwin.schedule.solver",
    "SolverSettings": "dtwin.schedule.cpsat.settings",
    "Phase": "dtwin.schedule.cpsat.settings",
    "solve_textbook": "dtwin.schedule.cpsat.textbook",
    "dispatch": "dtwin.schedule.rules",
    "best_rule": "dtwin.schedule.rules",
    "RULES": "dtwin.schedule.rules",
    "MODES": "dtwin.schedule.rules",
    "solve_with": "dtwin.schedule.search.methods",
    "METHODS": "dtwin.schedule.search.methods",
    "DEFAULT_METHOD": "dtwin.schedule.search.methods",
    "reschedule": "dtwin.schedule.rescheduling",
    "MachineDown": "dtwin.schedule.rescheduling",
    "RushJob": "dtwin.schedule.rescheduling",
    "RescheduleResult": "dtwin.schedule.rescheduling",
    "schedule_frame": "dtwin.schedule.frame",
    "rule_table": "dtwin.schedule.frame",
    "plot_gantt": "dtwin.schedule.plots",
    "DispatchEnv": "dtwin.schedule.rl.env",
    "DynamicDispatchEnv": "dtwin.schedule.rl.dynamic",
    "make_vec_env": "dtwin.schedule.rl.vector",
    "FEATURES": "dtwin.schedule.rl.features",
    "taillard": "dtwin.schedule.rl.generators",
    "published_instance": "dtwin.schedule.rl.generators",
    "evaluation_instances": "dtwin.schedule.rl.generators",
    "TA_OPTIMA": "dtwin.schedule.rl.generators",
    "load_policy": "dtwin.schedule.rl.dispatcher",
    "solve_policy": "dtwin.schedule.rl.dispatcher",
    "policy_action": "dtwin.schedule.rl.dispatcher",
    "TrainConfig": "dtwin.schedule.rl.train",
    "train_policy": "dtwin.schedule.rl.train",
    "EvalTask": "dtwin.schedule.rl.evaluate",
    "compare_dispatchers": "dtwin.schedule.rl.evaluate",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_front(__name__, _EXPORTS)
