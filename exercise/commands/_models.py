"""Model arguments shared by ``predict``, ``check`` and ``evaluate``."""

from __future__ import annotations

import argparse
from typing import Optional

from exercise.model import DigitModel, load_default_model


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="MODEL",
        help="ONNX model file (default: the bundled model, exercise/assets/default_model.onnx)",
    )


def load_model(path: Optional[str]) -> DigitModel:
    """The model at ``path``, or the bundled default; raises ModelError subclasses."""
    return load_default_model() if path is None else DigitModel.load(path)
