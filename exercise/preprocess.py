"""Find handwritten digits in a camera frame and normalise each the way MNIST was made.

    preprocess(frame, scaling=Scaling.UNIT) -> List[DigitCandidate]   # left to right
    find_candidates(frame) -> List[Candidate]      # every digit-shaped mark, before the gate
    scale(image28, scaling) -> np.ndarray [1,1,28,28] float32

The one reading path: the brain's ``HAL.preprocess``, ``digit-classifier predict``,
``POST /api/digit`` (and so the drawing pad) and the ROS node all come through here.
How a frame becomes candidates, one small function per step:

1. :func:`to_grey` and :func:`to_working_size` give a grey working image with its
   longer side between ``WORK_MIN_SIDE`` and ``WORK_MAX_SIDE`` (a phone photo costs as
   little as a webcam frame); a drawing (:func:`with_plain_margin`) gets a margin of its
   own ground, so a digit drawn against its edge is not taken for one cut by the frame.
2. :func:`estimate_background` takes a morphological closing at quarter resolution: it
   erases every dark mark narrower than a thick marker stroke but keeps large dark areas
   (the desk, a shadow) as they are, so those are never mistaken for ink.
3. :func:`ink_contrast` is how much darker than its own background each pixel is, as a
   fraction of that background: uneven light and grey paper cancel out. Light strokes on
   a dark ground are the same steps the other way round; both inks are searched
   everywhere, and which one a mark is written in is decided per mark (:func:`find_digits`).
4. :func:`find_sightings` keeps the connected ink blobs shaped like a handwritten digit,
   not touching the frame's edge and not standing in a crowd of their like (print);
   :func:`refine` re-measures each sharp, :func:`has_even_surround` wants it on an even
   ground.
5. :func:`digit_intensity`, :func:`normalise_stroke`, :func:`fit_into_box` and
   :func:`centre_by_mass` rebuild MNIST's recipe: white anti-aliased digit on black,
   fitted into 20x20, centre of mass at the middle of 28x28 (:func:`mnist_image`), and
   :func:`context_patch` keeps what surrounds the mark.
6. The handwriting gate (:mod:`exercise.gate`), a small learned network, keeps the marks
   that look like handwriting on a surface: a pen, a cable, a card's corner or a printed
   digit is turned away before any student's model sees it.
7. :func:`scale` turns the 0..255 image into the float tensor a model expects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from exercise.exceptions import ImageError
from exercise.gate import load_gate

# --- working resolution ---------------------------------------------------------------
#: Frames whose longer side is larger are shrunk to this before anything else (for speed).
WORK_MAX_SIDE = 640
#: Smaller images (an MNIST-sized crop, a thumbnail) are enlarged to this longer side, so
#: the detection and background images still have a few pixels per stroke.
WORK_MIN_SIDE = 200
#: ...but never by more than this: a 5-pixel image holds no digit worth inventing pixels for.
WORK_MAX_ENLARGE = 8.0
#: A frame is a drawing (the page's pad, a rendered image), not a camera's view, when
#: this share of its border pixels have exactly one grey level: a camera's sensor noise
#: never allows it (at most a third on generated webcam frames), a pad's paper always
#: does (over three quarters even with a digit drawn against its edge).
PLAIN_BORDER_SHARE = 0.6
#: Such a frame is searched with a margin of its own ground around it, this fraction of
#: its longer side, so a digit written from edge to edge counts as whole, not as cut off.
PLAIN_MARGIN_FRACTION = 0.15
#: The background is estimated at 1/BACKGROUND_SHRINK of the working resolution.
BACKGROUND_SHRINK = 4
#: Closing kernel, as a fraction of the working height: wider than the thickest marker
#: stroke of a digit filling the frame, narrower than a shadow or the desk around the sheet.
BACKGROUND_KERNEL_FRACTION = 0.22

# --- what counts as ink ---------------------------------------------------------------
#: Detection runs on the working image shrunk by this factor (4x fewer pixels); each
#: candidate found there is then re-measured sharp, at working resolution.
DETECT_SHRINK = 2
#: A pixel this much darker than its background (fraction of it) is part of a stroke.
INK_THRESHOLD = 0.22
#: The same at detection resolution, lower because thin strokes are averaged with paper.
DETECT_THRESHOLD = 0.16
#: A blob counts only if its typical (median) stroke pixel is at least this dark: pencil,
#: and blue ballpoint on a coloured card, pass; a soft shadow does not. Fainter marks that
#: pass (a thumb, wood grain) are the handwriting gate's to turn away.
INK_STRONG = 0.25
#: INK_STRONG at detection resolution (on the mean), where thin strokes look fainter.
DETECT_STRONG = 0.16
#: Below this contrast the normalised image is pure black (paper grain, JPEG noise).
INK_FLOOR = 0.10

# --- what a digit looks like ----------------------------------------------------------
#: Digit height limits, as fractions of the frame height.
MIN_HEIGHT_FRACTION = 0.04
MAX_HEIGHT_FRACTION = 0.92
#: Widest digit relative to its height (a slanted 4 or 7 under perspective).
MAX_ASPECT = 1.6
#: Ink fraction of the bounding box: below is a scribble or a frame, above is a blob.
MIN_FILL = 0.03
MAX_FILL = 0.8
#: Narrow shapes (a "1") may be solid: height/width above this lifts MAX_FILL.
NARROW_ASPECT = 2.5
#: Blobs filling more than this of their box must not be convex: ink over this fraction of
#: its convex hull is a coin, an eraser or a sticky note, not a digit.
SOLID_CHECK_FILL = 0.4
MAX_SOLIDITY = 0.93
#: Ink blobs smaller than this fraction of (min height)^2 are noise, never digit parts.
MIN_PART_AREA_FRACTION = 0.12
#: A fragment joins a digit when its centre is this close (fraction of the digit height).
MERGE_MARGIN_FRACTION = 0.18
#: Two tall pieces are one digit when they overlap in x by this fraction of the narrower.
STACK_OVERLAP = 0.5
#: The background around a digit must be even: its spread (max - min of the background
#: estimate in the padded box) may be at most this fraction of the ink contrast. Paper
#: edges, shadow edges and the desk around a sheet fail this.
MAX_BACKGROUND_SPREAD = 1.2
#: Padding around the box for that test, as a fraction of the digit height.
SURROUND_PADDING_FRACTION = 0.2
#: A mark with this many others of about its height (within CROWD_HEIGHT_RATIO) around
#: it, none overlapping it, closer than CROWD_RADIUS times its height, is a letter of
#: printed text, a key of a keyboard or a bar of a barcode: students hold up a few
#: digits, never a page of them.
CROWD_NEIGHBOURS = 6
CROWD_RADIUS = 2.0
CROWD_HEIGHT_RATIO = 0.6
#: At most this many marks per polarity are measured sharp, those standing clearest of
#: other ink first: the cost of a frame stays bounded whatever clutter is in view.
MAX_SIGHTINGS = 8
#: Pixels sampled to find the grey level most of a box has (a few thousand give the
#: median to within a grey level, at any digit size).
MINORITY_SAMPLES = 2000

# --- MNIST's recipe -------------------------------------------------------------------
MNIST_SIDE = 28
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
#: Two candidates are one mark seen twice (dark ink, and the paper between its strokes
#: as light ink) when their boxes share this fraction of the smaller one.
SAME_MARK_OVERLAP = 0.5
#: The context patch is a square this many times the digit's longer side, centred on it:
#: enough to show the paper around a stroke, or the wall and card around a cable.
CONTEXT_SCALE = 2.0

# --- model input scalings ---------------------------------------------------------------
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class Scaling(str, enum.Enum):
    """How the 0..255 grey levels of the 28x28 image become the model's input floats.

    The value is also what a model's ONNX metadata key ``normalization`` holds.
    """

    UNIT = "unit"  # x / 255 -> [0, 1]: MNIST tutorials, the ONNX model zoo
    MNIST = "mnist"  # (x / 255 - 0.1307) / 0.3081: PyTorch's MNIST example
    SYMMETRIC = "symmetric"  # x / 127.5 - 1 -> [-1, 1]


@dataclass(frozen=True)
class Candidate:
    """A digit-shaped mark found in a frame, before anything decides whether it is handwriting."""

    #: x, y, width, height of the mark in the frame it was found in.
    box: Tuple[int, int, int, int]
    #: The mark normalised as MNIST was made: 28x28 uint8, white on black.
    image28: np.ndarray
    #: The grey surroundings, 28x28 uint8, ink always dark (see :func:`context_patch`).
    context28: np.ndarray
    #: Light strokes on a dark ground (chalk, a black pad) rather than dark ink on paper.
    light_ink: bool


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

    ``mask`` covers ``box`` of the working image; ``contrast`` is the ink contrast map
    (0..255) of the polarity it was found in.
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
    """A drawing or a scan with a margin of its own ground around it, and the margin's
    width in pixels; a camera's view as it is, and 0.

    Blobs cut by the frame's edge are dropped (a sheet's edge, a finger, a digit half out
    of view); on a drawing pad the student writes from edge to edge and means it.
    """
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    counts = np.bincount(border, minlength=256)
    if counts.max() < PLAIN_BORDER_SHARE * border.size:
        return grey, 0
    margin = int(round(PLAIN_MARGIN_FRACTION * max(grey.shape)))
    ground = int(counts.argmax())
    return cv2.copyMakeBorder(grey, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=ground), margin


def shrink(image: np.ndarray, factor: float) -> np.ndarray:
    """The image scaled by ``factor`` (<= 1) with area averaging; itself when factor is 1."""
    if factor >= 1.0:
        return image
    height, width = image.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


# --- 2-3. background and ink contrast ------------------------------------------------------


def estimate_background(grey: np.ndarray, light_ink: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """What the grey image would be without ink: (full-size estimate, quarter-size estimate).

    For dark ink a closing removes dark marks narrower than the kernel (strokes) and keeps
    wider dark areas, so the desk and shadows are their own background and never become
    ink; for light ink an opening does the same the other way round.
    """
    return background_from_small(shrink_for_background(grey), grey.shape, light_ink)


def shrink_for_background(grey: np.ndarray) -> np.ndarray:
    """The grey image at 1/BACKGROUND_SHRINK, where the background is estimated."""
    height, width = grey.shape
    small_size = (max(1, width // BACKGROUND_SHRINK), max(1, height // BACKGROUND_SHRINK))
    return cv2.resize(grey, small_size, interpolation=cv2.INTER_AREA)


def background_from_small(
    small: np.ndarray, shape: Tuple[int, int], light_ink: bool
) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`estimate_background` from the already shrunk image, ``shape`` the full size."""
    side = max(3, int(round(BACKGROUND_KERNEL_FRACTION * small.shape[0])) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    operation = cv2.MORPH_OPEN if light_ink else cv2.MORPH_CLOSE
    small_background = cv2.morphologyEx(small, operation, kernel)
    background = cv2.resize(small_background, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return background, small_background


def uint8_percentile(values: np.ndarray, q: float, mask: Optional[np.ndarray] = None) -> float:
    """The ``q``-th percentile (0..100) of uint8 values (where ``mask``, uint8, is nonzero).

    From the histogram: OpenCV counts a 2-D image under a mask without copying it out.
    """
    if values.ndim != 2 or values.strides[1] != 1:  # OpenCV needs rows of adjacent bytes
        values = np.ascontiguousarray(values).reshape(1, -1)
    counts = cv2.calcHist([values], [0], mask, [256], [0, 256]).ravel().cumsum()
    return float(np.searchsorted(counts, q / 100.0 * (counts[-1] - 1), side="right"))


def ink_contrast(grey: np.ndarray, background: np.ndarray, light_ink: bool = False) -> np.ndarray:
    """How strongly each pixel stands out as ink, 0..255 for 0..100 %.

    Dark ink: how much darker than its background, as a fraction of the background.
    Light ink: how much brighter, as a fraction of the pixel itself. Both are ratios of
    reflectances, so the light level cancels out, and the lines of squared paper (a
    little darker than the paper) never make the paper between them "light ink".
    """
    if light_ink:
        brighter = cv2.subtract(grey, background)
        return cv2.divide(brighter, grey, scale=255.0)  # OpenCV gives 0 where dividing by 0
    darker = cv2.subtract(background, grey)
    return cv2.divide(darker, background, scale=255.0)


def ink_mask(contrast: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """255 where the contrast says ink, 0 elsewhere."""
    _, mask = cv2.threshold(contrast, int(threshold * 255), 255, cv2.THRESH_BINARY)
    return mask


# --- 4. candidates ---------------------------------------------------------------------------


def group_parts(stats: np.ndarray, frame_shape: Tuple[int, int]) -> List[List[int]]:
    """Connected-component labels grouped into digit proposals: each list is one proposal.

    A digit is a component at least ``MIN_HEIGHT_FRACTION`` of the frame tall; smaller
    pieces (a broken stroke, the detached bar of a 5) join the digit whose box they sit in
    or next to. Pieces too small to matter (noise, paper grain), too big to be part of a
    digit, or cut by the frame's edge (the desk, a hand) are dropped. Tall components
    stacked one above the other are proposed together (the broken halves of one digit)
    and each on its own (a digit above a pen): what comes after picks the better.
    """
    frame_h, frame_w = frame_shape
    min_height = MIN_HEIGHT_FRACTION * frame_h
    min_area = MIN_PART_AREA_FRACTION * min_height * min_height
    max_height = MAX_HEIGHT_FRACTION * frame_h
    x, y, w, h, area = stats.T[:5]
    # Most components are specks of noise: drop them all at once, then loop over the few left.
    kept = (area >= min_area) & (h <= max_height) & (x > 0) & (y > 0) & (x + w < frame_w) & (y + h < frame_h)
    kept[0] = False  # the background
    labels = np.flatnonzero(kept)
    tall = h[labels] >= min_height
    heads = labels[tall]
    pieces = labels[~tall]
    stacks = stack_heads(stats, heads, max_height)
    alone = [[int(head)] for group in stacks if len(group) > 1 for head in group]
    groups = stacks + alone
    if len(pieces) and groups:
        rows = stats.tolist()
        boxes = np.array([union_box(rows, group) for group in groups], np.float64)
        centres = stats[pieces, :2] + stats[pieces, 2:4] / 2.0
        margin = MERGE_MARGIN_FRACTION * boxes[:, 3]
        inside = (
            (centres[:, None, 0] >= boxes[None, :, 0] - margin)
            & (centres[:, None, 0] <= boxes[None, :, 0] + boxes[None, :, 2] + margin)
            & (centres[:, None, 1] >= boxes[None, :, 1] - margin)
            & (centres[:, None, 1] <= boxes[None, :, 1] + boxes[None, :, 3] + margin)
        )
        middles = boxes[:, :2] + boxes[:, 2:] / 2.0
        distance = np.abs(centres[:, None, :] - middles[None, :, :]).sum(axis=2)
        distance[~inside] = np.inf
        # A piece joins the nearest stack, and the nearest lone head, that it sits by.
        for part, choices in ((slice(0, len(stacks)), stacks), (slice(len(stacks), len(groups)), alone)):
            near = distance[:, part]
            if near.shape[1] == 0:
                continue
            best = near.argmin(axis=1)
            for piece, index, d in zip(pieces.tolist(), best.tolist(), near.min(axis=1).tolist()):
                if d < np.inf:
                    choices[index].append(piece)
    return groups


def stack_heads(stats: np.ndarray, heads: np.ndarray, max_height: float) -> List[List[int]]:
    """Tall components grouped when one sits above the other, overlapping in x: the broken
    halves of one digit. Side-by-side digits ("42") never overlap that much in x.

    Each group's first label is its tallest component. All pairs are tested at once
    (a textured wall yields a hundred tall components), then joined transitively.
    """
    order = heads[np.argsort(-stats[heads, 3], kind="stable")]
    x0, y0 = stats[order, 0], stats[order, 1]
    x1, y1 = x0 + stats[order, 2], y0 + stats[order, 3]
    overlap_x = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    gap_y = np.maximum(y0[:, None], y0[None, :]) - np.minimum(y1[:, None], y1[None, :])
    width, height = x1 - x0, y1 - y0
    stacked = (
        (overlap_x >= STACK_OVERLAP * np.minimum(width[:, None], width[None, :]))
        & (gap_y <= MERGE_MARGIN_FRACTION * np.maximum(height[:, None], height[None, :]))
        & (np.maximum(y1[:, None], y1[None, :]) - np.minimum(y0[:, None], y0[None, :]) <= max_height)
    )
    parent = list(range(len(order)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(*np.nonzero(np.triu(stacked, 1))):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the root stays the taller one
    groups: Dict[int, List[int]] = {}
    for index, label in enumerate(order.tolist()):
        groups.setdefault(root(index), []).append(label)
    return list(groups.values())


def union_box(rows: List[List[int]], labels: List[int]) -> Box:
    """Bounding box (x, y, w, h) of several components (``rows``: their statistics as lists,
    which for a handful of labels is several times faster than numpy)."""
    x0 = min(rows[i][0] for i in labels)
    y0 = min(rows[i][1] for i in labels)
    x1 = max(rows[i][0] + rows[i][2] for i in labels)
    y1 = max(rows[i][1] + rows[i][3] for i in labels)
    return x0, y0, x1 - x0, y1 - y0


def looks_like_digit(box: Box, ink_area: int, frame_shape: Tuple[int, int]) -> bool:
    """Size, position, aspect and fill tests a handwritten digit passes and clutter fails."""
    x, y, w, h = box
    frame_h, frame_w = frame_shape
    if not MIN_HEIGHT_FRACTION * frame_h <= h <= MAX_HEIGHT_FRACTION * frame_h:
        return False
    # A blob cut by the frame's edge is a paper edge, a finger, or a digit we cannot read.
    if x <= 0 or y <= 0 or x + w >= frame_w or y + h >= frame_h:
        return False
    if w > MAX_ASPECT * h:
        return False
    fill = ink_area / float(w * h)
    max_fill = 1.0 if h > NARROW_ASPECT * w else MAX_FILL
    return MIN_FILL <= fill <= max_fill


def has_even_surround(
    box: Box, contrast_median: float, small_background: np.ndarray, light_ink: bool = False
) -> bool:
    """True when the background around ``box`` is even compared with the ink's contrast.

    ``box`` is in detection-image coordinates, ``small_background`` the background
    estimate at 1/BACKGROUND_SHRINK of that, ``contrast_median`` the blob's median
    contrast (0..255). A digit sits on paper; an edge band sits between paper and desk.
    """
    x, y, w, h = box
    pad = SURROUND_PADDING_FRACTION * h
    s = BACKGROUND_SHRINK
    rows, cols = small_background.shape
    top, bottom = max(0, int((y - pad) / s)), min(rows, int((y + h + pad) / s) + 1)
    left, right = max(0, int((x - pad) / s)), min(cols, int((x + w + pad) / s) + 1)
    patch = small_background[top:bottom, left:right]
    if patch.size == 0:
        return False
    low, high = cv2.minMaxLoc(patch)[:2]
    contrast = min(contrast_median / 255.0, 0.95)
    # Grey levels between background and ink (see ink_contrast for the two ratios).
    ink_depth = (low + high) / 2.0 * (contrast / (1.0 - contrast) if light_ink else contrast)
    return (high - low) <= MAX_BACKGROUND_SPREAD * ink_depth


def is_convex_blob(mask: np.ndarray, area: int) -> bool:
    """True for a blob that nearly fills its convex hull: a coin, an eraser, a sticky note.

    Handwritten digits, even in thick marker, have holes (0, 6, 8, 9) or bays (2, 3, 5, 7).
    """
    hull = cv2.convexHull(row_ends(mask))
    # The hull runs through pixel centres: half a pixel all round is still the blob's.
    hull_area = cv2.contourArea(hull) + cv2.arcLength(hull, True) / 2.0 + 1.0
    return area > MAX_SOLIDITY * hull_area


def row_ends(mask: np.ndarray) -> np.ndarray:
    """The first and last nonzero pixel of each row of ``mask`` that has one, as points
    ``(N, 1, 2)`` int32 (x, y) for OpenCV.

    Every other pixel of a row lies between its two ends, so these points have the same
    convex hull as all of the mask's pixels, at a few per row instead of the whole blob
    (a quarter of the time, the same hull to the last bit).
    """
    ink = mask > 0
    rows = np.flatnonzero(ink.any(axis=1))
    spans = ink[rows]
    count = len(rows)
    points = np.empty((2 * count, 1, 2), np.int32)
    points[:count, 0, 0] = spans.argmax(axis=1)
    points[count:, 0, 0] = spans.shape[1] - 1 - spans[:, ::-1].argmax(axis=1)
    points[:count, 0, 1] = rows
    points[count:, 0, 1] = rows
    return points


def find_sightings(contrast: np.ndarray) -> List[Tuple[Box, np.ndarray]]:
    """Digit-shaped ink blobs in a detection-resolution contrast map: (box, mask of the box, 0/255).

    At most MAX_SIGHTINGS, those standing clear of other ink first, and none that stands
    in a crowd of its like.
    """
    mask = ink_mask(contrast, DETECT_THRESHOLD)
    # Grana's algorithm: the same labels as the default, its statistics 3x faster.
    _, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    shaped = []
    rows = stats.tolist()
    for group in group_parts(stats, mask.shape):
        box = union_box(rows, group)
        area = sum(rows[i][cv2.CC_STAT_AREA] for i in group)
        if looks_like_digit(box, area, mask.shape):
            shaped.append((box, area, group))
    boxes = np.array([box for box, _, _ in shaped], np.float64).reshape(-1, 4)
    alone = np.flatnonzero(~in_a_crowd(boxes)).tolist()
    # Marks standing clear of other ink first: a digit on paper before a piece of a
    # patterned wall, however large that is.
    clearness = {i: shaped[i][1] / max(1.0, ink_around(mask, shaped[i][0])) for i in alone}
    sightings = []
    for index in sorted(alone, key=lambda i: (-round(clearness[i], 1), -shaped[i][1])):
        box, area, group = shaped[index]
        x, y, w, h = box
        window = labels[y : y + h, x : x + w]
        sighting = cv2.compare(window, group[0], cv2.CMP_EQ)  # type: ignore[call-overload]  # scalar
        for label in group[1:]:
            sighting |= cv2.compare(window, label, cv2.CMP_EQ)  # type: ignore[call-overload]
        if area > SOLID_CHECK_FILL * w * h and h <= NARROW_ASPECT * w and is_convex_blob(sighting, area):
            continue
        # A cheap first look at the ink's strength saves re-measuring most clutter sharp.
        strength = cv2.mean(contrast[y : y + h, x : x + w], mask=sighting)[0]
        if strength >= DETECT_STRONG * 255:
            sightings.append((box, sighting))
            if len(sightings) == MAX_SIGHTINGS:
                break
    return sightings


def ink_around(mask: np.ndarray, box: Box) -> float:
    """Ink pixels in ``box`` grown by SURROUND_PADDING_FRACTION of its height on each side."""
    x, y, w, h = box
    pad = int(SURROUND_PADDING_FRACTION * h)
    return float(cv2.countNonZero(mask[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]))


def in_a_crowd(boxes: np.ndarray) -> np.ndarray:
    """For each box (N x 4: x, y, w, h), whether it stands among CROWD_NEIGHBOURS or more
    marks of about its height that do not overlap it (printed text, keys, barcodes)."""
    if len(boxes) <= CROWD_NEIGHBOURS:
        return np.zeros(len(boxes), bool)
    x0, y0, w, h = boxes.T
    x1, y1 = x0 + w, y0 + h
    cx, cy = x0 + w / 2.0, y0 + h / 2.0
    taller = np.maximum(h[:, None], h[None, :])
    alike = np.minimum(h[:, None], h[None, :]) >= CROWD_HEIGHT_RATIO * taller
    near = np.hypot(cx[:, None] - cx[None, :], cy[:, None] - cy[None, :]) <= CROWD_RADIUS * h[:, None]
    apart = (np.minimum(x1[:, None], x1[None, :]) <= np.maximum(x0[:, None], x0[None, :])) | (
        np.minimum(y1[:, None], y1[None, :]) <= np.maximum(y0[:, None], y0[None, :])
    )
    return (alike & near & apart).sum(axis=1) >= CROWD_NEIGHBOURS


@dataclass(frozen=True)
class Measured:
    """A candidate measured sharp: its blob, and the levels the acceptance tests need."""

    blob: InkBlob
    #: Median contrast of its ink, 0..255.
    contrast: float


def refine(
    grey: np.ndarray, background: np.ndarray, box: Box, sighting: np.ndarray, light_ink: bool
) -> Optional[Measured]:
    """A detection-resolution sighting re-measured in the working image.

    ``background`` is the detection-resolution background estimate. Returns None when the
    ink, seen sharp, is too faint to be writing (a thumb, a soft shadow, a smudge).
    """
    s = DETECT_SHRINK
    x, y, w, h = box
    left, top = x * s, y * s
    right, bottom = min(grey.shape[1], (x + w) * s), min(grey.shape[0], (y + h) * s)
    size = (right - left, bottom - top)
    local_background = cv2.resize(background[y : y + h, x : x + w], size, interpolation=cv2.INTER_LINEAR)
    local_grey = grey[top:bottom, left:right]
    contrast = ink_contrast(local_grey, local_background, light_ink)
    # Grown by one pixel, then enlarged: the same as enlarged, then grown by s (4x fewer pixels).
    near = cv2.dilate(sighting, np.ones((3, 3), np.uint8))
    near = cv2.resize(near, size, interpolation=cv2.INTER_NEAREST)
    mask = cv2.bitwise_and(ink_mask(contrast), near)
    if cv2.countNonZero(mask) == 0:
        return None
    tx, ty, tw, th = cv2.boundingRect(mask)
    tight = mask[ty : ty + th, tx : tx + tw]
    contrast = contrast[ty : ty + th, tx : tx + tw]
    median = uint8_percentile(contrast, 50, tight)
    ink = tight > 0
    if median < INK_STRONG * 255:
        return None
    return Measured(InkBlob((left + tx, top + ty, tw, th), ink, contrast, light_ink), median)


def ink_is_minority(detect: np.ndarray, background: np.ndarray, box: Box, sighting: np.ndarray) -> bool:
    """True when most of the padded box has the background's grey, not the ink's.

    Writing covers a minority of the paper around it. This tells dark writing on paper
    from the paper between two dark digits, which the light-ink search also sees as a
    bright blob on a "dark" background, and the other way round on a blackboard.
    All at detection resolution: ``background`` is that polarity's estimate.
    """
    x, y, w, h = box
    ink_grey = cv2.mean(detect[y : y + h, x : x + w], mask=sighting)[0]
    paper_grey = cv2.mean(background[y : y + h, x : x + w], mask=sighting)[0]
    median = box_median(detect, box, SURROUND_PADDING_FRACTION)
    return abs(median - paper_grey) < abs(median - ink_grey)


def box_median(grey: np.ndarray, box: Box, padding: float = 0.0) -> float:
    """The grey level most of the box (grown by ``padding`` x its height) has, sampled."""
    x, y, w, h = box
    pad = int(padding * h)
    patch = grey[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]
    step = max(1, int(np.sqrt(patch.size / MINORITY_SAMPLES)))
    return uint8_percentile(patch[::step, ::step], 50)


# --- 5. MNIST's recipe -------------------------------------------------------------------------


def digit_intensity(blob: InkBlob) -> np.ndarray:
    """The blob as a white-on-black uint8 image of its box, grey levels kept (anti-aliased).

    Only the blob's own ink (grown by one pixel to keep its soft edge) is kept, so a
    neighbouring digit or a speck of dirt in the box does not leak in.
    """
    grown = cv2.dilate(blob.mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    full = max(uint8_percentile(blob.contrast, 90, blob.mask.view(np.uint8)), INK_STRONG * 255)
    floor = INK_FLOOR * 255
    gain = 255.0 / max(full - floor, 1.0)
    image = cv2.convertScaleAbs(blob.contrast, alpha=gain, beta=-floor * gain)
    return image * grown


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


# --- 6. model input ------------------------------------------------------------------------------


def scale(image28: np.ndarray, scaling: Scaling = Scaling.UNIT) -> np.ndarray:
    """A 28x28 uint8 image -> the ``[1, 1, 28, 28]`` float32 tensor a model expects."""
    unit = image28.astype(np.float32).reshape(1, 1, MNIST_SIDE, MNIST_SIDE) / np.float32(255.0)
    scaling = Scaling(scaling)
    if scaling is Scaling.MNIST:
        return (unit - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)
    if scaling is Scaling.SYMMETRIC:
        return unit * np.float32(2.0) - np.float32(1.0)
    return unit


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


def find_digits(grey: np.ndarray) -> List[InkBlob]:
    """Digit blobs of both polarities in a grey working image, left to right.

    Dark ink on paper and light strokes on a dark ground (chalk, a black pad) are both
    searched everywhere, so one frame may hold both; where the two searches see the same
    place (the paper between two dark strokes also looks like a light stroke), the caller
    decides per candidate which reading the evidence supports (:func:`preprocess`).
    """
    height, width = grey.shape
    if min(height, width) < 4 * DETECT_SHRINK * BACKGROUND_SHRINK:
        return []
    size = (width // DETECT_SHRINK, height // DETECT_SHRINK)
    detect = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    small = shrink_for_background(detect)
    blobs = find_polarity(grey, detect, small, light_ink=False)
    blobs += find_polarity(grey, detect, small, light_ink=True)
    return sorted(blobs, key=lambda blob: blob.box[0] + blob.box[2] / 2.0)


def find_polarity(grey: np.ndarray, detect: np.ndarray, small: np.ndarray, light_ink: bool) -> List[InkBlob]:
    """Digit blobs of one ink polarity, in no particular order.

    ``grey`` is the working image, ``detect`` it at 1/DETECT_SHRINK and ``small`` that at
    1/BACKGROUND_SHRINK (see :func:`shrink_for_background`).
    """
    background, small_background = background_from_small(small, detect.shape, light_ink)
    blobs = []
    for box, sighting in find_sightings(ink_contrast(detect, background, light_ink)):
        if not ink_is_minority(detect, background, box, sighting):
            continue
        measured = refine(grey, background, box, sighting, light_ink)
        if measured is not None and has_even_surround(box, measured.contrast, small_background, light_ink):
            blobs.append(measured.blob)
    return blobs


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


def find_candidates(frame: np.ndarray) -> List[Candidate]:
    """Every digit-shaped mark in a BGR (or grey) frame of any size, left to right.

    Shape and contrast tests only: a straight pen, a printed digit or a card corner may
    still be among them. :func:`preprocess` keeps those that look like handwriting.

    Raises:
        ImageError: ``frame`` is not a uint8 grey, BGR or BGRA image.
    """
    if frame.size == 0:
        return []
    factor = work_factor(frame.shape)
    grey = to_working_size(to_grey(frame), factor)
    grey, margin = with_plain_margin(grey)
    return [
        Candidate(
            box=to_frame_box(blob.box, factor, frame.shape, margin),
            image28=mnist_image(blob),
            context28=context_patch(grey, blob.box, blob.light_ink),
            light_ink=blob.light_ink,
        )
        for blob in find_digits(grey)
    ]


def box_overlap(a: Box, b: Box) -> float:
    """The area two boxes share, as a fraction of the smaller box."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / float(max(1, min(a[2] * a[3], b[2] * b[3])))


def best_readings(candidates: List[Candidate], scores: List[float]) -> List[Candidate]:
    """The candidates left when, of any two that are one mark seen twice, the one with
    the lower score goes; order kept."""
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    kept: List[int] = []
    for index in order:
        if all(box_overlap(candidates[index].box, candidates[k].box) < SAME_MARK_OVERLAP for k in kept):
            kept.append(index)
    return [candidates[i] for i in sorted(kept)]


def preprocess(frame: np.ndarray, scaling: Scaling = Scaling.UNIT) -> List[DigitCandidate]:
    """The handwritten digits in a BGR (or grey) frame of any size, left to right; [] if none.

    Of the digit-shaped marks :func:`find_candidates` sees, only those the handwriting gate
    (:mod:`exercise.gate`) takes for handwriting are kept: a student's model has ten
    outputs and no way to say "this is a cable". Each candidate's ``tensor`` goes straight
    into the model; its ``box`` is in the coordinates of ``frame``, for drawing.

    Raises:
        ImageError: ``frame`` is not a uint8 grey, BGR or BGRA image.
        ModelError: the bundled handwriting gate is missing or broken.
    """
    found = find_candidates(frame)
    if not found:
        return []
    gate = load_gate()
    scores = gate.scores(np.stack([c.image28 for c in found]), np.stack([c.context28 for c in found]))
    handwriting = [i for i, score in enumerate(scores.tolist()) if score >= gate.threshold]
    # Where one mark reads two ways (dark ink, or the paper between its strokes as light
    # ink; a stack of two marks, or each alone), the reading that looks most like handwriting.
    kept = best_readings([found[i] for i in handwriting], [float(scores[i]) for i in handwriting])
    return [DigitCandidate(tensor=scale(c.image28, scaling), box=c.box, image28=c.image28) for c in kept]
