"""The ``exercise_node``: the exercise server on a ROS image topic, its results as ROS topics.

Private parameters (see docs/ros.md):

=================  ===============  ====================================================
``~camera_topic``  image_raw        sensor_msgs/Image or CompressedImage topic to read
``~host``          127.0.0.1        address the web page is served on (0.0.0.0: all)
``~port``          7164             port of the web page
``~model``         (bundled model)  ONNX model to start with
``~frequency``     30.0             target brain frequency, Hz
``~autostart``     true             press Play on the saved (or default) code at start
``~image_rate``    5.0              how often ``~annotated`` is published, Hz (0: never)
``~state_dir``     (user default)   where code and uploaded models are kept
``~token``         (none/generated) access token (generated when ``host`` is not loopback)
=================  ===============  ====================================================

Published (names relative to the node, so ``/exercise/digit`` for a node called exercise):
``~digit`` (std_msgs/Int32, -1 for none), ``~probabilities`` (std_msgs/Float32MultiArray,
10 values, empty for none), ``~frequency`` (std_msgs/Float32, measured Hz, once a
second while running) and ``~annotated`` (sensor_msgs/Image, the newest camera frame with
the digit's box, at ``~image_rate`` while someone subscribes).

Shutdown: SIGINT/SIGTERM go to the server (rospy's handlers are off), which stops the
brain and the camera and returns; ``rosnode kill`` and other rospy shutdowns set the
server's ``stop`` event, which ends it the same way.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Tuple

from exercise.brain.events import BrainEvent, DigitShown, FrequencyMeasured
from exercise.exceptions import ExerciseError
from exercise.nodes.results import box_of, confidence_of, digit_value, probability_values

if TYPE_CHECKING:  # the server is imported when the node starts serving, not on import
    from exercise.server.config import ServerConfig

#: A box older than this is not drawn any more: the brain stopped showing digits.
BOX_LIFETIME_S = 1.0


@dataclass(frozen=True)
class NodeParams:
    camera_topic: str
    host: str
    port: int
    model: Optional[Path]
    frequency_hz: float
    autostart: bool
    image_rate_hz: float
    state_dir: Optional[Path]
    token: Optional[str]


def read_params(rospy: Any) -> NodeParams:
    """The node's private parameters; ``camera_topic`` resolved (remappings applied)."""

    def optional_path(name: str) -> Optional[Path]:
        value = str(rospy.get_param(name, "") or "")
        return Path(value).expanduser() if value else None

    return NodeParams(
        camera_topic=rospy.resolve_name(str(rospy.get_param("~camera_topic", "image_raw"))),
        host=str(rospy.get_param("~host", "127.0.0.1")),
        port=int(rospy.get_param("~port", 7164)),
        model=optional_path("~model"),
        frequency_hz=float(rospy.get_param("~frequency", 30.0)),
        autostart=bool(rospy.get_param("~autostart", True)),
        image_rate_hz=float(rospy.get_param("~image_rate", 5.0)),
        state_dir=optional_path("~state_dir"),
        token=str(rospy.get_param("~token", "") or "") or None,
    )


def server_config(params: NodeParams) -> ServerConfig:
    """The ServerConfig that serves ``params``: the camera is the ``ros:`` source."""
    from exercise.server.config import ServerConfig

    return ServerConfig(
        camera=f"ros:{params.camera_topic}",
        model=params.model,
        host=params.host,
        port=params.port,
        token=params.token,
        frequency_hz=params.frequency_hz,
        autostart=params.autostart,
        state_dir=params.state_dir,
    )


class ResultPublisher:
    """Publishes brain events as ROS messages; ``on_event`` runs on the runner's thread."""

    def __init__(self, rospy: Any) -> None:
        from sensor_msgs.msg import Image
        from std_msgs.msg import Float32, Float32MultiArray, Int32

        self._rospy = rospy
        self._digit = rospy.Publisher("~digit", Int32, queue_size=10)
        self._probabilities = rospy.Publisher("~probabilities", Float32MultiArray, queue_size=10)
        self._frequency = rospy.Publisher("~frequency", Float32, queue_size=10)
        self._annotated = rospy.Publisher("~annotated", Image, queue_size=1)
        self._lock = threading.Lock()
        # The newest DigitShown and when it came: the annotated image draws its box.
        self._shown: Optional[Tuple[DigitShown, float]] = None
        self._last_seq = 0

    def on_event(self, event: BrainEvent) -> None:
        from std_msgs.msg import Float32, Float32MultiArray, Int32

        if isinstance(event, DigitShown):
            with self._lock:
                self._shown = (event, time.monotonic())
            self._digit.publish(Int32(digit_value(event)))
            self._probabilities.publish(Float32MultiArray(data=probability_values(event)))
        elif isinstance(event, FrequencyMeasured):
            self._frequency.publish(Float32(float(event.measured_hz)))

    def publish_annotated(self, camera: Any) -> None:
        """Publish the camera's newest frame with the current box, if anyone listens and it is new."""
        from exercise.annotate import annotate
        from exercise.ros.images import to_image_message

        if self._annotated.get_num_connections() == 0:
            return
        frame = camera.latest()
        if frame is None or frame.seq == self._last_seq:
            return
        self._last_seq = frame.seq
        with self._lock:
            shown = self._shown
        boxes, digits, confidences = [], [], []
        if shown is not None and time.monotonic() - shown[1] <= BOX_LIFETIME_S:
            event = shown[0]
            box = box_of(event)
            if box is not None:
                boxes.append(box)
                digits.append(event.digit)
                confidences.append(confidence_of(event))
        image = annotate(frame.image, boxes, digits, confidences)
        self._annotated.publish(to_image_message(image, frame.timestamp, "camera"))


def _publish_images_until(
    stop: threading.Event, results: ResultPublisher, exercise: Any, rate_hz: float
) -> None:
    period = 1.0 / rate_hz
    while not stop.wait(period):
        try:
            results.publish_annotated(exercise.camera)
        except Exception as error:  # a closed publisher during shutdown, a frame in an odd format
            if stop.is_set():
                return
            import rospy

            rospy.logwarn_throttle(10.0, f"annotated image not published: {error}")


def main() -> int:
    """Run the node until SIGINT/SIGTERM or rospy shutdown. 2 when the exercise cannot start."""
    import rospy

    from exercise.server.serving import serve

    rospy.init_node("exercise", disable_signals=True)
    params = read_params(rospy)
    # Ends the server (serve watches it; SIGINT/SIGTERM end serve cleanly by themselves)
    # and the annotated-image thread; serve sets it when it returns.
    stop = threading.Event()
    rospy.on_shutdown(stop.set)
    results = ResultPublisher(rospy)

    def on_ready(exercise: Any) -> None:
        exercise.subscribe(results.on_event)
        rospy.loginfo("exercise on %s, reading %s", exercise.url, params.camera_topic)
        if params.image_rate_hz > 0:
            threading.Thread(
                target=_publish_images_until,
                args=(stop, results, exercise, params.image_rate_hz),
                name="annotated image",
                daemon=True,
            ).start()

    try:
        serve(server_config(params), on_ready=on_ready, stop=stop)
    except (ExerciseError, OSError) as error:
        rospy.logfatal(f"the exercise cannot start: {error}")
        return 2
    except KeyboardInterrupt:  # Ctrl-C before the server was up
        return 0
    finally:
        stop.set()
        rospy.signal_shutdown("exercise stopped")
    return 0
