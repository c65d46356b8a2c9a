"""The training commands' options (``train``, ``train-gate``, ``train-detector``), without importing PyTorch.

``digit-classifier --help`` and ``digit-classifier train --help`` build their parsers from
here, so they work on the runtime's Python 3.8 install where torch is absent; only running
the training imports torch. Keep this module 3.8-compatible and torch-free.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import List

#: ``--arch`` choices, in the order of the side-by-side table; nets.ARCHITECTURES builds them.
ARCH_NAMES: List[str] = ["mlp", "lenet", "cnn", "digitnet"]
#: The architecture of the bundled default model.
DEFAULT_ARCH = "digitnet"
#: Images held out of the training set to pick the best epoch and stop early.
DEFAULT_VAL_SIZE = 5000
SCALINGS: List[str] = ["unit", "mnist", "symmetric"]
#: ``train``'s PyTorch threads: the machine's cores, at most 4 (beyond that a network this
#: small gains little).
DEFAULT_THREADS = max(1, min(os.cpu_count() or 1, 4))
#: Where ``train`` writes when ``--out`` is not given.
DEFAULT_OUT = "runs/digitnet"
DEFAULT_FINETUNE_OUT = "runs/finetune"
#: Fine-tuning: steps, the examples' share of each batch (so that a few hundred examples
#: count against 55,000 MNIST digits) and a peak learning rate low enough to keep MNIST.
FINETUNE_STEPS = 250
FINETUNE_EXTRA_SHARE = 0.25
FINETUNE_LR = 5e-4


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/digit-classifier/mnist``, or ``~/.cache/digit-classifier/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "digit-classifier" / "mnist"


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """``--data DIR``, the same for every training command."""
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="directory with the four MNIST IDX files, gzipped or not (default: download MNIST once "
        f"into {default_cache_dir()})",
    )


def add_threads_argument(parser: argparse.ArgumentParser, default: int) -> None:
    """``--threads N``, PyTorch's CPU threads."""
    parser.add_argument(
        "--threads", type=int, default=default, help="CPU threads for PyTorch (default: %(default)s)"
    )


def add_train_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register every training option on ``parser``; returns it."""
    parser.add_argument(
        "--arch",
        default=DEFAULT_ARCH,
        choices=ARCH_NAMES,
        help="network: mlp (784-128-64-10), lenet (LeNet-5), cnn (PyTorch example), "
        f"digitnet (the default model's) (default: {DEFAULT_ARCH})",
    )
    add_data_argument(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="where checkpoints, log and plots go (default: runs/digitnet, or runs/finetune with --finetune)",
    )
    parser.add_argument("--epochs", type=int, default=13, help="epochs to train (default: %(default)s)")
    parser.add_argument(
        "--batch-size", type=int, default=128, help="training batch size (default: %(default)s)"
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=3e-3,
        help="peak learning rate of the one-cycle schedule (default: %(default)s)",
    )
    parser.add_argument(
        "--weight-decay", type=float, default=1e-4, help="AdamW weight decay (default: %(default)s)"
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=5,
        help="stop after this many epochs without a better validation accuracy (default: %(default)s)",
    )
    parser.add_argument(
        "--normalization",
        default="unit",
        choices=SCALINGS,
        help="input scaling trained with and recorded in the exported model (default: unit)",
    )
    # Two flags by hand: argparse.BooleanOptionalAction needs Python 3.9.
    parser.add_argument(
        "--augment",
        dest="augment",
        action="store_true",
        default=True,
        help="random webcam-like distortions of training images (default)",
    )
    parser.add_argument(
        "--no-augment", dest="augment", action="store_false", help="train on the images as they are"
    )
    parser.add_argument(
        "--val-size",
        type=int,
        default=DEFAULT_VAL_SIZE,
        help="validation images taken from the training set (default: %(default)s)",
    )
    parser.add_argument("--subset", type=int, metavar="N", help="use only N training images (quick runs)")
    parser.add_argument("--device", default="cpu", help="cpu (default), or cuda when present")
    add_threads_argument(parser, DEFAULT_THREADS)
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last.pt")
    parser.add_argument(
        "--no-plots", dest="plots", action="store_false", help="skip the PNG plots at the end"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars, only the per-epoch lines")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="one batch of one epoch: checks data, network and output directory quickly",
    )
    add_finetune_arguments(parser)
    return parser


def add_finetune_arguments(parser: argparse.ArgumentParser) -> None:
    """``--finetune MODEL --extra DIR`` and what only fine-tuning uses."""
    group = parser.add_argument_group(
        "fine-tuning on your own examples",
        "Start from a trained model instead of from scratch and train a few hundred steps on "
        "MNIST plus the examples saved in the page (Save this digit); --out gets finetuned.pt "
        "and a verified model.onnx to upload. Uses --data, --batch-size, --weight-decay, "
        "--threads, --seed and --quiet; not --epochs or --lr.",
    )
    group.add_argument(
        "--finetune",
        metavar="MODEL",
        help="a checkpoint of `train` (.pt) or an ONNX file it exported (the default model is one)",
    )
    group.add_argument(
        "--extra",
        metavar="DIR",
        help="the examples: train-images-idx3-ubyte and train-labels-idx1-ubyte, as the page saves "
        "them in STATE_DIR/examples",
    )
    group.add_argument(
        "--steps", type=int, default=FINETUNE_STEPS, help="training steps (default: %(default)s)"
    )
    group.add_argument(
        "--extra-share",
        type=float,
        default=FINETUNE_EXTRA_SHARE,
        help="share of each batch drawn from the examples (default: %(default)s)",
    )
    group.add_argument(
        "--finetune-lr",
        type=float,
        default=FINETUNE_LR,
        help="peak learning rate while fine-tuning (default: %(default)s)",
    )


def add_scene_examples_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register every ``scene-examples`` option on ``parser``; returns it."""
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="runs/scene-examples",
        help="where the two IDX files and scene-examples.json go (default: %(default)s)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=1000,
        metavar="N",
        help="generated frames of each tuning scene family, and pad drawings; a frame gives one "
        "to three examples, a drawing one or none (default: %(default)s)",
    )
    add_data_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only the summary lines")
    return parser


