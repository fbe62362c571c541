"""``dtwin twin``: run the twin's loop on a factory (``run``), rebuild a state (``replay``) and
calibrate a factory from a plant's MES event log (``calibrate``).

Bad input gets the same one ``error:`` line as ``dtwin simulate`` (exit 2). The JSON never
holds NaN or infinity: a figure without a value is ``null``.
"""

from __future__ import annotations

import json
from typing import Any

import click

from dtwin.cli_params import FiniteFloat
from dtwin.config import parse_override
from dtwin.errors import DataError, DtwinError
from dtwin.sim.cli import run_options
from dtwin.sim.config import MAX_REPLICATIONS

BACKENDS = ("serial", "processes", "dask")


@click.group("twin")
def twin() -> None:
    """The digital twin: the closed loop camera -> health -> maintenance -> plan."""


@twin.command("run")
@click.argument("config", type=click.Path(dir_okay=False))
@run_options(days=20.0)
@click.option(
    "--loop",
    "mode",
    type=click.Choice(["open", "closed", "oracle"]),
    default="closed",
    show_default=True,
    help="open: no feedback; closed: the agents act on the twin's estimates; "
    "oracle: maintenance on the simulator's true health (upper bound).",
)
@click.option(
    "--model",
    type=click.Path(),
    default=None,
    help="Defect model (model.onnx or its folder); default models/defects.",
)
@click.option(
    "--events-db",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write every replication's event log to this new DuckDB file.",
)
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default="serial",
    show_default=True,
    help="Where replications run.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes for --backend processes or dask.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="An existing Dask scheduler (with --backend dask).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def run(
    config: str,
    days: float,
    warmup_days: float,
    replications: int,
    seed: int,
    mode: str,
    model: str | None,
    events_db: str | None,
    overrides: tuple[str, ...],
    backend: str,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """Run the twin's LOOP on the factory CONFIG and report KPIs with 95% CIs."""
    from dtwin.paths import DEFECT_MODEL_DIR
    from dtwin.sim.analysis import load_warning
    from dtwin.sim.config import load_factory
    from dtwin.twin.runner import run_twin

    cfg = load_factory(config, dict(parse_override(o) for o in overrides))
    warning = load_warning(cfg)
    if warning is not None:
        click.echo(f"warning: {warning}", err=True)
    inspecting = any(st.kind == "inspection" for st in cfg.stations)
    if model is None and mode == "closed" and inspecting:
        model = str(DEFECT_MODEL_DIR)
    try:
        report = run_twin(
            cfg,
            days,
            warmup_days,
            replications,
            seed,
            mode,
            model,
            events_db,
            backend=backend,
            workers=workers,
            scheduler=scheduler,
        )
    except DtwinError as exc:
        raise type(exc)(f"{config}: {exc}") from exc
    report.update(
        config=str(config),
        model=model if mode == "closed" else None,
        overrides=list(overrides),
        events_db=events_db,
    )
    if warning:
        report["warnings"] = [warning, *report["warnings"]]
    for line in report["warnings"]:
        if line != warning:
            click.echo(f"warning: {line}", err=True)
    if as_json:
        click.echo(json.dumps(report, allow_nan=False))
        return
    _print_report(report)


def _fmt(value: Any, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


def _print_report(report: dict[str, Any]) -> None:
    click.echo(
        f"{report['config']}: loop {report['mode']}, {report['replications']} "
        f"replication(s) of {report['days']:g} day(s), seed {report['seed']}"
    )
    kpis = report["kpis"]
    for name in [k for k in kpis if not k.endswith("_ci95")]:
        click.echo(f"  {name:<24} {_fmt(kpis[name]):>10}  ± {_fmt(kpis[name + '_ci95'])}")
    loop = report["loop"]
    click.echo(
        f"  images classified {loop['images_classified']}, detection accuracy "
        f"{_fmt(loop['detection_accuracy'], 3)}, alerts {loop['alerts']}, "
        f"dead letters {loop['dead_letters']}"
    )
    if report["events_db"]:
        click.echo(f"  event log: {report['events_db']}")


@twin.command("replay")
@click.argument("events_db", type=click.Path(dir_okay=False))
@click.option(
    "--replication", type=click.IntRange(0, MAX_REPLICATIONS), default=0, show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay(events_db: str, replication: int, as_json: bool) -> None:
    """Rebuild the final state of one replication from the event log EVENTS_DB alone."""
    from dtwin.twin.log import replay as replay_log
    from dtwin.twin.loop import twin_summary

    try:
        state = twin_summary(replay_log(events_db, replication))
    except DataError as exc:
        if events_db in str(exc):
            raise
        raise DataError(f"{events_db}: {exc}") from exc
    if as_json:
        click.echo(json.dumps({"final_state": state}, allow_nan=False))
        return
    click.echo(
        f"{events_db}: replication {replication}, {state['events']} events, t={state['time']:g} min"
    )
    for m in state["machines"]:
        h = m["health"]
        health = "—" if h["mean"] is None else f"{h['mean']:.2f} ± {h['std']:.2f}"
        click.echo(f"  {m['id']:<16} {m['status']:<12} health {health}")


@twin.command("calibrate")
@click.argument("log", type=click.Path(dir_okay=False))
@click.option(
    "--factory",
    "skeleton",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="SKELETON.yaml",
    help="A factory whose stations, machines and routings are kept; the rest is fitted.",
)
@click.option(
    "--until",
    type=FiniteFloat(min=0),
    default=None,
    metavar="T",
    help="Use the events with time_min <= T only (minutes).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    required=True,
    metavar="CALIBRATED.yaml",
    help="Where to write the calibrated factory (runs with dtwin simulate).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def calibrate(log: str, skeleton: str | None, until: float | None, out: str, as_json: bool) -> None:
    """Discover the plant in the MES event LOG and write a calibrated factory to --out."""
    from pathlib import Path

    from dtwin.sim.config import load_factory
    from dtwin.twin.calibration import calibrate as calibrate_log
    from dtwin.twin.calibration import write_factory

    if not Path(out).parent.is_dir():
        raise DataError(f"--out: folder {str(Path(out).parent)!r} does not exist (for {out})")
    base = load_factory(skeleton) if skeleton is not None else None
    result = calibrate_log(log, until, base, source=log, skeleton_source=skeleton)
    write_factory(result.factory, out)
    report = {**result.report, "out": out}
    if as_json:
        click.echo(json.dumps(report, allow_nan=False))
        return
    _print_calibration(report)


def _print_calibration(report: dict[str, Any]) -> None:
    until = "" if report["until"] is None else f" up to t={report['until']:g} min"
    click.echo(f"{report['log']}: {report['events']} events, {report['parts']} parts{until}")
    for name, st in report["stations"].items():
        pt = st["process_time"] or {}
        ci = pt.get("ci95") or [None, None]
        line = (
            f"  {name:<16} {st['machines']} machine(s), {st['kind']:<10} process time "
            f"mean {_fmt(pt.get('mean'))} min (95% CI {_fmt(ci[0])}-{_fmt(ci[1])}), "
            f"{pt.get('chosen', '—')}"
        )
        fail = st.get("failure")
        if fail:
            line += (
                f", MTBF {_fmt(fail['mtbf_min'])} min of operation, MTTR "
                f"{_fmt(fail.get('mttr_min'))} min"
            )
        if st["scrap"]["scrapped"]:
            line += f", scrap {st['scrap']['rate']:.1%} of parts finished there"
        click.echo(line)
    for name, prod in report["products"].items():
        routing = " -> ".join(prod["routing"] or [])
        share = prod.get("routing_share")
        shown = "—" if share is None else f"{share:.1%}"
        click.echo(
            f"  product {name}: {routing} ({shown} of its parts took it), "
            f"arrival mean {_fmt(prod.get('arrival_mean_min'))} min"
        )
    for line in report["warnings"]:
        click.echo(f"warning: {line}", err=True)
    click.echo(f"  calibrated factory: {report['out']}")
