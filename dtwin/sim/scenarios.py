"""What-if scenarios: dotted overrides x replications, on any back-end of ``dtwin.backends``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dtwin.backends import BACKENDS, map_tasks
from dtwin.errors import ConfigError
from dtwin.sim.config import FactoryConfig, check_run, to_factory, with_overrides
from dtwin.sim.runner import run_record, summarize


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
    scenarios are sharper than the run-to-run noise. ``backend`` names a back-end of
    :mod:`dtwin.backends` (``serial``, ``processes``, ``dask`` or one registered there);
    ``"dask"`` starts a ``LocalCluster`` of ``workers`` processes unless ``scheduler`` gives
    an address.
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
    records = map_tasks(_task, tasks, backend, workers, scheduler, desc="scenarios")
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


def active_shares(stations: pd.DataFrame) -> pd.Series:
    """Share of time each station's machines are active (running, down or in maintenance).

    Highest first (ties in station order); the first entry is the :func:`bottleneck`.
    """
    active = stations["running"] + stations["down"] + stations["maintenance"]
    shares = pd.Series(active.to_numpy(), index=stations["station"].to_numpy(), name="active")
    shares.index.name = "station"
    return shares.sort_values(ascending=False, kind="stable")


def bottleneck(stations: pd.DataFrame) -> str:
    """The station whose machines are active (running, down or in maintenance) the most."""
    return str(active_shares(stations).index[0])


BASE = "base"  # name of the scenario without overrides


def one_more_machine(config: FactoryConfig, at: str) -> tuple[str, dict[str, Any]]:
    """The what-if "+1 machine at ``at``": its name and its override."""
    return f"+1 machine at {at}", {f"stations.{at}.machines": config.station(at).machines + 1}


def default_scenarios(config: FactoryConfig, at: str) -> dict[str, dict[str, Any]]:
    """Base case, one more machine at station ``at``, and health-based maintenance there."""
    st = config.station(at)
    duration = st.failure.repair.model_dump() if st.failure else {"dist": "fixed", "value": 30}
    name, more = one_more_machine(config, at)
    return {
        BASE: {},
        name: more,
        f"health maintenance at {at}": {
            f"stations.{at}.maintenance": {
                "policy": "health_threshold",
                "threshold": 0.8,
                "duration": duration,
            }
        },
    }


def machine_scenarios(config: FactoryConfig) -> dict[str, dict[str, Any]]:
    """Base case and "+1 machine at <station>" for every station, in station order."""
    return {BASE: {}, **dict(one_more_machine(config, st.name) for st in config.stations)}


def parse_overrides(text: str) -> dict[str, Any]:
    """``"a.b=1; c=x"`` as dotted overrides (``;``-separated ``PATH=VALUE``, YAML values)."""
    from dtwin.config import parse_override

    return dict(parse_override(part) for part in filter(None, (p.strip() for p in text.split(";"))))


def scenario_factory(
    config: FactoryConfig, scenario: str = BASE, overrides: str | dict[str, Any] = ""
) -> FactoryConfig:
    """``config`` with the what-if ``scenario`` of :func:`machine_scenarios` and ``overrides``.

    ``overrides`` is a mapping of dotted paths or text as ``"a.b=1; c=x"``; it applies after
    the scenario's own override.
    """
    choices = machine_scenarios(config)
    if scenario not in choices:
        raise ConfigError(
            f"scenario: {scenario!r} is not a what-if of {config.name!r}; "
            f"choices: {', '.join(choices)}"
        )
    extra = parse_overrides(overrides) if isinstance(overrides, str) else dict(overrides)
    return with_overrides(config, {**choices[scenario], **extra})


def _task(task: tuple[str, dict[str, Any], float, float, int, int]) -> dict[str, Any]:
    name, cfg, days, warmup_days, seed, rep = task
    record = run_record(FactoryConfig.model_validate(cfg), days, warmup_days, seed, rep)
    return {"scenario": name, "replication": rep, **record}
