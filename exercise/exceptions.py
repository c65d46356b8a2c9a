"""Every error the exercise reports to a student, under one base class.

Each exception keeps structured fields and builds a message a student can act on in
``__str__``: what was found, what was expected, what to do. The hub turns any
:class:`ExerciseError` into one GUI ``error`` message in one place, and the CLI turns it
into one line on stderr with exit status 2.

Hierarchy::

    ExerciseError
    ├── ModelError                 a model file that cannot be used
    │   ├── ModelFormatError       not ONNX, corrupt, or operators onnxruntime cannot run
    │   ├── ModelShapeError        wrong input/output rank, shape or type
    │   ├── ModelOutputError       NaN/inf or otherwise unusable outputs
    │   └── ModelTooLargeError     file over the size limit
    ├── CameraError                a camera that cannot be opened or has gone away
    ├── ImageError                 an image file or upload that cannot be decoded
    ├── DatasetError               IDX files missing, truncated or of the wrong kind
    ├── BrainError                 the student's code cannot be started
    │   └── BrainSyntaxError       the pre-run check found a syntax error
    └── ProtocolError              a websocket message that breaks docs/protocol.md
"""

from __future__ import annotations

from typing import Optional


class ExerciseError(Exception):
    """Base class: a problem with something the user gave us, never a bug of ours."""

    #: Short machine-readable code sent to the GUI and printed by ``--json`` outputs.
    code = "error"


class ModelError(ExerciseError):
    """A model that cannot be used; the model in use, if any, stays in use."""

    code = "model"

    def __init__(self, reason: str, *, source: str = "model") -> None:
        super().__init__(reason, source)
        #: What is wrong, in words a student can act on.
        self.reason = reason
        #: File name or other label of the rejected model.
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class ModelFormatError(ModelError):
    """Not an ONNX file, a corrupt one, or one onnxruntime cannot run."""

    code = "model_format"


class ModelShapeError(ModelError):
    """Inputs or outputs do not match the spec: float32 ``[1,1,28,28]`` in, 10 values out."""

    code = "model_shape"


class ModelOutputError(ModelError):
    """The model ran but its outputs are unusable (NaN, inf, all equal...)."""

    code = "model_output"


class ModelTooLargeError(ModelError):
    """A model file over the size limit, refused before it is parsed."""

    code = "model_too_large"

    def __init__(self, size: int, limit: int, *, source: str = "model") -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit; "
            "a digit classifier needs far less (the default model is well under 2 MB)",
            source=source,
        )


class CameraError(ExerciseError):
    """A camera that cannot be opened, or that has gone away and not come back."""

    code = "camera"

    def __init__(self, device: str, reason: str) -> None:
        super().__init__(device, reason)
        #: The source spec or device path, for example ``webcam:/dev/video2``.
        self.device = device
        self.reason = reason

    def __str__(self) -> str:
        return f"camera {self.device}: {self.reason}"


class ImageError(ExerciseError):
    """An image file or upload that cannot be decoded."""

    code = "image"

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class ImageTooLargeError(ImageError):
    """An image whose header declares more pixels than the exercise decodes: a
    decompression bomb, or a photo far larger than any camera frame."""

    code = "image_too_large"


class StateError(ExerciseError):
    """Something could not be written to the server's state directory (the code, a model)."""

    code = "state"


class DatasetError(ExerciseError):
    """IDX data that is missing, truncated or not what was expected."""

    code = "dataset"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class UsageError(ExerciseError):
    """Command-line options that do not go together (argparse cannot say so itself)."""

    code = "usage"


class NothingToExplain(ExerciseError):
    """``explain_input`` before the brain showed a model input (``GUI.showInput``)."""

    code = "no_input"


class ReelError(ExerciseError):
    """A test reel (docs/reels.md) that cannot be read at all: no folder, no labels file,
    or a labels file without its header. Bad single rows are skipped, not raised."""

    code = "reel"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class BrainError(ExerciseError):
    """The student's code cannot be started."""

    code = "brain"


class BrainSyntaxError(BrainError):
    """The pre-run check found a syntax error; nothing was started."""

    code = "brain_syntax"

    def __init__(self, message: str, line: Optional[int], column: Optional[int] = None) -> None:
        super().__init__(message, line, column)
        self.message = message
        #: 1-based line in the student's code, as the editor numbers it.
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message}"


class ProtocolError(ExerciseError):
    """A websocket message that does not follow docs/protocol.md; the connection stays up."""

    code = "protocol"
