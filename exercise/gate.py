"""The handwriting gate: does a digit-shaped mark look like handwriting at all?

A student's model has ten outputs and no way to say "this is a cable": whatever
:func:`exercise.preprocess.find_candidates` hands it becomes a digit. The gate is a small
learned network that looks at each candidate first, at the mark as MNIST would have it and
at its surroundings, and scores how much it looks like a handwritten digit on a surface.
Only candidates it accepts reach the student's model.

What it offers::

    handwriting_scores(image28s (N,28,28) uint8, contexts (N,28,28) uint8) -> (N,) float32 in 0..1
    accepts(image28s, contexts) -> (N,) bool           # score >= the gate's threshold
    load_gate(path=None) -> HandwritingGate            # cached: one session per file per process
    HandwritingGate.load(path) / .threshold / .scores(...) / .accepts(...) / .keep(candidates)

The model, ``exercise/assets/handwriting_gate.onnx``, is made by ``digit-classifier
train-gate`` (docs/gate-card.md): input ``input`` float32 ``[N,2,28,28]`` (channel 0 the
candidate's ``image28`` / 255, channel 1 its ``context28`` / 255), output ``output``
``[N,1]``, the probability of handwriting (the sigmoid is inside the graph). The acceptance
threshold travels with the weights, in the ONNX metadata key ``threshold``, because it was
chosen for those weights: a retrained gate brings its own.

Runtime only (numpy and onnxruntime, Python 3.8); it imports nothing else of the exercise
but its exceptions and session options, so :mod:`exercise.preprocess` can import it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Dict, List, Optional, Protocol, Sequence, TypeVar, Union

import numpy as np
import onnxruntime as ort

from exercise.exceptions import ModelFormatError, ModelShapeError
from exercise.sessions import THRESHOLD_KEY, BundledNetwork, open_bundled

__all__ = ["GATE_PATH", "THRESHOLD_KEY", "HandwritingGate", "accepts", "handwriting_scores", "load_gate"]

#: The bundled gate, produced by ``digit-classifier train-gate --install`` (docs/gate-card.md).
GATE_PATH = Path(__file__).resolve().parent / "assets" / "handwriting_gate.onnx"
SIDE = 28
#: The gate's input: image28 and context28 stacked as two channels.
CHANNELS = 2
#: A gate is a few tens of kB; anything far larger is not one of ours.
MAX_GATE_BYTES = 10 * 1000 * 1000
NETWORK = BundledNetwork(
    "handwriting gate", MAX_GATE_BYTES, "make gate-model", "digit-classifier train-gate", "docs/gate-card.md"
)


class _HasImages(Protocol):
    """What :meth:`HandwritingGate.keep` needs of a candidate (exercise.preprocess.Candidate)."""

    @property
    def image28(self) -> np.ndarray: ...

    @property
    def context28(self) -> np.ndarray: ...


CandidateT = TypeVar("CandidateT", bound=_HasImages)


class HandwritingGate:
    """A loaded, checked gate. Get one from :meth:`load` or :func:`load_gate`.

    ``scores`` may be called from several threads at once: onnxruntime sessions are safe
    for concurrent ``run`` calls and the gate keeps no other mutable state.
    """

    def __init__(self, session: ort.InferenceSession, threshold: float, source: str) -> None:
        # Private: use HandwritingGate.load, which checks the session first.
        self._session = session
        self._input = session.get_inputs()[0].name
        #: Scores at or above this are handwriting (from the model's metadata).
        self.threshold = threshold
        #: Where the gate was loaded from, for messages.
        self.source = source

    @classmethod
    def load(cls, path: Union[str, Path] = GATE_PATH) -> HandwritingGate:
        """Read and check a gate file: one input ``[N,2,28,28]``, one output ``[N,1]`` in
        0..1, a ``threshold`` in its metadata.

        Raises:
            ModelError: the file is missing or unreadable (a checkout without the trained
                gate: ``make gate-model``).
            ModelFormatError: not an ONNX model onnxruntime can run, or no usable threshold.
            ModelShapeError: inputs or outputs not those of a gate.
        """
        path = Path(path)
        session, threshold = open_bundled(path, NETWORK)
        _check_signature(session, path.name)
        gate = cls(session, threshold, str(path))
        gate._probe(path.name)
        return gate

    def scores(self, image28s: np.ndarray, contexts: np.ndarray) -> np.ndarray:
        """The probability that each candidate is handwriting, ``(N,)`` float32 in 0..1.

        ``image28s`` and ``contexts`` are ``(N,28,28)`` uint8 (a single ``(28,28)`` image
        counts as N=1): the candidates' ``image28`` and ``context28``. One onnxruntime call
        for the whole batch.

        Raises:
            ValueError: arrays of the wrong shape or type (a programming error).
        """
        batch = _input_batch(image28s, contexts)
        if len(batch) == 0:
            return np.zeros(0, np.float32)
        (output,) = self._session.run(None, {self._input: batch})
        return np.asarray(output, dtype=np.float32).reshape(len(batch))

    def accepts(self, image28s: np.ndarray, contexts: np.ndarray) -> np.ndarray:
        """``(N,)`` bool: which candidates look like handwriting (score >= :attr:`threshold`)."""
        return self.scores(image28s, contexts) >= self.threshold

    def keep(self, candidates: Sequence[CandidateT]) -> List[CandidateT]:
        """The candidates (anything with ``image28`` and ``context28``) the gate accepts, in order."""
        if not candidates:
            return []
        images = np.stack([c.image28 for c in candidates])
        contexts = np.stack([c.context28 for c in candidates])
        accepted = self.accepts(images, contexts)
        return [c for c, ok in zip(candidates, accepted) if ok]

    def _probe(self, label: str) -> None:
        """One run on blank candidates: the output must be one finite probability each."""
        blank = np.zeros((2, SIDE, SIDE), np.uint8)
        try:
            (output,) = self._session.run(None, {self._input: _input_batch(blank, blank)})
        except Exception as exc:  # onnxruntime's own Exception subclasses
            raise ModelFormatError(
                f"onnxruntime failed to run it on a [2,2,28,28] batch: {exc}", source=label
            ) from exc
        values = np.asarray(output)
        if values.size != 2:
            raise ModelShapeError(
                f"gives {values.size} values for 2 candidates, expected one score each ([N,1])", source=label
            )
        if not np.all(np.isfinite(values)) or values.min() < 0.0 or values.max() > 1.0:
            raise ModelFormatError(
                f"its outputs are not probabilities in 0..1 (got {values.ravel().tolist()}); "
                "a gate exports its sigmoid inside the graph",
                source=label,
            )

    def __repr__(self) -> str:
        return f"HandwritingGate({self.source!r}, threshold={self.threshold:.4f})"


def _input_batch(image28s: np.ndarray, contexts: np.ndarray) -> np.ndarray:
    """The two uint8 stacks as the gate's float32 ``[N,2,28,28]`` input in 0..1."""
    images, surround = np.asarray(image28s), np.asarray(contexts)
    if images.ndim == 2:
        images, surround = images[None], surround[None]
    for name, array in (("image28s", images), ("contexts", surround)):
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[1:] != (SIDE, SIDE):
            raise ValueError(
                f"{name} must be (N,28,28) uint8, got {array.dtype} with shape {list(array.shape)}"
            )
    if len(images) != len(surround):
        raise ValueError(f"{len(images)} images but {len(surround)} contexts")
    batch = np.empty((len(images), CHANNELS, SIDE, SIDE), np.float32)
    np.multiply(images, np.float32(1.0 / 255.0), out=batch[:, 0])
    np.multiply(surround, np.float32(1.0 / 255.0), out=batch[:, 1])
    return batch


