"""``dtwin twin``: run the twin's loop on a factory (``run``), rebuild a state (``replay``),
calibrate a factory from a plant's MES event log (``calibrate``), forecast from the state
synchronised with that log (``forecast``) and validate the twin on a held-out window of it
(``validate``, exit 1 when it fails).

Bad input gets the same one ``error:`` line as ``dtwin simulate`` (exit 2). The JSON never
holds NaN or infinity: a figure without a value is ``null``.
"""

from __future__ import annotations

import json
from typing import Any

import click

from dtwin.cli_params import FiniteFloat, seed_option
from dtwin.config import parse_override
from dtwin.errors import DataError, DtwinError
from dtwin.sim.cli import run_options
from dtwin.sim.config import MAX_REPLICATIONS

MAX_HOURS = 24.0 * 366  # the longest forecast (dtwin.twin.forecast.MAX_HOURS)

BACKENDS = ("serial", "processes", "dask")


@click.group("twin")
def twin() -> None:
    """The digital twin: the closed loop camera -> health -> maintenance -> plan, and a twin
    of a plant from its MES event log.

    \b
    dtwin twin calibrate LOG --until T --out CALIBRATED.yaml      fit a factory to the log
    dtwin twin forecast CALIBRATED.yaml --log LOG --at T --hours H --replications R --json
    dtwin twin validate CALIBRATED.yaml --log LOG --from T0 --to T1 --json   (exit 1: fail)
    dtwin twin log-from-warehouse DB --out LOG.csv        the warehouse's lots as an MES log
    """


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
    "--maintenance-policy",
    type=click.Choice(["none", "periodic", "health_threshold", "rul"]),
    default=None,
    help="One policy for every station that wears or breaks (default: the factory's own); "
    "a parameter not given is chosen on runs with another seed (lowest cost per good unit).",
)
@click.option(
    "--maintenance-interval",
    type=FiniteFloat(min=0, min_open=True),
    default=None,
    metavar="MIN",
    help="periodic: minutes between services.",
)
@click.option(
    "--maintenance-threshold",
    type=FiniteFloat(min=0),
    default=None,
    metavar="X",
    help="health_threshold: the health in (0, 1); rul: the margin in sensor cycles.",
)
@click.option(
    "--rul-model",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="rul: a model folder of `dtwin health rul train` (default: trained on run-to-failure "
    "histories of this factory with another seed).",
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
    maintenance_policy: str | None = None,
    maintenance_interval: float | None = None,
    maintenance_threshold: float | None = None,
    rul_model: str | None = None,
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
        plan, chosen = _maintenance_plan(
            cfg, maintenance_policy, seed, maintenance_interval, maintenance_threshold, rul_model
        )
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
            maintenance=plan,
        )
    except DtwinError as exc:
        raise type(exc)(f"{config}: {exc}") from exc
    report["maintenance"] = {**plan.describe(), **chosen} if plan is not None else None
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


def _maintenance_plan(
    cfg: Any,
    policy: str | None,
    seed: int,
    interval: float | None,
    threshold: float | None,
    rul_model: str | None,
) -> tuple[Any, dict[str, Any]]:
    """The factory-wide maintenance settings asked for (None: the factory's own policies)."""
    if policy is None:
        if interval is not None or threshold is not None or rul_model is not None:
            raise DataError(
                "--maintenance-interval, --maintenance-threshold and --rul-model need "
                "--maintenance-policy"
            )
        return None, {}
    if policy == "health_threshold" and threshold is not None and not 0 < threshold < 1:
        raise DataError(f"--maintenance-threshold {threshold:g}: a health in (0, 1)")
    from dtwin.twin.policy_choice import settle

    return settle(
        cfg,
        policy,
        seed,
        interval=interval,
        threshold=threshold if policy == "health_threshold" else None,
        margin=threshold if policy == "rul" else None,
        model=rul_model,
    )


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


# -- forecasts and validation from the synchronised state ---------------------------------

LOG_OPTION = click.option(
    "--log",
    type=click.Path(dir_okay=False),
    required=True,
    metavar="LOG",
    help="The plant's MES event log (.csv or .parquet; data/README.md).",
)


def _factory_and_log(config: str, log: str) -> tuple[Any, Any]:
    from dtwin.sim.config import load_factory
    from dtwin.twin.meslog import read_mes_log

    return load_factory(config), read_mes_log(log)


def _named(exc: DtwinError, config: str, log: str) -> DtwinError:
    """``exc`` with the files it is about in front (unless it names an option or a file)."""
    text = str(exc)
    if text.startswith("--") or config in text or log in text:
        return exc
    return type(exc)(f"{log} with {config}: {text}")


