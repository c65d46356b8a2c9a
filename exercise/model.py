"""Load an ONNX digit model with onnxruntime and check it against the exercise's spec.

What it offers::

    DigitModel.load(source: path | bytes, *, name=None, max_bytes=MAX_MODEL_BYTES,
                    threads=1) -> DigitModel            # raises ModelError subclasses
    model.predict(tensor [1,1,28,28] or [N,1,28,28]) -> probabilities [10] or [N,10]
    model.spec -> ModelSpec (to_dict() for JSON)
    load_default_model() -> DigitModel                   # exercise/assets/default_model.onnx

``DigitModel.load`` is the only way to get a model and it is all-or-nothing: it returns a
model that has been checked and run, or raises. Callers that hold a model in use (the hub,
the brain) load the new one first and swap only when ``load`` returned, so a rejected
upload never replaces a working model. docs/model-spec.md says what a model must be.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import onnxruntime as ort

from exercise.exceptions import (
    ModelError,
    ModelFormatError,
    ModelOutputError,
    ModelShapeError,
    ModelTooLargeError,
)
from exercise.external_data import WireError, external_tensors
from exercise.limits import MAX_MODEL_BYTES
from exercise.payloads import ModelInfo, to_json
from exercise.preprocess import Scaling, scale_batch
from exercise.sessions import session_options

#: The bundled model, produced by ``digit-classifier train`` (see its model card).
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "assets" / "default_model.onnx"

#: ONNX metadata key that names the input normalisation (a ``Scaling`` value).
NORMALIZATION_KEY = "normalization"

#: The input every model must accept (batch, channel, height, width).
INPUT_SHAPE = (1, 1, 28, 28)
NUM_CLASSES = 10

#: Runs timed for ``ModelSpec.latency_ms`` (after the check's warm-up runs).
_LATENCY_RUNS = 7

#: Tolerances for telling probabilities and log-probabilities from logits: float32
#: softmax outputs sum to 1 within ~1e-6; 1e-3 leaves room for float16 models.
_SUM_TOLERANCE = 1e-3
_RANGE_TOLERANCE = 1e-4

#: onnxruntime tensor types a student is likely to hit, in numpy's words.
_ORT_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(int8)": "int8",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
    "tensor(string)": "string",
}
_FLOAT_OUTPUT_TYPES = ("tensor(float)", "tensor(double)", "tensor(float16)")

Dim = Union[int, str]


class OutputKind(str, enum.Enum):
    """What a model's 10 output values are; ``DigitModel.predict`` always hands out probabilities."""

    PROBABILITIES = "probabilities"  # softmax inside the model
    LOGITS = "logits"  # raw scores: the ONNX model zoo's MNIST models
    LOG_PROBABILITIES = "log_probabilities"  # log_softmax: PyTorch's MNIST example


@dataclass(frozen=True)
class ModelSpec:
    """What the check found in a model; ``to_dict()`` is the JSON form (GUI, ``check --json``)."""

    name: str
    size_bytes: int
    sha256: str
    input_name: str
    #: Declared input shape: ints, or names (strings) for symbolic dimensions, "?" if unnamed.
    input_shape: Tuple[Dim, ...]
    output_name: str
    #: Declared output shape when the model declares one, else the shape of a batch-1 run.
    output_shape: Tuple[Dim, ...]
    output_kind: OutputKind
    #: From the ONNX metadata key ``normalization``; ``Scaling.UNIT`` when absent.
    normalization: Scaling
    #: Median time of one single-image inference, in milliseconds, measured at load.
    latency_ms: float
    #: True for the bundled default model.
    default: bool = False

    def info(self) -> ModelInfo:
        """The payload the page, the REST API and ``check --json`` show."""
        return ModelInfo(
            name=self.name,
            size_bytes=self.size_bytes,
            sha256=self.sha256,
            input_name=self.input_name,
            input_shape=list(self.input_shape),
            output_name=self.output_name,
            output_shape=list(self.output_shape),
            output_kind=self.output_kind.value,
            normalization=self.normalization.value,
            latency_ms=round(self.latency_ms, 3),
            default=self.default,
        )

    def to_dict(self) -> Dict[str, Any]:
        """:meth:`info` as plain JSON values."""
        return to_json(self.info())


