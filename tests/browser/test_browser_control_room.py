"""Control room app: play runs the twin in the kernel; the feed and a health estimate appear."""

from voila_harness import CANVAS_COLOURS_JS, assert_no_errors, open_app

ROOM = ".dtwin-control-room"
CANVAS = ".dtwin-twin-floor canvas"
PLAY = f"{ROOM} .dtwin-room-play button >> nth=0"  # ipywidgets 8: one play/pause button
ESTIMATE = r"/\d\.\d\d ± \d\.\d\d/"
ESTIMATE_SHOWN_JS = (
    "() => { const e = document.querySelector('.dtwin-health-estimate');"
    f" return !!e && {ESTIMATE}.test(e.innerText); }}"
)
HEALTH_LINES_JS = """() => Array.from(document.querySelectorAll('.dtwin-health svg path.line'))
    .map(p => (p.getAttribute('d') || '').length).reduce((a, b) => a + b, 0)"""


def test_control_room_plays_the_twin(page, server):
    open_app(page, server, "control_room", ROOM)
    # the twin is built in the background after the page is sent
    page.wait_for_selector(".dtwin-room-status:has-text('press play')", timeout=120_000)
    page.wait_for_function(f"() => ({CANVAS_COLOURS_JS})({CANVAS!r}) >= 6")
    assert page.query_selector(".dtwin-feed-row") is None, "events before the first step"
    assert page.inner_text(".dtwin-health-estimate").strip() == "—", "an estimate at t = 0"
    assert "running…" in page.inner_text(".dtwin-kpi-compare") or "±" in page.inner_text(
        ".dtwin-kpi-compare"
    )

    page.select_option(f"{ROOM} .dtwin-room-speed select", label="8 h per s")
    page.click(PLAY)
    page.wait_for_selector(".dtwin-feed-row", timeout=60_000)
    page.wait_for_function(ESTIMATE_SHOWN_JS, timeout=90_000)
    page.wait_for_function(f"() => ({HEALTH_LINES_JS})() > 40")  # estimate and truth drawn
    page.click(PLAY)  # pause
    page.wait_for_selector(".dtwin-room-status:has-text('paused')")
    clock = page.inner_text(".dtwin-room-clock")
    assert "min (" in clock and " h)" in clock and not clock.startswith("t = 0 min"), clock
    page.wait_for_timeout(1500)
    assert page.inner_text(".dtwin-room-clock") == clock, "the clock moves while paused"

    feed = page.inner_text(".dtwin-feed")
    assert "notable events" in feed and " min (" in feed, feed[:500]
    truth = page.inner_text(".dtwin-health-truth")
    assert 0.0 <= float(truth) <= 1.0, truth
    assert_no_errors(page)


def test_control_room_bad_url_parameters_show_messages(page, server):
    page.goto(server.app_url("control_room", hours=0, loop="sideways"))
    box = page.wait_for_selector(".dtwin-url-parameters", state="visible")
    assert "hours='0': must be between 1 and 1440" in box.inner_text()
    # a text parameter is checked where it is used: the twin refuses the loop, the page says so
    page.wait_for_selector(".dtwin-message:has-text('sideways')", timeout=120_000)
    assert "choices: open, closed, oracle" in page.inner_text(".dtwin-control-room .dtwin-message")
    assert "could not start" in page.inner_text(".dtwin-room-status")
    assert "Traceback" not in page.inner_text("body")
