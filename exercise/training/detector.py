"""Train the digit detector (exercise/detector.py) on domain-randomised scenes.

Read top to bottom: make the training frames, the network, its targets and loss, one
epoch, the threshold, the report, the export. The frames come from the tuning scene
families (:mod:`exercise.training.scenes`) written with MNIST *train* digits, plus the
drawn non-digits of :mod:`exercise.training.nondigits` painted into them and onto plain
grounds, plus pad drawings; the held-out room family is only ever measured, and only
after the threshold is chosen.

    python -m exercise.training.detector --data ../shared/data/mnist --install
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import onnx
import torch
from torch import nn
from tqdm import tqdm

from exercise import detector as runtime
from exercise.idx import load_split
from exercise.preprocess import stroke_width, working_image
from exercise.training import nondigits, scenes
from exercise.training.export import export_graph
from exercise.training.provenance import provenance
from exercise.training.scoring import MATCH_IOU, iou, threshold_keeping

Box = Tuple[int, int, int, int]
Rng = np.random.Generator

WIDTH, HEIGHT = runtime.INPUT_SIZE
STRIDE = runtime.STRIDE
GRID = (HEIGHT // STRIDE, WIDTH // STRIDE)
#: Seeds of the scene frames of each split; the benchmark's frames use seed 0.
SPLIT_SEEDS = {"train": 1000, "val": 2000}
#: Of the frames of each split: scenes as they are, scenes with non-digits painted in,
#: plain grounds with non-digits (and digits half the time), pad drawings.
MIX = {"scene": 0.75, "drawn": 0.13, "pad": 0.12}
#: Share of scene frames with non-digits painted in.
PAINTED_SHARE = 0.4
#: Frames made by one worker task.
CHUNK = 40
#: At the chosen threshold the detector finds this share of the validation digits.
KEEP_TARGET = 0.97
#: The threshold is never lower than this, whatever the digits allow.
MIN_THRESHOLD = 0.2
#: The training augmentation zooms out down to this scale (digits far away)...
ZOOM_OUT = 0.55
#: Share of scene frames shown inverted (light strokes on dark ground: chalk, a black pad).
INVERT_SHARE = 0.1
DRAWERS = tuple(nondigits.DRAWERS)
#: Channels at 1/2, 1/4, 1/8 and 1/16 of the input, and of the widest layer.
WIDTHS = (16, 24, 32, 48, 64)


# --- 1. frames ----------------------------------------------------------------------------------


@dataclass
class Sample:
    """One detector input as uint8 (HEIGHT x WIDTH) and its truth in input pixels."""

    image: np.ndarray
    boxes: List[Box]
    #: Digits neither to find nor to miss (cut by an edge, covered).
    ignore: List[Box] = field(default_factory=list)
    source: str = ""


def as_sample(image: np.ndarray, boxes: Sequence[Box], ignore: Sequence[Box], source: str) -> Sample:
    """A frame as the runtime would give it to the detector (working size, plain margin,
    fitted into the input), its boxes moved along."""
    grey, factor, margin = working_image(image)
    pixels, fit = runtime.fitted(grey)
    scale = factor * fit
    offset = margin * fit

    def moved(box: Box) -> Box:
        x, y, w, h = box
        return (
            int(round(x * scale + offset)),
            int(round(y * scale + offset)),
            max(1, int(round(w * scale))),
            max(1, int(round(h * scale))),
        )

    return Sample(pixels, [moved(b) for b in boxes], [moved(b) for b in ignore], source)


def pad_drawing(rng: Rng, digits: scenes.DigitSet) -> Tuple[np.ndarray, List[Box]]:
    """A drawing pad's picture: one digit (or none) drawn with a round brush of one width
    on a plain ground, anywhere from small in the middle to pressed against an edge."""
    side = int(rng.choice([140, 200, 280, 400]))
    width = side if rng.random() < 0.7 else int(side * rng.uniform(1.0, 1.6))
    ground, ink = (255, 0) if rng.random() < 0.5 else (0, 255)
    if rng.random() < 0.2:
        ground = int(rng.integers(0, 256))
        ink = int(rng.integers(0, 100)) if ground > 127 else int(rng.integers(156, 256))
    canvas = np.full((side, width), ground, np.float32)
    if rng.random() < 0.1:
        return canvas.astype(np.uint8), []
    images, _ = digits
    image = images[int(rng.integers(len(images)))]
    ys, xs = np.nonzero(image > 64)
    tight = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    height = int(side * rng.uniform(0.35, 1.0))
    scale = min(height / tight.shape[0], width / tight.shape[1])
    size = (max(2, int(round(tight.shape[1] * scale))), max(2, int(round(tight.shape[0] * scale))))
    stroke = (cv2.resize(tight, size, interpolation=cv2.INTER_CUBIC) > 0.45).astype(np.uint8)
    # The pad's brush has one width, some fraction of the pad, whatever the digit's size.
    wanted, measured = side * rng.uniform(0.035, 0.09), stroke_width(stroke * 255)
    change = int(round(abs(wanted - measured) / 2.0))
    if change >= 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * change + 1, 2 * change + 1))
        stroke = cv2.dilate(stroke, kernel) if measured < wanted else cv2.erode(stroke, kernel)
    if not stroke.any():
        return canvas.astype(np.uint8), []
    alpha = cv2.GaussianBlur(stroke.astype(np.float32), (0, 0), 0.7)
    x = int(rng.integers(0, max(1, width - size[0] + 1)))
    y = int(rng.integers(0, max(1, side - size[1] + 1)))
    region = canvas[y : y + size[1], x : x + size[0]]
    alpha = alpha[: region.shape[0], : region.shape[1]]
    region[:] = region * (1.0 - alpha) + ink * alpha
    bx, by, bw, bh = cv2.boundingRect(stroke[: region.shape[0], : region.shape[1]])
    return np.clip(canvas, 0, 255).astype(np.uint8), [(x + bx, y + by, bw, bh)]


def make_chunk(task: Tuple[str, str, int, int]) -> List[Sample]:
    """``count`` samples of one kind (a scene family, "drawn" or "pad") for ``split``,
    chunk ``chunk``: scenes.generate's frames of seed SPLIT_SEEDS[split] + chunk."""
    split, kind, chunk, count = task
    digits = _digits(split)
    seed = SPLIT_SEEDS[split] + chunk
    rng = np.random.default_rng([seed, 7])
    samples = []
    if kind == "pad":
        for _ in range(count):
            image, boxes = pad_drawing(rng, digits)
            samples.append(as_sample(image, boxes, [], "pad"))
        return samples
    if kind == "drawn":
        for index in range(count):
            drawer = DRAWERS[(chunk + index) % len(DRAWERS)]
            image, boxes, _ = nondigits.drawn_frame(rng, drawer, digits[0])
            samples.append(as_sample(image, boxes, [], "drawn"))
        return samples
    for index, frame in enumerate(scenes.generate(kind, count, seed=seed, digits=digits)):
        image = frame.image
        if rng.random() < PAINTED_SHARE:
            drawer = DRAWERS[(chunk + index) % len(DRAWERS)]
            image, _ = nondigits.drawn_into(rng, image, drawer, [*frame.boxes, *frame.partial])
        samples.append(as_sample(image, list(frame.boxes), list(frame.partial), kind))
    return samples


