"""Running the pipeline: each notebook executed by papermill into a run folder.

A run folder holds the executed notebooks at its top level, ``artifacts/<step>/`` with what each
notebook wrote, and ``metrics.json`` with the run's description and every recorded figure.
Independent notebooks may run side by side on Dask workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dtwin.backends import open_backend
from dtwin.errors import ConfigError, NotebookFailed, PipelineError, one_line
from dtwin.pipeline.recorder import ARTIFACTS_ENV, METRICS_ENV
from dtwin.pipeline.run_folder import METRICS_FILE, merge_runs, prepare_run_dir
from dtwin.pipeline.scheduler import check_scheduler_address
from dtwin.pipeline.spec import PROFILES, PipelineSpec, Step, load_spec
from dtwin.progress import PROGRESS_ENV, progress_bar

__all__ = [
    "METRICS_FILE",
    "RunResult",
    "StepResult",
    "default_run_dir",
    "pipeline_sha256",
    "run_pipeline",
]


@dataclass
class StepResult:
    """What one notebook's execution produced."""

    name: str
    notebook: Path
    seconds: float
    metrics: dict[str, Any]
    error: NotebookFailed | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunResult:
    """A finished (or partly finished) pipeline run."""

    run_dir: Path
    profile: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return {step.name: step.metrics for step in self.steps}

    @property
    def first_error(self) -> NotebookFailed | None:
        return next((step.error for step in self.steps if step.error), None)


