"""``dtwin data``: generate chaotic raw plant data, ingest it into DuckDB, validate gold."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dtwin.cli_params import FiniteFloat, seed_option
from dtwin.errors import WarehouseError
from dtwin.warehouse.rawfiles import MAX_DAYS


@click.group("data")
def data() -> None:
    """Factory data warehouse: raw data generator, DuckDB ingestion and validation."""


@data.command("generate")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=30, show_default=True)
@click.option("--start", default="2026-01-01", show_default=True, help="First day (YYYY-MM-DD).")
@seed_option()
@click.option(
    "--rate",
    "rates",
    multiple=True,
    metavar="NAME=VALUE",
    help="A chaos rate, e.g. --rate sensor_nulls=0.1 (repeatable).",
)
@click.option("--overwrite", is_flag=True, help="Replace raw/ and ground_truth/ in OUT.")
@click.option(
    "--factory",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Simulate this factory YAML (dtwin.sim) instead of the hand-written smelter plant.",
)
@click.option(
    "--sensor-interval-min",
    "interval",
    type=click.IntRange(1, 1440),
    default=None,
    help="Minutes between two sensor readings of a machine: a divisor of 1440 (1, 5, 15, "
    "60, ...); default the factory's sensor_interval_min, else 15.",
)
def generate(
    out: Path,
    days: int,
    start: str,
    seed: int,
    rates: tuple[str, ...],
    overwrite: bool,
    factory: Path | None,
    interval: int | None,
) -> None:
    """Write OUT/raw/YYYY-MM-DD/*, OUT/ground_truth/YYYY-MM-DD/truth.json and OUT/plant.yaml."""
    from dtwin.config import parse_override

    chaos = dict(parse_override(text) for text in rates)
    common = {"days": days, "start": start, "seed": seed, "chaos": chaos, "overwrite": overwrite}
    if factory is not None:
        from dtwin.twin.plantdata import generate_plant_data  # the twin joins sim and warehouse

        result = generate_plant_data(
            out, factory, sensor_interval_min=interval, progress=True, **common
        )
    else:
        from dtwin.warehouse.generate import generate_raw

        extra = {} if interval is None else {"sensor_interval_min": interval}
        result = generate_raw(out, progress=True, **common, **extra)
    rows = sum(result.rows.values())
    click.echo(f"wrote {result.files} files, {rows} rows, {days} days from {result.start} to {out}")


@data.command("ingest")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--factory",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The plant's factory YAML (master data); default OUT/plant.yaml, else the "
    "warehouse's own, else data/factories/smelter.yaml.",
)
def ingest_command(out: Path, db_path: Path, factory: Path | None) -> None:
    """Load new files (and rows appended to loaded ones) of OUT/raw into bronze, then rebuild
    silver and gold."""
    from dtwin.warehouse.loading import ingest

    result = ingest(out, db_path, factory=factory, progress=True)
    click.echo(
        f"{result.files_loaded} new of {result.files_found} files, {result.rows_loaded} rows to "
        f"bronze, {result.rows_quarantined} quarantined, "
        f"gold {'rebuilt' if result.rebuilt else 'unchanged'} ({result.seconds:.1f} s); "
        f"silver.rejected holds {result.rows_rejected} implausible rows"
    )


@data.command("validate")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--raw",
    "raw_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The generated folder (holding ground_truth/).",
)
@click.option(
    "--tolerance",
    type=FiniteFloat(min=0),
    default=0.005,
    show_default=True,
    help="Largest relative error of gold against the truth that passes (>= 0).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def validate_command(
    ctx: click.Context, db_path: Path, raw_dir: Path, tolerance: float, as_json: bool
) -> None:
    """Compare gold daily metrics with the ground truth; exit 1 if beyond the tolerance."""
    from dtwin.warehouse.validation import check_against_truth

    report = check_against_truth(db_path, raw_dir, tolerance=tolerance)
    if as_json:
        click.echo(json.dumps(report.to_dict(), default=str))
    else:
        click.echo(f"max relative error {report.max_rel_error:.5f} (tolerance {tolerance})")
        for metric, error in sorted(report.per_level_metric.items()):
            click.echo(f"  {metric:<22} {error:.5f}")
        click.echo("data quality:")
        click.echo(report.quality.to_string(index=False))
        click.echo(f"rejected rows (implausible, kept out of gold): {report.rejected_rows}")
        for row in report.rejected.itertuples(index=False):
            click.echo(f"  {row.kind:<19} {row.rule:<28} {row.rows:>6}  e.g. {row.example}")
    if not report.passed:
        ctx.exit(1)


FORECAST_METRICS = ("output", "good_output", "defect_rate", "energy_kwh")


@data.command("forecast")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--metric",
    type=click.Choice(FORECAST_METRICS),
    required=True,
    help="The daily gold series: units, good units, defect rate or energy (kWh).",
)
@click.option("--machine", default=None, help="A machine id of the catalogue (default: plant).")
@click.option(
    "--horizon-days", type=click.IntRange(1, 366), default=7, show_default=True, metavar="H"
)
@click.option(
    "--coverage",
    type=FiniteFloat(min=0, min_open=True, max=1),
    default=0.9,
    show_default=True,
    help="Prediction interval coverage in (0, 1).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def forecast_command(
    db_path: Path,
    metric: str,
    machine: str | None,
    horizon_days: int,
    coverage: float,
    as_json: bool,
) -> None:
    """Forecast a daily gold series H days ahead with conformal prediction intervals.

    The model (naive, seasonal naive, mean of the last week, exponential smoothing, damped
    Holt, with or without a weekly season) is chosen by a rolling-origin backtest; the
    intervals come from its own out-of-sample errors at each horizon. Nothing is random.
    """
    from dtwin.warehouse.forecasting import forecast_metric

    if not db_path.is_file():
        raise WarehouseError(f"--db: {db_path}: no such file")
    result = forecast_metric(db_path, metric, machine, horizon_days, coverage)
    if as_json:
        click.echo(json.dumps(result.to_dict(), allow_nan=False))
        return
    summary = result.backtest.summary
    auto, naive = summary.loc["auto"], summary.loc["seasonal_naive"]
    where = machine or "plant"
    click.echo(
        f"{where} {metric} ({result.unit}): model {result.model}; backtest MASE "
        f"{auto['mase']:.3f} (seasonal naive {naive['mase']:.3f}), {coverage:.0%} interval "
        f"coverage {auto['coverage']:.1%}"
    )
    click.echo(result.frame.to_string(index=False))
