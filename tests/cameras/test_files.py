"""file:PATH sources on real files: one image, a folder of images, an MJPG video."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from exercise.cameras import open_camera
from exercise.cameras.base import CameraState
from exercise.cameras.files import MAX_SIDE, FileCamera, as_bgr, fit_size, plausible_fps
from exercise.exceptions import CameraError

from .helpers import wait_state, write_video

LEVELS = [20 * i for i in range(12)]


def collect(camera, count: int, timeout: float = 5.0):
    frames = []
    frame = camera.wait_newer(0, timeout)
    while frame is not None and len(frames) < count:
        frames.append(frame)
        frame = camera.wait_newer(frame.seq, timeout)
    assert len(frames) == count, "the source stopped delivering frames"
    return frames


def test_one_image_loops_as_a_read_only_non_live_source(tmp_path: Path):
    picture = np.zeros((30, 40, 3), np.uint8)
    picture[:, :20] = (255, 0, 0)
    path = tmp_path / "digit.png"
    cv2.imwrite(str(path), picture)
    camera = open_camera(f"file:{path}", fps=100)
    assert not camera.is_live
    with camera:
        frames = collect(camera, 3)
        assert camera.status.state is CameraState.STREAMING
    for frame in frames:
        assert np.array_equal(frame.image, picture)
        assert not frame.image.flags.writeable  # shared between frames: nobody may draw on it
    assert [f.seq for f in frames] == sorted({f.seq for f in frames})


def test_an_image_plays_at_30_fps_unless_told_otherwise(tmp_path: Path):
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), np.zeros((8, 8, 3), np.uint8))
    assert open_camera(f"file:{path}").fps == 30.0
    assert open_camera(f"file:{path}", fps=5).fps == 5.0


def test_a_grey_image_becomes_bgr(tmp_path: Path):
    path = tmp_path / "grey.png"
    cv2.imwrite(str(path), np.full((10, 12), 77, np.uint8))
    with open_camera(f"file:{path}", fps=100) as camera:
        frame = camera.wait_newer(0, 5.0)
    assert frame is not None and frame.image.shape == (10, 12, 3) and frame.image[0, 0, 2] == 77


def test_width_and_height_options_resize(tmp_path: Path):
    path = tmp_path / "small.png"
    cv2.imwrite(str(path), np.zeros((30, 40, 3), np.uint8))
    with open_camera(f"file:{path}", width=80, height=60, fps=100) as camera:
        frame = camera.wait_newer(0, 5.0)
    assert frame is not None and frame.image.shape == (60, 80, 3)


def test_a_folder_plays_its_images_in_name_order(tmp_path: Path):
    colours = {"b.png": 100, "a.png": 50, "c.jpg": 150}
    for name, level in colours.items():
        cv2.imwrite(str(tmp_path / name), np.full((16, 16, 3), level, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden.png").write_bytes(b"")
    with open_camera(f"file:{tmp_path}", fps=100) as camera:
        frames = collect(camera, 9)
    order = [50, 100, 150]
    for frame in frames:
        # Frames may be skipped but never reordered: seq says which image it must be.
        expected = order[(frame.seq - 1) % 3]
        assert abs(int(frame.image[8, 8, 0]) - expected) <= 3  # JPEG rounds a little


def test_a_video_loops_at_its_own_frame_rate(tmp_path: Path):
    path = write_video(tmp_path / "clip.avi", LEVELS, fps=50.0)
    camera = open_camera(f"file:{path}")
    with camera:
        frames = collect(camera, 30)
        assert camera.fps == 50.0
    for frame in frames:
        assert frame.image.shape == (48, 64, 3)
        expected = LEVELS[(frame.seq - 1) % len(LEVELS)]
        assert abs(int(frame.image[24, 32].mean()) - expected) <= 8  # MJPG is lossy


def test_a_video_deleted_while_playing_ends_instead_of_spinning(tmp_path: Path):
    path = write_video(tmp_path / "clip.avi", LEVELS, fps=100.0)
    camera = open_camera(f"file:{path}")
    with camera:
        assert camera.wait_newer(0, 5.0) is not None
        path.unlink()
        assert wait_state(camera, CameraState.ENDED)
        assert str(path) in camera.status.message
    assert camera.status.state is CameraState.STOPPED


# -- errors ------------------------------------------------------------------------------------


def test_a_missing_path_names_the_path(tmp_path: Path):
    missing = tmp_path / "nowhere.mp4"
    camera = open_camera(f"file:{missing}")
    with pytest.raises(CameraError) as info:
        camera.start()
    assert str(missing) in str(info.value) and info.value.device == f"file:{missing}"


def test_no_path_at_all_is_an_error():
    with pytest.raises(CameraError, match="file:PATH"):
        open_camera("file:")


def test_an_empty_folder_is_an_error(tmp_path: Path):
    with pytest.raises(CameraError, match="no images"):
        open_camera(f"file:{tmp_path}").start()


@pytest.mark.parametrize("name", ["broken.png", "broken.avi", "broken.mp4"])
def test_undecodable_files_are_errors_naming_the_file(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_bytes(b"this is not a picture" * 20)
    camera = open_camera(f"file:{path}")
    with pytest.raises(CameraError) as info:
        camera.start()
    assert str(path) in str(info.value)
    assert camera._thread is None  # nothing left running


# -- pure helpers ------------------------------------------------------------------------------


def test_fit_size():
    assert fit_size(640, 480, None, None) is None
    assert fit_size(640, 480, 320, 240) == (320, 240)
    assert fit_size(640, 480, 320, None) == (320, 240)
    assert fit_size(640, 480, None, 960) == (1280, 960)
    assert fit_size(4000, 3000, None, None) == (MAX_SIDE, 960)
    assert fit_size(640, 480, 640, 480) is None


def test_plausible_fps():
    assert plausible_fps(25.0) == 25.0
    assert plausible_fps(0.0) is None
    assert plausible_fps(float("nan")) is None
    assert plausible_fps(1000.0) is None


def test_as_bgr_converts_every_layout():
    assert as_bgr(np.zeros((4, 4), np.uint8)).shape == (4, 4, 3)
    assert as_bgr(np.zeros((4, 4, 4), np.uint8)).shape == (4, 4, 3)
    deep = as_bgr(np.full((4, 4, 3), 65535, np.uint16))
    assert deep.dtype == np.uint8 and deep.max() == 255
    assert as_bgr(np.full((4, 4, 3), 0.5, np.float32)).max() == 127


def test_file_camera_is_a_pulled_source(tmp_path: Path):
    camera = FileCamera("file:x", tmp_path / "x.png")
    assert camera.status.state is CameraState.STARTING and camera.latest() is None
