"""The network of :mod:`.network` inside sb3-contrib's MaskablePPO (a custom policy).

SB3 sees the encoder as its features extractor (output flattened) and the heads as its
"mlp_extractor"; the job scores are the logits, so the usual final linear layer is dropped.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

from dtwin.schedule.rl.network import HIDDEN, DispatchNet, JobEncoder, JobHeads


class EncoderExtractor(BaseFeaturesExtractor):
    """SB3 features extractor around :class:`JobEncoder` (flattened ``N * 3H``)."""

    def __init__(self, observation_space: gym.spaces.Box, hidden: int = HIDDEN) -> None:
        rows, features = observation_space.shape
        super().__init__(observation_space, rows * 3 * hidden)
        self.rows, self.hidden = rows, hidden
        self.encoder = JobEncoder(features, hidden)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.encoder(observations).flatten(1)


class HeadsExtractor(nn.Module):
    """SB3 "mlp_extractor" around :class:`JobHeads`: latent_pi are the job scores."""

    def __init__(self, rows: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.rows, self.hidden = rows, hidden
        self.heads = JobHeads(hidden)
        self.latent_dim_pi, self.latent_dim_vf = rows, hidden

    def _unflatten(self, features: torch.Tensor) -> torch.Tensor:
        return features.view(features.shape[0], self.rows, 3 * self.hidden)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.forward_actor(features), self.forward_critic(features)

    def forward_actor(self, features: torch.Tensor) -> torch.Tensor:
        return self.heads.scores(self._unflatten(features))

    def forward_critic(self, features: torch.Tensor) -> torch.Tensor:
        return self.heads.value_latent(self._unflatten(features))


class JobScoringPolicy(MaskableActorCriticPolicy):
    """MaskablePPO policy whose logits are the shared network's per-job scores."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("features_extractor_class", EncoderExtractor)
        kwargs.setdefault("ortho_init", False)
        super().__init__(*args, **kwargs)

    def _build_mlp_extractor(self) -> None:
        extractor = self.features_extractor
        self.mlp_extractor = HeadsExtractor(extractor.rows, extractor.hidden)

    def _build(self, lr_schedule) -> None:
        super()._build(lr_schedule)
        self.action_net = nn.Identity()
        self.optimizer = self.optimizer_class(
            self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs
        )

    def dispatch_net(self) -> DispatchNet:
        """A standalone copy of the trained network (no SB3 needed to run it)."""
        extractor = self.features_extractor
        net = DispatchNet(extractor.encoder.embed[0][0].in_features, extractor.hidden)
        net.encoder.load_state_dict(extractor.encoder.state_dict())
        net.heads.load_state_dict(self.mlp_extractor.heads.state_dict())
        return net
