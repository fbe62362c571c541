"""``dtwin simulate``: run a factory config and print its KPIs (text or JSON)."""

from __future__ import annotations

import json
import math
from typing import Any

import click

from dtwin.config import parse_override


@click.command("simulate")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--days", type=float, default=7.0, show_default=True, help="Measured days.")
@click.option(
    "--warmup-days", type=float, default=1.0, show_default=True, help="Warm-up before measuring."
)
@click.option("--replications", type=int, default=3, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Dotted override, e.g. stations.press.machines=3 (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def simulate(
    config: str,
    days: float,
    warmup_days: float,
    replications: int,
    seed: int,
    overrides: tuple[str, ...],
    as_json: bool,
) -> None:
    """Simulate the factory CONFIG and report KPIs as means over replications."""
    from dtwin.sim.config import load_factory
    from dtwin.sim.runner import replicate

    cfg = load_factory(config, dict(parse_override(o) for o in overrides))
    reps = replicate(cfg, replications=replications, days=days, warmup_days=warmup_days, seed=seed)
    report = build_report(reps.summary, [st.name for st in cfg.stations])
    report.update(
        config=str(config),
        days=days,
        warmup_days=warmup_days,
        replications=replications,
        seed=seed,
        overrides=list(overrides),
    )
    if as_json:
        click.echo(json.dumps(report, sort_keys=False))
        return
    click.echo(f"{config}: {replications} replication(s) of {days:g} day(s), seed {seed}")
    for key, value in report["kpis"].items():
        half = report["half_width"]["kpis"][key]
        click.echo(f"  {key:<24} {_fmt(value, 12, 4)}  ± {_fmt(half, 0, 4)}")
    click.echo("  station utilization:")
    for name, values in report["stations"].items():
        half = report["half_width"]["stations"][name]["utilization"]
        click.echo(f"    {name:<22} {_fmt(values['utilization'], 8, 3)}  ± {_fmt(half, 0, 3)}")


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


def build_report(summary: Any, stations: list[str]) -> dict[str, Any]:
    """Nested dict of means and 95% half-widths from a replication summary."""
    kpis = {k: _num(summary.loc[k, "mean"]) for k in REPORT_KPIS}
    kpis_hw = {k: _num(summary.loc[k, "half_width"]) for k in REPORT_KPIS}
    st = {s: {"utilization": _num(summary.loc[f"{s}.utilization", "mean"])} for s in stations}
    st_hw = {
        s: {"utilization": _num(summary.loc[f"{s}.utilization", "half_width"])} for s in stations
    }
    return {"kpis": kpis, "stations": st, "half_width": {"kpis": kpis_hw, "stations": st_hw}}


def _num(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value
