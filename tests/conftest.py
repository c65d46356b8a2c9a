"""Shared fixtures: small, real ONNX models built with ``onnx.helper``.

Every model here is a genuine ONNX graph that onnxruntime loads and runs; tests that need a
model (the model check, the CLI, the brain, the server) take one of these fixtures:

``onnx_model_bytes(**options) -> bytes``
    Builds a linear classifier ``x -> Flatten -> MatMul W -> Add b -> [head]``. Options:

    * ``head``: ``"logits"`` (default), ``"softmax"`` or ``"log_softmax"``
    * ``input_shape``: default ``("N", 1, 28, 28)`` (symbolic batch); ``(1, 1, 28, 28)``,
      ``(1, 784)``, ``(1, 3, 28, 28)``... any shape works, the weights follow it
    * ``input_type``: ``"float"`` (default), ``"double"``, ``"int64"``, ... (cast inside)
    * ``classes``: number of outputs (default 10; 9 makes a wrong model)
    * ``output_shape``: ``None`` (default ``[batch, classes]``) or ``(classes,)`` for a rank-1
      output (the graph then reshapes its single row)
    * ``weights`` ``(features, classes)`` / ``bias`` ``(classes,)``: float arrays; default
      small seeded random weights (the outputs depend on the input, as the check demands)
    * ``metadata``: ``{"normalization": "mnist"}`` and so on
    * ``two_inputs``: a second float input added to the first
    * ``custom_op``: ``(domain, op_type)`` of a node onnxruntime does not know
    * ``nan``: the bias is NaN, so every output is NaN

``onnx_model_file(name="model.onnx", **options) -> Path``
    The same, written into the test's ``tmp_path``.

``logits_model_path`` / ``softmax_model_path``
    Ready-made good models (symbolic batch) as files.

``draw_digit_frame(digit, size=(240, 320), x=None) -> BGR frame``
    :func:`draw_digit`: a dark digit on white paper, for tests that need a picture.

``write_idx_split(directory, images, labels, gz=False)``
    Writes ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (``.gz`` if asked), the
    MNIST test files ``evaluate`` and the trainer read.

``digit_model_bytes`` / ``digit_model_path``
    A template-matching model that really reads the digits :func:`draw_digit` draws (see
    there): for end-to-end tests (predict CLI, brain, server) that need the right answer
    without the trained default model.
"""

from __future__ import annotations

