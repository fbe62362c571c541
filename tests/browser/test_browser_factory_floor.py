"""Factory floor app: the 3D canvas is drawn and a play step changes it; no KPI is shown before
it is measured (warm-up), queues are counted, off-shift machines and overloaded stations are
told apart, and the what-if panel compares replicated runs with intervals (issue 19)."""

from urllib.parse import quote

from voila_harness import (
    CANVAS_COLOURS_JS,
    CANVAS_DIGEST_JS,
    GREEN_PIXEL_JS,
    assert_no_errors,
    open_app,
    screenshot,
)

CANVAS = ".dtwin-factory3d canvas"
CARDS = ".dtwin-factory3d .dtwin-kpi-panel .dtwin-kpi-value"
# pixels of the canvas in dark grey (the off-shift colour, #424242, under the scene's lights)
DARK_PIXELS_JS = """
(selector) => {
  const src = document.querySelector(selector);
  const c = document.createElement('canvas');
  c.width = src.width; c.height = src.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(src, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    if (r < 90 && g < 90 && b < 90 && Math.abs(r - g) < 12 && Math.abs(g - b) < 12) n++;
  }
  return n;
}
"""


def step_frames(page, count: int) -> None:
    """Move the time slider ``count`` frames on (each a kernel round-trip)."""
    before = page.inner_text(".dtwin-time")
    page.focus(".dtwin-factory3d .widget-slider .noUi-handle")
    for _ in range(count):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(t) => document.querySelector('.dtwin-time').innerText !== t", arg=before
    )


def test_factory_floor_draws_and_plays(page, server):
    open_app(page, server, "factory_floor", CANVAS)
    page.wait_for_function(f"() => ({CANVAS_COLOURS_JS})({CANVAS!r}) >= 8")
    colours = page.evaluate(CANVAS_COLOURS_JS, CANVAS)
    assert colours >= 8, f"3D canvas looks blank: {colours} distinct colours"
    # before anything is measured: no zeros shown as facts
    cards = page.locator(CARDS).all_inner_texts()
    assert cards and all(c == "—" for c in cards), cards
    assert "warming up" in page.inner_text(".dtwin-kpi-note")
    assert "queues" in page.inner_text(".dtwin-queues")
    assert "off shift" in page.inner_text(".dtwin-factory3d")  # a state of its own
    before_time = page.inner_text(".dtwin-time")
    before = page.evaluate(CANVAS_DIGEST_JS, CANVAS)

    # one step through the kernel: move the time slider by one frame
    step_frames(page, 3)
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

    # after the warm-up: running averages, labelled as such
    page.focus(".dtwin-factory3d .widget-slider .noUi-handle")
    page.keyboard.press("End")
    page.wait_for_selector(".dtwin-kpi-note:has-text('running averages since the warm-up')")
    cards = page.locator(CARDS).all_inner_texts()
    assert all(c != "—" for c in cards), cards

    # a what-if against the base: replicated runs, mean ± 95% half-width, OEE's losses apart
    page.select_option(
        ".widget-dropdown:has(label:text-is('what-if')) select", "+1 machine at weld_a"
    )
    page.click("button:has-text('Run twin')")
    # the base-only table of the opening run stays until the new run's comparison replaces it
    page.wait_for_selector(".dtwin-whatif table:has-text('+1 machine at weld_a')", timeout=180_000)
    table = page.inner_text(".dtwin-whatif")
    assert "base" in table and "+1 machine at weld_a" in table, table
    assert "±" in table and "Loss: starved" in table and "Lead time" in table, table
    assert "replications" in page.inner_text(".dtwin-compare-status")
    # the new run opens on its first frame again: warming up, no figures
    cards = page.locator(CARDS).all_inner_texts()
    assert all(c == "—" for c in cards), cards
    assert_no_errors(page)
    page.locator(".dtwin-whatif").scroll_into_view_if_needed()
    screenshot(page, "factory_floor_whatif")


def test_factory_floor_off_shift_and_overload_are_shown(page, server):
    overrides = "products.0.arrival.mean=3; shifts=[{start: 6, end: 14}]"
    page.goto(server.app_url("factory_floor", overrides=quote(overrides), hours=2))
    page.wait_for_selector(CANVAS, timeout=90_000)
    page.wait_for_function(f"() => ({CANVAS_COLOURS_JS})({CANVAS!r}) >= 8")
    warning = page.inner_text(".dtwin-message")
    assert "load > 1 at weld_a" in warning, warning
    step_frames(page, 20)  # t = 200 min: before the 6:00 shift, every machine off shift
    page.wait_for_function("() => document.querySelector('.dtwin-time').innerText.includes('200')")
    page.wait_for_timeout(500)
    dark = page.evaluate(DARK_PIXELS_JS, CANVAS)
    assert dark > 4000, f"off-shift machines not drawn apart ({dark} dark pixels)"
    screenshot(page, "factory_floor_off_shift")