class DigitModel:
    """A checked ONNX digit classifier. Get one from :meth:`load` or :func:`load_default_model`.

    ``predict`` may be called from several threads at once: onnxruntime sessions are safe for
    concurrent ``run`` calls and the model keeps no other mutable state.
    """

    def __init__(self, session: ort.InferenceSession, spec: ModelSpec, *, batched: bool) -> None:
        # Private: use DigitModel.load, which checks the session before building a model.
        self._session = session
        self._spec = spec
        # True when one run may take a whole batch; otherwise predict runs image by image.
        self._batched = batched

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    @classmethod
    def load(
        cls,
        source: Union[str, Path, bytes],
        *,
        name: Optional[str] = None,
        max_bytes: int = MAX_MODEL_BYTES,
        threads: int = 1,
    ) -> DigitModel:
        """Read, check and time a model from a file path or the bytes of an upload.

        Returns a model that has passed every check, or raises a
        :class:`~exercise.exceptions.ModelError` subclass whose message says what was found
        and what was expected. Nothing is changed on failure: swap the model in use only
        after this returned.

        ``name`` labels the model in messages and in its spec (default: the file name, or
        ``model.onnx`` for bytes). ``threads`` is onnxruntime's intra-op thread count.
        """
        label = name or (Path(source).name if isinstance(source, (str, Path)) else "model.onnx")
        data = _read_source(source, label, max_bytes)
        session = _open_session(data, label, threads)
        input_arg = _check_input(session, label)
        output_arg = _check_output(session, label)
        normalization = _read_normalization(session, label)
        probe = scale_batch(_probe_images(), normalization)
        outputs = _run_probe(session, probe, label)
        kind = _detect_output_kind(outputs)
        batched = _accepts_batches(session, input_arg.shape, probe, outputs)
        declared = _dims(output_arg.shape)
        spec = ModelSpec(
            name=label,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            input_name=input_arg.name,
            input_shape=_dims(input_arg.shape),
            output_name=output_arg.name,
            output_shape=declared if declared else tuple(outputs[0].shape),
            output_kind=kind,
            normalization=normalization,
            latency_ms=0.0,
            default=False,
        )
        latency_ms = cls(session, spec, batched=batched)._median_latency_ms(probe[1:2])
        return cls(session, dataclasses.replace(spec, latency_ms=latency_ms), batched=batched)

    def predict(self, tensor: np.ndarray) -> np.ndarray:
        """Probabilities for one ``[1,1,28,28]`` tensor (shape ``(10,)``) or a batch
        ``[N,1,28,28]`` (shape ``(N, 10)``), whatever the model outputs itself.

        Raises:
            ValueError: the tensor is not ``[N,1,28,28]`` (a programming error, not a model one).
        """
        batch = np.ascontiguousarray(tensor, dtype=np.float32)
        if batch.ndim != 4 or batch.shape[1:] != INPUT_SHAPE[1:]:
            raise ValueError(f"expected a [N,1,28,28] tensor, got shape {list(np.shape(tensor))}")
        scores = self._scores(batch)
        probabilities = _to_probabilities(scores, self._spec.output_kind)
        return probabilities[0] if batch.shape[0] == 1 else probabilities

    def predict_image28(self, image28: np.ndarray) -> np.ndarray:
        """The 10 probabilities (float64) for one 28x28 uint8 image, white digit on black,
        scaled the way this model declares (``spec.normalization``)."""
        tensor = scale_batch(np.asarray(image28, np.uint8).reshape(1, 28, 28), self._spec.normalization)
        return np.asarray(self.predict(tensor), np.float64).reshape(NUM_CLASSES)

    def _scores(self, batch: np.ndarray) -> np.ndarray:
        """Raw outputs as float64 ``(N, 10)``."""
        if len(batch) == 0:
            return np.zeros((0, NUM_CLASSES))
        if self._batched:
            return _run(self._session, batch).reshape(len(batch), NUM_CLASSES)
        rows = [_run(self._session, batch[i : i + 1]).reshape(NUM_CLASSES) for i in range(len(batch))]
        return np.stack(rows)

    def _median_latency_ms(self, one: np.ndarray) -> float:
        times = []
        for _ in range(_LATENCY_RUNS):
            start = time.perf_counter()
            self.predict(one)
            times.append((time.perf_counter() - start) * 1000.0)
        return float(statistics.median(times))

    def __repr__(self) -> str:
        return f"DigitModel({self._spec.name!r}, {self._spec.output_kind.value}, {self._spec.sha256[:12]})"


