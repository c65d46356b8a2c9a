"""``digit-classifier check MODEL``: does this ONNX file fit the exercise? Exit 0 yes, 2 no.

A usable model also sees the model doctor (:mod:`exercise.doctor`): how it reads 100 MNIST
test digits as the exercise feeds it, and what to change when another input convention
reads markedly better. A refused one gets the reason and how to fix it as advice.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Dict

from exercise.doctor import Diagnosis, diagnose
from exercise.exceptions import ModelError
from exercise.limits import MAX_MODEL_BYTES
from exercise.model import DigitModel, ModelSpec, OutputKind

_CONVERSION = {
    OutputKind.PROBABILITIES: "probabilities, used as they are",
    OutputKind.LOGITS: "logits, turned into probabilities with softmax",
    OutputKind.LOG_PROBABILITIES: "log-probabilities, turned into probabilities with exp",
}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check an ONNX model against the exercise's spec",
        description="Load MODEL with onnxruntime, check its input and output, run it on test "
        "images and print what was found; then run 100 bundled MNIST test digits through it in "
        "every input convention and say how many it reads and, when another convention reads "
        "markedly better, what to change. Exit status 0 if the model can be used, 2 (with the "
        "reason and the fix) if not. See docs/model-spec.md.",
    )
    parser.add_argument("model", metavar="MODEL", help="the .onnx file to check")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument(
        "--max-mb",
        type=float,
        default=MAX_MODEL_BYTES / 1e6,
        metavar="MB",
        help="size limit in megabytes (default: %(default).0f, as for uploads)",
    )
    parser.set_defaults(func=run, command="check")


def run(args: argparse.Namespace) -> int:
    try:
        model = DigitModel.load(args.model, max_bytes=int(args.max_mb * 1e6))
    except ModelError as exc:
        if not args.json:
            raise  # the CLI prints it as one line and exits 2
        print(json.dumps(_error_dict(exc)))
        return 2
    diagnosis = diagnose(model)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": True,
                    "spec": model.spec.to_dict(),
                    **diagnosis.to_dict(),
                }
            )
        )
    else:
        print(format_spec(model.spec))
        print(format_diagnosis(diagnosis))
    return 0


def _error_dict(exc: ModelError) -> Dict[str, Any]:
    # The reason already says what to change (re-export with an older opset, ...).
    return {"ok": False, "error": exc.code, "message": str(exc), "reason": exc.reason, "advice": [exc.reason]}


def format_diagnosis(diagnosis: Diagnosis) -> str:
    """The doctor's lines: the sample read, then each piece of advice."""
    others = ", ".join(f"{name} {count}" for name, count in diagnosis.by_convention.items())
    lines = [
        f"  MNIST sample   {diagnosis.read_right} of {diagnosis.of} test digits read right as fed "
        f"({diagnosis.scaling}); in every convention: {others}"
    ]
    lines += [f"  advice         {advice}" for advice in diagnosis.advice]
    return "\n".join(lines)


def _shape(shape: Any) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def format_spec(spec: ModelSpec) -> str:
    """What ``check`` prints for a usable model, one fact per line."""
    return "\n".join(
        [
            f"{spec.name}: OK, usable as a digit model",
            f"  input          '{spec.input_name}' float32 {_shape(spec.input_shape)}",
            f"  output         '{spec.output_name}' {_shape(spec.output_shape)}: "
            f"{_CONVERSION[spec.output_kind]}",
            f"  normalization  {spec.normalization.value}",
            f"  size           {spec.size_bytes / 1000:.1f} kB",
            f"  sha256         {spec.sha256}",
            f"  latency        {spec.latency_ms:.3f} ms per image (median, one thread)",
        ]
    )
