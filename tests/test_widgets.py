"""The two widgets (docs/assets/javascripts/autograd-widgets.js), in Debian's chromium.

The backward stepper is stepped through every recorded step, forward and back, with the buttons and
with the keyboard; the tangent slider is moved to three positions. Every value the widgets show is
compared with the record read here from the snippet's own output (tests/widget_records.py parses
it), never from the page. Both palettes, at desktop size and at a 390 px phone's. A middle step of
each backward walk is saved to test-results/screenshots/widget-<lesson>-<palette>-<size>.png.
"""

from __future__ import annotations

import os
import re

import pytest
from helpers import snippet_output
from widget_records import parse_backward, parse_table

from browser_support import (
    MISSING_CHROMIUM,
    ROOT,
    SCREENSHOTS,
    StaticSite,
    chromium_missing,
    close_visit,
    open_visit,
    site_path,
    site_url_of_config,
    switch_palette,
)

if chromium_missing():
    if os.environ.get("CI"):
        pytest.fail(MISSING_CHROMIUM + " (CI installs it: the browser tests must run there)", pytrace=False)
    pytest.skip(MISSING_CHROMIUM, allow_module_level=True)

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PALETTES = ("light", "dark")

# (page, snippet under snippets/) of every backward stepper, and (page, snippet, column, three
# positions as x) of every tangent slider.
STEPPERS = [
    ("leaves-and-grad-fn/", "leaves-and-grad-fn/watch_backward.py"),
    ("partial-derivatives/", "partial-derivatives/watch_backward.py"),
    ("custom-functions/", "custom-functions/watch_backward.py"),
]
SLIDERS = [
    ("derivatives/", "derivatives/tangent_grid.py", "x**2", ("-2.25", "0.00", "1.50")),
    ("plotting-with-detach/", "plotting-with-detach/tangent_grid.py", "relu(x)", ("-1.500", "0.000", "2.250")),
    ("plotting-with-detach/", "plotting-with-detach/tangent_grid.py", "sin(x)", ("-2.750", "0.500", "1.750")),
]


def _placeholders(kind: str) -> set[tuple]:
    """The widget placeholders written in docs/*.md, as (page, snippet[, column])."""
    found = set()
    for source in (ROOT / "docs").glob("*.md"):
        for tag in re.findall(rf'<div class="{kind}"[^>]*>', source.read_text(encoding="utf-8")):
            record = re.search(r'data-record="snippets/([^"]+)"', tag)[1]
            column = re.search(r'data-column="([^"]+)"', tag)
            found.add((source.stem + "/", record) + ((column[1],) if column else ()))
    return found


def test_every_widget_on_the_site_is_tested_here():
    assert _placeholders("backward-stepper") == set(STEPPERS)
    assert _placeholders("tangent-slider") == {(page, record, column) for page, record, column, _ in SLIDERS}


# ---- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(built_site):
    with StaticSite(built_site, site_path(site_url_of_config())) as running:
        yield running


def _open(browser, server, path, palette, size):
    visit = open_visit(browser, server, path, color_scheme=palette)
    visit.page.set_viewport_size(SIZES[size])
    switch_palette(visit.page, palette)
    return visit


def _number(value: float | None) -> str:
    """A recorded number as the widget shows it (the record prints numbers with :g)."""
    return "-" if value is None else f"{value:g}"


def _no_horizontal_overflow(page, widget) -> None:
    width = page.evaluate("innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    box = widget.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the widget sticks out of the screen"
    for part in widget.locator("svg, button, input, p, dl").all():
        inner = part.bounding_box()
        if inner:
            assert inner["x"] + inner["width"] <= box["x"] + box["width"] + 0.5, "a part sticks out of the widget"


def _axe_violations(page, selector: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=selector).response
    assert results["passes"], "axe ran no check"
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:5]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


# ---- the backward stepper ------------------------------------------------------------------------


