"""Unsupervised defect detection: a PatchCore-style memory of defect-free patch features.

Fitted on images of the defect-free class only (e.g. magnetic-tile's ``MT_Free``), it scores how
far each patch of a new image lies from its nearest remembered patch: the anomaly map (in the
source image's pixels) and the image score (the map's maximum). No label of a defect image is
used by the memory. Features come from a network trained here (no pretrained weights can be
downloaded): by default two mid-level stages of the supervised classifier, averaged over a 3x3
neighbourhood and joined on the finer grid, as PatchCore does with an ImageNet backbone
(Roth et al., 2022). Anomalib's PatchCore with a pretrained WideResNet-50 is the reference this
stands in for; see ``benchmarks/vision_real.py`` for the measured gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dtwin.errors import VisionError
from dtwin.progress import progress_bar
from dtwin.vision.images import fit_image, map_to_source, normalize, resize_mode
from dtwin.vision.models import get_layer

DEFAULT_LAYERS = ("layer2", "layer3")


def roc_auc(scores, truth) -> float:
    """Area under the ROC curve of ``scores`` for the positive ``truth`` (NaN with one class)."""
    from sklearn.metrics import roc_auc_score

    truth = np.asarray(truth, bool)
    if truth.all() or not truth.any():
        return float("nan")
    return float(roc_auc_score(truth, np.asarray(scores, np.float64)))


@dataclass
class PatchMemory:
    """Patch features of defect-free images and the network (and card) that made them."""

    model: object = field(repr=False)
    card: dict = field(repr=False)
    layers: tuple[str, ...]
    memory: object = field(repr=False)  # torch tensor (M, D)
    n_images: int = 0

    def _features(self, batch_uint8: np.ndarray):
        """Patch features (N, D, h, w) of model-sized uint8 images."""
        import torch
        import torch.nn.functional as F

        norm = self.card["normalisation"]
        x = torch.from_numpy(normalize(batch_uint8, norm["mean"], norm["std"]))
        grabbed: list = []
        hooks = [
            get_layer(self.model, name).register_forward_hook(lambda m, i, o: grabbed.append(o))
            for name in self.layers
        ]
        try:
            with torch.no_grad():
                self.model.eval()(x)
        finally:
            for h in hooks:
                h.remove()
        size = grabbed[0].shape[-2:]
        maps = [F.avg_pool2d(g, 3, stride=1, padding=1) for g in grabbed]
        maps = [
            m if m.shape[-2:] == size else F.interpolate(m, size, mode="bilinear") for m in maps
        ]
        return torch.cat(maps, dim=1)

    def _fitted(self, images: list[np.ndarray]) -> np.ndarray:
        size, mode = int(self.card["img_size"]), resize_mode(self.card)
        return np.stack([fit_image(im, size, mode) for im in images])

    def add(self, images: list[np.ndarray], memory_size: int, seed: int, progress: bool) -> None:
        """Fill the memory from defect-free RGB images (a seeded random subset of patches)."""
        import torch

        if not images:
            raise VisionError("the anomaly memory needs at least one defect-free image")
        chunks = []
        for i in progress_bar(range(0, len(images), 32), desc="patch memory", progress=progress):
            f = self._features(self._fitted(images[i : i + 32]))
            chunks.append(f.permute(0, 2, 3, 1).reshape(-1, f.shape[1]))
        bank = torch.cat(chunks)
        if len(bank) > memory_size:
            gen = torch.Generator().manual_seed(seed)
            bank = bank[torch.randperm(len(bank), generator=gen)[:memory_size]]
        self.memory = bank.contiguous()
        self.n_images = len(images)

    def score(
        self, images: list[np.ndarray], progress: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Image scores (N,) and anomaly maps in each source image's pixels (list of (H, W))."""
        import torch
        from scipy import ndimage

        mode = resize_mode(self.card)
        scores, maps = [], []
        for i in progress_bar(range(0, len(images), 16), desc="anomaly", progress=progress):
            chunk = images[i : i + 16]
            f = self._features(self._fitted(chunk))
            n, d, h, w = f.shape
            flat = f.permute(0, 2, 3, 1).reshape(-1, d)
            dist = torch.cat(
                [torch.cdist(part, self.memory).min(dim=1).values for part in flat.split(4096)]
            )
            grid = dist.reshape(n, h, w).numpy()
            for g, im in zip(grid, chunk, strict=True):
                small = map_to_source(g, im.shape[0], im.shape[1], mode)
                smooth = ndimage.gaussian_filter(small, sigma=max(1.0, max(small.shape) / 64))
                maps.append(smooth.astype(np.float32))
                scores.append(float(smooth.max()))
        return np.asarray(scores), maps


def fit_patch_memory(
    model,
    card: dict,
    good_images: list[np.ndarray],
    layers: tuple[str, ...] = DEFAULT_LAYERS,
    memory_size: int = 20_000,
    seed: int = 0,
    progress: bool = False,
) -> PatchMemory:
    """A patch memory of ``good_images`` (RGB uint8, defect-free) with ``model``'s features."""
    memory = PatchMemory(model=model, card=card, layers=tuple(layers), memory=None)
    memory.add(good_images, memory_size, seed, progress)
    return memory


def anomaly_scores(
    memory: PatchMemory, images: list[np.ndarray], masks: list[np.ndarray], progress=False
) -> dict:
    """Image AUROC (defect = non-empty mask) and pixel AUROC (every 4th pixel) of a memory."""
    scores, maps = memory.score(images, progress)
    is_defect = [bool(m.any()) for m in masks]
    pix_s = np.concatenate([a[::4, ::4].ravel() for a in maps])
    pix_t = np.concatenate([m[::4, ::4].ravel() for m in masks])
    return {
        "image_auroc": roc_auc(scores, is_defect),
        "pixel_auroc": roc_auc(pix_s, pix_t),
        "n_images": len(images),
        "n_defect": int(sum(is_defect)),
        "memory_patches": int(len(memory.memory)),
        "memory_images": memory.n_images,
        "layers": list(memory.layers),
    }
