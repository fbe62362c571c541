"""Several dispatching environments stepped together, for training.

``make_vec_env(n, seed)`` gives stable-baselines3's ``DummyVecEnv`` (what MaskablePPO takes;
each env is wrapped in ``Monitor`` so episode returns are logged); ``gymnasium=True`` gives a
``gymnasium.vector.SyncVectorEnv`` instead, whose ``info["action_mask"]`` carries the masks.
Env ``i`` is seeded with ``seed + i``, so the batch is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dtwin.errors import ScheduleError
from dtwin.schedule.rl.env import DispatchEnv
from dtwin.schedule.rl.generators import TRAIN_SIZES

MAX_ENVS = 64


def make_vec_env(
    n_envs: int,
    seed: int = 0,
    sizes: Sequence[tuple[int, int]] = TRAIN_SIZES,
    *,
    gymnasium: bool = False,
) -> Any:
    """``n_envs`` training environments drawing Taillard instances of ``sizes``."""
    if not 1 <= n_envs <= MAX_ENVS:
        raise ScheduleError(f"n_envs must be in 1..{MAX_ENVS}, got {n_envs}")
    sizes = tuple(sizes)
    if gymnasium:
        import gymnasium as gym

        vec = gym.vector.SyncVectorEnv([lambda: DispatchEnv(sizes=sizes)] * n_envs)
        vec.reset(seed=seed)
        return vec
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    vec = DummyVecEnv([lambda: Monitor(DispatchEnv(sizes=sizes))] * n_envs)
    vec.seed(seed)
    return vec
