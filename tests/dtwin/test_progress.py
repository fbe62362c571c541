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


def test_text_style_gives_a_plain_bar_that_ends_in_its_final_state(monkeypatch, capsys) -> None:
    """Under DTWIN_PROGRESS=text (what `dtwin run` sets for its kernels) no widget is made,
    and the last line written is the finished bar, which a saved notebook keeps."""
    from tqdm.std import tqdm as text_tqdm

    from dtwin.progress import PROGRESS_ENV, progress_style

    monkeypatch.setenv(PROGRESS_ENV, "text")
    assert progress_style() == "text"
    bar = progress_bar(range(7), desc="steps")
    assert type(bar) is text_tqdm
    list(bar)
    bar.close()
    written = capsys.readouterr().err  # tqdm writes to stderr
    last = written.rstrip("\n").split("\r")[-1]
    assert "100%" in last and "7/7" in last, written


def test_text_bar_asked_not_to_stay_still_ends_in_its_final_state(monkeypatch, capsys) -> None:
    """leave=False would blank a text line on close ("   \\r"), which a saved notebook keeps
    as an unfolded update; a text bar stays."""
    from dtwin.progress import PROGRESS_ENV

    monkeypatch.setenv(PROGRESS_ENV, "text")
    bar = progress_bar(range(4), desc="replications", leave=False)
    list(bar)
    bar.close()
    last = capsys.readouterr().err.rstrip("\n").split("\r")[-1]
    assert "100%" in last and "4/4" in last, last


def test_unknown_style_falls_back_to_tqdm_auto(monkeypatch) -> None:
    from tqdm.auto import tqdm as auto_tqdm

    from dtwin.progress import PROGRESS_ENV, progress_style

    monkeypatch.setenv(PROGRESS_ENV, "fancy")
    assert progress_style() == "widget"
    assert isinstance(progress_bar(range(2), desc="x"), auto_tqdm)
