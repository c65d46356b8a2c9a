"""Save this digit, in real Chromium: the input the model saw is saved with the digit the
student picks (by key or by button), counted per digit, shown, and deleted; a student who
has nothing to save is told why."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from playwright.sync_api import Page, expect

from exercise.examples import EXAMPLES_DIR
from exercise.idx import load_split

from .conftest import ServerProcess
from .test_page import TEMPLATE, open_page, play_brain, stop_brain, type_code


def test_save_this_digit_keeps_what_the_model_saw_with_the_right_label(
    page: Page, serve: ServerProcess, tmp_path: Path
) -> None:
    open_page(page, serve)
    panel = page.locator("#examples-panel")
    expect(panel.locator(".examples-folder")).to_have_text(re.compile(EXAMPLES_DIR + "$"))
    page.locator("#save-example").click()
    expect(page.locator("#save-status")).to_contain_text("Nothing to save yet")

    type_code(page, TEMPLATE)
    play_brain(page)
    # When the brain reads no digit, the last input stays but faded, and is not offered.
    click_save_when(page, "stale")
    expect(page.locator("#save-status")).to_contain_text("The model read no digit in the latest frame")
    expect(page.locator("#save-chooser")).to_be_hidden()

    click_save_when(page, "reading")
    chooser = page.locator("#save-chooser")
    expect(chooser).to_be_visible()
    held = page.evaluate("() => Array.from(window.exercise.examplesPanel.held.pixels)")
    read = page.evaluate("() => window.exercise.examplesPanel.held.digit")
    expect(chooser.locator(".save-digit.suggested")).to_have_text(str(read))
    label = (read + 1) % 10  # the student's correction
    page.keyboard.press(str(label))
    expect(page.locator("#save-status")).to_contain_text(f"Saved as {label} (the model read a {read})")
    expect(chooser).to_be_hidden()
    expect(panel.locator(".examples-count").nth(label)).to_have_attribute("data-count", "1")
    expect(panel.locator(".example")).to_have_count(1)

    click_save_when(page, "reading")
    chooser.locator(".save-digit").nth(3).click()
    expect(panel.locator(".example")).to_have_count(2)
    expect(panel.locator(".examples-total")).to_have_text("2")
    click_save_when(page, "reading")
    expect(chooser).to_be_visible()
    page.keyboard.press("Escape")
    expect(chooser).to_be_hidden()
    expect(page.locator("#save-example")).to_be_focused()
    stop_brain(page)

    images, labels = load_split(Path(serve.state_dir) / EXAMPLES_DIR, "train")
    assert labels.tolist() == [label, 3]
    assert np.array_equal(images[0].reshape(-1), np.array(held, np.uint8))
    page.screenshot(path=str(tmp_path / "examples.png"))

    # × deletes, by keyboard too; the grid shows the newest first.
    page.locator(".example-delete").first.focus()
    page.keyboard.press("Enter")
    expect(panel.locator(".example")).to_have_count(1)
    expect(panel.locator(".example figcaption")).to_have_text(str(label))
    expect(page.locator(".example-delete").first).to_be_focused()  # the keyboard stays in the grid
    page.keyboard.press("Enter")
    expect(panel.locator(".example")).to_have_count(0)
    expect(panel.locator(".examples-empty")).to_be_visible()
    expect(panel).to_be_focused()


def click_save_when(page: Page, moment: str) -> None:
    """Press Save this digit at the first moment the page shows a fresh reading ("reading")
    or a faded input after a frame without a digit ("stale"), checked and clicked in one
    step of the page's own event loop, so that no message can slip in between."""
    page.wait_for_function(
        """(moment) => {
            const digit = document.querySelector('#digit').textContent;
            const stale = document.querySelector('#input-canvas').classList.contains('stale');
            const read = /^[0-9]$/.test(digit);
            const ready = moment === 'stale' ? stale && digit === 'no digit' : read && !stale;
            if (ready) document.querySelector('#save-example').click();
            return ready;
        }""",
        arg=moment,
        timeout=30_000,
    )