def _expected_status(record, k: int) -> str:
    total = len(record.steps)
    if k == 0:
        return f"Before backward(): no node has run and every .grad is None. {total} steps follow."
    step = record.steps[k - 1]
    node = record.node(step.node)
    sentence = f"Step {k} of {total}: {node.name} runs. It receives {', '.join(_number(v) for v in step.received)}"
    if step.leaf:
        return sentence + f" and puts it in {step.leaf[0]}.grad, which is now {_number(step.leaf[1])}."
    parts = [f"{_number(value)} to {record.node(to).name}" for value, to in zip(step.sent, node.next) if to != "-"]
    return sentence + " and sends " + " and ".join(parts) + "."


def _check_step(widget, record, k: int) -> str | None:
    """Everything the stepper shows after k steps, against the record. Returns the running node."""
    assert widget.get_attribute("data-step") == str(k)
    assert widget.locator(".backward-stepper__status").inner_text() == _expected_status(record, k)
    assert widget.locator(".backward-stepper__count").inner_text() == f"Step {k} of {len(record.steps)}"
    running = widget.locator(".backward-stepper__node.is-running")
    ran = {step.node: step for step in record.steps[:k]}
    if k == 0:
        assert running.count() == 0
        current = None
    else:
        assert running.count() == 1
        current = running.get_attribute("data-node")
        assert current == record.steps[k - 1].node
        assert running.get_attribute("data-name") == record.steps[k - 1].name
        assert running.locator("text").text_content() == record.node(current).name
    for node in record.nodes:
        classes = widget.locator(f'.backward-stepper__node[data-node="{node.id}"]').get_attribute("class").split()
        assert ("is-waiting" in classes) == (node.id not in ran), node.id
    # The gradient on each arrow: shown once its sender has run, and equal to what was sent.
    for node in record.nodes:
        for slot, to in enumerate(node.next):
            if to == "-":
                continue
            label = widget.locator(f'.backward-stepper__grad[data-from="{node.id}"][data-to="{to}"]')
            if node.id in ran:
                assert label.is_visible(), (node.id, to)
                assert label.locator("text").text_content() == _number(ran[node.id].sent[slot])
            else:
                assert not label.is_visible(), (node.id, to)
    # The leaves' .grad: None until their AccumulateGrad has run, then the recorded value.
    for step in record.steps:
        if step.leaf:
            name, grad = step.leaf
            shown = widget.locator(f'.backward-stepper__leaf[data-leaf="{name}"]')
            assert shown.inner_text() == f"{name}.grad: " + (_number(grad) if step.node in ran else "None")
    return current


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("palette", PALETTES)
@pytest.mark.parametrize("page_path, record_path", STEPPERS, ids=[path for _, path in STEPPERS])
def test_backward_stepper_shows_the_recorded_backward_pass(browser, server, page_path, record_path, palette, size):
    record = parse_backward(snippet_output(record_path))
    total = len(record.steps)
    assert total == len(record.nodes) >= 3
    visit = _open(browser, server, page_path, palette, size)
    try:
        page = visit.page
        widget = page.locator(f'.backward-stepper[data-record="snippets/{record_path}"]')
        assert widget.count() == 1
        previous = widget.locator("button", has_text="Previous step")
        following = widget.locator("button", has_text="Next step")
        widget.scroll_into_view_if_needed()
        _no_horizontal_overflow(page, widget)
        assert _axe_violations(page, ".backward-stepper") == []

        # Forward with "Next step": the highlighted nodes, in order, are the recorded order.
        highlighted = []
        assert _check_step(widget, record, 0) is None
        for k in range(1, total + 1):
            following.click()
            highlighted.append(_check_step(widget, record, k))
            if k == total // 2:
                assert _axe_violations(page, ".backward-stepper") == []
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                lesson = record_path.split("/")[0]
                widget.screenshot(path=SCREENSHOTS / f"widget-{lesson}-{palette}-{size}.png")
        assert highlighted == [step.node for step in record.steps]
        assert following.get_attribute("aria-disabled") == "true"
        following.click(force=True)  # past the end (aria-disabled, still clickable): nothing changes
        _check_step(widget, record, total)

        # Back with "Previous step", all the way to the start.
        for k in range(total - 1, -1, -1):
            previous.click()
            _check_step(widget, record, k)
        assert previous.get_attribute("aria-disabled") == "true"

        # The keyboard alone: Tab reaches the buttons, the arrow keys step, Home and End jump.
        following.focus()
        assert page.evaluate("document.activeElement.textContent") == "Next step"
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.textContent") == "Previous step"
        for k in range(1, total + 1):
            page.keyboard.press("ArrowRight")
            _check_step(widget, record, k)
        page.keyboard.press("ArrowLeft")
        _check_step(widget, record, total - 1)
        page.keyboard.press("Home")
        _check_step(widget, record, 0)
        page.keyboard.press("End")
        _check_step(widget, record, total)
        page.keyboard.press("Enter")  # Enter on the focused "Previous step" button
        _check_step(widget, record, total - 1)
        _no_horizontal_overflow(page, widget)
        assert visit.console_errors == [] and visit.foreign() == []
    finally:
        close_visit(visit)


