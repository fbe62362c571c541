"""The one progress helper: a tqdm.auto bar, silent when asked or for a few items."""

from __future__ import annotations

from dtwin.progress import progress_bar


def test_bar_iterates_and_can_be_silenced() -> None:
    bar = progress_bar(range(5), desc="x", progress=False)
    assert bar.disable and list(bar) == [0, 1, 2, 3, 4]
    bar.set_postfix(loss="0.1")  # a silent bar keeps the methods
    bar.close()
    assert not progress_bar(range(5), desc="x").disable


def test_short_runs_stay_quiet() -> None:
    assert progress_bar([1, 2, 3], desc="x", quiet_up_to=3).disable
    assert not progress_bar([1, 2, 3, 4], desc="x", quiet_up_to=3).disable
    assert progress_bar(total=2, desc="x", quiet_up_to=3).disable


def test_bar_by_hand() -> None:
    bar = progress_bar(total=3, desc="notebooks", unit="nb", progress=False)
    bar.update(2)  # a silent bar still takes updates
    assert bar.total == 3
    bar.close()
