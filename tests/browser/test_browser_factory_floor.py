"""Factory floor app: the 3D canvas is drawn and a play step changes it."""

from voila_harness import (
    CANVAS_COLOURS_JS,
    CANVAS_DIGEST_JS,
    GREEN_PIXEL_JS,
    assert_no_errors,
    open_app,
)

CANVAS = ".dtwin-factory3d canvas"


def test_factory_floor_draws_and_plays(page, server):
    open_app(page, server, "factory_floor", CANVAS)
    page.wait_for_function(f"() => ({CANVAS_COLOURS_JS})({CANVAS!r}) >= 8")
    colours = page.evaluate(CANVAS_COLOURS_JS, CANVAS)
    assert colours >= 8, f"3D canvas looks blank: {colours} distinct colours"
    before_time = page.inner_text(".dtwin-time")
    before = page.evaluate(CANVAS_DIGEST_JS, CANVAS)

    # one step through the kernel: move the time slider by one frame
    page.focus(".dtwin-factory3d .widget-slider .noUi-handle")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(t) => document.querySelector('.dtwin-time').innerText !== t", arg=before_time
    )
    page.wait_for_timeout(300)  # let WebGL draw the new colours
    assert page.evaluate(CANVAS_DIGEST_JS, CANVAS) != before, "canvas unchanged after a step"

    # play runs through the kernel too: the clock keeps moving
    page.click(".dtwin-factory3d .widget-play button >> nth=0")
    page.wait_for_timeout(1000)
    page.click(".dtwin-factory3d .widget-play button >> nth=0")
    assert page.inner_text(".dtwin-time") != before_time

    # clicking a (running, green) machine selects it and shows its KPIs
    spot = page.evaluate(GREEN_PIXEL_JS, CANVAS)
    assert spot is not None, "no running machine visible"
    page.click(CANVAS, position={"x": spot[0], "y": spot[1]})
    page.wait_for_selector(".dtwin-selection:has-text('station')")
    assert "running share" in page.inner_text(".dtwin-selection")
    assert_no_errors(page)
