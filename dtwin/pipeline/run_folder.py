"""The run folder's rules: where a run may write, and how a later run adds to an earlier one.

A run folder is never silently overwritten. ``dtwin run --out DIR`` into

- a new or empty folder starts a fresh run;
- an earlier run's folder (it has ``metrics.json``) of the same profile and the same pipeline
  file *adds to it*: the steps run now replace their own records, every other step's record is
  kept, and each step says when and at which commit it ran;
- an earlier run of another profile or another pipeline file, an unreadable ``metrics.json``, or
  a non-empty folder that is not a run folder is refused with a clear error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dtwin.errors import PipelineError

METRICS_FILE = "metrics.json"


def prepare_run_dir(run_dir: Path, profile: str, pipeline_sha256: str) -> dict[str, Any] | None:
    """Create ``run_dir`` if needed; return the earlier run's ``metrics.json`` to merge, if any."""
    earlier = _earlier_run(run_dir, profile, pipeline_sha256)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".dtwin-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PipelineError(f"--out {run_dir}: cannot write the run folder here: {reason}") from exc
    return earlier


def _earlier_run(run_dir: Path, profile: str, pipeline_sha256: str) -> dict[str, Any] | None:
    if run_dir.exists() and not run_dir.is_dir():
        raise PipelineError(f"--out {run_dir}: exists and is not a folder")
    if not run_dir.is_dir():
        return None
    metrics_file = run_dir / METRICS_FILE
    if not metrics_file.exists():
        if any(run_dir.iterdir()):
            raise PipelineError(
                f"--out {run_dir}: folder is not empty and is not a run folder (no {METRICS_FILE});"
                " choose a new or empty folder"
            )
        return None
    earlier = read_metrics_file(metrics_file)
    run = earlier.get("run") if isinstance(earlier.get("run"), dict) else {}
    if run.get("profile") != profile:
        raise PipelineError(
            f"--out {run_dir}: holds a run of profile {run.get('profile')!r}, not {profile!r};"
            " a run folder holds one profile — choose another --out"
        )
    if run.get("pipeline_sha256") != pipeline_sha256:
        raise PipelineError(
            f"--out {run_dir}: holds a run of a different pipeline file (sha256 differs);"
            " its figures would not be comparable — choose another --out"
        )
    return earlier


def read_metrics_file(path: Path) -> dict[str, Any]:
    """A run's ``metrics.json`` as a mapping with a ``metrics`` mapping of step -> mapping."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PipelineError(
            f"{path}: not UTF-8 text (byte {exc.start}): not a metrics file"
        ) from exc
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{path}: not valid JSON: {exc}") from exc
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict):
        raise PipelineError(f"{path}: field 'metrics' missing or not a mapping")
    for step, values in metrics.items():
        if not isinstance(values, dict):
            raise PipelineError(f"{path}: metrics.{step} is not a mapping of figures")
    return data


def merge_runs(
    earlier: dict[str, Any] | None, run: dict[str, Any], metrics: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The ``metrics.json`` payload: this run's steps over the earlier run's kept ones."""
    if earlier is None:
        return {"run": run, "metrics": metrics}
    old_run = earlier.get("run", {})
    steps = {**old_run.get("steps", {}), **run["steps"]}
    merged_metrics = {**earlier["metrics"], **metrics}
    not_run = [name for name in old_run.get("not_run", []) + run["not_run"] if name not in steps]
    status = "ok"
    if not_run or run["status"] != "ok" or any(s.get("status") != "ok" for s in steps.values()):
        status = "failed"
    merged = dict(run)
    merged.update(
        started=old_run.get("started", run["started"]),
        steps=steps,
        status=status,
        not_run=sorted(set(not_run)),
        runs=[*old_run.get("runs", [_summary(old_run)]), _summary(run)],
    )
    return {"run": merged, "metrics": merged_metrics}


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "started": run.get("started"),
        "finished": run.get("finished"),
        "git_commit": run.get("git_commit"),
        "steps": sorted(run.get("steps", {})),
    }
