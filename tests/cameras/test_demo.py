"""The demo camera: a real running source, its rendering, and the truth it publishes."""

from __future__ import annotations

import math
import queue
import time

import cv2
import numpy as np
import pytest

from exercise.cameras import open_camera
from exercise.cameras.base import CameraState, Frame
from exercise.cameras.demo import (
    MARGIN,
    NOISE_MEAN,
    DemoCamera,
    DemoOptions,
    hand_offset,
    noise_tile,
    parse_argument,
    render_scene,
    render_sheet,
)
from exercise.cameras.demo_assets import load
from exercise.exceptions import CameraError


def fast_demo(**overrides) -> DemoCamera:
    options = {"seed": 1, "interval": 0.2, **overrides}
    return DemoCamera("demo", DemoOptions(**options))


def test_frames_are_640x480_bgr_with_increasing_seq_and_plausible_timestamps():
    camera = fast_demo(interval=3.0)
    assert camera.latest() is None  # before start: nothing, at once
    began = time.time()
    frames = []
    with camera:
        frame = camera.wait_newer(0, timeout=5.0)
        while frame is not None and len(frames) < 8:
            frames.append(frame)
            frame = camera.wait_newer(frame.seq, timeout=5.0)
    ended = time.time()
    assert len(frames) == 8
    for frame in frames:
        assert frame.image.shape == (480, 640, 3) and frame.image.dtype == np.uint8
        assert began <= frame.timestamp <= ended
    seqs = [frame.seq for frame in frames]
    assert seqs == sorted(set(seqs))
    stamps = [frame.timestamp for frame in frames]
    assert stamps == sorted(stamps)
    # Distinct sensor noise: no two frames are identical even when the hand is still.
    assert not np.array_equal(frames[0].image, frames[1].image)


def test_a_slow_consumer_gets_the_newest_frame_and_sees_gaps():
    with fast_demo(fps=60.0, interval=60.0) as camera:
        frame = camera.wait_newer(0, timeout=5.0)
        assert frame is not None
        gaps = []
        for _ in range(3):
            time.sleep(0.1)  # a consumer busy for 6 frame periods
            newer = camera.wait_newer(frame.seq, timeout=5.0)
            assert newer is not None
            gaps.append(newer.seq - frame.seq)
            frame = newer
    assert max(gaps) > 1  # frames were skipped, not queued for us


def test_stop_is_prompt_and_final():
    camera = fast_demo()
    camera.start()
    assert camera.wait_newer(0, timeout=5.0) is not None
    thread = camera._thread
    camera.stop()
    assert thread is not None and not thread.is_alive()
    assert camera.status.state is CameraState.STOPPED
    last = camera.latest()
    assert last is not None
    assert camera.wait_newer(last.seq, timeout=0.1) is None


def test_the_digit_changes_every_interval_and_is_known_per_frame():
    shown = []
    with fast_demo(interval=0.1, fps=60.0) as camera:
        frame = camera.wait_newer(0, timeout=5.0)
        deadline = time.monotonic() + 1.0
        while frame is not None and time.monotonic() < deadline:
            shown.append(camera.digit_of(frame.seq))
            frame = camera.wait_newer(frame.seq, timeout=5.0)
        assert camera.current_digit in set(range(10)) | {None}
    changes = sum(1 for before, after in zip(shown, shown[1:]) if before != after)
    assert changes >= 4
    assert set(shown) <= set(range(10)) | {None}
    assert len({d for d in shown if d is not None}) >= 3


def test_a_sink_may_ask_which_digit_its_frame_shows():
    """Sinks run in the camera's thread as it publishes; the truth is already there."""
    answers: queue.Queue[object] = queue.Queue()

    def sink(frame: Frame) -> None:
        try:
            answers.put(camera.digit_of(frame.seq))
        except KeyError as exc:
            answers.put(exc)

    with fast_demo() as camera:
        camera.add_sink(sink)
        for _ in range(3):
            answer = answers.get(timeout=5.0)  # a lock held around the sinks: no answer
            assert answer in set(range(10)) | {None}


def test_digit_of_forgets_frames_it_never_published():
    with fast_demo() as camera:
        frame = camera.wait_newer(0, timeout=5.0)
        assert frame is not None
        with pytest.raises(KeyError):
            camera.digit_of(frame.seq + 10_000)