def load_default_model() -> DigitModel:
    """The bundled model (``exercise/assets/default_model.onnx``), checked like any other.

    Raises:
        ModelError: the file is missing (a source checkout without the trained model) or broken.
    """
    model = DigitModel.load(DEFAULT_MODEL_PATH, name="default_model.onnx")
    return DigitModel(model._session, dataclasses.replace(model.spec, default=True), batched=model._batched)


# --- reading -----------------------------------------------------------------------------


def _read_source(source: Union[str, Path, bytes], label: str, max_bytes: int) -> bytes:
    """The model's bytes, refusing anything over ``max_bytes`` before reading it all."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise ModelTooLargeError(len(data), max_bytes, source=label)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise ModelError(f"{path} is a directory, expected an .onnx file", source=label)
            if size > max_bytes:
                raise ModelTooLargeError(size, max_bytes, source=label)
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read {path}: {exc.strerror or exc}", source=label) from exc
        # A file that grew between stat and read is still refused.
        if len(data) > max_bytes:
            raise ModelTooLargeError(len(data), max_bytes, source=label)
    if not data:
        raise ModelFormatError("the file is empty (0 bytes), expected an ONNX model", source=label)
    _refuse_known_non_onnx(data, label)
    _refuse_external_data(data, label)
    return data


def _refuse_known_non_onnx(data: bytes, label: str) -> None:
    """Name the formats students upload by mistake instead of a generic parse error."""
    if data[:4] == b"PK\x03\x04":
        raise ModelFormatError(
            "this is a zip file, most likely a PyTorch checkpoint (.pt/.pth), not ONNX; "
            "export it first (digit-classifier export, or torch.onnx.export)",
            source=label,
        )
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        raise ModelFormatError(
            "this is an HDF5 file (a Keras .h5 model), not ONNX; convert it with tf2onnx first",
            source=label,
        )


def _refuse_external_data(data: bytes, label: str) -> None:
    """A model must carry its own weights: onnxruntime would look for external ones in the
    server's working directory, reading whatever file they name."""
    try:
        outside = external_tensors(data)
    except WireError:
        return  # not protobuf at all: onnxruntime's load error says so
    if outside:
        name, location = outside[0]
        raise ModelFormatError(
            f"tensor '{name}' keeps its data in a separate file ('{location}'); upload one "
            "self-contained .onnx file (export without external data: weights under 2 GB are "
            "stored inline by default)",
            source=label,
        )


def _open_session(data: bytes, label: str, threads: int) -> ort.InferenceSession:
    options = session_options(threads)
    try:
        return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Exception subclasses, one per status
        raise ModelFormatError(_explain_load_failure(str(exc)), source=label) from exc


