"""Train the handwriting gate (exercise/gate.py), in the shape of pytorch/examples ``mnist/main.py``.

A student's model has ten outputs and reads anything it is given as a digit, so a
candidate must look like handwriting before it gets there. This script builds the gate
that decides, from what :func:`exercise.preprocess.find_candidates` really produces:

1. **Mining**: frames go through the live ``find_candidates`` and every candidate is
   labelled by the frame's truth: a digit when its box overlaps a written digit's box
   (IoU >= 0.3), a non-digit otherwise. The frames are the scene families of
   :mod:`exercise.training.scenes` written with MNIST *train* digits, the same frames with
   non-digits drawn into them (lines, corners, blobs, textures, printed characters,
   faces, fingers, handwritten letters), and plain grounds (paper, wall, desk, board,
   fabric) with those non-digits and handwritten MNIST digits side by side, so neither
   the ground nor the scene generator tells the two apart: only the mark and its
   surroundings do. Beside the detector's proposals, marks are picked on purpose (each
   drawn non-digit, its pieces and parts, places in each scene away from its digits) and
   labelled the same way; epoch and threshold are chosen on the proposals alone.
   ``scenes.HELD_OUT`` is never mined for training or for the threshold.
2. **Training**: a tiny network (:class:`GateNet`) on the candidates' ``image28`` and
   ``context28``, binary cross-entropy with the classes balanced; the epoch that rejects
   the most validation non-digits at the operating point is kept.
3. **Export and threshold**: ONNX with the sigmoid inside and float16 weights; the
   threshold is the highest of its scores that still lets ``KEEP_TARGET`` of the
   validation digits through (validation: other seeds of the same families and drawings,
   MNIST train digits no training frame uses). It goes into the file's metadata with the
   command and date; the file is checked by loading it with
   :class:`exercise.gate.HandwritingGate`, and timed.
5. **Report**: per family, digits kept % and non-digits rejected %; the held-out family
   (MNIST *test* digits) is printed apart and used for nothing.

``digit-classifier train-gate`` and ``python -m exercise.training.gate`` both end up in
:func:`main`. Output directory (``--out``)::

    candidates.npz        the mined candidates, reused while the finder, scenes and settings
                          are unchanged (``--rebuild`` mines again)
    gate.pt               the network's weights, threshold and arguments
    handwriting_gate.onnx the exported gate (``--install`` copies it into exercise/assets)
    table.md              the per-family table printed at the end
    run.json              arguments, figures, timings
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from exercise.exceptions import UsageError
from exercise.gate import GATE_PATH, THRESHOLD_KEY, HandwritingGate
from exercise.preprocess import (
    WEAK_DETECTION,
    Candidate,
    candidate_at,
    find_candidates,
    to_working_box,
    working_image,
)
from exercise.training import nondigits, provenance, scenes
from exercise.training.detector import pad_drawing
from exercise.training.export import export_graph
from exercise.training.scoring import MATCH_IOU, iou, on_partial, threshold_keeping

# --- settings ---------------------------------------------------------------------------------
#: Share of validation digits the threshold must let through. The gate is the second look,
#: after the detector: at 98 % it turns away four in five of the non-digits the detector
#: lets through, at 99.5 % barely half, for a point of digits (docs/gate-card.md).
KEEP_TARGET = 0.98
#: Scene seeds of each split: training, validation and the held-out report share no frame,
#: and none is a benchmark's (they use seeds 0 and 1).
SPLIT_SEEDS = {"train": 1000, "val": 2000, "held_out": 3000}
#: MNIST train digits reserved for validation scenes (never written in a training scene).
VAL_DIGITS = 5000
#: Validation (and the held-out report) mine this fraction of the training frames.
VAL_FRACTION = 0.5
#: Non-digits drawn into frames (exercise/training/nondigits.py); each is a row of the table.
KINDS = tuple(nondigits.DRAWERS)
DRAWN = "drawn "
#: The page's drawing pad (and any plain drawing posted to the REST API): handwriting too,
#: though its strokes are as even as print. The detector learnt them; the gate must as well.
PADS = "pad drawings"
#: A candidate of a frame with non-digits drawn in that the plain frame already had.
SAME_BOX_IOU = 0.9
#: Bump when the mining below changes what it produces, so old caches are mined again.
MINING_VERSION = 6
#: Beside what the detector proposes, the gate is shown marks picked on purpose: parts of
#: every non-digit drawn into a frame, and places in every scene away from its digits.
#: The detector proposes few non-digits, and only of kinds its own training met; a gate
#: that knows only those takes a mark the detector never proposed in training for a digit.
PARTS_PER_OBJECT = 3
PLACES_PER_SCENE = 3
#: Sides of those parts and places: a share of the object's longer side, of the frame's height.
PART_SIDE = (0.2, 0.8)
PLACE_SIDE = (0.05, 0.35)
#: Mining takes what the detector finds down to the weakest detection the live pipeline
#: offers the gate (below the detector's own threshold when the gate is sure): the gate
#: judges all of those, and the near misses are the non-digits most like what it meets live.
MINING_DETECTOR_THRESHOLD = WEAK_DETECTION
#: The side of the network's two input images (exercise/gate.py's contract).
SIDE = 28
#: Options every file's ``command`` metadata names, default or not.
ALWAYS_RECORDED = ("out", "frames", "epochs", "seed", "data")

Box = Tuple[int, int, int, int]
Rng = np.random.Generator


# --- scenes --------------------------------------------------------------------------------------


@dataclass
class Frame:
    """A frame and its truth: what mining needs of a scene (``scenes.SceneFrame``) or a drawing."""

    image: np.ndarray
    #: The digits a person could read (targets).
    boxes: List[Box]
    family: str
    #: Digits cut by the frame's edge or covered: a candidate there is neither a digit nor
    #: a non-digit, so it is left out (as the scenes' scorers do).
    partial: List[Box] = field(default_factory=list)


def scene_frames(
    family: str, count: int, seed: int, digits: Tuple[np.ndarray, np.ndarray]
) -> Iterator[Frame]:
    """``count`` frames of a scene family, written with ``digits`` (images, labels)."""
    for frame in scenes.generate(family, count, seed=seed, digits=digits):
        yield Frame(frame.image, list(frame.boxes), family, list(frame.partial))


# --- non-digits drawn into frames -------------------------------------------------------------


def drawn_frame(rng: Rng, kind: str, digits: np.ndarray) -> Tuple[Frame, List[Box]]:
    """A plain ground with a few ``kind`` non-digits and, half the time, handwritten digits;
    the non-digits' boxes."""
    image, boxes, objects = nondigits.drawn_frame(rng, kind, digits)
    return Frame(image, boxes, DRAWN + kind), objects


