"""One connected tab: its newest-only slots, its queues, and the task that sends them."""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any, Awaitable, Callable, Deque, Dict, Optional, Tuple

from starlette.websockets import WebSocket, WebSocketDisconnect

from exercise.server import protocol as p
from exercise.server import server_messages as m

#: Broadcast text messages (state, code, console...) a client may have waiting before the
#: oldest are dropped.
MAX_PENDING_TEXT = 500
#: Replies to a client's own commands are never dropped: with this many waiting, the server
#: reads no more of its commands until they are sent (the client feels TCP backpressure).
MAX_PENDING_REPLIES = 256
#: ASGI scope extension our uvicorn protocol adds: ``{"wait": coroutine function}`` that
#: returns once everything sent so far has left the event loop for the kernel.
DRAIN_EXTENSION = "exercise.drain"


class Client:
    """One connected tab: its slots and its sender task."""

    def __init__(self, client_id: str, websocket: WebSocket) -> None:
        self.id = client_id
        self.websocket = websocket
        self.wake = asyncio.Event()
        self.text: Deque[str] = collections.deque(maxlen=MAX_PENDING_TEXT)
        self.replies: Deque[str] = collections.deque()
        #: Set while fewer than MAX_PENDING_REPLIES replies wait.
        self.reply_room = asyncio.Event()
        self.reply_room.set()
        #: Whether this client was told it sends commands faster than it takes replies.
        self.warned_flooding = False
        #: Newest camera view: (jpeg, seq, captured, flags); replaced, never queued.
        self.view: Optional[Tuple[bytes, int, float, int]] = None
        self.input: Optional[bytes] = None
        self.digit: Optional[str] = None
        self.views_sent = 0
        self.views_skipped = 0
        self.closed = False
        drain = (websocket.scope.get("extensions") or {}).get(DRAIN_EXTENSION) or {}
        self._drained: Optional[Callable[[], Awaitable[Any]]] = drain.get("wait")

    def send_text(self, message: Dict[str, Any]) -> None:
        """Queue a broadcast message (the oldest go first if the client falls far behind)."""
        self.text.append(m.encode(message))
        self.wake.set()

    def reply(self, message: Dict[str, Any]) -> None:
        """Queue an answer to this client's own command: never dropped."""
        self.replies.append(m.encode(message))
        if len(self.replies) >= MAX_PENDING_REPLIES:
            self.reply_room.clear()
        self.wake.set()

    def offer_view(self, view: Tuple[bytes, int, float, int]) -> None:
        if self.view is not None:
            self.views_skipped += 1
        self.view = view
        self.wake.set()

    def offer_input(self, payload: bytes) -> None:
        self.input = payload
        self.wake.set()

    def offer_digit(self, text: str) -> None:
        self.digit = text
        self.wake.set()

    def forget_readings(self) -> None:
        """Drop the digit and model input not sent yet: queued state messages go first, so
        a reading taken before a Stop would otherwise reach the tab after it."""
        self.digit = None
        self.input = None

    async def run_sender(self) -> None:
        """Send whatever is waiting, newest images only, until the socket fails or closes."""
        try:
            while not self.closed:
                await self.wake.wait()
                self.wake.clear()
                while self.replies:
                    await self.websocket.send_text(self.replies.popleft())
                    if len(self.replies) < MAX_PENDING_REPLIES:
                        self.reply_room.set()
                while self.text:
                    await self.websocket.send_text(self.text.popleft())
                if self.digit is not None:
                    digit, self.digit = self.digit, None
                    await self.websocket.send_text(digit)
                if self.input is not None:
                    payload, self.input = self.input, None
                    await self.websocket.send_bytes(
                        p.pack_binary(p.BinaryKind.MODEL_INPUT, payload, sent=time.time())
                    )
                if self.view is not None and self._drained is not None:
                    # Take the view only once the last one is out of our hands: a slow
                    # client then gets the newest view when it can take one, not one
                    # picked when it could not.
                    await self._drained()
                if self.view is not None and not self.closed:
                    (jpeg, seq, captured, flags), self.view = self.view, None
                    header = p.pack_header(
                        p.BinaryKind.CAMERA_VIEW, seq=seq, captured=captured, sent=time.time(), flags=flags
                    )
                    await self.websocket.send_bytes(header + jpeg)
                    self.views_sent += 1
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True  # the reader sees the disconnect and cleans up
            self.reply_room.set()
