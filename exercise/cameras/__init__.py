"""Camera sources behind one interface, opened from a spec string.

Specs:

=========================  =====================================================
``demo``                   the built-in synthetic webcam scene (exercise.cameras.demo)
``webcam``, ``webcam:N``,  an OpenCV capture device (exercise.cameras.webcam)
``webcam:/dev/videoN``
``file:PATH``              a video file, one image or a folder of images, looping
``reel:DIR``               a test reel (docs/reels.md), looping, with its labels
``browser``                JPEG frames pushed by the page over the websocket
``ros:TOPIC``              a ``sensor_msgs/Image`` or ``CompressedImage`` topic
``auto``                   the first webcam that opens, else ``demo``
=========================  =====================================================

Consumers call :func:`open_camera` and use only :class:`CameraSource`; adding a kind of
source means adding a module and one line to ``_FACTORIES``.
"""

from __future__ import annotations

import importlib
from typing import Dict, Optional, Tuple

from exercise.cameras.base import CameraSource, CameraState, CameraStatus, Frame, LatestFrameBuffer
from exercise.exceptions import CameraError

__all__ = [
    "CameraSource",
    "CameraState",
    "CameraStatus",
    "Frame",
    "LatestFrameBuffer",
    "open_camera",
    "split_spec",
]

#: kind -> "module:factory". Each factory takes (spec, argument, options) and returns an
#: unstarted CameraSource. Imported lazily so that ``ros`` needs rospy only when used.
#: What ``--camera`` accepts, for the commands' help.
SPEC_HELP = (
    "demo, webcam[:N], file:PATH, reel:DIR, ros:TOPIC or auto (default: auto, the first webcam else demo)"
)

_FACTORIES: Dict[str, str] = {
    "demo": "exercise.cameras.demo:create",
    "webcam": "exercise.cameras.webcam:create",
    "file": "exercise.cameras.files:create",
    "reel": "exercise.cameras.reel:create",
    "browser": "exercise.cameras.browser:create",
    "ros": "exercise.cameras.ros:create",
    "auto": "exercise.cameras.webcam:create_auto",
}


def split_spec(spec: str) -> Tuple[str, str]:
    """``"webcam:/dev/video2"`` -> ``("webcam", "/dev/video2")``; ``"demo"`` -> ``("demo", "")``."""
    kind, _, argument = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in _FACTORIES:
        known = ", ".join(sorted(_FACTORIES))
        raise CameraError(spec, f"unknown camera kind {kind!r}; expected one of: {known}")
    return kind, argument


def open_camera(
    spec: str,
    *,
    width: Optional[int] = None,
    height: Optional[int] = None,
    fps: Optional[float] = None,
) -> CameraSource:
    """Create the source a spec names, not yet started: call ``start()`` (or use ``with``).

    Raises:
        CameraError: the spec names no known kind of source.
    """
    kind, argument = split_spec(spec)
    module_name, _, factory_name = _FACTORIES[kind].partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    options = {"width": width, "height": height, "fps": fps}
    source: CameraSource = factory(spec, argument, options)
    return source