def _explain_load_failure(message: str) -> str:
    """onnxruntime's load error in words a student can act on."""
    detail = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", message).strip()
    # "/onnxruntime_src/.../model.cc:256 onnxruntime::Model::Model(...) <the reason>": keep the reason.
    detail = re.sub(r"^/\S+:\d+ (?:[\w:<>~]+ )?[\w:<>~]+\(.*?\)(?: const)? (?=[A-Z])", "", detail)
    ir = re.search(r"Unsupported model IR version: (\d+), max supported IR version: (\d+)", detail)
    if ir:
        return (
            f"it was saved with ONNX IR version {ir.group(1)}, newer than onnxruntime {ort.__version__} "
            f"reads (up to {ir.group(2)}); re-export it with an older onnx package or set "
            f"model.ir_version = {ir.group(2)} before saving"
        )
    opset = re.search(
        r"Opset (\d+) is under development.*?support for domain ([\w.]+) is till opset (\d+)", detail
    )
    if opset:
        return (
            f"it uses opset {opset.group(1)} of {opset.group(2)}, newer than onnxruntime {ort.__version__} "
            f"supports; re-export with opset <= {opset.group(3)} (torch.onnx.export(..., opset_version=17))"
        )
    unknown = re.search(r"No Op registered for (\w+) with domain_version of (\d+)", detail)
    if unknown:
        return (
            f"uses operator {unknown.group(1)}, which onnxruntime {ort.__version__} cannot run at "
            f"opset {unknown.group(2)}; export with standard ONNX operators (torch.onnx.export, "
            "opset 13 to 17)"
        )
    custom = re.search(r"([\w.]*):(\w+)\(-?\d+\) is not a registered function/op", detail)
    if custom:
        domain = custom.group(1) or "ai.onnx"
        return (
            f"uses operator {custom.group(2)} from domain '{domain}', which onnxruntime "
            f"{ort.__version__} cannot run; export with standard ONNX operators only"
        )
    if "protobuf parsing failed" in detail or "No graph was found" in detail:
        return "not an ONNX model, or a corrupt or truncated one (protobuf parsing failed)"
    if "external data" in detail.lower() or "ExternalData" in detail:
        return (
            "the model keeps its weights in a separate external-data file; export it as a "
            "single .onnx file (weights under 2 GB are stored inline by default)"
        )
    return f"onnxruntime {ort.__version__} cannot load it: {detail}"


# --- checking inputs and outputs -----------------------------------------------------------


def _dims(shape: Optional[Sequence[Any]]) -> Tuple[Dim, ...]:
    """onnxruntime's declared shape with unnamed dimensions as ``"?"``."""
    return tuple(d if isinstance(d, (int, str)) else "?" for d in (shape or ()))


def _shape_text(shape: Sequence[Any]) -> str:
    return "[" + ",".join(str(d) for d in _dims(shape)) + "]"


def _type_text(ort_type: str) -> str:
    return _ORT_TYPES.get(ort_type, ort_type)


def _check_input(session: ort.InferenceSession, label: str) -> Any:
    """The model's single input, if it accepts float32 ``[1,1,28,28]``."""
    inputs = session.get_inputs()
    if len(inputs) != 1:
        names = ", ".join(repr(i.name) for i in inputs) or "none"
        raise ModelShapeError(
            f"has {len(inputs)} inputs ({names}), expected exactly one: a float32 [1,1,28,28] image",
            source=label,
        )
    arg = inputs[0]
    if arg.type != "tensor(float)":
        raise ModelShapeError(
            f"input '{arg.name}' is {_type_text(arg.type)}, expected float32; export the model "
            "with a float32 dummy input (torch.zeros(1, 1, 28, 28))",
            source=label,
        )
    shape = list(arg.shape or [])
    expected = "[1,1,28,28] (batch, channel, height, width)"
    if len(shape) != 4:
        hint = ""
        if len(shape) == 2:
            hint = "; flatten inside the model (nn.Flatten) so that it takes the image as [1,1,28,28]"
        raise ModelShapeError(
            f"input '{arg.name}' has shape {_shape_text(shape)} (rank {len(shape)}), "
            f"expected {expected}{hint}",
            source=label,
        )
    batch, channels, height, width = shape
    if isinstance(batch, int) and batch != 1:
        raise ModelShapeError(
            f"input '{arg.name}' has a fixed batch of {batch} ({_shape_text(shape)}), expected 1 "
            f"or a symbolic batch dimension: {expected}",
            source=label,
        )
    if isinstance(channels, int) and channels != 1:
        raise ModelShapeError(
            f"input '{arg.name}' has {channels} channels ({_shape_text(shape)}), expected 1 "
            f"(a grey image): {expected}",
            source=label,
        )
    for value, what in ((height, "height"), (width, "width")):
        if isinstance(value, int) and value != 28:
            raise ModelShapeError(
                f"input '{arg.name}' has {what} {value} ({_shape_text(shape)}), expected 28: {expected}",
                source=label,
            )
    return arg