def default_run_dir(root: Path, profile: str) -> Path:
    """``<root>/runs/<UTC timestamp>-<profile>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return root / "runs" / f"{stamp}-{profile}"


def run_pipeline(
    spec_path: str | Path,
    profile: str = "full",
    out_dir: str | Path | None = None,
    only: list[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> RunResult:
    """Execute the pipeline's notebooks under ``profile`` into a run folder.

    Serial by default; with ``workers`` (a Dask LocalCluster of that many processes) or
    ``scheduler`` (an existing Dask scheduler's address, with a shared file system), independent
    steps run in parallel. A failing notebook does not raise: see ``RunResult.first_error``.
    An existing run folder is added to, never silently overwritten (see ``run_folder``).
    """
    if profile not in PROFILES:
        raise ConfigError(f"profile {profile!r} is not valid; choices: {', '.join(PROFILES)}")
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    if workers is not None and scheduler is not None:
        raise ConfigError("give --workers or --scheduler, not both")
    if scheduler is not None:
        check_scheduler_address(scheduler)
    spec_path = Path(spec_path).resolve()
    spec, base = load_spec(spec_path)
    steps = _select(spec, only)
    run_dir = Path(out_dir) if out_dir else default_run_dir(base.parent, profile)
    run_dir = run_dir.resolve()
    spec_sha = pipeline_sha256(spec_path)  # once, before the run: what the run was started with
    earlier = prepare_run_dir(run_dir, profile, spec_sha)
    result = RunResult(run_dir=run_dir, profile=profile)
    started = datetime.now(UTC)
    jobs = [_job(step, base, run_dir, profile) for step in steps]
    if workers is None and scheduler is None:
        outcomes = _run_serial(jobs, progress)
    else:
        outcomes = _run_dask(jobs, steps, workers, scheduler, progress)
    for step, job in zip(steps, jobs, strict=True):
        outcome = outcomes.get(step.name)
        if outcome is None:  # not run: an earlier or needed step failed
            continue
        error = None
        if outcome["error"]:
            error = NotebookFailed(step.notebook, **outcome["error"])
        result.steps.append(
            StepResult(
                step.name,
                Path(job["out_path"]),
                outcome["seconds"],
                _read_metrics(Path(job["metrics_file"])),
                error,
            )
        )
    _write_run_file(result, spec_path, spec_sha, steps, started, earlier)
    return result


def _select(spec: PipelineSpec, only: list[str] | None) -> list[Step]:
    if not only:
        return list(spec.steps)
    wanted = {spec.step(name).name for name in only}
    return [s for s in spec.steps if s.name in wanted]


def _job(step: Step, base: Path, run_dir: Path, profile: str) -> dict[str, Any]:
    return {
        "name": step.name,
        "notebook": str(base / step.notebook),
        "out_path": str(run_dir / Path(step.notebook).name),
        "parameters": step.parameters_for(profile),
        "metrics_file": str(run_dir / "metrics" / f"{step.name}.json"),
        "artifacts": str(run_dir / "artifacts" / step.name),
        "cwd": str(base),
        "timeout_s": step.timeout_s,
    }


def execute_step(job: dict[str, Any]) -> dict[str, Any]:
    """Execute one notebook with papermill; returns seconds taken and the error, if any.

    A plain function of plain data, so that Dask can ship it to a worker process.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    Path(job["metrics_file"]).unlink(missing_ok=True)
    Path(job["artifacts"]).mkdir(parents=True, exist_ok=True)
    saved = {key: os.environ.get(key) for key in (METRICS_ENV, ARTIFACTS_ENV, PROGRESS_ENV)}
    os.environ[METRICS_ENV] = job["metrics_file"]
    os.environ[ARTIFACTS_ENV] = job["artifacts"]
    # the kernel inherits it: text bars, which the saved notebook keeps in their final state
    os.environ[PROGRESS_ENV] = "text"
    start = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(
            job["notebook"],
            job["out_path"],
            parameters=job["parameters"],
            cwd=job["cwd"],
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            execution_timeout=job["timeout_s"],
            coalesce_streams=True,  # a text bar's \r updates fold into its last state
        )
    except PapermillExecutionError as exc:
        error = {
            "cell_index": exc.cell_index,
            "ename": exc.ename,
            "evalue": one_line(str(exc.evalue)),
        }
    except Exception as exc:  # kernel death, timeout, unreadable notebook: still one line
        error = {"cell_index": None, "ename": type(exc).__name__, "evalue": one_line(str(exc))}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {"seconds": time.perf_counter() - start, "error": error}


def _run_serial(jobs: list[dict[str, Any]], progress: bool) -> dict[str, dict[str, Any]]:
    outcomes: dict[str, dict[str, Any]] = {}
    bar = progress_bar(jobs, desc="notebooks", unit="nb", progress=progress)
    for job in bar:
        bar.set_postfix_str(job["name"])
        outcomes[job["name"]] = execute_step(job)
        if outcomes[job["name"]]["error"]:
            break
    bar.close()
    return outcomes


def _run_dask(
    jobs: list[dict[str, Any]],
    steps: list[Step],
    workers: int | None,
    scheduler: str | None,
    progress: bool,
) -> dict[str, dict[str, Any]]:
    """Independent steps side by side on Dask; a step whose needed step failed is not run."""
    try:
        with open_backend("dask", workers, scheduler) as executor:
            return _run_with_needs(executor, jobs, steps, progress)
    except ConfigError as exc:  # the cluster could not be reached or started
        reason = exc.__cause__ or exc
        if scheduler is None:
            raise PipelineError(f"--workers {workers}: cannot start Dask: {reason}") from exc
        raise PipelineError(f"--scheduler {scheduler!r}: cannot reach it: {reason}") from exc


def _run_with_needs(
    executor: Executor, jobs: list[dict[str, Any]], steps: list[Step], progress: bool
) -> dict[str, dict[str, Any]]:
    names = {job["name"] for job in jobs}
    needs = {step.name: [n for n in step.needs if n in names] for step in steps}
    pending = {job["name"]: job for job in jobs}
    running: dict[Future, str] = {}
    outcomes: dict[str, dict[str, Any]] = {}
    bar = progress_bar(total=len(jobs), desc="notebooks", unit="nb", progress=progress)
    while pending or running:
        for name in [n for n in pending if all(d in outcomes for d in needs[n])]:
            job = pending.pop(name)
            if any(outcomes[d]["error"] for d in needs[name]):
                continue  # a needed step failed: do not run this one
            running[executor.submit(execute_step, job)] = name
        if not running:
            break
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            name = running.pop(future)
            outcomes[name] = future.result()
            bar.update(1)
            bar.set_postfix_str(name)
    bar.close()
    return outcomes


def _read_metrics(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{path}: metrics file is not valid JSON: {exc}") from exc


def pipeline_sha256(path: str | Path) -> str:
    """The pipeline file's sha256: what a run records and a reference must match."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _write_run_file(
    result: RunResult,
    spec_path: Path,
    spec_sha: str,
    steps: list[Step],
    started: datetime,
    earlier: dict[str, Any] | None,
) -> None:
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    commit = _git_commit(spec_path.parent)
    run = {
        "profile": result.profile,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished,
        "status": "ok" if result.ok and len(result.steps) == len(steps) else "failed",
        "pipeline_file": str(spec_path),
        "pipeline_sha256": spec_sha,
        "git_commit": commit,
        "python": platform.python_version(),
        "steps": {
            s.name: {
                "notebook": s.notebook.name,
                "seconds": round(s.seconds, 2),
                "status": "ok" if s.ok else "failed",
                "error": str(s.error) if s.error else None,
                "finished": finished,
                "git_commit": commit,
            }
            for s in result.steps
        },
        "not_run": [s.name for s in steps if s.name not in {r.name for r in result.steps}],
    }
    payload = merge_runs(earlier, run, result.metrics)
    # write beside, then rename: a crash or a full disk never leaves half a metrics.json
    target = result.run_dir / METRICS_FILE
    partial = target.with_name(f".{METRICS_FILE}.partial")
    partial.write_text(json.dumps(payload, indent=2, sort_keys=True), encoding="utf-8")
    partial.replace(target)


def _git_commit(folder: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None
