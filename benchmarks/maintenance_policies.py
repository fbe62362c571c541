"""Maintenance policies on a factory with wear-driven failures: cost per good unit with 95% CIs.

    python benchmarks/maintenance_policies.py [--factory benchmarks/factories/wearing_press.yaml]
        [--replications 20] [--days 25] [--seed 0] [--rul-model cnn|gbm]

Everything that is learnt or chosen uses the factory with the *training seed*
(``dtwin.twin.policy_choice.training_seed``): the run-to-failure histories that train the RUL
model, and the grid search of each policy's parameter (periodic interval, oracle health
threshold, RUL margin) by the lowest mean cost per good unit. A validation seed's histories
(neither training nor evaluation) give the RUL error by remaining life. The evaluation seed's
replications are then run once per policy, with common random numbers (the same seed and
replications for every policy, so the differences are paired):

- ``none``: run to failure;
- ``periodic``: a service every chosen interval;
- ``oracle``: a service when the simulator's *true* health falls below the chosen threshold;
- ``rul``: a service when the RUL predicted from the machine's own sensors falls below the
  chosen margin.

Prints the per-policy table (mean and 95% CI of cost per good unit, good units per day,
services, breakdowns), the paired differences to ``rul`` and whether the done-when holds:
``rul`` lowest, its CI apart from run-to-failure.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.health import CnnConfig, RulConfig
from dtwin.health import error_by_life as life_band_errors
from dtwin.twin.policy_choice import (
    ChoiceSettings,
    choose_parameter,
    one_thread,
    policy_costs,
    train_rul_model,
    training_histories,
    training_seed,
    with_value,
)
from dtwin.twin.rul_policy import MaintenanceSettings

ROOT = Path(__file__).resolve().parents[1]
FACTORY = ROOT / "benchmarks" / "factories" / "wearing_press.yaml"


def half_width(values: np.ndarray) -> float:
    from scipy import stats

    if len(values) < 2:
        return float("nan")
    return float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))


def error_by_life(model, factory: Path, seed: int, settings: ChoiceSettings) -> pd.DataFrame:
    """RUL error (RMSE, bias) by true remaining life on a validation seed's histories."""
    valid = training_histories(factory, training_seed(seed) + 1, settings)
    x, y, _ = model.preprocessing.train_windows(valid.table)
    with one_thread():
        predicted = model.predict_windows(x)
        lo, hi = model.bands.interval(predicted)
    return pd.DataFrame(life_band_errors(predicted, y, lo, hi))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--factory", type=Path, default=FACTORY)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--days", type=float, default=25.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rul-model", choices=["gbm", "cnn"], default="gbm")
    parser.add_argument("--choice-days", type=float, default=10.0)
    parser.add_argument("--choice-replications", type=int, default=3)
    args = parser.parse_args()
    settings = ChoiceSettings(days=args.choice_days, replications=args.choice_replications)
    wall, cpu = time.perf_counter(), time.process_time()

    rul_config = (
        RulConfig(model="gbm", window=20, seed=args.seed)
        if args.rul_model == "gbm"
        else RulConfig(model="cnn", window=20, members=3, seed=args.seed, cnn=CnnConfig(epochs=30))
    )
    t0 = time.perf_counter()
    model, histories = train_rul_model(args.factory, args.seed, settings, rul_config)
    print(
        f"RUL model ({args.rul_model}) trained on {histories.units} run-to-failure lives "
        f"(seed {training_seed(args.seed)}) in {time.perf_counter() - t0:.0f} s wall: "
        f"{model.card['metrics']}"
    )
    print("RUL error by true remaining life (validation seed's histories, cycles):")
    print(error_by_life(model, args.factory, args.seed, settings).to_string(index=False))

    bases = {
        "none": MaintenanceSettings("none"),
        "periodic": MaintenanceSettings("periodic", interval=1.0),
        "oracle": MaintenanceSettings("health_threshold", threshold=0.5),
        "rul": MaintenanceSettings("rul", margin=0.0, model=model),
    }
    chosen = {"none": bases["none"]}
    for name in ("periodic", "oracle", "rul"):
        t0 = time.perf_counter()
        choice = choose_parameter(args.factory, bases[name], args.seed, histories, settings)
        chosen[name] = with_value(bases[name], choice.value)
        grid = ", ".join(
            f"{r.value:g}: {r.cost_per_good_unit:.2f}" for r in choice.table.itertuples()
        )
        print(
            f"{name}: {choice.parameter} = {choice.value:g} chosen on seed "
            f"{training_seed(args.seed)} in {time.perf_counter() - t0:.0f} s ({grid})"
        )

    results = {}
    for name, plan in chosen.items():
        t0 = time.perf_counter()
        kpis = policy_costs(args.factory, plan, args.seed, args.days, args.replications)
        results[name] = pd.DataFrame(kpis)
        print(f"evaluated {name}: {time.perf_counter() - t0:.0f} s wall", flush=True)
    report(results, args)
    print(
        f"total {time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU "
        f"(a shared 2-core machine: upper bounds)"
    )


def report(results: dict[str, pd.DataFrame], args: argparse.Namespace) -> None:
    print(
        f"\n{args.factory.name}: {args.replications} replications x {args.days:g} days, "
        f"evaluation seed {args.seed}"
    )
    print(f"{'policy':<10} {'cost/good unit':>20} {'good/day':>10} {'services':>9} {'downtime':>9}")
    for name, frame in results.items():
        cost = frame["cost_per_good_unit"].to_numpy(float)
        print(
            f"{name:<10} {cost.mean():>11.2f} ± {half_width(cost):<6.2f} "
            f"{frame['good_units_per_day'].mean():>10.0f} {frame['maintenance_count'].mean():>9.1f}"
            f" {frame['unplanned_down_share'].mean():>9.3f}"
        )
    rul = results["rul"]["cost_per_good_unit"].to_numpy(float)
    for name, frame in results.items():
        if name == "rul":
            continue
        diff = rul - frame["cost_per_good_unit"].to_numpy(float)
        print(f"  rul - {name:<9} paired {diff.mean():+.2f} ± {half_width(diff):.2f}")
    means = {n: f["cost_per_good_unit"].mean() for n, f in results.items()}
    none = results["none"]["cost_per_good_unit"].to_numpy(float)
    apart = rul.mean() + half_width(rul) < none.mean() - half_width(none)
    lowest = min(means, key=means.get)
    print(
        f"lowest cost per good unit: {lowest}; rul's CI apart from run-to-failure: {apart}; "
        f"rul lowest of all: {lowest == 'rul'}"
    )


if __name__ == "__main__":
    main()