def add_gate_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register every ``train-gate`` option on ``parser``; returns it."""
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="runs/gate",
        help="where the mined candidates, checkpoint, ONNX file and table go (default: %(default)s)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=4000,
        metavar="N",
        help="scene frames mined for training, spread over the tuning families; as many again with "
        "non-digits drawn into them and as many plain grounds with non-digits; half as many of each "
        "for validation, and half as many held-out frames for the report (default: %(default)s)",
    )
    parser.add_argument("--epochs", type=int, default=30, help="epochs to train (default: %(default)s)")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="training batch size (default: %(default)s)"
    )
    parser.add_argument(
        "--looks-per-proposal",
        type=float,
        default=1.0,
        metavar="R",
        help="marks picked on purpose (parts of objects, places in scenes) that each epoch draws "
        "afresh, per candidate the detector proposed; they outnumber the proposals about twenty "
        "to one, and all of them would drown what the detector really offers (default: %(default)s)",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=3e-3,
        help="peak learning rate of the one-cycle schedule (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="random seed of the network's weights and shuffling; the scenes have fixed seeds, so "
        "the mined candidates are the same for every --seed (default: %(default)s)",
    )
    add_data_argument(parser)
    add_threads_argument(parser, 1)
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="mine the candidates again even if OUT/candidates.npz matches the finder, scenes and settings",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="copy the exported gate to exercise/assets/handwriting_gate.onnx (the one the exercise uses)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars, only the summary lines")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="a few frames, one batch, export and check, no cache: tries the whole path in seconds",
    )
    return parser


def add_detector_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register every ``train-detector`` option on ``parser``; returns it."""
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="runs/detector",
        help="where the checkpoint, ONNX file and report go (default: %(default)s)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=12000,
        metavar="N",
        help="training frames: scenes of the tuning families (some with non-digits painted in), "
        "plain grounds with non-digits, pad drawings; a sixth as many for validation "
        "(default: %(default)s)",
    )
    parser.add_argument("--epochs", type=int, default=12, help="epochs to train (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="frames per batch (default: %(default)s)")
    parser.add_argument(
        "--lr",
        type=float,
        default=3e-3,
        help="peak learning rate of the one-cycle schedule (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="random seed of the weights, shuffling and augmentation; the frames have fixed seeds "
        "(default: %(default)s)",
    )
    add_data_argument(parser)
    parser.add_argument(
        "--workers", type=int, default=2, help="processes drawing the frames (default: %(default)s)"
    )
    add_threads_argument(parser, 2)
    parser.add_argument(
        "--zoom-in",
        type=float,
        default=1.7,
        metavar="X",
        help="training frames are seen from 0.55 up to X times nearer (default: %(default)s; 3 also "
        "shows digits filling the view)",
    )
    parser.add_argument(
        "--init",
        metavar="PT",
        help="start from these weights (a detector.pt of an earlier run) instead of random ones: fine-tuning",
    )
    parser.add_argument(
        "--checkpoint",
        metavar="PT",
        help="skip training: take these weights (a detector.pt of an earlier run) and only pick the "
        "threshold, report and export",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="copy the exported detector to exercise/assets/digit_detector.onnx (the one the exercise uses)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="a few frames, one epoch, export and check: tries the whole path in seconds",
    )
    return parser
