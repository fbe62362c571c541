"""Schedule board app: breaking a machine reschedules and changes the 'after' Gantt."""

from voila_harness import assert_no_errors, open_app

PLAN_BARS = ".dtwin-gantt >> nth=0"
AFTER = ".dtwin-gantt >> nth=1"


def test_schedule_board_break_machine_changes_gantt(page, server):
    open_app(page, server, "schedule_board", ".dtwin-gantt .bqplot")
    page.wait_for_selector(".dtwin-gantt-summary")
    plan_summary = page.inner_text(f"{PLAN_BARS} >> .dtwin-gantt-summary")
    assert "makespan" in plan_summary
    # hovering a bar shows its job and times (a kernel round-trip fills the tooltip)
    bars = page.locator(f"{PLAN_BARS} >> svg path.line")
    for i in range(bars.count()):
        box = bars.nth(i).bounding_box()
        if box and box["width"] > 20 and box["height"] > 10:
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            break
    page.wait_for_selector(".bqplot_tooltip_div:has-text('job ')")
    assert "machine" in page.inner_text(".bqplot_tooltip_div")
    page.mouse.move(0, 0)

    after_before = page.inner_text(AFTER)
    assert "no operations" in after_before

    page.click("button:has-text('Break machine')")
    page.wait_for_selector(".dtwin-comparison", timeout=60_000)
    after_text = page.inner_text(f"{AFTER} >> .dtwin-gantt-summary")
    assert "makespan" in after_text and after_text != after_before
    # the 'after' chart now draws bars (bqplot paths inside its svg)
    bars = page.locator(f"{AFTER} >> svg path").count()
    assert bars > 10, f"after-Gantt draws only {bars} paths"
    assert "moved operations" in page.inner_text(".dtwin-comparison")
    assert_no_errors(page)


def test_schedule_board_bad_url_parameter_shows_message(page, server):
    page.goto(server.app_url("schedule_board", instance="missing.txt"))
    page.wait_for_selector(".dtwin-message:has-text('missing.txt')", timeout=60_000)
    assert "file not found" in page.inner_text(".dtwin-message")
    assert "Traceback" not in page.inner_text("body")
