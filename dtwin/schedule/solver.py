"""CP-SAT models of the (flexible) job shop: dtwin's tuned model and the textbook baseline.

dtwin's model adds, on top of the textbook one (interval variables, no-overlap per machine,
makespan as the max of job ends, default parameters): a warm start from the best dispatching
rule (its makespan becomes the horizon, its times a hint; kept if CP-SAT cannot beat it in
time), start/end windows from job heads and tails, a machine-load lower bound on the
makespan, and a search in two phases (a short complete search that proves small instances
optimal, then large-neighbourhood search on every worker from its best plan). Measured with
``benchmarks/scheduling.py`` (10 s, 2 workers, idle machine, OR-Tools 9.15): the best-known
makespan on ft06, ft10, ft20 and la01-la20 (ft10 in 16 of 16 seeds with the interleaved first
phase for small instances, see SMALL_PHASES); la21-la40 mean gap 0.47% against the textbook
model's 0.76% (mean of 3 seeds). Single hinted default phases measured no better (within the
seed-to-seed spread of about 1% on the hardest instances).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dtwin.errors import ScheduleError
from dtwin.schedule.checker import violations
from dtwin.schedule.instance import Instance
from dtwin.schedule.rules import RULES, best_rule
from dtwin.schedule.solution import Objective, Schedule, ScheduledOp, as_objective, evaluate

# Search parameters for every phase: drop the generic helpers (RINS, feasibility pump and
# jump, violation local search) so the large-neighbourhood-search thread spends its time on
# the scheduling neighbourhoods (time windows, machine windows, precedences, intervals).
TUNED_PARAMETERS: dict[str, Any] = {
    "use_rins_lns": False,
    "use_feasibility_pump": False,
    "use_feasibility_jump": False,
    "num_violation_ls": 0,
}
# (share of the time limit, parameters): a short complete search that proves small instances
# optimal, then the rest of the time large-neighbourhood search on both workers, starting from
# the best plan so far. Measured against one default phase in benchmarks/scheduling.py.
PHASES: list[tuple[float, dict[str, Any]]] = [(0.15, {}), (1.0, {"use_lns_only": True})]
# Up to SMALL_OPERATIONS operations, the first half is an interleaved search instead: CP-SAT
# runs its whole portfolio of subsolvers in turns on the workers. Measured (10 s, 2 workers):
# ft10's optimum in every seed (two-phase: 19 of 24 runs); interleaving all the time loses ft20
# in some seeds and falls behind on la26-la30 (200 operations).
SMALL_PHASES: list[tuple[float, dict[str, Any]]] = [
    (0.75, {"interleave_search": True}),
    (1.0, {"use_lns_only": True}),
]
SMALL_OPERATIONS = 150

# run parameters CP-SAT takes: random_seed and num_workers are 32-bit integers
SEED_MAX = 2**31 - 1
MAX_WORKERS = 256
MAX_TIME_LIMIT = 86_400.0  # seconds (a day)


# Benchmarks on a shared machine: when set, a time limit means CPU time per worker (a 10 s
# limit on 2 workers stops after 20 CPU-seconds of this process), not wall-clock time.
CPU_TIME_LIMITS = False


def _clock(workers: int) -> float:
    """Seconds on the clock that time limits are measured with (see CPU_TIME_LIMITS)."""
    return time.process_time() / workers if CPU_TIME_LIMITS else time.perf_counter()


@contextmanager
def _stop_at(solver: Any, workers: int, deadline: float) -> Iterator[None]:
    """In CPU-time mode, stop ``solver`` once ``_clock`` passes ``deadline``."""
    if not CPU_TIME_LIMITS:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.01):
            if _clock(workers) >= deadline:
                solver.StopSearch()
                return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@dataclass
class Pinned:
    """Constraints added when re-solving: fixed operations and a time before which no
    other operation may start (used by rescheduling)."""

    fixed: dict[tuple[int, int], ScheduledOp] = field(default_factory=dict)
    not_before: int = 0
    previous: dict[tuple[int, int], ScheduledOp] = field(default_factory=dict)
    stability_weight: int = 0


@dataclass
class _Vars:
    start: dict[tuple[int, int], Any]
    end: dict[tuple[int, int], Any]
    choice: dict[tuple[int, int], dict[int, Any]]  # presence literal per eligible machine
    makespan: Any
    tardiness: Any
    moved: dict[tuple[int, int], Any]


def solve(
    instance: Instance,
    objective: str | Objective = "makespan",
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    *,
    warm_start: bool | Schedule = True,
    rules: tuple[str, ...] = RULES,
    pinned: Pinned | None = None,
    parameters: dict[str, Any] | None = None,
) -> Schedule:
    """Solve ``instance`` with CP-SAT and return the best schedule found.

    Parameters
    ----------
    warm_start
        True: start from the best of ``rules`` (hint and upper bound); a Schedule: hint it;
        False: no warm start.
    pinned
        Fixed operations and other constraints for rescheduling.
    parameters
        Extra CP-SAT parameters (name -> value) over :data:`TUNED_PARAMETERS`.

    Raises
    ------
    ScheduleError
        When the instance is infeasible or no schedule is found within the time limit.
    """
    from ortools.sat.python import cp_model

    obj = as_objective(objective)
    check_run_parameters(time_limit, workers, seed)
    t0 = time.perf_counter()
    c0 = _clock(workers)
    pinned = pinned or Pinned()
    start_sched: Schedule | None = None
    if isinstance(warm_start, Schedule):
        start_sched = warm_start
    elif warm_start and not pinned.fixed and rules:
        start_sched = best_rule(instance, obj.label, rules=rules)
    warm = (
        start_sched if start_sched is not None and not violations(instance, start_sched) else None
    )
    horizon = instance.horizon() + pinned.not_before
    if warm is not None and obj.tardiness_weight == 0:
        horizon = min(horizon, warm.makespan)
    horizon = max(horizon, max((o.end for o in pinned.fixed.values()), default=0))

    model = cp_model.CpModel()
    v = _build(model, instance, obj, horizon, pinned)
    if start_sched is not None:
        _hint(model, v, start_sched, pinned)
    params = {**TUNED_PARAMETERS, **(parameters or {})}
    phases = SMALL_PHASES if instance.num_operations <= SMALL_OPERATIONS else PHASES
    run = _Runner(model, v, pinned, workers, seed, params, phases, start_sched)

    offset = 0.0  # the first stage's share of a lexicographic objective
    if obj.lexicographic and obj.makespan_weight and obj.tardiness_weight:
        model.Minimize(v.makespan)
        first = run.solve(c0 + time_limit / 2)
        if first is None:
            _raise_if_failed(instance, run.last_status, time_limit, cp_model)
        best_makespan = max(o.end for o in first.ops)
        model.Add(v.makespan <= best_makespan)
        offset = obj.makespan_weight * best_makespan
        run.rehint(first)
        model.Minimize(v.tardiness + _stability(v, pinned))
    else:
        model.Minimize(_linear(v, obj) + _stability(v, pinned))
    found = run.solve(c0 + time_limit)
    if found is None:
        if warm is not None and not offset and run.last_status != cp_model.INFEASIBLE:
            return _fallback(instance, warm, obj, t0)
        _raise_if_failed(instance, run.last_status, time_limit, cp_model)
        raise AssertionError("unreachable")

    sched = Schedule(found.ops, objective=obj.label, status=found.status, method="cp-sat")
    sched.value = evaluate(instance, sched, obj)
    bound = offset + obj.tardiness_weight * found.bound if offset else found.bound
    sched.lower_bound = round(float(bound), 6) if not pinned.stability_weight else None
    sched.solve_seconds = time.perf_counter() - t0
    # when the time ran out before CP-SAT caught up with its warm start, keep the warm start
    keep_warm = warm is not None and not pinned.stability_weight and not offset
    if keep_warm and evaluate(instance, warm, obj) < sched.value:
        return _fallback(instance, warm, obj, t0, sched.lower_bound)
    return sched


def check_run_parameters(time_limit: float, workers: int, seed: int) -> None:
    """Refuse a time limit, worker count or seed that CP-SAT cannot take (NaN included)."""
    problems = []
    if not (_is_real(time_limit) and 0 < time_limit <= MAX_TIME_LIMIT):
        problems.append(f"need time_limit > 0 and <= {MAX_TIME_LIMIT:g} s, got {time_limit!r}")
    if not (_is_whole(workers) and 1 <= workers <= MAX_WORKERS):
        problems.append(f"need workers >= 1 and <= {MAX_WORKERS}, got {workers!r}")
    if not (_is_whole(seed) and 0 <= seed <= SEED_MAX):
        problems.append(f"need a seed in 0..{SEED_MAX} (CP-SAT's is 32-bit), got {seed!r}")
    if problems:
        raise ScheduleError("; ".join(problems))


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class _Found:
    ops: list[ScheduledOp]
    objective: float
    bound: float
    status: str


class _Runner:
    """Runs CP-SAT on a model in phases (:data:`PHASES` or :data:`SMALL_PHASES`); keeps the best."""

    def __init__(
        self,
        model: Any,
        v: _Vars,
        pinned: Pinned,
        workers: int,
        seed: int,
        params: dict[str, Any],
        phases: list[tuple[float, dict[str, Any]]],
        initial: Schedule | None = None,
    ) -> None:
        self.model, self.v, self.pinned = model, v, pinned
        self.workers, self.seed, self.params = workers, seed, params
        self.initial = initial
        self.phases = phases
        self.last_status: int = -1

    def solve(self, deadline: float) -> _Found | None:
        """Minimise the model's objective until ``deadline`` (on :func:`_clock`)."""
        from ortools.sat.python import cp_model

        best: _Found | None = None
        total = max(deadline - _clock(self.workers), 0.05)
        for share, phase_params in self.phases:
            left = deadline - _clock(self.workers)
            budget = left if share >= 1 else min(left, share * total)
            if budget <= 0.01 and best is not None:
                break
            # a phase with "hint": False searches on its own (a hint can mislead the
            # complete search); the others start from the best plan so far
            phase_params = dict(phase_params)
            self.model.ClearHints()
            if phase_params.pop("hint", True):
                start = Schedule(best.ops) if best is not None else self.initial
                if start is not None:
                    _hint(self.model, self.v, start, self.pinned)
            solver = cp_model.CpSolver()
            _configure(solver, budget, self.workers, self.seed, {**phase_params, **self.params})
            with _stop_at(solver, self.workers, _clock(self.workers) + budget):
                status = solver.Solve(self.model)
            self.last_status = status
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                if status == cp_model.INFEASIBLE:
                    return None
                continue
            bound = solver.BestObjectiveBound()
            found = _Found(self._ops(solver), solver.ObjectiveValue(), bound, "FEASIBLE")
            if best is not None:
                found.bound = max(found.bound, best.bound)
            if best is None or found.objective <= best.objective:
                best = found
            else:
                best.bound = found.bound
            if best.objective <= best.bound + 1e-9:
                best.status = "OPTIMAL"
                break
        return best

    def rehint(self, found: _Found) -> None:
        """Start the next :meth:`solve` from a found solution."""
        self.initial = Schedule(found.ops)

    def _ops(self, solver: Any) -> list[ScheduledOp]:
        v = self.v
        ops = []
        for (j, o), s in v.start.items():
            machine = next(
                m for m, lit in v.choice[j, o].items() if lit is True or solver.BooleanValue(lit)
            )
            ops.append(ScheduledOp(j, o, machine, solver.Value(s), solver.Value(v.end[j, o])))
        return ops


