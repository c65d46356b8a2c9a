"""Draw the digits found in a frame onto it: a box around each and its reading above.

Used for the annotated camera image (the hub's stream, the ROS node's output topic).
Pure drawing: the caller passes what preprocessing found and what the model read, and
gets back a new BGR image; the input frame is never written to.

    from exercise.annotate import annotate
    shown = annotate(frame, [c.box for c in candidates], digits, confidences)
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

Box = Tuple[int, int, int, int]

#: BGR box colours: a confident reading, a doubtful one, and a box with no reading.
CONFIDENT_COLOUR = (60, 200, 60)
DOUBTFUL_COLOUR = (0, 165, 255)
UNREAD_COLOUR = (200, 200, 200)
#: Readings below this probability are drawn as doubtful.
CONFIDENT_PROBABILITY = 0.8
FONT = cv2.FONT_HERSHEY_SIMPLEX
#: Line and text sizes are relative to the frame, so a phone photo and a 320x240 webcam
#: frame both get legible labels: thickness = frame height / this (at least 1).
LINE_DIVISOR = 240
#: Text height as a fraction of the frame height.
TEXT_FRACTION = 0.05


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """A new BGR uint8 copy of a grey, grey (H, W, 1), BGR or BGRA frame."""
    if frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 1):
        return cv2.cvtColor(frame.reshape(frame.shape[:2]), cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return frame.copy()


def label_text(digit: Optional[int], confidence: Optional[float]) -> str:
    """``"7 98%"``, ``"7"`` without a confidence, ``""`` without a reading."""
    if digit is None:
        return ""
    if confidence is None:
        return str(digit)
    return f"{digit} {int(round(100 * confidence))}%"


def box_colour(digit: Optional[int], confidence: Optional[float]) -> Tuple[int, int, int]:
    """The colour for a box: confident, doubtful or unread."""
    if digit is None:
        return UNREAD_COLOUR
    if confidence is not None and confidence < CONFIDENT_PROBABILITY:
        return DOUBTFUL_COLOUR
    return CONFIDENT_COLOUR


def draw_label(
    image: np.ndarray, text: str, box: Box, colour: Tuple[int, int, int], scale: float, thickness: int
) -> None:
    """Write ``text`` on a filled tab just above ``box`` (inside the frame when the box is at the top)."""
    (text_w, text_h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    x, y = box[0], box[1]
    pad = max(2, thickness)
    top = y - text_h - baseline - 2 * pad
    if top < 0:  # no room above: put the tab just inside the box
        top = y
    x = int(min(max(0, x), max(0, image.shape[1] - text_w - 2 * pad)))
    bottom = top + text_h + baseline + 2 * pad
    cv2.rectangle(image, (x, top), (x + text_w + 2 * pad, bottom), colour, cv2.FILLED)
    cv2.putText(
        image, text, (x + pad, bottom - baseline - pad), FONT, scale, (0, 0, 0), thickness, cv2.LINE_AA
    )


def annotate(
    frame: np.ndarray,
    boxes: Sequence[Box],
    digits: Optional[Sequence[Optional[int]]] = None,
    confidences: Optional[Sequence[Optional[float]]] = None,
) -> np.ndarray:
    """A BGR copy of ``frame`` with a box per digit and its reading ("7 98%") above it.

    ``boxes`` are (x, y, w, h) in the frame's coordinates (as ``DigitCandidate.box``);
    ``digits`` and ``confidences`` (probability 0..1), when given, match them one for one;
    a None digit draws the box alone. Send or publish the result; ``frame`` is unchanged.

    Raises:
        ValueError: ``digits`` or ``confidences`` is not as long as ``boxes``.
    """
    if digits is not None and len(digits) != len(boxes):
        raise ValueError(f"{len(boxes)} boxes but {len(digits)} digits")
    if confidences is not None and len(confidences) != len(boxes):
        raise ValueError(f"{len(boxes)} boxes but {len(confidences)} confidences")
    image = as_bgr(frame)
    height = image.shape[0]
    thickness = max(1, int(round(height / LINE_DIVISOR)))
    base_h = cv2.getTextSize("0", FONT, 1.0, thickness)[0][1]
    scale = max(0.35, TEXT_FRACTION * height / max(base_h, 1))
    for index, box in enumerate(boxes):
        digit = digits[index] if digits is not None else None
        confidence = confidences[index] if confidences is not None else None
        colour = box_colour(digit, confidence)
        x, y, w, h = (int(v) for v in box)
        cv2.rectangle(image, (x, y), (x + w - 1, y + h - 1), colour, thickness)
        text = label_text(digit, confidence)
        if text:
            draw_label(image, text, (x, y, w, h), colour, scale, thickness)
    return image
