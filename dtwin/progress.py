"""One way to show progress: a ``tqdm.auto`` bar (notebook widget or terminal line).

A widget bar keeps its state only while a frontend is attached: a notebook executed by
papermill would save it as "0%| | 0/N" for ever. ``DTWIN_PROGRESS=text`` (set by ``dtwin run``
for the kernels it starts) asks for plain text bars instead, which a saved notebook keeps in
their final state ("100%|####| 1500/1500 [00:42<00:00]"). ``DTWIN_PROGRESS=widget`` or unset:
``tqdm.auto``'s choice (a widget in Jupyter and Voila, text in a terminal).

Base module: imports no engine; tqdm itself is imported on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

#: environment variable choosing the bar style: ``text`` or ``widget`` (default)
PROGRESS_ENV = "DTWIN_PROGRESS"
STYLES = ("widget", "text")
# a text bar in a saved notebook is rewritten in place (\r); fewer refreshes keep the stream
# short before papermill folds it into its last state
_TEXT_MININTERVAL_S = 2.0


def progress_style() -> str:
    """``text`` or ``widget``, from ``DTWIN_PROGRESS`` (anything else reads as ``widget``)."""
    value = os.environ.get(PROGRESS_ENV, "").strip().lower()
    return value if value in STYLES else "widget"


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
    a bar for three quick steps is only noise. Under ``DTWIN_PROGRESS=text`` the bar is a plain
    text line even inside a notebook kernel (see the module's docstring), and it stays on
    close whatever ``leave`` says.
    """
    size = total
    if size is None and items is not None and hasattr(items, "__len__"):
        size = len(items)  # type: ignore[arg-type]
    quiet = not progress or (size is not None and size <= quiet_up_to)
    options: dict[str, Any] = {"desc": desc, "total": total, "unit": unit, "leave": leave}
    if progress_style() == "text":
        from tqdm.std import tqdm

        # leave=False would blank the line on close ("   \r"), which a saved notebook keeps
        # as an unfolded update: a text bar always stays, in its final state
        options.update(mininterval=_TEXT_MININTERVAL_S, ascii=True, leave=True)
    else:
        from tqdm.auto import tqdm
    return tqdm(items, disable=quiet, **options)
