"""Comparing a run's metrics with a reference run's, within the pipeline file's tolerances.

A reference is any folder with a ``metrics.json`` made by ``dtwin run``: an earlier run folder
or a shipped baseline (``notebooks/baselines/<profile>/``, see :mod:`dtwin.pipeline.baseline`).
It is refused before anything runs when it is of another profile, was made with another
pipeline file (its sha256 differs: other parameters or tolerances), or did not finish cleanly.

What counts as a regression: a checked metric (one with a tolerance of its own or the file's
``default_tolerance``) outside its tolerance, a metric that disappeared, and a *step* that is
in one run but not in the other among the steps compared (so that no step passes without
having been compared). Both values missing (``null``: NaN is recorded as null) or both NaN are
equal. ``--only`` compares only the steps it runs; the reference's other steps are listed as
skipped, not as missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
    tolerance: Tolerance | None = None

    @property
    def delta(self) -> float | None:
        """``new - reference`` when both are numbers, else None."""
        if _number(self.new) and _number(self.reference):
            return float(self.new) - float(self.reference)
        return None

    def describe(self) -> str:
        """``step.metric: value V, reference R, delta D, tolerance T``."""
        if self.new is None and self.reference is not None and not self.ok:
            what = "missing from the new run"
        else:
            delta = self.delta
            what = f"value {_show(self.new)}, reference {_show(self.reference)}"
            if delta is not None:
                what += f", delta {delta:+.6g}"
        tol = describe_tolerance(self.tolerance) if self.tolerance is not None else "none"
        return f"{self.step}.{self.metric}: {what}; tolerance {tol}"


@dataclass(frozen=True)
class Reference:
    """A reference run: where it is, its ``run`` description and its per-step metrics."""

    path: Path
    run: dict[str, Any]
    metrics: dict[str, dict[str, Any]]


@dataclass
class Comparison:
    """The outcome of comparing a run with a reference."""

    reference: Path
    changes: list[MetricChange] = field(default_factory=list)
    missing_in_new: list[str] = field(default_factory=list)  # steps the new run lacks
    missing_in_reference: list[str] = field(default_factory=list)  # never compared
    skipped: list[str] = field(default_factory=list)  # reference steps not run (--only)
    new_metrics: list[str] = field(default_factory=list)  # step.metric recorded only now

    @property
    def regressions(self) -> list[MetricChange]:
        return regressions(self.changes)

    @property
    def ok(self) -> bool:
        return not self.regressions and not self.missing_in_new and not self.missing_in_reference

    def report(self) -> list[str]:
        """What ``dtwin run --compare`` prints: a summary line, then one line per problem."""
        checked = sum(c.checked for c in self.changes)
        failed = self.regressions
        missing = len(self.missing_in_new) + len(self.missing_in_reference)
        lines = [
            f"compared with {self.reference}: {checked} metrics checked, "
            f"{len(failed)} regressions, {missing} steps missing"
        ]
        lines += [f"REGRESSION {c.describe()}" for c in failed]
        if self.missing_in_new:
            lines.append(
                "MISSING steps in the reference but not in this run: "
                + ", ".join(self.missing_in_new)
            )
        if self.missing_in_reference:
            lines.append(
                "MISSING steps in this run but not in the reference (never compared): "
                + ", ".join(self.missing_in_reference)
                + "; refresh the reference (make baseline) or leave them out with --only"
            )
        if self.new_metrics:
            lines.append("not in the reference (not compared): " + ", ".join(self.new_metrics))
        if self.skipped:
            lines.append("skipped (not run now, --only): " + ", ".join(self.skipped))
        return lines


def describe_tolerance(tol: Tolerance) -> str:
    """``abs 0.03, higher is better`` / ``rel 1e-06`` / ``exact``."""
    if tol.exact:
        return "exact"
    parts = [f"{name} {value:g}" for name, value in (("abs", tol.abs), ("rel", tol.rel)) if value]
    text = " or ".join(parts) or "abs 0"
    return f"{text}, {tol.better} is better" if tol.better else text


def load_run_metrics(run_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The per-step metrics stored in a run folder's ``metrics.json``."""
    return load_reference(run_dir).metrics


