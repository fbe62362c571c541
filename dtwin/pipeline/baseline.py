"""Baselines: a run's ``metrics.json`` shipped with the project, one per profile.

``dtwin run --profile smoke --write-baseline`` (``make baseline``) runs the whole pipeline and,
when every step succeeded, stores its ``metrics.json`` as ``notebooks/baselines/smoke/`` (beside
the pipeline file). ``dtwin run --compare notebooks/baselines/smoke`` and the notebook tier of
``make test`` compare a fresh run with it. A baseline records the pipeline file's sha256: after
any edit of ``pipeline.yaml`` (a new step, a parameter, a tolerance) it is refused until it is
refreshed with the same command.
"""

from __future__ import annotations

import json
from pathlib import Path

from dtwin.errors import PipelineError
from dtwin.pipeline.run_folder import METRICS_FILE, read_metrics_file

BASELINES_DIR = "baselines"


def baseline_dir(spec_path: str | Path, profile: str) -> Path:
    """``<pipeline file's folder>/baselines/<profile>``."""
    return Path(spec_path).resolve().parent / BASELINES_DIR / profile


def write_baseline(run_dir: str | Path, spec_path: str | Path, profile: str) -> Path:
    """Store a clean, complete run's ``metrics.json`` as the baseline of ``profile``.

    Returns the file written. Machine-specific paths are dropped (the pipeline file is named
    relative to the baseline); everything else is kept as the run wrote it.
    """
    data = read_metrics_file(Path(run_dir) / METRICS_FILE)
    run = dict(data.get("run") or {})
    if run.get("profile") != profile:
        raise PipelineError(f"{run_dir}: a run of profile {run.get('profile')!r}, not {profile!r}")
    failed = sorted(n for n, s in run.get("steps", {}).items() if s.get("status") != "ok")
    if run.get("status") != "ok" or failed or run.get("not_run"):
        raise PipelineError(
            f"{run_dir}: not a clean, complete run (failed: {', '.join(failed) or 'none'}; "
            f"not run: {', '.join(run.get('not_run') or []) or 'none'}); no baseline written"
        )
    target = baseline_dir(spec_path, profile) / METRICS_FILE
    run["pipeline_file"] = Path(spec_path).name
    run["made_by"] = f"dtwin run --profile {profile} --write-baseline"
    payload = {"run": run, "metrics": data["metrics"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{METRICS_FILE}.partial")
    partial.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(target)
    return target
