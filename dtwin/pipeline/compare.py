"""Comparing a run's metrics with a reference run's, within the pipeline file's tolerances."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dtwin.errors import PipelineError
from dtwin.pipeline.run_folder import METRICS_FILE, read_metrics_file
from dtwin.pipeline.spec import PipelineSpec, Tolerance


@dataclass(frozen=True)
class MetricChange:
    """One metric of one step, in the new and the reference run."""

    step: str
    metric: str
    new: Any
    reference: Any
    checked: bool
    ok: bool

    def describe(self) -> str:
        return f"{self.step}.{self.metric}: {self.reference!r} -> {self.new!r}"


def load_run_metrics(run_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The per-step metrics stored in a run folder's ``metrics.json``."""
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        raise PipelineError(f"{path}: no metrics.json here; pass a folder made by `dtwin run`")
    return read_metrics_file(path)["metrics"]


def compare_metrics(
    new: dict[str, dict[str, Any]], reference: dict[str, dict[str, Any]], spec: PipelineSpec
) -> list[MetricChange]:
    """Every metric of the steps present in both runs, flagged ``ok`` or not.

    A metric with a tolerance (its own, or the file's ``default_tolerance``) is checked; one
    that disappeared from the new run always fails; others are reported for information only.
    """
    changes = []
    for step_name in new:
        if step_name not in reference:
            continue
        own = {s.name: s.tolerances for s in spec.steps}.get(step_name, {})
        ref_metrics, new_metrics = reference[step_name], new[step_name]
        for metric in sorted(set(ref_metrics) | set(new_metrics)):
            tol: Tolerance | None = own.get(metric, spec.default_tolerance)
            if metric not in new_metrics:
                changes.append(
                    MetricChange(step_name, metric, None, ref_metrics[metric], True, False)
                )
                continue
            if metric not in ref_metrics:
                changes.append(
                    MetricChange(step_name, metric, new_metrics[metric], None, False, True)
                )
                continue
            ok = True if tol is None else tol.allows(new_metrics[metric], ref_metrics[metric])
            changes.append(
                MetricChange(
                    step_name, metric, new_metrics[metric], ref_metrics[metric], tol is not None, ok
                )
            )
    return changes


def regressions(changes: list[MetricChange]) -> list[MetricChange]:
    """The changes that fail their tolerance."""
    return [c for c in changes if not c.ok]