def load_reference(
    run_dir: str | Path, profile: str | None = None, pipeline_sha256: str | None = None
) -> Reference:
    """A run folder or baseline as a reference, checked against this run's profile and file.

    Raises ``PipelineError`` (one line) for another profile, another pipeline file, or a
    reference run that failed or left steps out.
    """
    folder = Path(run_dir)
    path = folder / METRICS_FILE
    if not path.is_file():
        raise PipelineError(
            f"--compare {folder}: no metrics.json here; pass a folder made by `dtwin run` "
            "or a baseline (notebooks/baselines/<profile>)"
        )
    data = read_metrics_file(path)
    run = data.get("run") if isinstance(data.get("run"), dict) else {}
    if profile is not None and run.get("profile") != profile:
        raise PipelineError(
            f"--compare {folder}: a run of profile {run.get('profile')!r}, this run is "
            f"{profile!r}; compare with a reference of the same profile "
            f"(notebooks/baselines/{profile})"
        )
    ref_sha = run.get("pipeline_sha256")
    if pipeline_sha256 is not None and ref_sha != pipeline_sha256:
        raise PipelineError(
            f"--compare {folder}: made with another pipeline file (sha256 "
            f"{str(ref_sha)[:12]}, this one {pipeline_sha256[:12]}): its parameters or "
            "tolerances differ; refresh it with `make baseline` "
            "(dtwin run --profile PROFILE --write-baseline)"
        )
    _check_status(folder, run)
    return Reference(folder, run, data["metrics"])


def _check_status(folder: Path, run: dict[str, Any]) -> None:
    steps = run.get("steps") if isinstance(run.get("steps"), dict) else {}
    failed = sorted(
        n for n, s in steps.items() if not (isinstance(s, dict) and s.get("status") == "ok")
    )
    not_run = sorted(run.get("not_run") or [])
    if run.get("status") == "ok" and not failed and not not_run:
        return
    why = [f"status {run.get('status')!r}"]
    if failed:
        why.append(f"failed steps: {', '.join(failed)}")
    if not_run:
        why.append(f"not run: {', '.join(not_run)}")
    raise PipelineError(
        f"--compare {folder}: the reference run did not finish cleanly ({'; '.join(why)}); "
        "compare with a run whose every step succeeded"
    )


def compare_runs(
    new: dict[str, dict[str, Any]],
    reference: Reference,
    spec: PipelineSpec,
    only: list[str] | None = None,
) -> Comparison:
    """Compare ``new`` (step -> metrics) with ``reference``; ``only``: the steps run now."""
    selected = set(only) if only else {s.name for s in spec.steps} | set(new)
    result = Comparison(reference.path)
    result.missing_in_new = sorted(s for s in reference.metrics if s in selected and s not in new)
    result.missing_in_reference = sorted(s for s in new if s not in reference.metrics)
    result.skipped = sorted(s for s in reference.metrics if s not in selected)
    result.changes = compare_metrics(new, reference.metrics, spec)
    result.new_metrics = [
        f"{step}.{metric}"
        for step, metrics in new.items()
        if step in reference.metrics
        for metric in sorted(metrics)
        if metric not in reference.metrics[step]
    ]
    return result


def compare_metrics(
    new: dict[str, dict[str, Any]], reference: dict[str, dict[str, Any]], spec: PipelineSpec
) -> list[MetricChange]:
    """Every metric of the steps present in both runs, flagged ``ok`` or not.

    A metric with a tolerance (its own, or the file's ``default_tolerance``) is checked; one
    that disappeared from the new run always fails; others are reported for information only.
    """
    tolerances = {s.name: s.tolerances for s in spec.steps}
    changes = []
    for step_name in new:
        if step_name not in reference:
            continue
        own = tolerances.get(step_name, {})
        ref_metrics, new_metrics = reference[step_name], new[step_name]
        for metric in sorted(set(ref_metrics) | set(new_metrics)):
            tol: Tolerance | None = own.get(metric, spec.default_tolerance)
            if metric not in new_metrics:
                changes.append(
                    MetricChange(step_name, metric, None, ref_metrics[metric], True, False, tol)
                )
                continue
            if metric not in ref_metrics:
                changes.append(
                    MetricChange(step_name, metric, new_metrics[metric], None, False, True, tol)
                )
                continue
            value, ref = new_metrics[metric], ref_metrics[metric]
            ok = True if tol is None else tol.allows(value, ref)
            changes.append(MetricChange(step_name, metric, value, ref, tol is not None, ok, tol))
    return changes


def regressions(changes: list[MetricChange]) -> list[MetricChange]:
    """The changes that fail their tolerance."""
    return [c for c in changes if not c.ok]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    return f"{value:.6g}" if isinstance(value, float) else repr(value)
