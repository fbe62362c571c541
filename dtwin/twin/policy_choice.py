"""Choosing a maintenance policy's parameter, and the RUL model, on runs the evaluation never sees.

Every choice here uses the factory with a *training seed* (:func:`training_seed`, derived
from the evaluation seed but never equal to it): run-to-failure histories of that seed train
the RUL model (:func:`train_rul_model`), and runs of that seed choose, for each policy, the
parameter with the lowest mean ``cost_per_good_unit`` over a grid (:func:`choose_parameter`):

- ``periodic``: the interval, as fractions of the mean life in minutes of the histories;
- ``health_threshold``: the health threshold (the oracle loop acts on the true health);
- ``rul``: the margin in sensor cycles, as fractions of the mean life in cycles.

The same grid search for every policy keeps the comparison fair: none of them is tuned on
the runs it is reported on. Native thread pools are capped at one thread while the twin
predicts, so that many small predictions do not pay thread start-up each time.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from dtwin.errors import ConfigError
from dtwin.sim import to_factory
from dtwin.twin.rul_policy import MaintenanceSettings

TRAINING_SEED_OFFSET = 1_000_003
INTERVAL_FRACTIONS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
THRESHOLDS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
MARGIN_FRACTIONS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
MINUTES_PER_DAY = 1440.0


def training_seed(seed: int) -> int:
    """The seed of the runs that train and choose (never an evaluation seed nearby)."""
    return int(seed) + TRAINING_SEED_OFFSET


@dataclass(frozen=True)
class ChoiceSettings:
    """How much of the training seed's factory the choices see."""

    days: float = 10.0
    warmup_days: float = 1.0
    replications: int = 3
    history_days: float = 60.0
    history_replications: int = 2


@dataclass(frozen=True)
class Choice:
    """The chosen value of a policy's parameter and the grid it was chosen on."""

    policy: str
    parameter: str
    value: float
    table: pd.DataFrame  # value, cost_per_good_unit (mean), cost_ci95, runs

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "parameter": self.parameter,
            "value": self.value,
            "grid": self.table.to_dict(orient="records"),
        }


@contextlib.contextmanager
def one_thread():
    """Native thread pools (BLAS, OpenMP, torch) capped at one thread for the block."""
    from threadpoolctl import threadpool_limits

    torch_threads = None
    try:
        import torch

        torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency of dtwin.health
        pass
    try:
        with threadpool_limits(1):
            yield
    finally:
        if torch_threads is not None:
            import torch

            torch.set_num_threads(torch_threads)


def training_histories(config: Any, seed: int, settings: ChoiceSettings = ChoiceSettings()):
    """Run-to-failure histories of ``config`` with the training seed of ``seed``."""
    from dtwin.sim.histories import run_to_failure

    return run_to_failure(
        config,
        training_seed(seed),
        settings.history_days,
        settings.history_replications,
    )


def train_rul_model(
    config: Any,
    seed: int,
    settings: ChoiceSettings = ChoiceSettings(),
    rul_config: Any = None,
) -> tuple[Any, Any]:
    """A RUL model trained on the training seed's run-to-failure histories: (model, histories)."""
    from dtwin.health import RulConfig, train_rul

    histories = training_histories(config, seed, settings)
    if histories.units < 4:
        raise ConfigError(
            f"{to_factory(config).name}: only {histories.units} run-to-failure lives in "
            f"{settings.history_days:g} days x {settings.history_replications}; the RUL model "
            f"needs more (longer histories, or stations that wear out: health.wear_cv)"
        )
    rul_config = rul_config or RulConfig(model="gbm", window=20, seed=int(seed))
    with one_thread():
        model = train_rul(histories.table, rul_config, source="run-to-failure histories")
    return model, histories


def mean_life(histories: Any) -> tuple[float, float]:
    """Mean life of the histories: (minutes between failures of a machine, sensor cycles)."""
    lives = histories.lives.sort_values(["replication", "station", "machine", "end_min"])
    gaps = lives.groupby(["replication", "station", "machine"])["end_min"].diff().dropna()
    minutes = float(gaps.mean()) if len(gaps) else float(lives["end_min"].mean())
    return minutes, float(lives["cycles"].mean())


def candidates(policy: str, histories: Any) -> tuple[str, list[float]]:
    """The parameter name and grid of ``policy`` (see the module doc)."""
    minutes, cycles = mean_life(histories)
    if policy == "periodic":
        return "interval_min", [round(f * minutes, 1) for f in INTERVAL_FRACTIONS]
    if policy == "health_threshold":
        return "threshold", list(THRESHOLDS)
    if policy == "rul":
        return "margin_cycles", sorted({max(1.0, round(f * cycles)) for f in MARGIN_FRACTIONS})
    raise ConfigError(f"policy {policy!r} has no parameter to choose")


