import pytest

from widgets.background import load_in_background


def test_result_delivered():
    assert load_in_background(lambda: 41 + 1).result(timeout=5) == 42


def test_error_delivered_to_waiter():
    def fail():
        raise ValueError("no model")

    with pytest.raises(ValueError, match="no model"):
        load_in_background(fail).result(timeout=5)


def test_done_callback_runs_after_delay():
    seen = []
    future = load_in_background(lambda: "x", delay=0.05)
    future.add_done_callback(lambda f: seen.append(f.result()))
    future.result(timeout=5)
    assert seen == ["x"]
