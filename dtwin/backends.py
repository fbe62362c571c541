"""One registry of back-ends for running many things: serial, local processes or Dask.

Every part that runs many independent tasks (``dtwin run``'s notebooks, the scenario runner's
replications) opens a back-end by name and gets a ``concurrent.futures.Executor``:

- ``serial``: in this process, one task after another (each runs when submitted);
- ``processes``: a ``ProcessPoolExecutor`` of ``workers`` processes;
- ``dask``: a Dask ``LocalCluster`` of ``workers`` processes on 127.0.0.1, or the existing
  scheduler at ``scheduler`` when given (then files must be on a shared file system).

``register_backend`` adds one (papermill's engines registry is the model).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from dtwin.errors import ConfigError
from dtwin.progress import progress_bar

BackendFactory = Callable[[int | None, str | None], contextlib.AbstractContextManager[Executor]]


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted; its future is already done."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller sees it through future.result()
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def _serial(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    yield SerialExecutor()


@contextlib.contextmanager
def _processes(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    # spawn, not fork: a forked child of a process whose libraries already run threads
    # (onnxruntime, DuckDB, OR-Tools) can wait forever on a lock held by a thread it lacks
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers or 2, mp_context=context) as pool:
        yield pool


@contextlib.contextmanager
def _dask(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = LocalCluster(
                n_workers=workers or 2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
    except (OSError, ValueError, TypeError) as exc:
        if cluster is not None:
            cluster.close()
        where = f"scheduler {scheduler!r}" if scheduler else "a local Dask cluster"
        raise ConfigError(f"cannot reach {where}: {exc}") from exc
    try:
        with client.get_executor(pure=False) as executor:
            yield executor
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


BACKENDS: dict[str, BackendFactory] = {
    "serial": _serial,
    "processes": _processes,
    "dask": _dask,
}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Add (or replace) the back-end ``name``: ``factory(workers, scheduler)`` is a context
    manager that yields a ``concurrent.futures.Executor``."""
    BACKENDS[name] = factory


def open_backend(
    name: str, workers: int | None = None, scheduler: str | None = None
) -> contextlib.AbstractContextManager[Executor]:
    """The executor of back-end ``name`` as a context manager (closed on exit)."""
    if name not in BACKENDS:
        raise ConfigError(f"backend: {name!r} is not valid; choices: {', '.join(BACKENDS)}")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers: must be >= 1 (got {workers})")
    return BACKENDS[name](workers, scheduler)


def map_tasks(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    desc: str | None = None,
) -> list[Any]:
    """``[fn(item) for item in items]`` on ``backend``, in the order of ``items``.

    With ``desc``, a serial run shows a progress bar (more than three items): there each task
    runs as it is submitted, so the bar follows the work.
    """
    items = list(items)
    with open_backend(backend, workers, scheduler) as executor:
        todo: Iterable[Any] = items
        if desc is not None and backend == "serial":
            todo = progress_bar(items, desc=desc, quiet_up_to=3, leave=False)
        futures = [executor.submit(fn, item) for item in todo]
        return [f.result() for f in futures]
