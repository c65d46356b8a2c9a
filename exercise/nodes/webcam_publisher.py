"""The ``webcam_publisher`` node: any camera source -> ``image_raw`` (sensor_msgs/Image, bgr8).

Private parameters:

=============  =============  =========================================================
``~device``    /dev/video0    ``/dev/videoN``, ``N``, ``demo``, or any camera spec
                              (``file:PATH``...; see exercise.cameras)
``~width``     640            requested frame size (a webcam may pick the nearest it has)
``~height``    480
``~fps``       30.0           requested frame rate
``~frame_id``  camera         ``header.frame_id`` of every image
=============  =============  =========================================================

Publishes ``image_raw`` (relative: remap or push it into a namespace) with each frame's
capture time as ``header.stamp``, and, when the source knows which digit it shows (the
demo camera), ``~shown_digit`` (std_msgs/Int32, -1 for none): the ground truth a
student can compare the exercise's ``digit`` with.

Debian's ROS has no usb_cam/cv_camera; on Noetic ``usb_cam`` works as well (see the
``topic`` argument of launch/exercise.launch).
"""

from __future__ import annotations

from typing import Any, Optional

from exercise.cameras import CameraSource, open_camera
from exercise.exceptions import CameraError

#: How long one wait for a frame may block before checking for shutdown again.
FRAME_WAIT_S = 0.5


def camera_spec(device: str) -> str:
    """The camera spec a ``~device`` value names: ``/dev/video2`` and ``2`` -> ``webcam:...``."""
    device = str(device).strip()
    if device.isdigit() or device.startswith("/dev/"):
        return f"webcam:{device}"
    return device


def _shown_digit(camera: CameraSource) -> Optional[int]:
    """The digit the source shows (-1 for none), or None when the source cannot tell."""
    if not hasattr(camera, "current_digit"):
        return None
    digit = camera.current_digit
    return -1 if digit is None else int(digit)


def publish_frames(rospy: Any, camera: CameraSource, frame_id: str) -> None:
    """Publish every new frame of a started ``camera`` until rospy shuts down."""
    from sensor_msgs.msg import Image
    from std_msgs.msg import Int32

    from exercise.ros.images import to_image_message

    images = rospy.Publisher("image_raw", Image, queue_size=1)
    truth = rospy.Publisher("~shown_digit", Int32, queue_size=1, latch=True)
    seq = 0
    while not rospy.is_shutdown():
        frame = camera.wait_newer(seq, timeout=FRAME_WAIT_S)
        if frame is None:
            continue  # no frame yet (or the camera is reconnecting): check shutdown, wait again
        seq = frame.seq
        images.publish(to_image_message(frame.image, frame.timestamp, frame_id))
        digit = _shown_digit(camera)
        if digit is not None:
            truth.publish(Int32(digit))


def main(argv: Optional[list] = None) -> int:
    """Run the node until Ctrl-C / rosnode kill; 1 when the camera cannot be opened."""
    import rospy

    rospy.init_node("webcam_publisher", argv=argv)
    spec = camera_spec(rospy.get_param("~device", "/dev/video0"))
    width = int(rospy.get_param("~width", 640))
    height = int(rospy.get_param("~height", 480))
    fps = float(rospy.get_param("~fps", 30.0))
    frame_id = str(rospy.get_param("~frame_id", "camera"))
    try:
        camera = open_camera(spec, width=width, height=height, fps=fps)
        camera.start()
    except CameraError as error:
        rospy.logfatal(str(error))
        return 1
    rospy.loginfo("publishing %s on %s", spec, rospy.resolve_name("image_raw"))
    try:
        publish_frames(rospy, camera, frame_id)
    finally:
        camera.stop()
    return 0
