"""Registry of timm classifiers sized for small images, with their Grad-CAM target layers.

Every model is built with ``pretrained=False`` (no hub access). Each entry knows the layer whose
activations a CAM should use and how to reshape them to (B, C, H, W).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dtwin.cli_params import SEED_MAX
from dtwin.errors import ConfigError


@dataclass(frozen=True)
class ArchSpec:
    """How to build one architecture and where to attach a CAM."""

    timm_name: str
    kwargs: Callable[[int], dict[str, Any]]
    target_layer: str  # dotted attribute path inside the model; list items by index
    family: str  # "cnn", "vit" or "swin": decides the CAM reshape


def _vit_kwargs(img_size: int) -> dict[str, Any]:
    # 8 px patches keep a usable token grid on 64-128 px inputs (8x8 to 16x16)
    return {"img_size": img_size, "patch_size": 8 if img_size <= 128 else 16}


def _swin_kwargs(img_size: int) -> dict[str, Any]:
    # stage grids are img/4, /8, /16, /32: a window of img/32 divides all of them
    return {"img_size": img_size, "window_size": max(1, img_size // 32)}


ARCHS: dict[str, ArchSpec] = {
    # resnet10t at half width: 1.2 M parameters (~5 MB), ~2x faster on a CPU, same depth
    "resnet10t_slim": ArchSpec(
        "resnet10t", lambda s: {"channels": (32, 64, 128, 256), "stem_width": 16}, "layer2", "cnn"
    ),
    "resnet10t": ArchSpec("resnet10t", lambda s: {}, "layer2", "cnn"),
    "resnet18": ArchSpec("resnet18", lambda s: {}, "layer2", "cnn"),
    "mobilenetv3_small_100": ArchSpec("mobilenetv3_small_100", lambda s: {}, "blocks.2", "cnn"),
    "efficientvit_m0": ArchSpec("efficientvit_m0", lambda s: {}, "stages.0", "cnn"),
    "vit_tiny": ArchSpec("vit_tiny_patch16_224", _vit_kwargs, "blocks.-1.norm1", "vit"),
    "swin_tiny": ArchSpec(
        "swin_tiny_patch4_window7_224", _swin_kwargs, "layers.-2.blocks.-1.norm1", "swin"
    ),
}


def arch_spec(arch: str) -> ArchSpec:
    """The registry entry for ``arch`` (ConfigError listing the valid names otherwise)."""
    try:
        return ARCHS[arch]
    except KeyError:
        raise ConfigError(f"unknown arch {arch!r}; valid: {', '.join(ARCHS)}") from None


def validate_img_size(arch: str, img_size: int) -> None:
    """Reject input sizes an architecture cannot take."""
    if not 16 <= img_size <= 512:
        raise ConfigError(f"img_size {img_size} out of range; valid: 16..512")
    family = arch_spec(arch).family
    if family in ("vit", "swin") and img_size % 32:
        raise ConfigError(f"img_size {img_size} for {arch} must be a multiple of 32")


def create_model(arch: str, num_classes: int, img_size: int, seed: int | None = None):
    """Build an untrained timm model for ``num_classes`` classes and ``img_size`` px inputs.

    With ``seed`` the initial weights come from ``torch.manual_seed(seed)`` inside a forked RNG
    state (the caller's global stream is left as it was): same seed, same weights, in any process
    and after any other use of ``torch``'s global generator. Without it they come from (and
    advance) the global generator, as ``timm.create_model`` does.
    """
    import timm
    import torch

    spec = arch_spec(arch)
    validate_img_size(arch, img_size)
    if seed is not None and not 0 <= int(seed) <= SEED_MAX:
        raise ConfigError(f"model seed {seed!r} out of range; valid: 0..{SEED_MAX}")

    def build():
        return timm.create_model(
            spec.timm_name, pretrained=False, num_classes=num_classes, **spec.kwargs(img_size)
        )

    if seed is None:
        return build()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build()


def get_layer(model, dotted: str):
    """Resolve ``"layers.-2.blocks.-1.norm1"`` to the sub-module (ints index sequences)."""
    obj = model
    for part in dotted.split("."):
        obj = obj[int(part)] if part.lstrip("-").isdigit() else getattr(obj, part)
    return obj


def cam_reshape(arch: str, model) -> Callable | None:
    """The reshape transform that turns a layer's activations into (B, C, H, W) for a CAM."""
    family = arch_spec(arch).family
    if family == "cnn":
        return None
    if family == "swin":
        return lambda t: t.permute(0, 3, 1, 2)  # timm Swin blocks emit (B, H, W, C)
    prefix = int(getattr(model, "num_prefix_tokens", 1))

    def vit_reshape(t):
        tokens = t[:, prefix:, :]
        side = int(round(tokens.shape[1] ** 0.5))
        return tokens.reshape(t.shape[0], side, side, t.shape[2]).permute(0, 3, 1, 2)

    return vit_reshape