def _check_signature(session: ort.InferenceSession, label: str) -> None:
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) != 1:
        raise ModelShapeError(
            f"has {len(inputs)} inputs and {len(outputs)} outputs, expected one of each "
            "(input [N,2,28,28], output [N,1])",
            source=label,
        )
    shape = list(inputs[0].shape or [])
    fixed = [d if isinstance(d, int) else None for d in shape]
    if inputs[0].type != "tensor(float)" or len(shape) != 4 or fixed[1:] != [CHANNELS, SIDE, SIDE]:
        raise ModelShapeError(
            f"input '{inputs[0].name}' is {inputs[0].type} {shape}, expected float32 [N,2,28,28] "
            "(the candidate's image28 and context28)",
            source=label,
        )


# --- the process-wide gate -----------------------------------------------------------------------

_loaded: Dict[Path, HandwritingGate] = {}
_BUNDLED = GATE_PATH.resolve()
_lock = threading.Lock()


def load_gate(path: Optional[Union[str, Path]] = None) -> HandwritingGate:
    """The gate at ``path`` (default: the bundled one), loaded on first use and then cached.

    Raises:
        ModelError: see :meth:`HandwritingGate.load` (a failed load is not cached: the next
            call tries again, so installing the file fixes a running process).
    """
    # The bundled file is looked up without touching the disk: this runs on every frame.
    key = _BUNDLED if path is None else Path(path).resolve()
    with _lock:
        gate = _loaded.get(key)
        if gate is None:
            gate = _loaded[key] = HandwritingGate.load(key)
        return gate


def handwriting_scores(image28s: np.ndarray, contexts: np.ndarray) -> np.ndarray:
    """The bundled gate's scores, ``(N,)`` float32 in 0..1 (see :meth:`HandwritingGate.scores`)."""
    return load_gate().scores(image28s, contexts)


def accepts(image28s: np.ndarray, contexts: np.ndarray) -> np.ndarray:
    """``(N,)`` bool: the bundled gate's verdicts at its own threshold."""
    return load_gate().accepts(image28s, contexts)