def drawn_into(rng: Rng, frame: Frame, kind: str) -> Tuple[Frame, List[Box]]:
    """A scene frame with a few ``kind`` non-digits drawn into it, clear of its digits; their boxes."""
    image, objects = nondigits.drawn_into(rng, frame.image, kind, [*frame.boxes, *frame.partial])
    return Frame(image, frame.boxes, DRAWN + kind, frame.partial), objects


# --- mining ------------------------------------------------------------------------------------------


@dataclass
class Mined:
    """Candidates of one split: the gate's inputs, whether each is a written digit, where from."""

    images: np.ndarray  # (N, 28, 28) uint8
    contexts: np.ndarray  # (N, 28, 28) uint8
    digit: np.ndarray  # (N,) bool
    source: np.ndarray  # (N,) int: index into sources
    frames: Dict[str, int]  # frames mined per source
    #: (N,) bool: the detector proposed it (rather than a part or place picked on purpose).
    #: The epoch and the figures are chosen on these alone: they are what the gate meets live.
    proposed: np.ndarray

    def __len__(self) -> int:
        return len(self.digit)

    def only_proposed(self) -> Mined:
        keep = self.proposed
        return Mined(
            self.images[keep],
            self.contexts[keep],
            self.digit[keep],
            self.source[keep],
            self.frames,
            keep[keep],
        )


