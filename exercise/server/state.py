"""What the exercise keeps in its state directory, so that a restart or a crash loses nothing.

* ``brain.py``: the student's code, saved on every edit;
* ``models/<sha256>.onnx``: every model uploaded, and ``model.json``: the one in use.

A file that cannot be read is never overwritten: it is moved aside under a new name and a
*notice* says so (the server shows its notices in every tab's console). A file that cannot
be written raises :class:`StateError`, naming the file and the reason; what was being saved
is still used, only not kept.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Set

from exercise.exceptions import StateError
from exercise.files import write_atomically

CODE_FILE = "brain.py"
MODELS_DIR = "models"
MODEL_RECORD = "model.json"


@dataclass(frozen=True)
class SavedModel:
    """An uploaded model that was in use: its file in the state directory and the name it
    was uploaded under."""

    path: Path
    name: str


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class StateDir:
    """The state directory at ``root`` (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        #: What could not be restored or read, in sentences for the student.
        self.notices: List[str] = []
        #: Unreadable files that could not be moved aside: never written over.
        self._protected: Set[Path] = set()

    @property
    def code_path(self) -> Path:
        return self.root / CODE_FILE

    # -- the code -------------------------------------------------------------------------

    def load_code(self) -> Optional[str]:
        """The saved code; None when there is none (or only blanks) or it cannot be read."""
        path = self.code_path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.notices.append(
                f"could not read your saved code {path} ({_reason(exc)}); {self._set_aside(path)}"
            )
            return None
        try:
            code = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            kept = self._set_aside(path)
            self.notices.append(
                f"your saved code {path} is not UTF-8 text (byte {exc.start}); {kept}. It is opened "
                "here read as Latin-1: check its accented letters, then save"
            )
            return data.decode("latin-1")
        return code if code.strip() else None

    def store_code(self, code: str) -> None:
        """Raises StateError: the code cannot be written (it still runs; it is not kept)."""
        self._write(self.code_path, code.encode("utf-8"), "your code")

    # -- the model ------------------------------------------------------------------------

    def store_model(self, data: bytes, sha256: str) -> Path:
        """Keep an uploaded model's bytes (once per content); returns its file.

        Raises:
            StateError: it cannot be written.
        """
        path = self.root / MODELS_DIR / f"{sha256[:16]}.onnx"
        if not path.exists():
            self._write(path, data, "the uploaded model")
        return path

    def remember_model(self, saved: Optional[SavedModel]) -> None:
        """Record the model in use (None: the default), for the next start.

        Raises:
            StateError: the record cannot be written.
        """
        record = {} if saved is None else {"file": saved.path.name, "name": saved.name}
        self._write(self.root / MODEL_RECORD, json.dumps(record).encode("utf-8"), "which model is in use")

    def saved_model(self) -> Optional[SavedModel]:
        """The uploaded model that was in use when the server stopped; None for the default,
        and (with a notice) when the record or the file is gone or unreadable."""
        path = self.root / MODEL_RECORD
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if not record:
                return None
            model = self.root / MODELS_DIR / Path(str(record["file"])).name
            name = str(record.get("name") or model.name)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self.notices.append(f"could not read {path} ({exc}); using the default model")
            return None
        if not model.is_file():
            self.notices.append(
                f"the model in use, {name}, is no longer in {model.parent}; using the default model"
            )
            return None
        return SavedModel(model, name)

    # -- internals ------------------------------------------------------------------------

    def _write(self, path: Path, data: bytes, what: str) -> None:
        if path in self._protected:
            raise StateError(
                f"cannot save {what} to {path}: the file there could not be read, and is not "
                "replaced; move it away, or start the server with another --state-dir"
            )
        try:
            write_atomically(path, data)
        except OSError as exc:
            raise StateError(
                f"cannot save {what} to {path}: {_reason(exc)}; it is used but not kept. Start the "
                "server with --state-dir on a folder it can write"
            ) from exc

    def _set_aside(self, path: Path) -> str:
        """Move an unreadable file out of the way so that no save overwrites it; says where."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.stem}.unreadable-{stamp}{path.suffix}")
        try:
            os.replace(path, aside)
        except OSError as exc:
            self._protected.add(path)
            return f"it could not be moved aside either ({_reason(exc)}), so it is not saved over"
        return f"the file is kept as it was, renamed {aside.name}"
