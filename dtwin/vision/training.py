"""Training a timm classifier on an ImageFolder: augmentations, AdamW + cosine, early stopping.

Images are read once, resized to ``img_size`` and held in memory as uint8; augmentation runs on
batches in PyTorch, so a CPU trains small CNNs in minutes. The defaults are chosen to work both on
the synthetic set and on real grey surface photographs (NEU-like, 200x200 px).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from dtwin.environment import stack_versions
from dtwin.errors import ConfigError, DtwinError, VisionError
from dtwin.progress import progress_bar
from dtwin.vision.datasets import (
    ImageSet,
    fingerprint,
    load_arrays,
    scan_image_folder,
    stratified_split,
)
from dtwin.vision.images import RESIZE_MODES
from dtwin.vision.metrics import classification_report
from dtwin.vision.modelfiles import CHECKPOINT_HINT, check_checkpoint_file, first_line
from dtwin.vision.models import arch_spec, create_model, validate_img_size

CARD_FORMAT = "dtwin-vision-card/1"
BALANCE_MODES = ("auto", "sampler", "loss", "none")
IMBALANCE_RATIO = 3.0  # balance="auto" balances when the largest class is this many x the smallest
MODEL_STACK = ("dtwin", "torch", "timm", "numpy", "onnx", "onnxruntime", "grad-cam")


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (defaults: the shipped model's recipe)."""

    arch: str = "resnet10t_slim"
    epochs: int = 80
    img_size: int | None = 96  # None: chosen from the images' sizes (``auto_img_size``)
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
    resize: str = "letterbox"  # keep the aspect ratio (a square image is the same either way)
    balance: str = "none"  # none | auto | sampler | loss (auto: sampler when imbalanced)
    target_recall: float | None = None  # defect recall the operating threshold aims at
    good_class: str | None = None  # the defect-free class (None: the class named good/free/ok)
    choose_cam: bool = True  # measure CAM layer and method on validation images with masks

    def __post_init__(self) -> None:
        arch_spec(self.arch)
        if self.img_size is not None:
            validate_img_size(self.arch, self.img_size)
        if self.resize not in RESIZE_MODES:
            raise ConfigError(
                f"resize {self.resize!r} is invalid; valid: {', '.join(RESIZE_MODES)}"
            )
        if self.balance not in BALANCE_MODES:
            raise ConfigError(
                f"balance {self.balance!r} is invalid; valid: {', '.join(BALANCE_MODES)}"
            )
        if self.target_recall is not None and not 0 < self.target_recall <= 1:
            raise ConfigError(
                f"target_recall {self.target_recall!r} is invalid; valid: 0 < target_recall <= 1"
            )
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


def predict_images(model, card: dict, paths: list, progress: bool = False) -> np.ndarray:
    """Softmax probabilities (N, C) of image files, fitted to the model as its card says."""
    from dtwin.vision.images import fit_image, load_image, resize_mode

    size, mode = int(card["img_size"]), resize_mode(card)
    norm = card["normalisation"]
    out = []
    bar = progress_bar(range(0, len(paths), 64), desc="predict", progress=progress, quiet_up_to=2)
    for i in bar:
        batch = np.stack([fit_image(load_image(p), size, mode) for p in paths[i : i + 64]])
        out.append(predict_arrays(model, batch, norm["mean"], norm["std"]))
    return np.concatenate(out) if out else np.zeros((0, len(card["classes"])), np.float32)


