"""``dtwin simulate``: run a factory config and print its KPIs (text or JSON).

Every numeric option is range-checked by click (``dtwin.cli_params``); an unstable factory
(load > 1 at a station) runs, with a ``warning:`` line on stderr and in ``warnings`` of the
JSON report. The JSON never holds NaN or infinity (a figure without a value is ``null``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import click

from dtwin.cli_params import FiniteFloat, seed_option
from dtwin.config import parse_override
from dtwin.errors import SimulationError
from dtwin.sim.config import MAX_DAYS, MAX_REPLICATIONS


def run_options(days: float = 7.0) -> Callable[[Any], Any]:
    """``--days``, ``--warmup-days``, ``--replications``, ``--seed`` and ``--set``: how a factory
    run is asked for (``dtwin simulate`` and ``dtwin twin run`` share them)."""
    options = [
        click.option(
            "--days",
            type=FiniteFloat(min=0, min_open=True, max=MAX_DAYS),
            default=days,
            show_default=True,
            help="Measured days.",
        ),
        click.option(
            "--warmup-days",
            type=FiniteFloat(min=0, max=MAX_DAYS),
            default=1.0,
            show_default=True,
            help="Warm-up before measuring.",
        ),
        click.option(
            "--replications",
            type=click.IntRange(1, MAX_REPLICATIONS),
            default=3,
            show_default=True,
        ),
        seed_option(),
        click.option(
            "--set",
            "overrides",
            multiple=True,
            metavar="PATH=VALUE",
            help="Dotted override, e.g. stations.press.machines=3 (repeatable).",
        ),
    ]

    def decorate(fn: Any) -> Any:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


@click.command("simulate")
@click.argument("config", type=click.Path(dir_okay=False))
@run_options()
@click.option(
    "--events-out",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE.csv|FILE.parquet",
    help="Write the MES event log of replication 0 (the whole run, warm-up included).",
)
@click.option(
    "--sensors-out",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE.csv|FILE.parquet",
    help="Write replication 0's run-to-failure sensor histories (lives that ended in a "
    "failure) as a long table: unit, cycle, one column per sensor.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object. kpis holds availability, performance, quality, oee and the "
    "OEE losses (loss_down, loss_setup_maintenance, loss_blocked, loss_starved, loss_speed, "
    "loss_scrap) as fractions of planned time (losses plus oee add up to 1); stations holds "
    "utilization and oee per station.",
)
def simulate(
    config: str,
    days: float,
    warmup_days: float,
    replications: int,
    seed: int,
    overrides: tuple[str, ...],
    events_out: str | None,
    as_json: bool,
    sensors_out: str | None = None,
) -> None:
    """Simulate the factory CONFIG and report KPIs as means over replications."""
    from dtwin.sim.analysis import load_warning, unstable_stations
    from dtwin.sim.config import load_factory
    from dtwin.sim.meslog import check_mes_path
    from dtwin.sim.runner import replicate

    if events_out is not None:
        check_mes_path(events_out, "--events-out")
    cfg = load_factory(config, dict(parse_override(o) for o in overrides))
    if sensors_out is not None:
        from dtwin.sim.histories import check_table_path, common_channels, sensor_stations

        check_table_path(sensors_out, "--sensors-out")
        common_channels(cfg, sensor_stations(cfg), str(config))
    warning = load_warning(cfg)
    if warning is not None:
        click.echo(f"warning: {warning}", err=True)
    try:
        reps = replicate(
            cfg, replications=replications, days=days, warmup_days=warmup_days, seed=seed
        )
        written = _write_events(cfg, events_out, days, warmup_days, seed)
        lives = _write_sensors(cfg, sensors_out, days, warmup_days, seed)
    except SimulationError as exc:
        raise SimulationError(f"{config}: {exc}") from exc
    report = build_report(reps.summary, [st.name for st in cfg.stations])
    report.update(
        config=str(config),
        days=days,
        warmup_days=warmup_days,
        replications=replications,
        seed=seed,
        overrides=list(overrides),
        warnings=[warning] if warning else [],
        unstable_stations=unstable_stations(cfg),
        events_out=events_out,
        events_written=written,
        sensors_out=sensors_out,
        sensor_lives_written=lives,
    )
    if as_json:
        click.echo(json.dumps(report, sort_keys=False, allow_nan=False))
        return
    click.echo(f"{config}: {replications} replication(s) of {days:g} day(s), seed {seed}")
    for key, value in report["kpis"].items():
        half = report["half_width"]["kpis"][key]
        click.echo(f"  {key:<24} {_fmt(value, 12, 4)}  ± {_fmt(half, 0, 4)}")
    click.echo("  station utilization:")
    for name, values in report["stations"].items():
        half = report["half_width"]["stations"][name]["utilization"]
        click.echo(f"    {name:<22} {_fmt(values['utilization'], 8, 3)}  ± {_fmt(half, 0, 3)}")
    if events_out is not None:
        click.echo(f"  MES event log of replication 0: {events_out} ({written} events)")
    if sensors_out is not None:
        click.echo(f"  run-to-failure sensor histories: {sensors_out} ({lives} lives)")


def _write_events(
    cfg: Any, path: str | None, days: float, warmup_days: float, seed: int
) -> int | None:
    """Write replication 0's MES event log to ``path`` (None: nothing); its row count."""
    if path is None:
        return None
    from dtwin.sim.meslog import mes_log, write_mes_log

    return write_mes_log(mes_log(cfg, days, warmup_days, seed, replication=0), path)


