"""The job shop as a ``gymnasium.Env``: each step dispatches one eligible job's next operation.

Observation: a ``(max_jobs, NUM_FEATURES)`` array, one row per job (see
:mod:`~dtwin.schedule.rl.features`), padded with zero rows, so one policy that scores rows
with shared weights runs on any shop up to ``max_jobs`` jobs. Action: a job index;
:meth:`DispatchEnv.action_masks` (sb3-contrib's convention, also in ``info["action_mask"]``)
marks the eligible jobs; an action outside the mask dispatches the first eligible job instead
and says so in ``info["invalid_action"]``. Reward: the decrease of the makespan lower bound,
divided by the initial bound, so an episode's return is ``(LB0 - makespan) / LB0`` and the
final makespan (``info["makespan"]``) is the check. With no instance given, every reset draws a
Taillard instance of one of ``sizes`` from the training seed range (never an evaluation one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance
from dtwin.schedule.rl.features import CLIP, NUM_FEATURES, mean_duration, observe
from dtwin.schedule.rl.generators import TRAIN_SIZES, training_instance
from dtwin.schedule.rl.state import ConstructionState
from dtwin.schedule.solution import Schedule

MAX_JOBS = 20


class DispatchEnv(gym.Env):
    """Build an active job-shop schedule one dispatch at a time."""

    metadata = {"render_modes": []}

    def __init__(
        self,
        instances: Instance | Sequence[Instance] | None = None,
        *,
        max_jobs: int = MAX_JOBS,
        sizes: Sequence[tuple[int, int]] = TRAIN_SIZES,
    ) -> None:
        self.instances = [instances] if isinstance(instances, Instance) else instances
        self.sizes = tuple(sizes)
        self.max_jobs = max_jobs
        too_big = [i.name for i in self.instances or () if i.num_jobs > max_jobs]
        if not self.instances:
            too_big += [f"{n}x{m}" for n, m in self.sizes if n > max_jobs]
        if too_big:
            raise ScheduleError(f"more jobs than max_jobs={max_jobs}: {', '.join(too_big)}")
        self.observation_space = gym.spaces.Box(
            -CLIP, CLIP, (max_jobs, NUM_FEATURES), dtype=np.float32
        )
        self.action_space = gym.spaces.Discrete(max_jobs)
        self.reset_callbacks: list[Callable[[DispatchEnv], None]] = []
        self.state: ConstructionState | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new episode on ``options["instance"]``, one of the instances, or a new
        Taillard instance (drawn from the env's seeded generator)."""
        super().reset(seed=seed)
        instance = (options or {}).get("instance") or self._draw()
        if instance.num_jobs > self.max_jobs:
            raise ScheduleError(
                f"instance {instance.name} has {instance.num_jobs} jobs, more than "
                f"max_jobs={self.max_jobs}"
            )
        self.state = ConstructionState(instance)
        self.unit = mean_duration(self.state)
        self.first_bound = max(self.state.lower_bound(), 1)
        self.bound = self.first_bound
        for callback in self.reset_callbacks:
            callback(self)
        return self._observe(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Dispatch job ``action``; reward the (scaled) decrease of the lower bound."""
        state = self._require_state()
        if state.done:
            raise ScheduleError("the episode is over; call reset()")
        eligible = state.eligible()
        job = int(action)
        invalid = job not in eligible
        if invalid:
            job = min(eligible)
        state.dispatch(job)
        bound = state.lower_bound()
        reward = (self.bound - bound) / self.first_bound
        self.bound = bound
        info = self._info()
        info["invalid_action"] = invalid
        return self._observe(), float(reward), state.done, False, info

    def action_masks(self) -> np.ndarray:
        """A boolean mask over actions: True for the jobs that may be dispatched now."""
        mask = np.zeros(self.max_jobs, dtype=bool)
        if self.state is not None:
            mask[list(self.state.eligible())] = True
        return mask

    def schedule(self) -> Schedule:
        """The (partial) schedule built so far."""
        state = self._require_state()
        sched = Schedule(list(state.scheduled), method="policy")
        sched.value = float(sched.makespan)
        return sched

    def _draw(self) -> Instance:
        if self.instances:
            return self.instances[int(self.np_random.integers(len(self.instances)))]
        return training_instance(self.np_random, self.sizes)

    def _observe(self) -> np.ndarray:
        return observe(self._require_state(), self.max_jobs, self.unit)

    def _info(self) -> dict[str, Any]:
        state = self._require_state()
        info: dict[str, Any] = {"action_mask": self.action_masks(), "lower_bound": self.bound}
        if state.done:
            info["makespan"] = max(o.end for o in state.scheduled)
        return info

    def _require_state(self) -> ConstructionState:
        if self.state is None:
            raise ScheduleError("call reset() before step()")
        return self.state
