"""Find handwritten digits in a camera frame and normalise each the way MNIST was made.

    preprocess(frame, scaling=Scaling.UNIT) -> List[DigitCandidate]   # left to right
    find_candidates(frame) -> List[Candidate]      # every digit the detector sees, before the gate
    scale(image28, scaling) -> np.ndarray [1,1,28,28] float32

The one reading path: the brain's ``HAL.preprocess``, ``digit-classifier predict``,
``POST /api/digit`` (and so the drawing pad) and the ROS node all come through here.
How a frame becomes candidates, one small function per step:

1. :func:`to_grey` and :func:`to_working_size` give a grey working image with its
   longer side between ``WORK_MIN_SIDE`` and ``WORK_MAX_SIDE`` (a phone photo costs as
   little as a webcam frame); a drawing (:func:`with_plain_margin`) gets a margin of its
   own ground, so a digit drawn against its edge is not taken for one cut by the frame.
2. The digit detector (:mod:`exercise.detector`), a small learned network trained on
   domain-randomised scenes, marks where handwritten digits are and how big: a pen, a
   cable, a card's corner or a printed digit is not one.
3. :func:`measure_ink` finds the digit's ink in each box: its ground is a closing wider
   than any stroke (:func:`ground_contrast`), the ink is whatever stands off it, dark pen
   or chalk as the crop shows, and :func:`digit_pieces` keeps the strokes centred in the
   box, leaving out ruled lines and edges that run on past the digit.
4. :func:`digit_intensity`, :func:`normalise_stroke`, :func:`fit_into_box` and
   :func:`centre_by_mass` rebuild MNIST's recipe: white anti-aliased digit on black,
   fitted into 20x20, centre of mass at the middle of 28x28 (:func:`mnist_image`), and
   :func:`context_patch` keeps what surrounds the mark.
5. The handwriting gate (:mod:`exercise.gate`) looks at each normalised digit and its
   surroundings once more before any student's model sees it; a detection weaker than
   the detector's threshold (down to ``WEAK_DETECTION``) passes only a sure gate.
6. :func:`scale` turns the 0..255 image into the float tensor a model expects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import List, Optional, Protocol, Sequence, Tuple, TypeVar

import cv2
import numpy as np

from exercise.detector import load_detector, strongest_apart
from exercise.exceptions import ImageError
from exercise.gate import HandwritingGate, load_gate

# --- working resolution ---------------------------------------------------------------
#: Frames whose longer side is larger are shrunk to this before anything else (for speed).
WORK_MAX_SIDE = 640
#: Smaller images (an MNIST-sized crop, a thumbnail) are enlarged to this longer side, so
#: the detector and the ink measurement still have a few pixels per stroke.
WORK_MIN_SIDE = 200
#: ...but never by more than this: a 5-pixel image holds no digit worth inventing pixels for.
WORK_MAX_ENLARGE = 8.0
#: A frame is a drawing (the page's pad, a rendered image), not a camera's view, when
#: this share of its border pixels have exactly one grey level: a camera's sensor noise
#: never allows it (at most a third on generated webcam frames), a pad's paper always
#: does (over three quarters even with a digit drawn against its edge).
PLAIN_BORDER_SHARE = 0.6
#: ...and when at least this share of all its pixels are that ground: a pad is mostly paper
#: (63 % or more with a thick digit filling it; 41 % or more for a digit cropped tight to its
#: strokes), while a letterboxed video's black bars are a quarter of its frame, the rest a
#: camera's view.
PLAIN_GROUND_SHARE = 0.35
#: Such a frame is searched with a margin of its own ground around it, this fraction of
#: its longer side, so a digit written from edge to edge counts as whole, not as cut off.
PLAIN_MARGIN_FRACTION = 0.15

# --- measuring the ink in a detected box ----------------------------------------------------
#: The detector's box, grown by this fraction of its longer side, bounds the digit's ink
#: (its size is a learned estimate, a little off either way).
BOX_GROWTH = 0.2
#: The crop the ground is estimated in: the box grown by this fraction of its longer side.
CROP_GROWTH = 0.45
#: The ground is estimated with the box's longer side shrunk to this many pixels.
GROUND_SIDE = 40
#: The closing that erases the strokes to leave the ground, as a fraction of the box's
#: longer side: wider than a marker's blotted loop.
GROUND_KERNEL_FRACTION = 0.8
#: Ink must stand at least this many grey levels off its ground.
MIN_INK_CONTRAST = 8
#: An opening with this kernel removes lines one pixel wide and leaves a pen's strokes.
THIN_LINE_KERNEL = np.ones((2, 2), np.uint8)
#: The opening is used only when it keeps at least this share of the ink.
MIN_THICK_SHARE = 0.3
#: ...and only when a thin line from the box's edge reaches this fraction of its longer side.
THIN_LINE_REACH = 0.15
#: A piece of ink smaller than this fraction of the largest piece in the box is dirt.
MIN_PIECE_FRACTION = 0.04
#: ...and a piece whose centre is outside the detector's box belongs to the digit when
#: this share of its ink is inside it.
MIN_PIECE_INSIDE = 0.3
#: Pieces that run out of the grown box (ruled lines, a card's edge, a frame drawn round
#: the digit) are left out unless that would leave less than this share of the ink.
MIN_INNER_SHARE = 0.3
#: A straight line longer than this fraction of the grown box's longer side is no stroke
#: of the digit (a "1" is at most 1 / (1 + 2 * BOX_GROWTH) of it).
LONG_LINE_FRACTION = 0.85
#: How wide an erased line is drawn, in working pixels.
LINE_WIDTH = 3
#: Below this contrast (of the digit's own, 0..1) the normalised image is pure black
#: (paper grain, JPEG noise).
INK_FLOOR = 0.10

# --- MNIST's recipe -------------------------------------------------------------------
MNIST_SIDE = 28
#: A detection this weak (below the detector's own threshold) is still a digit when the
#: gate is sure of it: a digit filling a close-up scores low with the detector, which
#: learned mostly digits seen from a distance, and high with the gate, which sees it at 28x28.
WEAK_DETECTION = 0.1
SURE_HANDWRITING = 0.99
#: MNIST digits were fitted into this box, keeping their aspect ratio.
MNIST_BOX = 20
#: Where MNIST's centres of mass sit (row, column): measured on the test set, 14.0 each.
MNIST_CENTRE = (14.0, 14.0)
#: Median MNIST stroke width as a fraction of the digit's longer side (2.25 px of 20).
MNIST_STROKE_FRACTION = 0.1125
#: Strokes are thickened or thinned only when off by more than this factor.
STROKE_TOLERANCE = 1.35
#: Stroke width is measured and changed on the digit fitted into MNIST_BOX * this.
STROKE_WORK_FACTOR = 4

# --- what the handwriting gate sees around a candidate ------------------------------------
#: The context patch is a square this many times the digit's longer side, centred on it:
#: enough to show the paper around a stroke, or the wall and card around a cable.
CONTEXT_SCALE = 2.0

# --- model input scalings ---------------------------------------------------------------


class Scaling(str, enum.Enum):
    """How the 0..255 grey levels of the 28x28 image become the model's input floats.

    The value is also what a model's ONNX metadata key ``normalization`` holds.
    """

    UNIT = "unit"  # x / 255 -> [0, 1]: MNIST tutorials, the ONNX model zoo
    MNIST = "mnist"  # (x / 255 - 0.1307) / 0.3081: PyTorch's MNIST example
    SYMMETRIC = "symmetric"  # x / 127.5 - 1 -> [-1, 1]


#: The one home of the arithmetic: input = (x / 255 - offset) / divisor.
SCALING_FACTORS = {
    Scaling.UNIT: (0.0, 1.0),
    Scaling.MNIST: (0.1307, 0.3081),  # MNIST's mean and standard deviation
    Scaling.SYMMETRIC: (0.5, 0.5),
}


@dataclass(frozen=True)
class Candidate:
    """A digit the detector sees in a frame, its ink measured, before the gate looks at it."""

    #: x, y, width, height of the mark in the frame it was found in.
    box: Tuple[int, int, int, int]
    #: The mark normalised as MNIST was made: 28x28 uint8, white on black.
    image28: np.ndarray
    #: The grey surroundings, 28x28 uint8, ink always dark (see :func:`context_patch`).
    context28: np.ndarray
    #: Light strokes on a dark ground (chalk, a black pad) rather than dark ink on paper.
    light_ink: bool
    #: How sure the detector is that a handwritten digit is there, 0..1.
    score: float = 1.0
    #: Found in a drawing (the drawing pad, a rendered image: see :func:`with_plain_margin`),
    #: not a camera's view.
    drawn: bool = False


@dataclass(frozen=True)
class DigitCandidate:
    #: ``[1, 1, 28, 28]`` float32, scaled as asked: ready for the model.
    tensor: np.ndarray
    #: x, y, width, height of the digit in the frame it was found in.
    box: Tuple[int, int, int, int]
    #: The 28x28 uint8 image, white digit on black, before scaling (for GUI.showInput).
    image28: np.ndarray


Box = Tuple[int, int, int, int]


@dataclass(frozen=True)
class InkBlob:
    """One digit found in the working image, before normalisation.

    ``mask`` covers ``box`` of the working image; ``contrast`` is how far each pixel of
    the box stands off the ground towards the ink, 255 for the digit's typical stroke.
    """

    box: Box
    mask: np.ndarray
    contrast: np.ndarray
    #: Light strokes on a dark ground (chalk, a black pad) rather than dark ink on paper.
    light_ink: bool = False


# --- 1. grey working image ---------------------------------------------------------------


def to_grey(frame: np.ndarray) -> np.ndarray:
    """A BGR, BGRA or grey uint8 frame -> a 2-D uint8 grey image (never a copy of a grey one).

    Raises:
        ImageError: not a 2-D or 3-D uint8 array with 1, 3 or 4 channels.
    """
    if frame.dtype != np.uint8:
        raise ImageError(
            "frame", f"expected a uint8 image (0..255), got {frame.dtype}; use image.astype(np.uint8)"
        )
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    if frame.ndim == 3 and frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    raise ImageError("frame", f"expected a grey (H, W) or BGR (H, W, 3) image, got shape {frame.shape}")


def shrink_factor(shape: Tuple[int, ...], max_side: int = WORK_MAX_SIDE) -> float:
    """How much to shrink a frame of this shape (1.0: not at all) so its longer side fits."""
    longer = max(shape[0], shape[1])
    return min(1.0, max_side / float(longer))


def work_factor(shape: Tuple[int, ...]) -> float:
    """The scale of the working image: shrunk to WORK_MAX_SIDE, or enlarged to WORK_MIN_SIDE."""
    longer = max(shape[0], shape[1])
    return max(shrink_factor(shape), min(WORK_MIN_SIDE / float(longer), WORK_MAX_ENLARGE))


def to_working_size(image: np.ndarray, factor: float) -> np.ndarray:
    """The image scaled by ``factor``: area-averaged when shrinking, smooth when enlarging."""
    if factor <= 1.0:
        return shrink(image, factor)
    height, width = image.shape[:2]
    size = (round(width * factor), round(height * factor))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def with_plain_margin(grey: np.ndarray) -> Tuple[np.ndarray, int]:
    """A drawing or a scan (a plain border, and mostly that plain ground) with a margin of
    its own ground around it, and the margin's width in pixels; a camera's view (a
    letterboxed video's included) as it is, and 0.

    Blobs cut by the frame's edge are dropped (a sheet's edge, a finger, a digit half out
    of view); on a drawing pad the student writes from edge to edge and means it.
    """
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    counts = np.bincount(border, minlength=256)
    if counts.max() < PLAIN_BORDER_SHARE * border.size:
        return grey, 0
    ground = int(counts.argmax())
    if cv2.countNonZero(cv2.inRange(grey, ground, ground)) < PLAIN_GROUND_SHARE * grey.size:
        return grey, 0
    margin = int(round(PLAIN_MARGIN_FRACTION * max(grey.shape)))
    return cv2.copyMakeBorder(grey, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=ground), margin


def working_image(frame: np.ndarray) -> Tuple[np.ndarray, float, int]:
    """(the grey working image of a non-empty frame, its scale, its plain margin in pixels)."""
    factor = work_factor(frame.shape)
    grey, margin = with_plain_margin(to_working_size(to_grey(frame), factor))
    return grey, factor, margin


def shrink(image: np.ndarray, factor: float) -> np.ndarray:
    """The image scaled by ``factor`` (<= 1) with area averaging; itself when factor is 1."""
    if factor >= 1.0:
        return image
    height, width = image.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def uint8_percentile(values: np.ndarray, q: float, mask: Optional[np.ndarray] = None) -> float:
    """The ``q``-th percentile (0..100) of uint8 values (where ``mask``, uint8, is nonzero).

    From the histogram: OpenCV counts a 2-D image under a mask without copying it out.
    """
    if values.ndim != 2 or values.strides[1] != 1:  # OpenCV needs rows of adjacent bytes
        values = np.ascontiguousarray(values).reshape(1, -1)
    counts = cv2.calcHist([values], [0], mask, [256], [0, 256]).ravel().cumsum()
    return float(np.searchsorted(counts, q / 100.0 * (counts[-1] - 1), side="right"))


# --- 2. is the detector (exercise/detector.py); 3. the ink in a detected box ----------


def grown(box: Box, fraction: float, shape: Tuple[int, ...]) -> Box:
    """``box`` grown on every side by ``fraction`` of its longer side, clipped to ``shape``."""
    x, y, w, h = box
    pad = int(round(fraction * max(w, h)))
    left, top = max(0, x - pad), max(0, y - pad)
    right, bottom = min(shape[1], x + w + pad), min(shape[0], y + h + pad)
    return left, top, max(0, right - left), max(0, bottom - top)


def ground_contrast(crop: np.ndarray, side: int, light_ink: bool) -> np.ndarray:
    """How far each pixel of ``crop`` stands off the ground towards the ink, 0..255.

    The ground is a closing (an opening for light ink) wider than the digit's strokes,
    taken small (the digit's side at GROUND_SIDE pixels) and enlarged: fast at any size.
    """
    factor = min(1.0, GROUND_SIDE / float(max(side, 1)))
    small = shrink(crop, factor)
    kernel_side = max(3, int(GROUND_KERNEL_FRACTION * side * factor) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_side, kernel_side))
    small_ground = cv2.morphologyEx(small, cv2.MORPH_OPEN if light_ink else cv2.MORPH_CLOSE, kernel)
    ground = cv2.resize(small_ground, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.subtract(crop, ground) if light_ink else cv2.subtract(ground, crop)


def measure_ink(grey: np.ndarray, box: Box) -> Optional[InkBlob]:
    """The ink of the digit the detector sees in ``box`` of the grey working image.

    Which way the ink goes is read from the crop itself: strokes are a minority of it, so
    its median is the ground, and the ink lies on the side of the median with the longer
    tail (dark pen on paper, chalk on a board, white on a black pad).
    """
    cx, cy, cw, ch = grown(box, CROP_GROWTH, grey.shape)
    if cw < 4 or ch < 4:
        return None
    crop = grey[cy : cy + ch, cx : cx + cw]
    side = max(box[2], box[3])
    ground = uint8_percentile(crop, 50)
    light_ink = uint8_percentile(crop, 98) - ground > ground - uint8_percentile(crop, 2)
    contrast = ground_contrast(crop, side, light_ink)
    bx, by, bw, bh = grown(box, BOX_GROWTH, grey.shape)
    inner = contrast[by - cy : by - cy + bh, bx - cx : bx - cx + bw]
    if inner.size == 0:
        return None
    otsu, _ = cv2.threshold(inner, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = without_thin_lines((inner > max(otsu, MIN_INK_CONTRAST)).astype(np.uint8))
    # The detector's box in the mask's coordinates, cut to the mask (it may reach past the frame).
    left, top = max(0, box[0] - bx), max(0, box[1] - by)
    right, bottom = min(bw, box[0] + box[2] - bx), min(bh, box[1] + box[3] - by)
    if right <= left or bottom <= top:
        return None
    pieces = digit_pieces(mask, (left, top, right - left, bottom - top))
    if pieces is None:
        return None
    tx, ty, tw, th = cv2.boundingRect(pieces)
    tight = pieces[ty : ty + th, tx : tx + tw] > 0
    levels = inner[ty : ty + th, tx : tx + tw]
    full = max(uint8_percentile(levels, 90, tight.view(np.uint8)), 1.0)
    scaled = cv2.convertScaleAbs(levels, alpha=255.0 / full)
    return InkBlob((bx + tx, by + ty, tw, th), tight, scaled, light_ink)


def without_thin_lines(mask: np.ndarray) -> np.ndarray:
    """The ink ``mask`` (uint8, 0/1) without its lines one pixel wide, when it holds a
    paper's rulings or grid: thin lines that run in from the edge of the box, where a pen's
    strokes are wider.

    Left alone when no such line is there (a printed character's hairlines, the fine end of
    a stroke stay inside the box), or when the thin lines are most of the ink (a digit drawn
    that thin: the opening would leave less than MIN_THICK_SHARE of it).
    """
    thick = cv2.morphologyEx(mask, cv2.MORPH_OPEN, THIN_LINE_KERNEL)
    if cv2.countNonZero(thick) < MIN_THICK_SHARE * cv2.countNonZero(mask):
        return mask
    thin = cv2.subtract(mask, thick)
    if not (thin[0].any() or thin[-1].any() or thin[:, 0].any() or thin[:, -1].any()):
        return mask  # nothing thin runs in from the edge; and labelling is the dear part
    _, _, stats, _ = cv2.connectedComponentsWithStats(thin, connectivity=8)
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    # A ruling runs in from the edge of the box; a character's hairline stays inside it.
    from_edge = (left == 0) | (top == 0) | (left + width == mask.shape[1]) | (top + height == mask.shape[0])
    reach = np.maximum(width, height)
    ruled = bool(np.any(from_edge & (reach >= THIN_LINE_REACH * max(mask.shape))))
    return thick if ruled else mask


def digit_pieces(mask: np.ndarray, box: Box) -> Optional[np.ndarray]:
    """Of the ink ``mask`` (uint8, 0/1), the pieces that make the digit in ``box`` (mask
    coordinates), or None if there are none.

    Pieces count when centred in the box and not dirt. Pieces running out of the mask's
    edge go on past the digit (ruled lines, a card's edge, a frame drawn round it) and are
    left out; when the digit touches such a line the two are one piece, so long straight
    lines are erased first, and only if that is not enough is the piece cut to the box.
    """
    inner, centred = inner_pieces(mask, box)
    if inner is not None:
        return inner
    if centred is None:
        return None
    inner, _ = inner_pieces(cv2.bitwise_and(mask, 1 - long_lines(mask)), box)
    if inner is not None:
        return inner
    x, y, w, h = box
    clipped = np.zeros_like(mask)
    clipped[y : y + h, x : x + w] = centred[y : y + h, x : x + w]
    return clipped if clipped.any() else None


def inner_pieces(mask: np.ndarray, box: Box) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """(the centred pieces that stay inside the mask, if they hold MIN_INNER_SHARE of the
    centred ink; all centred pieces, if any), as uint8 masks."""
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return None, None
    x, y, w, h = box
    areas = stats[:, cv2.CC_STAT_AREA]
    largest = areas[1:].max()
    mx, my = centroids[:, 0], centroids[:, 1]
    inside = np.bincount(labels[y : y + h, x : x + w].ravel(), minlength=count)
    # A piece belongs to the digit when its centre is in the box, or enough of it is (the
    # detector's box is an estimate: the tail of a 5 may stick out of it).
    centred = ((x <= mx) & (mx <= x + w) & (y <= my) & (my <= y + h)) | (inside >= MIN_PIECE_INSIDE * areas)
    centred &= areas >= MIN_PIECE_FRACTION * largest
    centred[0] = False
    if not centred.any():
        return None, None
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    height, width = mask.shape
    inner = centred & (left > 0) & (top > 0) & (right < width) & (bottom < height)
    centred_mask = centred[labels].astype(np.uint8)
    if areas[inner].sum() >= MIN_INNER_SHARE * areas[centred].sum():
        return inner[labels].astype(np.uint8), centred_mask
    return None, centred_mask


def long_lines(mask: np.ndarray) -> np.ndarray:
    """The straight lines of ``mask`` (uint8, 0/1) longer than LONG_LINE_FRACTION of its
    longer side, drawn LINE_WIDTH pixels wide: longer than any stroke of the digit."""
    length = int(LONG_LINE_FRACTION * max(mask.shape))
    lines = cv2.HoughLinesP(
        mask, 1, np.pi / 180, threshold=max(8, length // 2), minLineLength=length, maxLineGap=2
    )
    drawn = np.zeros_like(mask)
    for x0, y0, x1, y1 in lines.reshape(-1, 4) if lines is not None else []:
        cv2.line(drawn, (int(x0), int(y0)), (int(x1), int(y1)), 1, LINE_WIDTH)
    return drawn


# --- 4. MNIST's recipe -------------------------------------------------------------------------


def digit_intensity(blob: InkBlob) -> np.ndarray:
    """The blob as a white-on-black uint8 image of its box, grey levels kept (anti-aliased).

    Only the blob's own ink (grown by one pixel to keep its soft edge) is kept, so a
    neighbouring digit or a speck of dirt in the box does not leak in.
    """
    around = cv2.dilate(blob.mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    floor = INK_FLOOR * 255
    gain = 255.0 / (255.0 - floor)
    image = cv2.convertScaleAbs(blob.contrast, alpha=gain, beta=-floor * gain)
    return image * around


def stroke_width(image: np.ndarray) -> float:
    """Mean stroke width in pixels of a white-on-black image: 2 * area / perimeter."""
    binary = (image >= 128).astype(np.uint8)
    area = int(cv2.countNonZero(binary))
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2.0 * area / max(perimeter, 1.0)


def fit_into_box(image: np.ndarray, side: int) -> np.ndarray:
    """The image scaled, aspect kept, so its longer side is ``side`` (area-averaged when shrinking)."""
    height, width = image.shape
    factor = side / float(max(height, width))
    size = (max(1, int(round(width * factor))), max(1, int(round(height * factor))))
    interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


def normalise_stroke(image: np.ndarray) -> np.ndarray:
    """The digit with its strokes brought towards MNIST's width (thin pen, thick marker).

    ``image`` should already be fitted into ``MNIST_BOX * STROKE_WORK_FACTOR``; strokes
    within ``STROKE_TOLERANCE`` of MNIST's median width are left alone.
    """
    target = MNIST_STROKE_FRACTION * max(image.shape)
    width = stroke_width(image)
    if width <= 0.0 or target / STROKE_TOLERANCE <= width <= target * STROKE_TOLERANCE:
        return image
    side = int(round(abs(target - width)))
    if side < 1:
        return image
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side + 1, side + 1))
    if width < target:
        return cv2.dilate(image, kernel)
    thinner = cv2.erode(image, kernel)
    # Eroding must never erase the digit: keep the original if little would be left.
    return thinner if cv2.countNonZero(thinner) * 4 > cv2.countNonZero(image) else image


def centre_by_mass(image: np.ndarray, side: int = MNIST_SIDE) -> np.ndarray:
    """The image placed in a ``side`` x ``side`` black square, its centre of mass at MNIST_CENTRE."""
    moments = cv2.moments(image)
    height, width = image.shape
    if moments["m00"] > 0:
        centre_x, centre_y = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
    else:
        centre_x, centre_y = (width - 1) / 2.0, (height - 1) / 2.0
    shift = np.array([[1, 0, MNIST_CENTRE[1] - centre_x], [0, 1, MNIST_CENTRE[0] - centre_y]], np.float32)
    return cv2.warpAffine(image, shift, (side, side), flags=cv2.INTER_LINEAR, borderValue=0)


def mnist_image(blob: InkBlob) -> np.ndarray:
    """The blob as MNIST would have it: 28x28 uint8, white digit on black."""
    intensity = digit_intensity(blob)
    work = fit_into_box(intensity, MNIST_BOX * STROKE_WORK_FACTOR)
    work = normalise_stroke(work)
    placed = centre_by_mass(fit_into_box(work, MNIST_BOX))
    return stretch_to_white(placed)


def stretch_to_white(image: np.ndarray) -> np.ndarray:
    """The image scaled so its brightest pixel is 255, as in MNIST (resampling dims peaks)."""
    brightest = int(image.max())
    if brightest in (0, 255):
        return image
    return cv2.convertScaleAbs(image, alpha=255.0 / brightest)


# --- 5. candidates and the gate ---------------------------------------------------------------


def context_patch(grey: np.ndarray, box: Box, light_ink: bool) -> np.ndarray:
    """The grey working image around ``box`` as 28x28 uint8, ink dark, levels stretched to 0..255.

    A square of ``CONTEXT_SCALE`` times the box's longer side, centred on it (the frame's
    border repeated where it runs out): what a person glances at to tell a pen stroke on
    paper from a cable on a wall, the same for any size of digit or light level.
    """
    x, y, w, h = box
    side = max(2, int(round(CONTEXT_SCALE * max(w, h))))
    left, top = int(round(x + w / 2.0 - side / 2.0)), int(round(y + h / 2.0 - side / 2.0))
    height, width = grey.shape
    inside = grey[max(0, top) : min(height, top + side), max(0, left) : min(width, left + side)]
    patch = cv2.copyMakeBorder(
        inside,
        max(0, -top),
        max(0, top + side - height),
        max(0, -left),
        max(0, left + side - width),
        cv2.BORDER_REPLICATE,
    )
    small = cv2.resize(patch, (MNIST_SIDE, MNIST_SIDE), interpolation=cv2.INTER_AREA)
    if light_ink:
        small = 255 - small
    low, high = cv2.minMaxLoc(small)[:2]
    gain = 255.0 / max(high - low, 1.0)
    return cv2.convertScaleAbs(small, alpha=gain, beta=-low * gain)


def find_candidates(frame: np.ndarray, detector_threshold: Optional[float] = None) -> List[Candidate]:
    """Every handwritten digit the detector sees in a BGR (or grey) frame of any size, its
    ink measured and normalised, left to right; :func:`preprocess` has the gate look again.

    ``detector_threshold`` defaults to the detector's own; the gate's trainer asks for a
    lower one, to learn from the near misses as well.

    Raises:
        ImageError: ``frame`` is not a uint8 grey, BGR or BGRA image.
        ModelError: the bundled digit detector is missing or broken.
    """
    if frame.size == 0:
        return []
    grey, factor, margin = working_image(frame)
    found = []
    for detection in load_detector().detect(grey, detector_threshold):
        candidate = candidate_at(grey, detection.box, factor, margin, frame.shape, detection.score)
        if candidate is not None:
            found.append(candidate)
    return sorted(found, key=lambda candidate: candidate.box[0] + candidate.box[2] / 2.0)


def candidate_at(
    grey: np.ndarray,
    box: Box,
    factor: float,
    margin: int,
    frame_shape: Tuple[int, ...],
    score: float = 1.0,
) -> Optional[Candidate]:
    """The candidate in ``box`` of the grey working image (:func:`working_image` gave it,
    with ``factor`` and ``margin``, from a frame of ``frame_shape``); None without ink there."""
    blob = measure_ink(grey, box)
    if blob is None:
        return None
    return Candidate(
        box=to_frame_box(blob.box, factor, frame_shape, margin),
        image28=mnist_image(blob),
        context28=context_patch(grey, blob.box, blob.light_ink),
        light_ink=blob.light_ink,
        score=score,
        drawn=margin > 0,
    )


def best_readings(candidates: List[Candidate], scores: List[float]) -> List[Candidate]:
    """The candidates left when, of any two that are one mark seen twice, the one with
    the lower score goes; order kept."""
    kept = strongest_apart([c.box for c in candidates], scores)
    return [candidates[i] for i in sorted(kept)]


class _Boxed(Protocol):
    @property
    def box(self) -> Tuple[int, int, int, int]: ...


BoxedT = TypeVar("BoxedT", bound=_Boxed)


def largest(found: Sequence[BoxedT]) -> Optional[BoxedT]:
    """The largest of the digits found (by box area), the one a picture is of rather than a
    smudge beside it; the leftmost of equal ones (``found`` is left to right); None if none."""
    return max(found, key=lambda digit: digit.box[2] * digit.box[3]) if found else None


def gate_threshold(candidate: Candidate, gate: HandwritingGate, strong_detection: float) -> float:
    """The gate score ``candidate`` needs to be a digit.

    In a camera's view a strong detection needs the gate's own threshold and a weak one a
    sure gate. A drawing needs one look less: the gate guards against what a room holds
    (cables, card corners, print), which a drawing does not, and a drawing's even strokes
    are what the gate finds least like a pen on paper.
    """
    strong = candidate.score >= strong_detection
    if candidate.drawn:
        return 0.0 if strong else gate.threshold
    return gate.threshold if strong else SURE_HANDWRITING


def preprocess(frame: np.ndarray, scaling: Scaling = Scaling.UNIT) -> List[DigitCandidate]:
    """The handwritten digits in a BGR (or grey) frame of any size, left to right; [] if none.

    Of the digits :func:`find_candidates` sees, only those the handwriting gate
    (:mod:`exercise.gate`) also takes for handwriting are kept: a student's model has ten
    outputs and no way to say "this is a cable". Each candidate's ``tensor`` goes straight
    into the model; its ``box`` is in the coordinates of ``frame``, for drawing.

    Raises:
        ImageError: ``frame`` is not a uint8 grey, BGR or BGRA image.
        ModelError: the bundled digit detector or handwriting gate is missing or broken.
    """
    found = find_candidates(frame, WEAK_DETECTION)
    if not found:
        return []
    gate = load_gate()
    strong = load_detector().threshold
    scores = gate.scores(np.stack([c.image28 for c in found]), np.stack([c.context28 for c in found]))
    needed = [gate_threshold(candidate, gate, strong) for candidate in found]
    handwriting = [i for i, score in enumerate(scores.tolist()) if score >= needed[i]]
    # Where two boxes found one digit, the reading that looks most like handwriting.
    kept = best_readings([found[i] for i in handwriting], [float(scores[i]) for i in handwriting])
    return [DigitCandidate(tensor=scale(c.image28, scaling), box=c.box, image28=c.image28) for c in kept]


# --- 6. model input ------------------------------------------------------------------------------


def scale(image28: np.ndarray, scaling: Scaling = Scaling.UNIT) -> np.ndarray:
    """A 28x28 uint8 image -> the ``[1, 1, 28, 28]`` float32 tensor a model expects."""
    return scale_batch(image28.reshape(1, MNIST_SIDE, MNIST_SIDE), scaling)


def scale_batch(images: np.ndarray, scaling: Scaling = Scaling.UNIT) -> np.ndarray:
    """uint8 ``(N, 28, 28)`` images (white digit on black) -> float32 ``[N, 1, 28, 28]``
    model input, scaled as :data:`SCALING_FACTORS` says."""
    offset, divisor = SCALING_FACTORS[Scaling(scaling)]
    unit = np.asarray(images, dtype=np.float32) / np.float32(255.0)
    scaled = (unit - np.float32(offset)) / np.float32(divisor)
    return np.ascontiguousarray(scaled.reshape(len(scaled), 1, *scaled.shape[1:]), dtype=np.float32)


def to_working_box(box: Box, factor: float, margin: int = 0) -> Box:
    """A box of the original frame in the working image's coordinates: the inverse of
    :func:`to_frame_box`."""
    x, y, w, h = box
    return (
        int(x * factor) + margin,
        int(y * factor) + margin,
        max(1, int(round(w * factor))),
        max(1, int(round(h * factor))),
    )


def to_frame_box(box: Box, factor: float, frame_shape: Tuple[int, ...], margin: int = 0) -> Box:
    """A working-image box in the original frame's coordinates (clipped to the frame).

    ``margin``: pixels the working image was padded with on each side (:func:`with_plain_margin`).
    """
    x, y, w, h = box
    x, y = x - margin, y - margin
    inverse = 1.0 / factor
    left, top = max(0, int(x * inverse)), max(0, int(y * inverse))
    right = min(frame_shape[1], int(np.ceil((x + w) * inverse)))
    bottom = min(frame_shape[0], int(np.ceil((y + h) * inverse)))
    return left, top, right - left, bottom - top