def _fallback(
    instance: Instance, start: Schedule, obj: Objective, t0: float, bound: float | None = None
) -> Schedule:
    """The warm start, returned when CP-SAT found nothing better within the time limit."""
    sched = Schedule(
        list(start.operations),
        obj.label,
        evaluate(instance, start, obj),
        bound,
        "FEASIBLE",
        time.perf_counter() - t0,
        f"warm start ({start.method})",
    )
    return sched


def solve_textbook(
    instance: Instance,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
) -> Schedule:
    """The textbook CP-SAT makespan model: intervals, no-overlap, max of job ends, defaults."""
    from ortools.sat.python import cp_model

    if instance.is_flexible or instance.setups or instance.unavailability:
        raise ScheduleError("the textbook model handles plain job shops only")
    check_run_parameters(time_limit, workers, seed)
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    horizon = sum(op.options[0].duration for job in instance.jobs for op in job.operations)
    horizon += max(job.release for job in instance.jobs)
    starts, ends, per_machine = {}, {}, {}
    for j, job in enumerate(instance.jobs):
        for o, op in enumerate(job.operations):
            m, d = op.options[0].machine, op.options[0].duration
            s = model.NewIntVar(job.release, horizon, f"s{j}_{o}")
            e = model.NewIntVar(0, horizon, f"e{j}_{o}")
            per_machine.setdefault(m, []).append(model.NewIntervalVar(s, d, e, f"i{j}_{o}"))
            starts[j, o], ends[j, o] = (s, m), e
            if o:
                model.Add(s >= ends[j, o - 1])
    for ivs in per_machine.values():
        model.AddNoOverlap(ivs)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(
        makespan, [ends[j, len(job.operations) - 1] for j, job in enumerate(instance.jobs)]
    )
    model.Minimize(makespan)
    solver = cp_model.CpSolver()
    _configure(solver, time_limit, workers, seed, {})
    with _stop_at(solver, workers, _clock(workers) + time_limit):
        status = solver.Solve(model)
    _raise_if_failed(instance, status, time_limit, cp_model)
    ops = [
        ScheduledOp(j, o, m, solver.Value(s), solver.Value(ends[j, o]))
        for (j, o), (s, m) in starts.items()
    ]
    return Schedule(
        ops,
        "makespan",
        float(solver.ObjectiveValue()),
        float(solver.BestObjectiveBound()),
        solver.StatusName(status),
        time.perf_counter() - t0,
        "cp-sat-textbook",
    )


