"""Load an ONNX digit model with onnxruntime and check it against the exercise's spec.

CONTRACT (filled in by the model work; names and signatures are fixed):

    DigitModel.load(source: path | bytes, *, name=None, max_bytes=MAX_MODEL_BYTES,
                    threads=1) -> DigitModel            # raises ModelError subclasses
    model.predict(tensor [1,1,28,28] or [N,1,28,28]) -> probabilities [10] or [N,10]
    model.spec -> ModelSpec (to_dict() for JSON)
    load_default_model() -> DigitModel                   # exercise/assets/default_model.onnx
"""

from __future__ import annotations

import enum
from pathlib import Path

#: Upload and file size limit for models.
MAX_MODEL_BYTES = 100 * 1000 * 1000

#: The bundled model, produced by ``digit-classifier train`` (see its model card).
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "assets" / "default_model.onnx"

#: ONNX metadata key that names the input normalisation (a ``Scaling`` value).
NORMALIZATION_KEY = "normalization"


class OutputKind(str, enum.Enum):
    PROBABILITIES = "probabilities"
    LOGITS = "logits"
    LOG_PROBABILITIES = "log_probabilities"