def auto_img_size(images: ImageSet, arch: str = "resnet10t_slim", sample: int = 200) -> int:
    """The default input side: the median image's longer side / 3, in steps of 32, 96 to 224.

    A third keeps a defect of 0.2% of a 400x300 photograph at about 5x5 pixels; small images
    (the 128 px synthetic set, 200 px NEU photos) stay at 96 px, which trains fastest. Only the
    headers of an even sample of up to ``sample`` images are read.
    """
    from dtwin.vision.images import open_image

    step = max(1, len(images) // sample)
    sides = []
    for path in images.paths[::step]:
        with open_image(path) as img:
            sides.append(max(img.size))
    size = int(np.clip(32 * round(float(np.median(sides)) / 3 / 32), 96, 224))
    validate_img_size(arch, size)
    return size


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

    config = config or TrainConfig()
    images = data if isinstance(data, ImageSet) else scan_image_folder(data)
    if config.img_size is None:
        config = replace(config, img_size=auto_img_size(images, config.arch))
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    started = time.perf_counter()
    started_cpu = time.process_time()
    prepared = _prepare_data(images, config, progress)
    # the global generator is seeded above; its stream (init, then training) stays as it was, so
    # the shipped model's recipe reproduces it draw for draw
    model = create_model(config.arch, len(images.classes), config.img_size)
    run = _run_epochs(model, prepared, config, gen, started_cpu, progress)
    model.eval()
    point = _operating_point(model, prepared, config)
    report = _test_report(model, prepared, point)
    card = _model_card(prepared, config, run, report, started)
    if point:
        card["operating_point"] = point
        card["metrics"]["test_argmax"] = _test_report(model, prepared, None)
    card["training"]["balance"] = balance_mode(config.balance, prepared.labels[prepared.train_idx])
    card["cam"].update(_choose_cam(model, card, prepared, config, progress))
    split = {"train": prepared.train_idx, "val": prepared.val_idx, "test": prepared.test_idx}
    return TrainResult(model=model, card=card, images=images, split=split, arrays=prepared.arrays)


@dataclass
class _Prepared:
    """The split, the images in memory and the normalisation measured on the training part."""

    images: ImageSet
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    arrays: np.ndarray
    labels: np.ndarray
    mean: list[float]
    std: list[float]


def _prepare_data(images: ImageSet, config: TrainConfig, progress: bool) -> _Prepared:
    """Split by seed, load the images resized to ``img_size`` and measure mean and std."""
    train_idx, val_idx, test_idx = stratified_split(images.labels, config.fractions, config.seed)
    if len(train_idx) < 2 or len(val_idx) < 1:
        raise VisionError(
            f"too few images to train: {len(images)} in {images.root} "
            f"(train {len(train_idx)}, val {len(val_idx)}); need a few per class"
        )
    arrays = load_arrays(images, config.img_size, progress=progress, mode=config.resize)
    pixels = arrays[train_idx].reshape(-1, 3)
    mean = pixels.mean(axis=0) / 255.0
    std = np.maximum(pixels.std(axis=0) / 255.0, 1e-3)
    return _Prepared(
        images=images,
        train_idx=train_idx,
        val_idx=val_idx,
        test_idx=test_idx,
        arrays=arrays,
        labels=np.asarray(images.labels, int),
        mean=[round(float(v), 6) for v in mean],
        std=[round(float(v), 6) for v in std],
    )


@dataclass
class _EpochPlan:
    """Epoch bookkeeping: the plan (which the cosine follows), the best score, the stop reason."""

    epochs: int
    history: list[dict] = field(default_factory=list)
    best: float = -1.0
    best_epoch: int = 0
    stale: int = 0
    stop_reason: str = "epochs"
    metric: str = "val_accuracy"  # what early stopping watches


def _warmup_cosine(warmup: int, steps_per_epoch: int, plan: _EpochPlan):
    """Learning-rate factor per step: linear warm-up, then a cosine over ``plan.epochs``."""

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        total_steps = plan.epochs * steps_per_epoch
        done = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, done)))

    return lr_at


def _cpu_clock(threads: int):
    """Seconds of this process's CPU time per thread: a wall clock on free cores that a busy,
    shared machine does not run fast (the time budget then buys the same epochs)."""
    return lambda: time.process_time() / threads


