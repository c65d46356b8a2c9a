"""The HTML report of ``evaluate --reel --report`` in real Chromium: offline, its matrix
cells open their frames, from the mouse and the keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import List

import numpy as np
import pytest

from exercise.grading import grade, look
from exercise.model import DigitModel, load_default_model
from exercise.reel_report import render
from exercise.reels import open_reel
from tests.conftest import write_reel

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory, mnist_test_digits: List[np.ndarray], digit_model_bytes: bytes
) -> Path:
    folder = tmp_path_factory.mktemp("reel")
    write_reel(folder, mnist_test_digits)
    template = folder / "template.onnx"
    template.write_bytes(digit_model_bytes)
    reel = open_reel(folder)
    sights, skipped = look(reel.frames, workers=1, thumbnails=True)
    grades = [grade(load_default_model(), sights), grade(DigitModel.load(template), sights)]
    path = folder / "report.html"
    path.write_text(render(str(folder), grades, skipped), encoding="utf-8")
    return path


def test_the_report_shows_both_models_and_opens_a_cells_frames(page: sync_api.Page, report: Path) -> None:
    requests: List[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    expect(page.locator("section.model h2")).to_have_text(["default_model.onnx", "template.onnx"])
    # The default model reads every clear digit: the 7's cell on the diagonal holds one frame.
    cell = page.locator("section.model").nth(0).locator('button[data-label="7"][data-read="7"]')
    expect(cell).to_have_text("1")
    cell.click()
    panel = page.locator("#frames")
    expect(panel).to_be_visible()
    expect(page.locator("#frames-title")).to_have_text("default_model.onnx: 1 frame of 7 read as 7")
    card = page.locator("#frame-list .frame")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("000-07.jpg held up 7, read 7")
    expect(card).to_contain_text("template.onnx read")
    # The frame and the 28x28 image are inside the file, and they decode.
    for image in (card.locator("img.thumb"), card.locator("img.input")):
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert card.locator(".bars div").count() == 10
    # Nothing was fetched but the file itself: it works offline and by mail.
    assert requests == [report.as_uri()]


def test_the_empty_frames_row_and_the_keyboard(page: sync_api.Page, report: Path) -> None:
    page.goto(report.as_uri())
    cell = page.locator("section.model").nth(0).locator('button[data-label="-1"][data-read="10"]')
    expect(cell).to_have_text("3")
    cell.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#frame-list .frame")).to_have_count(3)
    expect(page.locator("#frames-title")).to_have_text(
        "default_model.onnx: 3 frames of no digit read as no digit"
    )
    page.keyboard.press("Escape")
    expect(page.locator("#frames")).to_be_hidden()
    assert page.evaluate("document.activeElement.dataset.label") == "-1"
