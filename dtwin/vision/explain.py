"""Class activation maps (Grad-CAM, Grad-CAM++, LayerCAM, EigenCAM, ScoreCAM) and how well they
localise.

A CAM weights one layer's activation maps (several layers joined by ``+`` are fused: each map is
scaled to [0, 1] and they are averaged); the layer (and, for transformers, the reshape of tokens
to a grid) comes from the model card, which records the layer and method chosen on validation
images with masks (``dtwin.vision.evaluation.choose_cam``). CAMs come back in the *source*
image's pixels: a letterboxed model's padding is cropped before the map is resized.
``pointing_game`` and ``cam_iou`` measure a CAM against ground-truth defect masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from dtwin.errors import ConfigError, VisionError
from dtwin.progress import progress_bar
from dtwin.vision.images import (
    ImageInput,
    as_rgb_array,
    fit_image,
    map_to_source,
    normalize,
    resize_mode,
    resize_uint8,
)
from dtwin.vision.models import cam_reshape, get_layer

METHOD_ALIASES = {
    "gradcam": "gradcam",
    "gradcam++": "gradcam++",
    "gradcampp": "gradcam++",
    "gradcam_pp": "gradcam++",
    "layercam": "layercam",
    "eigencam": "eigencam",
    "scorecam": "scorecam",
}
# eigencam/scorecam: gradient-free
METHODS = ("gradcam", "gradcam++", "layercam", "eigencam", "scorecam")
DEFAULT_METHOD = "gradcam++"  # for cards that record no measured choice


@dataclass(frozen=True)
class CamResult:
    """A CAM (H, W) in [0, 1] at the image's size, its overlay and the box around its peak.

    ``peak`` is the CAM's maximum as (x, y) and ``bbox`` (x0, y0, x1, y1; ends exclusive), both
    in the source image's pixels.
    """

    cam: np.ndarray
    overlay: np.ndarray
    bbox: tuple[int, int, int, int]
    label: str
    target: str
    probability: float
    peak: tuple[int, int] | None = None
    method: str = ""


def _cam_class(method: str):
    from pytorch_grad_cam import EigenCAM, GradCAM, GradCAMPlusPlus, LayerCAM, ScoreCAM

    key = METHOD_ALIASES.get(method.lower())
    if key is None:
        raise ConfigError(f"unknown CAM method {method!r}; valid: {', '.join(METHODS)}")
    return {
        "gradcam": GradCAM,
        "gradcam++": GradCAMPlusPlus,
        "layercam": LayerCAM,
        "eigencam": EigenCAM,
        "scorecam": ScoreCAM,
    }[key]


def colormap_jet(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] to RGB uint8 with a jet-like colour ramp (blue -> red)."""
    v = np.clip(values, 0, 1)[..., None]
    rgb = np.clip(1.5 - np.abs(4 * v - np.array([3.0, 2.0, 1.0])), 0, 1)
    return (rgb * 255 + 0.5).astype(np.uint8)