# ---- the tangent slider --------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("palette", PALETTES)
@pytest.mark.parametrize(
    "page_path, record_path, column, positions", SLIDERS, ids=[f"{path}:{column}" for _, path, column, _ in SLIDERS]
)
def test_tangent_slider_shows_the_recorded_derivative(browser, server, page_path, record_path, column, positions, palette, size):
    rows = parse_table(snippet_output(record_path), column)
    visit = _open(browser, server, page_path, palette, size)
    try:
        page = visit.page
        widget = page.locator(f'.tangent-slider[data-record="snippets/{record_path}"][data-column="{column}"]')
        assert widget.count() == 1
        widget.scroll_into_view_if_needed()
        slider = widget.get_by_label("Move x")
        assert slider.get_attribute("type") == "range"
        assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0", str(len(rows) - 1))
        plot = widget.locator("svg")
        px_per_x, px_per_y = float(plot.get_attribute("data-px-per-x")), float(plot.get_attribute("data-px-per-y"))
        xs = [x for x, _, _ in rows]
        for number, x in enumerate(positions):
            index = xs.index(x)
            if number == 0:  # by the keyboard alone: Home, then the right arrow key
                slider.focus()
                page.keyboard.press("Home")
                for _ in range(index):
                    page.keyboard.press("ArrowRight")
            else:
                slider.fill(str(index))
            assert widget.get_attribute("data-index") == str(index)
            shown = widget.locator(".tangent-slider__numbers dd").all_inner_texts()
            assert shown == list(rows[index]), f"at x = {x}"
            assert widget.locator(".tangent-slider__numbers dt").all_inner_texts() == ["x", column, "x.grad"]
            # The drawn tangent: its slope, back in the plot's units, is the recorded x.grad, and it
            # goes through the drawn point.
            line = {name: float(widget.locator(".tangent-slider__tangent").get_attribute(name)) for name in ("x1", "y1", "x2", "y2")}
            slope = -(line["y2"] - line["y1"]) / (line["x2"] - line["x1"]) * px_per_x / px_per_y
            assert slope == pytest.approx(float(rows[index][2]), abs=1e-6)
            point = widget.locator(".tangent-slider__point")
            cx, cy = float(point.get_attribute("cx")), float(point.get_attribute("cy"))
            along = (cx - line["x1"]) / (line["x2"] - line["x1"])
            assert line["y1"] + along * (line["y2"] - line["y1"]) == pytest.approx(cy, abs=1e-6)
        _no_horizontal_overflow(page, widget)
        assert _axe_violations(page, ".tangent-slider") == []
        assert visit.console_errors == [] and visit.foreign() == []
    finally:
        close_visit(visit)
