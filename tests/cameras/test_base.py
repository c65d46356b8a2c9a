"""The latest-frame buffer, the source base classes and open_camera's spec handling."""

from __future__ import annotations

import threading
from typing import Optional

import numpy as np
import pytest

from exercise.cameras import open_camera, split_spec
from exercise.cameras.base import CameraSource, CameraState, LatestFrameBuffer, ThreadedCamera
from exercise.cameras.demo import DemoCamera, DemoOptions
from exercise.exceptions import CameraError

from .helpers import CountingCamera, OnDemandCamera, image, wait_state


class PushedSource(CameraSource):
    """The shape of the browser and ROS sources: frames arrive through publish()."""

    def start(self) -> None:
        self._set_status(CameraState.WAITING, "nothing pushed yet")

    def stop(self) -> None:
        self._set_status(CameraState.STOPPED)


class StuckCamera(ThreadedCamera):
    """A pulled source whose next frame takes a minute: stop() must still be prompt."""

    def read(self) -> Optional[np.ndarray]:
        self.stopping.wait(60)
        return None


class BrokenCamera(ThreadedCamera):
    def read(self) -> Optional[np.ndarray]:
        raise CameraError(self.spec, "the cable is on fire")


# -- LatestFrameBuffer --------------------------------------------------------------------


def test_buffer_is_empty_until_the_first_put_and_never_blocks():
    buffer = LatestFrameBuffer()
    assert buffer.latest() is None
    assert buffer.wait_newer(0, timeout=0.01) is None


def test_buffer_numbers_frames_and_keeps_only_the_newest():
    buffer = LatestFrameBuffer()
    first = buffer.put(image(1), timestamp=10.0)
    second = buffer.put(image(2), timestamp=11.0)
    assert (first.seq, second.seq) == (1, 2)
    assert first.timestamp == 10.0
    assert buffer.latest() is second


def test_next_seq_is_the_number_put_gives_with_or_without_the_sources_own():
    buffer = LatestFrameBuffer()
    for own in (None, 5, 3, None, 9):
        expected = buffer.next_seq(own)
        assert buffer.put(image(1), seq=own).seq == expected
    assert buffer.latest().seq == 9  # type: ignore[union-attr]  # 1, 5, 6, 7, 9: only forwards


def test_wait_newer_skips_to_the_newest_frame_instead_of_queueing():
    buffer = LatestFrameBuffer()
    for level in range(5):
        buffer.put(image(level))
    frame = buffer.wait_newer(1, timeout=0.01)
    assert frame is not None and frame.seq == 5 and frame.image[0, 0, 0] == 4


def test_wait_newer_times_out_when_nothing_newer_arrives():
    buffer = LatestFrameBuffer()
    buffer.put(image(1))
    assert buffer.wait_newer(1, timeout=0.02) is None


def test_wait_newer_wakes_up_when_another_thread_puts():
    buffer = LatestFrameBuffer()
    buffer.put(image(1))
    timer = threading.Timer(0.05, buffer.put, args=(image(7),))
    timer.start()
    frame = buffer.wait_newer(1, timeout=10.0)
    timer.join()
    assert frame is not None and frame.seq == 2 and frame.image[0, 0, 0] == 7


# -- CameraSource (pushed) ----------------------------------------------------------------


def test_pushed_source_streams_from_its_first_publish():
    source = PushedSource("browser")
    with source:
        assert source.status.state is CameraState.WAITING
        assert source.latest() is None
        frame = source.publish(image(3), timestamp=5.0)
        assert source.status.state is CameraState.STREAMING
        assert source.latest() is frame and frame.seq == 1 and frame.timestamp == 5.0
        assert source.wait_newer(0, timeout=0.01) is frame
    assert source.status.state is CameraState.STOPPED
    assert source.is_live


# -- ThreadedCamera (pulled) --------------------------------------------------------------


def test_threaded_camera_publishes_what_read_returns():
    with CountingCamera() as camera:
        first = camera.wait_newer(0, timeout=5.0)
        assert first is not None
        later = camera.wait_newer(first.seq, timeout=5.0)
        assert later is not None and later.seq > first.seq
        assert camera.status.state is CameraState.STREAMING
    assert camera.status.state is CameraState.STOPPED


def test_stop_interrupts_a_read_that_is_waiting_for_its_frame():
    camera = StuckCamera("stuck")
    camera.start()
    thread = camera._thread
    assert thread is not None and thread.is_alive()
    camera.stop()
    # stop() joins for at most 2 s; the 60 s wait must have been cut short, not abandoned.
    assert not thread.is_alive()
    camera.stop()  # twice is fine
    assert camera.status.state is CameraState.STOPPED


