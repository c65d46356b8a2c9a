"""The timing budget under the frequencies, in real Chromium: a bar while the brain runs,
and a sentence naming the slow part when the rate falls short."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import ServerProcess
from .test_page import open_page, play_brain, stop_brain, type_code

SLOW = """import time
import HAL

while True:
    image = HAL.getImage()
    time.sleep(0.15)
"""


def test_a_slow_loop_is_explained_under_the_frequencies(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    expect(page.locator("#budget")).to_be_hidden()
    type_code(page, SLOW)
    page.locator("#brain-target").fill("30")
    page.locator("#brain-target").press("Enter")
    play_brain(page)
    budget = page.locator("#budget")
    expect(budget).to_be_visible()
    expect(budget.locator(".budget-legend")).to_contain_text("your code 15")
    why = budget.locator(".budget-why")
    expect(why).to_contain_text("each loop takes 15")
    expect(why).to_contain_text("over the 33 ms a loop may take at 30 Hz; the rest of your loop takes 15")
    # The bar's parts fill the period: your code takes nearly all of it.
    width = page.evaluate("document.querySelector('.budget-part[data-part=other_ms]').style.width")
    assert float(width.rstrip("%")) > 90
    stop_brain(page)
    expect(budget).to_be_hidden()
