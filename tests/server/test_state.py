"""exercise.server.state: what the state directory keeps, and what happens when it cannot."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from exercise.exceptions import StateError
from exercise.server.state import CODE_FILE, MODEL_RECORD, MODELS_DIR, SavedModel, StateDir
from server.helpers import of_type, receive_until, send
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
LATIN_1_CODE = "# café: the brain\nprint('é')\n".encode("latin-1")


# --- the state directory on its own ----------------------------------------------------------


def test_code_that_is_not_utf8_is_set_aside_opened_and_never_overwritten(tmp_path):
    (tmp_path / CODE_FILE).write_bytes(LATIN_1_CODE)
    state = StateDir(tmp_path)
    assert state.load_code() == LATIN_1_CODE.decode("latin-1")
    (notice,) = state.notices
    assert "not UTF-8" in notice and "Latin-1" in notice
    (aside,) = tmp_path.glob("brain.unreadable-*.py")
    assert aside.name in notice
    state.store_code("print('saved')\n")
    assert aside.read_bytes() == LATIN_1_CODE  # the student's file, as it was
    assert (tmp_path / CODE_FILE).read_text(encoding="utf-8") == "print('saved')\n"


def test_code_that_cannot_be_read_is_set_aside_before_anything_is_saved(tmp_path):
    (tmp_path / CODE_FILE).mkdir()  # reading it fails (a directory; as root, permissions would not)
    (tmp_path / CODE_FILE / "inside").write_text("keep me")
    state = StateDir(tmp_path)
    assert state.load_code() is None
    assert "could not read your saved code" in state.notices[0]
    (aside,) = tmp_path.glob("brain.unreadable-*.py")
    state.store_code("x = 1\n")
    assert (aside / "inside").read_text() == "keep me"


def test_an_unwritable_state_dir_says_what_and_where(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    state = StateDir(blocker / "state")
    with pytest.raises(
        StateError, match=r"cannot save your code to .*a-file/state/brain.py: Not a directory"
    ):
        state.store_code("x = 1\n")


def test_the_model_in_use_is_remembered(tmp_path):
    state = StateDir(tmp_path)
    assert state.saved_model() is None
    path = state.store_model(b"bytes of a model", "ab" * 32)
    state.remember_model(SavedModel(path, "mine.onnx"))
    assert StateDir(tmp_path).saved_model() == SavedModel(path, "mine.onnx")
    state.remember_model(None)
    assert StateDir(tmp_path).saved_model() is None


@pytest.mark.parametrize("record", ["{not json", '{"file": 3}', "[1, 2]"])
def test_a_broken_model_record_means_the_default_with_a_notice(tmp_path, record):
    (tmp_path / MODEL_RECORD).write_text(record)
    state = StateDir(tmp_path)
    assert state.saved_model() is None
    assert "using the default model" in state.notices[0]


def test_a_model_file_gone_means_the_default_with_a_notice(tmp_path):
    (tmp_path / MODEL_RECORD).write_text(json.dumps({"file": "0123.onnx", "name": "mine.onnx"}))
    state = StateDir(tmp_path)
    assert state.saved_model() is None
    assert "mine.onnx" in state.notices[0] and str(tmp_path / MODELS_DIR) in state.notices[0]


# --- through a real server --------------------------------------------------------------------


def test_a_server_on_an_unwritable_state_dir_still_plays(start_server, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    running = start_server(state_dir=blocker / "state")
    with running.connect() as ws:
        receive_until(ws, of_type("hello"))
        send(ws, type="save_code", code="x = 1\n", id="save")
        error, _ = receive_until(ws, of_type("error", id="save"))
        assert error["code"] == "state" and "a-file/state/brain.py" in error["message"]
        send(ws, type="play", code="while True:\n    print('running anyway')\n", id="play")
        error, _ = receive_until(ws, of_type("error", id="play"))
        assert error["code"] == "state"
        receive_until(
            ws, lambda message: isinstance(message, dict) and "running anyway" in json.dumps(message)
        )
        assert running.exercise.brain_state.value == "running"


def test_notices_reach_every_tab_in_hello(start_server, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / CODE_FILE).write_bytes(LATIN_1_CODE)
    running = start_server(state_dir=state)
    with running.connect() as ws:
        hello, _ = receive_until(ws, of_type("hello"))
    assert hello["code"] == LATIN_1_CODE.decode("latin-1")
    assert len(hello["notices"]) == 1 and "not UTF-8" in hello["notices"][0]


def _serve(state: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "exercise", "serve", "--camera", "demo", "--port", str(port)]
    return subprocess.Popen([*command, "--state-dir", str(state)], cwd=str(ROOT), stdout=subprocess.DEVNULL)


def _wait_for(url: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return json.load(answer)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_uploaded_model_comes_back_after_a_kill(tmp_path, digit_model_bytes):
    state, port = tmp_path / "state", free_port()
    base = f"http://127.0.0.1:{port}"
    first = _serve(state, port)
    try:
        assert _wait_for(f"{base}/api/health")["model"]["default"] is True
        upload = urllib.request.Request(
            f"{base}/api/model?name=mine.onnx", data=digit_model_bytes, method="POST"
        )
        with urllib.request.urlopen(upload, timeout=30) as answer:
            assert json.load(answer)["spec"]["name"] == "mine.onnx"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    second = _serve(state, port)
    try:
        model = _wait_for(f"{base}/api/health")["model"]
        assert model["name"] == "mine.onnx" and model["default"] is False
    finally:
        second.terminate()
        second.wait(30)