_DIGITS: Dict[str, scenes.DigitSet] = {}
_DATA_DIR = scenes.MNIST_DIR


def _digits(split: str) -> scenes.DigitSet:
    # MNIST train digits are written into training frames, test digits into validation
    # frames: the threshold is chosen on digits the network never saw.
    key = "train" if split == "train" else "test"
    if key not in _DIGITS:
        _DIGITS[key] = load_split(_DATA_DIR, key)
    return _DIGITS[key]


def _init_worker(data_dir: Path) -> None:
    global _DATA_DIR
    _DATA_DIR = data_dir
    cv2.setNumThreads(1)


def make_split(split: str, count: int, data_dir: Path, workers: int) -> List[Sample]:
    """About ``count`` samples of ``split``, mixed as MIX says, made by ``workers`` processes."""
    tasks = []
    for kind, share in MIX.items():
        kinds = scenes.TUNING_FAMILIES if kind == "scene" else (kind,)
        each = max(1, int(round(share * count / len(kinds))))
        size = min(CHUNK, each)
        tasks += [(split, name, chunk, size) for name in kinds for chunk in range(max(1, round(each / size)))]
    samples: List[Sample] = []
    # forkserver, not fork: a fork of a process whose onnxruntime or OpenCV threads held a
    # lock at that instant hangs in its first call (seen in the test suite after model tests).
    with multiprocessing.get_context("forkserver").Pool(workers, _init_worker, (data_dir,)) as pool:
        for done, chunk in enumerate(pool.imap_unordered(make_chunk, tasks), 1):
            samples += chunk
            if done % 10 == 0 or done == len(tasks):
                print(f"  {split}: {len(samples)} frames", file=sys.stderr, flush=True)
    return samples


