"""The camera view pump: one thread that JPEG-encodes each view once for every client.

It waits for the newest camera frame (or the newest image the brain showed with
``GUI.showImage``), encodes it once, and hands the bytes to ``deliver``; the hub then puts
those same bytes into every client's one-view slot. It encodes nothing while no client is
connected, and it paces itself to the GUI frame rate (a lower idle rate while the brain is
not running: see :data:`IDLE_FPS`).
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Callable, Deque, Optional

import cv2
import numpy as np

from exercise.cameras.base import CameraSource, Frame
from exercise.server.protocol import FLAG_FROM_BRAIN

#: Views per second while the brain is stopped or paused: enough to aim the camera at a
#: digit, at a fraction of the cost of the full GUI rate. A view costs about 2 ms of CPU
#: all told (the demo camera's frame, the JPEG, the websocket send): 3 a second keep an
#: open page with a stopped brain within 1% of a core, 5 did not. Documented in
#: docs/protocol.md; the benchmark reports the CPU it costs.
IDLE_FPS = 3.0
#: After the brain's last GUI.showImage, the live camera stays hidden this long, so the
#: student's image does not flicker with the camera between two of their calls.
BRAIN_IMAGE_HOLD = 1.0
#: 75 rather than 80: a quarter fewer bytes per view (about 14 KB at 640x480, under the
#: socket's send buffer), no difference a student looking at the camera would notice.
JPEG_QUALITY = 75
#: Pacing tolerance: a frame that arrives a little early for its slot is still sent, so a
#: 30 fps camera at a 30 fps GUI rate does not alias down to 15 fps. At most a quarter of
#: a camera frame early, so that a slow rate (the idle one) stays the rate it says.
EARLY_FRACTION = 0.15
EARLY_CAMERA_FRAMES = 0.25

#: A camera frame captured at most this long ago is sent as it is; an older one (a
#: continuously capturing webcam's newest frame, up to a frame period old when the view
#: is due) is passed over for the next one, which is sent the moment it arrives.
FRESH_SECONDS = 0.008

#: A camera frame expected this close before a view is due counts as due (clock jitter).
CAMERA_SLACK = 0.003

#: deliver(jpeg, seq, captured, flags)
Deliver = Callable[[bytes, int, float, int], None]


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> Optional[bytes]:
    """JPEG bytes of a BGR (or grey) uint8 image, or None if OpenCV cannot encode it."""
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return data.tobytes() if ok else None


class ViewPump:
    """Start with :meth:`start`; tell it about clients, brain state and images; :meth:`close`."""

    def __init__(self, camera: Callable[[], CameraSource], deliver: Deliver, gui_fps: float) -> None:
        self._camera = camera
        self._deliver = deliver
        self._cond = threading.Condition()
        self._wanted = False
        self._closed = False
        self._gui_fps = gui_fps
        self._brain_running = False
        self._brain_image: Optional[np.ndarray] = None
        self._brain_image_seq = 0
        self._brain_image_time = 0.0
        self._brain_image_at = float("-inf")  # monotonic arrival time of the newest one
        self._sent_times: Deque[float] = collections.deque(maxlen=128)
        self._thread: Optional[threading.Thread] = None
        #: Counters for tests and benchmarks.
        self.encoded = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="view pump", daemon=True)
        self._thread.start()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    # -- what the hub and the exercise tell it --------------------------------------------

    def set_wanted(self, wanted: bool) -> None:
        """True while at least one client is connected."""
        with self._cond:
            self._wanted = wanted
            self._cond.notify_all()

    def set_gui_fps(self, fps: float) -> None:
        with self._cond:
            self._gui_fps = fps
            self._cond.notify_all()

    def set_brain_running(self, running: bool) -> None:
        with self._cond:
            self._brain_running = running
            self._cond.notify_all()

    def offer_brain_image(self, image: np.ndarray, frame_seq: int, timestamp: float) -> None:
        """The brain's GUI.showImage: shown instead of the camera for a while."""
        with self._cond:
            self._brain_image = image
            self._brain_image_seq = frame_seq
            self._brain_image_time = timestamp
            self._brain_image_at = time.monotonic()
            self._cond.notify_all()

    @property
    def target_fps(self) -> float:
        with self._cond:
            return self._target_fps_locked()

    @property
    def measured_fps(self) -> float:
        """Views delivered per second over the last two seconds."""
        now = time.monotonic()
        with self._cond:
            recent = [t for t in self._sent_times if now - t <= 2.0]
        return len(recent) / 2.0

    # -- the thread ---------------------------------------------------------------------

    def _target_fps_locked(self) -> float:
        return self._gui_fps if self._brain_running else min(self._gui_fps, IDLE_FPS)

    def _run(self) -> None:
        last_seq = 0
        last_camera: Optional[CameraSource] = None
        next_due = 0.0
        # When the camera's next frame is due (monotonic), as far as its nominal rate says.
        next_frame = 0.0
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or self._wanted)
                if self._closed:
                    return
                period = 1.0 / self._target_fps_locked()
                delay = next_due - time.monotonic()
                # Paced: sleep, but wake at once on close or a rate change. Not when the
                # camera's very next frame is the one to send (a GUI rate as high as the
                # camera's): then waiting for that frame is the pacing, and one wake-up
                # per view is enough.
                if delay > 0 and next_frame < next_due - CAMERA_SLACK:
                    self._cond.wait(delay)
                    continue
                brain_mode = time.monotonic() - self._brain_image_at < BRAIN_IMAGE_HOLD
                image = self._brain_image if brain_mode else None
                self._brain_image = None
                seq, captured = self._brain_image_seq, self._brain_image_time
            if brain_mode:
                if image is None:
                    with self._cond:  # wait for the brain's next image, or the hold to end
                        if self._brain_image is None and not self._closed:
                            self._cond.wait(BRAIN_IMAGE_HOLD)
                    continue
                self._send(image, seq, captured, FLAG_FROM_BRAIN)
                next_frame = 0.0  # the brain's images are paced by sleeping
            else:
                camera = self._camera()
                if camera is not last_camera:  # a new source counts its seq from 1 again
                    last_camera, last_seq = camera, 0
                frame = _fresh_frame(camera, last_seq)
                if frame is None:
                    continue
                last_seq = frame.seq
                now = time.monotonic()
                if now < next_due - EARLY_CAMERA_FRAMES * frame_period(camera):
                    # Well before its time (a camera faster than it says): pass over it. A
                    # frame only a little early (a webcam's jitter) is sent.
                    next_frame = 0.0
                    continue
                self._send(frame.image, frame.seq, frame.timestamp, 0)
                next_frame = now + (frame.timestamp - time.time()) + frame_period(camera)
            early = min(EARLY_FRACTION * period, EARLY_CAMERA_FRAMES * frame_period(self._camera()))
            next_due = time.monotonic() + period - early

    def _send(self, image: np.ndarray, seq: int, captured: float, flags: int) -> None:
        data = encode_jpeg(image)
        if data is None:
            return
        self.encoded += 1
        with self._cond:
            self._sent_times.append(time.monotonic())
        self._deliver(data, seq, captured, flags)


def frame_period(camera: CameraSource) -> float:
    """Seconds between two of the camera's frames, as its nominal rate says (at most 1 s)."""
    return 1.0 / max(camera.fps, 1.0)


def _fresh_frame(camera: CameraSource, last_seq: int) -> Optional[Frame]:
    """The next frame to send after ``last_seq``, as fresh as can be; None: none came.

    A stale newest frame is passed over for the next one, unless that one is not there
    within a frame period and a half (a pushed source that went quiet still gets its last
    frame shown).
    """
    newest = camera.latest()
    if newest is not None and newest.seq > last_seq:
        age = time.time() - newest.timestamp
        # A negative age: a source whose clock is not ours (a ROS stamp); take its frame.
        if age <= FRESH_SECONDS:
            return newest
        return camera.wait_newer(newest.seq, timeout=1.5 * frame_period(camera)) or newest
    return camera.wait_newer(last_seq, timeout=0.25)