def with_value(base: MaintenanceSettings, value: float) -> MaintenanceSettings:
    """``base`` with its parameter set to ``value``."""
    field = {"periodic": "interval", "health_threshold": "threshold", "rul": "margin"}
    return replace(base, **{field[base.policy]: float(value)})


def loop_of(policy: str) -> str:
    """The loop a policy runs in: the oracle acts on true health, the others on the plant."""
    return "oracle" if policy == "health_threshold" else "open"


def policy_costs(
    config: Any,
    maintenance: MaintenanceSettings,
    seed: int,
    days: float,
    replications: int,
    warmup_days: float = 1.0,
    first_replication: int = 0,
) -> list[dict[str, float]]:
    """The KPIs of each replication of ``config`` under ``maintenance`` (serial, one thread)."""
    from dtwin.twin.loop import TwinLoop

    out = []
    warmup = warmup_days * MINUTES_PER_DAY
    with one_thread():
        for rep in range(first_replication, first_replication + replications):
            twin = TwinLoop(
                config,
                loop_of(maintenance.policy),
                seed,
                rep,
                warmup,
                maintenance=maintenance,
            )
            twin.run_until(warmup + days * MINUTES_PER_DAY)
            out.append(twin.kpis())
    return out


def choose_parameter(
    config: Any,
    base: MaintenanceSettings,
    seed: int,
    histories: Any,
    settings: ChoiceSettings = ChoiceSettings(),
) -> Choice:
    """The grid value with the lowest mean cost per good unit on the training seed's runs."""
    name, grid = candidates(base.policy, histories)
    rows = []
    for value in grid:
        kpis = policy_costs(
            config,
            with_value(base, value),
            training_seed(seed),
            settings.days,
            settings.replications,
            settings.warmup_days,
        )
        costs = np.array([k["cost_per_good_unit"] for k in kpis], float)
        finite = costs[np.isfinite(costs)]
        mean = float(finite.mean()) if len(finite) else float("inf")
        half = _half_width(finite)
        rows.append({"value": value, "cost_per_good_unit": mean, "cost_ci95": half})
    table = pd.DataFrame(rows)
    best = table.loc[table["cost_per_good_unit"].idxmin()]
    return Choice(base.policy, name, float(best["value"]), table)


def _half_width(values: np.ndarray) -> float | None:
    if len(values) < 2:
        return None
    from scipy import stats

    sem = float(values.std(ddof=1) / np.sqrt(len(values)))
    return float(stats.t.ppf(0.975, len(values) - 1) * sem)


def settle(
    config: Any,
    policy: str,
    seed: int,
    interval: float | None = None,
    threshold: float | None = None,
    margin: float | None = None,
    model: Any = None,
    settings: ChoiceSettings = ChoiceSettings(),
) -> tuple[MaintenanceSettings, dict[str, Any]]:
    """The settings of ``policy`` with every parameter not given chosen on the training seed.

    Returns the settings and a report of what was chosen and how (``choice``, ``rul_model``).
    """
    from dtwin.twin.rul_policy import load_rul_model

    report: dict[str, Any] = {"training_seed": training_seed(seed)}
    cfg = to_factory(config)
    histories = None
    if policy == "rul":
        if model is None:
            model, histories = train_rul_model(cfg, seed, settings)
            report["rul_model"] = {
                "trained_on": f"{histories.units} run-to-failure lives, seed {training_seed(seed)}",
                "metrics": model.card.get("metrics", {}),
            }
        else:
            report["rul_model"] = {"given": str(model) if not hasattr(model, "card") else "object"}
            model = load_rul_model(model)
    given = {"periodic": interval, "health_threshold": threshold, "rul": margin}.get(policy)
    placeholder = {"periodic": 1.0, "health_threshold": 0.5, "rul": 0.0}.get(policy)
    base = MaintenanceSettings(
        policy,
        interval=interval if policy != "periodic" or interval is not None else placeholder,
        threshold=threshold if policy != "health_threshold" or threshold else placeholder,
        margin=margin if margin is not None else placeholder,
        model=model,
    )
    if policy in ("none",) or given is not None:
        return base, report
    if histories is None:
        histories = training_histories(cfg, seed, settings)
    choice = choose_parameter(cfg, base, seed, histories, settings)
    report["choice"] = choice.to_dict()
    return with_value(base, choice.value), report
