"""The page end to end: real headless Chromium against the real ``digit-classifier serve
--camera demo`` in a child process. Every test drives the page the way a student does
(clicks, typing, file pickers, mouse strokes) and waits for what the page shows; each
leaves a screenshot in artifacts/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional

import pytest
from playwright.sync_api import Page, expect

from .conftest import ServerProcess, new_server

pytestmark = pytest.mark.browser

TEMPLATE = (Path(__file__).resolve().parents[2] / "exercise" / "assets" / "default_brain.py").read_text()

PRINT_AND_SHOW = """import GUI
import HAL

print("brain says hello")
n = 0
while True:
    n += 1
    GUI.showDigit(7, [0.01] * 7 + [0.91] + [0.01] * 2, [10, 20, 50, 60])
    if n == 3:
        print("tick", n)
"""

IDLE_LOOP = """import HAL

while True:
    image = HAL.getImage()
"""

SHOW_IMAGE = """import GUI
import HAL
import numpy as np

while True:
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, :100] = 255
    GUI.showImage(image)
"""

SYNTAX_ERROR = """import GUI

def broken(:
    pass

while True:
    pass
"""

RUNTIME_ERROR = """import GUI

while True:
    x = 1 / 0
"""


# -- helpers ----------------------------------------------------------------------------------


def open_page(page: Page, server: ServerProcess) -> Page:
    """Opens the page and returns once hello has filled the editor (connected, code saved)."""
    page.goto(f"{server.url}/")
    expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")
    return page


def editor_code(page: Page) -> str:
    return page.evaluate("() => window.exercise.editor.getCode()")


def type_code(page: Page, code: str) -> None:
    """Replaces the editor's code by typing (select all, insert), then waits for the autosave."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    page.wait_for_function("(code) => window.exercise.editor.getCode() === code", arg=code)
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")


def console_text(page: Page) -> str:
    return page.locator("#console").inner_text()


def frames_drawn(page: Page) -> int:
    return int(page.locator("#camera-canvas").get_attribute("data-frames") or 0)


def wait_for_more_frames(page: Page, more: int) -> None:
    start = frames_drawn(page)
    page.wait_for_function(
        "(n) => Number(document.querySelector('#camera-canvas').dataset.frames || 0) >= n", arg=start + more
    )


def error_line_numbers(page: Page) -> list:
    """1-based numbers of the editor lines that carry an error mark."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.cm-line')]
            .map((line, i) => (line.querySelector('.cm-lintRange-error') ? i + 1 : 0))
            .filter((n) => n > 0)"""
    )


def play_brain(page: Page) -> None:
    page.locator("#play").click()
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "running")


def stop_brain(page: Page) -> None:
    if page.locator("#stop").is_enabled():
        page.locator("#stop").click()
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "stopped")


# -- tests ------------------------------------------------------------------------------------