# --- 2. network ---------------------------------------------------------------------------------


def conv(inputs: int, outputs: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(inplace=True),
    )


class DetectorNet(nn.Module):
    """Down to 1/16 for context (dilated to see a whole sheet), back up to 1/8 for
    position: five numbers per cell of STRIDE pixels (see exercise/detector.py)."""

    def __init__(self, widths: Tuple[int, int, int, int, int] = WIDTHS) -> None:
        super().__init__()
        a, b, c, d, e = widths
        self.to_eighth = nn.Sequential(conv(1, a, 2), conv(a, b, 2), conv(b, b), conv(b, c, 2), conv(c, c))
        self.to_sixteenth = nn.Sequential(
            conv(c, d, 2), conv(d, d), conv(d, d, dilation=2), conv(d, e), conv(e, e, dilation=4)
        )
        self.lateral = nn.Conv2d(e, c, 1)
        self.fuse = conv(c, c)
        self.head = nn.Conv2d(c, runtime.OUTPUTS, 1)
        with torch.no_grad():
            bias = torch.zeros(runtime.OUTPUTS)
            bias[0] = -4.0  # few cells hold a digit's centre: start by saying so
            self.head.bias.copy_(bias)  # type: ignore[union-attr]  # Conv2d has a bias by default

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        eighth = self.to_eighth(x)
        coarse = self.lateral(self.to_sixteenth(eighth))
        up = nn.functional.interpolate(coarse, scale_factor=2.0, mode="nearest")
        return self.head(self.fuse(eighth + up))


# --- 3. augmentation and targets -------------------------------------------------------------------


