"""How the exercise opens every onnxruntime session: the student's model, the detector and the gate.

All run once or a few times per frame in a loop at up to 30 Hz, so they share one recipe:
few threads, no spin-waiting between calls, errors only in the log. The project's own
networks (the detector and the gate) also share how they are opened and how the threshold
they were exported with is read. This module imports only the exercise's exceptions, so
any module may use it without an import cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

import onnxruntime as ort

from exercise.exceptions import ModelError, ModelFormatError

#: ONNX metadata key holding a bundled network's threshold (a probability, 0..1).
THRESHOLD_KEY = "threshold"


def session_options(threads: int = 1) -> ort.SessionOptions:
    """Options for a session that runs small batches, often, on the CPU."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle onnxruntime threads spin-wait by default: with a brain running at 30 Hz that
    # kept a core busy between calls. Without spinning they sleep until the next run.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: warnings become our own messages or none
    return options


def open_session(data: bytes, label: str) -> ort.InferenceSession:
    """A one-thread session of a serialised ONNX model.

    Raises:
        ModelFormatError: onnxruntime cannot load it.
    """
    try:
        return ort.InferenceSession(data, sess_options=session_options(1), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Exception subclasses
        raise ModelFormatError(f"not an ONNX model onnxruntime can load ({exc})", source=label) from exc


def read_threshold(session: ort.InferenceSession, label: str, trainer: str) -> float:
    """The probability in the model's ``threshold`` metadata (set by the ``trainer`` command).

    Raises:
        ModelFormatError: none there, or not a number between 0 and 1.
    """
    metadata = session.get_modelmeta().custom_metadata_map or {}
    raw = metadata.get(THRESHOLD_KEY)
    if raw is None:
        raise ModelFormatError(
            f"no '{THRESHOLD_KEY}' in its metadata; export it with {trainer}", source=label
        )
    try:
        threshold = float(raw)
    except ValueError:
        threshold = math.nan
    if not 0.0 <= threshold <= 1.0:  # also false for NaN
        raise ModelFormatError(
            f"metadata '{THRESHOLD_KEY}' is {raw!r}, expected a probability between 0 and 1", source=label
        )
    return threshold


@dataclass(frozen=True)
class BundledNetwork:
    """What the messages about one of the project's own networks say."""

    #: What it is, for messages: "digit detector".
    name: str
    #: Files far larger than this are not one of ours.
    max_bytes: int
    #: How it is made: "make detector-model".
    make: str
    #: The command that trains and exports it: "digit-classifier train-detector".
    trainer: str
    #: Its model card: "docs/detector-card.md".
    card: str


def open_bundled(path: Path, network: BundledNetwork) -> Tuple[ort.InferenceSession, float]:
    """The session of one of the project's own networks and the threshold it was exported with.

    Raises:
        ModelError: the file is missing or unreadable (a checkout without it: ``network.make``).
        ModelFormatError: too large, not an ONNX model onnxruntime can load, or no usable threshold.
    """
    label = path.name
    try:
        size = path.stat().st_size
        if size > network.max_bytes:
            raise ModelFormatError(
                f"{path} is {size:,} bytes; a {network.name} is at most {network.max_bytes:,}", source=label
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(
            f"no {network.name} at {path}; build it with `{network.make}` "
            f"({network.trainer} --install, see {network.card})",
            source=label,
        ) from None
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}", source=label) from exc
    session = open_session(data, label)
    return session, read_threshold(session, label, network.trainer)
