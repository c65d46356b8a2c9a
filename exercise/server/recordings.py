"""The page's Record button: one test reel at a time, recorded from the camera in use.

Reels go into ``reels/`` in the state directory, one folder per recording, named by its
start time. The recording runs in a thread of its own that reads the camera as one more
reader of its latest-frame buffer (:class:`exercise.recording.Recorder`), so the brain's
loop never waits for it. Its status (frames, bytes, the label in force) is reported at
most STATUS_PER_SECOND times a second, and once more when it ends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from exercise.cameras import CameraSource
from exercise.exceptions import ReelError
from exercise.recording import DEFAULT_FPS, DEFAULT_MAX_BYTES, Recorder, ReelWriter
from exercise.reels import NO_DIGIT

REELS_DIR = "reels"
#: Status reports a second while recording.
STATUS_PER_SECOND = 4.0
#: Stop waits this long for the last frame to be written (a stalled disk must not hold
#: the server); the recording's thread finishes on its own after that.
STOP_WAIT_S = 5.0


@dataclass(frozen=True)
class RecordingStatus:
    """What the page shows of the recording (docs/protocol.md, ``recording``)."""

    active: bool
    #: The reel's folder, or "" before the first recording.
    folder: str
    frames: int
    bytes: int
    max_bytes: int
    #: The label in force, 0-9 or -1 for no digit.
    label: int
    seconds: float
    #: Why the last recording ended (see docs/protocol.md, ``recording``), "" while one runs.
    ended: str

    def to_dict(self) -> Dict[str, Any]:
        return {
            "active": self.active,
            "folder": self.folder,
            "frames": self.frames,
            "bytes": self.bytes,
            "max_bytes": self.max_bytes,
            "label": self.label,
            "seconds": round(self.seconds, 1),
            "ended": self.ended,
        }


IDLE = RecordingStatus(False, "", 0, 0, DEFAULT_MAX_BYTES, NO_DIGIT, 0.0, "")


class Recordings:
    """Starts, labels and stops recordings; ``on_status`` hears every status change."""

    def __init__(
        self, root: Path, on_status: Callable[[RecordingStatus], None], max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._on_status = on_status
        self._lock = threading.Lock()
        self._recorder: Optional[Recorder] = None
        self._thread: Optional[threading.Thread] = None
        self._started = 0.0
        self._last_report = 0.0
        #: How the last recording ended (IDLE before the first).
        self._ended = IDLE

    @property
    def status(self) -> RecordingStatus:
        """The recording running now, or how the last one ended."""
        with self._lock:
            return self._status_now()

    def _status_now(self) -> RecordingStatus:
        recorder = self._recorder
        return self._ended if recorder is None else self._make_status(recorder, active=True)

    def start(self, camera: CameraSource, label: int = NO_DIGIT) -> RecordingStatus:
        """Record ``camera`` into a new reel, the first frames labelled ``label``.

        Raises:
            ReelError: a recording is already running, or the reel folder cannot be made.
        """
        with self._lock:
            if self._recorder is not None:
                running = str(self._recorder.writer.folder)
                raise ReelError(running, "a recording is already running; stop it first")
            folder = self._new_folder()
            writer = ReelWriter(folder, max_bytes=self.max_bytes)
            recorder = Recorder(camera, writer, DEFAULT_FPS, label)
            self._recorder = recorder
            self._started = time.monotonic()
            thread = threading.Thread(target=self._record, args=(recorder,), name="recording", daemon=True)
            self._thread = thread
            thread.start()
            status = self._status_now()
        self._on_status(status)
        return status

    def set_label(self, label: int) -> None:
        """The label of the frames from now on; ignored when nothing is recording."""
        with self._lock:
            recorder = self._recorder
            if recorder is None:
                return
            recorder.set_label(label)
            status = self._status_now()
        self._on_status(status)

    def stop(self, reason: str = "stopped") -> None:
        """End the recording, if one runs, and wait for its last frame to be written."""
        with self._lock:
            recorder, thread = self._recorder, self._thread
        if recorder is None or thread is None:
            return
        recorder.stop(reason)
        thread.join(STOP_WAIT_S)

    # -- the recording's thread ---------------------------------------------------------

    def _record(self, recorder: Recorder) -> None:
        try:
            recorder.run(status=self._frame_kept)
        except ReelError as exc:
            recorder.ended = f"the disk refused a frame: {exc.reason}"
        finally:
            recorder.writer.close()
            with self._lock:
                self._ended = self._make_status(recorder, active=False)
                self._recorder = None
                self._thread = None
                status = self._ended
            self._on_status(status)

    def _frame_kept(self, recorder: Recorder, elapsed: float) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last_report < 1.0 / STATUS_PER_SECOND:
                return
            self._last_report = now
            status = self._status_now()
        self._on_status(status)

    # -- helpers ------------------------------------------------------------------------

    def _make_status(self, recorder: Recorder, active: bool) -> RecordingStatus:
        writer = recorder.writer
        return RecordingStatus(
            active=active,
            folder=str(writer.folder),
            frames=writer.frames,
            bytes=writer.bytes_written,
            max_bytes=writer.max_bytes,
            label=recorder.label,
            seconds=time.monotonic() - self._started,
            ended="" if active else recorder.ended,
        )

    def _new_folder(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = self.root / stamp
        count = 1
        while folder.exists():
            count += 1
            folder = self.root / f"{stamp}-{count}"
        return folder
