"""Loading slow things (e.g. a PyTorch model) on a daemon thread after the page has rendered."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def load_in_background(load: Callable[[], T], delay: float = 0.0) -> Future[T]:
    """Run ``load()`` on a daemon thread after ``delay`` seconds; its Future holds the result.

    A delay lets Voila send the page first (an import like PyTorch's holds the GIL for
    seconds). The thread is a daemon, so a finished notebook run never waits for it.
    """
    future: Future[T] = Future()

    def run() -> None:
        if delay > 0:
            time.sleep(delay)
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(load())
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)

    threading.Thread(target=run, name="dtwin-background-load", daemon=True).start()
    return future


def preheat_imports(*modules: str) -> None:
    """Import ``modules`` now in a preheated Voila kernel; elsewhere do nothing.

    A preheated kernel imports before any visitor arrives (it then waits for the page request in
    ``widgets.params.apply_url_parameters``), so a slow import there costs nobody time. A kernel
    that Voila starts for a waiting page leaves such imports to the code that needs them (PyTorch
    through ``load_in_background``), so that the page is sent first.
    """
    from widgets.params import preheating

    if preheating():
        for name in modules:
            importlib.import_module(name)
