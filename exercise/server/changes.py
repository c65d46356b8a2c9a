"""What the Exercise reports to its watchers: each change a typed value, and the list of
listeners that hears them. The hub turns each change into the messages of docs/protocol.md."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, List, Optional, TypeVar, Union

from exercise.server.comparison import Compared
from exercise.server.recordings import RecordingStatus


@dataclass(frozen=True)
class CodeChanged:
    """The code was saved or reset; ``origin`` is the client that did it, None: the server."""

    code: str
    origin: Optional[str]


@dataclass(frozen=True)
class ModelChanged:
    spec: Dict[str, Any]


@dataclass(frozen=True)
class SettingsChanged:
    """Brain, GUI or camera settings changed: re-read :meth:`Exercise.snapshot`."""


@dataclass(frozen=True)
class RecordingChanged:
    """A recording started, kept frames, changed label or ended."""

    status: RecordingStatus


@dataclass(frozen=True)
class SecondModelChanged:
    """A second model was loaded for comparison (its spec), or put away (None)."""

    spec: Optional[Dict[str, Any]]


ExerciseChange = Union[
    CodeChanged, ModelChanged, SettingsChanged, RecordingChanged, SecondModelChanged, Compared
]
E = TypeVar("E")  # the events one list of listeners hears


class Listeners(Generic[E]):
    """A thread-safe list of callbacks; each gets every event, in order, from the caller's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: List[Callable[[E], None]] = []

    def add(self, listener: Callable[[E], None]) -> Callable[[], None]:
        with self._lock:
            self._items.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._items:
                    self._items.remove(listener)

        return remove

    def emit(self, event: E) -> None:
        with self._lock:
            items = list(self._items)
        for listener in items:
            listener(event)
