"""Fixtures for the health tests: small stand-in data sets and small trained models, made once.

Every test here runs on one thread (PyTorch and the OpenMP pools of scikit-learn): the machine
is shared, and determinism is checked on the same thread count.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dtwin.health import CnnConfig, RulConfig, generate_machining, generate_turbofan, train_rul

TINY_CNN = CnnConfig(channels=16, layers=2, hidden=32, epochs=10, batch=128, lr=3e-3)


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def engines():
    """16 run-to-failure train engines and 8 truncated test engines (FD001-like)."""
    return generate_turbofan(seed=3, train_units=16, test_units=8)


@pytest.fixture(scope="session")
def engine_files(engines, tmp_path_factory) -> dict[str, Path]:
    return engines.write(tmp_path_factory.mktemp("cmapss"))


@pytest.fixture(scope="session")
def tiny_config() -> RulConfig:
    return RulConfig(members=1, cnn=TINY_CNN, seed=0, calibration_share=0.25)


@pytest.fixture(scope="session")
def cnn_model(engines, tiny_config):
    return train_rul(engines.train, tiny_config)


@pytest.fixture(scope="session")
def gbm_model(engines, tiny_config):
    return train_rul(engines.train, replace(tiny_config, model="gbm", gbm_iterations=60))


@pytest.fixture(scope="session")
def machining():
    """A 3,000-row AI4I-like training table and an independent 3,000-row held-out one."""
    return generate_machining(seed=5, rows=3000)
