"""``ros:TOPIC``: frames from a ``sensor_msgs/Image`` or ``sensor_msgs/CompressedImage`` topic.

A pushed source: rospy's callback thread converts each message with cv_bridge and
publishes it into the latest-frame buffer. The subscription keeps one message queued
(``queue_size=1``) with a receive buffer large enough for a full-HD frame, so a slow
consumer always gets the newest image, never a backlog.

The topic's type is read from each connection (the subscription is a ``rospy.AnyMsg``
one), so ``ros:/camera/image_raw`` and ``ros:/camera/image_raw/compressed`` both work,
whether or not the publisher is up when the source starts.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, Optional

from exercise.cameras.base import CameraSource, CameraState
from exercise.exceptions import CameraError

#: rospy's receive buffer: a 1920x1080 bgr8 frame is 6.2 MB; rospy's 64 KB default
#: would make it reassemble each image over many reads and fall behind.
BUFF_SIZE = 16 * 1024 * 1024

#: Header stamps further than this from the wall clock (a bag played without
#: ``/use_sim_time``, a camera with an unset clock) are replaced by the arrival time.
MAX_STAMP_SKEW_S = 10.0


def frame_time(stamp_s: float, now: float) -> float:
    """The capture time to give a frame: the header stamp when it is plausible, else ``now``."""
    if stamp_s <= 0.0 or abs(now - stamp_s) > MAX_STAMP_SKEW_S:
        return now
    return stamp_s


class RosTopicCamera(CameraSource):
    """Subscribes to ``topic`` on :meth:`start`; WAITING until the first image arrives."""

    def __init__(self, spec: str, topic: str, fps: float = 30.0) -> None:
        super().__init__(spec, fps)
        self.topic = topic
        self._subscriber: Any = None
        self._lock = threading.Lock()
        self._last_problem = ""

    def start(self) -> None:
        """Subscribe. Raises CameraError without rospy or without a master to talk to."""
        from exercise.ros.node import ensure_node

        with self._lock:
            if self._subscriber is not None:
                return
            rospy = ensure_node(self.spec)
            self._set_status(CameraState.WAITING, f"waiting for the first image on {self.topic}")
            self._subscriber = rospy.Subscriber(
                self.topic,
                rospy.AnyMsg,
                self._on_message,
                queue_size=1,
                buff_size=BUFF_SIZE,
                tcp_nodelay=True,
            )

    def stop(self) -> None:
        with self._lock:
            subscriber, self._subscriber = self._subscriber, None
        if subscriber is not None:
            subscriber.unregister()
        self._set_status(CameraState.STOPPED)

    def _on_message(self, message: Any) -> None:
        # rospy's thread: a bad message must not raise here (rospy would only log it,
        # and the student would see nothing), so it becomes the source's status instead.
        from exercise.ros.images import UnsupportedImage, decode_any, to_bgr

        try:
            image_message = decode_any(message)
            image = to_bgr(image_message)
        except UnsupportedImage as problem:
            self._report(str(problem))
            return
        stamp = image_message.header.stamp.to_sec()
        self.publish(image, frame_time(stamp, time.time()))

    def _report(self, problem: str) -> None:
        if problem != self._last_problem:
            self._last_problem = problem
            self._set_status(CameraState.WAITING, f"{self.topic}: {problem}")


def create(spec: str, argument: str, options: Dict[str, Optional[float]]) -> RosTopicCamera:
    """The factory ``open_camera`` calls for ``ros:TOPIC``; the topic may be relative."""
    topic = argument.strip()
    if not topic:
        raise CameraError(spec, "name an image topic, for example ros:/camera/image_raw")
    fps = options.get("fps") or 30.0
    return RosTopicCamera(spec, topic, fps=float(fps))
