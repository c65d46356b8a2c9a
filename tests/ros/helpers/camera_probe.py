"""Test helper, run under .venv-ros: open a camera spec the way the exercise does, report frames.

    camera_probe.py SPEC OUT.npy [--frames N] [--timeout S]

Starts ``open_camera(SPEC)``, records its status before the first frame (and, with
``--until TEXT``, once its status message contains TEXT), waits for N
frames, saves the last image to OUT.npy, and prints one JSON object:
``{"states": [...], "messages": [...], "seqs": [...], "timestamps": [...], "shape": [...]}``,
or ``{"error": "...", "kind": "CameraError"}`` when the camera cannot start.
"""

import argparse
import json
import sys
import time

import numpy as np

from exercise.cameras import open_camera
from exercise.exceptions import CameraError


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("spec")
    parser.add_argument("out")
    parser.add_argument("--frames", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--until", default="", help="first wait for a status message containing this")
    args = parser.parse_args()
    report = {"states": [], "messages": [], "seqs": [], "timestamps": [], "arrivals": []}
    try:
        camera = open_camera(args.spec)
        camera.start()
    except CameraError as error:
        print(json.dumps({"error": str(error), "kind": type(error).__name__}), flush=True)
        return 2
    try:
        report["states"].append(camera.status.state.value)
        report["messages"].append(camera.status.message)
        deadline = time.monotonic() + args.timeout
        if args.until:
            # The status changes without an event to wait on; a test helper may poll it.
            while args.until not in camera.status.message and time.monotonic() < deadline:
                time.sleep(0.1)
            report["states"].append(camera.status.state.value)
            report["messages"].append(camera.status.message)
            deadline = time.monotonic() + 1.0  # any frame would have come with the message
        seq = 0
        frame = None
        while len(report["seqs"]) < args.frames and time.monotonic() < deadline:
            frame = camera.wait_newer(seq, timeout=1.0)
            if frame is None:
                continue
            seq = frame.seq
            report["seqs"].append(frame.seq)
            report["timestamps"].append(frame.timestamp)
            report["arrivals"].append(time.time())
        report["states"].append(camera.status.state.value)
        report["messages"].append(camera.status.message)
        if frame is not None:
            np.save(args.out, frame.image)
            report["shape"] = list(frame.image.shape)
            report["dtype"] = str(frame.image.dtype)
    finally:
        camera.stop()
        report["stopped_state"] = camera.status.state.value
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