@twin.command("forecast")
@click.argument("config", type=click.Path(dir_okay=False), metavar="FACTORY.yaml")
@LOG_OPTION
@click.option(
    "--at",
    type=FiniteFloat(min=0),
    required=True,
    metavar="T",
    help="Sync with the log's events up to T (minutes) and forecast from there.",
)
@click.option(
    "--hours",
    type=FiniteFloat(min=0, min_open=True, max=MAX_HOURS),
    default=24.0,
    show_default=True,
    help="Forecast horizon in hours.",
)
@click.option(
    "--replications",
    type=click.IntRange(1, MAX_REPLICATIONS),
    default=20,
    show_default=True,
)
@seed_option()
@click.option(
    "--target-output",
    type=FiniteFloat(min=0),
    default=None,
    metavar="N",
    help="Alert when fewer than N good parts are forecast in the horizon.",
)
@click.option(
    "--due",
    "due_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="DUE.csv",
    help="Due times (columns part, due_min: minutes of the log); alert on parts at risk.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def forecast(
    config: str,
    log: str,
    at: float,
    hours: float,
    replications: int,
    seed: int,
    target_output: float | None,
    due_file: str | None,
    as_json: bool,
) -> None:
    """Forecast the output of the next --hours and the exit time of every part in the plant.

    The twin replays the MES event --log up to --at (which machines are down, which part
    sits where with how much work done, what is left of its route) and runs the factory
    FACTORY.yaml (e.g. the one `dtwin twin calibrate` wrote) from that state --replications
    times. JSON: `throughput` {mean, lo, hi} (good parts leaving in (T, T + hours], a 90%
    prediction interval over replications) and `open_parts` [{part, exit_time_min,
    exit_time_lo, exit_time_hi, naive_exit_time_min, ...}]; times are minutes of the log.
    `alerts` lists what --target-output and --due raise (output below target, parts late
    or at risk), graded by the prediction intervals.
    """
    from dtwin.twin.agents.forecast_alerts import forecast_alerts
    from dtwin.twin.forecast import forecast_from_log

    rules = _forecast_rules(target_output, due_file)
    cfg, frame = _factory_and_log(config, log)
    try:
        report = forecast_from_log(cfg, frame, at, hours, replications, seed)
    except DtwinError as exc:
        raise _named(exc, config, log) from exc
    alerts = [a.to_payload() for a in forecast_alerts(report, rules)]
    report = {"factory": config, "log": log, **report, "alerts": alerts}
    if as_json:
        click.echo(json.dumps(report, allow_nan=False))
        return
    _print_forecast(report)


def _forecast_rules(target_output: float | None, due_file: str | None) -> list[Any]:
    from dtwin.twin.agents.forecast_alerts import DueDateAtRisk, OutputBelowTarget

    rules: list[Any] = []
    if target_output is not None:
        rules.append(OutputBelowTarget(target_output))
    if due_file is not None:
        rules.append(DueDateAtRisk(_due_times(due_file)))
    return rules


def _due_times(path: str) -> dict[str, float]:
    """``part -> due_min`` from a CSV with columns ``part`` and ``due_min``."""
    import numpy as np
    import pandas as pd

    try:
        table = pd.read_csv(path, dtype={"part": str})
    except FileNotFoundError as exc:
        raise DataError(f"--due: {path}: no such file") from exc
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"--due: {path}: not a CSV table ({exc})") from exc
    missing = [c for c in ("part", "due_min") if c not in table.columns]
    if missing:
        raise DataError(f"--due: {path}: missing column(s) {', '.join(missing)}")
    due = pd.to_numeric(table["due_min"], errors="coerce")
    bad = table.index[~np.isfinite(due.to_numpy(dtype=float)) | (due < 0)].tolist()
    if bad:
        row = bad[0]
        raise DataError(
            f"--due: {path}: row {row + 2}: due_min {table['due_min'][row]!r} is not a time "
            "in minutes >= 0"
        )
    return dict(zip(table["part"].astype(str), due.astype(float), strict=True))


def _print_forecast(report: dict[str, Any]) -> None:
    state = report["state"]
    down = ", ".join(state["machines_down"]) or "none"
    click.echo(
        f"{report['log']}: at t={report['at']:g} min, {state['open_parts']} part(s) in the "
        f"plant, machines down: {down}; {report['replications']} replication(s), seed "
        f"{report['seed']}"
    )
    th = report["throughput"]
    click.echo(
        f"  good parts out in the next {report['hours']:g} h: {_fmt(th['mean'])} "
        f"(90% interval {_fmt(th['lo'])}-{_fmt(th['hi'])})"
    )
    click.echo(f"  {'part':<12} {'product':<12} {'at':<12} exit (min)   90% interval       naive")
    for p in report["open_parts"]:
        where = p["machine"] or f"{p['station']} queue"
        click.echo(
            f"  {p['part']:<12} {p['product']:<12} {where:<12} {_fmt(p['exit_time_min'], 7):>10}"
            f"   {_fmt(p['exit_time_lo'], 7)}-{_fmt(p['exit_time_hi'], 7):<10}"
            f" {_fmt(p['naive_exit_time_min'], 7):>10}"
        )
    for alert in report["alerts"]:
        click.echo(f"alert ({alert['severity']}): {alert['message']}")


