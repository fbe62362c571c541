"""Training a timm classifier on an ImageFolder: augmentations, AdamW + cosine, early stopping.

Images are read once, resized to ``img_size`` and held in memory as uint8; augmentation runs on
batches in PyTorch, so a CPU trains small CNNs in minutes. The defaults are chosen to work both on
the synthetic set and on real grey surface photographs (NEU-like, 200x200 px).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from dtwin.environment import stack_versions
from dtwin.errors import ConfigError, DtwinError, VisionError
from dtwin.vision.datasets import (
    ImageSet,
    fingerprint,
    load_arrays,
    scan_image_folder,
    stratified_split,
)
from dtwin.vision.metrics import classification_report
from dtwin.vision.modelfiles import CHECKPOINT_HINT, check_checkpoint_file, first_line
from dtwin.vision.models import arch_spec, create_model, validate_img_size

CARD_FORMAT = "dtwin-vision-card/1"
MODEL_STACK = ("dtwin", "torch", "timm", "numpy", "onnx", "onnxruntime", "grad-cam")


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (defaults: the shipped model's recipe)."""

    arch: str = "resnet10t_slim"
    epochs: int = 80
    img_size: int = 96
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.05
    label_smoothing: float = 0.1
    warmup_epochs: int = 1
    patience: int = 16
    max_minutes: float = 8.5
    augment: bool = True
    seed: int = 0
    threads: int = 2
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)

    def __post_init__(self) -> None:
        arch_spec(self.arch)
        validate_img_size(self.arch, self.img_size)
        checks = {
            "epochs": self.epochs >= 1,
            "batch_size": self.batch_size >= 2,
            "lr": self.lr > 0,
            "weight_decay": self.weight_decay >= 0,
            "label_smoothing": 0 <= self.label_smoothing < 1,
            "patience": self.patience >= 1,
            "max_minutes": self.max_minutes > 0,
            "threads": self.threads >= 1,
        }
        for name, ok in checks.items():
            if not ok:
                raise ConfigError(f"training parameter {name}={getattr(self, name)!r} is invalid")
        self.fractions = tuple(float(f) for f in self.fractions)  # type: ignore[assignment]


@dataclass
class TrainResult:
    """A trained model (weights of its last epoch), its card and the data it saw."""

    model: Any
    card: dict
    images: ImageSet
    split: dict[str, np.ndarray]
    arrays: np.ndarray = field(repr=False)

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """uint8 images (N, S, S, 3) and labels of the ``train``, ``val`` or ``test`` split."""
        idx = self.split[name]
        return self.arrays[idx], np.asarray(self.images.labels, int)[idx]


def _normalise(x_uint8, mean, std):
    """Same arithmetic as ``images.normalize`` on a uint8 NCHW tensor."""
    x = x_uint8.float() / 255.0
    return (x - mean) / std


