"""``sensor_msgs/Image`` and ``sensor_msgs/CompressedImage`` <-> BGR uint8 arrays, via cv_bridge.

The ``ros:TOPIC`` camera subscribes with ``rospy.AnyMsg`` and decides per connection
which of the two types it received (:func:`decode_any`), so one source serves a raw
topic, a ``.../compressed`` topic, or a topic whose type it could not know in advance.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

#: Full ROS type names of the two image messages the camera understands.
IMAGE_TYPE = "sensor_msgs/Image"
COMPRESSED_TYPE = "sensor_msgs/CompressedImage"


class UnsupportedImage(ValueError):
    """A message that is not an image this exercise can show (wrong type or encoding)."""


def _bridge() -> Any:
    # One bridge per call is cheap (it builds two small dicts); it avoids sharing one
    # between rospy's callback threads.
    from cv_bridge import CvBridge

    return CvBridge()


def to_bgr(message: Any) -> np.ndarray:
    """A deserialised Image or CompressedImage -> BGR uint8 (H, W, 3), a new array.

    Raises UnsupportedImage for encodings that have no BGR view (16-bit depth, floats).
    """
    from cv_bridge import CvBridgeError

    bridge = _bridge()
    try:
        if message._type == COMPRESSED_TYPE:
            image = bridge.compressed_imgmsg_to_cv2(message, "bgr8")
        else:
            image = bridge.imgmsg_to_cv2(message, "bgr8")
    except (CvBridgeError, TypeError) as error:
        encoding = getattr(message, "encoding", getattr(message, "format", "?"))
        raise UnsupportedImage(f"cannot show a {encoding!r} image as colour: {error}") from error
    if image is None or image.ndim != 3 or image.shape[2] != 3:
        raise UnsupportedImage(f"{message._type} did not decode to a colour image")
    return np.ascontiguousarray(image)


def decode_any(message: Any) -> Any:
    """A ``rospy.AnyMsg`` -> the Image or CompressedImage it carries.

    Raises UnsupportedImage when the publisher's type is neither.
    """
    from sensor_msgs.msg import CompressedImage, Image

    kind = message._connection_header.get("type", "")
    classes = {IMAGE_TYPE: Image, COMPRESSED_TYPE: CompressedImage}
    if kind not in classes:
        carried = kind or "an unknown type"
        raise UnsupportedImage(f"the topic carries {carried}, not {IMAGE_TYPE} or {COMPRESSED_TYPE}")
    return classes[kind]().deserialize(message._buff)


def to_image_message(image: np.ndarray, stamp: Optional[float] = None, frame_id: str = "") -> Any:
    """BGR uint8 -> ``sensor_msgs/Image`` (bgr8) with ``header.stamp`` (seconds) and ``frame_id``."""
    import rospy

    message = _bridge().cv2_to_imgmsg(np.ascontiguousarray(image), "bgr8")
    message.header.stamp = rospy.Time.from_sec(stamp) if stamp is not None else rospy.Time.now()
    message.header.frame_id = frame_id
    return message
