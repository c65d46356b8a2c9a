"""The digit detector: where in a grey image are handwritten digits?

A small fully convolutional network looks at the whole working image at once, at
INPUT_SIZE, and marks the centre and size of every handwritten digit it sees. Trained on
domain-randomised scenes (:mod:`exercise.training.scenes`, the held-out room never), it
tells a pen stroke on paper from a cable on a wall, a printed 7 from a written one and a
pencil digit from a shadow by what it learned, not by thresholds tuned here.
:mod:`exercise.preprocess` then measures each digit's ink inside the box it is given.

What it offers::

    load_detector(path=None) -> DigitDetector       # cached: one session per file per process
    DigitDetector.detect(grey) -> List[Detection]     # best first, boxes in grey's coordinates
    DigitDetector.threshold                           # from the model's metadata

The model, ``exercise/assets/digit_detector.onnx``, is made by ``digit-classifier
train-detector`` (docs/detector-card.md): input ``input`` float32 ``[1,1,H,W]`` (grey / 255,
sides multiples of 16; 240 x 320 and 128 x 160 here), output ``output``
``[1,5,H/8,W/8]``: per cell of STRIDE pixels, the logit of "a
digit's centre is here", the centre's offset in the cell (two logits), and the digit's
width and height as log multiples of STRIDE. The score threshold travels with the weights
in the ONNX metadata key ``threshold``, chosen for them.

Runtime only (numpy, OpenCV and onnxruntime, Python 3.8).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import onnxruntime as ort

from exercise.exceptions import ModelFormatError, ModelShapeError
from exercise.sessions import THRESHOLD_KEY, BundledNetwork, open_bundled

__all__ = [
    "DETECTOR_PATH",
    "THRESHOLD_KEY",
    "Detection",
    "DigitDetector",
    "decode",
    "load_detector",
    "strongest_apart",
    "to_input",
]

#: The bundled detector, produced by ``digit-classifier train-detector --install``.
DETECTOR_PATH = Path(__file__).resolve().parent / "assets" / "digit_detector.onnx"
#: Width and height of the detector's input: a 640x480 frame at half size.
INPUT_SIZE = (320, 240)
#: The sizes the image is looked at, each fitted into it: whole, for digits up to about
#: a third of its height, and at half size, where a digit filling the view looks like
#: one held at arm's length (a quarter of the cost). The network halves its input four
#: times, so both sides are multiples of 16.
SCALES = (INPUT_SIZE, (160, 128))
#: Two boxes sharing this fraction of the smaller one or more are one digit seen twice.
SAME_DIGIT_OVERLAP = 0.5
#: Input pixels per output cell.
STRIDE = 8
#: Output channels: centre logit, x and y offset logits, log width and log height.
OUTPUTS = 5
#: A detector is a few hundred kB; anything far larger is not one of ours.
MAX_DETECTOR_BYTES = 10 * 1000 * 1000
NETWORK = BundledNetwork(
    "digit detector",
    MAX_DETECTOR_BYTES,
    "make detector-model",
    "digit-classifier train-detector",
    "docs/detector-card.md",
)
#: Largest log size accepted from the network (e^5 x STRIDE is beyond any input).
MAX_LOG_SIZE = 5.0

Box = Tuple[int, int, int, int]


@dataclass(frozen=True)
class Detection:
    """A handwritten digit the detector sees."""

    #: x, y, width, height in the coordinates of the image given to :meth:`DigitDetector.detect`.
    box: Box
    #: How sure the detector is, 0..1.
    score: float


def fit_factor(shape: Tuple[int, ...], size: Tuple[int, int] = INPUT_SIZE) -> float:
    """The scale that fits an image of ``shape`` into ``size`` (width, height), aspect kept."""
    width, height = size
    return min(width / float(shape[1]), height / float(shape[0]))


def fitted(grey: np.ndarray, size: Tuple[int, int] = INPUT_SIZE) -> Tuple[np.ndarray, float]:
    """A grey uint8 image fitted into ``size`` (width, height), aspect kept, and the scale used.

    The rest is filled by repeating the image's right and bottom edges, which looks like
    more of the same ground, not a new edge.
    """
    factor = fit_factor(grey.shape, size)
    width, height = size
    inner = (
        min(width, max(1, round(grey.shape[1] * factor))),
        min(height, max(1, round(grey.shape[0] * factor))),
    )
    interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_LINEAR
    image = cv2.resize(grey, inner, interpolation=interpolation)
    return cv2.copyMakeBorder(image, 0, height - inner[1], 0, width - inner[0], cv2.BORDER_REPLICATE), factor


def to_input(grey: np.ndarray, size: Tuple[int, int] = INPUT_SIZE) -> Tuple[np.ndarray, float]:
    """A grey uint8 image as the detector's ``[1,1,height,width]`` input of ``size``
    (:func:`fitted`, / 255), and the scale used."""
    image, factor = fitted(grey, size)
    return (image.astype(np.float32) * np.float32(1.0 / 255.0))[None, None], factor


def decode(output: np.ndarray, threshold: float, factor: float = 1.0) -> List[Detection]:
    """The detections in one ``[5, H, W]`` output: the cells whose score is at least
    ``threshold`` and the highest of their 3x3 neighbourhood, best first, boxes divided by
    ``factor`` (the input's scale)."""
    scores = 1.0 / (1.0 + np.exp(-output[0]))
    peaks = (scores >= threshold) & (scores >= cv2.dilate(scores, np.ones((3, 3), np.uint8)))
    rows, columns = np.nonzero(peaks)
    offsets = 1.0 / (1.0 + np.exp(-output[1:3, rows, columns]))
    sizes = np.exp(np.clip(output[3:5, rows, columns], -MAX_LOG_SIZE, MAX_LOG_SIZE)) * (STRIDE / factor)
    centres_x = (columns + offsets[0]) * (STRIDE / factor)
    centres_y = (rows + offsets[1]) * (STRIDE / factor)
    found = [
        Detection(
            (
                int(round(cx - w / 2.0)),
                int(round(cy - h / 2.0)),
                max(1, int(round(w))),
                max(1, int(round(h))),
            ),
            float(score),
        )
        for cx, cy, w, h, score in zip(
            centres_x.tolist(),
            centres_y.tolist(),
            sizes[0].tolist(),
            sizes[1].tolist(),
            scores[rows, columns].tolist(),
        )
    ]
    return sorted(found, key=lambda detection: -detection.score)


def overlap(a: Box, b: Box) -> float:
    """The area two boxes share, as a fraction of the smaller box."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / float(max(1, min(a[2] * a[3], b[2] * b[3])))


def strongest_apart(boxes: Sequence[Box], scores: Sequence[float]) -> List[int]:
    """Indices of the boxes left, best first, when of any two that are one digit (sharing
    SAME_DIGIT_OVERLAP or more of the smaller box) the one with the lower score goes."""
    kept: List[int] = []
    for index in sorted(range(len(boxes)), key=lambda i: -scores[i]):
        if all(overlap(boxes[index], boxes[k]) < SAME_DIGIT_OVERLAP for k in kept):
            kept.append(index)
    return kept


def distinct(detections: List[Detection]) -> List[Detection]:
    """The detections left when, of any two that are one digit, the lower score goes; best first."""
    kept = strongest_apart([d.box for d in detections], [d.score for d in detections])
    return [detections[i] for i in kept]


class DigitDetector:
    """A loaded, checked detector. Get one from :meth:`load` or :func:`load_detector`.

    ``detect`` may be called from several threads at once: onnxruntime sessions are safe
    for concurrent ``run`` calls and the detector keeps no other mutable state.
    """

    def __init__(self, session: ort.InferenceSession, threshold: float, source: str) -> None:
        # Private: use DigitDetector.load, which checks the session first.
        self._session = session
        self._input = session.get_inputs()[0].name
        #: Detections scoring at least this are digits (from the model's metadata).
        self.threshold = threshold
        #: Where the detector was loaded from, for messages.
        self.source = source

    @classmethod
    def load(cls, path: Union[str, Path] = DETECTOR_PATH) -> DigitDetector:
        """Read and check a detector file: input ``[1,1,240,320]``, output ``[1,5,30,40]``,
        a ``threshold`` in its metadata.

        Raises:
            ModelError: the file is missing or unreadable (``make detector-model`` makes it).
            ModelFormatError: not an ONNX model onnxruntime can run, or no usable threshold.
            ModelShapeError: input or output not those of a detector.
        """
        path = Path(path)
        session, threshold = open_bundled(path, NETWORK)
        detector = cls(session, threshold, str(path))
        detector._probe(path.name)
        return detector

    def raw(self, grey: np.ndarray, size: Tuple[int, int] = INPUT_SIZE) -> Tuple[np.ndarray, float]:
        """The network's ``[5, rows, columns]`` output for a grey uint8 image fitted into
        ``size``, and the scale it was fitted at."""
        batch, factor = to_input(grey, size)
        (output,) = self._session.run(None, {self._input: batch})
        return np.asarray(output, dtype=np.float32)[0], factor

    def detect(self, grey: np.ndarray, threshold: Optional[float] = None) -> List[Detection]:
        """The handwritten digits in a grey uint8 image of any size, best first, looked
        for at every one of SCALES.

        ``threshold`` defaults to the detector's own.
        """
        limit = self.threshold if threshold is None else threshold
        found: List[Detection] = []
        for size in SCALES:
            output, factor = self.raw(grey, size)
            found += decode(output, limit, factor)
        return distinct(found)

    def _probe(self, label: str) -> None:
        """One run on a blank image of each of SCALES: the output must be finite and of
        the detector's shape."""
        for width, height in SCALES:
            try:
                (output,) = self._session.run(
                    None, {self._input: np.zeros((1, 1, height, width), np.float32)}
                )
            except Exception as exc:  # onnxruntime's own Exception subclasses
                raise ModelShapeError(
                    f"onnxruntime failed to run it on a [1,1,{height},{width}] image: {exc}; a detector "
                    "takes grey images of any size",
                    source=label,
                ) from exc
            values = np.asarray(output)
            expected = (1, OUTPUTS, height // STRIDE, width // STRIDE)
            if values.shape != expected:
                raise ModelShapeError(
                    f"gives an output of shape {list(values.shape)} for a [1,1,{height},{width}] image, "
                    f"expected {list(expected)}",
                    source=label,
                )
            if not np.all(np.isfinite(values)):
                raise ModelFormatError("its output on a blank image is not finite", source=label)

    def __repr__(self) -> str:
        return f"DigitDetector({self.source!r}, threshold={self.threshold:.4f})"


# --- the process-wide detector -------------------------------------------------------------------

_loaded: Dict[Path, DigitDetector] = {}
_BUNDLED = DETECTOR_PATH.resolve()
_lock = threading.Lock()


def load_detector(path: Optional[Union[str, Path]] = None) -> DigitDetector:
    """The detector at ``path`` (default: the bundled one), loaded on first use and then cached.

    Raises:
        ModelError: see :meth:`DigitDetector.load` (a failed load is not cached).
    """
    # The bundled file is looked up without touching the disk: this runs on every frame.
    key = _BUNDLED if path is None else Path(path).resolve()
    with _lock:
        detector = _loaded.get(key)
        if detector is None:
            detector = _loaded[key] = DigitDetector.load(key)
        return detector
