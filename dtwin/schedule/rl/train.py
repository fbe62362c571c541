"""Train the dispatching policy with sb3-contrib's MaskablePPO on the CPU, deterministic by seed.

The budget is a number of environment steps; with only ``minutes`` given it is
``minutes * STEPS_PER_MINUTE`` (a rate a busy 2-core machine keeps), so the same seed and
minutes give the same policy. A wall-clock guard at ``minutes`` stops a run that falls behind
(the card then says ``stopped_by_clock``, and that run is not reproducible step for step).
Every ``validate_every`` rollouts the greedy policy schedules a validation set (Taillard
instances from the training seed range, drawn with another stream; never evaluation seeds) and
the network with the lowest mean makespan relative to MWKR is the one kept.
"""

from __future__ import annotations

import copy
import csv
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance
from dtwin.schedule.rl.dispatcher import save_policy, solve_policy
from dtwin.schedule.rl.env import MAX_JOBS
from dtwin.schedule.rl.generators import TRAIN_SIZES, training_instance
from dtwin.schedule.rl.network import HIDDEN, DispatchNet
from dtwin.schedule.rl.vector import make_vec_env
from dtwin.schedule.rules import dispatch

STEPS_PER_MINUTE = 25_000
MAX_MINUTES = 600.0
VALIDATION_SIZES = ((10, 10), (15, 15), (20, 15), (20, 20))


@dataclass(frozen=True)
class TrainConfig:
    """MaskablePPO settings; ``steps`` None means ``minutes * STEPS_PER_MINUTE``."""

    minutes: float = 10.0
    seed: int = 0
    steps: int | None = None
    envs: int = 8
    threads: int = 1
    sizes: tuple[tuple[int, int], ...] = TRAIN_SIZES
    hidden: int = HIDDEN
    n_steps: int = 256
    batch_size: int = 512
    epochs: int = 4
    learning_rate: float = 3e-4
    entropy: float = 0.01
    gamma: float = 1.0
    gae_lambda: float = 0.95
    validation: int = 12
    validate_every: int = 8

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.minutes <= MAX_MINUTES:
            problems.append(f"minutes must be in (0, {MAX_MINUTES:g}], got {self.minutes}")
        if self.steps is not None and not 1 <= self.steps <= 10**8:
            problems.append(f"steps must be in 1..100000000, got {self.steps}")
        if not 1 <= self.envs <= 64:
            problems.append(f"envs must be in 1..64, got {self.envs}")
        if not 1 <= self.threads <= 64:
            problems.append(f"threads must be in 1..64, got {self.threads}")
        if any(n > MAX_JOBS for n, _ in self.sizes):
            problems.append(f"training sizes may have at most {MAX_JOBS} jobs: {self.sizes}")
        if problems:
            raise ScheduleError("; ".join(problems), problems)

    @property
    def budget(self) -> int:
        """Environment steps to train for."""
        return self.steps if self.steps is not None else int(self.minutes * STEPS_PER_MINUTE)


@dataclass
class TrainResult:
    """The kept network, its card, the curve (one row per validation) and where it was saved."""

    net: DispatchNet
    card: dict[str, Any]
    curve: list[dict[str, float]] = field(default_factory=list)
    folder: Path | None = None


def validation_set(seed: int, count: int) -> list[Instance]:
    """``count`` training-range Taillard instances of :data:`VALIDATION_SIZES` (own stream)."""
    rng = np.random.default_rng([seed, 2])
    return [training_instance(rng, (VALIDATION_SIZES[i % 4],)) for i in range(count)]


def validate(net: DispatchNet, instances: list[Instance], reference: list[int]) -> float:
    """Mean % by which the greedy policy's makespans exceed the ``reference`` ones."""
    gaps = [
        100.0 * (solve_policy(inst, net).makespan / ref - 1.0)
        for inst, ref in zip(instances, reference, strict=True)
    ]
    return float(np.mean(gaps))