def _configure(
    solver: Any, time_limit: float, workers: int, seed: int, params: dict[str, Any]
) -> None:
    wall = max(time_limit, 0.05)
    # in CPU-time mode the watchdog of _stop_at stops the search; the wall limit is a backstop
    solver.parameters.max_time_in_seconds = wall * 100 if CPU_TIME_LIMITS else wall
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    for name, value in params.items():
        if isinstance(value, list | tuple):  # repeated fields (e.g. ignore_subsolvers)
            field = getattr(solver.parameters, name)
            del field[:]
            field.extend(value)
        else:
            setattr(solver.parameters, name, value)


def _build(model: Any, inst: Instance, obj: Objective, horizon: int, pinned: Pinned) -> _Vars:
    start: dict[tuple[int, int], Any] = {}
    end: dict[tuple[int, int], Any] = {}
    choice: dict[tuple[int, int], dict[int, Any]] = {}
    per_machine: dict[int, list[tuple[Any, int, int, Any]]] = {}  # (interval, job, op, present)
    lasts = []
    for j, job in enumerate(inst.jobs):
        tails = [0] * len(job.operations)
        for o in range(len(job.operations) - 2, -1, -1):
            tails[o] = tails[o + 1] + job.operations[o + 1].min_duration
        head = job.release
        for o, op in enumerate(job.operations):
            key = (j, o)
            fixed = pinned.fixed.get(key)
            if fixed is not None:
                s = model.NewConstant(fixed.start)
                e = model.NewConstant(fixed.end)
                choice[key] = {fixed.machine: True}
                iv = model.NewIntervalVar(s, fixed.end - fixed.start, e, f"i{j}_{o}")
                per_machine.setdefault(fixed.machine, []).append((iv, j, o, None))
                start[key], end[key] = s, e
                head = fixed.end
                continue
            head = max(head, pinned.not_before)
            lo = head  # the work before it in its job (from the release)
            hi = horizon - tails[o] - op.min_duration  # room for the work after it
            if job.deadline is not None:
                hi = min(hi, job.deadline - tails[o] - op.min_duration)
            if hi < lo:
                raise ScheduleError(
                    f"instance {inst.name} is infeasible: job {j} op {o} cannot start in "
                    f"[{lo}, {hi}] (release, deadline or horizon too tight)"
                )
            dmin = op.min_duration
            dmax = max(opt.duration for opt in op.options)
            s = model.NewIntVar(lo, hi, f"s{j}_{o}")
            e = model.NewIntVar(lo + dmin, hi + dmax, f"e{j}_{o}")
            if o and (j, o - 1) in end:
                model.Add(s >= end[j, o - 1])
            choice[key] = {}
            if len(op.options) == 1:
                opt = op.options[0]
                iv = model.NewIntervalVar(s, opt.duration, e, f"i{j}_{o}")
                per_machine.setdefault(opt.machine, []).append((iv, j, o, None))
                choice[key][opt.machine] = True
            else:
                lits = []
                for opt in op.options:
                    lit = model.NewBoolVar(f"x{j}_{o}_{opt.machine}")
                    iv = model.NewOptionalIntervalVar(
                        s, opt.duration, e, lit, f"i{j}_{o}_{opt.machine}"
                    )
                    per_machine.setdefault(opt.machine, []).append((iv, j, o, lit))
                    choice[key][opt.machine] = lit
                    lits.append(lit)
                model.AddExactlyOne(lits)
            start[key], end[key] = s, e
            head += dmin
        lasts.append(end[j, len(job.operations) - 1])

    for w in inst.unavailability:
        iv = model.NewIntervalVar(w.start, w.end - w.start, w.end, f"down{w.machine}_{w.start}")
        per_machine.setdefault(w.machine, []).append((iv, -1, -1, None))
    for m, entries in per_machine.items():
        model.AddNoOverlap([iv for iv, *_ in entries])
        if m in inst.setups:
            _add_setups(model, inst, m, [x for x in entries if x[1] >= 0], start, end)

    lb = _makespan_lower_bound(inst) if not pinned.fixed else 0
    makespan = model.NewIntVar(min(lb, horizon), horizon, "makespan")
    for e in lasts:
        model.Add(makespan >= e)
    tard_terms = []
    for j, job in enumerate(inst.jobs):
        if job.due is not None and job.weight and obj.tardiness_weight:
            t = model.NewIntVar(0, max(horizon - job.due, 0), f"t{j}")
            model.Add(t >= lasts[j] - job.due)
            tard_terms.append(job.weight * t)
    tardiness = sum(tard_terms) if tard_terms else 0

    moved: dict[tuple[int, int], Any] = {}
    if pinned.stability_weight:
        for key, old in pinned.previous.items():
            if key in pinned.fixed or key not in start:
                continue
            b = model.NewBoolVar(f"moved{key}")
            model.Add(start[key] == old.start).OnlyEnforceIf(b.Not())
            lit = choice[key].get(old.machine)
            if lit is not None and lit is not True:
                model.AddImplication(b.Not(), lit)
            moved[key] = b
    return _Vars(start, end, choice, makespan, tardiness, moved)


