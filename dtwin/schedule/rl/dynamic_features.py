"""The rows of :data:`~dtwin.schedule.rl.features.FEATURES` for the dynamic (SimPy) shop.

The same meanings as in the static environment, measured at the simulation's clock: a job
waiting at the deciding machine is eligible and could start now; a job elsewhere starts when
its current machine or queue lets it (estimated by the machine's busy-until time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from dtwin.schedule.rl.features import CLIP, NUM_FEATURES

if TYPE_CHECKING:
    from dtwin.schedule.rl.dynamic import DynamicDispatchEnv

_UNIT = 50.0


def _remaining(env: DynamicDispatchEnv, j: int) -> tuple[float, list[float]]:
    """Work left of job ``j`` (next operation included) and per machine."""
    per_machine = [0.0] * env.m
    for k in range(env.next_op[j], env.m):
        per_machine[env.routes[j][k]] += env.durations[j][k]
    return sum(per_machine), per_machine


def observe_dynamic(env: DynamicDispatchEnv) -> np.ndarray:
    """``(max_jobs, NUM_FEATURES)`` rows of the jobs in the shop (zeros elsewhere)."""
    out = np.zeros((env.max_jobs, NUM_FEATURES), dtype=np.float32)
    if env.deciding is None:
        return out
    now, m = float(env.sim.now), env.m
    active = [j for j, a in enumerate(env.arrived) if a and j not in env.finished]
    work, load = {}, [0.0] * m
    for j in active:
        work[j], per = _remaining(env, j)
        load = [a + b for a, b in zip(load, per, strict=True)]
    queue = env.queues[env.deciding]
    ready = {j: (now if j in queue else max(now, _free(env, j))) for j in active}
    bound = max(
        max(ready[j] + work[j] for j in active),
        max(max(now, env.busy_until[k]) + load[k] for k in range(m)),
    )
    durs = {j: env.durations[j][env.next_op[j]] for j in active}
    d_min = min(durs[j] for j in queue)
    d_max = max(durs[j] for j in queue)
    max_work = max(work.values())
    total_ops = m * sum(env.arrived)
    progress = sum(env.next_op[j] for j, a in enumerate(env.arrived) if a) / total_ops
    for j in active:
        k = env.next_op[j]
        machine = env.routes[j][k]
        free = max(now, env.busy_until[machine])
        out[j] = (
            1.0,
            float(j in queue),
            durs[j] / _UNIT,
            (ready[j] - now) / _UNIT,
            (durs[j] - d_min) / _UNIT,
            work[j] / (_UNIT * m),
            (m - k) / m,
            (work[j] - durs[j]) / (_UNIT * m),
            load[machine] / (_UNIT * m),
            work[j] / max_work,
            durs[j] / d_max,
            (ready[j] + work[j]) / bound,
            (free + load[machine]) / bound,
            max(now - env.ready_since[j], 0.0) / _UNIT if j in queue else 0.0,
            progress,
            len(queue) / len(active),
        )
    return np.clip(out, -CLIP, CLIP)


def _free(env: DynamicDispatchEnv, j: int) -> float:
    """When job ``j`` could next start: the end of its running operation, or now if queued."""
    for machine, proc in enumerate(env.running):
        if proc is not None and _running_job(env, machine) == j:
            return env.busy_until[machine]
    return float(env.sim.now)


def _running_job(env: DynamicDispatchEnv, machine: int) -> int | None:
    return env.running_job[machine]
