"""Schedule board app: breaking a machine reschedules and changes the 'after' Gantt; every plan
shows its solver status and gap; a breakdown that hits nothing is never shown as an improvement;
an uploaded instance keeps its name on re-solve (issue 19)."""

from voila_harness import assert_no_errors, open_app, screenshot

PLAN_BARS = ".dtwin-gantt >> nth=0"
AFTER = ".dtwin-gantt >> nth=1"
# two jobs, each machine 0 for 10 then machine 1 for 10: every optimal plan (makespan 30) leaves
# machine 1 idle during [0, 10), so a breakdown of machine 1 from 0 to 10 hits no operation
IDLE_FIRST = "2 2\n0 10 1 10\n0 10 1 10\n"


def test_schedule_board_break_machine_changes_gantt(page, server):
    open_app(page, server, "schedule_board", ".dtwin-gantt .bqplot")
    page.wait_for_selector(".dtwin-gantt-summary")
    plan_summary = page.inner_text(f"{PLAN_BARS} >> .dtwin-gantt-summary")
    assert "makespan" in plan_summary
    status = page.inner_text(".dtwin-plan-status")
    assert "ft06.txt" in status and "gap" in status and "lower bound" in status, status
    # axes with units, a legend of jobs
    axes = " ".join(page.locator(f"{PLAN_BARS} >> .axislabel").all_text_contents())
    assert "time (time units)" in axes and "machine (index)" in axes, axes
    assert "job 0" in page.inner_text(f"{PLAN_BARS} >> .dtwin-gantt-legend")
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

    # the empty 'after' chart is hidden until a machine breaks
    assert not page.locator(AFTER).is_visible()

    page.click("button:has-text('Break machine')")
    page.wait_for_selector(".dtwin-comparison", timeout=60_000)
    after_text = page.inner_text(f"{AFTER} >> .dtwin-gantt-summary")
    assert "makespan" in after_text
    # the 'after' chart now draws bars (bqplot paths inside its svg)
    bars = page.locator(f"{AFTER} >> svg path").count()
    assert bars > 10, f"after-Gantt draws only {bars} paths"
    table = page.inner_text(".dtwin-comparison")
    assert "moved operations" in table and "right-shift repair" in table, table
    assert "gap" in table and ("OPTIMAL" in table or "FEASIBLE" in table), table
    assert_no_errors(page)


def test_no_impact_breakdown_is_not_an_improvement_and_upload_keeps_its_name(
    page, server, tmp_path
):
    open_app(page, server, "schedule_board", ".dtwin-gantt .bqplot")
    path = tmp_path / "two_jobs.txt"
    path.write_text(IDLE_FIRST)
    with page.expect_file_chooser() as chooser:
        page.click(".widget-upload")
    chooser.value.set_files(str(path))
    page.wait_for_selector(".dtwin-plan-status:has-text('two_jobs.txt')")
    assert "OPTIMAL, gap 0.0%" in page.inner_text(".dtwin-plan-status")

    # a tardiness objective on an instance without due dates says so; the name stays on re-solve
    page.select_option(".widget-dropdown:has(label:text-is('objective')) select", "tardiness")
    page.click("button:has-text('Solve')")
    page.wait_for_selector(".dtwin-objective-note:has-text('no due dates')")
    assert "two_jobs.txt" in page.inner_text(".dtwin-objective-note")
    assert "two_jobs.txt" in page.inner_text(".dtwin-plan-status")
    page.select_option(".widget-dropdown:has(label:text-is('objective')) select", "makespan")
    page.click("button:has-text('Solve')")
    page.wait_for_function(
        "() => document.querySelector('.dtwin-objective-note').innerText.trim() === ''"
    )

    # machine 1 down from 0 to 10, while it waits for its first operation anyway
    page.select_option(".widget-dropdown:has(label:text-is('machine')) select", "1")
    page.focus(".widget-hslider:has(label:text-is('breaks at')) .noUi-handle")
    page.keyboard.press("Home")
    down_for = page.locator(".widget-inline-hbox:has(label:text-is('down for')) input")
    down_for.fill("10")
    down_for.press("Enter")
    page.wait_for_timeout(300)
    page.click("button:has-text('Break machine')")
    page.wait_for_selector(".dtwin-verdict", timeout=60_000)
    verdict = page.inner_text(".dtwin-verdict")
    assert "hits no operation" in verdict and "costs 0" in verdict, verdict
    assert "recovers" not in verdict and "better" not in verdict, verdict
    rows = page.locator(".dtwin-comparison tr").all_inner_texts()
    rescheduled = next(r for r in rows if r.startswith("rescheduled"))
    assert "\t30\t30\t0\t" in rescheduled, rows  # same makespan, nothing moved (stability 1)
    assert "0 delayed" in " ".join(rows), rows
    assert_no_errors(page)
    screenshot(page, "schedule_board_no_impact_breakdown")


def test_schedule_board_bad_url_parameter_shows_message(page, server):
    page.goto(server.app_url("schedule_board", instance="missing.txt"))
    page.wait_for_selector(".dtwin-message:has-text('missing.txt')", timeout=60_000)
    assert "file not found" in page.inner_text(".dtwin-message")
    assert "Traceback" not in page.inner_text("body")
