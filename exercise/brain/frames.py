"""The newest camera frame, shared between the runner and the brain's child process.

One writer (the runner's frame feed, in the camera's thread) and one reader (the child's
``HAL.getImage``) share a memory segment that holds two frame buffers. The writer fills
the buffer the reader is *not* told about, then publishes it as the newest; each buffer
also carries a sequence counter (a seqlock: odd while being written) that the reader
checks before and after its copy, so the reader never returns a torn frame even if the
writer laps it. Nothing is pickled or piped per frame: the only copies are the writer's
into the segment and the reader's out of it (the student gets an array of their own,
which they may draw on).

The segment is an anonymous memfd (``os.memfd_create``) passed to the child as a file
descriptor: it has no name in /dev/shm, so nothing is left behind even if the server is
killed, and no resource-tracker process is needed (``multiprocessing.shared_memory`` has
both problems across a subprocess boundary). Where memfd does not exist, an unlinked
temporary file plays the same role.

Layout (little-endian)::

    0   u64  newest: number of frames written so far (0 = none); buffer = newest % 2
    64  buffer 0 header: u64 counter, u64 frame seq, f64 timestamp, u32 h, u32 w, u32 c
    128 buffer 1 header
    192 buffer 0 pixels (capacity bytes), then buffer 1 pixels
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
from typing import Optional, Tuple

import numpy as np

#: Room for one 4K BGR frame per buffer. Pages are only allocated when touched, so a
#: 640x480 camera uses about 2 MB of it.
DEFAULT_CAPACITY = 3840 * 2160 * 3

_HEADER = 192
_BUFFER_HEADERS = (64, 128)
#: How often a reader retries a copy the writer overwrote before giving up for this call.
_READ_ATTEMPTS = 8


class FrameSlot:
    """A two-buffer newest-frame slot over shared memory. Create in the parent, attach in the child."""

    def __init__(self, fd: int, capacity: int, *, owner: bool) -> None:
        # Private: use create() or attach().
        self.fd = fd
        self.capacity = capacity
        self._owner = owner
        self._map: Optional[mmap.mmap] = mmap.mmap(fd, _HEADER + 2 * capacity)
        self._words = np.frombuffer(self._map, np.uint64, count=_HEADER // 8)
        self._floats = np.frombuffer(self._map, np.float64, count=_HEADER // 8)
        self._dims = np.frombuffer(self._map, np.uint32, count=_HEADER // 4)

    @classmethod
    def create(cls, capacity: int = DEFAULT_CAPACITY) -> FrameSlot:
        """A new empty slot; pass ``slot.fd`` (inheritable) and ``capacity`` to the child."""
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("brain-frames", os.MFD_CLOEXEC)  # pass_fds hands it to the child
        else:  # pragma: no cover - macOS and friends
            handle, path = tempfile.mkstemp(prefix="brain-frames-")
            os.unlink(path)
            fd = handle
        os.ftruncate(fd, _HEADER + 2 * capacity)
        return cls(fd, capacity, owner=True)

    @classmethod
    def attach(cls, fd: int, capacity: int) -> FrameSlot:
        """The child's view of a slot the parent created."""
        return cls(fd, capacity, owner=False)

    # -- writer (the runner's frame feed only) -----------------------------------------------

    def clear(self) -> None:
        """Forget every frame (before a new run, so it never sees the last run's frame)."""
        self._words[0] = 0

    def write(self, image: np.ndarray, seq: int, timestamp: float) -> None:
        """Publish ``image`` (uint8, HxW or HxWx3) as the newest frame.

        Frames over the capacity are shrunk to fit first (a 4K slot never needs it).
        """
        # No contiguous copy first: a camera may hand out a view into a bigger array (the
        # demo camera's frames are crops), and the copy into the segment below takes any
        # strides, so the frame's pixels are copied once.
        image = _fit(np.asarray(image, dtype=np.uint8), self.capacity)
        written = int(self._words[0]) + 1
        index = written % 2
        base = _BUFFER_HEADERS[index] // 8
        counter = int(self._words[base])
        self._words[base] = counter + 1  # odd: being written
        self._words[base + 1] = seq
        self._floats[base + 2] = timestamp
        height, width = image.shape[:2]
        channels = image.shape[2] if image.ndim == 3 else 0
        self._dims[2 * (base + 3) : 2 * (base + 3) + 3] = (height, width, channels)
        start = _HEADER + index * self.capacity
        self._pixels(start, image.nbytes).reshape(image.shape)[...] = image
        self._words[base] = counter + 2  # even: complete
        self._words[0] = written

    # -- reader (the child) -----------------------------------------------------------------

    def read(self) -> Optional[Tuple[np.ndarray, int, float]]:
        """``(image copy, frame seq, capture timestamp)`` of the newest frame, or None if none yet."""
        for _ in range(_READ_ATTEMPTS):
            written = int(self._words[0])
            if written == 0:
                return None
            index = written % 2
            base = _BUFFER_HEADERS[index] // 8
            before = int(self._words[base])
            if before % 2:
                continue  # the writer lapped us and is filling this buffer right now
            seq = int(self._words[base + 1])
            timestamp = float(self._floats[base + 2])
            height, width, channels = (int(v) for v in self._dims[2 * (base + 3) : 2 * (base + 3) + 3])
            shape = (height, width, channels) if channels else (height, width)
            nbytes = height * width * max(channels, 1)
            if nbytes > self.capacity:
                return None  # cannot happen with a well-behaved writer
            start = _HEADER + index * self.capacity
            image = self._pixels(start, nbytes).copy().reshape(shape)
            if int(self._words[base]) == before:
                return image, seq, timestamp
        return None

    # -- both -------------------------------------------------------------------------------

    def close(self) -> None:
        """Unmap; the owner also closes the descriptor (the memory goes with the last user)."""
        if self._map is None:
            return
        del self._words, self._floats, self._dims
        # BufferError: a view is still alive somewhere; the GC will unmap it.
        with contextlib.suppress(BufferError):
            self._map.close()
        self._map = None
        if self._owner:
            os.close(self.fd)

    def _pixels(self, start: int, nbytes: int) -> np.ndarray:
        assert self._map is not None, "the frame slot is closed"
        return np.frombuffer(self._map, np.uint8, count=nbytes, offset=start)


def _fit(image: np.ndarray, capacity: int) -> np.ndarray:
    if image.nbytes <= capacity:
        return image
    import cv2  # only for oversized frames

    factor = (capacity / image.nbytes) ** 0.5 * 0.99
    size = (max(1, int(image.shape[1] * factor)), max(1, int(image.shape[0] * factor)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
