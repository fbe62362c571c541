"""Evaluating a classifier on real images: classes, the operating point, and where its CAMs point.

Everything is measured in the source images' pixels against their own ground truth (a mask, or
boxes filled to one; ``load_region``). ``choose_cam`` picks the CAM layer and method on
*validation* images; ``evaluate_model`` reports on held-out ones.
"""

from __future__ import annotations

import numpy as np

from dtwin.errors import VisionError
from dtwin.progress import progress_bar
from dtwin.vision.datasets import ImageSet, fingerprint, load_region, stratified_split
from dtwin.vision.explain import (
    METHOD_ALIASES,
    Explainer,
    cam_iou,
    pointing_chance,
    pointing_game,
)
from dtwin.vision.images import load_image
from dtwin.vision.metrics import classification_report

CAM_METHODS = ("gradcam", "gradcam++", "layercam", "eigencam")  # ScoreCAM: ~50x the cost
RESNET_LAYERS = ("layer1", "layer2", "layer3", "layer1+layer2", "layer2+layer3")


def cam_layer_candidates(card: dict) -> tuple[str, ...]:
    """Target layers worth measuring for the card's architecture (its registry layer first)."""
    layer = card["cam"]["target_layer"].split("+")[0] if "cam" in card else "layer2"
    if card.get("timm_name", "").startswith("resnet"):
        return (layer, *(name for name in RESNET_LAYERS if name != layer))
    return (layer,)


def region_images(
    images: ImageSet, index, progress: bool = False
) -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
    """Source images, their ground-truth masks and positions, for images of ``index`` whose
    mask or boxes mark a non-empty region."""
    rgbs, regions, kept = [], [], []
    for i in progress_bar(list(index), desc="load regions", progress=progress, quiet_up_to=50):
        if not images.has_region(int(i)):
            continue
        rgb = load_image(images.paths[int(i)])
        region = load_region(images, int(i), rgb.shape[:2])
        if region.any():
            rgbs.append(rgb)
            regions.append(region)
            kept.append(int(i))
    return rgbs, regions, kept


def localisation(
    explainer: Explainer,
    rgbs: list[np.ndarray],
    regions: list[np.ndarray],
    targets: list[int],
    method: str | None = None,
) -> dict:
    """Pointing game, mean CAM IoU and the pointing game's chance level, in source pixels.

    ``targets`` are the classes to explain (model indices; the true classes for a fair score).
    """
    if not rgbs:
        raise VisionError("no images with a defect mask or box to score the CAMs against")
    method = method or explainer.method
    hits, ious = [], []
    for start in range(0, len(rgbs), 32):  # a batch of source images at a time: bounded memory
        chunk = slice(start, start + 32)
        maps, _ = explainer.source_cams(rgbs[chunk], targets[chunk], method)
        hits += [pointing_game(c, m) for c, m in zip(maps, regions[chunk], strict=True)]
        ious += [cam_iou(c, m) for c, m in zip(maps, regions[chunk], strict=True)]
    return {
        "method": METHOD_ALIASES[method.lower()],
        "target_layer": explainer.layer_name,
        "n": len(rgbs),
        "pointing_game": float(np.mean(hits)),
        "mean_iou": float(np.mean(ious)),
        "pointing_chance": pointing_chance(regions),
        "hits": [bool(h) for h in hits],
    }


def choose_cam(
    model,
    card: dict,
    rgbs: list[np.ndarray],
    regions: list[np.ndarray],
    targets: list[int],
    methods: tuple[str, ...] = CAM_METHODS,
    layers: tuple[str, ...] | None = None,
) -> dict:
    """Measure every (layer, method) on validation images; the best pointing game wins.

    Ties go to the higher mean IoU, then to the earlier candidate (the registry's layer,
    Grad-CAM first). Returns ``{"target_layer", "method", "chosen_on", "val_n", "table"}``.
    """
    table = []
    for layer in layers or cam_layer_candidates(card):
        explainer = Explainer(model, card, layer)
        for method in methods:
            scores = localisation(explainer, rgbs, regions, targets, method)
            table.append(
                {
                    "target_layer": layer,
                    "method": scores["method"],
                    "pointing_game": round(scores["pointing_game"], 4),
                    "mean_iou": round(scores["mean_iou"], 4),
                }
            )
    best = max(table, key=lambda r: (r["pointing_game"], r["mean_iou"]))
    return {
        "target_layer": best["target_layer"],
        "method": best["method"],
        "chosen_on": "validation",
        "val_n": len(rgbs),
        "val_pointing_game": best["pointing_game"],
        "table": table,
    }


def model_labels(card: dict, images: ImageSet) -> np.ndarray:
    """The images' labels as indices into the model's classes (VisionError on unknown ones)."""
    classes = list(card["classes"])
    missing = [c for c in images.classes if c not in classes]
    if missing:
        raise VisionError(
            f"classes {missing} of {images.root} are unknown to the model (its classes: {classes})"
        )
    return np.array([classes.index(images.classes[i]) for i in images.labels], int)


def held_out_index(card: dict, images: ImageSet, split: str = "auto") -> tuple[np.ndarray, str]:
    """Which images to evaluate: ``test`` (the training run's held-out part), ``all``, or
    ``auto`` (the test part when ``images`` are the data the model was trained on, else all)."""
    if split not in ("auto", "test", "all"):
        raise VisionError(f"split {split!r} is invalid; valid: auto, test, all")
    same = card.get("data", {}).get("fingerprint") == fingerprint(images)
    if split == "test" and not same:
        raise VisionError(
            f"images in {images.root} are not the data the model was trained on (data "
            "fingerprints differ), so its test part is unknown; use split 'all'"
        )
    if split == "all" or not same:
        return np.arange(len(images)), "all"
    config = card["training"]["config"]
    _, _, test = stratified_split(images.labels, tuple(config["fractions"]), int(config["seed"]))
    return test, "test"


def evaluate_model(
    model,
    card: dict,
    images: ImageSet,
    split: str = "auto",
    method: str | None = None,
    progress: bool = False,
) -> dict:
    """Accuracy, macro-F1, per-class recall (by the card's operating point) and the pointing
    game and CAM IoU against the images' masks or boxes (true class explained)."""
    from dtwin.vision.training import predict_images

    index, used = held_out_index(card, images, split)
    labels = model_labels(card, images)
    explainer = Explainer(model, card)
    probs = predict_images(model, card, [images.paths[i] for i in index], progress=progress)
    pred = explainer.decide(probs)
    out = {"split": used, "n_images": len(index)}
    out.update(classification_report(labels[index], pred, list(card["classes"])))
    out["operating_point"] = card.get("operating_point")
    rgbs, regions, kept = region_images(images, index, progress)
    if rgbs:
        scores = localisation(explainer, rgbs, regions, [int(labels[i]) for i in kept], method)
        hits = scores.pop("hits")
        per_class = {}
        for name in card["classes"]:
            mine = [
                h for h, i in zip(hits, kept, strict=True) if card["classes"][labels[i]] == name
            ]
            if mine:
                per_class[name] = float(np.mean(mine))
        scores["pointing_game_per_class"] = per_class
        out["localisation"] = scores
    else:
        out["localisation"] = None
    return out
