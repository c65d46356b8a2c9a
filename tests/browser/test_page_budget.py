"""The timing budget under the frequencies, in real Chromium: a bar while the brain runs,
and a sentence naming the slow part when the rate falls short."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from exercise.brain.runner import default_code

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


def test_why_this_digit_draws_the_map_over_the_input(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, default_code())  # the template shows its input (GUI.showInput)
    toggle = page.locator("#why-toggle")
    toggle.click()
    caption = page.locator("#why-caption")
    expect(caption).to_contain_text("no model input to explain yet")
    play_brain(page)
    expect(caption).to_contain_text(re.compile(r"why \d \(\d+%\)"))
    expect(page.locator("#why-canvas")).to_be_visible()
    painted = page.evaluate(
        """() => {
            const canvas = document.querySelector('#why-canvas');
            const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
            let n = 0;
            for (let i = 3; i < data.length; i += 4) n += data[i] > 0;
            return n;
        }"""
    )
    assert painted > 10
    toggle.click()
    expect(page.locator("#why-canvas")).to_be_hidden()
    stop_brain(page)
