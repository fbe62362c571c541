"""What the policy sees: one row of numbers per job, none of which depends on the shop's size.

Times are in units of the instance's mean operation duration (``d``) and work in ``d`` times
the number of machines (one job's worth), so a 6x6 and a 20x20 shop look alike; ratios to the
current lower bound say how critical a job or machine is. A job's row describes its next
operation (on the machine of the conflict when the job is eligible, else where it would
finish earliest). Rows of finished jobs and of padding are all zeros.
"""

from __future__ import annotations

import numpy as np

from dtwin.schedule.rl.state import ConstructionState

FEATURES = (
    "unfinished",  # 1 for a job with operations left
    "eligible",  # 1 when the job may be dispatched now
    "duration",  # next operation's duration / d
    "start_delay",  # its earliest start minus the earliest start among the eligible / d
    "end_delay",  # its earliest end minus the conflict's end c / d
    "work_left",  # remaining work including the next operation / (d * machines)
    "ops_left",  # remaining operations / machines
    "tail",  # work after the next operation / (d * machines)
    "machine_load",  # remaining work on the next operation's machine / (d * machines)
    "work_rank",  # work_left / the largest work_left
    "duration_rank",  # duration / the longest eligible duration
    "job_bound",  # (ready time + work left) / current lower bound
    "machine_bound",  # (machine ready + its remaining work) / current lower bound
    "idle",  # how long the job has waited at the conflict's time / d
    "progress",  # share of all operations scheduled (same in every row)
    "eligible_share",  # eligible jobs / unfinished jobs (same in every row)
)
NUM_FEATURES = len(FEATURES)
CLIP = 100.0


def mean_duration(state: ConstructionState) -> float:
    """The mean shortest duration of the instance's operations (the unit of time)."""
    inst = state.instance
    total = sum(op.min_duration for job in inst.jobs for op in job.operations)
    return max(total / max(inst.num_operations, 1), 1e-9)


def observe(state: ConstructionState, rows: int, unit: float) -> np.ndarray:
    """The ``(rows, NUM_FEATURES)`` float32 observation of ``state`` (``rows`` >= jobs)."""
    inst = state.instance
    out = np.zeros((rows, NUM_FEATURES), dtype=np.float32)
    eligible = state.eligible()
    if state.done:
        return out
    m = inst.num_machines
    work_unit = unit * m
    bound = max(state.lower_bound(), 1)
    t_ref = min(c.start for c in eligible.values())
    c_end = state.conflict_end
    max_work = max(state.work) or 1
    max_dur = max((c.end - c.start for c in eligible.values()), default=1) or 1
    share = len(eligible) / sum(1 for j in range(inst.num_jobs) if state.option(j) is not None)
    progress = len(state.scheduled) / state.total_ops
    for j, job in enumerate(inst.jobs):
        cand = eligible.get(j) or state.option(j)
        if cand is None:
            continue
        dur = cand.end - cand.start
        k = state.next_op[j]
        out[j] = (
            1.0,
            float(j in eligible),
            dur / unit,
            (cand.start - t_ref) / unit,
            (cand.end - c_end) / unit,
            state.work[j] / work_unit,
            (len(job.operations) - k) / m,
            (state.work[j] - job.operations[k].min_duration) / work_unit,
            state.load[cand.machine] / work_unit,
            state.work[j] / max_work,
            dur / max_dur,
            (state.job_ready[j] + state.work[j]) / bound,
            (state.machine_ready[cand.machine] + state.load[cand.machine]) / bound,
            max(t_ref - state.job_ready[j], 0) / unit,
            progress,
            share,
        )
    return np.clip(out, -CLIP, CLIP)
