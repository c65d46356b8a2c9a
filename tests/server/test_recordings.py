"""The page's Record button and reel replay over a real websocket: record, label, stop;
a second recording refused; a reel camera's labels in the digit messages."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, List

import cv2
import numpy as np
import pytest

from exercise.model import DigitModel
from exercise.reels import NO_DIGIT, open_reel
from exercise.server.comparison import read_both
from tests.conftest import build_digit_model, write_reel
from tests.server.conftest import Running
from tests.server.helpers import of_type, receive_until, send


@pytest.fixture
def reel_server(
    start_server: Callable[..., Running], tmp_path: Path, mnist_test_digits: List[np.ndarray]
) -> Running:
    """A server whose camera is a reel of three digits and an empty frame, on the bundled model."""
    write_reel(tmp_path / "reel", mnist_test_digits[:3], empty=1)
    return start_server(camera=f"reel:{tmp_path / 'reel'}", model=None)


def test_record_label_and_stop_make_a_reel_in_the_state_directory(server: Running) -> None:
    with server.connect() as ws, server.connect() as other:
        receive_until(ws, of_type("hello"))
        receive_until(other, of_type("hello"))
        send(ws, type="record", label=3, id="r")
        started, _ = receive_until(ws, of_type("recording", active=True))
        assert started["label"] == 3 and started["max_bytes"] > 0
        receive_until(ws, of_type("ack", id="r"))
        # Every tab hears of it, and a tab that connects now is told at once.
        receive_until(other, of_type("recording", active=True))
        with server.connect() as late:
            hello, seen = receive_until(late, of_type("recording", active=True))
            assert seen[0]["type"] == "hello"
        time.sleep(0.6)
        send(ws, type="record_label", label=-1)
        receive_until(ws, of_type("recording", label=-1))
        time.sleep(0.6)
        send(ws, type="record_stop")
        ended, _ = receive_until(ws, of_type("recording", active=False))
    assert ended["ended"] == "stopped" and ended["frames"] >= 8
    folder = Path(ended["folder"])
    assert folder.parent == server.exercise.state.root / "reels"
    labels = [frame.label for frame in open_reel(folder).frames]
    assert len(labels) == ended["frames"]
    assert labels[0] == 3 and labels[-1] == NO_DIGIT and labels == sorted(labels, reverse=True)


def test_a_second_recording_is_refused_and_a_bad_label_is_a_protocol_error(server: Running) -> None:
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        send(ws, type="record")
        receive_until(ws, of_type("recording", active=True))
        send(ws, type="record", id=2)
        error, _ = receive_until(ws, of_type("error", id=2))
        assert error["code"] == "reel" and "already running" in error["message"]
        for bad in (12, -2, "7", True, 3.5):
            send(ws, type="record_label", label=bad, id="bad")
            error, _ = receive_until(ws, of_type("error", id="bad"))
            assert error["code"] == "protocol" and "digit 0-9, or -1" in error["message"]
        # Changing the camera ends the recording: a reel holds one camera's frames.
        send(ws, type="set_camera", spec="demo:seed=2")
        ended, _ = receive_until(ws, of_type("recording", active=False))
        assert ended["ended"] == "the camera changed"


def test_a_reel_camera_labels_the_digits(reel_server: Running, tmp_path: Path) -> None:
    server = reel_server
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        send(ws, type="play")
        labelled, _ = receive_until(
            ws, lambda m: isinstance(m, dict) and m.get("type") == "digit" and m["seq"] > 0
        )
        assert labelled["label"] == server.exercise.camera.label_of(labelled["seq"])
        assert labelled["label"] in (0, 1, 2, NO_DIGIT)
        send(ws, type="stop")


def test_other_cameras_send_no_label(server: Running) -> None:
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        send(ws, type="play")
        digit, _ = receive_until(ws, of_type("digit"))
        assert "label" in digit and digit["label"] is None
        send(ws, type="stop")


# --- a second model, compared live --------------------------------------------------------------


def test_a_second_model_is_read_beside_the_model_in_use_on_the_same_frames(
    reel_server: Running, tmp_path: Path
) -> None:
    server = reel_server
    template = build_digit_model()
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        status, _, body = server.request(
            "POST", "/api/second-model", template, {"Content-Type": "application/octet-stream"}
        )
        assert status == 200, body
        second = json.loads(body)["spec"]
        receive_until(ws, of_type("second_model", spec=second))
        compared, _ = receive_until(ws, of_type("comparison"))
        # A tab that connects now is told which model is compared.
        with server.connect() as late:
            _, seen = receive_until(late, of_type("second_model"))
            assert seen[0]["type"] == "hello"
    first, other = compared["readings"]
    assert first["model"] == "default_model.onnx" and other["model"] == second["name"]
    assert compared["label"] == server.exercise.camera.label_of(compared["seq"])
    for reading in compared["readings"]:
        assert (reading["digit"] is None) == (reading["probabilities"] is None)
    # Both read what one call of the live pipeline finds in that frame.
    image = cv2.imread(str(open_reel(tmp_path / "reel").frames[(compared["seq"] - 1) % 4].path))
    expected = read_both(image, [server.exercise.model, DigitModel.load(template, name="x")])
    assert [r["digit"] for r in compared["readings"]] == [r.digit for r in expected]


def test_a_bad_second_model_is_refused_and_delete_ends_the_comparison(server: Running) -> None:
    status, _, body = server.request("POST", "/api/second-model", b"not onnx at all")
    assert status == 400 and json.loads(body)["error"]["code"].startswith("model")
    assert server.exercise.comparison.second is None
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        server.request("POST", "/api/second-model", build_digit_model())
        receive_until(ws, of_type("comparison"))
        status, _, _ = server.request("DELETE", "/api/second-model")
        assert status == 200
        receive_until(ws, of_type("second_model", spec=None))
    time.sleep(0.5)
    assert server.exercise.comparison.second is None and server.exercise.comparison._running is None


def test_a_reel_plays_in_real_time_and_says_so(reel_server: Running, tmp_path: Path) -> None:
    server = reel_server
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        receive_until(ws, of_type("frequency"))  # the first tick only starts the count
        second, _ = receive_until(ws, of_type("frequency"))
    assert 0.8 <= second["rtf"] <= 1.2


# --- why this digit? ---------------------------------------------------------------------------------


def test_explain_input_answers_with_a_map_once_the_brain_shows_an_input(server: Running) -> None:
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        send(ws, type="explain_input", id="early")
        error, _ = receive_until(ws, of_type("error", id="early"))
        assert error["code"] == "no_input" and "GUI.showInput" in error["message"]
        send(ws, type="play")
        receive_until(ws, lambda m: isinstance(m, bytes) and m[0] == 3)  # a model input shown
        send(ws, type="explain_input", id="why")
        answer, _ = receive_until(ws, of_type("input_explained"))
        receive_until(ws, of_type("ack", id="why"))
        send(ws, type="stop")
    assert 0 <= answer["digit"] <= 9 and 0 <= answer["probability"] <= 1
    rows = answer["importance"]
    assert len(rows) == 28 and all(len(row) == 28 for row in rows)
    assert max(max(row) for row in rows) in (0, 100) and min(min(row) for row in rows) >= 0


def test_after_stop_there_is_no_input_left_to_explain(server: Running) -> None:
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        send(ws, type="play")
        receive_until(ws, lambda m: isinstance(m, bytes) and m[0] == 3)
        send(ws, type="stop")
        receive_until(ws, of_type("state", brain__state="stopped"))
        send(ws, type="explain_input", id="late")
        error, _ = receive_until(ws, of_type("error", id="late"))
    assert error["code"] == "no_input"
