"""Export a checkpoint to the ONNX file the exercise loads, then prove the file is right.

The file: input ``input`` float32 ``[N,1,28,28]`` (symbolic batch), output ``output``
``[N,10]`` probabilities (softmax inside the graph), the input normalisation in the
metadata key ``normalization``. Opset 17 and IR version 8 so that onnxruntime 1.19 (the last
release for Python 3.8, the ROS Noetic image) runs it as well as the newest one.

Verification: the runtime's own check (:meth:`exercise.model.DigitModel.load`) must accept
the file, and onnxruntime must agree with PyTorch on real test images.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np
import onnx
import torch

from exercise.model import NORMALIZATION_KEY
from exercise.training import checkpoints

#: onnxruntime 1.19.x (Python 3.8) runs up to IR 10 / opset 21; stay well inside.
OPSET = 17
MAX_IR_VERSION = 9
#: Largest |onnxruntime - PyTorch| probability difference accepted by :func:`verify`.
PARITY_TOLERANCE = 1e-5


class _WithSoftmax(torch.nn.Module):
    """The network plus a softmax, so the exported graph outputs probabilities."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


def export_graph(
    module: torch.nn.Module, input_shape: Tuple[int, ...], producer: str, any_size: bool = False
) -> onnx.ModelProto:
    """``module`` (in eval mode) as an ONNX graph, not yet checked: input ``input`` of
    ``input_shape`` with a symbolic batch (and symbolic height and width if ``any_size``),
    output ``output``, OPSET and at most MAX_IR_VERSION."""
    axes = {0: "batch", 2: "height", 3: "width"} if any_size else {0: "batch"}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter announces its deprecation on every call; it is the one
        # that needs no onnxscript and writes a plain opset-17 graph.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (torch.zeros(*input_shape),),
            buffer,  # type: ignore[arg-type]  # file objects work; the stub says paths only
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": axes, "output": axes},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    model = onnx.load_from_string(buffer.getvalue())
    model.ir_version = min(model.ir_version, MAX_IR_VERSION)
    model.producer_name = producer
    return model


def to_onnx_bytes(
    net: torch.nn.Module, normalization: str, metadata: Optional[Dict[str, str]] = None
) -> bytes:
    """The serialised ONNX model for ``net`` (in eval mode) with softmax and metadata."""
    model = export_graph(_WithSoftmax(net.cpu().eval()).eval(), (1, 1, 28, 28), "digit-classifier train")
    props = {NORMALIZATION_KEY: normalization, **(metadata or {})}
    del model.metadata_props[:]
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` measured; ``ok`` when the runtime accepted it and parity held."""

    runtime_check: str
    max_abs_difference: float
    images: int
    onnx_accuracy: float
    torch_accuracy: float

    @property
    def ok(self) -> bool:
        return self.max_abs_difference < PARITY_TOLERANCE and self.onnx_accuracy == self.torch_accuracy


def verify(
    onnx_path: Path, net: torch.nn.Module, images01: np.ndarray, labels: np.ndarray, normalization: str
) -> Verification:
    """Load ``onnx_path`` through the runtime's check and compare it with ``net`` on ``images01``.

    ``images01`` is float32 ``[N,1,28,28]`` in [0, 1]; both models see it scaled as
    ``normalization`` says.

    Raises:
        ModelError: the runtime's check refused the file.
    """
    import onnxruntime as ort

    from exercise.model import DigitModel
    from exercise.training.data import normalize

    model = DigitModel.load(onnx_path)
    spec = model.spec
    check = (
        f"accepted by exercise.model.DigitModel.load: input {spec.input_name} {list(spec.input_shape)}, "
        f"output {spec.output_name} {list(spec.output_shape)} {spec.output_kind.value}, "
        f"normalization {spec.normalization.value}, {spec.latency_ms:.3f} ms per image"
    )
    batch = normalize(torch.from_numpy(images01), normalization).numpy().astype(np.float32)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    onnx_probs = np.concatenate(
        [session.run(["output"], {"input": batch[i : i + 500]})[0] for i in range(0, len(batch), 500)]
    )
    with torch.inference_mode():
        torch_probs = torch.softmax(net.eval()(torch.from_numpy(batch)), 1).numpy()
    return Verification(
        runtime_check=check,
        max_abs_difference=float(np.abs(onnx_probs - torch_probs).max()),
        images=len(batch),
        onnx_accuracy=float((onnx_probs.argmax(1) == labels).mean()),
        torch_accuracy=float((torch_probs.argmax(1) == labels).mean()),
    )


def export_checkpoint(checkpoint: Path, out: Path, metadata: Optional[Dict[str, Any]] = None) -> bytes:
    """Write ``checkpoint`` as ONNX to ``out``; returns the bytes written."""
    state = checkpoints.load(checkpoint)
    net = checkpoints.restore_network(state)
    props = {
        "arch": state["arch"],
        "epochs": str(state["epoch"]),
        "best_val_accuracy": f"{state['best_val_accuracy']:.4f}",
    }
    props.update({k: str(v) for k, v in (metadata or {}).items()})
    data = to_onnx_bytes(net, str(state["normalization"]), props)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return data


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_and_verify(
    checkpoint: Path, out: Path, data_dir: Optional[str] = None, images: int = 1000
) -> bool:
    """``digit-classifier export``: write ``out``, verify it, print what was checked.

    Returns True when the runtime accepted the file and parity held (the file is kept
    either way, so a failure can be inspected).
    """
    from exercise.idx import load_split
    from exercise.training.plots import run_data_dir

    written = export_checkpoint(checkpoint, out)
    print(f"wrote {out}: {len(written):,} bytes, opset {OPSET}, sha256 {hashlib.sha256(written).hexdigest()}")
    state = checkpoints.load(checkpoint)
    trained_on = state["args"].get("data")
    if data_dir:
        directory = Path(data_dir)
    elif trained_on:
        directory = Path(trained_on)
    else:
        directory = run_data_dir(checkpoint.parent)
    test_images, test_labels = load_split(directory, "test")
    images01 = test_images[:images, None].astype(np.float32) / 255.0
    net, normalization = checkpoints.restore_network(state), str(state["normalization"])
    result = verify(out, net, images01, test_labels[:images].astype(np.int64), normalization)
    print(f"runtime check: {result.runtime_check}")
    print(
        f"parity on {result.images} test images from {directory}: max |onnxruntime - PyTorch| = "
        f"{result.max_abs_difference:.2e} (limit {PARITY_TOLERANCE:.0e}); accuracy onnxruntime "
        f"{result.onnx_accuracy:.4f}, PyTorch {result.torch_accuracy:.4f}"
    )
    print("export verified" if result.ok else "EXPORT FAILED VERIFICATION")
    return result.ok
