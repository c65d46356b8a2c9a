"""The ``ros:TOPIC`` camera source against a real rosmaster and a real publisher."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import cv2
import numpy as np
import pytest

from tests.ros.conftest import HELPERS, ROS_PYTHON, run_helper

pytestmark = pytest.mark.ros


@pytest.fixture
def picture(tmp_path: Path) -> np.ndarray:
    """A 640x480 BGR picture whose channels differ, so any channel swap shows."""
    image = np.zeros((480, 640, 3), np.uint8)
    image[:, :, 0] = np.arange(640, dtype=np.uint32)[None, :] * 255 // 639  # blue ramp
    image[:, :, 1] = 40
    image[:, :, 2] = np.arange(480, dtype=np.uint32)[:, None] * 255 // 479  # red ramp
    cv2.rectangle(image, (200, 150), (300, 350), (255, 255, 255), -1)
    cv2.imwrite(str(tmp_path / "picture.png"), image)
    return image


def start_publisher(spawn, tmp_path: Path, topic: str, *options: str):
    publisher = spawn(
        [ROS_PYTHON, HELPERS / "image_publisher.py", topic, tmp_path / "picture.png", *options], "publisher"
    )
    return publisher


def probe(ros_env: Dict[str, str], tmp_path: Path, spec: str, *options: object) -> dict:
    return run_helper(ros_env, "camera_probe.py", spec, tmp_path / "frame.npy", *options)


def test_bgr8_images_arrive_unchanged_with_their_header_stamp(ros_env, spawn, tmp_path, picture) -> None:
    start_publisher(spawn, tmp_path, "/camera/image_raw", "--stamp", "0")
    report = probe(ros_env, tmp_path, "ros:/camera/image_raw")
    assert report["states"][0] == "waiting"
    assert "/camera/image_raw" in report["messages"][0]
    assert report["states"][-1] == "streaming"
    assert report["stopped_state"] == "stopped"
    assert report["shape"] == [480, 640, 3] and report["dtype"] == "uint8"
    np.testing.assert_array_equal(np.load(tmp_path / "frame.npy"), picture)
    assert report["seqs"] == sorted(report["seqs"]) and len(set(report["seqs"])) == 3


def test_a_plausible_header_stamp_is_the_frame_time(ros_env, spawn, tmp_path, picture) -> None:
    start_publisher(spawn, tmp_path, "/camera/image_raw")  # stamped with rospy.Time.now()
    report = probe(ros_env, tmp_path, "ros:/camera/image_raw")
    for stamp, arrival in zip(report["timestamps"], report["arrivals"]):
        assert stamp <= arrival  # the publisher's stamp, not the later arrival time
        assert arrival - stamp < 5.0


@pytest.mark.parametrize("encoding", ["rgb8", "mono8"])
def test_other_colour_encodings_are_converted_to_bgr(ros_env, spawn, tmp_path, picture, encoding) -> None:
    start_publisher(spawn, tmp_path, "/camera/image_raw", "--encoding", encoding)
    report = probe(ros_env, tmp_path, "ros:/camera/image_raw", "--frames", "1")
    frame = np.load(tmp_path / "frame.npy")
    if encoding == "mono8":
        grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
        expected = np.repeat(grey[:, :, None], 3, axis=2)
    else:
        expected = picture
    assert report["shape"] == [480, 640, 3]
    np.testing.assert_array_equal(frame, expected)


def test_compressed_topic_is_decoded(ros_env, spawn, tmp_path, picture) -> None:
    start_publisher(spawn, tmp_path, "/camera/image_raw/compressed", "--compressed", "png")
    report = probe(ros_env, tmp_path, "ros:/camera/image_raw/compressed", "--frames", "1")
    assert report["states"][-1] == "streaming"
    np.testing.assert_array_equal(np.load(tmp_path / "frame.npy"), picture)  # PNG is lossless


def test_jpeg_compressed_images_are_decoded_too(ros_env, spawn, tmp_path, picture) -> None:
    start_publisher(spawn, tmp_path, "/cam/jpeg", "--compressed", "jpeg")  # type from the connection
    probe(ros_env, tmp_path, "ros:/cam/jpeg", "--frames", "1")
    frame = np.load(tmp_path / "frame.npy")
    assert frame.shape == picture.shape
    assert np.abs(frame.astype(int) - picture.astype(int)).mean() < 4


def test_a_topic_of_another_type_keeps_the_camera_waiting(ros_env, spawn, tmp_path, picture) -> None:
    start_publisher(spawn, tmp_path, "/chatter", "--type", "string")
    report = probe(ros_env, tmp_path, "ros:/chatter", "--frames", "1", "--until", "std_msgs/String")
    assert report["seqs"] == []
    assert report["states"][-1] == "waiting"
    assert "std_msgs/String" in report["messages"][-1]


def test_depth_images_are_refused_with_a_reason(ros_env, spawn, tmp_path, picture) -> None:
    start_publisher(spawn, tmp_path, "/depth", "--encoding", "16UC1")
    report = probe(ros_env, tmp_path, "ros:/depth", "--frames", "1", "--until", "16UC1")
    assert report["seqs"] == []
    assert "16UC1" in report["messages"][-1]


def test_missing_topic_name_is_a_camera_error(ros_env, tmp_path) -> None:
    report = probe(ros_env, tmp_path, "ros:")
    assert report["kind"] == "CameraError"
    assert "ros:/camera/image_raw" in report["error"]


def test_no_master_is_a_camera_error_naming_the_uri(ros_env, tmp_path) -> None:
    env = dict(ros_env, ROS_MASTER_URI="http://127.0.0.1:9")  # nothing listens on the discard port
    report = run_helper(env, "camera_probe.py", "ros:/camera/image_raw", tmp_path / "frame.npy")
    assert report["kind"] == "CameraError"
    assert "http://127.0.0.1:9" in report["error"] and "roscore" in report["error"]
