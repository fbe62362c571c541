"""``dtwin run``: execute the notebook pipeline and optionally compare with an earlier run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from dtwin.errors import ConfigError
from dtwin.pipeline.compare import compare_metrics, load_run_metrics, regressions
from dtwin.pipeline.runner import METRICS_FILE, run_pipeline
from dtwin.pipeline.spec import PROFILES, load_spec

PIPELINE_FILE = Path("notebooks") / "pipeline.yaml"
# each worker is a process with its own kernel: more than two per CPU only thrashes
MAX_WORKERS = 2 * (os.cpu_count() or 1)


def find_pipeline_file(start: Path) -> Path:
    """``notebooks/pipeline.yaml`` in ``start`` or the nearest parent folder that has one."""
    for folder in [start, *start.parents]:
        candidate = folder / PIPELINE_FILE
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {PIPELINE_FILE} in {start} or its parents; run from the project "
        "folder or pass --pipeline FILE"
    )


@click.command()
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="full",
    show_default=True,
    help="Parameter set: 'smoke' is small and fast, 'full' the real run.",
)
@click.option("--only", multiple=True, metavar="NAME", help="Run only this step (repeatable).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder (default: runs/<UTC timestamp>-<profile>).",
)
@click.option(
    "--compare",
    "compare_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Compare the new metrics with this earlier run; exit 1 on regression.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    help=(
        "Run independent notebooks in parallel on a Dask LocalCluster of N workers "
        f"(at most {MAX_WORKERS}: twice this machine's CPUs)."
    ),
)
@click.option("--scheduler", metavar="ADDRESS", help="Use an existing Dask scheduler instead.")
@click.option(
    "--pipeline",
    "pipeline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Pipeline file (default: {PIPELINE_FILE} in this folder or a parent).",
)
def run(
    profile: str,
    only: tuple[str, ...],
    out_dir: Path | None,
    compare_dir: Path | None,
    workers: int | None,
    scheduler: str | None,
    pipeline_file: Path | None,
) -> None:
    """Run the notebook pipeline with papermill into a run folder."""
    pipeline_file = pipeline_file or find_pipeline_file(Path.cwd())
    reference = load_run_metrics(compare_dir) if compare_dir else None
    result = run_pipeline(
        pipeline_file,
        profile=profile,
        out_dir=out_dir,
        only=list(only),
        workers=workers,
        scheduler=scheduler,
    )
    click.echo(f"run folder:         {result.run_dir}")
    click.echo(f"executed notebooks: {result.run_dir}/*.ipynb")
    click.echo(f"artefacts:          {result.run_dir / 'artifacts'}")
    click.echo(f"metrics:            {result.run_dir / METRICS_FILE}")
    if result.first_error is not None:
        click.echo(f"error: {result.first_error} (partial run kept in {result.run_dir})", err=True)
        sys.exit(1)
    for step in result.steps:
        click.echo(f"  {step.name:<20} {step.seconds:7.1f} s  {len(step.metrics)} metrics")
    if reference is not None:
        spec, _ = load_spec(pipeline_file)
        changes = compare_metrics(result.metrics, reference, spec)
        failed = regressions(changes)
        checked = [c for c in changes if c.checked]
        click.echo(
            f"compared with {compare_dir}: {len(checked)} metrics checked, "
            f"{len(failed)} regressions"
        )
        for change in failed:
            click.echo(f"REGRESSION {change.describe()}", err=True)
        if failed:
            sys.exit(1)
    click.echo("open the apps: make apps   (Voila on http://127.0.0.1:8866/)")