def _check_output(session: ort.InferenceSession, label: str) -> Any:
    """The model's single output, if its declared type and shape can hold 10 scores."""
    outputs = session.get_outputs()
    if len(outputs) != 1:
        names = ", ".join(repr(o.name) for o in outputs) or "none"
        raise ModelShapeError(
            f"has {len(outputs)} outputs ({names}), expected exactly one with 10 values per image",
            source=label,
        )
    arg = outputs[0]
    if arg.type not in _FLOAT_OUTPUT_TYPES:
        raise ModelShapeError(
            f"output '{arg.name}' is {_type_text(arg.type)}, expected float32 scores "
            "(the 10 class scores, not the predicted label)",
            source=label,
        )
    shape = list(arg.shape or [])
    if shape:  # declared (an empty shape means unknown here): check it before running
        _check_output_size(arg.name, shape, label)
    return arg


def _check_output_size(name: str, shape: Sequence[Any], label: str) -> None:
    """A declared shape that can hold 10 values per image: ``[1,10]``, ``[N,10]`` or ``[10]``.

    Symbolic dimensions pass here; the probe run checks what the model really outputs.
    """
    dims = list(shape)
    if len(dims) == 2:
        batch, per_image = dims
        batch_ok = not isinstance(batch, int) or batch == 1
        ok = batch_ok and (not isinstance(per_image, int) or per_image == NUM_CLASSES)
    elif len(dims) == 1:
        ok = not isinstance(dims[0], int) or dims[0] == NUM_CLASSES
    else:
        ok = False
    if not ok:
        known = [d for d in dims if isinstance(d, int)]
        values = f" ({int(np.prod(known))} values)" if len(known) == len(dims) else ""
        raise ModelShapeError(
            f"output '{name}' has shape {_shape_text(dims)}{values}, expected 10 values per image, "
            "one per digit: [1,10] or [10]",
            source=label,
        )


def _read_normalization(session: ort.InferenceSession, label: str) -> Scaling:
    metadata = session.get_modelmeta().custom_metadata_map or {}
    raw = metadata.get(NORMALIZATION_KEY)
    if raw is None:
        return Scaling.UNIT
    value = raw.strip().lower()
    try:
        return Scaling(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Scaling)
        raise ModelFormatError(
            f"metadata '{NORMALIZATION_KEY}' is {raw!r}, expected one of: {allowed}", source=label
        ) from None


# --- running ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _probe_images() -> np.ndarray:
    """A blank image and three drawn digits (1, 0, 7), MNIST style: white on black, 28x28.

    Read-only: the cache hands the same array to every caller.
    """
    images = np.zeros((4, 28, 28), np.uint8)
    cv2.line(images[1], (14, 5), (14, 22), 255, 3)
    cv2.ellipse(images[2], (14, 14), (6, 9), 0, 0, 360, 255, 3)
    cv2.line(images[3], (8, 6), (20, 6), 255, 3)
    cv2.line(images[3], (20, 6), (12, 22), 255, 3)
    blurred = np.stack([cv2.GaussianBlur(image, (3, 3), 0) for image in images])
    blurred.setflags(write=False)
    return blurred


