import contextlib

import pytest

from dtwin.backends import BACKENDS, SerialExecutor, map_tasks, open_backend, register_backend
from dtwin.errors import ConfigError


def _square(x: int) -> int:
    return x * x


def _fail(x: int) -> int:
    raise ValueError(f"bad item {x}")


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_map_tasks_keeps_the_order_of_items(backend):
    assert map_tasks(_square, [3, 1, 2], backend=backend, workers=2) == [9, 1, 4]


def test_serial_executor_reports_errors_through_the_future():
    future = SerialExecutor().submit(_fail, 7)
    with pytest.raises(ValueError, match="bad item 7"):
        future.result()


@pytest.mark.parametrize(
    "name,workers,match",
    [("threads", None, "choices: serial, processes, dask"), ("serial", 0, "workers: must be >= 1")],
    ids=["unknown-backend", "zero-workers"],
)
def test_bad_backend_arguments(name, workers, match):
    with pytest.raises(ConfigError, match=match):
        open_backend(name, workers)


def test_a_registered_backend_is_used(monkeypatch):
    opened = []

    @contextlib.contextmanager
    def recording(workers, scheduler):
        opened.append((workers, scheduler))
        yield SerialExecutor()

    monkeypatch.setitem(BACKENDS, "recording", recording)
    register_backend("recording", recording)
    assert map_tasks(_square, [2], backend="recording", workers=3) == [4]
    assert opened == [(3, None)]