def overlay_cam(image: np.ndarray, cam: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Blend a CAM (H, W) onto a same-size RGB uint8 image; stronger where the CAM is high."""
    heat = colormap_jet(cam).astype(np.float32)
    a = alpha * (0.35 + 0.65 * np.clip(cam, 0, 1))[..., None]
    out = image.astype(np.float32) * (1 - a) + heat * a
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def cam_peak(cam: np.ndarray) -> tuple[int, int]:
    """(x, y) of the CAM's maximum."""
    y, x = np.unravel_index(int(np.argmax(cam)), cam.shape)
    return int(x), int(y)


def cam_bbox(cam: np.ndarray, threshold: float = 0.5) -> tuple[int, int, int, int]:
    """Box (x0, y0, x1, y1), exclusive ends, of the above-threshold region holding the CAM peak."""
    peak = np.unravel_index(int(np.argmax(cam)), cam.shape)
    labels, _ = ndimage.label(cam >= threshold * cam.max())
    region = labels == labels[peak] if labels[peak] else np.zeros_like(cam, bool)
    region[peak] = True
    ys, xs = np.nonzero(region)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def pointing_tolerance(side: int) -> int:
    """Pixels of slack for the pointing game: 15 px at 224 px (Zhang et al.), scaled."""
    return max(1, int(round(15 * side / 224)))


def pointing_game(cam: np.ndarray, mask: np.ndarray, tolerance: int | None = None) -> bool:
    """True when the CAM's peak lies inside the mask dilated by ``tolerance`` pixels."""
    if cam.shape != mask.shape:
        raise VisionError(f"CAM shape {cam.shape} differs from mask shape {mask.shape}")
    if not mask.any():
        raise VisionError("pointing game needs a non-empty mask (a defect image)")
    tol = pointing_tolerance(max(mask.shape)) if tolerance is None else tolerance
    peak = np.unravel_index(int(np.argmax(cam)), cam.shape)
    return bool(ndimage.distance_transform_edt(~mask)[peak] <= tol)


def pointing_chance(masks: np.ndarray, tolerance: float | None = None) -> float:
    """Chance level of the pointing game: how often a peak placed uniformly at random hits.

    That is the mean share of pixels within ``tolerance`` of each (non-empty) mask; the default
    tolerance is :func:`pointing_tolerance` of the masks' side, as in :func:`pointing_game`.
    """
    masks = [np.asarray(m, bool) for m in masks if np.asarray(m).any()]
    if not masks:
        raise VisionError("the pointing game's chance level needs non-empty masks (defect images)")
    shares = []
    for mask in masks:
        tol = pointing_tolerance(max(mask.shape)) if tolerance is None else tolerance
        shares.append(np.mean(ndimage.distance_transform_edt(~mask) <= tol))
    return float(np.mean(shares))


def draw_box(
    image: np.ndarray, box: tuple[int, int, int, int], color: tuple[int, int, int] = (255, 255, 255)
) -> np.ndarray:
    """A copy of an RGB uint8 image with the outline of ``box`` (x0, y0, x1, y1; ends exclusive)."""
    from PIL import Image, ImageDraw

    img = Image.fromarray(np.asarray(image, np.uint8))
    ImageDraw.Draw(img).rectangle([box[0], box[1], box[2] - 1, box[3] - 1], outline=color)
    return np.asarray(img)


def boxed_overlay(result: CamResult, color: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """The CAM overlay of ``result`` with the box around the CAM's peak drawn on it."""
    return draw_box(result.overlay, result.bbox, color)


def cam_iou(cam: np.ndarray, mask: np.ndarray, threshold: float = 0.5) -> float:
    """Intersection over union of the CAM thresholded at ``threshold`` x max and the mask."""
    region = cam >= threshold * cam.max()
    union = np.logical_or(region, mask).sum()
    return float(np.logical_and(region, mask).sum() / union) if union else 0.0


def _resize_float(cam: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    if cam.shape == (height, width):
        return cam
    img = Image.fromarray(cam.astype(np.float32), mode="F")
    return np.asarray(img.resize((width, height), Image.Resampling.BILINEAR))


class Explainer:
    """CAMs for a trained classifier (a PyTorch model and its card)."""

    def __init__(self, model, card: dict, target_layer: str | None = None) -> None:
        self.model = model.eval()
        self.card = card
        self.layer_name = target_layer or card["cam"]["target_layer"]
        try:
            self.layers = [get_layer(model, name) for name in self.layer_name.split("+")]
        except (AttributeError, IndexError, TypeError) as exc:
            raise ConfigError(
                f"target layer {self.layer_name!r} not found in {card['arch']}: {exc}"
            ) from exc
        self.layer = self.layers[0]
        self.reshape = cam_reshape(card["arch"], model)
        self.resize = resize_mode(card)

    @property
    def method(self) -> str:
        """The CAM method the card records as measured best (Grad-CAM++ if none)."""
        return self.card.get("cam", {}).get("method") or DEFAULT_METHOD

    @classmethod
    def from_checkpoint(cls, path: str | Path, target_layer: str | None = None) -> Explainer:
        """Load a ``checkpoint.pt`` written by training (weights_only loading)."""
        from dtwin.vision.training import load_checkpoint

        model, card = load_checkpoint(path)
        return cls(model, card, target_layer)

    @classmethod
    def from_dir(cls, directory: str | Path, target_layer: str | None = None) -> Explainer:
        """Load ``directory/checkpoint.pt``."""
        return cls.from_checkpoint(Path(directory) / "checkpoint.pt", target_layer)

    @property
    def classes(self) -> list[str]:
        """Class names in output order."""
        return list(self.card["classes"])

    def _tensor(self, batch_uint8: np.ndarray):
        import torch

        norm = self.card["normalisation"]
        return torch.from_numpy(normalize(batch_uint8, norm["mean"], norm["std"]))

    def cams(
        self,
        batch_uint8: np.ndarray,
        targets: list[int] | None = None,
        method: str = "gradcam",
        batch_size: int = 32,
        progress: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """CAMs (N, S, S) in [0, 1] and probabilities (N, C) for model-sized uint8 images.

        ``targets`` are class indices to explain; None explains the predicted class (by the
        card's operating point when it has one).
        """
        import torch
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

        cam_cls = _cam_class(method)
        maps, probs = [], []
        starts = range(0, len(batch_uint8), batch_size)
        with cam_cls(
            model=self.model, target_layers=self.layers, reshape_transform=self.reshape
        ) as cam:
            if hasattr(cam, "batch_size"):
                cam.batch_size = 32  # ScoreCAM's forward passes over masked inputs
            for i in progress_bar(starts, desc="cam", progress=progress):
                x = self._tensor(batch_uint8[i : i + batch_size])
                with torch.no_grad():
                    p = torch.softmax(self.model(x), dim=1).numpy()
                chosen = targets[i : i + batch_size] if targets is not None else self.decide(p)
                outs = cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in chosen])
                maps.append(np.nan_to_num(outs.astype(np.float32)))
                probs.append(p)
        return np.concatenate(maps), np.concatenate(probs)

    def source_cams(
        self, images: list[np.ndarray], targets: list[int] | None = None, method: str | None = None
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """CAMs in each source image's pixels (list of (H, W) in [0, 1]) and probabilities (N, C).

        ``images`` are RGB uint8 arrays of any size; each is fitted to the model as in training.
        """
        size = int(self.card["img_size"])
        small = np.stack([fit_image(im, size, self.resize) for im in images])
        maps, probs = self.cams(small, targets, method or self.method)
        out = [
            np.clip(map_to_source(m, im.shape[0], im.shape[1], self.resize), 0, 1)
            for m, im in zip(maps, images, strict=True)
        ]
        return out, probs

    def explain(
        self, image: ImageInput, method: str | None = None, target: str | int | None = None
    ) -> CamResult:
        """Explain one image (path, bytes or array); the CAM comes back at the image's size.

        The default method is the one the model card records as measured best on validation
        images with masks; Grad-CAM++ for cards without one (at the registry's mid-level layer
        it finds the defect far more often than plain Grad-CAM; see notebook 03).
        """
        method = method or self.method
        rgb = as_rgb_array(image)
        idx = None
        if target is not None:
            if isinstance(target, str):
                idx = self.classes.index(target) if target in self.classes else -1
            else:
                idx = int(target)
            if not 0 <= idx < len(self.classes):
                raise ConfigError(f"target {target!r} is not a class; valid: {self.classes}")
        _cam_class(method)  # an unknown method fails before any work
        maps, probs = self.source_cams([rgb], None if idx is None else [idx], method)
        chosen = self.decide(probs)[0] if idx is None else idx
        cam = maps[0]
        return CamResult(
            cam=cam,
            overlay=overlay_cam(rgb, cam),
            bbox=cam_bbox(cam),
            label=self.classes[self.decide(probs)[0]],
            target=self.classes[chosen],
            probability=float(probs[0][chosen]),
            peak=cam_peak(cam),
            method=METHOD_ALIASES[method.lower()],
        )

    def decide(self, probs: np.ndarray) -> list[int]:
        """Class indices of probabilities (N, C): argmax, or the card's operating point."""
        from dtwin.vision.threshold import apply_operating_point

        point = self.card.get("operating_point")
        return [int(k) for k in apply_operating_point(probs, self.classes, point)]


def localisation_scores(
    explainer: Explainer,
    images: np.ndarray,
    masks: np.ndarray,
    labels: np.ndarray,
    method: str = "gradcam",
    progress: bool = False,
) -> dict:
    """Pointing game and mean IoU over defect images (uint8 images, bool masks, any size).

    Images and masks are resized to the model's input (a mask pixel survives if any part of it
    does); the CAM explains the true class (indices into the model's classes); images with an
    empty mask are skipped.
    """
    size = int(explainer.card["img_size"])
    keep = np.array([m.any() for m in masks], bool)
    if not keep.any():
        raise VisionError("no defect masks to score the CAMs against")
    images = np.stack(
        [resize_uint8(as_rgb_array(im), size) for im, k in zip(images, keep, strict=True) if k]
    )
    masks = np.stack(
        [
            _resize_float(m.astype(np.float32), size, size) > 0.01
            for m, k in zip(masks, keep, strict=True)
            if k
        ]
    )
    maps, _ = explainer.cams(images, list(np.asarray(labels)[keep]), method, progress=progress)
    hits = [pointing_game(c, m) for c, m in zip(maps, masks, strict=True)]
    ious = [cam_iou(c, m) for c, m in zip(maps, masks, strict=True)]
    return {
        "method": METHOD_ALIASES[method.lower()],
        "target_layer": explainer.layer_name,
        "n": int(keep.sum()),
        "img_size": size,
        "pointing_game": float(np.mean(hits)),
        "mean_iou": float(np.mean(ious)),
        "tolerance_px": pointing_tolerance(size),
    }
