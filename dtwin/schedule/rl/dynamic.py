"""A dynamic job shop over SimPy: a decision whenever a machine frees up, while machines break
down and new jobs arrive during the episode.

Jobs (``jobs`` at the start, ``new_jobs`` more arriving with exponential gaps of mean
``arrival_gap``) visit every machine once in a random order, durations uniform in 1..99
(Taillard's distribution, drawn from the env's seeded generator). Machines fail after
exponential times of mean ``mtbf`` (None: never) for exponential repairs of mean ``repair``;
``options={"breakdowns": [(machine, start, duration), ...]}`` adds scripted ones. An operation
hit by a failure resumes after the repair (preempt-resume). When an idle, working machine has
jobs waiting, the agent picks one of them (a queue of one is dispatched without asking).

Observation and action as in :class:`~dtwin.schedule.rl.env.DispatchEnv` (rows of the same
:data:`~dtwin.schedule.rl.features.FEATURES`, one per job slot, so the static policy runs here
too); the eligible jobs are those waiting at the deciding machine. Reward: minus the jobs in
the shop times the time elapsed (in units of the mean duration, over the number of jobs), so
the return is minus the mean flow time in mean durations (less what elapsed before the first
decision); ``info`` carries the makespan, the mean flow time and
the breakdowns so far. ``reset_callbacks`` run after every reset and ``event_callbacks``
receive ``(kind, time, index)`` for each arrival, breakdown, repair and finished job, so the
rest of a twin can follow the episode. This env uses SimPy itself, not ``dtwin.sim``: engines
do not import each other (``dtwin.twin`` joins them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import simpy

from dtwin.errors import ScheduleError
from dtwin.schedule.rl.features import CLIP, NUM_FEATURES

EventCallback = Callable[[str, float, int], None]
_UNIT = 50.0  # the mean of durations uniform in 1..99


class DynamicDispatchEnv(gym.Env):
    """Dispatch in a simulated job shop with breakdowns and arriving jobs."""

    metadata = {"render_modes": []}

    def __init__(
        self,
        jobs: int = 8,
        machines: int = 6,
        new_jobs: int = 8,
        arrival_gap: float = 100.0,
        mtbf: float | None = 1500.0,
        repair: float = 100.0,
        max_jobs: int = 20,
    ) -> None:
        if jobs + new_jobs > max_jobs or jobs < 1 or new_jobs < 0 or machines < 1:
            raise ScheduleError(
                f"need 1 <= jobs, 0 <= new_jobs, jobs + new_jobs <= max_jobs={max_jobs}, "
                f"machines >= 1; got jobs={jobs}, new_jobs={new_jobs}, machines={machines}"
            )
        self.n0, self.m, self.n_new = jobs, machines, new_jobs
        self.arrival_gap, self.mtbf, self.repair, self.max_jobs = (
            arrival_gap,
            mtbf,
            repair,
            max_jobs,
        )
        self.observation_space = gym.spaces.Box(-CLIP, CLIP, (max_jobs, NUM_FEATURES), np.float32)
        self.action_space = gym.spaces.Discrete(max_jobs)
        self.reset_callbacks: list[Callable[[DynamicDispatchEnv], None]] = []
        self.event_callbacks: list[EventCallback] = []
        self.sim: simpy.Environment | None = None
        self.deciding: int | None = None

    # --- episode ---------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        rng = self.np_random
        n = self.n0 + self.n_new
        self.routes = [rng.permutation(self.m).tolist() for _ in range(n)]
        self.durations = rng.integers(1, 100, size=(n, self.m)).tolist()
        gaps = rng.exponential(self.arrival_gap, size=self.n_new)
        self.arrivals = [0.0] * self.n0 + np.cumsum(gaps).tolist()
        self.sim = simpy.Environment()
        self.next_op = [0] * n
        self.arrived = [False] * n
        self.finished: dict[int, float] = {}
        self.ready_since = [0.0] * n
        self.queues: list[list[int]] = [[] for _ in range(self.m)]
        self.running: list[Any] = [None] * self.m
        self.running_job: list[int | None] = [None] * self.m
        self.busy_until = [0.0] * self.m
        self.down = [0] * self.m
        self.up = [self.sim.event() for _ in range(self.m)]
        self.breakdowns = 0
        self.deciding: int | None = None
        self.flow = 0.0  # the integral of the number of jobs in the shop over time
        for j, t in enumerate(self.arrivals):
            self.sim.process(self._arrive(j, t))
        for m in range(self.m):
            if self.mtbf:
                self.sim.process(
                    self._random_failures(m, np.random.default_rng(rng.integers(2**32)))
                )
        for m, start, duration in (options or {}).get("breakdowns", ()):
            self.sim.process(self._failure(int(m), float(start), float(duration)))
        self._advance()
        for callback in self.reset_callbacks:
            callback(self)
        return self._observe(), self._info()

    def step(self, action: Any):
        if self.deciding is None:
            raise ScheduleError("the episode is over (or never began); call reset()")
        queue = self.queues[self.deciding]
        job = int(action)
        invalid = job not in queue
        if invalid:
            job = min(queue)
        self._start(self.deciding, job)
        flow = self.flow
        done = self._advance()
        reward = -(self.flow - flow) / (_UNIT * len(self.arrivals))
        info = self._info()
        info["invalid_action"] = invalid
        return self._observe(), float(reward), done, False, info

    def action_masks(self) -> np.ndarray:
        """True for the jobs waiting at the machine that is to be loaded."""
        mask = np.zeros(self.max_jobs, dtype=bool)
        if self.deciding is not None:
            mask[self.queues[self.deciding]] = True
        return mask

    # --- simulation --------------------------------------------------------------------------
    def _emit(self, kind: str, index: int) -> None:
        for callback in self.event_callbacks:
            callback(kind, float(self.sim.now), index)

    def _arrive(self, j: int, t: float):
        yield self.sim.timeout(t)
        self.arrived[j] = True
        self._enqueue(j)
        self._emit("arrival", j)

    def _enqueue(self, j: int) -> None:
        self.ready_since[j] = self.sim.now
        self.queues[self.routes[j][self.next_op[j]]].append(j)

    def _start(self, m: int, j: int) -> None:
        self.queues[m].remove(j)
        d = self.durations[j][self.next_op[j]]
        self.busy_until[m] = self.sim.now + d
        self.running[m] = self.sim.process(self._operate(m, j, d))
        self.running_job[m] = j

    def _operate(self, m: int, j: int, d: float):
        left = float(d)
        while left > 0:
            began = self.sim.now
            try:
                yield self.sim.timeout(left)
                left = 0.0
            except simpy.Interrupt:
                left -= self.sim.now - began
                yield self.up[m]
                self.busy_until[m] = self.sim.now + left
        self.running[m] = self.running_job[m] = None
        self.next_op[j] += 1
        if self.next_op[j] == self.m:
            self.finished[j] = self.sim.now
            self._emit("done", j)
        else:
            self._enqueue(j)

    def _random_failures(self, m: int, rng: np.random.Generator):
        while True:
            yield self.sim.timeout(rng.exponential(self.mtbf))
            yield from self._failure(m, self.sim.now, rng.exponential(self.repair))

    def _failure(self, m: int, start: float, duration: float):
        yield self.sim.timeout(max(start - self.sim.now, 0.0))
        self.down[m] += 1
        if self.down[m] == 1:
            self.up[m] = self.sim.event()
            self.breakdowns += 1
            self._emit("breakdown", m)
            if self.running[m] is not None:
                self.running[m].interrupt()
        yield self.sim.timeout(duration)
        self.down[m] -= 1
        if self.down[m] == 0:
            self.up[m].succeed()
            self._emit("repair", m)

    def _advance(self) -> bool:
        """Run the simulation to the next decision; True when every job is finished."""
        while True:
            for m in range(self.m):
                idle = self.running[m] is None and not self.down[m]
                if idle and len(self.queues[m]) == 1:
                    self._start(m, self.queues[m][0])
                elif idle and self.queues[m]:
                    self.deciding = m
                    return False
            if len(self.finished) == len(self.arrivals):
                self.deciding = None
                return True
            self.flow += self._in_shop() * (self.sim.peek() - self.sim.now)
            self.sim.step()

    def _in_shop(self) -> int:
        return sum(1 for j, a in enumerate(self.arrived) if a and j not in self.finished)

    def _info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "action_mask": self.action_masks(),
            "time": float(self.sim.now),
            "breakdowns": self.breakdowns,
        }
        if len(self.finished) == len(self.arrivals):
            flows = [self.finished[j] - self.arrivals[j] for j in self.finished]
            info["makespan"] = max(self.finished.values())
            info["mean_flow_time"] = float(np.mean(flows))
        return info

    def _observe(self) -> np.ndarray:
        from dtwin.schedule.rl.dynamic_features import observe_dynamic

        return observe_dynamic(self)