def zoomed(rng: Rng, sample: Sample, zoom_in: float) -> Sample:
    """The sample seen nearer or farther (digits of every size), scales log-uniform from
    ZOOM_OUT to ``zoom_in``, its boxes moved along; boxes the view cuts become ignored."""
    scale = float(np.exp(rng.uniform(np.log(ZOOM_OUT), np.log(zoom_in))))
    window_w, window_h = WIDTH / scale, HEIGHT / scale
    left = rng.uniform(min(0.0, WIDTH - window_w), max(0.0, WIDTH - window_w))
    top = rng.uniform(min(0.0, HEIGHT - window_h), max(0.0, HEIGHT - window_h))
    matrix = np.array([[scale, 0.0, -left * scale], [0.0, scale, -top * scale]], np.float32)
    image = cv2.warpAffine(
        sample.image,
        matrix,
        (WIDTH, HEIGHT),
        flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    boxes: List[Box] = []
    ignore: List[Box] = []
    for box, target in [(b, True) for b in sample.boxes] + [(b, False) for b in sample.ignore]:
        x, y, w, h = box
        moved = (
            int(round((x - left) * scale)),
            int(round((y - top) * scale)),
            max(1, int(round(w * scale))),
            max(1, int(round(h * scale))),
        )
        inside = (
            moved[0] >= 0 and moved[1] >= 0 and moved[0] + moved[2] <= WIDTH and moved[1] + moved[3] <= HEIGHT
        )
        (boxes if target and inside else ignore).append(moved)
    return Sample(image, boxes, ignore, sample.source)


def targets(sample: Sample) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(heat 1xHxW, regression 4xHxW, weights 2xHxW: where heat counts, where regression does)."""
    rows, columns = GRID
    heat = np.zeros((1, rows, columns), np.float32)
    regression = np.zeros((4, rows, columns), np.float32)
    weights = np.zeros((2, rows, columns), np.float32)
    weights[0] = 1.0
    ys, xs = np.mgrid[0:rows, 0:columns].astype(np.float32)
    for x, y, w, h in sample.ignore:
        c0, r0 = max(0, int(x // STRIDE)), max(0, int(y // STRIDE))
        c1, r1 = min(columns, int((x + w) // STRIDE) + 1), min(rows, int((y + h) // STRIDE) + 1)
        weights[0, r0:r1, c0:c1] = 0.0
    for x, y, w, h in sample.boxes:
        cx, cy = (x + w / 2.0) / STRIDE, (y + h / 2.0) / STRIDE
        column, row = min(columns - 1, int(cx)), min(rows - 1, int(cy))
        sigma = max(0.5, 0.18 * np.sqrt(w * h) / STRIDE)
        bump = np.exp(-((xs - (column + 0.5)) ** 2 + (ys - (row + 0.5)) ** 2) / (2 * sigma**2))
        heat[0] = np.maximum(heat[0], bump)
        heat[0, row, column] = 1.0
        weights[0, row, column] = 1.0
        regression[:, row, column] = (
            cx - column,
            cy - row,
            np.log(max(w, 1) / STRIDE),
            np.log(max(h, 1) / STRIDE),
        )
        weights[1, row, column] = 1.0
    return heat, regression, weights


def to_batch(rng: Rng, samples: Sequence[Sample], zoom_in: Optional[float]) -> Tuple[torch.Tensor, ...]:
    """Inputs and targets of ``samples``, augmented (zoomed up to ``zoom_in``, some
    inverted) unless ``zoom_in`` is None."""
    images, heats, regressions, weights = [], [], [], []
    for sample in samples:
        if zoom_in is not None:
            sample = zoomed(rng, sample, zoom_in)
            if rng.random() < INVERT_SHARE and sample.source != "pad":
                sample = Sample(255 - sample.image, sample.boxes, sample.ignore, sample.source)
        heat, regression, weight = targets(sample)
        images.append(sample.image)
        heats.append(heat)
        regressions.append(regression)
        weights.append(weight)
    x = torch.from_numpy(np.stack(images)[:, None].astype(np.float32) / 255.0)
    return (
        x,
        torch.from_numpy(np.stack(heats)),
        torch.from_numpy(np.stack(regressions)),
        torch.from_numpy(np.stack(weights)),
    )


def loss_of(
    output: torch.Tensor, heat: torch.Tensor, regression: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """CenterNet's focal loss on the centres, L1 on offset and size where a centre is."""
    score = torch.sigmoid(output[:, :1]).clamp(1e-4, 1 - 1e-4)
    centre = (heat == 1.0).float()
    positive = -centre * (1 - score) ** 2 * torch.log(score)
    negative = -(1 - centre) * (1 - heat) ** 4 * score**2 * torch.log(1 - score)
    count = centre.sum().clamp(min=1.0)
    focal = ((positive + negative) * weights[:, :1]).sum() / count
    predicted = torch.cat([torch.sigmoid(output[:, 1:3]), output[:, 3:5]], dim=1)
    l1 = ((predicted - regression).abs() * weights[:, 1:2]).sum() / count
    return focal + l1


# --- 4. training -------------------------------------------------------------------------------------


def train_epoch(
    net: nn.Module,
    samples: List[Sample],
    optimiser: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    rng: Rng,
    batch_size: int,
    zoom_in: float,
    label: str,
) -> float:
    """One pass over the shuffled samples, augmented afresh; the mean loss."""
    net.train()
    order = rng.permutation(len(samples))
    total, batches = 0.0, 0
    starts = range(0, max(1, len(order) - batch_size + 1), batch_size)
    for start in tqdm(starts, desc=label, leave=False, disable=not sys.stderr.isatty()):
        x, heat, regression, weights = to_batch(
            rng, [samples[i] for i in order[start : start + batch_size]], zoom_in
        )
        optimiser.zero_grad()
        loss = loss_of(net(x), heat, regression, weights)
        loss.backward()
        optimiser.step()
        scheduler.step()
        total += float(loss.detach())
        batches += 1
    return total / max(1, batches)


def outputs_of(net: nn.Module, samples: Sequence[Sample], batch_size: int = 64) -> np.ndarray:
    net.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(samples), batch_size):
            x = torch.from_numpy(
                np.stack([s.image for s in samples[start : start + batch_size]])[:, None].astype(np.float32)
                / 255.0
            )
            chunks.append(net(x).numpy())
    return np.concatenate(chunks)


