"""``dtwin schedule``: solve a job-shop instance or check a schedule against it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dtwin.cli_params import FiniteFloat, seed_option
from dtwin.schedule.checker import check as check_schedule
from dtwin.schedule.cpsat.settings import MAX_TIME_LIMIT, MAX_WORKERS
from dtwin.schedule.formats import load_instance, load_schedule, schedule_to_dict
from dtwin.schedule.instance import Instance
from dtwin.schedule.rl.cli import train_policy_cmd
from dtwin.schedule.rules import MODES, RULES, dispatch
from dtwin.schedule.search.budget import MAX_ITERATIONS
from dtwin.schedule.search.methods import DEFAULT_METHOD, METHODS
from dtwin.schedule.solution import OBJECTIVES, Schedule, weighted_tardiness


@click.group("schedule")
def schedule() -> None:
    """Job-shop scheduling: CP-SAT, dispatching rules, schedule checking."""


schedule.add_command(train_policy_cmd)


@schedule.command("solve")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--objective",
    type=click.Choice(list(OBJECTIVES)),
    default="makespan",
    show_default=True,
    help="What to minimise.",
)
@click.option(
    "--time-limit",
    type=FiniteFloat(min=0.01, max=MAX_TIME_LIMIT),
    default=10.0,
    show_default=True,
    help="Time limit in seconds.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=2,
    show_default=True,
    help="Workers: CP-SAT threads; tabu/sa/ga independent runs in processes (best kept); "
    "hybrid one tabu thread beside CP-SAT.",
)
@seed_option("Random seed (CP-SAT's and the metaheuristics').")
@click.option(
    "--method",
    type=click.Choice([*METHODS, "policy"]),
    default=DEFAULT_METHOD,
    show_default=True,
    help="auto (tabu search on a plain job shop and the makespan, CP-SAT for anything else), "
    "cpsat, tabu search (N7), simulated annealing, genetic algorithm, or hybrid (CP-SAT "
    "and tabu search together; CP-SAT alone where tabu cannot go). tabu/sa/ga: plain job "
    "shops and the makespan only. policy: the learned dispatcher (--policy; makespan only).",
)
@click.option(
    "--iterations",
    type=click.IntRange(1, MAX_ITERATIONS),
    default=None,
    help="Cap the steps of tabu/sa (children of ga); the same seed then gives the same "
    "schedule if the cap ends the run before the time limit does.",
)
@click.option(
    "--policy",
    "policy_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Policy folder for --method policy (default: the shipped models/dispatch).",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    type=click.Choice(RULES, case_sensitive=False),
    help="Use dispatching rule(s) instead of CP-SAT (repeat; the best is kept).",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="active",
    show_default=True,
    help="Schedule generator for --rule.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def solve_cmd(
    file: Path,
    objective: str,
    time_limit: float,
    workers: int,
    seed: int,
    method: str,
    iterations: int | None,
    policy_dir: Path | None,
    rules: tuple[str, ...],
    mode: str,
    as_json: bool,
) -> None:
    """Solve the instance in FILE (standard/Taillard text or JSON)."""
    instance = load_instance(file)
    results: list[Schedule] = []
    if rules:
        results = [dispatch(instance, rule, mode, objective) for rule in rules]
        best = min(results, key=lambda s: s.value)
    elif method == "policy":
        from dtwin.schedule.rl.dispatcher import solve_with_policy

        best = solve_with_policy(instance, policy_dir, objective)
    else:
        from dtwin.schedule.search.methods import solve_with

        best = solve_with(instance, method, objective, time_limit, workers, seed, iterations)
    check_schedule(instance, best)
    if as_json:
        click.echo(json.dumps(schedule_to_dict(best, instance.name), allow_nan=False))
        return
    if len(results) > 1:
        for s in results:
            click.echo(f"{s.method:<16} {objective} {s.value:g}")
    _print_summary(instance, best)


@schedule.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("schedule_file", metavar="SCHEDULE.json", type=click.Path(path_type=Path))
def check_cmd(file: Path, schedule_file: Path) -> None:
    """Check that SCHEDULE.json is a valid schedule of the instance in FILE."""
    instance = load_instance(file)
    sched = load_schedule(schedule_file)
    check_schedule(instance, sched)
    click.echo(
        f"ok: {schedule_file} is a valid schedule of {instance.name} "
        f"({len(sched.operations)} operations, makespan {sched.makespan}, "
        f"weighted tardiness {weighted_tardiness(instance, sched)})"
    )


def _print_summary(instance: Instance, s: Schedule) -> None:
    bound = "" if s.lower_bound is None else f", lower bound {s.lower_bound:g}"
    click.echo(
        f"{instance.name}: {s.objective} {s.value:g}{bound} ({s.status}, {s.method}, "
        f"{s.solve_seconds:.2f} s)"
    )
    click.echo(f"makespan {s.makespan}, weighted tardiness {weighted_tardiness(instance, s)}")
    for m in range(instance.num_machines):
        ops = sorted((o for o in s.operations if o.machine == m), key=lambda o: o.start)
        click.echo(f"machine {m}: " + " ".join(f"j{o.job}.{o.op}@{o.start}" for o in ops))