class Miner:
    """Collects labelled candidates frame by frame."""

    def __init__(self, sources: List[str]) -> None:
        self.sources = sources
        self.images: List[np.ndarray] = []
        self.contexts: List[np.ndarray] = []
        self.digit: List[bool] = []
        self.source: List[int] = []
        self.proposed: List[bool] = []
        self.frames: Dict[str, int] = {}

    def add(self, frame: Frame, skip: Sequence[Candidate] = (), looks: Sequence[Box] = ()) -> List[Candidate]:
        """Label the candidates the finder returns on ``frame`` and the marks in ``looks``
        (boxes of the frame picked on purpose); those in the same place as one of ``skip``
        (the plain frame's, already counted) are left out. Returns the finder's."""
        found = find_candidates(frame.image, MINING_DETECTOR_THRESHOLD)
        self.frames[frame.family] = self.frames.get(frame.family, 0) + 1
        for candidate in found:
            if not any(iou(candidate.box, other.box) >= SAME_BOX_IOU for other in skip):
                self._label(frame, candidate, proposed=True)
        if looks:
            grey, factor, margin = working_image(frame.image)
            for box in looks:
                work_box = to_working_box(box, factor, margin)
                looked = candidate_at(grey, work_box, factor, margin, frame.image.shape)
                if looked is not None:
                    self._label(frame, looked, proposed=False)
        return found

    def _label(self, frame: Frame, candidate: Candidate, proposed: bool) -> None:
        if any(on_partial(candidate.box, box) for box in frame.partial):
            return
        self.images.append(candidate.image28)
        self.contexts.append(candidate.context28)
        self.digit.append(any(iou(candidate.box, box) >= MATCH_IOU for box in frame.boxes))
        self.source.append(self.sources.index(frame.family))
        self.proposed.append(proposed)

    def result(self) -> Mined:
        empty = np.zeros((0, SIDE, SIDE), np.uint8)
        return Mined(
            images=np.stack(self.images) if self.images else empty,
            contexts=np.stack(self.contexts) if self.contexts else empty,
            digit=np.array(self.digit, bool),
            source=np.array(self.source, np.int16),
            frames=dict(self.frames),
            proposed=np.array(self.proposed, bool),
        )


def parts_of(rng: Rng, objects: Sequence[Box], shape: Tuple[int, ...]) -> List[Box]:
    """Each object's own box and :data:`PARTS_PER_OBJECT` digit-shaped boxes inside it."""
    looks = []
    for x, y, w, h in objects:
        looks.append((x, y, w, h))
        for _ in range(PARTS_PER_OBJECT):
            side = max(10.0, rng.uniform(*PART_SIDE) * max(w, h))
            width = side * rng.uniform(0.5, 1.0)
            left = x + rng.uniform(0, max(w - width, 0))
            top = y + rng.uniform(0, max(h - side, 0))
            looks.append(clipped((left, top, width, side), shape))
    return looks


def places_in(rng: Rng, frame: Frame) -> List[Box]:
    """:data:`PLACES_PER_SCENE` digit-shaped boxes of a scene frame well away from its digits."""
    height, width = frame.image.shape[:2]
    # Where a drawn non-digit may not go is where a place may not be either.
    near_digits = nondigits.keep_clear(frame.image.shape, [*frame.boxes, *frame.partial])
    looks: List[Box] = []
    for _ in range(PLACES_PER_SCENE * 4):
        if len(looks) == PLACES_PER_SCENE:
            break
        side = rng.uniform(*PLACE_SIDE) * height
        x, y, w, h = box = clipped(
            (rng.uniform(0, width - side), rng.uniform(0, height - side), side * rng.uniform(0.5, 1.0), side),
            frame.image.shape,
        )
        if not near_digits[y : y + h, x : x + w].any():
            looks.append(box)
    return looks


def clipped(box: Tuple[float, float, float, float], shape: Tuple[int, ...]) -> Box:
    x, y, w, h = (int(round(v)) for v in box)
    x, y = max(0, x), max(0, y)
    return x, y, max(1, min(w, shape[1] - x)), max(1, min(h, shape[0] - y))