def test_threaded_camera_restarts_after_stop():
    camera = CountingCamera()
    with camera:
        first = camera.wait_newer(0, timeout=5.0)
    assert first is not None
    assert camera.status.state is CameraState.STOPPED
    with camera:
        assert camera.status.state is not CameraState.STOPPED
        after = camera.wait_newer(first.seq, timeout=5.0)
    assert after is not None and after.seq > first.seq


def test_a_read_that_raises_marks_the_source_failed_with_its_message():
    camera = BrokenCamera("broken")
    with camera:
        assert wait_state(camera, CameraState.FAILED)
        assert "the cable is on fire" in camera.status.message
        assert camera.latest() is None


# -- open_camera ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("demo", ("demo", "")),
        ("webcam:/dev/video2", ("webcam", "/dev/video2")),
        ("WEBCAM:1", ("webcam", "1")),
        ("file:/tmp/a:b.png", ("file", "/tmp/a:b.png")),
        ("ros:/camera/image_raw", ("ros", "/camera/image_raw")),
    ],
)
def test_split_spec(spec, expected):
    assert split_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "bogus", "video:0", "/dev/video0"])
def test_unknown_kinds_are_camera_errors_naming_the_spec(spec):
    with pytest.raises(CameraError) as info:
        open_camera(spec)
    assert info.value.device == spec
    assert "demo" in str(info.value)  # the message lists what would have worked


def test_open_camera_returns_an_unstarted_source_with_the_options():
    camera = open_camera("demo", width=320, height=240, fps=15)
    assert isinstance(camera, DemoCamera)
    assert camera.spec == "demo" and camera.fps == 15
    assert camera.latest() is None and camera.status.state is CameraState.STARTING
    with camera:
        frame = camera.wait_newer(0, timeout=5.0)
    assert frame is not None and frame.image.shape == (240, 320, 3)


def test_an_on_demand_source_reads_only_while_a_consumer_waits():
    camera = OnDemandCamera(period=0.005)
    camera.start()
    try:
        assert camera.status.state is CameraState.STREAMING  # open: a frame whenever asked
        first = camera.wait_newer(0, timeout=5.0)
        assert first is not None
        reads = camera.level
        threading.Event().wait(0.2)  # nobody waits: about 40 frame periods go by unread
        assert camera.level - reads <= 1  # at most the read that was already under way
        newer = camera.wait_newer(camera.latest().seq, timeout=5.0)  # type: ignore[union-attr]
        assert newer is not None and camera.level > reads
    finally:
        camera.stop()
    assert camera.status.state is CameraState.STOPPED  # stop wakes a thread waiting for demand


def test_an_on_demand_demo_numbers_frames_by_time_so_a_slow_consumer_sees_gaps():
    camera = DemoCamera("demo", DemoOptions(fps=60.0, interval=60.0, seed=1))
    camera.start()
    try:
        first = camera.wait_newer(0, timeout=5.0)
        assert first is not None
        threading.Event().wait(0.2)
        newer = camera.wait_newer(first.seq, timeout=5.0)
    finally:
        camera.stop()
    assert newer is not None and newer.seq - first.seq >= 6  # ~12 slots went by unrendered


# -- sinks ----------------------------------------------------------------------------------


def test_a_sink_gets_every_frame_from_the_thread_that_publishes_it_until_removed():
    source = PushedSource("pushed")
    got = []
    remove = source.add_sink(lambda frame: got.append((frame.seq, threading.current_thread().name)))

    def publish_three() -> None:
        for level in range(3):
            source.publish(image(level))

    publisher = threading.Thread(target=publish_three, name="publisher")
    publisher.start()
    publisher.join()
    remove()
    remove()  # idempotent
    source.publish(image(9))
    assert got == [(1, "publisher"), (2, "publisher"), (3, "publisher")]


def test_a_failing_sink_neither_stops_the_camera_nor_the_other_sinks():
    source = PushedSource("pushed")
    got = []

    def broken(frame) -> None:
        raise RuntimeError("bug in a consumer")

    source.add_sink(broken)
    source.add_sink(lambda frame: got.append(frame.seq))
    assert source.publish(image(1)).seq == 1
    source.publish(image(2))
    assert got == [1, 2]
    assert source.latest().seq == 2  # type: ignore[union-attr]


def test_an_on_demand_source_renders_every_frame_while_a_sink_is_attached():
    camera = OnDemandCamera(period=0.005)
    got = []
    camera.start()
    try:
        threading.Event().wait(0.1)
        assert camera.level <= 1  # nobody asked yet
        remove = camera.add_sink(lambda frame: got.append(frame.seq))
        threading.Event().wait(0.3)
        remove()
        delivered = len(got)
        threading.Event().wait(0.2)
    finally:
        camera.stop()
    assert delivered >= 10  # ~60 frame periods while attached; a loaded machine gets fewer
    assert len(got) - delivered <= 1  # at most the frame that was under way
    assert got == sorted(got)
