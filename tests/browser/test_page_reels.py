"""The page's Record button and a test reel replayed with its labels, in real Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import numpy as np
from playwright.sync_api import Page, expect

from exercise.reels import NO_DIGIT, open_reel
from tests.conftest import write_reel

from .conftest import ServerProcess
from .test_page import open_page, play_brain, stop_brain


def test_record_with_keys_makes_a_labelled_reel(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    record = page.locator("#record")
    record.click()
    expect(record).to_have_attribute("aria-pressed", "true")
    overlay = page.locator("#record-overlay")
    expect(overlay).to_be_visible()
    expect(page.locator("#record-label")).to_have_text("none")
    # Keys label the frames while the focus is not in the editor.
    page.locator("#camera-canvas").click()
    page.keyboard.press("7")
    expect(page.locator("#record-label")).to_have_text("7")
    expect(page.locator("#record-info")).to_contain_text(" MB")
    page.wait_for_timeout(800)
    # Typed in the editor, a digit is code, not a label.
    page.locator(".cm-content").click()
    page.keyboard.press("3")
    expect(page.locator("#record-label")).to_have_text("7")
    page.keyboard.press("Backspace")
    record.click()
    expect(record).to_have_attribute("aria-pressed", "false")
    expect(overlay).to_be_hidden()
    info = page.locator("#record-info")
    expect(info).to_contain_text("Reel saved")
    folder = Path(info.inner_text().split(" in ", 1)[1].split(". Grade", 1)[0])
    assert folder.parent == serve.state_dir / "reels"
    labels = [frame.label for frame in open_reel(folder).frames]
    assert labels[0] == NO_DIGIT and labels[-1] == 7 and 3 not in labels


def test_a_reel_replays_with_each_reading_marked(
    page: Page, serve: ServerProcess, tmp_path: Path, mnist_test_digits: List[np.ndarray]
) -> None:
    write_reel(tmp_path / "reel", mnist_test_digits[:2], empty=0, repeat=1)
    open_page(page, serve)
    page.locator("#camera-select").select_option("reel:")
    expect(page.locator("#camera-file")).to_have_attribute(
        "placeholder", "/path/to/reel (frames/ and labels.csv)"
    )
    page.locator("#camera-file").fill(str(tmp_path / "reel"))
    page.locator("#camera-file").press("Enter")
    expect(page.locator("#camera-status")).to_contain_text(f"reel:{tmp_path / 'reel'}")
    play_brain(page)
    score = page.locator("#reel-score")
    expect(score).to_be_visible()
    expect(score).to_contain_text(re.compile(r"held up [01] .* right \(\d+%\)"))
    stop_brain(page)
    page.locator("#camera-select").select_option("demo")
    expect(score).to_be_hidden()


def test_two_models_compared_live_on_a_reel(
    page: Page,
    serve: ServerProcess,
    tmp_path: Path,
    mnist_test_digits: List[np.ndarray],
    digit_model_bytes: bytes,
) -> None:
    write_reel(tmp_path / "reel", mnist_test_digits[:3], empty=1, repeat=2)
    second = tmp_path / "template.onnx"
    second.write_bytes(digit_model_bytes)
    open_page(page, serve)
    page.locator("#camera-select").select_option("reel:")
    page.locator("#camera-file").fill(str(tmp_path / "reel"))
    page.locator("#camera-file").press("Enter")
    expect(page.locator("#camera-status")).to_contain_text("reel:")
    page.locator("#compare-panel input[type=file]").set_input_files(str(second))
    rows = page.locator("#compare-results .compare-row")
    expect(rows).to_have_count(2)
    model_in_use = page.locator("#model-panel dd[data-key=file]").inner_text().split(" ")[0]
    expect(rows.nth(0).locator(".compare-name")).to_have_text(model_in_use)
    expect(rows.nth(1).locator(".compare-name")).to_have_text("template.onnx")
    # Each model is scored against the reel's labels as frames go by.
    expect(rows.nth(0).locator(".compare-score")).to_contain_text(re.compile(r"[✓✗] \d+ of \d+ \(\d+%\)"))
    expect(page.locator("#compare-results .compare-summary")).to_contain_text("held up")
    page.locator("#compare-panel .compare-stop").click()
    expect(rows).to_have_count(0)
    expect(page.locator("#compare-panel .compare-stop")).to_be_hidden()


def test_a_bad_second_model_is_said_in_the_panel(page: Page, serve: ServerProcess, tmp_path: Path) -> None:
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"not an onnx model")
    open_page(page, serve)
    page.locator("#compare-panel input[type=file]").set_input_files(str(bad))
    error = page.locator("#compare-panel .compare-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("broken.onnx")
    expect(page.locator("#compare-results .compare-rows")).to_be_hidden()
