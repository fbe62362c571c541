"""Running a factory: one run, replications with 95% confidence intervals, event-log export."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dtwin.errors import ConfigError
from dtwin.progress import progress_bar
from dtwin.sim.config import FactoryConfig, check_run, to_factory
from dtwin.sim.engine import Simulation
from dtwin.sim.kpis import compute_kpis, machine_frame, station_frame
from dtwin.sim.results import SimResult, events_frame

MINUTES_PER_DAY = 1440.0


def simulate(
    config: FactoryConfig | dict[str, Any] | str | Path,
    days: float = 1.0,
    warmup_days: float = 0.0,
    seed: int = 0,
    log_events: bool = True,
    replication: int = 0,
) -> SimResult:
    """Run the factory for ``warmup_days`` + ``days`` and measure the last ``days``."""
    check_run(days, warmup_days)
    warmup = warmup_days * MINUTES_PER_DAY
    sim = Simulation(to_factory(config), seed, warmup, log_events, replication)
    sim.run_until(warmup + days * MINUTES_PER_DAY)
    view = sim.view()
    machines = machine_frame(view)
    return SimResult(
        kpis=compute_kpis(view, machines),
        stations=station_frame(view, machines),
        machines=machines,
        events=events_frame(sim.log),
        lead_times=list(sim.lead_times),
        seed=seed,
        replication=replication,
        days=days,
        warmup_days=warmup_days,
    )


def run_record(
    config: FactoryConfig | dict[str, Any],
    days: float,
    warmup_days: float,
    seed: int,
    replication: int,
) -> dict[str, float]:
    """One replication as a flat record: KPIs plus ``<station>.utilization`` (picklable)."""
    res = simulate(config, days, warmup_days, seed, log_events=False, replication=replication)
    record: dict[str, float] = dict(res.kpis)
    for row in res.stations.itertuples():
        record[f"{row.station}.utilization"] = float(row.utilization)
        record[f"{row.station}.oee"] = float(row.oee)
    return record


@dataclass
class Replications:
    """Replications of one configuration: one row per run and the mean ± 95% half-width."""

    runs: pd.DataFrame
    summary: pd.DataFrame

    def mean(self, metric: str) -> float:
        """Mean of ``metric`` over the replications."""
        return float(self.summary.loc[metric, "mean"])

    def half_width(self, metric: str) -> float:
        """Half-width of the 95% confidence interval of ``metric``."""
        return float(self.summary.loc[metric, "half_width"])


def replicate(
    config: FactoryConfig | dict[str, Any] | str | Path,
    replications: int = 5,
    days: float = 1.0,
    warmup_days: float = 0.0,
    seed: int = 0,
) -> Replications:
    """Run independent replications serially and summarise them with 95% CIs."""
    check_run(days, warmup_days, replications)
    cfg = to_factory(config)
    rows = [run_record(cfg, days, warmup_days, seed, r) for r in _progress(replications)]
    runs = pd.DataFrame(rows)
    runs.insert(0, "replication", range(replications))
    return Replications(runs, summarize(runs.drop(columns="replication")))


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean, std, 95% half-width (Student t) and bounds per numeric column."""
    from scipy import stats

    n = len(runs)
    mean = runs.mean(numeric_only=True)
    std = runs.std(numeric_only=True, ddof=1) if n > 1 else mean * 0.0
    t = float(stats.t.ppf(0.975, n - 1)) if n > 1 else math.nan
    half = std * t / math.sqrt(n) if n > 1 else mean * math.nan
    out = pd.DataFrame({"mean": mean, "std": std, "half_width": half, "n": n})
    out["low"] = out["mean"] - out["half_width"]
    out["high"] = out["mean"] + out["half_width"]
    out.index.name = "metric"
    return out


def write_events(events: pd.DataFrame, db_path: str | Path, table: str = "sim_events") -> int:
    """Write an event log into a DuckDB table (replacing it); returns the row count."""
    import duckdb

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise ConfigError(f"table: {table!r} is not a valid identifier (letters, digits, _)")
    with duckdb.connect(str(db_path)) as con:
        con.register("events_df", events)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM events_df")
        con.unregister("events_df")
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _progress(n: int) -> Any:
    return progress_bar(range(n), desc="replications", quiet_up_to=3, leave=False)