@twin.command("validate")
@click.argument("config", type=click.Path(dir_okay=False), metavar="FACTORY.yaml")
@LOG_OPTION
@click.option("--from", "t0", type=FiniteFloat(min=0), required=True, metavar="T0",
              help="Sync at T0 (minutes).")  # fmt: skip
@click.option("--to", "t1", type=FiniteFloat(min=0), required=True, metavar="T1",
              help="Compare over (T0, T1] (minutes).")  # fmt: skip
@click.option(
    "--replications",
    type=click.IntRange(1, MAX_REPLICATIONS),
    default=10,
    show_default=True,
)
@seed_option()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def validate(
    ctx: click.Context,
    config: str,
    log: str,
    t0: float,
    t1: float,
    replications: int,
    seed: int,
    as_json: bool,
) -> None:
    """Run the twin over the held-out window (T0, T1] of the --log and compare it with the log.

    Throughput, mean lead time, utilisation per station and each station's event sequence
    (times between starts, a KS test), with the twin's 90% interval, the relative error, the
    threshold and a verdict. Exit code 1 when the verdict fails.
    """
    from dtwin.twin.validate import validate_twin

    cfg, frame = _factory_and_log(config, log)
    try:
        report = validate_twin(cfg, frame, t0, t1, replications, seed)
    except DtwinError as exc:
        raise _named(exc, config, log) from exc
    report = {"factory": config, "log": log, **report}
    if as_json:
        click.echo(json.dumps(report, allow_nan=False))
    else:
        _print_validation(report)
    if not report["passed"]:
        ctx.exit(1)


def _print_validation(report: dict[str, Any]) -> None:
    click.echo(
        f"{report['log']}: twin {report['factory']} over ({report['from']:g}, "
        f"{report['to']:g}] min, {report['replications']} replication(s)"
    )
    for m in report["metrics"]:
        name = m["metric"] + (f" {m['station']}" if m["station"] else "")
        verdict = {"fail": "FAIL", "no data": "—"}.get(m["status"], m["status"])
        if m["metric"] == "sequence":
            click.echo(
                f"  {name:<22} KS distance {_fmt(m['statistic'], 3)} "
                f"(<= {_fmt(m['threshold'], 3)}, the twin runs' own + z std)  {verdict}"
            )
            continue
        q = m["twin"]
        rel = "—" if m["rel_error"] is None else f"{m['rel_error']:+.1%}"
        click.echo(
            f"  {name:<22} log {_fmt(m['log'])}, twin {_fmt(q['mean'])} "
            f"({_fmt(q['lo'])}-{_fmt(q['hi'])}), error {rel} (<= {m['threshold']:.0%})  {verdict}"
        )
    click.echo(f"  verdict: {report['verdict']}")


# -- the warehouse as an event log ------------------------------------------------------------


@twin.command("log-from-warehouse")
@click.argument("db", type=click.Path(dir_okay=False), metavar="DB")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    required=True,
    metavar="FILE",
    help="Where to write the MES event log (.csv or .parquet).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def log_from_warehouse_command(db: str, out: str, as_json: bool) -> None:
    """Write the warehouse DB's silver tables as an MES event log (lots, breakdowns, services).

    Each production batch is one lot (part = batch id) at its machine; breakdowns, repairs
    and services come from the operator logs. Times are minutes since midnight UTC of the
    warehouse's first day (`origin_utc`). See dtwin/twin/warehouselog.py for the mapping.
    """
    from dtwin.sim import write_mes_log
    from dtwin.sim.meslog import check_mes_path
    from dtwin.twin.warehouselog import log_from_warehouse

    check_mes_path(out, "--out")
    result = log_from_warehouse(db)
    write_mes_log(result.frame, out)
    summary = {"db": db, "out": out, **result.summary()}
    if as_json:
        click.echo(json.dumps(summary, allow_nan=False))
        return
    click.echo(
        f"{out}: {summary['rows']} events of {summary['lots']} lots and "
        f"{summary['machine_events']} machine events ({summary['repairs_from_detail']} repairs "
        f"from breakdown details), minutes since {summary['origin_utc']} UTC"
    )
