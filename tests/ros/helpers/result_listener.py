"""Test helper, run under .venv-ros: collect what the exercise node publishes.

    result_listener.py [--node /exercise] [--digit D] [--count N] [--timeout S] [--truth TOPIC]

Subscribes to NODE/digit, NODE/probabilities, NODE/frequency and NODE/annotated and
returns once it has N digit messages equal to D (any digit when D is omitted), one
frequency and one annotated image, or after S seconds. Prints one JSON object:
``{"digits": [...], "probabilities": [[...], ...], "frequencies": [...],
"annotated": {"width", "height", "encoding", "frame_id", "mean"} or null, "truth": [...],
"pairs": [[digit, truth], ...]}``.
"""

import argparse
import json
import sys
import threading

import numpy as np
import rospy
from sensor_msgs.msg import Image
from std_msgs.msg import Float32, Float32MultiArray, Int32


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--node", default="/exercise")
    parser.add_argument("--digit", type=int, default=None)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--truth", default="")
    args = parser.parse_args(rospy.myargv()[1:])
    rospy.init_node("test_result_listener", anonymous=True, disable_signals=True)
    lock = threading.Lock()
    done = threading.Event()
    result = {"digits": [], "probabilities": [], "frequencies": [], "annotated": None, "truth": []}
    result["pairs"] = []

    def check():
        if args.truth:
            matching = [p for p in result["pairs"] if p[1] != -1]
        else:
            matching = [d for d in result["digits"] if args.digit is None or d == args.digit]
        if len(matching) >= args.count and result["frequencies"] and result["annotated"]:
            done.set()

    def on_digit(message):
        with lock:
            result["digits"].append(message.data)
            if result["truth"]:  # (digit read, digit the demo camera showed last)
                result["pairs"].append([message.data, result["truth"][-1]])
            check()

    def on_probabilities(message):
        with lock:
            result["probabilities"].append(list(message.data))

    def on_frequency(message):
        with lock:
            result["frequencies"].append(message.data)
            check()

    def on_annotated(message):
        data = np.frombuffer(message.data, np.uint8)
        with lock:
            result["annotated"] = {
                "width": message.width,
                "height": message.height,
                "encoding": message.encoding,
                "frame_id": message.header.frame_id,
                "stamp": message.header.stamp.to_sec(),
                "mean": float(data.mean()) if data.size else 0.0,
            }
            check()

    def on_truth(message):
        with lock:
            result["truth"].append(message.data)

    rospy.Subscriber(args.node + "/digit", Int32, on_digit)
    rospy.Subscriber(args.node + "/probabilities", Float32MultiArray, on_probabilities)
    rospy.Subscriber(args.node + "/frequency", Float32, on_frequency)
    rospy.Subscriber(args.node + "/annotated", Image, on_annotated, buff_size=2**24)
    if args.truth:
        rospy.Subscriber(args.truth, Int32, on_truth)
    done.wait(args.timeout)
    with lock:
        result["complete"] = done.is_set()
        print(json.dumps(result), flush=True)
    rospy.signal_shutdown("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
