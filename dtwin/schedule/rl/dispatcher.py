"""A trained dispatching policy: load it safely, build schedules with it, save it with its card.

A policy folder holds ``weights.pt`` (a plain ``state_dict`` of
:class:`~dtwin.schedule.rl.network.DispatchNet`, read with ``torch.load(weights_only=True)``)
and ``card.json`` (network size, features, how it was trained and what it measured); the
shipped one is ``models/dispatch/``. :func:`solve_policy` runs the network greedily (or takes
the best of ``samples`` seeded rollouts) over the same active-schedule construction as the
environment, with no padding, so any size works.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dtwin.errors import DataError, ScheduleError
from dtwin.paths import PROJECT_ROOT
from dtwin.schedule.instance import Instance
from dtwin.schedule.rl.features import FEATURES, NUM_FEATURES, mean_duration, observe
from dtwin.schedule.rl.network import DispatchNet
from dtwin.schedule.rl.state import ConstructionState
from dtwin.schedule.solution import Schedule, evaluate

WEIGHTS, CARD = "weights.pt", "card.json"
MAX_SAMPLES = 1024


def shipped_policy_dir() -> Path:
    """The folder of the policy shipped with dtwin (``models/dispatch``)."""
    return PROJECT_ROOT / "models" / "dispatch"


@dataclass
class Policy:
    """A dispatching network and its card (a dict: training settings, versions, gaps)."""

    net: DispatchNet
    card: dict[str, Any]
    source: str = ""


def load_policy(folder: str | Path | None = None) -> Policy:
    """Load ``weights.pt`` and ``card.json`` from ``folder`` (default: the shipped policy)."""
    path = Path(folder) if folder is not None else shipped_policy_dir()
    weights, card_path = path / WEIGHTS, path / CARD
    for f in (weights, card_path):
        if not f.is_file():
            raise DataError(f"{f}: no such file; a policy folder holds {WEIGHTS} and {CARD}")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{card_path}: not valid JSON ({exc})") from None
    if not isinstance(card, dict) or card.get("features") != list(FEATURES):
        raise DataError(f"{card_path}: 'features' must list this dtwin's {NUM_FEATURES} features")
    hidden = card.get("hidden")
    if not isinstance(hidden, int) or not 1 <= hidden <= 1024:
        raise DataError(f"{card_path}: 'hidden' must be an integer in 1..1024, got {hidden!r}")
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input
        raise DataError(f"{weights}: not a readable state_dict ({type(exc).__name__})") from None
    net = DispatchNet(NUM_FEATURES, hidden)
    try:
        net.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as exc:
        first = str(exc).splitlines()[0]
        raise DataError(f"{weights}: weights do not fit the network in {CARD}: {first}") from None
    net.eval()
    return Policy(net, card, str(path))


def save_policy(net: DispatchNet, card: dict[str, Any], folder: str | Path) -> Path:
    """Write ``weights.pt`` and ``card.json`` into ``folder`` (created if missing)."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().clone() for k, v in net.state_dict().items()}, path / WEIGHTS)
    full = {"features": list(FEATURES), "hidden": net.heads.hidden, **card}
    (path / CARD).write_text(json.dumps(full, indent=1) + "\n", encoding="utf-8")
    return path


def solve_policy(
    instance: Instance,
    policy: Policy | DispatchNet | None = None,
    *,
    samples: int = 0,
    seed: int = 0,
    objective: str = "makespan",
) -> Schedule:
    """Build a schedule with the policy: greedy, or the best of ``samples`` sampled rollouts
    (seeded) together with the greedy one."""
    if not 0 <= samples <= MAX_SAMPLES:
        raise ScheduleError(f"samples must be in 0..{MAX_SAMPLES}, got {samples}")
    net = _net(policy)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny network: more threads only wait on each other
    try:
        with torch.inference_mode():
            best = _rollout(instance, net, None)
            for _ in range(samples):
                cand = _rollout(instance, net, rng)
                if cand.makespan < best.makespan:
                    best = cand
    finally:
        torch.set_num_threads(threads)
    best.objective = objective
    best.value = evaluate(instance, best, objective)
    best.method = "policy" if not samples else f"policy/best-of-{samples + 1}"
    best.solve_seconds = time.perf_counter() - t0
    return best


def solve_with_policy(
    instance: Instance, folder: str | Path | None = None, objective: str = "makespan"
) -> Schedule:
    """``dtwin schedule solve --method policy``: the greedy schedule of the policy in ``folder``
    (default: the shipped one); ScheduleError for objectives other than the makespan."""
    if objective != "makespan":
        raise ScheduleError(
            f"method policy minimises the makespan only, not {objective!r}; valid: "
            f"--objective makespan, or another --method"
        )
    return solve_policy(instance, load_policy(folder), objective=objective)


def policy_action(policy: Policy | DispatchNet, rows: np.ndarray, mask: np.ndarray) -> int:
    """The greedy choice of ``policy`` for one observation (rows) and action mask."""
    net = _net(policy)
    with torch.inference_mode():
        scores = net(torch.as_tensor(rows, dtype=torch.float32).unsqueeze(0))[0].double().numpy()
    return int(np.argmax(np.where(mask, scores, -np.inf)))


def _net(policy: Policy | DispatchNet | None) -> DispatchNet:
    if policy is None:
        return load_policy().net
    return policy.net if isinstance(policy, Policy) else policy


def _rollout(instance: Instance, net: DispatchNet, rng: np.random.Generator | None) -> Schedule:
    state = ConstructionState(instance)
    unit = mean_duration(state)
    n = instance.num_jobs
    while not state.done:
        eligible = state.eligible()
        if len(eligible) == 1:
            state.dispatch(next(iter(eligible)))
            continue
        rows = torch.from_numpy(observe(state, n, unit)).unsqueeze(0)
        scores = net(rows)[0].double().numpy()
        mask = np.full(n, -np.inf)
        mask[list(eligible)] = 0.0
        logits = scores + mask
        if rng is None:
            job = int(np.argmax(logits))
        else:
            p = np.exp(logits - logits.max())
            job = int(rng.choice(n, p=p / p.sum()))
        state.dispatch(job)
    return Schedule(list(state.scheduled), status="FEASIBLE")
