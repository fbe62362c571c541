"""Replications of the twin's loop, on any of ``dtwin.backends`` (serial, processes, Dask).

:func:`run_twin` runs ``replications`` independent replications of one loop and returns the
report that ``dtwin twin run --json`` prints: ``mode`` (the loop run), ``kpis`` (means and
``<name>_ci95`` half-widths), ``loop`` (what the loop did, summed over replications; the
detection accuracy over all photographed parts),
``final_state`` (replication 0), ``replications`` (each one's KPIs) and ``warnings``.

With ``events_db`` every replication writes its event log into a file of its own beside it
(a DuckDB file takes one writer at a time) and the parent merges them into ``events_db`` in
replication order; the part files are removed.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dtwin.backends import map_tasks
from dtwin.errors import ConfigError
from dtwin.sim import check_run, to_factory
from dtwin.twin.kpis import KPI_NAMES, summarize_kpis
from dtwin.twin.loop import MINUTES_PER_DAY, AgentSettings, TwinLoop, check_loop, open_model
from dtwin.twin.policy_choice import one_thread
from dtwin.twin.rul_policy import MaintenanceSettings


def _task(task: tuple[Any, ...]) -> dict[str, Any]:
    """One replication (top-level, so that process and Dask workers can take it)."""
    cfg, loop, days, warmup_days, seed, rep, model, db, settings, plan = task
    warmup = warmup_days * MINUTES_PER_DAY
    twin = TwinLoop(
        cfg, loop, seed, rep, warmup, open_model(model), db, AgentSettings(**settings),
        maintenance=plan,
    )  # fmt: skip
    try:
        with one_thread() if plan is not None and plan.policy == "rul" else nullcontext():
            twin.run_until(warmup + days * MINUTES_PER_DAY)
    finally:
        if twin.log is not None:
            twin.log.close()
            twin.log.con.close()
    return twin.result()


def _part_file(events_db: Path, rep: int) -> Path:
    return events_db.with_name(f"{events_db.name}.rep{rep}.part")


def _merge(events_db: Path, parts: list[Path]) -> None:
    import duckdb

    from dtwin.twin.log import connect

    with duckdb.connect(str(events_db)) as con:
        connect(con)
        for part in parts:
            con.execute("ATTACH ? AS part_db (READ_ONLY)", [str(part)])
            for table in ("twin_replications", "twin_events", "twin_dead_letters"):
                con.execute(f"INSERT INTO {table} SELECT * FROM part_db.{table}")  # noqa: S608
            con.execute("DETACH part_db")
            part.unlink()


def _check_db(events_db: Path) -> None:
    if events_db.exists():
        raise ConfigError(
            f"--events-db {events_db}: the file exists; give a new file (an event log holds "
            f"each replication once)"
        )
    if not events_db.parent.is_dir():
        raise ConfigError(f"--events-db {events_db}: folder {events_db.parent} does not exist")


def run_twin(
    config: Any,
    days: float = 20.0,
    warmup_days: float = 1.0,
    replications: int = 3,
    seed: int = 0,
    loop: str = "closed",
    model: Any = None,
    events_db: str | Path | None = None,
    settings: AgentSettings | None = None,
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    maintenance: MaintenanceSettings | None = None,
) -> dict[str, Any]:
    """Run the twin's ``loop`` for ``replications`` and report (see the module doc).

    ``model``: a model folder or ``model.onnx`` path (needed by ``closed`` when the factory
    has inspection stations). An object model works with the serial back-end only.
    ``progress``: show a progress bar for a serial run of more than three replications (an
    app that runs it on a background thread passes False). ``maintenance``: one maintenance
    policy for the whole factory (:class:`~dtwin.twin.rul_policy.MaintenanceSettings`).
    """
    check_run(days, warmup_days, replications)
    cfg = to_factory(config)
    check_loop(loop)
    if loop == "closed" and model is not None and isinstance(model, str | Path):
        open_model(model)  # a bad model is refused before any replication runs
    db = Path(events_db) if events_db is not None else None
    if db is not None:
        _check_db(db)
    opts = asdict(settings or AgentSettings())
    parts = [_part_file(db, r) if db else None for r in range(replications)]
    for part in parts:
        if part is not None:
            part.unlink(missing_ok=True)  # left by a run that was stopped
    tasks = [
        (
            cfg,
            loop,
            days,
            warmup_days,
            seed,
            r,
            model,
            str(part) if part else None,
            opts,
            maintenance,
        )
        for r, part in enumerate(parts)
    ]
    desc = "replications" if progress else None
    results = map_tasks(_task, tasks, backend, workers, scheduler, desc=desc)
    if db is not None:
        _merge(db, [p for p in parts if p is not None])
    return _report(results, loop, days, warmup_days, seed)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _report(
    results: list[dict[str, Any]], loop: str, days: float, warmup_days: float, seed: int
) -> dict[str, Any]:
    rows = [r["kpis"] for r in results]
    stats = [r["loop"] for r in results]
    photographed = sum(s["images_classified"] for s in stats)
    accuracy = [s["detection_accuracy"] for s in stats if s["detection_accuracy"] is not None]
    weights = [s["images_classified"] for s in stats if s["detection_accuracy"] is not None]
    loop_out: dict[str, Any] = {
        key: sum(s[key] for s in stats)
        for key in (
            "images_classified",
            "model_images",
            "alerts",
            "maintenance_requests",
            "plans",
            "dead_letters",
            "events",
            "rul_predictions",
            "rul_requests",
        )
    }
    loop_out["detection_accuracy"] = (
        sum(a * w for a, w in zip(accuracy, weights, strict=True)) / photographed
        if photographed
        else None
    )
    warnings = sorted({w for r in results for w in r["warnings"]})
    return {
        "mode": loop,
        "days": days,
        "warmup_days": warmup_days,
        "replications": len(results),
        "seed": seed,
        "kpis": summarize_kpis(rows),
        "loop": loop_out,
        "final_state": results[0]["final_state"],
        "per_replication": [
            {"replication": r["replication"], **{k: _finite(r["kpis"][k]) for k in KPI_NAMES}}
            for r in results
        ],
        "warnings": warnings,
    }