def _write_sensors(
    cfg: Any, path: str | None, days: float, warmup_days: float, seed: int
) -> int | None:
    """Write replication 0's failure-ended sensor lives to ``path``; how many (None: none)."""
    if path is None:
        return None
    from dtwin.sim.engine import Simulation
    from dtwin.sim.histories import (
        LifeRecorder,
        common_channels,
        recorded_histories,
        sensor_stations,
        write_histories,
    )

    stations = sensor_stations(cfg)
    sim = Simulation(cfg, seed, log_events=False, replication=0)
    rec = LifeRecorder(0, set(stations))
    sim.subscribe_sensors(rec.on_reading, rec.on_life_end)
    sim.run_until((warmup_days + days) * 1440.0)
    histories = recorded_histories([rec], common_channels(cfg, stations, "config"))
    write_histories(histories, path)
    return histories.units


def _fmt(value: float | None, width: int, digits: int) -> str:
    return f"{value:{width}.{digits}f}" if value is not None else f"{'n/a':>{width}}"


REPORT_KPIS = (
    "throughput_per_hour",
    "good_per_hour",
    "wip_mean",
    "lead_time_mean_min",
    "lead_time_p95_min",
    "utilization",
    "availability",
    "performance",
    "quality",
    "oee",
    "scrap_rate",
    "energy_kwh",
    "energy_kwh_per_part",
)

#: per-station figures in the JSON report (what a replication records per station)
STATION_KPIS = ("utilization", "oee")


def build_report(summary: Any, stations: list[str]) -> dict[str, Any]:
    """Nested dict of means and 95% half-widths from a replication summary."""
    from dtwin.sim.kpis import LOSS_COLUMNS  # lazy: keeps pandas out of CLI start-up

    names = REPORT_KPIS + LOSS_COLUMNS
    kpis = {k: _num(summary.loc[k, "mean"]) for k in names}
    kpis_hw = {k: _num(summary.loc[k, "half_width"]) for k in names}
    st = {s: _station(summary, s, "mean") for s in stations}
    st_hw = {s: _station(summary, s, "half_width") for s in stations}
    return {"kpis": kpis, "stations": st, "half_width": {"kpis": kpis_hw, "stations": st_hw}}


def _station(summary: Any, station: str, column: str) -> dict[str, float | None]:
    """One station's figures (``STATION_KPIS`` present in the summary) from ``column``."""
    keys = [k for k in STATION_KPIS if f"{station}.{k}" in summary.index]
    return {k: _num(summary.loc[f"{station}.{k}", column]) for k in keys}


def _num(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