def test_same_seed_same_digits():
    def first_sheets(seed: int):
        camera = fast_demo(seed=seed, width=160, height=120)
        camera.open()
        digits = []
        for index in range(1, 8):
            camera._next_sheet(index)
            digits.append(camera._scene_digit)
        return digits

    assert first_sheets(5) == first_sheets(5)


def test_empty_sheets_happen_but_never_twice_in_a_row():
    camera = fast_demo(seed=2, empty_probability=0.5, width=160, height=120)
    camera.open()
    digits = [camera._scene_digit]
    for index in range(1, 40):
        camera._next_sheet(index)
        digits.append(camera._scene_digit)
    assert None in digits and digits[0] is not None
    assert all(not (a is None and b is None) for a, b in zip(digits, digits[1:]))
    assert all(a != b for a, b in zip(digits, digits[1:]) if a is not None)


# -- rendering -------------------------------------------------------------------------------


def test_the_sheet_has_dark_ink_of_the_asked_height_on_light_paper():
    images, _ = load()
    rng = np.random.default_rng(0)
    sheet = render_sheet(images[0], 300, 380, 150, rng)
    grey = cv2.cvtColor(sheet.astype(np.uint8), cv2.COLOR_BGR2GRAY)
    ink_rows = np.flatnonzero((grey < 100).any(axis=1))
    assert ink_rows.size > 0
    height = ink_rows[-1] - ink_rows[0] + 1
    assert 0.75 * 150 <= height <= 1.25 * 150  # tilt and the pen's width change it a little
    assert np.median(grey) > 200


def test_an_empty_sheet_has_no_ink():
    sheet = render_sheet(None, 300, 380, 150, np.random.default_rng(0))
    assert sheet.min() > 200


def test_the_scene_shows_the_digit_dark_on_a_lighter_sheet_in_the_middle():
    images, _ = load()
    scene = render_scene(images[3], 640, 480, np.random.default_rng(4))
    assert scene.shape == (480 + 2 * MARGIN, 640 + 2 * MARGIN, 3) and scene.dtype == np.uint8
    grey = cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY).astype(int)
    middle = grey[MARGIN + 120 : MARGIN + 360, MARGIN + 200 : MARGIN + 440]
    assert middle.min() < 90  # ink
    assert np.percentile(middle, 75) > 170  # paper, even where the lamp is weak


def test_hand_offset_stays_inside_the_margin():
    phases = (0.1, 2.0, 4.0, 5.5)
    offsets = [hand_offset(t / 30, phases) for t in range(3000)]
    assert all(abs(dx) < MARGIN and abs(dy) < MARGIN for dx, dy in offsets)
    assert len(set(offsets)) > 10  # the hand does move


def test_noise_tile_is_centred_on_its_mean():
    tile = noise_tile(np.random.default_rng(0), 48, 64)
    assert tile.shape == (48 + 2 * MARGIN, 64 + 2 * MARGIN, 3)
    assert math.isclose(float(tile.mean()), NOISE_MEAN, abs_tol=0.5)


# -- specs -----------------------------------------------------------------------------------


def test_spec_options_are_parsed():
    assert parse_argument("demo:interval=2,seed=7", "interval=2,seed=7") == {"interval": 2.0, "seed": 7.0}
    camera = open_camera("demo:interval=0.5,seed=3,empty=0")
    assert isinstance(camera, DemoCamera)
    assert camera.options.interval == 0.5 and camera.options.seed == 3
    assert camera.options.empty_probability == 0.0


@pytest.mark.parametrize("spec", ["demo:speed=2", "demo:interval=soon", "demo:interval=0"])
def test_bad_demo_specs_are_camera_errors(spec):
    with pytest.raises(CameraError) as info:
        open_camera(spec)
    assert info.value.device == spec


def test_the_exercise_preprocessing_finds_the_digit_the_demo_shows():
    from exercise.preprocess import preprocess

    camera = fast_demo(seed=12, empty_probability=0.2)
    camera.open()
    try:
        preprocess(camera._compose(0.0))
    except NotImplementedError:
        pytest.skip("exercise.preprocess is not written yet")
    agreed = 0
    for index in range(1, 21):
        camera._next_sheet(index)
        candidates = preprocess(camera._compose(index * 0.37))
        if camera._scene_digit is None:
            agreed += not candidates
        elif len(candidates) == 1:
            x, y, w, h = candidates[0].box
            agreed += 0.2 * 480 <= h <= 0.5 * 480 and 100 < x + w / 2 < 540
    assert agreed >= 18  # seeded: the same 20 sheets every run
