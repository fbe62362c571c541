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
    type=click.IntRange(16, 512),
    help="Model input side in pixels (16 to 512; a multiple of 32 for vit_tiny and swin_tiny).",
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
@click.option("--quiet", is_flag=True, help="No progress bars.")
def train(
    data_dir: Path,
    arch: str,
    epochs: int,
    img_size: int,
    seed: int,
    batch_size: int,
    max_minutes: float,
    out: Path,
    quiet: bool,
) -> None:
    """Train a classifier on the ImageFolder DATA_DIR (split internally) and export it."""
    from dtwin.vision.training import TrainConfig, train_and_export

    config = TrainConfig(
        arch=arch,
        epochs=epochs,
        img_size=img_size,
        seed=seed,
        batch_size=batch_size,
        max_minutes=max_minutes,
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


@vision.command()
@click.argument("checkpoint", type=click.Path(path_type=Path))
@click.argument("image", type=click.Path(path_type=Path))
@click.option(
    "--method",
    default="gradcam++",
    show_default=True,
    type=click.Choice(["gradcam", "gradcam++", "eigencam", "scorecam"]),
)
@click.option("--target", default=None, help="Class to explain (default: the predicted one).")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Image file for the overlay (.png, .jpg, .bmp, .tif or .webp).",
)
def explain(checkpoint: Path, image: Path, method: str, target: str | None, out: Path) -> None:
    """Write a CAM overlay of IMAGE for the model in CHECKPOINT (checkpoint.pt) to --out."""
    from dtwin.vision.images import check_output_image, load_image
    from dtwin.vision.modelfiles import check_checkpoint_file

    # the cheap checks first: loading PyTorch and the model takes seconds
    check_output_image(out)
    check_checkpoint_file(checkpoint)
    rgb = load_image(image)

    from PIL import Image

    from dtwin.vision.explain import Explainer

    result = Explainer.from_checkpoint(checkpoint).explain(rgb, method=method, target=target)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(result.overlay).save(out)
    click.echo(
        f"{image}: predicted {result.label}; {method} for {result.target} "
        f"(p={result.probability:.3f}), bbox {result.bbox}; wrote {out}"
    )
