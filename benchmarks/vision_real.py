"""Benchmark of the vision part on real photographs with masks (magnetic-tile by default).

Trains ``dtwin vision train`` defaults (plus ``--target-recall``) on the images, split by seed
(stratified 70/15/15; the operating threshold and the CAM layer/method are chosen on the
validation part, the test part is used for nothing but the figures printed here), then reports
on the held-out test part: accuracy, macro-F1, per-class recall (argmax and at the operating
point), the pointing game and CAM IoU against the real masks, and the unsupervised patch memory
fitted on the ``Free`` training images only (image and pixel AUROC). CPU seconds, wall time,
peak memory and the load average are printed with them: on a shared machine wall time is an
upper bound.

``--ablation`` instead trains, each at the same short budget (``--ablation-minutes``, CPU
minutes per thread), the defaults and the variants that take one lever away (squash instead of
letterbox, no class balancing, a 96 px input), and measures on the validation part the CAM
methods and layers and the tiled prediction: one row per lever.

Run: ``python benchmarks/vision_real.py [DATA] [--seed 0] [--target-recall 0.95]
[--max-minutes M] [--ablation] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "magnetic-tile"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _train(images, config, progress):
    from dtwin.vision import train

    c0, t0 = time.process_time(), time.perf_counter()
    result = train(images, config, progress=progress)
    return result, time.process_time() - c0, time.perf_counter() - t0


def _summary(report: dict) -> dict:
    keys = ("accuracy", "macro_f1", "per_class_recall", "n")
    return {k: report[k] for k in keys if k in report}


def _anomaly(result, images, split, progress, untrained_seed: int | None = None) -> dict:
    from dtwin.vision import anomaly_scores, create_model, fit_patch_memory
    from dtwin.vision.datasets import load_region
    from dtwin.vision.images import load_image
    from dtwin.vision.threshold import find_good_class

    card = result.card
    good = find_good_class(card["classes"])
    labels = np.asarray(images.labels)
    train_good = [i for i in split["train"] if labels[i] == good]
    model = result.model
    if untrained_seed is not None:  # a network that never saw a label: features by chance
        model = create_model(card["arch"], len(card["classes"]), card["img_size"], untrained_seed)
    goods = [load_image(images.paths[i]) for i in train_good]
    t0 = time.process_time()
    memory = fit_patch_memory(model, card, goods, seed=0, progress=progress)
    test = list(split["test"])
    rgbs = [load_image(images.paths[i]) for i in test]
    masks = [load_region(images, i, im.shape[:2]) for i, im in zip(test, rgbs, strict=True)]
    out = anomaly_scores(memory, rgbs, masks, progress)
    out["cpu_seconds"] = round(time.process_time() - t0, 1)
    return out


def run(args) -> dict:
    import torch

    from dtwin.vision import TrainConfig, evaluate_model, scan_image_folder

    torch.set_num_threads(2)
    images = scan_image_folder(args.data)
    config = TrainConfig(seed=args.seed, target_recall=args.target_recall)
    if args.max_minutes:
        config = replace(config, max_minutes=args.max_minutes)
    progress = not args.json
    if args.ablation:
        short = replace(config, max_minutes=args.ablation_minutes)
        return {
            "ablation_minutes": args.ablation_minutes,
            "rows": _ablation(images, short, progress),
            "load_average_1min": os.getloadavg()[0],
            "peak_rss_mb": round(_peak_mb()),
        }
    result, cpu, wall = _train(images, config, progress)
    card = result.card
    out: dict = {
        "data": str(args.data),
        "images": len(images),
        "counts": images.counts(),
        "seed": args.seed,
        "config": {k: v for k, v in card["training"]["config"].items() if k != "fractions"},
        "split": {k: int(len(v)) for k, v in result.split.items()},
        "train_cpu_seconds": round(cpu, 1),
        "train_wall_seconds": round(wall, 1),
        "epochs_run": card["training"]["epochs_run"],
        "stop_reason": card["training"]["stop_reason"],
        "balance": card["training"]["balance"],
        "test_operating_point": _summary(card["metrics"]["test"]),
        "test_argmax": _summary(card["metrics"].get("test_argmax", card["metrics"]["test"])),
        "operating_point": card.get("operating_point"),
        "cam_choice_on_validation": card["cam"],
    }
    c0 = time.process_time()
    report = evaluate_model(result.model, card, images, split="test")
    out["test_localisation"] = report["localisation"]
    out["evaluate_cpu_seconds"] = round(time.process_time() - c0, 1)
    out["test_evaluate"] = _summary(report)
    out["anomaly_supervised_features"] = _anomaly(result, images, result.split, progress)
    out["anomaly_untrained_features"] = _anomaly(result, images, result.split, progress, 0)

    out["peak_rss_mb"] = round(_peak_mb())
    out["load_average_1min"] = os.getloadavg()[0]
    return out


def _tiled_val(result, images, tile: int) -> dict:
    """Tiled prediction on the validation images: defect recall, false alarms, pointing game."""
    from dtwin.vision import Explainer, pointing_game, predict_tiled, region_images
    from dtwin.vision.images import load_image
    from dtwin.vision.threshold import find_good_class

    explainer = Explainer(result.model, result.card)
    good = find_good_class(result.card["classes"])
    val = list(result.split["val"])
    called = []
    for i in val:
        r = predict_tiled(explainer, load_image(images.paths[i]), tile)
        called.append(r.label != result.card["classes"][good])
    labels = np.asarray(images.labels)[val]
    called = np.asarray(called)
    rgbs, regions, _ = region_images(images, val)
    hits = [
        pointing_game(predict_tiled(explainer, im, tile).cam, m)
        for im, m in zip(rgbs, regions, strict=True)
    ]
    return {
        "tile_px": tile,
        "val_defect_recall": float(called[labels != good].mean()),
        "val_false_alarm_rate": float(called[labels == good].mean()),
        "val_pointing_game": float(np.mean(hits)),
    }


def _ablation(images, config, progress) -> list[dict]:
    """One row per lever, each trained at the same (short) budget: the defaults, then each
    lever taken away; scored on the validation part (and the test part, for reference)."""
    from dtwin.vision import evaluate_model

    rows = []
    variants = [
        ("defaults", {}),
        ("squash instead of letterbox", {"resize": "squash"}),
        ("no class balancing", {"balance": "none"}),
        ("input 96 px", {"img_size": 96}),
    ]
    for name, change in variants:
        result, cpu, _ = _train(images, replace(config, **change), progress)
        card = result.card
        val = evaluate_model(result.model, card, images.subset(result.split["val"]), split="all")
        rows.append(
            {
                "lever": name,
                "train_cpu_seconds": round(cpu, 1) if cpu else None,
                "val_macro_f1": round(val["macro_f1"], 4),
                "val_pointing_game": round(val["localisation"]["pointing_game"], 4),
                "test_macro_f1": round(card["metrics"]["test"]["macro_f1"], 4),
                "test_min_defect_recall": round(_min_defect_recall(card), 4),
                "cam": f"{card['cam'].get('method')} at {card['cam'].get('target_layer')}",
            }
        )
        if name == "defaults":
            rows[-1]["cam_table_val"] = card["cam"].get("table")
            rows[-1]["tiled_val"] = _tiled_val(result, images, tile=2 * card["img_size"])
            rows[-1]["val_argmax"] = {
                k: val.get(k) for k in ("accuracy", "macro_f1", "per_class_recall")
            }
    return rows


def _min_defect_recall(card: dict) -> float:
    from dtwin.vision.threshold import find_good_class

    good = card["classes"][find_good_class(card["classes"])]
    recall = card["metrics"]["test"]["per_class_recall"]
    return min(v for k, v in recall.items() if k != good)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0, help="split, init and augmentation seed")
    parser.add_argument("--target-recall", type=float, default=0.95)
    parser.add_argument("--max-minutes", type=float, help="override the training time budget")
    parser.add_argument(
        "--ablation", action="store_true", help="only the ablation: variants at a short budget"
    )
    parser.add_argument("--ablation-minutes", type=float, default=2.0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"error: data folder {args.data} does not exist (magnetic-tile: see its README)")
    out = run(args)
    print(json.dumps(out, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