def test_camera_frames_arrive_and_are_drawn(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    wait_for_more_frames(page, 3)
    first = frames_drawn(page)
    wait_for_more_frames(page, 5)
    assert frames_drawn(page) > first
    # The canvas holds a picture, not a blank: its pixels vary.
    spread = page.evaluate(
        """() => {
            const c = document.querySelector('#camera-canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lo = 255, hi = 0;
            for (let i = 0; i < d.length; i += 4 * 97) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
            return hi - lo;
        }"""
    )
    assert spread > 40
    expect(page.locator("#camera-status")).to_contain_text("demo")
    expect(page.locator("#camera-select")).to_have_value("demo")


def test_model_upload_good_then_bad_keeps_the_good_one(
    page: Page,
    serve: ServerProcess,
    tmp_path: Path,
    onnx_model_file: Callable[..., Path],
    start_model: Optional[Path],
) -> None:
    open_page(page, serve)
    good = onnx_model_file("good_model.onnx", head="softmax")
    page.set_input_files("#model-file", str(good))
    expect(page.locator(".model-spec dd[data-key=file]")).to_have_text("good_model.onnx")
    expect(page.locator(".model-spec dd[data-key='output kind']")).to_have_text("probabilities")
    expect(page.locator(".model-spec dd[data-key=input]")).to_contain_text("1, 28, 28]")
    expect(page.locator(".model-spec dd[data-key=output]")).to_contain_text("10]")
    expect(page.locator(".model-error")).to_be_hidden()

    bad = tmp_path / "garbage.onnx"
    bad.write_bytes(b"this is not an onnx model" * 10)
    page.set_input_files("#model-file", str(bad))
    error = page.locator(".model-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("garbage.onnx")
    assert error.inner_text().count("garbage.onnx") == 1
    expect(page.locator(".model-spec dd[data-key=file]")).to_have_text("good_model.onnx")
    assert error.evaluate("(el) => getComputedStyle(el).color") == "rgb(220, 38, 38)"

    # Back to the model the other tests read digits with.
    if start_model is None:
        page.locator(".model-default").click()
        expect(page.locator(".model-spec dd[data-key=file]")).to_contain_text("(default)")
    else:
        page.set_input_files("#model-file", str(start_model))
        expect(page.locator(".model-spec dd[data-key=file]")).to_have_text(start_model.name)
    expect(page.locator(".model-error")).to_be_hidden()


def test_model_dropped_on_the_panel_is_checked(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    # A file dragged from the desktop: a DataTransfer holding it, dropped on the dashed box.
    transfer = page.evaluate_handle(
        """() => {
            const t = new DataTransfer();
            t.items.add(new File([new Uint8Array([1, 2, 3, 4])], 'dropped.onnx'));
            return t;
        }"""
    )
    page.locator(".model-drop").dispatch_event("drop", {"dataTransfer": transfer})
    expect(page.locator(".model-error")).to_contain_text("dropped.onnx")
    expect(page.locator(".model-spec dd[data-key=file]")).not_to_contain_text("dropped.onnx")


def test_play_shows_prints_and_digits_then_stop(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, PRINT_AND_SHOW)
    play_brain(page)
    expect(page.locator("#console")).to_contain_text("brain says hello")
    expect(page.locator("#console")).to_contain_text("tick 3")
    expect(page.locator("#digit")).to_have_text("7")
    expect(page.locator("#bars .bar-row.best")).to_have_attribute("data-digit", "7")
    expect(page.locator("#bars .bar-row[data-digit='7'] .bar-value")).to_have_text("91.0%")
    page.locator("#stop").click()
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "stopped")
    expect(page.locator("#play")).to_be_enabled()
    expect(page.locator("#stop")).to_be_disabled()
    # Nothing reads once stopped: the last reading is cleared, not left looking live.
    expect(page.locator("#digit")).to_have_text("no digit")
    expect(page.locator("#bars .bar-row.best")).to_have_count(0)
    expect(page.locator("#input-canvas")).not_to_have_attribute("data-shown", "1")
    # A digit read just before the Stop that arrives after it changes nothing.
    page.evaluate(
        """() => window.exercise.connection.dispatch(JSON.stringify({
            v: 1, type: "digit", digit: 7, probabilities: Array(10).fill(0.1), box: null, seq: 1, label: null,
        }))"""
    )
    expect(page.locator("#digit")).to_have_text("no digit")
    expect(page.locator("#bars .bar-row.best")).to_have_count(0)


def test_ctrl_enter_in_the_editor_plays_without_adding_a_line(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "running")
    assert editor_code(page) == IDLE_LOOP
    stop_brain(page)


def test_pause_and_resume(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    play_brain(page)
    page.locator("#pause").click()
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "paused")
    expect(page.locator("#pause")).to_contain_text("Resume")
    page.locator("#pause").click()
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "running")
    stop_brain(page)


def test_measured_frequency_follows_the_target(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    play_brain(page)
    measured = "() => Number(document.querySelector('#brain-measured').textContent)"
    for target, low, high in ((4, 3.0, 5.0), (20, 15.0, 22.0)):
        page.locator("#brain-target").fill(str(target))
        page.locator("#brain-target").press("Enter")
        page.wait_for_function(f"() => {{ const m = ({measured})(); return m >= {low} && m <= {high}; }}")
    target = page.locator("#brain-target")
    for bad in ("0", "-3", "", "5000"):  # refused where typed; the rate in effect stays
        target.fill(bad)
        target.press("Enter")
        expect(target).to_have_attribute("aria-invalid", "true")
        assert "1 to 1000 Hz" in target.get_attribute("title")
        assert serve.health()["brain"]["target_hz"] == 20
    page.locator("#gui-target").focus()  # leaving the field puts the rate in effect back
    expect(target).to_have_value("20")
    expect(target).to_have_attribute("aria-invalid", "false")
    gui = "() => Number(document.querySelector('#gui-measured').textContent)"
    page.locator("#gui-target").fill("8")
    page.locator("#gui-target").press("Enter")
    page.wait_for_function(f"() => {{ const m = ({gui})(); return m >= 6 && m <= 9; }}")
    stop_brain(page)


def test_images_from_the_brain_replace_the_camera_view(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, SHOW_IMAGE)
    page.locator("#play").click()
    expect(page.locator("#camera-info")).to_contain_text("GUI.showImage")
    expect(page.locator("#camera-info")).to_contain_text("200×100")
    stop_brain(page)
    expect(page.locator("#camera-info")).to_have_text(re.compile(r"^camera · "))


def test_drawn_digit_is_read(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    pad = page.locator("#pad").bounding_box()
    assert pad is not None
    x, y, w, h = pad["x"], pad["y"], pad["width"], pad["height"]
    # A "7" in one stroke, like by hand: the bar left to right, then down to the left.
    page.mouse.move(x + 0.25 * w, y + 0.20 * h)
    page.mouse.down()
    page.mouse.move(x + 0.75 * w, y + 0.20 * h, steps=10)
    page.mouse.move(x + 0.42 * w, y + 0.85 * h, steps=20)
    page.mouse.up()
    expect(page.locator("#pad-digit")).to_have_attribute("data-digit", "7")
    expect(page.locator("#pad-bars .bar-row.best")).to_have_attribute("data-digit", "7")
    page.locator("#pad-clear").click()
    expect(page.locator("#pad-digit")).to_have_text("no digit")


def test_save_downloads_and_load_restores_and_reload_keeps_it(
    page: Page, serve: ServerProcess, tmp_path: Path
) -> None:
    open_page(page, serve)
    type_code(page, PRINT_AND_SHOW)
    with page.expect_download() as download_info:
        page.locator("#save").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".py")
    assert Path(download.path()).read_text() == PRINT_AND_SHOW

    loaded = "# loaded from a file\nimport GUI\n\nwhile True:\n    GUI.showDigit(None)\n"
    source = tmp_path / "my_brain.py"
    source.write_text(loaded)
    page.once("dialog", lambda dialog: dialog.accept())  # "Replace the code in the editor...?"
    page.set_input_files("#load", str(source))
    page.wait_for_function("(code) => window.exercise.editor.getCode() === code", arg=loaded)
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")

    page.reload()
    open_page(page, serve)
    assert editor_code(page) == loaded


def test_code_typed_in_one_tab_appears_in_another(page: Page, serve: ServerProcess) -> None:
    other = page.context.new_page()
    open_page(other, serve)
    open_page(page, serve)
    code = "# shared between tabs\nimport HAL\n"
    type_code(page, code)
    other.wait_for_function("(code) => window.exercise.editor.getCode() === code", arg=code)
    other.close()


def test_syntax_and_runtime_errors_are_marked_at_their_lines(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, SYNTAX_ERROR)
    page.locator("#play").click()
    expect(page.locator("#console .line.error")).to_contain_text("line 3")
    assert page.locator("#console .line.error").last.inner_text().count("line 3") == 1
    page.wait_for_function("() => document.querySelector('.cm-lintRange-error') !== null")
    assert error_line_numbers(page) == [3]
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "stopped")
    # Play saved the code before checking it: the page must not claim otherwise.
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")

    type_code(page, RUNTIME_ERROR)
    assert error_line_numbers(page) == []  # editing clears the stale mark
    page.locator("#play").click()
    expect(page.locator("#console .line.error").last).to_contain_text("ZeroDivisionError")
    expect(page.locator("#console")).to_contain_text("Traceback")
    assert console_text(page).count("Traceback") == 1
    page.wait_for_function("() => document.querySelector('.cm-lintRange-error') !== null")
    assert error_line_numbers(page) == [4]
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "stopped")