def _add_setups(model: Any, inst: Instance, m: int, entries: list, start: dict, end: dict) -> None:
    """Sequence-dependent setups on machine ``m``: a circuit over its operations."""
    arcs = []
    for a, (_, ja, oa, pa) in enumerate(entries, start=1):
        arcs.append((0, a, model.NewBoolVar("")))
        arcs.append((a, 0, model.NewBoolVar("")))
        if pa is not None:  # an optional operation may skip this machine
            arcs.append((a, a, pa.Not()))
        for b, (_, jb, ob, _pb) in enumerate(entries, start=1):
            if a == b:
                continue
            lit = model.NewBoolVar("")
            arcs.append((a, b, lit))
            gap = inst.setup(m, ja, jb)
            model.Add(start[jb, ob] >= end[ja, oa] + gap).OnlyEnforceIf(lit)
    model.AddCircuit(arcs)


def _makespan_lower_bound(inst: Instance) -> int:
    """Max of job lengths (from release) and machine loads with the smallest head and tail."""
    lb = max(job.release + sum(op.min_duration for op in job.operations) for job in inst.jobs)
    if inst.is_flexible:
        return lb
    loads: dict[int, list[int]] = {}
    heads: dict[int, int] = {}
    tails: dict[int, int] = {}
    for job in inst.jobs:
        total = sum(op.min_duration for op in job.operations)
        head = job.release
        for op in job.operations:
            m, d = op.options[0].machine, op.options[0].duration
            loads.setdefault(m, []).append(d)
            heads[m] = min(heads.get(m, head), head)
            tails[m] = min(
                tails.get(m, total - (head - job.release) - d), total - (head - job.release) - d
            )
            head += d
    for m, durs in loads.items():
        lb = max(lb, heads[m] + sum(durs) + tails[m])
    return lb


