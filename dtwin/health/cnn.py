"""The 1D-CNN RUL regressor (after Li et al. 2018) and its deterministic CPU training loop.

Convolutions over time read the window of normalised sensors; when the preprocessing gives
history features (the health index over the last 5-120 cycles, its slopes, the unit's
baseline and age), they join the flattened convolution output before the dense head. Training
stops early on a validation split of the fitting units (whole units, never the calibration
ones) and keeps the weights of the best validation epoch.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass

import numpy as np

from dtwin.progress import progress_bar


@dataclass(frozen=True)
class CnnConfig:
    """Architecture and training settings of one ensemble member."""

    channels: int = 16
    layers: int = 3
    kernel: int = 5
    hidden: int = 64
    dropout: float = 0.3
    epochs: int = 30
    batch: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    patience: int = 5

    def to_dict(self) -> dict:
        return asdict(self)


def build_network(sensors: int, window: int, config: CnnConfig, extra: int = 0):
    """Convolutions over time (same padding), then a dense head fed the history features."""
    import torch
    import torch.nn as nn

    class RulNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            blocks: list[nn.Module] = []
            width = sensors
            for _ in range(config.layers):
                blocks += [nn.Conv1d(width, config.channels, config.kernel, padding="same")]
                blocks += [nn.ReLU()]
                width = config.channels
            blocks += [nn.Conv1d(width, 4, 3, padding="same"), nn.ReLU(), nn.Flatten()]
            self.conv = nn.Sequential(*blocks)
            self.head = nn.Sequential(
                nn.Dropout(config.dropout),
                nn.Linear(4 * window + extra, config.hidden),
                nn.ReLU(),
                nn.Linear(config.hidden, 1),
            )

        def forward(self, x, h=None):
            features = self.conv(x)
            if h is not None:
                features = torch.cat([features, h], dim=1)
            return self.head(features)

    return RulNet()


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


def _tensors(x: np.ndarray, h: np.ndarray | None):
    import torch

    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1), dtype=np.float32))
    ht = None if h is None else torch.from_numpy(np.ascontiguousarray(h, dtype=np.float32))
    return xt, ht


def train_network(
    x: np.ndarray,
    y: np.ndarray,
    cap: float,
    config: CnnConfig,
    seed: int,
    progress: bool = False,
    h: np.ndarray | None = None,
    validation: tuple | None = None,
):
    """Train one network on windows ``x`` (n, window, sensors) and targets ``y`` (cycles).

    ``h``: history features (n, k), already standardised, or ``None``. ``validation``:
    ``(x, h, y)`` of held-out units; training then stops after ``patience`` epochs without a
    better validation RMSE and the best epoch's weights are kept. The target is scaled by
    ``cap`` so the output lies in [0, 1]; MSE loss, AdamW at a constant learning rate.
    """
    import torch

    with deterministic(seed):
        net = build_network(x.shape[2], x.shape[1], config, 0 if h is None else h.shape[1])
        inputs, extra = _tensors(x, h)
        targets = torch.from_numpy((y / cap).astype(np.float32))[:, None]
        opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        order = torch.Generator().manual_seed(seed)
        best, best_state, waited = np.inf, None, 0
        bar = progress_bar(range(config.epochs), desc=f"cnn seed {seed}", progress=progress)
        for _ in bar:
            net.train()
            for idx in torch.randperm(len(inputs), generator=order).split(config.batch):
                opt.zero_grad()
                out = net(inputs[idx], None if extra is None else extra[idx])
                loss = torch.nn.functional.mse_loss(out, targets[idx])
                loss.backward()
                opt.step()
            if validation is None:
                bar.set_postfix(loss=f"{loss.item():.4f}")
                continue
            score = float(
                np.sqrt(
                    np.mean((predict_networks([net], *validation[:2], cap) - validation[2]) ** 2)
                )
            )
            bar.set_postfix(val_rmse=f"{score:.2f}")
            if score < best - 1e-3:
                best, waited = score, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                waited += 1
                if waited >= config.patience:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
    return net


def predict_networks(
    nets: list, x: np.ndarray, h: np.ndarray | None = None, cap: float = 125.0
) -> np.ndarray:
    """The ensemble mean prediction (cycles, clipped to [0, cap]) of windows ``x``."""
    import torch

    inputs, extra = _tensors(x, h)
    with torch.inference_mode():
        was = [net.training for net in nets]
        for net in nets:
            net.eval()
        out = np.mean([net(inputs, extra).numpy()[:, 0] for net in nets], axis=0)
        for net, mode in zip(nets, was, strict=True):
            net.train(mode)
    return np.clip(out * cap, 0.0, cap)
