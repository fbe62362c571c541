"""Fixtures for the learned-dispatching tests: an untrained policy folder."""

from __future__ import annotations

import pytest
import torch

from dtwin.schedule.rl.dispatcher import save_policy
from dtwin.schedule.rl.features import NUM_FEATURES
from dtwin.schedule.rl.network import DispatchNet


@pytest.fixture()
def random_policy(tmp_path):
    """A folder with an untrained (seeded) network and a minimal card."""
    torch.manual_seed(0)
    return save_policy(
        DispatchNet(NUM_FEATURES, 16), {"training": {"steps_done": 0}}, tmp_path / "p"
    )
