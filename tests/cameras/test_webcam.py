"""Webcams without a webcam: real OpenCV captures on missing devices, the backoff policy,
and the reconnect state machine driven through a real capture of a video file that is
deleted and written again."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from exercise.cameras import open_camera
from exercise.cameras.base import CameraState
from exercise.cameras.demo import DemoCamera
from exercise.cameras.webcam import (
    Backoff,
    WebcamCamera,
    backoff_delay,
    device_name,
    list_webcams,
    parse_device,
)
from exercise.exceptions import CameraError

from .helpers import wait_state, wait_until, write_video

LEVELS = [30, 90, 150, 210]


def unused_device() -> str:
    """A /dev/videoN that does not exist on this machine."""
    for number in range(40, 99):
        path = Path(f"/dev/video{number}")
        if not path.exists():
            return str(path)
    pytest.skip("every /dev/video40..98 exists")


# -- opening ----------------------------------------------------------------------------------


def test_a_missing_device_path_is_a_camera_error_naming_it():
    device = unused_device()
    camera = open_camera(f"webcam:{device}")
    with pytest.raises(CameraError) as info:
        camera.start()
    assert device in str(info.value) and info.value.device == f"webcam:{device}"
    assert camera._thread is None


def test_a_missing_device_number_names_its_path():
    number = unused_device().replace("/dev/video", "")
    with pytest.raises(CameraError, match=f"/dev/video{number}"):
        open_camera(f"webcam:{number}").start()


def test_the_real_capture_also_fails_on_a_missing_device():
    # What _connect skips with its existence check: OpenCV itself agrees there is nothing.
    capture = cv2.VideoCapture(unused_device(), cv2.CAP_V4L2)
    assert not capture.isOpened()
    capture.release()


def test_a_file_that_is_not_a_device_fails_with_the_permission_hint(tmp_path: Path):
    # Opened by V4L2 as a device: it exists but is no camera.
    fake = tmp_path / "video0"
    fake.write_bytes(b"")
    with pytest.raises(CameraError, match="cannot open"):
        WebcamCamera("webcam:x", str(fake)).start()


@pytest.mark.parametrize(
    ("argument", "device"), [("", 0), ("2", 2), (" 3 ", 3), ("/dev/video4", "/dev/video4")]
)
def test_parse_device(argument, device):
    assert parse_device("webcam", argument) == device


@pytest.mark.parametrize("argument", ["front", "-1", "video0"])
def test_parse_device_rejects_what_is_no_device(argument):
    with pytest.raises(CameraError, match="webcam:N"):
        open_camera(f"webcam:{argument}")


def test_device_names_are_paths_on_linux():
    assert device_name(2) == "/dev/video2"
    assert device_name("/dev/video5") == "/dev/video5"


def test_webcam_options_reach_the_source():
    camera = open_camera("webcam:1", width=1280, height=720, fps=15)
    assert isinstance(camera, WebcamCamera)
    assert camera.device == 1 and camera.fps == 15
    assert (camera._want_w, camera._want_h) == (1280, 720)
    assert camera.is_live


# -- listing and auto ---------------------------------------------------------------------------


def test_list_webcams_orders_by_number_and_skips_metadata_nodes(tmp_path: Path):
    dev, sysfs = tmp_path / "dev", tmp_path / "sys"
    for number, name, index in [(0, "HD Webcam", "0"), (1, "HD Webcam", "1"), (10, "USB Cam", "0")]:
        (dev / f"video{number}").parent.mkdir(exist_ok=True)
        (dev / f"video{number}").write_bytes(b"")
        node = sysfs / f"video{number}"
        node.mkdir(parents=True)
        (node / "name").write_text(name + "\n")
        (node / "index").write_text(index + "\n")
    (dev / "video2").write_bytes(b"")  # no sysfs entry: listed with a generic label
    found = list_webcams(str(dev / "video*"), sysfs)
    assert [info.path for info in found] == [str(dev / n) for n in ("video0", "video2", "video10")]
    assert found[0].spec == f"webcam:{dev / 'video0'}"
    assert found[0].label == f"HD Webcam ({dev / 'video0'})"
    assert found[1].label.startswith("Webcam (")


def test_list_webcams_on_a_machine_without_any(tmp_path: Path):
    assert list_webcams(str(tmp_path / "video*"), tmp_path) == []


def test_auto_falls_back_to_the_demo_camera_without_a_webcam():
    if list_webcams():
        pytest.skip("this machine has a webcam")
    camera = open_camera("auto", width=320, height=240)
    assert isinstance(camera, DemoCamera)
    assert camera.spec == "demo" and camera.options.width == 320


# -- reconnecting -----------------------------------------------------------------------------


def test_backoff_grows_to_its_cap():
    policy = Backoff(initial=0.5, factor=2.0, maximum=5.0)
    assert [backoff_delay(n, policy) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff_delay(10**6, policy) == 5.0
    with pytest.raises(ValueError):
        backoff_delay(0, policy)


def test_a_device_that_goes_away_reconnects_with_backoff_and_comes_back(tmp_path: Path):
    # A capture of a video file behaves like a camera that is unplugged at the file's end:
    # read() fails, the source reconnects. Deleting the file keeps it away; writing it again
    # plugs it back in.
    path = write_video(tmp_path / "camera.avi", LEVELS)
    camera = WebcamCamera(
        "webcam:test",
        str(path),
        backend=cv2.CAP_FFMPEG,
        backoff=Backoff(initial=0.02, factor=2.0, maximum=0.1),
    )
    with camera:
        first = camera.wait_newer(0, 5.0)
        assert first is not None and first.image.shape == (48, 64, 3)
        path.unlink()
        assert wait_until(lambda: camera.attempt >= 3)
        status = camera.status
        assert status.state is CameraState.RECONNECTING
        assert str(path) in status.message and "attempt" in status.message
        before = camera.latest()
        assert before is not None

        write_video(path, LEVELS)
        back = camera.wait_newer(before.seq, 5.0)
        assert back is not None
        later = camera.wait_newer(back.seq, 5.0)
        assert later is not None
        # Back to one attempt per end of file: the count restarts after every good frame.
        assert camera.attempt <= 1
    assert camera.status.state is CameraState.STOPPED


def test_stop_is_prompt_while_waiting_to_reconnect(tmp_path: Path):
    path = write_video(tmp_path / "camera.avi", LEVELS)
    camera = WebcamCamera("webcam:test", str(path), backend=cv2.CAP_FFMPEG, backoff=Backoff(initial=60.0))
    camera.start()
    assert camera.wait_newer(0, 5.0) is not None
    assert wait_state(camera, CameraState.RECONNECTING)  # the file ended: now a 60 s pause
    thread = camera._thread
    camera.stop()
    assert thread is not None and not thread.is_alive()
    assert camera.status.state is CameraState.STOPPED
