import pytest

from dtwin.errors import ConfigError, DataError
from widgets.messages import MessageBox, raise_outside_voila, show_errors
from widgets.params import apply_url_parameters


def test_show_errors_puts_dtwin_message_in_box():
    box = MessageBox()

    @show_errors(box)
    def callback():
        raise DataError("file x.png: not an image")

    assert callback() is None
    assert box.text == "file x.png: not an image" and box.kind == "error"
    assert box.layout.display is None and "dtwin-error" in box._dom_classes


def test_unexpected_error_named_by_type():
    box = MessageBox()
    show_errors(box)(lambda: 1 / 0)()
    assert box.text.startswith("unexpected error (ZeroDivisionError)")


def test_box_cleared_on_next_success():
    box = MessageBox()
    box.show("old")
    show_errors(box)(lambda: None)()
    assert box.text == "" and box.layout.display == "none"


def test_raise_outside_voila(monkeypatch):
    box = MessageBox()
    show_errors(box)(lambda: 1 / 0)()
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    with pytest.raises(ZeroDivisionError):
        raise_outside_voila(box)
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    raise_outside_voila(box)  # in Voila the page shows it


def test_url_parameters_cast_to_default_types():
    ns = {"days": 1.0, "seed": 0, "name": "a", "fast": False}
    changed = apply_url_parameters(
        ns, ["days", "seed", "name", "fast"], "days=2.5&seed=3&fast=1&x=9"
    )
    assert changed == {"days": 2.5, "seed": 3, "fast": True}
    assert ns["name"] == "a" and "x" not in ns


@pytest.mark.parametrize(
    ("query", "match"),
    [("seed=abc", "expected a int"), ("fast=maybe", "true or false")],
    ids=["bad-int", "bad-bool"],
)
def test_bad_url_parameters_named(query, match):
    with pytest.raises(ConfigError, match=match):
        apply_url_parameters({"seed": 0, "fast": False}, ["seed", "fast"], query)


def test_preheated_kernel_keeps_defaults(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("QUERY_STRING", "seed=5")
    ns = {"seed": 0}
    assert apply_url_parameters(ns, ["seed"]) == {} and ns["seed"] == 0
