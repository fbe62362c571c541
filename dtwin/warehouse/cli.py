"""``dtwin data``: generate chaotic raw plant data, ingest it into DuckDB, validate gold."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dtwin.cli_params import FiniteFloat, seed_option
from dtwin.warehouse.generate import MAX_DAYS


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
def generate(
    out: Path, days: int, start: str, seed: int, rates: tuple[str, ...], overwrite: bool
) -> None:
    """Write OUT/raw/YYYY-MM-DD/* and OUT/ground_truth/YYYY-MM-DD/truth.json."""
    from dtwin.config import parse_override
    from dtwin.warehouse.generate import generate_raw

    chaos = dict(parse_override(text) for text in rates)
    result = generate_raw(
        out, days=days, start=start, seed=seed, chaos=chaos, overwrite=overwrite, progress=True
    )
    rows = sum(result.rows.values())
    click.echo(f"wrote {result.files} files, {rows} rows, {days} days from {result.start} to {out}")


@data.command("ingest")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def ingest_command(out: Path, db_path: Path) -> None:
    """Load new files of OUT/raw into bronze, then rebuild silver and gold."""
    from dtwin.warehouse.loading import ingest

    result = ingest(out, db_path, progress=True)
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
