"""The notebook pipeline: run parameterised notebooks with papermill and compare their metrics.

Inside a notebook only :func:`record` and :func:`artifacts_dir` are needed; they are light
(no papermill import) and imported eagerly so that every notebook can use them. The rest loads
on first use.

In a notebook
    ``record``, ``recorded``, ``artifacts_dir``.
Running
    ``run_pipeline``, ``RunResult``, ``StepResult``, ``load_spec``, ``PipelineSpec``, ``Step``,
    ``Tolerance``.
Comparing runs
    ``load_reference``, ``compare_runs``, ``Comparison``, ``Reference``, ``load_run_metrics``,
    ``compare_metrics``, ``regressions``, ``MetricChange``.
Baselines
    ``write_baseline``, ``baseline_dir``.
"""

from dtwin.lazy import lazy_front as _lazy_front
from dtwin.pipeline.recorder import artifacts_dir as artifacts_dir
from dtwin.pipeline.recorder import record as record
from dtwin.pipeline.recorder import recorded as recorded

_EXPORTS: dict[str, str] = {
    "artifacts_dir": "dtwin.pipeline.recorder",
    "record": "dtwin.pipeline.recorder",
    "recorded": "dtwin.pipeline.recorder",
    "run_pipeline": "dtwin.pipeline.runner",
    "RunResult": "dtwin.pipeline.runner",
    "StepResult": "dtwin.pipeline.runner",
    "load_spec": "dtwin.pipeline.spec",
    "PipelineSpec": "dtwin.pipeline.spec",
    "Step": "dtwin.pipeline.spec",
    "Tolerance": "dtwin.pipeline.spec",
    "load_run_metrics": "dtwin.pipeline.compare",
    "compare_metrics": "dtwin.pipeline.compare",
    "regressions": "dtwin.pipeline.compare",
    "MetricChange": "dtwin.pipeline.compare",
    "load_reference": "dtwin.pipeline.compare",
    "compare_runs": "dtwin.pipeline.compare",
    "Comparison": "dtwin.pipeline.compare",
    "Reference": "dtwin.pipeline.compare",
    "write_baseline": "dtwin.pipeline.baseline",
    "baseline_dir": "dtwin.pipeline.baseline",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = _lazy_front(__name__, _EXPORTS)
