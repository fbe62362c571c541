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


def _weights(model) -> list[torch.Tensor]:
    return [v.clone() for v in model.state_dict().values()]


def test_same_seed_same_untrained_weights_whatever_the_global_stream():
    first = _weights(create_model("resnet10t_slim", 5, 32, seed=7))
    torch.rand(1000)  # any other use of torch's global generator in between
    again = _weights(create_model("resnet10t_slim", 5, 32, seed=7))
    other = _weights(create_model("resnet10t_slim", 5, 32, seed=8))
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(first, other, strict=True))


def test_seeded_build_leaves_the_global_stream_alone():
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    create_model("resnet10t_slim", 2, 32, seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_same_seed_same_weights_in_a_fresh_process():
    """torch's initial seed differs per process: only an explicit seed makes weights repeat."""
    import subprocess
    import sys

    code = (
        "import hashlib; from dtwin.vision.models import create_model; "
        "m = create_model('resnet10t_slim', 5, 32, seed=7); "
        "print(hashlib.sha256(b''.join(v.numpy().tobytes() "
        "for v in m.state_dict().values())).hexdigest())"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[0].stdout.strip() == runs[1].stdout.strip() != ""


@pytest.mark.parametrize("seed", [-1, 2**31], ids=["negative", "over-int32"])
def test_bad_model_seed_is_a_config_error(seed):
    with pytest.raises(ConfigError, match="seed"):
        create_model("resnet10t_slim", 2, 32, seed=seed)
