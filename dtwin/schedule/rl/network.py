"""The dispatching network: one shared MLP scores every job's row, pooled context for all.

Each job's row is embedded by the same MLP; the mean and the max of the embeddings of the
unfinished jobs summarise the shop; each job's score comes from its embedding and that summary,
and the value (for PPO's critic) from the summary alone. No weight depends on the number of
jobs or machines, so a network trained on 6x6..20x20 shops runs on any size.
"""

from __future__ import annotations

import torch
from torch import nn

HIDDEN = 64


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes, sizes[1:], strict=False):
        layers += [nn.Linear(a, b), nn.Tanh()]
    return nn.Sequential(*layers[:-1])


class JobEncoder(nn.Module):
    """``(B, N, F)`` rows -> ``(B, N, 3H)``: each row's embedding next to the pooled summary."""

    def __init__(self, num_features: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.hidden = hidden
        self.embed = nn.Sequential(_mlp([num_features, hidden, hidden]), nn.Tanh())

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        alive = rows[..., :1] > 0.5
        h = self.embed(rows)
        count = alive.sum(dim=1).clamp(min=1)
        mean = (h * alive).sum(dim=1) / count
        top = torch.where(alive, h, torch.full_like(h, -2.0)).amax(dim=1)
        summary = torch.cat([mean, top], dim=-1).unsqueeze(1).expand(-1, h.shape[1], -1)
        return torch.cat([h, summary], dim=-1)


class JobHeads(nn.Module):
    """Scores (actor) and a value latent (critic) from the encoder's output."""

    def __init__(self, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.hidden = hidden
        self.score = _mlp([3 * hidden, hidden, 1])
        self.critic = nn.Sequential(_mlp([2 * hidden, hidden]), nn.Tanh())
        with torch.no_grad():  # near-uniform first policy, as PPO's usual 0.01 output gain
            self.score[-1].weight.mul_(0.01)
            self.score[-1].bias.zero_()

    def scores(self, encoded: torch.Tensor) -> torch.Tensor:
        return self.score(encoded).squeeze(-1)

    def value_latent(self, encoded: torch.Tensor) -> torch.Tensor:
        return self.critic(encoded[:, 0, self.hidden :])


class DispatchNet(nn.Module):
    """Encoder and heads as one module (the shipped weights), for inference on any size."""

    def __init__(self, num_features: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.encoder = JobEncoder(num_features, hidden)
        self.heads = JobHeads(hidden)

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        """Scores ``(B, N)`` of the jobs (mask the ineligible ones before choosing)."""
        return self.heads.scores(self.encoder(rows))
