"""``dtwin vision``: synthesise defect images, train, predict with ONNX, explain with CAMs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dtwin.cli_params import FiniteFloat, seed_option
from dtwin.vision.models import ARCHS
from dtwin.vision.synth import MAX_PER_CLASS, MAX_SIZE, MIN_SIZE
from dtwin.vision.training import TrainConfig

_DEFAULT = TrainConfig()
MAX_EPOCHS = 10_000
MAX_BATCH = 4096
MAX_MINUTES = 7 * 24 * 60.0  # a week


@click.group()
def vision() -> None:
    """Defect inspection: synthetic data, training, ONNX prediction, Grad-CAM."""


@vision.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--n",
    "n",
    default=300,
    show_default=True,
    type=click.IntRange(1, MAX_PER_CLASS),
    help=f"Images per class (1 to {MAX_PER_CLASS:,}).",
)
@click.option(
    "--size",
    default=128,
    show_default=True,
    type=click.IntRange(MIN_SIZE, MAX_SIZE),
    help=f"Image side in pixels ({MIN_SIZE} to {MAX_SIZE}).",
)
@seed_option()
def synth(out: Path, n: int, size: int, seed: int) -> None:
    """Write a synthetic defect ImageFolder with masks and manifest.csv into OUT."""
    from dtwin.vision.synth import CLASSES, generate_dataset

    manifest = generate_dataset(out, n=n, size=size, seed=seed)
    click.echo(f"wrote {n * len(CLASSES)} images ({', '.join(CLASSES)}) to {out}; {manifest}")


@vision.command()
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.option("--arch", default=_DEFAULT.arch, show_default=True, type=click.Choice(list(ARCHS)))
@click.option(
    "--epochs",
    default=_DEFAULT.epochs,
    show_default=True,
    type=click.IntRange(1, MAX_EPOCHS),
    help="Most epochs (early stopping or the time budget may end sooner).",
)
@click.option(
    "--img-size",
    default=_DEFAULT.img_size,
    show_default=True,
    type=click.IntRange(0, 512),
    help="Model input side in pixels (16 to 512; a multiple of 32 for vit_tiny and swin_tiny); "
    "0: the median image's longer side / 3, 96 to 224.",
)
@seed_option("Seed of split, init and augmentation.")
@click.option(
    "--batch-size",
    default=_DEFAULT.batch_size,
    show_default=True,
    type=click.IntRange(2, MAX_BATCH),
    help=f"Images per training step (2 to {MAX_BATCH}).",
)
@click.option(
    "--max-minutes",
    default=_DEFAULT.max_minutes,
    show_default=True,
    type=FiniteFloat(min=0, max=MAX_MINUTES, min_open=True),
    help="Time budget for the epochs; the cosine schedule shrinks to fit it (at most a week).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for model.onnx, model_card.json and checkpoint.pt.",
)
@click.option(
    "--resize",
    default=_DEFAULT.resize,
    show_default=True,
    type=click.Choice(["letterbox", "squash"]),
    help="letterbox keeps the aspect ratio (padding); squash stretches to a square.",
)
@click.option(
    "--balance",
    default=_DEFAULT.balance,
    show_default=True,
    type=click.Choice(["auto", "sampler", "loss", "none"]),
    help="Class balancing: auto samples classes equally when the largest is >= 3x the smallest.",
)
@click.option(
    "--target-recall",
    default=None,
    type=FiniteFloat(min=0, max=1, min_open=True),
    help="Defect recall (0-1] the defect-vs-good threshold aims at, chosen on validation images.",
)
@click.option("--good-class", default=None, help="The defect-free class (default: good/free/ok).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def train(
    data_dir: Path,
    arch: str,
    epochs: int,
    img_size: int | None,
    seed: int,
    batch_size: int,
    max_minutes: float,
    out: Path,
    resize: str,
    balance: str,
    target_recall: float | None,
    good_class: str | None,
    quiet: bool,
) -> None:
    """Train a classifier on the ImageFolder DATA_DIR (split internally) and export it."""
    from dtwin.vision.training import TrainConfig, train_and_export

    config = TrainConfig(
        arch=arch,
        epochs=epochs,
        img_size=img_size or None,
        seed=seed,
        batch_size=batch_size,
        max_minutes=max_minutes,
        resize=resize,
        balance=balance,
        target_recall=target_recall,
        good_class=good_class,
    )
    result = train_and_export(data_dir, out, config, progress=not quiet)
    test = result.card["metrics"]["test"]
    info = result.card["training"]
    click.echo(
        f"test accuracy {test.get('accuracy', float('nan')):.4f}, macro-F1 "
        f"{test.get('macro_f1', float('nan')):.4f} on {test.get('n', 0)} images; "
        f"{info['epochs_run']} epochs ({info['stop_reason']}), {info['total_seconds']:.0f} s; "
        f"ONNX parity max abs diff {result.card['onnx']['parity_max_abs_diff']:.2e}"
    )
    point = result.card.get("operating_point")
    if point:
        click.echo(
            f"operating point: defect when 1 - p({point['good_class']}) >= "
            f"{point['threshold']:.4f} (validation defect recall {point['val_defect_recall']:.3f}"
            f", false alarms {point['val_false_alarm_rate']:.3f})"
        )
    click.echo(f"wrote {out / 'model.onnx'}, {out / 'model_card.json'}, {out / 'checkpoint.pt'}")


@vision.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON list of {path, label, probabilities, ms}."
)
def predict(model: Path, images: tuple[Path, ...], as_json: bool) -> None:
    """Classify IMAGES with MODEL.onnx (its model_card.json, if beside it, is checked)."""
    from dtwin.vision.serve import OnnxClassifier

    clf = OnnxClassifier(model)
    preds = clf.predict(list(images))
    rows = [
        {"path": str(p), "label": r.label, "probabilities": r.probabilities, "ms": r.ms}
        for p, r in zip(images, preds, strict=True)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        prob = row["probabilities"][row["label"]]
        click.echo(f"{row['path']}\t{row['label']}\t{prob:.3f}\t{row['ms']:.1f} ms")


def _overlay_paths(images: tuple[Path, ...], out: Path | None) -> list[Path | None]:
    """Where each overlay goes: --out itself for one image, ``OUT/<stem>_cam.png`` for several."""
    from dtwin.errors import VisionError
    from dtwin.vision.images import check_output_image

    if out is None:
        return [None] * len(images)
    if len(images) == 1:
        return [check_output_image(out)]
    if out.exists() and not out.is_dir():
        raise VisionError(f"--out {out} must be a folder when several images are explained")
    stems = [p.stem for p in images]
    paths = [
        out / f"{s}_cam.png" if stems.count(s) == 1 else out / f"{s}_{i}_cam.png"
        for i, s in enumerate(stems)
    ]
    check_output_image(paths[0])
    return paths


@vision.command()
@click.argument("checkpoint", type=click.Path(path_type=Path))
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--method",
    default=None,
    type=click.Choice(["gradcam", "gradcam++", "layercam", "eigencam", "scorecam"]),
    help="CAM method (default: the one the model card records as measured best).",
)
@click.option("--layer", default=None, help="Target layer(s), e.g. layer2 or layer2+layer3.")
@click.option("--target", default=None, help="Class to explain (default: the predicted one).")
@click.option(
    "--out",
    default=None,
    type=click.Path(path_type=Path),
    help="Overlay image file (.png, .jpg, .bmp, .tif or .webp); a folder for several images.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of {path, label, probability, peak, bbox} (source pixels).",
)
def explain(
    checkpoint: Path,
    images: tuple[Path, ...],
    method: str | None,
    layer: str | None,
    target: str | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """CAMs of IMAGES for the model in CHECKPOINT (checkpoint.pt): peak and box in each image's
    own pixels, and overlays with --out."""
    from dtwin.vision.images import load_image
    from dtwin.vision.modelfiles import check_checkpoint_file

    if out is None and not as_json:
        raise click.UsageError("give --out (overlay files), --json, or both")
    # the cheap checks first: loading PyTorch and the model takes seconds
    targets = _overlay_paths(images, out)
    check_checkpoint_file(checkpoint)
    rgbs = [load_image(p) for p in images]

    from PIL import Image

    from dtwin.vision.explain import Explainer, boxed_overlay

    explainer = Explainer.from_checkpoint(checkpoint, target_layer=layer)
    rows = []
    for path, rgb, dest in zip(images, rgbs, targets, strict=True):
        r = explainer.explain(rgb, method=method, target=target)
        if dest is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(boxed_overlay(r)).save(dest)
        rows.append(
            {
                "path": str(path),
                "label": r.label,
                "target": r.target,
                "probability": round(r.probability, 6),
                "peak": list(r.peak),
                "bbox": list(r.bbox),
                "width": int(rgb.shape[1]),
                "height": int(rgb.shape[0]),
                "method": r.method,
                "target_layer": explainer.layer_name,
                "overlay": str(dest) if dest else None,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['path']}: predicted {row['label']}; {row['method']} at {row['target_layer']} "
            f"for {row['target']} (p={row['probability']:.3f}), peak {tuple(row['peak'])}, "
            f"bbox {tuple(row['bbox'])}; wrote {row['overlay']}"
        )


@vision.command()
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--split",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "test", "all"]),
    help="auto: the training run's held-out test part when DATA is its data, else every image.",
)
@click.option(
    "--method",
    default=None,
    type=click.Choice(["gradcam", "gradcam++", "layercam", "eigencam"]),
    help="CAM method (default: the card's measured choice).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def evaluate(
    model_dir: Path, data: Path, split: str, method: str | None, as_json: bool, quiet: bool
) -> None:
    """Accuracy, macro-F1, per-class recall, pointing game and CAM IoU of the model in MODEL_DIR
    on the image folder DATA (masks or VOC/YOLO boxes beside the images)."""
    from dtwin.vision.datasets import scan_image_folder
    from dtwin.vision.modelfiles import check_checkpoint_file

    checkpoint = model_dir / "checkpoint.pt" if model_dir.is_dir() else model_dir
    check_checkpoint_file(checkpoint)
    images = scan_image_folder(data)

    from dtwin.vision.evaluation import evaluate_model
    from dtwin.vision.training import load_checkpoint

    model, card = load_checkpoint(checkpoint)
    report = evaluate_model(model, card, images, split, method, progress=not quiet and not as_json)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(
        f"{report['split']} images: {report['n_images']}; accuracy {report['accuracy']:.4f}, "
        f"macro-F1 {report['macro_f1']:.4f}"
    )
    for name, recall in report["per_class_recall"].items():
        click.echo(f"  recall {name:<16} {recall:.3f}")
    loc = report["localisation"]
    if loc:
        click.echo(
            f"pointing game {loc['pointing_game']:.3f} (chance {loc['pointing_chance']:.3f}), "
            f"mean CAM IoU {loc['mean_iou']:.3f} on {loc['n']} defect images "
            f"({loc['method']} at {loc['target_layer']})"
        )
    else:
        click.echo("no masks or boxes: no pointing game")