def mine_split(
    split: str,
    families: Sequence[str],
    frames: int,
    digits: Tuple[np.ndarray, np.ndarray],
    sources: List[str],
    with_drawn: bool = True,
    quiet: bool = False,
) -> Mined:
    """The labelled candidates of ``frames`` scene frames spread over ``families`` and, with
    ``with_drawn``, as many frames with non-digits drawn into them and on plain grounds."""
    seed = SPLIT_SEEDS[split]
    miner = Miner(sources)
    per_family = max(1, frames // max(len(families), 1))
    bar = tqdm(
        total=per_family * len(families) * (2 if with_drawn else 1),
        desc=f"mine {split}",
        unit="frame",
        disable=quiet,
        mininterval=0.5 if sys.stderr.isatty() else 30.0,
    )
    for f_index, family in enumerate(families):
        for index, frame in enumerate(scene_frames(family, per_family, seed, digits)):
            rng = np.random.default_rng([seed, 1, f_index, index])
            # The held-out family (mined without drawings) is measured on proposals alone.
            found = miner.add(frame, looks=places_in(rng, frame) if with_drawn else ())
            bar.update()
            if with_drawn:
                kind = KINDS[(index + f_index) % len(KINDS)]
                drawn, objects = drawn_into(rng, frame, kind)
                miner.add(drawn, skip=found, looks=parts_of(rng, objects, frame.image.shape))
                bar.update()
    bar.close()
    if with_drawn:
        per_kind = max(1, frames // len(KINDS))
        for k_index, kind in enumerate(tqdm(KINDS, desc=f"mine {split} grounds", disable=quiet, leave=False)):
            for index in range(per_kind):
                rng = np.random.default_rng([seed, 2, k_index, index])
                ground, objects = drawn_frame(rng, kind, digits[0])
                miner.add(ground, looks=parts_of(rng, objects, ground.image.shape))
        for index in range(per_kind):
            image, boxes = pad_drawing(np.random.default_rng([seed, 3, index]), digits)
            miner.add(Frame(image, boxes, PADS))
    return miner.result()


def fingerprint(frames: int, data_dir: Path) -> Dict[str, Any]:
    """What the mined candidates depend on: when any of it changes, the cache is stale."""
    import exercise.detector
    import exercise.preprocess

    def digest(paths: Sequence[Path]) -> str:
        sha = hashlib.sha256()
        for path in sorted(paths):
            sha.update(path.read_bytes())
        return sha.hexdigest()[:16]

    return {
        "mining_version": MINING_VERSION,
        "frames": frames,
        "data_dir": str(data_dir),
        "finder": digest(
            [
                Path(exercise.preprocess.__file__),
                Path(exercise.detector.__file__),
                exercise.detector.DETECTOR_PATH,
            ]
        ),
        "scenes": digest(list(Path(scenes.__file__).parent.glob("*.py"))),
        "drawing": digest([Path(nondigits.__file__)]),
    }


SPLITS = ("train", "val", "held_out")


def mine_all(frames: int, data_dir: Path, quiet: bool) -> Tuple[Dict[str, Mined], List[str]]:
    """Training and validation candidates (tuning families, MNIST train digits, split apart) and
    the held-out family's (MNIST test digits), with the list of source names."""
    from exercise.idx import load_split

    train_images, train_labels = load_split(data_dir, "train")
    test_images, test_labels = load_split(data_dir, "test")
    # Validation scenes are written with digits no training scene uses.
    order = np.random.default_rng(20240601).permutation(len(train_labels))
    val_index, train_index = order[:VAL_DIGITS], order[VAL_DIGITS:]
    tuning = list(scenes.TUNING_FAMILIES)
    sources = [*tuning, *(DRAWN + kind for kind in KINDS), PADS, scenes.HELD_OUT]
    val_frames = max(1, int(frames * VAL_FRACTION))
    mined = {
        "train": mine_split(
            "train",
            tuning,
            frames,
            (train_images[train_index], train_labels[train_index]),
            sources,
            quiet=quiet,
        ),
        "val": mine_split(
            "val",
            tuning,
            val_frames,
            (train_images[val_index], train_labels[val_index]),
            sources,
            quiet=quiet,
        ),
        # Print-only: the family no decision here is allowed to see, in its own frames.
        "held_out": mine_split(
            "held_out",
            [scenes.HELD_OUT],
            val_frames,
            (test_images, test_labels),
            sources,
            with_drawn=False,
            quiet=quiet,
        ),
    }
    return mined, sources


def load_or_mine(
    out: Path, frames: int, data_dir: Path, rebuild: bool, quiet: bool, cache_it: bool = True
) -> Tuple[Dict[str, Mined], List[str]]:
    """The mined candidates from ``out/candidates.npz`` when it matches, else mined afresh and
    saved there (unless not ``cache_it``: a dry run neither reads nor replaces a real cache)."""
    cache = out / "candidates.npz"
    key = fingerprint(frames, data_dir)
    if not cache_it:
        return mine_all(frames, data_dir, quiet)
    if cache.exists() and not rebuild:
        with np.load(cache, allow_pickle=False) as stored:
            stored_key = json.loads(str(stored["key"]))
            if stored_key == key:
                print(f"candidates from {cache} (mined earlier with the same finder, scenes and settings)")
                sources = json.loads(str(stored["sources"]))
                return {
                    split: Mined(
                        images=stored[f"{split}_images"],
                        contexts=stored[f"{split}_contexts"],
                        digit=stored[f"{split}_digit"],
                        source=stored[f"{split}_source"],
                        frames=json.loads(str(stored[f"{split}_frames"])),
                        proposed=stored[f"{split}_proposed"],
                    )
                    for split in SPLITS
                }, sources
            changed = sorted(k for k in key if stored_key.get(k) != key[k])
            print(f"{cache} is stale ({', '.join(changed)} changed): mining again")
    started = time.perf_counter()
    mined, sources = mine_all(frames, data_dir, quiet)
    arrays: Dict[str, Any] = {"key": json.dumps(key), "sources": json.dumps(sources)}
    for split, part in mined.items():
        arrays.update(
            {
                f"{split}_images": part.images,
                f"{split}_contexts": part.contexts,
                f"{split}_digit": part.digit,
                f"{split}_source": part.source,
                f"{split}_frames": json.dumps(part.frames),
                f"{split}_proposed": part.proposed,
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name("candidates.tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(cache)
    total = sum(len(m) for m in mined.values())
    print(f"mined {total:,} candidates in {time.perf_counter() - started:.0f} s -> {cache}")
    return mined, sources


# --- the network -----------------------------------------------------------------------------------


class GateNet(nn.Sequential):
    """``[N,2,28,28] -> [N,1]`` logit: three small 3x3 convolutions and a small dense layer.

    28x28 with 16 maps (stroke texture: a pen's uniform edge, print's serifs, a marker's
    wobble), pooled to 14, then strided to 7 with 32 maps and to 4 with 32, then
    512 -> 32 -> 1: about 31k parameters and 0.6 M multiply-adds per candidate. Plain
    Conv, Relu, MaxPool, Flatten and Gemm, which every onnxruntime runs fast. (8 maps and
    strides from the start made it half the size but let a third more non-digits through.)
    """

    def __init__(self, width: int = 16, hidden: int = 32) -> None:
        w = width
        super().__init__(
            nn.Conv2d(2, w, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(2 * w * 4 * 4, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )


def to_batch(images: np.ndarray, contexts: np.ndarray) -> torch.Tensor:
    """uint8 stacks -> float ``[N,2,28,28]`` in 0..1, exactly as exercise/gate.py feeds the model."""
    stacked = np.stack([images, contexts], axis=1).astype(np.float32) / np.float32(255.0)
    return torch.from_numpy(stacked)


def augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Small shifts (the finder's box is a pixel off either way), dimmer strokes, noise."""
    n = batch.shape[0]
    shift = torch.randint(-1, 2, (2,), generator=generator).tolist()
    out = torch.roll(batch, shifts=(int(shift[0]), int(shift[1])), dims=(2, 3))
    gain = 0.8 + 0.2 * torch.rand(n, 2, 1, 1, generator=generator)
    noise = torch.randn(out.shape, generator=generator) * 0.03 * torch.rand(n, 1, 1, 1, generator=generator)
    return (out * gain + noise).clamp_(0.0, 1.0)


def epoch_order(proposed: np.ndarray, looks_per_proposal: float, generator: torch.Generator) -> torch.Tensor:
    """The training candidates of one epoch, shuffled: every proposal of the detector and a
    fresh random draw of ``looks_per_proposal`` looks (marks picked on purpose) per proposal."""
    proposals = torch.from_numpy(np.flatnonzero(proposed))
    looks = torch.from_numpy(np.flatnonzero(~proposed))
    take = min(len(looks), int(round(looks_per_proposal * len(proposals))))
    picked = looks[torch.randperm(len(looks), generator=generator)[:take]]
    both = torch.cat([proposals, picked])
    return both[torch.randperm(len(both), generator=generator)]


def train_epoch(
    net: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    order: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    generator: torch.Generator,
    batch_size: int,
    pos_weight: torch.Tensor,
    epoch: int,
    dry_run: bool = False,
    quiet: bool = False,
) -> float:
    """One epoch over the training candidates in ``order``; returns the mean loss."""
    net.train()
    total, seen = 0.0, 0
    steps = range(0, len(order), batch_size)
    interval = 0.1 if sys.stderr.isatty() else 30.0
    bar = tqdm(
        steps, desc=f"epoch {epoch} train", unit="batch", leave=False, disable=quiet, mininterval=interval
    )
    for start in bar:
        index = order[start : start + batch_size]
        batch, target = augment(inputs[index], generator), targets[index]
        optimizer.zero_grad(set_to_none=True)
        # The classes are balanced in the loss: non-digits outnumber digits several times.
        loss = F.binary_cross_entropy_with_logits(net(batch).squeeze(1), target, pos_weight=pos_weight)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item() * len(index)
        seen += len(index)
        bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        if dry_run:
            break
    return total / max(seen, 1)


def predict(net: nn.Module, inputs: torch.Tensor, batch_size: int = 4096) -> np.ndarray:
    """Probabilities of handwriting, ``(N,)`` float32."""
    net.eval()
    with torch.inference_mode():
        parts = [
            torch.sigmoid(net(inputs[i : i + batch_size])).squeeze(1)
            for i in range(0, len(inputs), batch_size)
        ]
    return torch.cat(parts).numpy() if parts else np.zeros(0, np.float32)


# --- threshold and figures ----------------------------------------------------------------------


def pick_threshold(digit_scores: np.ndarray, keep: float = KEEP_TARGET) -> float:
    """The highest threshold that lets at least ``keep`` of the digits through (0.5 if none)."""
    return threshold_keeping(digit_scores, keep) if len(digit_scores) else 0.5


@dataclass
class Row:
    family: str
    frames: int
    digits: int
    kept: int
    others: int
    rejected: int

    def cells(self) -> List[str]:
        return [
            self.family,
            str(self.frames),
            str(self.digits),
            pct(self.kept, self.digits),
            str(self.others),
            pct(self.rejected, self.others),
        ]


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def family_rows(mined: Mined, scores: np.ndarray, threshold: float, sources: List[str]) -> List[Row]:
    """Per source that has candidates or frames: digits kept, non-digits rejected; a total last."""
    passed = scores >= threshold
    rows = []
    for code, name in enumerate(sources):
        here = mined.source == code
        if not here.any() and name not in mined.frames:
            continue
        digits, others = here & mined.digit, here & ~mined.digit
        rows.append(
            Row(
                name,
                mined.frames.get(name, 0),
                int(digits.sum()),
                int((digits & passed).sum()),
                int(others.sum()),
                int((others & ~passed).sum()),
            )
        )
    rows.append(
        Row(
            "all",
            sum(mined.frames.values()),
            int(mined.digit.sum()),
            int((mined.digit & passed).sum()),
            int((~mined.digit).sum()),
            int((~mined.digit & ~passed).sum()),
        )
    )
    return rows


def markdown_table(rows: Sequence[Row]) -> str:
    header = ["family", "frames", "digits", "digits kept", "non-digits", "non-digits rejected"]
    cells = [header] + [row.cells() for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "| "
        + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        + " |"
        for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|")
    return "\n".join(lines)


def rejection_at_target(scores: np.ndarray, digit: np.ndarray) -> Tuple[float, float]:
    """(threshold, share of non-digits rejected) at KEEP_TARGET of the digits: what selection maximises."""
    threshold = pick_threshold(scores[digit])
    others = scores[~digit]
    return threshold, float((others < threshold).mean()) if len(others) else 1.0


# --- export ---------------------------------------------------------------------------------------------


class _WithSigmoid(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x))


def to_onnx_bytes(net: nn.Module) -> bytes:
    """The gate as ONNX: ``input`` [N,2,28,28] -> ``output`` [N,1] probability, weights in float16."""
    import onnx

    gate = _WithSigmoid(net.cpu().eval()).eval()
    model = export_graph(gate, (1, 2, SIDE, SIDE), "digit-classifier train-gate")
    store_weights_as_float16(model)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def with_metadata(data: bytes, metadata: Dict[str, str]) -> bytes:
    """The ONNX model ``data`` with ``metadata`` as its metadata properties."""
    import onnx

    model = onnx.load_from_string(data)
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    return model.SerializeToString()


def onnx_scores(data: bytes, mined: Mined, batch_size: int = 4096) -> np.ndarray:
    """The ONNX model's probabilities for the mined candidates, ``(N,)`` float32."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    parts = [
        session.run(
            None,
            {"input": to_batch(mined.images[i : i + batch_size], mined.contexts[i : i + batch_size]).numpy()},
        )[0]
        for i in range(0, len(mined), batch_size)
    ]
    return np.concatenate(parts).reshape(-1).astype(np.float32) if parts else np.zeros(0, np.float32)


def store_weights_as_float16(model: Any) -> None:
    """Store the weights as float16, each cast back to float32 inside the graph: half the file.

    onnxruntime folds the casts away when it loads the model, so it computes in float32 as
    before; the scores move by about 1e-3, and the threshold is picked on the file's own
    scores for that reason.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != TensorProto.FLOAT:
            continue
        name = initializer.name
        half = numpy_helper.from_array(numpy_helper.to_array(initializer).astype(np.float16), f"{name}_fp16")
        initializer.CopyFrom(half)
        casts.append(helper.make_node("Cast", [f"{name}_fp16"], [name], to=TensorProto.FLOAT))
    nodes = [*casts, *graph.node]
    del graph.node[:]
    graph.node.extend(nodes)


def time_gate(
    gate: HandwritingGate, images: np.ndarray, contexts: np.ndarray, batch: int, runs: int
) -> Tuple[float, float]:
    """Median and p95 milliseconds *per candidate* of ``gate.scores`` on batches of ``batch``."""
    times = []
    for run in range(runs + 20):
        start = (run * batch) % max(1, len(images) - batch)
        chunk = slice(start, start + batch)
        began = time.perf_counter()
        gate.scores(images[chunk], contexts[chunk])
        if run >= 20:  # the first runs warm caches up
            times.append((time.perf_counter() - began) * 1000.0 / batch)
    return statistics.median(times), float(np.percentile(times, 95))


def command_line(args: argparse.Namespace) -> str:
    """The ``digit-classifier train-gate`` command that reproduces this run."""
    from exercise.training.options import add_gate_arguments

    parser = add_gate_arguments(argparse.ArgumentParser())
    return provenance.command_line("digit-classifier train-gate", args, parser, ALWAYS_RECORDED)


# --- main ---------------------------------------------------------------------------------------------


def build_arg_parser() -> argparse.ArgumentParser:
    """The standalone parser of ``python -m exercise.training.gate`` (same options as the command)."""
    from exercise.training.options import add_gate_arguments

    parser = argparse.ArgumentParser(
        description="Train the handwriting gate on the candidates find_candidates returns."
    )
    return add_gate_arguments(parser)


def main(argv: Optional[List[str]] = None, args: Optional[argparse.Namespace] = None) -> int:
    """Mine, train, pick the threshold, export and report as the arguments say; the exit status."""
    if args is None:
        args = build_arg_parser().parse_args(argv)
    from exercise.training import data

    if args.looks_per_proposal < 0:
        raise UsageError(f"--looks-per-proposal must be 0 or more, not {args.looks_per_proposal}")
    started = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = data.resolve_data_dir(args.data)
    frames = min(args.frames, 14) if args.dry_run else args.frames

    if args.dry_run and args.install:
        print("--install is ignored with --dry-run: a dry run's gate is never shipped")
        args.install = False
    mined, sources = load_or_mine(out, frames, data_dir, args.rebuild, args.quiet, cache_it=not args.dry_run)
    # Trained on every mark; chosen and measured on what the detector proposes, as live.
    train, val, held_out = mined["train"], mined["val"].only_proposed(), mined["held_out"]
    for split, part in mined.items():
        print(
            f"{split}: {len(part):,} candidates ({int(part.digit.sum()):,} digits; "
            f"{int((~part.proposed).sum()):,} picked on purpose) from {sum(part.frames.values()):,} frames"
        )

    inputs, targets = to_batch(train.images, train.contexts), torch.from_numpy(train.digit.astype(np.float32))
    val_inputs = to_batch(val.images, val.contexts)
    net = GateNet()
    n_params = sum(p.numel() for p in net.parameters())
    generator = torch.Generator().manual_seed(args.seed)
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    epochs = 1 if args.dry_run else args.epochs
    orders = [epoch_order(train.proposed, args.looks_per_proposal, generator) for _ in range(epochs)]
    steps = max(1, -(-len(orders[0]) // args.batch_size))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=epochs, steps_per_epoch=steps
    )
    positives = max(float(targets[orders[0]].sum()), 1.0)
    pos_weight = torch.tensor((len(orders[0]) - positives) / positives)
    print(
        f"GateNet: {n_params:,} parameters; {args.threads} thread(s); keep target {KEEP_TARGET:.1%} of digits"
    )

    best_rejected, best_state, log = -1.0, None, []
    for epoch in range(1, epochs + 1):
        began = time.perf_counter()
        loss = train_epoch(
            net,
            inputs,
            targets,
            orders[epoch - 1],
            optimizer,
            scheduler,
            generator,
            args.batch_size,
            pos_weight,
            epoch,
            args.dry_run,
            args.quiet,
        )
        threshold, rejected = rejection_at_target(predict(net, val_inputs), val.digit)
        improved = rejected > best_rejected
        if improved:
            best_rejected = rejected
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
        log.append(
            {
                "epoch": epoch,
                "loss": loss,
                "threshold": threshold,
                "val_rejected": rejected,
                "seconds": time.perf_counter() - began,
            }
        )
        print(
            f"epoch {epoch:2d}/{epochs}: loss {loss:.4f} | validation: {rejected:.2%} of non-digits "
            f"rejected at {KEEP_TARGET:.1%} digits kept (threshold {threshold:.4f})"
            f"{' *best*' if improved else ''}",
            flush=True,
        )
    assert best_state is not None
    net.load_state_dict(best_state)

    # The threshold is picked on the exported file's own scores (its weights are float16).
    plain = to_onnx_bytes(net)
    val_scores = onnx_scores(plain, val)
    held_scores = onnx_scores(plain, held_out)
    difference = float(np.abs(val_scores - predict(net, val_inputs)).max()) if len(val) else 0.0
    # Rounded down to the 6 decimals the metadata holds, so the file keeps what was measured.
    threshold = math.floor(pick_threshold(val_scores[val.digit]) * 1e6) / 1e6
    val_rows = family_rows(val, val_scores, threshold, sources)
    held_rows = family_rows(held_out, held_scores, threshold, sources)[:-1]

    trained_at = provenance.now()
    command = command_line(args)
    metadata = {
        THRESHOLD_KEY: f"{threshold:.6f}",
        "command": command,
        "date": trained_at,
        "commit": provenance.git_commit(),
        "keep_target": f"{KEEP_TARGET}",
        "val_digits_kept": f"{val_rows[-1].kept / max(val_rows[-1].digits, 1):.4f}",
        "val_non_digits_rejected": f"{val_rows[-1].rejected / max(val_rows[-1].others, 1):.4f}",
        "input": "[N,2,28,28] float32: image28/255, context28/255 (exercise.preprocess.Candidate)",
        "output": "[N,1] probability that the candidate is handwriting",
    }
    torch.save(
        {
            "model": net.state_dict(),
            "threshold": threshold,
            "metadata": metadata,
            "args": {k: v for k, v in vars(args).items() if k != "func"},
        },
        out / "gate.pt",
    )
    onnx_path = out / "handwriting_gate.onnx"
    onnx_path.write_bytes(with_metadata(plain, metadata))

    # The file as the runtime loads it: the same threshold and scores as measured above.
    gate = HandwritingGate.load(onnx_path)
    assert gate.threshold == threshold, (gate.threshold, threshold)
    assert np.allclose(gate.scores(val.images, val.contexts), val_scores, atol=1e-5)
    runs = 20 if args.dry_run else 2000
    timing = {
        batch: time_gate(gate, val.images, val.contexts, batch, runs) for batch in (1, 5) if len(val) >= batch
    }

    table = "\n".join(
        [
            f"Validation ({', '.join(r.family for r in val_rows[:-1])}; MNIST train digits no training "
            f"scene used); threshold {threshold:.4f} keeps >= {KEEP_TARGET:.1%} of its digits:",
            "",
            markdown_table(val_rows),
            "",
            "Held-out family (print only: never used for training or the threshold), MNIST test digits:",
            "",
            markdown_table(held_rows),
            "",
            "Cost per candidate, onnxruntime, one thread: "
            + "; ".join(f"batch {b}: {m:.4f} ms median, {p:.4f} ms p95" for b, (m, p) in timing.items()),
        ]
    )
    print("\n" + table)
    (out / "table.md").write_text(table + "\n")
    size = onnx_path.stat().st_size
    print(
        f"\nwrote {onnx_path}: {size:,} bytes, threshold {threshold:.4f}, max |onnxruntime - PyTorch| "
        f"{difference:.1e} (float16 weights); {out / 'gate.pt'}, {out / 'table.md'}"
    )
    run = {
        "args": {k: v for k, v in vars(args).items() if k != "func"},
        "command": command,
        "date": trained_at,
        "data_dir": str(data_dir),
        "parameters": n_params,
        "onnx_bytes": size,
        "threshold": threshold,
        "validation": [vars(r) for r in val_rows],
        "held_out": [vars(r) for r in held_rows],
        "ms_per_candidate": {str(b): {"median": m, "p95": p} for b, (m, p) in timing.items()},
        "log": log,
        "seconds": time.perf_counter() - started,
    }
    (out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    if args.install:
        shutil.copyfile(onnx_path, GATE_PATH)
        print(f"installed {GATE_PATH}")
    else:
        print(f"to ship it: cp {onnx_path} {GATE_PATH} (or run with --install)")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
