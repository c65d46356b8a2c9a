"""Contact sheet of a scene family, to look at: ``python -m exercise.training.scenes --family wall``.

Tiles show each frame with its target boxes (green, labelled), the boxes of written digits
that are not targets (orange: cut by the edge or covered) and the frame's condition. The
time per frame is printed (one core).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import List, Optional, Sequence

import cv2
import numpy as np

from exercise.training.scenes import FAMILIES, MNIST_DIR, SceneFrame, generate, load_mnist

TILE_SIZE = (320, 240)
TILES_PER_ROW = 6
TARGET_COLOUR = (0, 220, 0)
PARTIAL_COLOUR = (0, 140, 255)
TEXT_COLOUR = (0, 0, 255)


def tile(frame: SceneFrame) -> np.ndarray:
    picture = frame.image.copy()
    for (x, y, w, h), label in zip(frame.boxes, frame.labels):
        cv2.rectangle(picture, (x, y), (x + w, y + h), TARGET_COLOUR, 2)
        cv2.putText(picture, str(label), (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.8, TARGET_COLOUR, 2)
    for x, y, w, h in frame.partial:
        cv2.rectangle(picture, (x, y), (x + w, y + h), PARTIAL_COLOUR, 1)
    text = f"{frame.condition} {''.join(map(str, frame.labels))}"
    cv2.putText(picture, text, (6, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 4)
    cv2.putText(picture, text, (6, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.9, TEXT_COLOUR, 2)
    return cv2.resize(picture, TILE_SIZE, interpolation=cv2.INTER_AREA)


def contact_sheet(frames: Sequence[SceneFrame]) -> np.ndarray:
    tiles = [tile(frame) for frame in frames]
    while len(tiles) % TILES_PER_ROW:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i : i + TILES_PER_ROW]) for i in range(0, len(tiles), TILES_PER_ROW)]
    return np.vstack(rows)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=FAMILIES, default=FAMILIES[0])
    parser.add_argument("--count", type=int, default=36)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=("test", "train"), default="test", help="MNIST digits to write")
    parser.add_argument("--out", type=Path, help="default: artifacts/scenes_FAMILY.png")
    parser.add_argument(
        "--data",
        type=Path,
        default=MNIST_DIR,
        help="folder of the MNIST IDX .gz files, or set MNIST_DIR (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    digits = load_mnist(args.split, args.data)
    frames: List[SceneFrame] = []
    start = time.perf_counter()
    for frame in generate(args.family, args.count, args.seed, digits=digits):
        frames.append(frame)
    per_frame = (time.perf_counter() - start) / max(1, len(frames)) * 1e3
    out = args.out or Path("artifacts") / f"scenes_{args.family}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), contact_sheet(frames))
    print(f"{out}: {len(frames)} frames of {args.family}, {per_frame:.1f} ms per frame (one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
