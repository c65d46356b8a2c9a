"""Every limit the exercise puts on what a student, a page or a client sends, in one place.

The server, the CLI and the brain import them from here; the page reads them from the
websocket's ``hello`` (:func:`as_message`), so the range a field accepts is the range the
server enforces. docs/protocol.md ("Limits") describes them.
"""

from __future__ import annotations

from typing import Dict, List, Union

#: The brain loop's target frequency, Hz.
MIN_HZ = 1.0
MAX_HZ = 1000.0
#: GUI results (camera views, inputs, digits) per second, each kind.
MIN_GUI_FPS = 1.0
MAX_GUI_FPS = 60.0
#: Brain code, UTF-8 bytes.
MAX_CODE_BYTES = 256 * 1024
#: An uploaded ONNX model, bytes.
MAX_MODEL_BYTES = 100 * 1000 * 1000
#: An image posted to the REST API, bytes.
MAX_IMAGE_BYTES = 10 * 1000 * 1000
#: Pixels an image may declare in its header; a 12 Mpx phone photo fits, a decompression
#: bomb does not (checked before decoding).
MAX_IMAGE_PIXELS = 40_000_000
#: Largest side of an image ``GUI.showImage`` takes: more than any camera view, and it must
#: travel to the server whole.
MAX_SHOWN_SIDE = 4096


def check_frequency(hz: float) -> float:
    """``hz`` as a float, or ValueError with a sentence when outside 1..1000."""
    value = float(hz)
    if not (MIN_HZ <= value <= MAX_HZ):  # also rejects NaN
        raise ValueError(f"frequency must be between {MIN_HZ:g} and {MAX_HZ:g} Hz, got {hz!r}")
    return value


def check_gui_rate(fps: float) -> float:
    """``fps`` as a float, or ValueError with a sentence when outside 1..60."""
    value = float(fps)
    if not (MIN_GUI_FPS <= value <= MAX_GUI_FPS):
        raise ValueError(f"GUI rate must be between {MIN_GUI_FPS:g} and {MAX_GUI_FPS:g} fps, got {fps!r}")
    return value


def as_message() -> Dict[str, Union[int, List[float]]]:
    """The limits as ``hello`` carries them to the page."""
    return {
        "frequency_hz": [MIN_HZ, MAX_HZ],
        "gui_fps": [MIN_GUI_FPS, MAX_GUI_FPS],
        "code_bytes": MAX_CODE_BYTES,
        "model_bytes": MAX_MODEL_BYTES,
        "image_bytes": MAX_IMAGE_BYTES,
        "image_pixels": MAX_IMAGE_PIXELS,
    }
