"""exercise_node against a real rosmaster: images on a topic in, digits and the rest out."""

from __future__ import annotations

import collections
import contextlib
import signal
import time
import urllib.request
import xmlrpc.client
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import free_port
from tests.ros.conftest import HELPERS, ROOT, ROS_PYTHON, run_helper, wait_for_port

pytestmark = pytest.mark.ros

def paper_with_digit(draw_digit_frame, digit: int) -> np.ndarray:
    """A 640x480 webcam frame: white paper with ``digit`` in the middle, as big as the
    digit model of tests/conftest.py was made for."""
    frame = np.full((480, 640, 3), 255, np.uint8)
    frame[120:360, 160:480] = draw_digit_frame(digit, size=(240, 320))
    return frame


def publish_digit(spawn, tmp_path: Path, draw_digit_frame, digit: int, topic: str, *options: str):
    """Publish ``digit`` on white 640x480 paper on ``topic`` until the test ends."""
    path = tmp_path / f"digit{digit}.png"
    cv2.imwrite(str(path), paper_with_digit(draw_digit_frame, digit))
    argv = [ROS_PYTHON, HELPERS / "image_publisher.py", topic, path, "--rate", "15", *options]
    return spawn(argv, f"publisher{digit}")


def start_node(spawn, tmp_path: Path, model: Path, topic: str):
    port = free_port()
    node = spawn(
        [
            ROS_PYTHON,
            ROOT / "scripts" / "exercise_node",
            "__name:=exercise",
            f"_camera_topic:={topic}",
            f"_port:={port}",
            f"_model:={model}",
            f"_state_dir:={tmp_path / 'state'}",
            "_frequency:=10",
        ],
        "exercise_node",
    )
    wait_for_port(port, 90.0, node.process)
    deadline = time.monotonic() + 60
    while "exercise on http" not in node.output():  # on_ready ran: subscribed to the brain
        assert time.monotonic() < deadline and node.process.poll() is None, node.output()
        time.sleep(0.1)
    return node, port


def test_digits_on_the_image_topic_come_out_on_the_result_topics(
    ros_env, spawn, tmp_path, draw_digit_frame, digit_model_path
) -> None:
    node, port = start_node(spawn, tmp_path, digit_model_path, "/usb_cam/image_raw")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        assert response.status == 200
    first = publish_digit(spawn, tmp_path, draw_digit_frame, 3, "/usb_cam/image_raw")

    result = run_helper(ros_env, "result_listener.py", "--digit", "3", "--count", "3", timeout=120)
    assert result["complete"], result
    assert collections.Counter(result["digits"]).most_common(1)[0][0] == 3
    probabilities = result["probabilities"][-1]
    assert len(probabilities) == 10
    assert max(range(10), key=probabilities.__getitem__) == 3
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-3)
    assert 0 < result["frequencies"][-1] <= 12  # the target is 10 Hz
    annotated = result["annotated"]
    assert (annotated["width"], annotated["height"], annotated["encoding"]) == (640, 480, "bgr8")
    assert 100 < annotated["mean"] < 255  # white paper with a digit and a box, not black

    # The exercise follows the topic: another digit, another answer.
    first.stop()
    publish_digit(spawn, tmp_path, draw_digit_frame, 7, "/usb_cam/image_raw")
    result = run_helper(ros_env, "result_listener.py", "--digit", "7", "--count", "3", timeout=120)
    assert result["complete"], result
    assert result["digits"][-1] == 7

    assert node.interrupt(timeout=20) == 0
    assert_clean_exit(node)


def assert_clean_exit(node) -> None:
    """The node is gone with everything it started (its brain child), and said nothing bad."""
    node.process.wait(timeout=20)
    deadline = time.monotonic() + 10
    while node.group_alive() and time.monotonic() < deadline:
        time.sleep(0.1)  # children are reaped by init, with no event to wait for here
    assert not node.group_alive(), "a process the node started outlived it"
    assert "Traceback" not in node.output()


def test_sigterm_stops_the_node_cleanly(ros_env, spawn, tmp_path, digit_model_path) -> None:
    node, _ = start_node(spawn, tmp_path, digit_model_path, "/camera/image_raw")
    node.process.send_signal(signal.SIGTERM)
    assert node.process.wait(timeout=20) == 0
    assert_clean_exit(node)


def test_rosnode_kill_stops_the_node_cleanly(ros_env, spawn, tmp_path, digit_model_path) -> None:
    node, _ = start_node(spawn, tmp_path, digit_model_path, "/camera/image_raw")
    # What `rosnode kill /exercise` does: the node's XML-RPC shutdown call.
    master = xmlrpc.client.ServerProxy(ros_env["ROS_MASTER_URI"])
    code, _, uri = master.lookupNode("/test", "/exercise")
    assert code == 1
    with contextlib.suppress(ConnectionError):  # the node may be gone before it answers
        xmlrpc.client.ServerProxy(uri).shutdown("/test", "test asks")
    assert node.process.wait(timeout=20) == 0
    assert_clean_exit(node)


def test_compressed_images_are_read_too(ros_env, spawn, tmp_path, draw_digit_frame, digit_model_path) -> None:
    start_node(spawn, tmp_path, digit_model_path, "/camera/image_raw/compressed")
    topic = "/camera/image_raw/compressed"
    publish_digit(spawn, tmp_path, draw_digit_frame, 5, topic, "--compressed", "png")
    result = run_helper(ros_env, "result_listener.py", "--digit", "5", "--count", "3", timeout=120)
    assert result["complete"], result
    assert collections.Counter(result["digits"]).most_common(1)[0][0] == 5


def test_a_model_that_cannot_be_used_stops_the_node_with_the_reason(ros_env, spawn, tmp_path) -> None:
    bad = tmp_path / "not_a_model.onnx"
    bad.write_bytes(b"this is not ONNX")
    node = spawn(
        [
            ROS_PYTHON,
            ROOT / "scripts" / "exercise_node",
            f"_model:={bad}",
            f"_port:={free_port()}",
            f"_state_dir:={tmp_path / 'state'}",
        ],
        "exercise_node",
    )
    assert node.process.wait(timeout=90) == 2
    output = node.output()
    assert "not_a_model.onnx" in output and "cannot start" in output
    assert "Traceback" not in output
