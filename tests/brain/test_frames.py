"""The shared-memory newest-frame slot: whole frames only, across processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import numpy as np

from exercise.brain.frames import FrameSlot


def test_empty_then_newest_frame_as_a_private_copy() -> None:
    slot = FrameSlot.create(64 * 64 * 3)
    try:
        assert slot.read() is None
        for value in (1, 2, 3):
            slot.write(np.full((8, 16, 3), value, np.uint8), seq=value, timestamp=value / 10)
        result = slot.read()
        assert result is not None
        image, seq, timestamp = result
        assert image.shape == (8, 16, 3) and int(image.max()) == 3 and seq == 3 and timestamp == 0.3
        image[:] = 99  # the student may draw on it
        again = slot.read()
        assert again is not None and int(again[0].max()) == 3
        slot.write(np.full((4, 5), 7, np.uint8), seq=4, timestamp=0.4)  # grey frames too
        grey = slot.read()
        assert grey is not None and grey[0].shape == (4, 5)
        slot.clear()
        assert slot.read() is None
    finally:
        slot.close()
        slot.close()


def test_oversized_frames_are_shrunk_to_fit() -> None:
    slot = FrameSlot.create(100 * 100 * 3)
    try:
        slot.write(np.zeros((400, 400, 3), np.uint8), seq=1, timestamp=0.0)
        result = slot.read()
        assert result is not None and result[0].nbytes <= 100 * 100 * 3
    finally:
        slot.close()


def test_a_reader_never_sees_a_torn_frame() -> None:
    slot = FrameSlot.create(480 * 640 * 3)
    stop = threading.Event()

    def writer() -> None:
        seq = 0
        while not stop.is_set():
            seq += 1
            slot.write(np.full((480, 640, 3), seq % 256, np.uint8), seq=seq, timestamp=float(seq))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reads = 0
        while reads < 300:
            result = slot.read()
            if result is None:
                continue
            image, seq, _ = result
            assert int(image.min()) == int(image.max()) == seq % 256
            reads += 1
    finally:
        stop.set()
        thread.join()
        slot.close()


def test_the_child_reads_what_the_parent_wrote() -> None:
    slot = FrameSlot.create(32 * 32 * 3)
    try:
        slot.write(np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3), seq=42, timestamp=1.5)
        script = textwrap.dedent(f"""
            from exercise.brain.frames import FrameSlot
            image, seq, timestamp = FrameSlot.attach({slot.fd}, {slot.capacity}).read()
            print(seq, timestamp, image.shape, int(image.sum()))
        """)
        out = subprocess.run(
            [sys.executable, "-c", script], pass_fds=(slot.fd,), capture_output=True, text=True, timeout=30
        )
        expected = int(np.arange(32 * 32 * 3, dtype=np.uint8).astype(np.int64).sum())
        assert out.stdout.split() == ["42", "1.5", "(32,", "32,", "3)", str(expected)], out.stderr
    finally:
        slot.close()
