"""``dtwin run``: execute the notebook pipeline and optionally compare with an earlier run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from dtwin.errors import ConfigError
from dtwin.pipeline.baseline import write_baseline
from dtwin.pipeline.compare import compare_runs, load_reference
from dtwin.pipeline.runner import METRICS_FILE, pipeline_sha256, run_pipeline
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
    help=(
        "Compare the new metrics with this earlier run or baseline (notebooks/baselines/"
        "PROFILE); exit 1 on a regression or a step missing on either side."
    ),
)
@click.option(
    "--write-baseline",
    "write_baseline_",
    is_flag=True,
    help="After a clean run of every step, store its metrics as notebooks/baselines/PROFILE.",
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
    write_baseline_: bool,
    workers: int | None,
    scheduler: str | None,
    pipeline_file: Path | None,
) -> None:
    """Run the notebook pipeline with papermill into a run folder."""
    pipeline_file = pipeline_file or find_pipeline_file(Path.cwd())
    spec, _ = load_spec(pipeline_file)
    names = [spec.step(name).name for name in only]  # unknown names: refused before the run
    if write_baseline_ and (only or compare_dir):
        raise ConfigError(
            "--write-baseline runs every step and stores the result; "
            "it cannot be combined with --only or --compare"
        )
    reference = None
    if compare_dir:  # checked before anything runs
        reference = load_reference(compare_dir, profile, pipeline_sha256(pipeline_file))
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
        comparison = compare_runs(result.metrics, reference, spec, names or None)
        lines = comparison.report()
        click.echo(lines[0])
        for line in lines[1:]:
            click.echo(line, err=line.startswith(("REGRESSION", "MISSING")))
        if not comparison.ok:
            sys.exit(1)
    if write_baseline_:
        target = write_baseline(result.run_dir, pipeline_file, profile)
        click.echo(f"baseline written:   {target} (commit it with the change that moved it)")
    click.echo("open the apps: make apps   (Voila on http://127.0.0.1:8866/)")