def _run_epochs(model, data: _Prepared, config: TrainConfig, gen, started: float, progress: bool):
    """The epoch loop: train, score on the validation part, decide whether to go on.

    The time budget is counted in CPU seconds per thread (``started`` is ``process_time``), so
    the epochs planned do not depend on what else the machine runs.
    """
    import torch

    x_train = torch.from_numpy(data.arrays[data.train_idx]).permute(0, 3, 1, 2).contiguous()
    y_train = torch.from_numpy(data.labels[data.train_idx])
    mean_t = torch.tensor(data.mean, dtype=torch.float32).view(1, 3, 1, 1)
    std_t = torch.tensor(data.std, dtype=torch.float32).view(1, 3, 1, 1)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    steps_per_epoch = max(1, len(data.train_idx) // config.batch_size)
    threads = max(1, torch.get_num_threads())
    clock = _cpu_clock(threads)
    balance = balance_mode(config.balance, data.labels[data.train_idx])
    class_weights = _inverse_frequency(data.labels[data.train_idx], len(data.images.classes))
    draw = torch.from_numpy(class_weights[data.labels[data.train_idx]])
    loss_weight = torch.from_numpy(class_weights).float() if balance == "loss" else None
    # the cosine runs over the planned epochs; after the first epoch the plan shrinks to what
    # fits in the time budget, so a slow machine still anneals (and results then depend on it)
    plan = _EpochPlan(epochs=config.epochs)
    if balance != "none":
        plan.metric = "val_balanced_accuracy"
    lr_at = _warmup_cosine(config.warmup_epochs * steps_per_epoch, steps_per_epoch, plan)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    bar = progress_bar(range(1, config.epochs + 1), desc=f"train {config.arch}", progress=progress)
    for epoch in bar:
        t0, c0 = time.perf_counter(), clock()
        model.train()
        if balance == "sampler":  # every class equally likely per draw (rare ones repeat)
            order = torch.multinomial(draw, len(draw), replacement=True, generator=gen)
        else:
            order = torch.randperm(len(data.train_idx), generator=gen)
        losses = []
        for s in range(steps_per_epoch):
            idx = order[s * config.batch_size : (s + 1) * config.batch_size]
            x = _normalise(x_train[idx], mean_t, std_t)
            if config.augment:
                x = augment_batch(x, gen)
            losses.append(_step(model, optimizer, scheduler, x, y_train[idx], config, loss_weight))
        val_acc = _record_epoch(model, data, plan, epoch, losses, time.perf_counter() - t0)
        plan.history[-1]["cpu_seconds_per_thread"] = round(clock() - c0, 2)
        bar.set_postfix(loss=f"{np.mean(losses):.3f}", val=f"{val_acc:.3f}")
        if _should_stop(plan, epoch, config, clock() - started / threads):
            break
    bar.close()
    return plan


def balance_mode(balance: str, labels: np.ndarray) -> str:
    """The balancing a run uses: ``auto`` becomes ``sampler`` on imbalanced labels, else none."""
    if balance != "auto":
        return balance
    counts = np.bincount(np.asarray(labels, int))
    counts = counts[counts > 0]
    return "sampler" if counts.max() >= IMBALANCE_RATIO * counts.min() else "none"


def _inverse_frequency(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Per-class weights proportional to 1 / count, mean 1 over the classes present."""
    counts = np.bincount(np.asarray(labels, int), minlength=num_classes).astype(np.float64)
    weights = np.divide(1.0, counts, out=np.zeros_like(counts), where=counts > 0)
    return weights / weights[counts > 0].mean()


def _step(model, optimizer, scheduler, x, y, config: TrainConfig, weight=None) -> float:
    """One optimiser step on a batch; returns its loss."""
    import torch.nn.functional as F

    loss = F.cross_entropy(model(x), y, weight=weight, label_smoothing=config.label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    scheduler.step()
    return float(loss.detach())


def _record_epoch(
    model, data: _Prepared, plan: _EpochPlan, epoch: int, losses: list[float], secs: float
) -> float:
    """Score the epoch on the validation part, add it to the history; returns its accuracy."""
    val_idx, labels = data.val_idx, data.labels
    probs = predict_arrays(model, data.arrays[val_idx], data.mean, data.std)
    hit = probs.argmax(1) == labels[val_idx]
    val_acc = float(hit.mean())
    val_loss = float(-np.log(probs[np.arange(len(val_idx)), labels[val_idx]] + 1e-9).mean())
    row = {
        "epoch": epoch,
        "train_loss": float(np.mean(losses)),
        "val_loss": val_loss,
        "val_accuracy": val_acc,
        "seconds": round(secs, 2),
    }
    if plan.metric == "val_balanced_accuracy":  # mean recall: a rare class counts as much
        present = np.unique(labels[val_idx])
        val_acc = float(np.mean([hit[labels[val_idx] == c].mean() for c in present]))
        row["val_balanced_accuracy"] = val_acc
    plan.history.append(row)
    if val_acc > plan.best:  # the first epoch that reached the best accuracy
        plan.best_epoch = epoch
    if val_acc >= plan.best:  # a tie also counts as progress for early stopping
        plan.best, plan.stale = val_acc, 0
    else:
        plan.stale += 1
    return val_acc


def _should_stop(plan: _EpochPlan, epoch: int, config: TrainConfig, elapsed: float) -> bool:
    """Shrink the plan to the time budget or a plateau; True when training ends after ``epoch``."""
    budget = config.max_minutes * 60
    mean_epoch = float(np.mean([h["cpu_seconds_per_thread"] for h in plan.history]))
    if epoch == 1:
        fits = epoch + int((budget - elapsed) / (1.1 * mean_epoch))
        plan.epochs = max(1, min(config.epochs, fits))
    if plan.stale == config.patience and epoch < plan.epochs:
        # early stopping on a plateau: rather than stop at a high learning rate (and keep
        # weights that are still moving), anneal to zero over the next patience // 2 epochs
        plan.epochs = min(plan.epochs, epoch + max(1, config.patience // 2))
        plan.stop_reason = "early_stopping"
    if epoch >= plan.epochs:
        if plan.stop_reason == "epochs" and plan.epochs < config.epochs:
            plan.stop_reason = "time_limit"
        return True
    if elapsed + mean_epoch > budget:
        plan.stop_reason = "time_limit"
        return True
    return False


def _choose_cam(model, card: dict, data: _Prepared, config: TrainConfig, progress: bool) -> dict:
    """CAM layer and method measured on the validation images that have masks or boxes."""
    from dtwin.vision.evaluation import choose_cam, region_images

    if not config.choose_cam:
        return {}
    rgbs, regions, kept = region_images(data.images, data.val_idx, progress)
    if not rgbs:
        return {}
    return choose_cam(model, card, rgbs, regions, [int(data.labels[i]) for i in kept])


def _operating_point(model, data: _Prepared, config: TrainConfig) -> dict | None:
    """The defect threshold for ``config.target_recall``, chosen on the validation part only."""
    from dtwin.vision.threshold import choose_threshold, find_good_class

    if config.target_recall is None:
        return None
    classes = data.images.classes
    good = find_good_class(classes, config.good_class)
    probs = predict_arrays(model, data.arrays[data.val_idx], data.mean, data.std)
    point = choose_threshold(probs, data.labels[data.val_idx], good, config.target_recall)
    point["good_class"] = classes[good]
    point["chosen_on"] = "validation"
    return point


def _test_report(model, data: _Prepared, point: dict | None = None) -> dict:
    """Classification report on the test part ({} when the split has no test images).

    With an operating point the labels follow it (as served), else the most probable class.
    """
    from dtwin.vision.threshold import apply_operating_point

    if not len(data.test_idx):
        return {}
    probs = predict_arrays(model, data.arrays[data.test_idx], data.mean, data.std)
    classes = data.images.classes
    pred = apply_operating_point(probs, classes, point)
    return classification_report(data.labels[data.test_idx], pred, classes)


def _model_card(
    data: _Prepared, config: TrainConfig, plan: _EpochPlan, report: dict, started: float
) -> dict:
    """The model card: what a model file needs to be served, explained and reproduced."""
    spec = arch_spec(config.arch)
    images = data.images
    return {
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
            "resize": "letterbox" if config.resize == "letterbox" else "bilinear to a square",
        },
        "normalisation": {"scale": "pixel / 255", "mean": data.mean, "std": data.std},
        "metrics": {"test": report, f"best_{plan.metric}": plan.best},
        "training": {
            "config": asdict(config),
            "best_epoch": plan.best_epoch,
            "epochs_planned": plan.epochs,
            "epochs_run": len(plan.history),
            "stop_reason": plan.stop_reason,
            "seconds": round(time.perf_counter() - started, 1),
            "history": plan.history,
        },
        "data": {
            "root": str(images.root) if images.root else None,
            "fingerprint": fingerprint(images),
            "counts": images.counts(),
            "n_train": len(data.train_idx),
            "n_val": len(data.val_idx),
            "n_test": len(data.test_idx),
        },
        "cam": {"target_layer": spec.target_layer, "family": spec.family},
        "seed": config.seed,
        "versions": versions(),
    }


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
