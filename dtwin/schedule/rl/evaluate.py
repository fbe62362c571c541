"""Compare the policy with the dispatching rules and CP-SAT on held-out instances.

One task per instance (so a Dask cluster, or any back-end of :mod:`dtwin.backends`, can run
the sweep): the policy (greedy, and best of ``samples`` seeded rollouts when asked), each rule
alone (active schedules), the best rule of the instance, and CP-SAT at each time limit. Every
schedule goes through the independent checker. Gaps are to the best-known makespan when one
is given, else to a reference that is the same on every run and machine: the best of a tabu
search capped at ``reference_iterations`` steps (exactly reproducible by seed), the policy and
the rules. CP-SAT's time-limited runs are left out of that reference, since what they find
depends on the machine's speed and load; their gap can then be negative. The row says which
reference it used.
"""

from __future__ import annotations

from dataclasses import dataclass

from dtwin.schedule.checker import check
from dtwin.schedule.instance import Instance
from dtwin.schedule.rules import dispatch

EVAL_RULES = ("SPT", "LPT", "MWKR", "MOR", "FIFO")


@dataclass(frozen=True)
class EvalTask:
    """One instance to evaluate, and how."""

    instance: Instance
    best_known: int | None = None
    policy_dir: str | None = None
    cpsat_limits: tuple[float, ...] = (1.0, 10.0)
    workers: int = 2
    samples: int = 0
    seed: int = 0
    reference_iterations: int = 5000


def gap(value: float, reference: float) -> float:
    """Percent above ``reference``."""
    return 100.0 * (value - reference) / reference


def evaluate_task(task: EvalTask) -> dict:
    """Makespans, gaps (%) and seconds of every method on ``task.instance``."""
    import torch

    from dtwin.schedule.rl.dispatcher import load_policy, solve_policy
    from dtwin.schedule.solver import solve

    torch.set_num_threads(1)
    inst = task.instance
    makespan: dict[str, int] = {}
    seconds: dict[str, float] = {}
    policy = load_policy(task.policy_dir)
    runs = [("policy", 0)] + (
        [(f"policy_best_of_{task.samples + 1}", task.samples)] * bool(task.samples)
    )
    for name, samples in runs:
        sched = solve_policy(inst, policy, samples=samples, seed=task.seed)
        check(inst, sched)
        makespan[name], seconds[name] = sched.makespan, sched.solve_seconds
    for rule in EVAL_RULES:
        sched = dispatch(inst, rule, "active")
        check(inst, sched)
        makespan[rule.lower()], seconds[rule.lower()] = sched.makespan, sched.solve_seconds
    makespan["best_rule"] = min(makespan[r.lower()] for r in EVAL_RULES)
    bound = None
    for limit in task.cpsat_limits:
        sched = solve(inst, "makespan", limit, task.workers, task.seed)
        check(inst, sched)
        key = f"cpsat_{limit:g}s"
        makespan[key], seconds[key] = sched.makespan, sched.solve_seconds
        bound = sched.lower_bound if bound is None else max(bound, sched.lower_bound or 0)
    reference, kind = _reference(task, makespan)
    row: dict = {
        "instance": inst.name,
        "size": f"{inst.num_jobs}x{inst.num_machines}",
        "reference": reference,
        "reference_kind": kind,
        "cpsat_lower_bound": bound,
    }
    row.update({f"gap_{k}": gap(v, reference) for k, v in makespan.items()})
    row.update({f"makespan_{k}": v for k, v in makespan.items()})
    row.update({f"seconds_{k}": round(v, 4) for k, v in seconds.items()})
    return row


def _reference(task: EvalTask, makespan: dict[str, int]) -> tuple[int, str]:
    """The makespan gaps are measured to, and what it is: the best-known value, else the best
    of a step-capped tabu search, the policy and the rules (never a time-limited run)."""
    if task.best_known:
        return task.best_known, "best known"
    from dtwin.schedule.search import solve_with

    sched = solve_with(
        task.instance,
        "tabu",
        time_limit=None,
        workers=1,
        seed=task.seed,
        iterations=task.reference_iterations,
    )
    check(task.instance, sched)
    found = [v for k, v in makespan.items() if not k.startswith("cpsat_")]
    return min([sched.makespan, *found]), f"best of tabu ({task.reference_iterations} steps)"


def compare_dispatchers(
    tasks: list[EvalTask],
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> list[dict]:
    """:func:`evaluate_task` over ``tasks`` on a back-end (``dask``: a LocalCluster of
    ``workers`` processes, or the scheduler at ``scheduler``), rows in task order."""
    from dtwin.backends import map_tasks

    return map_tasks(evaluate_task, tasks, backend, workers, scheduler, desc="instances")