def _linear(v: _Vars, obj: Objective) -> Any:
    terms = 0
    if obj.makespan_weight:
        terms += _as_int(obj.makespan_weight) * v.makespan
    if obj.tardiness_weight:
        terms += _as_int(obj.tardiness_weight) * v.tardiness
    return terms


def _as_int(weight: float) -> int:
    if weight != int(weight):
        raise ScheduleError(f"objective weights must be whole numbers for CP-SAT, got {weight}")
    return int(weight)


def _stability(v: _Vars, pinned: Pinned) -> Any:
    if not pinned.stability_weight or not v.moved:
        return 0
    return pinned.stability_weight * sum(v.moved.values())


def _hint(model: Any, v: _Vars, sched: Schedule, pinned: Pinned) -> None:
    for o in sched.operations:
        key = (o.job, o.op)
        if key not in v.start or key in pinned.fixed:
            continue
        model.AddHint(v.start[key], o.start)
        model.AddHint(v.end[key], o.end)
        for m, lit in v.choice[key].items():
            if lit is not True:
                model.AddHint(lit, int(m == o.machine))


def _raise_if_failed(inst: Instance, status: int, time_limit: float, cp_model: Any) -> None:
    if status == cp_model.INFEASIBLE:
        raise ScheduleError(
            f"instance {inst.name} is infeasible (e.g. a deadline that cannot "
            "be met, or a release after a deadline)"
        )
    if status == cp_model.MODEL_INVALID:
        raise ScheduleError(f"instance {inst.name}: CP-SAT rejected the model")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScheduleError(
            f"instance {inst.name}: no schedule found within {time_limit:.1f} s; "
            "raise the time limit"
        )
