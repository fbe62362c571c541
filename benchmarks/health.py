"""Figures of ``dtwin.health`` on held-out stand-in data (same seed, same figures).

    python benchmarks/health.py [--seed 0] [--threads 2] [--members 3] [--epochs 60]
                                [--mode FD001|FD002] [--only rul|failure|anomaly] [--json FILE]

RUL: a C-MAPSS-layout stand-in (``generate_turbofan``: 100 train and 100 test engines from
independent streams); the CNN ensemble and the gradient-boosting baseline are trained on the
train file (20% of its units held out for the conformal intervals) and scored on the last
window of each test engine: RMSE and NASA score against the true RUL capped at 125, interval
coverage, training time. Failure: an AI4I-like table (10,000 rows) for training, an independent
one for the figures; the leakage guard's warnings are printed. Anomaly: faults injected into 20
seeded series (seeds 100-119; the detector's defaults were chosen on seeds 0-9).

These are figures of the stand-ins, not of NASA's FD001 or the AI4I 2020 data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np


def _threads(n: int) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    threadpool_limits(n)


def rul_figures(seed: int, mode: str, members: int, epochs: int) -> dict:
    from dtwin.health import RulConfig, evaluate_rul, generate_turbofan, train_rul

    data = generate_turbofan(seed, mode=mode)
    out = {"mode": mode, "train_units": 100, "test_units": 100}
    base = RulConfig(seed=seed, members=members)
    for name, config in (
        ("cnn", replace(base, cnn=replace(base.cnn, epochs=epochs))),
        ("gbm", replace(base, model="gbm")),
    ):
        started = time.perf_counter()
        model = train_rul(data.train, config)
        seconds = time.perf_counter() - started
        result = evaluate_rul(model, data.test, data.truth)
        history = data.test[data.test["unit"] == 1]
        calls = 200
        tick = time.perf_counter()
        for _ in range(calls):
            model.predict_unit(history)
        per_call_ms = (time.perf_counter() - tick) / calls * 1000
        out[name] = result.to_dict() | {
            "train_seconds": round(seconds, 1),
            "predict_unit_ms": round(per_call_ms, 3),
            "features": model.preprocessing.sensors,
        }
        print(
            f"RUL {mode} {name}: RMSE {result.rmse:.2f} (uncapped {result.rmse_uncapped:.2f}),"
            f" NASA score {result.score:.0f}, 90% interval coverage {result.coverage:.0%},"
            f" trained in {seconds:.0f} s, predict_unit {per_call_ms:.2f} ms",
            flush=True,
        )
    return out


def failure_figures(seed: int) -> dict:
    from dtwin.health import evaluate_failure, generate_machining, train_failure

    data = generate_machining(seed)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train_failure(data.train, "Machine failure")
    seconds = time.perf_counter() - started
    for note in model.warnings:
        print(f"warning: {note}")
    report = evaluate_failure(model, data.test, "Machine failure")
    c = report["confusion"]
    print(
        f"Failure: F1 {report['f1']:.3f}, precision {report['precision']:.3f}, recall "
        f"{report['recall']:.3f}, PR-AUC {report['pr_auc']:.3f}, threshold "
        f"{report['threshold']:.3f}; confusion tp {c['tp']} fp {c['fp']} fn {c['fn']} "
        f"tn {c['tn']} ({report['positives']} failures in {report['rows']} rows); "
        f"trained in {seconds:.0f} s",
        flush=True,
    )
    return report | {"train_seconds": round(seconds, 1), "warnings": model.warnings}


def anomaly_figures(seeds: range = range(100, 120)) -> dict:
    from dtwin.health import RobustDetector, inject_faults, score_detection, sensor_series

    detector = RobustDetector()
    reports, false_alarms = [], 0
    for seed in seeds:
        clean = sensor_series(seed)
        series, faults = inject_faults(clean, seed, noise_sd=1.0)
        reports.append(score_detection(detector.detect(series), faults))
        false_alarms += int(np.sum(np.diff(np.r_[0, detector.detect(clean).astype(int)]) == 1))
    kinds = {k for r in reports for k in r["recall_by_kind"]}
    out = {
        "series": len(reports),
        "faults": sum(r["faults"] for r in reports),
        "precision": float(np.mean([r["precision"] for r in reports])),
        "recall": float(np.mean([r["recall"] for r in reports])),
        "mean_delay": float(np.mean([r["mean_delay"] for r in reports if r["mean_delay"]])),
        "recall_by_kind": {
            k: float(np.mean([r["recall_by_kind"][k] for r in reports])) for k in sorted(kinds)
        },
        "false_alarms_on_clean_series": false_alarms,
    }
    by_kind = ", ".join(f"{k} {v:.0%}" for k, v in out["recall_by_kind"].items())
    print(
        f"Anomaly: precision {out['precision']:.2f}, recall {out['recall']:.2f} ({by_kind}), "
        f"mean delay {out['mean_delay']:.1f} readings; {false_alarms} alarms on the "
        f"{len(reports)} clean series",
        flush=True,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--mode", choices=["FD001", "FD002"], default="FD001")
    parser.add_argument("--only", choices=["rul", "failure", "anomaly"], default=None)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = parser.parse_args(argv)
    _threads(args.threads)
    figures: dict = {"seed": args.seed, "threads": args.threads}
    if args.only in (None, "rul"):
        figures["rul"] = rul_figures(args.seed, args.mode, args.members, args.epochs)
    if args.only in (None, "failure"):
        figures["failure"] = failure_figures(args.seed)
    if args.only in (None, "anomaly"):
        figures["anomaly"] = anomaly_figures()
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