def augment_batch(x, gen):
    """Random flips, transposition and brightness/contrast jitter of a NCHW float batch.

    Only lossless geometric changes: resampling (rotation, scaling) blurs one-pixel scratches.
    """
    import torch

    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(2), x)
    if x.shape[2] == x.shape[3]:
        turn = torch.rand(n, generator=gen) < 0.5
        x = torch.where(turn[:, None, None, None], x.transpose(2, 3), x)
    contrast = 1 + (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * 0.2
    brightness = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * 0.2
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * contrast + mean + brightness


def predict_arrays(model, arrays: np.ndarray, mean, std, batch_size: int = 128) -> np.ndarray:
    """Softmax probabilities (N, C) of uint8 images (N, S, S, 3), preprocessed as in training."""
    import torch

    from dtwin.vision.images import normalize

    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(arrays), batch_size):
            x = torch.from_numpy(normalize(arrays[i : i + batch_size], mean, std))
            out.append(torch.softmax(model(x), dim=1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def versions() -> dict[str, str]:
    """Versions of the libraries a model depends on (for its model card)."""
    return stack_versions(MODEL_STACK, missing="not installed")


def train(
    data: str | Path | ImageSet, config: TrainConfig | None = None, progress: bool = True
) -> TrainResult:
    """Train ``config.arch`` on an ImageFolder (split train/val/test by seed).

    The weights kept are those of the last epoch, with the learning rate annealed to zero: on a
    small validation set the best-scoring epoch is often a lucky one at a high learning rate.
    """
    import torch
    import torch.nn.functional as F

    config = config or TrainConfig()
    images = data if isinstance(data, ImageSet) else scan_image_folder(data)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    started = time.perf_counter()

    train_idx, val_idx, test_idx = stratified_split(images.labels, config.fractions, config.seed)
    if len(train_idx) < 2 or len(val_idx) < 1:
        raise VisionError(
            f"too few images to train: {len(images)} in {images.root} "
            f"(train {len(train_idx)}, val {len(val_idx)}); need a few per class"
        )
    arrays = load_arrays(images, config.img_size, progress=progress)
    labels = np.asarray(images.labels, int)
    mean = arrays[train_idx].reshape(-1, 3).mean(axis=0) / 255.0
    std = np.maximum(arrays[train_idx].reshape(-1, 3).std(axis=0) / 255.0, 1e-3)
    mean_l, std_l = [round(float(v), 6) for v in mean], [round(float(v), 6) for v in std]
    mean_t = torch.tensor(mean_l, dtype=torch.float32).view(1, 3, 1, 1)
    std_t = torch.tensor(std_l, dtype=torch.float32).view(1, 3, 1, 1)

    x_train = torch.from_numpy(arrays[train_idx]).permute(0, 3, 1, 2).contiguous()
    y_train = torch.from_numpy(labels[train_idx])
    # the global generator is seeded above; its stream (init, then training) stays as it was, so
    # the shipped model's recipe reproduces it draw for draw
    model = create_model(config.arch, len(images.classes), config.img_size)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    steps_per_epoch = max(1, len(train_idx) // config.batch_size)
    warmup = config.warmup_epochs * steps_per_epoch
    # the cosine runs over the planned epochs; after the first epoch the plan shrinks to what
    # fits in the time budget, so a slow machine still anneals (and results then depend on it)
    plan = {"epochs": config.epochs}

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        total_steps = plan["epochs"] * steps_per_epoch
        progress_ = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress_)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    history: list[dict] = []
    best = -1.0
    best_epoch, stale, stop_reason = 0, 0, "epochs"
    budget = config.max_minutes * 60
    bar = tqdm(range(1, config.epochs + 1), desc=f"train {config.arch}", disable=not progress)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(train_idx), generator=gen)
        losses = []
        for s in range(steps_per_epoch):
            idx = order[s * config.batch_size : (s + 1) * config.batch_size]
            x = _normalise(x_train[idx], mean_t, std_t)
            if config.augment:
                x = augment_batch(x, gen)
            loss = F.cross_entropy(model(x), y_train[idx], label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(float(loss.detach()))
        probs = predict_arrays(model, arrays[val_idx], mean_l, std_l)
        val_acc = float((probs.argmax(1) == labels[val_idx]).mean())
        val_loss = float(-np.log(probs[np.arange(len(val_idx)), labels[val_idx]] + 1e-9).mean())
        secs = time.perf_counter() - t0
        history.append(
            {
                "epoch": epoch,
                "train_loss": float(np.mean(losses)),
                "val_loss": val_loss,
                "val_accuracy": val_acc,
                "seconds": round(secs, 2),
            }
        )
        bar.set_postfix(loss=f"{np.mean(losses):.3f}", val_acc=f"{val_acc:.3f}")
        if val_acc >= best:
            best, best_epoch, stale = val_acc, epoch, 0
        else:
            stale += 1
        elapsed = time.perf_counter() - started
        mean_epoch = float(np.mean([h["seconds"] for h in history]))
        if epoch == 1:
            fits = epoch + int((budget - elapsed) / (1.1 * mean_epoch))
            plan["epochs"] = max(1, min(config.epochs, fits))
        if stale == config.patience and epoch < plan["epochs"]:
            # early stopping on a plateau: rather than stop at a high learning rate (and keep
            # weights that are still moving), anneal to zero over the next patience // 2 epochs
            plan["epochs"] = min(plan["epochs"], epoch + max(1, config.patience // 2))
            stop_reason = "early_stopping"
        if epoch >= plan["epochs"]:
            if stop_reason == "epochs" and plan["epochs"] < config.epochs:
                stop_reason = "time_limit"
            break
        if elapsed + mean_epoch > budget:
            stop_reason = "time_limit"
            break
    bar.close()
    model.eval()

    report = {}
    if len(test_idx):
        test_probs = predict_arrays(model, arrays[test_idx], mean_l, std_l)
        report = classification_report(labels[test_idx], test_probs.argmax(1), images.classes)
    spec = arch_spec(config.arch)
    card = {
        "format": CARD_FORMAT,
        "arch": config.arch,
        "timm_name": spec.timm_name,
        "model_kwargs": spec.kwargs(config.img_size),
        "classes": list(images.classes),
        "img_size": config.img_size,
        "input": {
            "shape": ["batch", 3, config.img_size, config.img_size],
            "dtype": "float32",
            "colour": "RGB (grey replicated)",
            "resize": "bilinear to a square",
        },
        "normalisation": {"scale": "pixel / 255", "mean": mean_l, "std": std_l},
        "metrics": {"test": report, "best_val_accuracy": best},
        "training": {
            "config": asdict(config),
            "best_epoch": best_epoch,
            "epochs_planned": plan["epochs"],
            "epochs_run": len(history),
            "stop_reason": stop_reason,
            "seconds": round(time.perf_counter() - started, 1),
            "history": history,
        },
        "data": {
            "root": str(images.root) if images.root else None,
            "fingerprint": fingerprint(images),
            "counts": images.counts(),
            "n_train": len(train_idx),
            "n_val": len(val_idx),
            "n_test": len(test_idx),
        },
        "cam": {"target_layer": spec.target_layer, "family": spec.family},
        "seed": config.seed,
        "versions": versions(),
    }
    split = {"train": train_idx, "val": val_idx, "test": test_idx}
    return TrainResult(model=model, card=card, images=images, split=split, arrays=arrays)


def save_checkpoint(model, card: dict, path: str | Path) -> Path:
    """Save plain tensors and the card as JSON text (loadable with ``weights_only=True``)."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    torch.save({"state_dict": state, "card": json.dumps(card)}, path)
    return path


def load_checkpoint(path: str | Path) -> tuple[Any, dict]:
    """Rebuild the model from a checkpoint written by ``save_checkpoint`` (safe loading).

    Anything else (a text, ONNX, empty or truncated file, a folder, another program's
    checkpoint) raises VisionError naming the file and what a valid checkpoint is.
    """
    path = check_checkpoint_file(path)
    import torch

    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, zip errors, forbidden globals: all "not ours"
        raise VisionError(
            f"cannot load checkpoint {path} (damaged, truncated or not written by dtwin: "
            f"{type(exc).__name__}: {first_line(exc)}); {CHECKPOINT_HINT}"
        ) from exc
    card = _checkpoint_card(path, blob)
    try:
        model = create_model(card["arch"], len(card["classes"]), int(card["img_size"]), seed=0)
        model.load_state_dict(blob["state_dict"])
    except (RuntimeError, TypeError, ValueError, DtwinError) as exc:
        raise VisionError(
            f"checkpoint {path} does not match arch {card['arch']} named in its card "
            f"(weights of another architecture, size or class count: {first_line(exc)})"
        ) from exc
    model.eval()
    return model, card


def _checkpoint_card(path: Path, blob: object) -> dict:
    """The model card inside a loaded checkpoint, checked for the keys a model needs."""
    if not isinstance(blob, dict) or "state_dict" not in blob or "card" not in blob:
        raise VisionError(
            f"checkpoint {path} is not a dtwin vision checkpoint (expected keys state_dict, "
            f"card); {CHECKPOINT_HINT}"
        )
    try:
        card = json.loads(blob["card"])
    except (TypeError, ValueError) as exc:
        raise VisionError(f"checkpoint {path}: its model card is not valid JSON: {exc}") from exc
    missing = [
        k for k in ("arch", "classes", "img_size") if not isinstance(card, dict) or k not in card
    ]
    if missing:
        raise VisionError(f"checkpoint {path}: its model card lacks {', '.join(missing)}")
    return card


def train_and_export(
    data: str | Path | ImageSet,
    out: str | Path,
    config: TrainConfig | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train, then write ``checkpoint.pt``, a parity-checked ``model.onnx``, ``model_card.json``."""
    from dtwin.vision.export import export_onnx

    config = config or TrainConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    result = train(data, config, progress=progress)
    sample = result.part("val")[0][:4]
    result.card["onnx"] = export_onnx(result.model, result.card, out / "model.onnx", sample)
    result.card["training"]["total_seconds"] = round(time.perf_counter() - t0, 1)
    save_checkpoint(result.model, result.card, out / "checkpoint.pt")
    (out / "model_card.json").write_text(json.dumps(result.card, indent=2) + "\n")
    return result