def _run(session: ort.InferenceSession, batch: np.ndarray) -> np.ndarray:
    name = session.get_inputs()[0].name
    (output,) = session.run(None, {name: batch})
    return np.asarray(output, dtype=np.float64)


_PROBE_NAMES = ("a blank image", "a drawn 1", "a drawn 0", "a drawn 7")


def _run_probe(session: ort.InferenceSession, probe: np.ndarray, label: str) -> np.ndarray:
    """Outputs ``(len(probe), 10)`` of one-image runs, checked for size and finiteness."""
    rows = []
    for index, what in enumerate(_PROBE_NAMES[: len(probe)]):
        try:
            output = _run(session, probe[index : index + 1])
        except Exception as exc:  # onnxruntime's own Exception subclasses
            detail = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", str(exc)).strip()
            raise ModelFormatError(
                f"onnxruntime failed to run it on a float32 [1,1,28,28] input: {detail}", source=label
            ) from exc
        if output.size != NUM_CLASSES:
            raise ModelShapeError(
                f"output has shape {list(output.shape)} ({output.size} values) for one image, "
                "expected 10 values, one per digit: [1,10] or [10]",
                source=label,
            )
        if not np.all(np.isfinite(output)):
            bad = "NaN" if np.any(np.isnan(output)) else "infinite values"
            raise ModelOutputError(
                f"output contains {bad} for {what}; check the training (a diverged loss) and the "
                "export (log of zero, division by zero)",
                source=label,
            )
        rows.append(output.reshape(NUM_CLASSES))
    outputs = np.stack(rows)
    if np.all(outputs == outputs[0]):
        raise ModelOutputError(
            "gives exactly the same output for a blank image and for drawn digits: it ignores "
            "its input (untrained, or exported with the input folded into constants)",
            source=label,
        )
    return outputs


def _accepts_batches(
    session: ort.InferenceSession, input_shape: Sequence[Any], probe: np.ndarray, singles: np.ndarray
) -> bool:
    """Whether one run may take a whole batch: a symbolic batch dimension that really works.

    Exports often declare a dynamic batch yet reshape to 1 inside; such models still pass,
    and ``predict`` feeds them one image at a time.
    """
    if isinstance(input_shape[0], int):
        return False
    try:
        output = _run(session, np.ascontiguousarray(probe))
    except Exception:  # any failure means "not batchable", never "unusable"
        return False
    if output.size != len(probe) * NUM_CLASSES:
        return False
    return bool(np.allclose(output.reshape(len(probe), NUM_CLASSES), singles, rtol=1e-4, atol=1e-5))


def _detect_output_kind(outputs: np.ndarray) -> OutputKind:
    """Probabilities if every row is a distribution, log-probabilities if every row
    exponentiates to one, logits otherwise."""
    in_range = (outputs.min(axis=1) >= -_RANGE_TOLERANCE) & (outputs.max(axis=1) <= 1 + _RANGE_TOLERANCE)
    sums_to_one = np.abs(outputs.sum(axis=1) - 1.0) <= _SUM_TOLERANCE
    if np.all(in_range & sums_to_one):
        return OutputKind.PROBABILITIES
    non_positive = outputs.max(axis=1) <= _RANGE_TOLERANCE
    exp_sums_to_one = np.abs(np.exp(outputs).sum(axis=1) - 1.0) <= _SUM_TOLERANCE
    if np.all(non_positive & exp_sums_to_one):
        return OutputKind.LOG_PROBABILITIES
    return OutputKind.LOGITS


def _to_probabilities(scores: np.ndarray, kind: OutputKind) -> np.ndarray:
    """Rows of 10 non-negative values summing to 1."""
    if kind is OutputKind.PROBABILITIES:
        clipped = np.clip(scores, 0.0, None)
        totals = clipped.sum(axis=1, keepdims=True)
        return np.divide(clipped, totals, out=np.full_like(clipped, 1.0 / NUM_CLASSES), where=totals > 0)
    # softmax(log p) == p, so logits and log-probabilities take the same (stable) path.
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
