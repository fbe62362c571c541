"""``dtwin schedule train-policy``: train a dispatching policy (MaskablePPO) into a folder."""

from __future__ import annotations

from pathlib import Path

import click

from dtwin.cli_params import FiniteFloat, seed_option

MAX_MINUTES = 600.0  # as dtwin.schedule.rl.train.MAX_MINUTES (not imported: it loads torch)


@click.command("train-policy")
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="Folder for the policy."
)
@click.option(
    "--minutes",
    type=FiniteFloat(min=0.0, max=MAX_MINUTES, min_open=True),
    default=10.0,
    show_default=True,
    help="Training budget: minutes x 25,000 steps, and a wall-clock guard at this many minutes.",
)
@seed_option("Training seed (instances, network, PPO).")
@click.option(
    "--steps",
    type=click.IntRange(1, 10**8),
    default=None,
    help="Environment steps instead of the budget from --minutes.",
)
@click.option(
    "--threads", type=click.IntRange(1, 64), default=1, show_default=True, help="Torch threads."
)
@click.option(
    "--envs",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Environments stepped together.",
)
def train_policy_cmd(
    out: Path, minutes: float, seed: int, steps: int | None, threads: int, envs: int
) -> None:
    """Train a job-scoring dispatching policy on Taillard instances (6x6..20x20)."""
    if out.exists() and not out.is_dir():
        raise click.BadParameter(
            f"{out} is a file; valid: a folder (created if missing)", param_hint="--out"
        )
    from dtwin.schedule.rl.train import TrainConfig, train_policy

    config = TrainConfig(minutes=minutes, seed=seed, steps=steps, threads=threads, envs=envs)
    result = train_policy(config, out)
    info = result.card["training"]
    gap = info["validation_gap_to_mwkr_pct"]
    click.echo(
        f"saved {out}: {info['steps_done']} steps in {info['wall_seconds']:.0f} s, kept the "
        f"network of step {info['kept_at_step']} (validation: {gap:+.2f}% makespan vs MWKR)"
        f"{', stopped by the clock' if info['stopped_by_clock'] else ''}"
    )
