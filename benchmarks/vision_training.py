"""Benchmark of ``dtwin vision train`` defaults on grey 200x200 surface photographs.

The bar: on a real set of about 1,500 grey 200x200 surface photos in 6 classes, the defaults
train in <= 10 min on 2 cores to >= 99% held-out accuracy. Point it at such a folder
(ImageFolder: ``DATA_DIR/<class>/*.bmp|png|jpg``); without one it generates the NEU-like stand-in
of ``benchmarks/steel_textures.py`` (250 per class, seed 7). Prints the wall time, the held-out
(test split) accuracy, macro-F1, per-class recall and the stop reason; ``--json`` prints one
object instead.

Run: ``python benchmarks/vision_training.py [DATA_DIR] [--seed 0] [--img-size S] [--json]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from dtwin.vision import TrainConfig, train

sys.path.insert(0, str(Path(__file__).parent))
from steel_textures import write_dataset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, help="ImageFolder of photographs")
    parser.add_argument("--seed", type=int, default=0, help="training seed (split and init)")
    parser.add_argument("--data-seed", type=int, default=7, help="seed of the generated set")
    parser.add_argument("--img-size", type=int, help="override the default input size")
    parser.add_argument("--arch", help="override the default architecture")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "steel"
            write_dataset(data, 250, args.data_seed)
        overrides = {"seed": args.seed}
        if args.img_size:
            overrides["img_size"] = args.img_size
        if args.arch:
            overrides["arch"] = args.arch
        config = TrainConfig(**overrides)
        t0 = time.perf_counter()
        result = train(data, config, progress=not args.json)
        seconds = time.perf_counter() - t0
    card = result.card
    test = card["metrics"]["test"]
    row = {
        "data": str(args.data or f"steel_textures seed {args.data_seed}"),
        "images": len(result.images),
        "classes": card["classes"],
        "arch": card["arch"],
        "img_size": card["img_size"],
        "train_seconds": round(seconds, 1),
        "epochs_run": card["training"]["epochs_run"],
        "stop_reason": card["training"]["stop_reason"],
        "test_accuracy": test["accuracy"],
        "test_macro_f1": test["macro_f1"],
        "test_n": test["n"],
        "per_class_recall": test["per_class_recall"],
    }
    if args.json:
        print(json.dumps(row))
        return
    print(f"data: {row['data']} ({row['images']} images, {len(row['classes'])} classes)")
    print(
        f"model: {row['arch']} at {row['img_size']} px; {row['epochs_run']} epochs "
        f"({row['stop_reason']}) in {seconds / 60:.1f} min"
    )
    print(
        f"held-out accuracy {test['accuracy']:.2%} on {test['n']} images, "
        f"macro-F1 {test['macro_f1']:.3f}"
    )
    for name, recall in test["per_class_recall"].items():
        print(f"  recall {name:<16} {recall:.2%}")
    met = test["accuracy"] >= 0.99 and seconds <= 600
    print(f"bar: >= 99% held-out in <= 10 min: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