def train_policy(
    config: TrainConfig, out: str | Path | None = None, progress: bool = True
) -> TrainResult:
    """Train with MaskablePPO; save ``weights.pt``, ``card.json`` and ``curve.csv`` to ``out``."""
    from sb3_contrib import MaskablePPO

    from dtwin.schedule.rl.policy import JobScoringPolicy

    torch.set_num_threads(config.threads)
    env = make_vec_env(config.envs, config.seed, config.sizes)
    model = MaskablePPO(
        JobScoringPolicy,
        env,
        learning_rate=config.learning_rate,
        n_steps=config.n_steps,
        batch_size=config.batch_size,
        n_epochs=config.epochs,
        gamma=config.gamma,
        gae_lambda=config.gae_lambda,
        ent_coef=config.entropy,
        policy_kwargs={"features_extractor_kwargs": {"hidden": config.hidden}},
        seed=config.seed,
        device="cpu",
        verbose=0,
    )
    tracker = _Tracker(config, model)
    t0 = time.perf_counter()
    model.learn(config.budget, callback=tracker.callback(progress))
    result = tracker.result(time.perf_counter() - t0)
    if out is not None:
        result.folder = save_policy(result.net, result.card, out)
        _write_curve(result.curve, Path(out) / "curve.csv")
    return result


class _Tracker:
    """Validates every few rollouts, keeps the best network, stops at the wall-clock guard."""

    def __init__(self, config: TrainConfig, model: Any) -> None:
        self.config, self.model = config, model
        self.instances = validation_set(config.seed, config.validation)
        self.reference = [dispatch(i, "MWKR").makespan for i in self.instances]
        self.curve: list[dict[str, float]] = []
        self.best: tuple[float, DispatchNet, int] | None = None
        self.rollouts = 0
        self.stopped_by_clock = False
        self.t0 = time.perf_counter()
        self.log = False

    def callback(self, progress: bool) -> Any:
        from stable_baselines3.common.callbacks import BaseCallback

        tracker = self
        self.log = progress
        bar = tqdm(total=self.config.budget, desc="train-policy", unit="step", disable=not progress)

        class _Callback(BaseCallback):
            def _on_step(self) -> bool:
                bar.update(self.num_timesteps - bar.n)
                return tracker.on_step()

            def _on_rollout_end(self) -> None:
                tracker.on_rollout_end()

            def _on_training_end(self) -> None:
                bar.close()

        return _Callback()

    def on_step(self) -> bool:
        if time.perf_counter() - self.t0 > 60.0 * self.config.minutes:
            self.stopped_by_clock = True
            return False
        return True

    def on_rollout_end(self) -> None:
        self.rollouts += 1
        if self.rollouts % self.config.validate_every == 0:
            self._validate()

    def _validate(self) -> None:
        net = self.model.policy.dispatch_net()
        gap = validate(net, self.instances, self.reference)
        episodes = [e["r"] for e in self.model.ep_info_buffer]
        self.curve.append(
            {
                "steps": float(self.model.num_timesteps),
                "wall_s": round(time.perf_counter() - self.t0, 1),
                "mean_return": float(np.mean(episodes)) if episodes else float("nan"),
                "validation_gap_to_mwkr_pct": gap,
            }
        )
        if self.log:
            tqdm.write(
                f"steps {self.model.num_timesteps}: validation gap to MWKR {gap:+.2f}% "
                f"({self.curve[-1]['wall_s']:.0f} s)"
            )
        if self.best is None or gap < self.best[0]:
            self.best = (gap, copy.deepcopy(net), self.model.num_timesteps)

    def result(self, seconds: float) -> TrainResult:
        self._validate()
        assert self.best is not None
        gap, net, at = self.best
        card = {
            "training": {
                **{k: v for k, v in asdict(self.config).items() if k != "sizes"},
                "sizes": [f"{n}x{m}" for n, m in self.config.sizes],
                "budget_steps": self.config.budget,
                "steps_done": int(self.model.num_timesteps),
                "kept_at_step": int(at),
                "stopped_by_clock": self.stopped_by_clock,
                "wall_seconds": round(seconds, 1),
                "validation_gap_to_mwkr_pct": round(gap, 3),
                "generator": "Taillard (1993), training seed range 10000000..18999999",
            },
            "versions": _versions(),
        }
        return TrainResult(net, card, self.curve)


def _versions() -> dict[str, str]:
    import gymnasium
    import sb3_contrib
    import stable_baselines3

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "gymnasium": gymnasium.__version__,
        "stable_baselines3": stable_baselines3.__version__,
        "sb3_contrib": sb3_contrib.__version__,
        "numpy": np.__version__,
    }


def _write_curve(curve: list[dict[str, float]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(curve[0]) if curve else ["steps"])
        writer.writeheader()
        writer.writerows(curve)