import gzip
import socket
import struct
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from exercise.cameras import demo_assets
from exercise.idx import read_idx
from exercise.training.scenes import MNIST_DIR


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, for a server under test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST files (../shared beside the checkout, or $MNIST_DIR: the benchmarks'
    rule); a missing copy fails the test (it would hide a gap if it skipped)."""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"the MNIST IDX files are not in {MNIST_DIR}; set MNIST_DIR to their folder")
    return MNIST_DIR


#: Opset and IR version every fixture model uses: old enough for onnxruntime >= 1.15.
OPSET = 13
IR_VERSION = 8

_TYPES = {
    "float": TensorProto.FLOAT,
    "double": TensorProto.DOUBLE,
    "float16": TensorProto.FLOAT16,
    "int64": TensorProto.INT64,
    "int32": TensorProto.INT32,
    "uint8": TensorProto.UINT8,
}

Shape = Sequence[Any]


def build_onnx_model(
    *,
    head: str = "logits",
    input_shape: Shape = ("N", 1, 28, 28),
    input_type: str = "float",
    classes: int = 10,
    output_shape: Optional[Shape] = None,
    weights: Optional[np.ndarray] = None,
    bias: Optional[np.ndarray] = None,
    metadata: Optional[Dict[str, str]] = None,
    two_inputs: bool = False,
    custom_op: Optional[Tuple[str, str]] = None,
    nan: bool = False,
) -> bytes:
    """The serialized bytes of a linear classifier; see the module docstring for options."""
    features = int(np.prod([d for d in list(input_shape)[1:] if isinstance(d, int)]))
    rng = np.random.default_rng(0)
    if weights is None:
        weights = rng.normal(0.0, 0.05, size=(features, classes))
    if bias is None:
        bias = np.full(classes, np.nan) if nan else rng.normal(0.0, 0.1, size=classes)
    initializers = [
        numpy_helper.from_array(np.asarray(weights, np.float32), "W"),
        numpy_helper.from_array(np.asarray(bias, np.float32), "b"),
    ]
    inputs = [helper.make_tensor_value_info("input", _TYPES[input_type], list(input_shape))]
    nodes = []
    current = "input"
    if input_type != "float":
        nodes.append(helper.make_node("Cast", [current], ["as_float"], to=TensorProto.FLOAT))
        current = "as_float"
    if two_inputs:
        inputs.append(helper.make_tensor_value_info("input2", TensorProto.FLOAT, list(input_shape)))
        nodes.append(helper.make_node("Add", [current, "input2"], ["summed"]))
        current = "summed"
    opsets = [helper.make_opsetid("", OPSET)]
    if custom_op is not None:
        domain, op_type = custom_op
        nodes.append(helper.make_node(op_type, [current], ["custom"], domain=domain))
        if domain:
            opsets.append(helper.make_opsetid(domain, 1))
        current = "custom"
    nodes += [
        helper.make_node("Flatten", [current], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "W"], ["scores"]),
        helper.make_node("Add", ["scores", "b"], ["logits"]),
    ]
    current = "logits"
    if head == "softmax":
        nodes.append(helper.make_node("Softmax", [current], ["probs"], axis=1))
        current = "probs"
    elif head == "log_softmax":
        nodes.append(helper.make_node("LogSoftmax", [current], ["log_probs"], axis=1))
        current = "log_probs"
    elif head != "logits":
        raise ValueError(f"unknown head {head!r}")
    batch = input_shape[0] if len(input_shape) else 1
    declared: Shape = [batch, classes]
    if output_shape is not None:
        declared = list(output_shape)
        initializers.append(numpy_helper.from_array(np.asarray(declared, np.int64), "out_shape"))
        nodes.append(helper.make_node("Reshape", [current, "out_shape"], ["reshaped"]))
        current = "reshaped"
    nodes.append(helper.make_node("Identity", [current], ["output"]))
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(declared))]
    graph = helper.make_graph(nodes, "digits", inputs, outputs, initializer=initializers)
    model = helper.make_model(graph, opset_imports=opsets, producer_name="tests")
    model.ir_version = IR_VERSION
    if metadata:
        helper.set_model_props(model, metadata)
    return model.SerializeToString()


# --- a model that really reads digits -------------------------------------------------------


def draw_digit(digit: int, size: Tuple[int, int] = (240, 320), *, x: Optional[int] = None) -> np.ndarray:
    """A BGR frame (white paper, dark ink) with ``digit`` handwritten on it, half the frame
    high, roughly centred (or with its left edge at ``x``). Deterministic.

    The handwriting is the first of the digit's class among the demo camera's MNIST digits:
    printed digits are not handwriting, and the exercise rightly ignores them.
    """
    height, width = size
    images, labels = demo_assets.load()
    image28 = images[int(np.flatnonzero(labels == digit)[0])]
    ys, xs = np.nonzero(image28 > 30)
    crop = image28[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    ink_height = height // 2
    ink_width = max(1, round(crop.shape[1] * ink_height / crop.shape[0]))
    ink = cv2.resize(crop, (ink_width, ink_height), interpolation=cv2.INTER_CUBIC)
    left = (width - ink_width) // 2 if x is None else x
    top = (height - ink_height) // 2
    frame = np.full((height, width, 3), 255, np.uint8)
    region = frame[top : top + ink_height, left : left + ink_width]
    region[:] = (255 - ink[: region.shape[0], : region.shape[1]])[:, :, None]
    return frame


def _mnist_style(frame: np.ndarray) -> np.ndarray:
    """The 28x28 white-on-black image of the ink in ``frame``: fit in 20x20, centred by mass.

    Only for building templates; the system under test uses exercise.preprocess.
    """
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    ink = 255 - grey
    ys, xs = np.nonzero(ink > 64)
    crop = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    factor = 20.0 / max(crop.shape)
    small = cv2.resize(
        crop,
        (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor))),
        interpolation=cv2.INTER_AREA,
    )
    image = np.zeros((28, 28), np.uint8)
    top, left = (28 - small.shape[0]) // 2, (28 - small.shape[1]) // 2
    image[top : top + small.shape[0], left : left + small.shape[1]] = small
    moments = cv2.moments(image)
    if moments["m00"]:
        dx, dy = 14 - moments["m10"] / moments["m00"], 14 - moments["m01"] / moments["m00"]
        image = cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, dy]]), (28, 28))
    return image


def digit_templates() -> np.ndarray:
    """``(10, 784)`` float32 unit-norm, zero-mean templates of the digits ``draw_digit`` draws.

    Each template is what exercise.preprocess makes of the drawn digit, so the model matches
    the predict path exactly; a digit preprocess does not find falls back to a plain
    MNIST-style crop.
    """
    from exercise.preprocess import preprocess

    rows = []
    for digit in range(10):
        frame = draw_digit(digit)
        candidates = preprocess(frame)
        image28 = candidates[0].image28 if len(candidates) == 1 else _mnist_style(frame)
        image = cv2.GaussianBlur(image28.astype(np.float32) / 255.0, (5, 5), 1.0).reshape(-1)
        image -= image.mean()
        rows.append(image / np.linalg.norm(image))
    return np.stack(rows)


def build_digit_model(*, metadata: Optional[Dict[str, str]] = None) -> bytes:
    """A logits model scoring each digit by correlation with its template (UNIT scaling)."""
    templates = digit_templates()
    # Zero-mean templates ignore the overall ink level; the scale makes softmax decisive.
    return build_onnx_model(weights=templates.T * 20.0, bias=np.zeros(10), metadata=metadata)


# --- MNIST-format files -----------------------------------------------------------------------


def digit_graph(nodes: Sequence[Any], initializers: Sequence[Any], name: str = "g") -> bytes:
    """A serialised ONNX model (opset 17, IR 8) of ``nodes`` from ``input`` [1,1,28,28] to
    ``output`` [1,10]: the contract's shapes around whatever graph a test needs."""
    graph = helper.make_graph(
        list(nodes),
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
        list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def png_bomb(width: int, height: int) -> bytes:
    """A real, valid PNG of ``width`` x ``height`` black grey pixels: a few hundred kB that
    decode to ``width * height`` bytes (a decompression bomb when that is huge)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    squeeze = zlib.compressobj(9)
    rows = bytes(1 + width) * min(height, 1000)  # filter byte 0 + a row of zeros
    pixels = [squeeze.compress(rows) for _ in range(height // 1000)]
    pixels.append(squeeze.compress(bytes(1 + width) * (height % 1000)) + squeeze.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(pixels)) + chunk(b"IEND", b"")
    )


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file's bytes: magic (0, 0, type, ndim), big-endian sizes, then the data."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx_split(directory: Path, images: np.ndarray, labels: np.ndarray, *, gz: bool = False) -> None:
    """uint8 ``images`` (N, H, W) and ``labels`` (N,) as MNIST's t10k files in ``directory``."""
    for stem, array in (("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)):
        data = idx_bytes(np.asarray(array, np.uint8))
        if gz:
            (directory / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (directory / stem).write_bytes(data)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def onnx_model_bytes() -> Callable[..., bytes]:
    """``build_onnx_model``: call it with the options in the module docstring."""
    return build_onnx_model


@pytest.fixture
def onnx_model_file(tmp_path: Path) -> Callable[..., Path]:
    """``make(name="model.onnx", **options) -> Path`` of a model file in ``tmp_path``."""

    def make(name: str = "model.onnx", **options: Any) -> Path:
        path = tmp_path / name
        path.write_bytes(build_onnx_model(**options))
        return path

    return make


@pytest.fixture
def logits_model_path(onnx_model_file: Callable[..., Path]) -> Path:
    return onnx_model_file("logits.onnx")


@pytest.fixture
def softmax_model_path(onnx_model_file: Callable[..., Path]) -> Path:
    return onnx_model_file("softmax.onnx", head="softmax")


@pytest.fixture
def write_idx() -> Callable[..., None]:
    """``write_idx_split(directory, images, labels, gz=False)``: MNIST t10k files."""
    return write_idx_split


@pytest.fixture
def draw_digit_frame() -> Callable[..., np.ndarray]:
    """``draw_digit``: ``(digit, size=(240, 320), *, x=None) -> BGR frame``."""
    return draw_digit


@pytest.fixture(scope="session")
def digit_model_bytes() -> bytes:
    return build_digit_model()


@pytest.fixture
def digit_model_path(tmp_path: Path, digit_model_bytes: bytes) -> Path:
    path = tmp_path / "digits.onnx"
    path.write_bytes(digit_model_bytes)
    return path


# --- camera-like pictures of handwriting ------------------------------------------------


def surface(grey: int, seed: int) -> np.ndarray:
    """A 640x480 BGR frame of an even surface, with a light gradient and sensor noise."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.92, 1.0, 640, dtype=np.float32)[None, :, None]
    image = np.full((480, 640, 3), float(grey), np.float32) * ramp
    image += rng.normal(0, 2.0, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def write_mnist(frame: np.ndarray, digit28: np.ndarray, x: int, y: int, height: int, ink: int = 35) -> None:
    """An MNIST digit written in dark ink, its 28x28 square ``height * 1.4`` px wide at (x, y)."""
    side = int(height * 28 / 20)
    alpha = cv2.resize(digit28.astype(np.float32) / 255.0, (side, side), interpolation=cv2.INTER_CUBIC)
    alpha = cv2.GaussianBlur(np.clip(alpha, 0, 1), (0, 0), 0.8)[:, :, None]
    region = frame[y : y + side, x : x + side].astype(np.float32)
    frame[y : y + side, x : x + side] = (region * (1 - alpha) + ink * alpha).astype(np.uint8)


@pytest.fixture(scope="session")
def mnist_test_digits(mnist_dir: Path) -> List[np.ndarray]:
    """The first MNIST test image of each digit 0-9."""
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    return [images[int(np.flatnonzero(labels == d)[0])] for d in range(10)]


# --- test reels ----------------------------------------------------------------------------


def write_reel(folder: Path, digits: Sequence[np.ndarray], empty: int = 3, repeat: int = 1) -> List[int]:
    """A reel (docs/reels.md) in ``folder``: each of ``digits`` (MNIST 28x28, label its
    index) written on a camera-like surface, then ``empty`` blank surfaces, all ``repeat``
    times; returns the labels in frame order."""
    (folder / "frames").mkdir(parents=True, exist_ok=True)
    labels: List[int] = []
    rows = ["frame,label,note"]
    for copy in range(repeat):
        for index in range(len(digits) + empty):
            frame = surface(205, seed=100 * copy + index)
            label = index if index < len(digits) else -1
            if label >= 0:
                write_mnist(frame, digits[label], 240 + 7 * copy % 40, 140, 110)
            name = f"{copy:03d}-{index:02d}.jpg"
            cv2.imwrite(str(folder / "frames" / name), frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
            rows.append(f"{name},{label},written by the test")
            labels.append(label)
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return labels
