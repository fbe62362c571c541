"""The constraints of dtwin's CP-SAT model: job order, machine choice, machines, setups.

Each operation is an interval on its machine (one optional interval per eligible machine for a
flexible operation, exactly one of them present) that starts after the previous operation of
its job ends. Per machine, intervals and downtime windows do not overlap, and sequence-dependent
setups are a circuit over the machine's operations.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from dtwin.schedule.cpsat.variables import OperationVars, Pinned
from dtwin.schedule.instance import Instance


class MachineEntry(NamedTuple):
    """An interval on a machine: job ``job``'s operation ``op`` (``-1`` for downtime), with
    its presence literal (``None`` when always present)."""

    interval: Any
    job: int
    op: int
    present: Any = None


Intervals = dict[int, list[MachineEntry]]  # machine -> its intervals


def add_operation_constraints(
    model: Any, inst: Instance, v: OperationVars, pinned: Pinned
) -> Intervals:
    """Job order, intervals and machine choice of every operation; the intervals per machine."""
    per_machine: Intervals = {}
    for j, job in enumerate(inst.jobs):
        for o, op in enumerate(job.operations):
            key = (j, o)
            s, e = v.start[key], v.end[key]
            fixed = pinned.fixed.get(key)
            if fixed is not None:
                iv = model.NewIntervalVar(s, fixed.end - fixed.start, e, f"i{j}_{o}")
                per_machine.setdefault(fixed.machine, []).append(MachineEntry(iv, j, o))
                continue
            if o:
                model.Add(s >= v.end[j, o - 1])
            if len(op.options) == 1:
                opt = op.options[0]
                iv = model.NewIntervalVar(s, opt.duration, e, f"i{j}_{o}")
                per_machine.setdefault(opt.machine, []).append(MachineEntry(iv, j, o))
                continue
            lits = v.literals[key]
            for opt, lit in zip(op.options, lits, strict=True):
                iv = model.NewOptionalIntervalVar(
                    s, opt.duration, e, lit, f"i{j}_{o}_{opt.machine}"
                )
                per_machine.setdefault(opt.machine, []).append(MachineEntry(iv, j, o, lit))
            model.AddExactlyOne(lits)
    return per_machine


def add_machine_constraints(
    model: Any, inst: Instance, v: OperationVars, per_machine: Intervals
) -> None:
    """Downtime windows, no overlap on each machine, and its setups if it has any."""
    for w in inst.unavailability:
        iv = model.NewIntervalVar(w.start, w.end - w.start, w.end, f"down{w.machine}_{w.start}")
        per_machine.setdefault(w.machine, []).append(MachineEntry(iv, -1, -1))
    for m, entries in per_machine.items():
        model.AddNoOverlap([x.interval for x in entries])
        if m in inst.setups:
            add_setups(model, inst, m, [x for x in entries if x.job >= 0], v)


def add_setups(
    model: Any, inst: Instance, m: int, entries: list[MachineEntry], v: OperationVars
) -> None:
    """Sequence-dependent setups on machine ``m``: a circuit over its operations."""
    arcs = []
    for a, first in enumerate(entries, start=1):
        arcs.append((0, a, model.NewBoolVar("")))
        arcs.append((a, 0, model.NewBoolVar("")))
        if first.present is not None:  # an optional operation may skip this machine
            arcs.append((a, a, first.present.Not()))
        for b, then in enumerate(entries, start=1):
            if a == b:
                continue
            lit = model.NewBoolVar("")
            arcs.append((a, b, lit))
            gap = inst.setup(m, first.job, then.job)
            after = v.end[first.job, first.op] + gap
            model.Add(v.start[then.job, then.op] >= after).OnlyEnforceIf(lit)
    model.AddCircuit(arcs)
