"""The Exercise: the one object that owns the camera, the model, the brain and the code.

Everything a tab (or the REST API, or the ROS node) can change goes through one of its
methods, which serialise on one lock and report what changed to the watchers: the hub
turns those reports into broadcasts, so every tab sees the result of every command.

Methods block (starting a child process, loading a model, opening a webcam): call them
from a worker thread, never from the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from exercise import __version__
from exercise.brain.events import BrainEvent, BrainState
from exercise.cameras import CameraSource, open_camera
from exercise.doctor import diagnose
from exercise.examples import EXAMPLES_DIR, ExampleSet
from exercise.exceptions import CameraError, ModelError, StateError
from exercise.model import DEFAULT_MODEL_PATH, DigitModel, load_default_model
from exercise.model_guard import check_isolated, warm_up
from exercise.payloads import BrainStatus, CameraStatus, GuiStatus, Health, State, to_json
from exercise.server.changes import (
    CodeChanged,
    ExerciseChange,
    Listeners,
    ModelChanged,
    RecordingChanged,
    SecondModelChanged,
    SettingsChanged,
)
from exercise.server.comparison import Comparison
from exercise.server.config import ServerConfig
from exercise.server.recordings import REELS_DIR, Recordings
from exercise.server.state import SavedModel, StateDir


class Exercise:
    """Build with :meth:`open` (which starts the camera and loads the model); :meth:`close` it."""

    def __init__(
        self, config: ServerConfig, camera: CameraSource, model: DigitModel, model_path: Path, state: StateDir
    ) -> None:
        from exercise.brain.runner import BrainRunner, default_code

        self.config = config
        self.state = state
        self._lock = threading.RLock()
        self._camera = camera
        self._model = model
        self._model_path = model_path
        self._default_code = default_code()
        self._code = state.load_code() or self._default_code
        self._gui_fps = config.gui_fps
        self._brain_listeners: Listeners[BrainEvent] = Listeners()
        self._change_listeners: Listeners[ExerciseChange] = Listeners()
        #: (host, port) the server is bound to; set by ``serve`` before ``on_ready``.
        self.address: Optional[Tuple[str, int]] = None
        #: The page's URL, with the token when one is needed; set by ``serve``.
        self.url: Optional[str] = None
        self.comparison = Comparison(lambda: self._camera, lambda: self._model, self._changed)
        self.recordings = Recordings(
            state.root / REELS_DIR, lambda status: self._changed(RecordingChanged(status))
        )
        self.examples = ExampleSet(state.root / EXAMPLES_DIR)
        self._runner = BrainRunner(
            camera,
            model_path,
            self._brain_listeners.emit,
            frequency_hz=config.frequency_hz,
            gui_fps=config.gui_fps,
            model_name=model.spec.name,
        )

    @classmethod
    def open(cls, config: ServerConfig) -> Exercise:
        """Start the camera, load the model and the code, start the brain runner (stopped).

        Raises:
            CameraError: the camera spec names nothing that can be opened.
            ModelError: ``config.model`` cannot be used.
        """
        state = StateDir(config.resolved_state_dir())
        warm_up()  # the process that checks uploads, ready before the first one
        if config.model is not None:
            model = DigitModel.load(Path(config.model))
            model_path = Path(config.model)
        else:
            model, model_path = _restore_model(state)
        camera = open_camera(config.camera)
        camera.start()
        try:
            return cls(config, camera, model, model_path, state)
        except BaseException:
            camera.stop()
            raise

    def close(self) -> None:
        """Stop the recording and the brain child, release the camera. Safe to call twice."""
        self.recordings.stop("the server stopped")
        self.comparison.close()
        with self._lock:
            try:
                self._runner.close()
            finally:
                self._camera.stop()

    # -- listeners ----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[BrainEvent], None]) -> Callable[[], None]:
        """Call ``listener`` with every brain event (as BrainRunner's ``on_event``); returns unsubscribe."""
        return self._brain_listeners.add(listener)

    def read_brain_on(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read the brain's results on ``loop`` (the server's) from the next Play on."""
        self._runner.read_on(loop)

    def watch(self, listener: Callable[[ExerciseChange], None]) -> Callable[[], None]:
        """Call ``listener`` with every :data:`ExerciseChange`, from the changing thread."""
        return self._change_listeners.add(listener)

    # -- reading ------------------------------------------------------------------------

    @property
    def camera(self) -> CameraSource:
        return self._camera

    @property
    def model(self) -> DigitModel:
        return self._model

    @property
    def code(self) -> str:
        # No lock: the event loop reads it, and a Stop that holds the lock waits for the loop.
        return self._code

    @property
    def brain_state(self) -> BrainState:
        return self._runner.state

    @property
    def gui_fps(self) -> float:
        return self._gui_fps

    @property
    def brain_pid(self) -> Optional[int]:
        """The brain child's process id while it runs (diagnostics, benchmarks), else None."""
        return self._runner.pid

    def model_dict(self) -> Dict[str, Any]:
        return self._model.spec.to_dict()

    def camera_dict(self) -> Dict[str, Any]:
        return to_json(self._camera_status())

    def snapshot(self, gui_measured_fps: float = 0.0) -> Dict[str, Any]:
        """The ``state`` message's fields (:class:`exercise.payloads.State`)."""
        gui = GuiStatus(target_fps=self._gui_fps, measured_fps=round(gui_measured_fps, 2))
        state = State(self._brain_status(), gui, self._camera_status(), self._model.spec.info())
        return to_json(state)

    def health(self) -> Dict[str, Any]:
        """``GET /api/health`` (:class:`exercise.payloads.Health`)."""
        health = Health(
            "ok", __version__, self._camera_status(), self._brain_status(), self._model.spec.info()
        )
        return to_json(health)

    def _camera_status(self) -> CameraStatus:
        camera = self._camera
        status = camera.status
        return CameraStatus(camera.spec, status.state.value, status.message, camera.is_live)

    def brain_budget(self) -> Dict[str, float]:
        """Where the brain's loops went over the last second; {} unless running."""
        return self._runner.budget

    def _brain_status(self) -> BrainStatus:
        runner = self._runner
        return BrainStatus(self.brain_state.value, runner.target_hz, round(runner.measured_hz, 2))

    # -- commands (blocking; any thread) -----------------------------------------------
    # Play, Stop, Pause, Resume and Reset change no setting, only the brain's state, which
    # the runner announces itself (StateChanged): a SettingsChanged too would send every
    # tab each state twice.

    def play(self, code: Optional[str] = None, origin: Optional[str] = None) -> None:
        """Save ``code`` if given, then check and run the code.

        Raises:
            BrainSyntaxError, BrainError: the code cannot run.
            StateError: it runs, but could not be saved.
        """
        unsaved: Optional[StateError] = None
        with self._lock:
            if code is not None:
                try:
                    self.save_code(code, origin)
                except StateError as exc:
                    unsaved = exc
            self._runner.play(self._code)
        if unsaved is not None:
            raise unsaved

    def stop(self) -> None:
        with self._lock:
            self._runner.stop()

    def pause(self) -> None:
        with self._lock:
            self._runner.pause()

    def resume(self) -> None:
        with self._lock:
            self._runner.resume()

    def reset(self, origin: Optional[str] = None) -> None:
        """Stop the brain and put the default template back, for every tab, the one that asked
        included: its ``CodeChanged`` has no origin (``origin`` is for symmetry with the rest)."""
        with self._lock:
            self._runner.stop()
            unsaved = self._keep_code(self._default_code)
        self._changed(CodeChanged(self._default_code, None))
        if unsaved is not None:
            raise unsaved

    def save_code(self, code: str, origin: Optional[str] = None) -> None:
        """Make ``code`` the code of every tab and keep it in the state directory.

        Raises:
            StateError: it could not be written; it is the code in use all the same.
        """
        with self._lock:
            changed = code != self._code
            unsaved = self._keep_code(code)  # even when unchanged: the file may have been removed
        if changed:
            self._changed(CodeChanged(code, origin))
        if unsaved is not None:
            raise unsaved

    def set_frequency(self, hz: float) -> None:
        with self._lock:
            self._runner.set_frequency(hz)
        self._changed(SettingsChanged())

    def set_gui_rate(self, fps: float) -> None:
        with self._lock:
            self._gui_fps = fps
            self._runner.set_gui_rate(fps)
        self._changed(SettingsChanged())

    def set_camera(self, spec: str) -> None:
        """Open and start ``spec``, hand it to the brain, then release the old camera.

        Raises:
            CameraError: it cannot be opened; the camera in use stays in use.
        """
        with self._lock:
            camera = open_camera(spec)
            try:
                camera.start()
            except BaseException:
                camera.stop()
                raise
            # A reel holds one camera's frames.
            self.recordings.stop("the camera changed")
            old, self._camera = self._camera, camera
            self._runner.set_camera(camera)
            old.stop()
        self._changed(SettingsChanged())

    def start_recording(self, label: int) -> None:
        """Record the camera in use into a new reel in the state directory (the page's Record).

        Raises:
            ReelError: a recording already runs, or its folder cannot be made.
        """
        with self._lock:
            self.recordings.start(self._camera, label)

    def set_recording_label(self, label: int) -> None:
        self.recordings.set_label(label)

    def stop_recording(self) -> None:
        self.recordings.stop()

    def doctor(self, second: bool = False) -> Dict[str, Any]:
        """The model doctor's findings (:mod:`exercise.doctor`) on the model in use, or on
        the second model: ``{"mnist_sample": ..., "advice": [...]}``, {} for no model."""
        model = self.comparison.second if second else self._model
        if model is None:
            return {}
        return diagnose(model).to_dict()

    def set_model(self, data: bytes, name: str) -> Dict[str, Any]:
        """Check an uploaded model and, only if it passes, make it the model in use; returns its
        spec dict. Raises ModelError (the model in use is untouched)."""
        model = _checked_upload(data, name)
        path = self.state.store_model(data, model.spec.sha256)
        spec = self._use_model(model, path)
        self.state.remember_model(SavedModel(path, model.spec.name))
        return spec

    def set_second_model(self, data: bytes, name: str) -> Dict[str, Any]:
        """Check an uploaded model, as :meth:`set_model` does, and read it beside the model
        in use on the same frames (the page's comparison). Returns its spec dict.

        Raises:
            ModelError: it was refused; a second model already loaded stays.
        """
        model = _checked_upload(data, name)
        self.comparison.set_second(model)
        spec = model.spec.to_dict()
        self._changed(SecondModelChanged(spec))
        return spec

    def clear_second_model(self) -> None:
        self.comparison.set_second(None)
        self._changed(SecondModelChanged(None))

    def second_model_dict(self) -> Optional[Dict[str, Any]]:
        second = self.comparison.second
        return None if second is None else second.spec.to_dict()

    def use_default_model(self) -> Dict[str, Any]:
        spec = self._use_model(load_default_model(), DEFAULT_MODEL_PATH)
        self.state.remember_model(None)
        return spec

    def _use_model(self, model: DigitModel, path: Path) -> Dict[str, Any]:
        with self._lock:
            self._runner.set_model(path, model.spec.name)
            self._model, self._model_path = model, path
            spec = model.spec.to_dict()
        self._changed(ModelChanged(spec))  # the `model` message carries it; no `state` repeats it
        return spec

    def list_cameras(self) -> List[Dict[str, str]]:
        """Sources a student can pick: webcams found, the demo, the page's camera."""
        from exercise.cameras.webcam import list_webcams

        sources: List[Dict[str, str]] = []
        try:
            for webcam in list_webcams():
                sources.append({"spec": webcam.spec, "label": webcam.label})
        except CameraError:
            pass
        sources.append({"spec": "demo", "label": "Demo camera (synthetic digits)"})
        sources.append({"spec": "browser", "label": "This browser's camera"})
        return sources

    # -- internals ----------------------------------------------------------------------

    def _keep_code(self, code: str) -> Optional[StateError]:
        """Make ``code`` the code in use and write it to the state directory; the error if
        it could not be written (the caller raises it once it has told the tabs)."""
        self._code = code
        try:
            self.state.store_code(code)
        except StateError as exc:
            return exc
        return None

    def _changed(self, change: ExerciseChange) -> None:
        self._change_listeners.emit(change)


def _checked_upload(data: bytes, name: str) -> DigitModel:
    """An uploaded model, checked first in a capped child where one applies (a hostile
    model must not take the server down), then loaded here, its size against MAX_MODEL_BYTES.

    Raises:
        ModelError: it was refused, with the reason.
    """
    check_isolated(data, name)
    return DigitModel.load(data, name=name)


def _restore_model(state: StateDir) -> Tuple[DigitModel, Path]:
    """The model that was in use when the server last stopped (an upload kept in the state
    directory), or the default one, with a notice when the upload cannot be used again."""
    saved = state.saved_model()
    if saved is not None:
        try:
            return DigitModel.load(saved.path, name=saved.name), saved.path
        except ModelError as exc:
            state.notices.append(
                f"the model in use, {saved.name}, cannot be loaded again ({exc.reason}); using the default"
            )
    return load_default_model(), DEFAULT_MODEL_PATH


__all__ = ["Exercise", "ExerciseChange", "CodeChanged", "ModelChanged", "SettingsChanged", "ModelError"]
