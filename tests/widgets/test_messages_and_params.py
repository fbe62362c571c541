import os

import pytest

from dtwin.errors import ConfigError, DataError
from widgets.background import preheat_imports
from widgets.messages import MessageBox, raise_outside_voila, show_errors
from widgets.params import apply_url_parameters, parse_url_parameters, wait_for_page_request


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


DEFAULTS = {"seed": 0, "batch_size": 8, "days": 30, "hours": 24.0, "fast": False, "name": "a"}
LIMITS = {"batch_size": (1, 64), "days": (1, 366), "hours": (1, 336)}


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("seed=abc", "seed='abc': expected a whole number"),
        ("seed=1.5", "seed='1.5': expected a whole number"),
        ("seed=-1", "seed='-1': must be between 0 and"),  # numpy refuses negative seeds
        ("seed=99999999999", "seed='99999999999': must be between 0 and 4294967295"),
        ("batch_size=-3", "batch_size='-3': must be between 1 and 64"),
        ("batch_size=0", "batch_size='0': must be between 1 and 64"),
        ("batch_size=100000", "batch_size='100000': must be between 1 and 64"),
        ("days=nan", "days='nan': expected a whole number"),
        ("days=0", "days='0': must be between 1 and 366"),
        ("hours=nan", "hours='nan': expected a finite number"),
        ("hours=inf", "hours='inf': expected a finite number"),
        ("hours=1e999", "hours='1e999': expected a finite number"),
        ("hours=-inf", "hours='-inf': expected a finite number"),
        ("hours=abc", "hours='abc': expected a finite number"),
        ("hours=0.5", "hours='0.5': must be between 1 and 336"),
        ("fast=maybe", "fast='maybe': expected true or false"),
    ],
    ids=[
        "seed-text",
        "seed-fraction",
        "seed-negative",
        "seed-huge",
        "batch-negative",
        "batch-zero",
        "batch-huge",
        "int-nan",
        "days-zero",
        "float-nan",
        "float-inf",
        "float-overflow",
        "float-minus-inf",
        "float-text",
        "float-below-range",
        "bool-text",
    ],
)
def test_bad_url_parameter_keeps_default_and_says_why(query, match):
    parsed = parse_url_parameters(DEFAULTS, query, LIMITS)
    assert parsed.values == {}
    assert len(parsed.problems) == 1 and match in parsed.problems[0], parsed.problems
    assert "uses the default" in parsed.message()


def test_every_bad_parameter_named_at_once_good_ones_kept():
    parsed = parse_url_parameters(DEFAULTS, "seed=abc&batch_size=-3&days=7&name=b", LIMITS)
    assert parsed.values == {"days": 7, "name": "b"}
    assert [p.split("=")[0] for p in parsed.problems] == [
        "URL parameter seed",
        "URL parameter batch_size",
    ]


def test_repeated_parameter_last_value_counts():
    assert parse_url_parameters(DEFAULTS, "seed=abc&seed=4").values == {"seed": 4}
    parsed = parse_url_parameters(DEFAULTS, "seed=4&seed=abc")
    assert parsed.values == {} and len(parsed.problems) == 1


def test_bad_url_parameter_raises_outside_voila(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    ns = dict(DEFAULTS)
    with pytest.raises(ConfigError, match="seed='abc'"):
        apply_url_parameters(ns, ["seed"], "seed=abc")
    assert ns["seed"] == 0


def test_bad_url_parameter_shown_in_page_in_voila(monkeypatch):
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5")
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "batch_size=-3&seed=5")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    ns = dict(DEFAULTS)
    assert apply_url_parameters(ns, ["batch_size", "seed"], limits=LIMITS) == {"seed": 5}
    assert ns["batch_size"] == 8 and ns["seed"] == 5
    (box,) = shown
    assert isinstance(box, MessageBox) and box.kind == "error"
    assert "batch_size='-3': must be between 1 and 64" in box.text
    assert "dtwin-url-parameters" in box._dom_classes


# What voila.utils.wait_for_request puts in os.environ when the page request arrives.
REQUEST_ENV = {"SERVER_SOFTWARE": "voila/0.5.13", "QUERY_STRING": "seed=5&batch_size=-3"}


@pytest.fixture
def preheated(monkeypatch):
    """A preheated kernel's environment; ``waits`` counts calls of the patched wait_for_request."""
    for name in ("SERVER_SOFTWARE", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("QUERY_STRING", "seed=9")  # left over from the server's environment
    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    waits: list = []

    def deliver(request: dict[str, str]) -> None:
        def wait_for_request(url=None):
            waits.append(url)
            os.environ.update(request)

        monkeypatch.setattr("voila.utils.wait_for_request", wait_for_request)

    deliver(REQUEST_ENV)
    return {"shown": shown, "waits": waits, "deliver": deliver}


def test_preheated_kernel_waits_for_the_page_request(preheated):
    """Issue 14: a preheated kernel kept its defaults, so ?seed=5 showed seed 0's results."""
    ns = dict(DEFAULTS)
    assert apply_url_parameters(ns, ["seed", "batch_size"], limits=LIMITS) == {"seed": 5}
    assert ns["seed"] == 5 and ns["batch_size"] == 8
    assert preheated["waits"] == [None]
    (box,) = preheated["shown"]  # the refused value is named in the page, not dropped
    assert box.kind == "error" and "batch_size='-3': must be between 1 and 64" in box.text
    # the kernel now serves that page: a second call reads the same request and does not wait
    assert os.environ["VOILA_PREHEAT"] == "False"
    assert apply_url_parameters(dict(DEFAULTS), ["seed"]) == {"seed": 5}
    assert preheated["waits"] == [None]


def test_preheated_kernel_ignores_a_stale_query_string(preheated):
    preheated["deliver"]({"SERVER_SOFTWARE": "voila/0.5.13", "QUERY_STRING": ""})
    ns = dict(DEFAULTS)
    assert apply_url_parameters(ns, ["seed"]) == {} and ns["seed"] == 0  # not the stale 9


def test_preheated_kernel_without_a_request_says_so(preheated):
    preheated["deliver"]({})  # Voila's websocket could not be reached
    ns = dict(DEFAULTS)
    assert apply_url_parameters(ns, ["seed"]) == {} and ns["seed"] == 0
    (box,) = preheated["shown"]
    assert box.kind == "warning" and "could not be read" in box.text
    assert "dtwin-url-parameters" in box._dom_classes and "dtwin-error" not in box._dom_classes


def test_no_wait_outside_a_preheated_kernel(monkeypatch):
    def never(url=None):
        raise AssertionError("waited outside a preheated kernel")

    monkeypatch.setattr("voila.utils.wait_for_request", never)
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # a kernel Voila starts for a page
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setenv("QUERY_STRING", "seed=4")
    assert apply_url_parameters(dict(DEFAULTS), ["seed"]) == {"seed": 4}
    monkeypatch.delenv("VOILA_PREHEAT")  # papermill, JupyterLab
    monkeypatch.delenv("SERVER_SOFTWARE")
    monkeypatch.delenv("QUERY_STRING")
    assert wait_for_page_request() is True
    assert apply_url_parameters(dict(DEFAULTS), ["seed"]) == {}


def test_preheat_imports_only_in_a_preheated_kernel(monkeypatch):
    imported: list[str] = []
    monkeypatch.setattr("widgets.background.importlib.import_module", imported.append)
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    preheat_imports("torch", "timm")
    assert imported == []  # a page waits: PyTorch loads in the background later
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    preheat_imports("torch", "timm")
    assert imported == ["torch", "timm"]
