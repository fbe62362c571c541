"""What-if scenarios: dotted overrides x replications, run serially, in processes or on Dask."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from dtwin.errors import ConfigError
from dtwin.sim.config import FactoryConfig, check_run, to_factory, with_overrides
from dtwin.sim.runner import run_record, summarize

BACKENDS = ("serial", "processes", "dask")


def run_scenarios(
    config: FactoryConfig | dict[str, Any] | str | Path,
    overrides: dict[str, dict[str, Any]],
    replications: int = 3,
    days: float = 1.0,
    seed: int = 0,
    backend: str = "serial",
    scheduler: str | None = None,
    warmup_days: float = 0.0,
    workers: int = 2,
) -> pd.DataFrame:
    """Run every scenario ``replications`` times; one tidy row per (scenario, replication).

    ``overrides`` maps a scenario name to its dotted overrides, e.g.
    ``{"base": {}, "2 welders": {"stations.weld_a.machines": 2}}``. Replication ``r`` of every
    scenario uses the same random streams (common random numbers), so differences between
    scenarios are sharper than the run-to-run noise. ``backend="dask"`` starts a
    ``LocalCluster`` of ``workers`` processes unless ``scheduler`` gives an address.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"backend: {backend!r} is not valid; choices: {', '.join(BACKENDS)}")
    check_run(days, warmup_days, replications)
    if not isinstance(workers, int) or not 1 <= workers <= 256:
        raise ConfigError(f"workers: {workers!r} is not valid; valid: an integer in 1..256")
    if not overrides:
        raise ConfigError("overrides: give at least one scenario, e.g. {'base': {}}")
    base = to_factory(config)
    configs = {}
    for name, ov in overrides.items():
        try:
            configs[name] = with_overrides(base, ov or {}).model_dump(mode="json")
        except ConfigError as exc:
            raise ConfigError(f"scenario {name!r}: {exc}") from exc
    tasks = [
        (name, cfg, days, warmup_days, seed, r)
        for name, cfg in configs.items()
        for r in range(replications)
    ]
    if backend == "serial":
        records = [_task(t) for t in _progress(tasks)]
    elif backend == "processes":
        with ProcessPoolExecutor(max_workers=workers) as pool:
            records = list(pool.map(_task, tasks))
    else:
        records = _run_dask(tasks, scheduler, workers)
    return pd.DataFrame(records)


def summarize_scenarios(runs: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """Mean and 95% half-width per scenario and metric (long format)."""
    metrics = metrics or [c for c in runs.columns if c not in ("scenario", "replication")]
    parts = []
    for name, group in runs.groupby("scenario", sort=False):
        summary = summarize(group[metrics]).reset_index()
        summary.insert(0, "scenario", name)
        parts.append(summary)
    return pd.concat(parts, ignore_index=True)


def bottleneck(stations: pd.DataFrame) -> str:
    """The station whose machines are active (running, down or in maintenance) the most."""
    active = stations["running"] + stations["down"] + stations["maintenance"]
    return str(stations.loc[active.idxmax(), "station"])


def default_scenarios(config: FactoryConfig, at: str) -> dict[str, dict[str, Any]]:
    """Base case, one more machine at station ``at``, and health-based maintenance there."""
    st = config.station(at)
    duration = st.failure.repair.model_dump() if st.failure else {"dist": "fixed", "value": 30}
    return {
        "base": {},
        f"+1 machine at {at}": {f"stations.{at}.machines": st.machines + 1},
        f"health maintenance at {at}": {
            f"stations.{at}.maintenance": {
                "policy": "health_threshold",
                "threshold": 0.8,
                "duration": duration,
            }
        },
    }


def _task(task: tuple[str, dict[str, Any], float, float, int, int]) -> dict[str, Any]:
    name, cfg, days, warmup_days, seed, rep = task
    record = run_record(FactoryConfig.model_validate(cfg), days, warmup_days, seed, rep)
    return {"scenario": name, "replication": rep, **record}


def _run_dask(tasks: list[Any], scheduler: str | None, workers: int) -> list[dict[str, Any]]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            return client.gather(client.map(_task, tasks, pure=False))
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        return client.gather(client.map(_task, tasks, pure=False))


def _progress(items: list[Any]) -> Any:
    if len(items) <= 3:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc="scenarios", leave=False)