def test_reset_then_the_template_reads_the_demo_digits(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#reset").click()
    page.wait_for_function("(code) => window.exercise.editor.getCode() === code", arg=TEMPLATE)
    play_brain(page)
    expect(page.locator("#digit")).to_have_text(re.compile(r"^[0-9]$"), timeout=30_000)
    expect(page.locator("#input-canvas")).to_have_attribute("data-shown", "1")
    page.wait_for_function("() => window.exercise.cameraView.box !== null")
    # The screenshot (artifacts/screenshots/) shows a digit being read; docs/images/gui.png is one.
    page.screenshot(path=str(Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "gui.png"))
    stop_brain(page)


def test_browser_webcam_feeds_the_camera_view(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    page.locator("#camera-select").select_option("browser")
    expect(page.locator("#camera-status")).to_contain_text("browser")
    page.wait_for_function("() => window.exercise.browserCamera.framesSent >= 5")
    wait_for_more_frames(page, 5)
    page.locator("#camera-select").select_option("demo")
    expect(page.locator("#camera-status")).to_contain_text("demo")
    assert page.evaluate("() => window.exercise.browserCamera.running") is False
    wait_for_more_frames(page, 3)


def test_page_reconnects_after_a_server_restart(
    page: Page, tmp_path: Path, start_model: Optional[Path]
) -> None:
    server = new_server(tmp_path, start_model)
    server.start()
    try:
        open_page(page, server)
        code = "# survives a restart\nimport HAL\n"
        type_code(page, code)
        server.stop()
        expect(page.locator("#connection")).to_have_attribute("data-status", "reconnecting")
        expect(page.locator("body")).to_have_class("stale")  # the last picture is marked "not live"
        server.start()
        expect(page.locator("#connection")).to_have_attribute("data-status", "connected", timeout=30_000)
        expect(page.locator("body")).not_to_have_class("stale")
        expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")
        assert editor_code(page) == code
        wait_for_more_frames(page, 3)
    finally:
        server.stop()


def test_token_in_the_url_reaches_the_websocket_and_the_api(
    page: Page, tmp_path: Path, start_model: Optional[Path], onnx_model_file: Callable[..., Path]
) -> None:
    server = new_server(tmp_path, start_model, token="s3cret-token")
    server.start()
    try:
        refused = page.goto(f"{server.url}/")
        assert refused is not None and refused.status == 401
        page.goto(f"{server.url}/?token=s3cret-token")
        expect(page.locator("#connection")).to_have_attribute("data-status", "connected")
        wait_for_more_frames(page, 2)
        page.set_input_files("#model-file", str(onnx_model_file("with_token.onnx")))
        expect(page.locator(".model-spec dd[data-key=file]")).to_have_text("with_token.onnx")
    finally:
        server.stop()


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)])
def test_code_camera_digit_and_play_are_in_view_together(page: Page, serve: ServerProcess, size) -> None:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, serve)
    for selector in ("#play", "#editor", "#camera-canvas", ".result-card .digit"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None, selector
        inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width
        assert inside and box["y"] + min(box["height"], 40) <= height, (
            f"{selector} out of view at {size}: {box}"
        )


def test_a_keyboard_reaches_every_control_and_leaves_the_editor(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    in_editor = "() => !!document.activeElement.closest('.cm-editor')"
    page.locator("#load-label").focus()
    for _ in range(30):  # Tab along until the editor has the focus
        page.keyboard.press("Tab")
        if page.evaluate(in_editor):
            break
    assert page.evaluate(in_editor), "Tab never reached the editor"
    page.keyboard.press("Tab")  # arrived by Tab: the next Tab moves on, indenting nothing
    assert not page.evaluate(in_editor)
    assert editor_code(page) == IDLE_LOOP

    page.locator(".cm-content").click()  # editing: now Tab indents
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert editor_code(page) != IDLE_LOOP
    page.keyboard.press("Control+z")
    page.keyboard.press("Escape")  # Esc, then Tab leaves
    page.keyboard.press("Tab")
    assert not page.evaluate(in_editor)

    # Labels over hidden file inputs: Enter clicks the input, which opens the file dialog.
    page.evaluate(
        """() => { window.opened = [];
            for (const input of document.querySelectorAll('input[type=file]')) {
                input.addEventListener('click', (e) => { e.preventDefault(); window.opened.push(input.id); });
            } }"""
    )
    for control, input_id in (("#load-label", "load"), (".model-drop", "model-file")):
        page.locator(control).focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => window.opened.pop()") == input_id

    play_brain(page)
    page.locator("#console-clear").focus()
    page.keyboard.press("Control+.")
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "stopped")


def test_the_first_screen_says_press_play_and_why_the_view_is_slow(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    expect(page.locator("#play-hint")).to_be_visible()
    expect(page.locator("#gui-idle")).to_be_visible()
    type_code(page, IDLE_LOOP)
    play_brain(page)
    expect(page.locator("#play-hint")).to_be_hidden()
    expect(page.locator("#gui-idle")).to_be_hidden()
    stop_brain(page)
    expect(page.locator("#play-hint")).to_be_visible()


def test_the_template_opens_on_how_to_start_not_a_docstring() -> None:
    assert TEMPLATE.startswith("# Press Play")
    assert '"""' not in TEMPLATE.split("while True:")[0]


def test_edited_code_restarts_a_running_brain(page: Page, serve: ServerProcess) -> None:
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    play_brain(page)
    expect(page.locator("#play")).to_be_disabled()
    page.keyboard.press("Control+Enter")  # the same code: said so, nothing restarted
    expect(page.locator("#console")).to_contain_text("already running this code")
    type_code(page, IDLE_LOOP + "    print('edited', flush=True)\n")
    expect(page.locator("#play")).to_be_enabled()
    expect(page.locator("#play")).to_contain_text("Restart")
    page.locator("#play").click()
    expect(page.locator("#console")).to_contain_text("edited")
    expect(page.locator("#brain-state")).to_have_attribute("data-state", "running")
    expect(page.locator("#play")).to_be_disabled()
    expect(page.locator("#play")).to_contain_text("Play")
    stop_brain(page)


def test_a_long_model_error_stays_inside_its_card(page: Page, serve: ServerProcess, tmp_path: Path) -> None:
    open_page(page, serve)
    bad = tmp_path / ("a_very_long_model_file_name_without_any_spaces_" * 4 + ".onnx")
    bad.write_bytes(b"not onnx" * 10)
    page.set_input_files("#model-file", str(bad))
    error = page.locator(".model-error")
    expect(error).to_be_visible()
    card = page.locator(".model-card").bounding_box()
    box = error.bounding_box()
    assert card is not None and box is not None
    assert box["x"] + box["width"] <= card["x"] + card["width"] + 0.5
    assert error.evaluate("(el) => el.scrollWidth <= el.clientWidth")


def test_a_camera_that_cannot_open_is_said_on_its_card_and_the_picker_goes_back(
    page: Page, serve: ServerProcess, tmp_path: Path
) -> None:
    open_page(page, serve)
    expect(page.locator("#camera-select")).to_have_value("demo")
    page.locator("#camera-select").select_option("file:")
    missing = tmp_path / "no-such-video.mp4"
    page.locator("#camera-file").fill(str(missing))
    page.locator("#camera-file").press("Enter")
    error = page.locator("#camera-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("no-such-video.mp4")
    expect(page.locator("#camera-select")).to_have_value("demo")  # the source still in use
    expect(page.locator("#camera-file")).to_be_hidden()
    page.locator("#camera-select").select_option("demo")
    wait_for_more_frames(page, 2)


def test_load_asks_before_replacing_and_refuses_binary(
    page: Page, serve: ServerProcess, tmp_path: Path
) -> None:
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    binary = tmp_path / "picture.py"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    page.set_input_files("#load", str(binary))
    expect(page.locator("#console")).to_contain_text("picture.py is not a Python text file")
    assert editor_code(page) == IDLE_LOOP
    other = tmp_path / "other.py"
    other.write_text("print('other')\n")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Replace the code...?" No
    page.set_input_files("#load", str(other))
    expect(page.locator("#console")).to_contain_text("other.py not loaded")
    assert editor_code(page) == IDLE_LOOP
    page.once("dialog", lambda dialog: dialog.accept())
    page.set_input_files("#load", str(other))
    page.wait_for_function("(code) => window.exercise.editor.getCode() === code", arg="print('other')\n")


def test_keystrokes_typed_while_another_tab_saves_are_kept(page: Page, serve: ServerProcess) -> None:
    other = page.context.new_page()
    open_page(other, serve)
    open_page(page, serve)
    type_code(page, IDLE_LOOP)
    other.wait_for_function("(code) => window.exercise.editor.getCode() === code", arg=IDLE_LOOP)
    # This tab types (its autosave is 0.5 s away) and, meanwhile, the other tab saves.
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("# typed here\n")
    other.evaluate("() => window.exercise.connection.send('save_code', { code: '# from the other tab\\n' })")
    expect(page.locator("#console")).to_contain_text("your edits are kept")
    mine = IDLE_LOOP + "# typed here\n"
    assert editor_code(page) == mine
    # The kept edits are saved, and reach the other tab.
    other.wait_for_function("(code) => window.exercise.editor.getCode() === code", arg=mine)
    other.close()


@pytest.mark.parametrize(("hz", "lagging"), [(2, "1"), (30, "0")])
def test_a_box_from_an_older_frame_is_marked_as_lagging(
    page: Page, serve: ServerProcess, hz, lagging
) -> None:
    open_page(page, serve)
    type_code(
        page,
        "import GUI, HAL\nwhile True:\n    HAL.getImage()\n    GUI.showDigit(3, None, (10, 10, 40, 40))\n",
    )
    page.locator("#brain-target").fill(str(hz))
    page.locator("#brain-target").press("Enter")
    play_brain(page)
    page.wait_for_timeout(1500)
    samples = []
    # The camera view at 30 fps, the brain at `hz`: 3 s of samples, so that a loaded machine's
    # slow second (one full run saw 5 of 10 over 1 s) does not decide.
    for _ in range(30):
        samples.append(page.locator("#camera-canvas").get_attribute("data-box-lagging"))
        page.wait_for_timeout(97)
    stop_brain(page)
    page.locator("#brain-target").fill("30")
    page.locator("#brain-target").press("Enter")
    assert samples.count(lagging) >= 18, samples


def test_a_refused_browser_camera_is_said_and_the_server_keeps_its_camera(
    page: Page, serve: ServerProcess
) -> None:
    # The student clicks "Block" on the browser's camera prompt.
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
    )
    open_page(page, serve)
    page.locator("#camera-select").select_option("browser")
    error = page.locator("#camera-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Permission denied")
    expect(page.locator("#camera-select")).to_have_value("demo")
    assert serve.health()["camera"]["spec"].startswith("demo")
