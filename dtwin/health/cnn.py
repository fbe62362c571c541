"""The 1D-CNN RUL regressor (after Li et al. 2018) and its deterministic CPU training loop."""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass

import numpy as np

from dtwin.progress import progress_bar


@dataclass(frozen=True)
class CnnConfig:
    """Architecture and training settings of one ensemble member."""

    channels: int = 32
    layers: int = 4
    kernel: int = 5
    hidden: int = 64
    dropout: float = 0.2
    epochs: int = 60
    batch: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-4

    def to_dict(self) -> dict:
        return asdict(self)


def build_network(sensors: int, window: int, config: CnnConfig):
    """Convolutions over time (same padding), then a small dense head with one output."""
    import torch.nn as nn

    blocks: list[nn.Module] = []
    width = sensors
    for _ in range(config.layers):
        blocks += [nn.Conv1d(width, config.channels, config.kernel, padding="same"), nn.ReLU()]
        width = config.channels
    blocks += [
        nn.Conv1d(width, 8, 3, padding="same"),
        nn.ReLU(),
        nn.Flatten(),
        nn.Dropout(config.dropout),
        nn.Linear(8 * window, config.hidden),
        nn.ReLU(),
        nn.Linear(config.hidden, 1),
    ]
    return nn.Sequential(*blocks)


@contextlib.contextmanager
def deterministic(seed: int):
    """Seed torch and switch on deterministic kernels for the block; restores the setting."""
    import torch

    before = torch.are_deterministic_algorithms_enabled()
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


def train_network(
    x: np.ndarray,
    y: np.ndarray,
    cap: float,
    config: CnnConfig,
    seed: int,
    progress: bool = False,
):
    """Train one network on windows ``x`` (n, window, sensors) and targets ``y`` (cycles).

    The target is scaled by ``cap`` so the output lies in [0, 1]; MSE loss, AdamW, a one-cycle
    learning rate and a fixed number of epochs (no early stopping: the calibration units stay
    unseen for the conformal intervals).
    """
    import torch

    with deterministic(seed):
        net = build_network(x.shape[2], x.shape[1], config)
        inputs = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1), dtype=np.float32))
        targets = torch.from_numpy((y / cap).astype(np.float32))[:, None]
        steps = (len(inputs) + config.batch - 1) // config.batch
        opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=config.lr, total_steps=config.epochs * steps
        )
        order = torch.Generator().manual_seed(seed)
        bar = progress_bar(range(config.epochs), desc=f"cnn seed {seed}", progress=progress)
        for _ in bar:
            net.train()
            for idx in torch.randperm(len(inputs), generator=order).split(config.batch):
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(net(inputs[idx]), targets[idx])
                loss.backward()
                opt.step()
                sched.step()
            bar.set_postfix(loss=f"{loss.item():.4f}")
        net.eval()
    return net


def predict_networks(nets: list, x: np.ndarray, cap: float) -> np.ndarray:
    """The ensemble mean prediction (cycles, clipped to [0, cap]) of windows ``x``."""
    import torch

    inputs = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1), dtype=np.float32))
    with torch.inference_mode():
        out = np.mean([net(inputs).numpy()[:, 0] for net in nets], axis=0)
    return np.clip(out * cap, 0.0, cap)
