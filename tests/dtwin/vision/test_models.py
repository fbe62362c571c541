"""The architecture registry: every entry builds, runs and exposes a CAM layer."""

from __future__ import annotations

import pytest
import torch

from dtwin.errors import ConfigError
from dtwin.vision.models import ARCHS, cam_reshape, create_model, get_layer


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_every_arch_builds_runs_and_has_a_cam_layer(arch):
    model = create_model(arch, num_classes=3, img_size=32).eval()
    seen = {}
    layer = get_layer(model, ARCHS[arch].target_layer)
    hook = layer.register_forward_hook(lambda m, i, o: seen.setdefault("out", o))
    with torch.no_grad():
        logits = model(torch.zeros(2, 3, 32, 32))
    hook.remove()
    assert logits.shape == (2, 3)
    reshape = cam_reshape(arch, model)
    grid = seen["out"] if reshape is None else reshape(seen["out"])
    assert grid.ndim == 4 and grid.shape[0] == 2 and grid.shape[2] == grid.shape[3] >= 1


@pytest.mark.parametrize(
    ("arch", "size"),
    [("lenet", 64), ("vit_tiny", 48), ("resnet18", 8)],
    ids=["unknown-arch", "vit-not-multiple-of-32", "too-small"],
)
def test_bad_arch_or_size_raise_config_error(arch, size):
    with pytest.raises(ConfigError):
        create_model(arch, 2, size)
