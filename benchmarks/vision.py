"""Benchmark of the shipped defect model: torch eager vs onnxruntime (fp32, int8), CAM cost,
accuracy on a fresh synthetic set and the pointing game, all in one run.

Usage: python benchmarks/vision.py [--json] [--model-dir models/defects] [--n 100] [--seed 123]

With ``--json`` one JSON object is printed with at least the keys torch_ips_b1, ort_ips_b1,
torch_ips_b32, ort_ips_b32 and cam_ms (plus accuracy, int8 and pointing-game figures).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _ips(fn, batch, repeats: int, rounds: int = 3) -> float:
    """Images per second of ``fn(batch)``: the best of ``rounds`` timings of ``repeats`` calls."""
    fn(batch)  # warm-up
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn(batch)
        best = min(best, (time.perf_counter() - t0) / repeats)
    return len(batch) / best


def run(model_dir: Path, n: int, seed: int, threads: int) -> dict:
    """Measure everything on ``n`` fresh synthetic images per class from ``seed``."""
    import torch

    from dtwin.vision import load_checkpoint
    from dtwin.vision.explain import Explainer, localisation_scores
    from dtwin.vision.export import _ort_session, quantize_int8
    from dtwin.vision.images import normalize, resize_uint8
    from dtwin.vision.metrics import classification_report
    from dtwin.vision.synth import CLASSES, generate_arrays

    torch.set_num_threads(threads)
    model, card = load_checkpoint(model_dir / "checkpoint.pt")
    size, norm = int(card["img_size"]), card["normalisation"]
    images, masks, labels = generate_arrays(n, size=128, seed=seed)
    truth = np.array([card["classes"].index(CLASSES[i]) for i in labels])
    small = np.stack([resize_uint8(im, size) for im in images])
    x = normalize(small, norm["mean"], norm["std"])
    xt = torch.from_numpy(x)
    session = _ort_session(model_dir / "model.onnx", threads)

    def torch_fn(b):
        with torch.inference_mode():
            return model(b)

    def ort_fn(b):
        return session.run(None, {"input": b})[0]

    out: dict = {"threads": threads, "img_size": size, "arch": card["arch"]}
    out["torch_ips_b1"] = _ips(torch_fn, xt[:1], 50)
    out["ort_ips_b1"] = _ips(ort_fn, x[:1], 50)
    out["torch_ips_b32"] = _ips(torch_fn, xt[:32], 5)
    out["ort_ips_b32"] = _ips(ort_fn, x[:32], 5)

    logits = np.concatenate([ort_fn(x[i : i + 64]) for i in range(0, len(x), 64)])
    out["accuracy_fresh"] = classification_report(truth, logits.argmax(1), card["classes"])[
        "accuracy"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        calib, _, _ = generate_arrays(26, size=128, seed=seed + 1)
        calib = np.stack([resize_uint8(im, size) for im in calib])
        q_path = quantize_int8(model_dir / "model.onnx", Path(tmp) / "int8.onnx", calib, card)
        q_session = _ort_session(q_path, threads)

        def int8_fn(b):
            return q_session.run(None, {"input": b})[0]

        out["int8_ips_b1"] = _ips(int8_fn, x[:1], 50)
        out["int8_ips_b32"] = _ips(int8_fn, x[:32], 5)
        q_logits = np.concatenate([int8_fn(x[i : i + 64]) for i in range(0, len(x), 64)])
        q_acc = classification_report(truth, q_logits.argmax(1), card["classes"])["accuracy"]
        out["accuracy_int8"] = q_acc
        out["int8_accuracy_change"] = q_acc - out["accuracy_fresh"]

    explainer = Explainer(model, card)
    defect = np.nonzero(masks.reshape(len(masks), -1).any(1))[0][:64]
    explainer.cams(small[defect[:2]], list(truth[defect[:2]]), "gradcam")  # warm-up
    t0 = time.perf_counter()
    explainer.cams(small[defect], list(truth[defect]), "gradcam")
    out["cam_ms"] = (time.perf_counter() - t0) * 1000 / len(defect)
    t0 = time.perf_counter()
    for i in defect[:10]:
        explainer.cams(small[i : i + 1], [int(truth[i])], "gradcam")
    out["cam_ms_b1"] = (time.perf_counter() - t0) * 1000 / 10
    out["pointing_game"] = {}
    out["cam_iou"] = {}
    for method in ("gradcam", "gradcam++", "eigencam"):
        scores = localisation_scores(explainer, images, masks, truth, method)
        out["pointing_game"][method] = scores["pointing_game"]
        out["cam_iou"][method] = scores["mean_iou"]
    out["pointing_images"] = scores["n"]
    out["ort_speedup_b1"] = out["ort_ips_b1"] / out["torch_ips_b1"]
    out["ort_speedup_b32"] = out["ort_ips_b32"] / out["torch_ips_b32"]
    out["load_average_1min"] = os.getloadavg()[0]
    return out


def main() -> None:
    """Parse arguments, run, print a table or one JSON object."""
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--model-dir", type=Path, default=root / "models" / "defects")
    parser.add_argument("--n", type=int, default=100, help="fresh images per class")
    parser.add_argument("--seed", type=int, default=123, help="seed of the fresh synthetic set")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    result = run(args.model_dir, args.n, args.seed, args.threads)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.3f}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.4g}"
        print(f"{key:24s} {value}")
    print("speeds: best of 3 rounds; a busy machine (see load_average_1min) lowers all of them")


if __name__ == "__main__":
    main()
