"""One way to show progress: a ``tqdm.auto`` bar (notebook widget or terminal line).

Base module: imports no engine; tqdm itself is imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def progress_bar(
    items: Iterable[Any] | None = None,
    *,
    desc: str,
    progress: bool = True,
    total: int | None = None,
    unit: str = "it",
    quiet_up_to: int = 0,
    leave: bool = True,
) -> Any:
    """A ``tqdm.auto`` bar over ``items`` (or one advanced by hand to ``total``).

    ``progress=False`` gives a silent bar with the same methods (``set_postfix``, ``update``,
    ``close``), so callers never branch. Runs of at most ``quiet_up_to`` items stay silent too:
    a bar for three quick steps is only noise.
    """
    from tqdm.auto import tqdm

    size = total
    if size is None and items is not None and hasattr(items, "__len__"):
        size = len(items)  # type: ignore[arg-type]
    quiet = not progress or (size is not None and size <= quiet_up_to)
    return tqdm(items, desc=desc, total=total, unit=unit, leave=leave, disable=quiet)
