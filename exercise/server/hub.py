"""The asyncio side of the websocket: read a message, ask the protocol, act, write.

Every client (:class:`~exercise.server.client.Client`) has a sender task and a few
newest-only slots (camera view, model input, digit) plus a bounded queue of other text
messages. Producers only fill slots and set the client's wake-up event, so a slow client
skips views and never holds up the others or the event loop; its own sender is the only
task that ever awaits its socket.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

import numpy as np
from starlette.websockets import WebSocket, WebSocketDisconnect

from exercise import __version__, limits
from exercise.brain.budget import explain
from exercise.brain.events import (
    BrainEvent,
    BrainFailed,
    BrainState,
    ConsoleLine,
    DigitShown,
    FrequencyMeasured,
    ImageShown,
    InputShown,
    StateChanged,
)
from exercise.cameras import CameraSource
from exercise.cameras.browser import BrowserCamera
from exercise.exceptions import ExerciseError, NothingToExplain
from exercise.occlusion import occlusion_map
from exercise.reels import NO_DIGIT
from exercise.server import protocol as p
from exercise.server import server_messages as m
from exercise.server.changes import (
    CodeChanged,
    ExerciseChange,
    ModelChanged,
    RecordingChanged,
    SecondModelChanged,
    SettingsChanged,
)
from exercise.server.client import Client
from exercise.server.comparison import Compared
from exercise.server.core import Exercise
from exercise.server.hops import Hops
from exercise.server.views import ViewPump

log = logging.getLogger(__name__)

T = TypeVar("T")  # what a blocking call returns

#: Console lines are gathered this long and sent as one message.
CONSOLE_BATCH_SECONDS = 0.05
MAX_CONSOLE_BATCH = 200


class Hub:
    """Connect clients with :meth:`handle`; start with :meth:`start`, end with :meth:`close`."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self.clients: Dict[str, Client] = {}
        self._ids = itertools.count(1)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._console: List[Tuple[str, str]] = []
        self._console_flush: Optional[asyncio.TimerHandle] = None
        self._unsubscribe: List[Callable[[], None]] = []
        self._ticker: Optional[asyncio.Task[None]] = None
        self._last_camera: Optional[Dict[str, Any]] = None
        #: The last 28x28 the brain showed (GUI.showInput), for explain_input.
        self._last_input: Optional[np.ndarray] = None
        #: (camera, its newest frame's seq, when) at the last tick, for a file's playback rate.
        self._playback: Optional[Tuple[CameraSource, int, float]] = None
        # Calls onto the loop from the pump's, the runner's and the commands' threads.
        self._hops = Hops()
        self.pump = ViewPump(lambda: self.exercise.camera, self._deliver_view, exercise.gui_fps)

    # -- life ---------------------------------------------------------------------------

    def start(self) -> None:
        """Call from the event loop: subscribes to the exercise and starts the view pump."""
        self._loop = asyncio.get_running_loop()
        loop = self._loop
        self._hops.start()
        self._unsubscribe.append(self.exercise.subscribe(self._on_brain_event_from_runner))
        self.exercise.read_brain_on(loop)  # results: one wake-up of the loop, no reader thread
        self._unsubscribe.append(self.exercise.watch(lambda change: self._hops.hop(self._on_change, change)))
        self.pump.set_brain_running(self.exercise.brain_state is BrainState.RUNNING)
        self.pump.start()
        self._ticker = loop.create_task(self._tick())

    def _on_brain_event_from_runner(self, event: BrainEvent) -> None:
        """On the loop (the brain's reports) or a runner's thread (a command's events): a
        ``GUI.showImage`` frame goes straight to the view pump (a thread-safe slot); the rest
        hops onto the loop, after what is already waiting there."""
        if isinstance(event, ImageShown):
            self.pump.offer_brain_image(event.image, event.frame_seq, event.timestamp)
        else:
            self._hops.hop(self._on_brain_event, event)

    async def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._ticker is not None:
            self._ticker.cancel()
        await asyncio.get_running_loop().run_in_executor(None, self.pump.close)

    # -- one connection -----------------------------------------------------------------

    async def handle(self, websocket: WebSocket) -> None:
        """Serve one accepted websocket until it disconnects."""
        client = Client(f"c{next(self._ids)}", websocket)
        self.clients[client.id] = client
        self.pump.set_wanted(True)
        client.reply(
            m.hello_message(
                __version__,
                self._snapshot(),
                self.exercise.code,
                client.id,
                self.exercise.state.notices,
                limits.as_message(),
            )
        )
        recording = self.exercise.recordings.status
        if recording.active:
            client.reply(m.recording_message(recording.to_dict()))
        second = self.exercise.second_model_dict()
        if second is not None:
            client.reply(m.second_model_message(second))
        sender = asyncio.get_running_loop().create_task(client.run_sender())
        try:
            while not client.closed:
                if not client.reply_room.is_set():
                    self._tell_flooding(client)
                    await client.reply_room.wait()
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text") is not None:
                    await self._on_text(client, message["text"])
                elif message.get("bytes") is not None:
                    self._on_binary(client, message["bytes"])
        except WebSocketDisconnect:
            pass
        finally:
            client.closed = True
            client.wake.set()
            self.clients.pop(client.id, None)
            self.pump.set_wanted(bool(self.clients))
            sender.cancel()

    @staticmethod
    def _tell_flooding(client: Client) -> None:
        if client.warned_flooding:
            return
        client.warned_flooding = True
        client.reply(
            m.error_message(
                "busy",
                f"{len(client.replies)} replies are waiting to be sent to this tab: the server reads "
                "its next commands as they go out; none is dropped",
            )
        )

    async def _on_text(self, client: Client, text: str) -> None:
        try:
            command = p.parse_text(text)
        except p.MessageError as exc:
            client.reply(m.error_from_exception(exc))
            return
        try:
            reply = await self._execute(client, command)
        except ExerciseError as exc:
            client.reply(m.error_from_exception(exc, command.id))
            return
        except Exception as exc:  # a bug of ours: say so, keep the connection
            log.exception("command %s failed", command.type.value)
            client.reply(m.error_message("internal", f"the server failed: {exc}", id=command.id))
            return
        if reply is not None:
            client.reply(reply)
        if command.id is not None and command.type is not p.ClientType.PING:
            client.reply(m.ack_message(command.id))

    def _on_binary(self, client: Client, data: bytes) -> None:
        try:
            message = p.parse_binary(data)
        except p.MessageError as exc:
            client.reply(m.error_from_exception(exc))
            return
        camera = self.exercise.camera
        if not isinstance(camera, BrowserCamera):
            client.reply(
                m.error_message(
                    "camera",
                    f"the camera source is {camera.spec!r}; choose 'browser' to send this page's camera",
                )
            )
            return
        camera.push_jpeg(message.payload, message.captured)

    async def _execute(self, client: Client, command: p.Command) -> Optional[Dict[str, Any]]:
        """Run a command (blocking ones in a worker thread); return a reply message, if any."""
        kind = p.ClientType
        ex = self.exercise
        if command.type is kind.PING:
            return m.pong_message(command.id)
        if command.type is kind.LIST_CAMERAS:
            return m.cameras_message(await self._blocking(ex.list_cameras))
        if command.type is kind.EXPLAIN_INPUT:
            return await self._blocking(self._explain_input)
        label = NO_DIGIT if command.label is None else command.label
        calls: Dict[p.ClientType, Callable[[], Any]] = {
            kind.PLAY: functools.partial(ex.play, command.code, client.id),
            kind.STOP: ex.stop,
            kind.PAUSE: ex.pause,
            kind.RESUME: ex.resume,
            kind.RESET: functools.partial(ex.reset, client.id),
            kind.SAVE_CODE: functools.partial(ex.save_code, command.code or "", client.id),
            kind.SET_FREQUENCY: functools.partial(ex.set_frequency, command.value or 0.0),
            kind.SET_GUI_RATE: functools.partial(ex.set_gui_rate, command.value or 0.0),
            kind.SET_CAMERA: functools.partial(ex.set_camera, command.spec or ""),
            kind.USE_DEFAULT_MODEL: ex.use_default_model,
            kind.RECORD: functools.partial(ex.start_recording, label),
            kind.RECORD_LABEL: functools.partial(ex.set_recording_label, label),
            kind.RECORD_STOP: ex.stop_recording,
        }
        await self._blocking(calls[command.type])
        return None

    def _explain_input(self) -> Dict[str, Any]:
        """The occlusion map of the model in use on the last input the brain showed."""
        image = self._last_input
        if image is None:
            raise NothingToExplain(
                "no model input to explain yet: press Play; the brain must show what the model saw "
                "(GUI.showInput, as the default code does)"
            )
        found = occlusion_map(self.exercise.model, image)
        return m.input_explained_message(found.digit, found.probability, found.importance.tolist())

    async def _blocking(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, call)

    # -- broadcasting -------------------------------------------------------------------

    def broadcast(self, message: Dict[str, Any], *, exclude: Optional[str] = None) -> None:
        for client in list(self.clients.values()):
            if client.id != exclude:
                client.send_text(message)

    def _snapshot(self) -> Dict[str, Any]:
        return self.exercise.snapshot(self.pump.measured_fps)

    def _broadcast_state(self) -> None:
        self.pump.set_brain_running(self.exercise.brain_state is BrainState.RUNNING)
        self.pump.set_gui_fps(self.exercise.gui_fps)
        if self.clients:
            self.broadcast(m.state_message(self._snapshot()))

    def _on_change(self, change: ExerciseChange) -> None:
        if isinstance(change, CodeChanged):
            # the tab that saved already has the code; every other tab gets it (a reset
            # has no origin, so it reaches every tab, the one that asked included)
            self.broadcast(m.code_message(change.code, change.origin), exclude=change.origin)
        elif isinstance(change, ModelChanged):
            self.broadcast(m.model_message(change.spec))
        elif isinstance(change, SettingsChanged):
            self._broadcast_state()
        elif isinstance(change, RecordingChanged):
            self.broadcast(m.recording_message(change.status.to_dict()))
        elif isinstance(change, SecondModelChanged):
            self.broadcast(m.second_model_message(change.spec))
        elif isinstance(change, Compared):
            readings = [reading.to_dict() for reading in change.readings]
            self.broadcast(m.comparison_message(change.seq, change.label, readings))

    def _deliver_view(self, jpeg: bytes, seq: int, captured: float, flags: int) -> None:
        """From the view pump's thread: hop to the loop, then fill every client's slot."""
        self._hops.hop(self._offer_view, (jpeg, seq, captured, flags))

    def _offer_view(self, view: Tuple[bytes, int, float, int]) -> None:
        for client in self.clients.values():
            client.offer_view(view)

    def _on_brain_event(self, event: BrainEvent) -> None:
        if isinstance(event, (DigitShown, InputShown)) and self.exercise.brain_state is BrainState.STOPPED:
            return  # shown just before a Stop, read just after it: the tab has cleared its reading
        if isinstance(event, DigitShown):
            label = self.exercise.camera.label_of(event.frame_seq)
            text = m.encode(
                m.digit_message(event.digit, event.probabilities, event.box, event.frame_seq, label)
            )
            for client in self.clients.values():
                client.offer_digit(text)
        elif isinstance(event, InputShown):
            self._last_input = event.image
            payload = bytes(event.image.astype("uint8", copy=False).reshape(-1)[: p.INPUT_SIDE**2])
            for client in self.clients.values():
                client.offer_input(payload)
        elif isinstance(event, ConsoleLine):
            self._queue_console(event.stream.value, event.text)
        elif isinstance(event, BrainFailed):
            self._flush_console()
            self.broadcast(m.brain_error_message(event.message, event.line, event.traceback))
        elif isinstance(event, StateChanged):
            if event.state is BrainState.STOPPED:
                self._last_input = None  # the page clears it too: nothing stale to explain
                for client in self.clients.values():
                    client.forget_readings()
            self._flush_console()
            self._broadcast_state()
        elif isinstance(event, FrequencyMeasured):
            pass  # sent by the once-a-second tick, together with the GUI rate

    def _queue_console(self, stream: str, text: str) -> None:
        self._console.append((stream, text))
        if len(self._console) >= MAX_CONSOLE_BATCH:
            self._flush_console()
        elif self._console_flush is None and self._loop is not None:
            self._console_flush = self._loop.call_later(CONSOLE_BATCH_SECONDS, self._flush_console)

    def _flush_console(self) -> None:
        if self._console_flush is not None:
            self._console_flush.cancel()
            self._console_flush = None
        if self._console:
            lines, self._console = self._console, []
            self.broadcast(m.console_message(lines))

    def _real_time_factor(self) -> float:
        """1.0 for a live camera; for a file or a reel, the frames it played since the last
        tick over the frames its own rate would have played (1.0: playing at its speed)."""
        camera = self.exercise.camera
        if camera.is_live:
            self._playback = None
            return 1.0
        frame = camera.latest()
        now = time.monotonic()
        last, self._playback = self._playback, (camera, frame.seq if frame else 0, now)
        if last is None or last[0] is not camera or camera.fps <= 0 or now <= last[2]:
            return 0.0
        return (self._playback[1] - last[1]) / (now - last[2]) / camera.fps

    async def _tick(self) -> None:
        """Once a second: frequencies, and the camera's state when it changed."""
        while True:
            await asyncio.sleep(1.0)
            if not self.clients:
                continue
            snapshot = self._snapshot()
            brain, gui = snapshot["brain"], snapshot["gui"]
            budget = self.exercise.brain_budget()
            self.broadcast(
                m.frequency_message(
                    brain["measured_hz"],
                    brain["target_hz"],
                    gui["measured_fps"],
                    self.pump.target_fps,  # the idle rate while the brain is stopped
                    self._real_time_factor(),
                    budget,
                    explain(budget, brain["measured_hz"], brain["target_hz"]),
                )
            )
            camera = snapshot["camera"]
            if camera != self._last_camera:
                self._last_camera = camera
                self.broadcast(m.camera_message(camera))
