"""Sensor health: remaining useful life, failure prediction and anomaly detection.

Public names are imported lazily so ``import dtwin.health`` loads neither PyTorch nor
scikit-learn.

Data
    ``read_cmapss``, ``write_cmapss``, ``read_rul_truth`` (the NASA C-MAPSS text format),
    ``read_table`` (a long table, CSV or Parquet), ``read_histories``, ``read_failure_table``.
Stand-ins (seeded)
    ``generate_turbofan`` and ``TurbofanData`` (C-MAPSS layout, FD001- or FD002-like),
    ``generate_machining`` and ``MachiningData`` (an AI4I 2020-like failure table).
Remaining useful life
    ``train_rul``, ``RulConfig``, ``CnnConfig``, ``RulModel`` (``RulModel.load(folder)``, then
    ``predict_unit(history)`` gives a ``RulPrediction`` with ``rul``, ``lo``, ``hi``),
    ``evaluate_rul``, ``RulEvaluation``, ``Preprocessing``, ``rul_target``, ``ConformalBands``.
Failure prediction
    ``train_failure``, ``FailureConfig``, ``FailureModel``, ``evaluate_failure``,
    ``find_leaks``, ``Leak``.
Anomaly detection
    ``RobustDetector``, ``inject_faults``, ``Fault``, ``score_detection``, ``sensor_series``.
Measures
    ``rmse``, ``nasa_score``, ``coverage``, ``classification_report``, ``error_by_life`` (by
    ``LIFE_BANDS`` of true remaining life).
"""

from dtwin.lazy import lazy_front as _lazy_front

_EXPORTS: dict[str, str] = {
    "read_cmapss": "dtwin.health.series",
    "write_cmapss": "dtwin.health.series",
    "read_rul_truth": "dtwin.health.series",
    "read_table": "dtwin.health.series",
    "read_histories": "dtwin.health.series",
    "read_failure_table": "dtwin.health.tables",
    "generate_turbofan": "dtwin.health.turbofan",
    "TurbofanData": "dtwin.health.turbofan",
    "generate_machining": "dtwin.health.machining",
    "MachiningData": "dtwin.health.machining",
    "train_rul": "dtwin.health.rul",
    "RulConfig": "dtwin.health.rul",
    "CnnConfig": "dtwin.health.cnn",
    "RulModel": "dtwin.health.rul",
    "RulPrediction": "dtwin.health.rul",
    "evaluate_rul": "dtwin.health.rul",
    "RulEvaluation": "dtwin.health.rul",
    "Preprocessing": "dtwin.health.windows",
    "rul_target": "dtwin.health.windows",
    "ConformalBands": "dtwin.health.conformal",
    "train_failure": "dtwin.health.failure",
    "FailureConfig": "dtwin.health.failure",
    "FailureModel": "dtwin.health.failure",
    "evaluate_failure": "dtwin.health.failure",
    "find_leaks": "dtwin.health.leakage",
    "Leak": "dtwin.health.leakage",
    "RobustDetector": "dtwin.health.anomaly",
    "inject_faults": "dtwin.health.anomaly",
    "Fault": "dtwin.health.anomaly",
    "score_detection": "dtwin.health.anomaly",
    "sensor_series": "dtwin.health.anomaly",
    "rmse": "dtwin.health.metrics",
    "nasa_score": "dtwin.health.metrics",
    "coverage": "dtwin.health.metrics",
    "classification_report": "dtwin.health.metrics",
    "error_by_life": "dtwin.health.metrics",
    "LIFE_BANDS": "dtwin.health.metrics",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = _lazy_front(__name__, _EXPORTS)
