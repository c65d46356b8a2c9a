"""The model doctor at upload, in real Chromium: a model trained on inverted digits is
caught and the panel says what to change; the bundled model gets no advice."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from playwright.sync_api import Page, expect

from exercise.model import DEFAULT_MODEL_PATH
from tests.test_doctor import inverted

from .conftest import ServerProcess
from .test_page import open_page


def test_an_upload_is_examined_and_a_polarity_problem_explained(
    page: Page, serve: ServerProcess, tmp_path: Path, start_model: Optional[Path]
) -> None:
    open_page(page, serve)
    odd = tmp_path / "trained_inverted.onnx"
    odd.write_bytes(inverted())
    page.set_input_files("#model-file", str(odd))
    expect(page.locator(".model-spec dd[data-key=file]")).to_have_text("trained_inverted.onnx")
    doctor = page.locator(".model-doctor")
    expect(doctor).to_be_visible()
    expect(doctor.locator(".doctor-sample")).to_contain_text("of 100 MNIST test digits")
    expect(doctor.locator(".doctor-advice")).to_contain_text("inverted digits")

    healthy = tmp_path / "healthy.onnx"
    healthy.write_bytes(DEFAULT_MODEL_PATH.read_bytes())
    page.set_input_files("#model-file", str(healthy))
    # The floor for the bundled model: at least 99 of the 100 bundled digits.
    expect(doctor.locator(".doctor-sample")).to_contain_text(re.compile(r"Reads (99|100) of 100"))
    expect(doctor.locator(".doctor-advice")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "doctor.png"))

    # Back to the model the other tests read digits with.
    if start_model is not None:
        page.set_input_files("#model-file", str(start_model))
        expect(page.locator(".model-spec dd[data-key=file]")).to_have_text(start_model.name)
    else:
        page.locator(".model-default").click()
        expect(doctor).to_be_hidden()