# --- 5. threshold and report -----------------------------------------------------------------------


def best_match_scores(samples: Sequence[Sample], outputs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(for each digit, the best score of a detection on it; for each empty frame, its best
    score anywhere not on an ignored digit)."""
    digit_scores, empty_scores = [], []
    for sample, output in zip(samples, outputs):
        found = runtime.decode(output, 0.001)
        for box in sample.boxes:
            digit_scores.append(max([d.score for d in found if iou(d.box, box) >= MATCH_IOU], default=0.0))
        if not sample.boxes:
            stray = [d.score for d in found if all(iou(d.box, b) < MATCH_IOU for b in sample.ignore)]
            empty_scores.append(max(stray, default=0.0))
    return np.array(digit_scores), np.array(empty_scores)


def share(flags: np.ndarray) -> float:
    """The fraction of ``flags`` that are true; 0 for none."""
    return float(np.mean(flags)) if len(flags) else 0.0


def pick_threshold(digit_scores: np.ndarray, keep: float = KEEP_TARGET) -> float:
    """The highest score that still finds ``keep`` of the validation digits (at least
    MIN_THRESHOLD). The detector is the first of two looks: what it lets through that is
    not a digit, the handwriting gate mostly turns away; a digit it misses is lost."""
    if not len(digit_scores):
        return MIN_THRESHOLD
    return max(MIN_THRESHOLD, threshold_keeping(digit_scores, keep))


def report(samples: Sequence[Sample], outputs: np.ndarray, threshold: float) -> List[str]:
    rows: Dict[str, List[int]] = {}
    for sample, output in zip(samples, outputs):
        detections = runtime.decode(output, threshold)
        row = rows.setdefault(sample.source.split(" ")[0], [0, 0, 0, 0])
        row[0] += len(sample.boxes)
        row[1] += sum(any(iou(d.box, b) >= MATCH_IOU for d in detections) for b in sample.boxes)
        if not sample.boxes:
            row[2] += 1
            row[3] += any(all(iou(d.box, b) < MATCH_IOU for b in sample.ignore) for d in detections)
    lines = ["| source | digits found | empty frames with a detection |", "|---|---|---|"]
    for source, (digits, found, empty, false) in sorted(rows.items()):
        found_cell = f"{found}/{digits} ({found / max(1, digits):.1%})"
        lines.append(f"| {source} | {found_cell} | {false}/{empty} ({false / max(1, empty):.1%}) |")
    return lines


# --- 6. export ---------------------------------------------------------------------------------------


def export(net: nn.Module, threshold: float, path: Path, metadata: Dict[str, str]) -> None:
    net.eval()
    model = export_graph(net, (1, 1, HEIGHT, WIDTH), "digit-classifier train-detector", any_size=True)
    for key, value in {runtime.THRESHOLD_KEY: f"{threshold:.6f}", **metadata}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString())


#: Options every file's ``command`` metadata names, default or not.
ALWAYS_RECORDED = ("out", "frames", "epochs", "seed", "data")


def train_all(
    net: nn.Module,
    train: List[Sample],
    val: List[Sample],
    args: argparse.Namespace,
    epochs: int,
    rng: Rng,
    out: Path,
) -> None:
    """``epochs`` passes over ``train``, one-cycle schedule; the weights saved after each."""
    print(f"DetectorNet: {sum(p.numel() for p in net.parameters()):,} parameters; {args.threads} thread(s)")
    optimiser = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = max(1, epochs * (len(train) // args.batch_size))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=steps)
    for epoch in range(1, epochs + 1):
        began = time.perf_counter()
        label = f"epoch {epoch}/{epochs}"
        loss = train_epoch(net, train, optimiser, scheduler, rng, args.batch_size, args.zoom_in, label)
        digit_scores, empty_scores = best_match_scores(val, outputs_of(net, val))
        threshold = pick_threshold(digit_scores)
        print(
            f"epoch {epoch}: loss {loss:.4f}; at threshold {threshold:.3f} "
            f"{share(digit_scores >= threshold):.1%} of validation digits found, "
            f"{share(empty_scores >= threshold):.1%} of empty frames with a detection "
            f"({time.perf_counter() - began:.0f} s)",
            flush=True,
        )
        torch.save(net.state_dict(), out / "detector.pt")


def build_arg_parser() -> argparse.ArgumentParser:
    """The standalone parser of ``python -m exercise.training.detector`` (same options as the command)."""
    from exercise.training.options import add_detector_arguments

    return add_detector_arguments(argparse.ArgumentParser(description="Train the digit detector."))


def main(argv: Optional[List[str]] = None, args: Optional[argparse.Namespace] = None) -> int:
    """Draw the frames, train, pick the threshold, export and report; the exit status."""
    if args is None:
        args = build_arg_parser().parse_args(argv)
    from exercise.training import data

    started = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = data.resolve_data_dir(args.data)
    if args.dry_run and args.install:
        print("--install is ignored with --dry-run: a dry run's detector is never shipped")
        args.install = False
    frames = 60 if args.dry_run else args.frames
    epochs = 1 if args.dry_run else args.epochs
    net = DetectorNet()
    if args.init:
        net.load_state_dict(torch.load(args.init, map_location="cpu"))
    if args.checkpoint:
        # Weights already trained: only the threshold, the report and the export are redone.
        net.load_state_dict(torch.load(args.checkpoint, map_location="cpu"))
        val = make_split("val", frames // 6, data_dir, args.workers)
        print(f"{args.checkpoint}: {len(val):,} validation frames in {time.perf_counter() - started:.0f} s")
    else:
        train = make_split("train", frames, data_dir, args.workers)
        val = make_split("val", frames // 6, data_dir, args.workers)
        made = time.perf_counter() - started
        print(f"{len(train):,} training and {len(val):,} validation frames in {made:.0f} s")
        train_all(net, train, val, args, epochs, rng, out)

    outputs = outputs_of(net, val)
    digit_scores, empty_scores = best_match_scores(val, outputs)
    # Rounded down to the 6 decimals the metadata holds: no digit found above is lost.
    threshold = math.floor(pick_threshold(digit_scores) * 1e6) / 1e6
    table = report(val, outputs, threshold)
    print("\n".join(table))
    path = out / "digit_detector.onnx"
    metadata = {
        **provenance("digit-classifier train-detector", args, build_arg_parser(), ALWAYS_RECORDED),
        "keep_target": f"{KEEP_TARGET}",
        "val_digits_found": f"{share(digit_scores >= threshold):.4f}",
        "val_empty_frames_with_a_detection": f"{share(empty_scores >= threshold):.4f}",
        "input": "[1,1,H,W] float32: the grey working image / 255, H and W multiples of 16",
        "output": "[1,5,H/8,W/8]: centre logit, x and y offset logits, log width and height / 8",
    }
    export(net, threshold, path, metadata)
    runtime.DigitDetector.load(path)  # the runtime's own checks must pass
    (out / "report.md").write_text("\n".join(table) + "\n")
    print(f"wrote {path} (threshold {threshold:.4f}) in {time.perf_counter() - started:.0f} s")
    if args.install:
        runtime.DETECTOR_PATH.write_bytes(path.read_bytes())
        print(f"installed as {runtime.DETECTOR_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
