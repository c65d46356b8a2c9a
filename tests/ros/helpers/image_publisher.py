"""Test helper, run under .venv-ros: publish one image over and over on a topic.

    image_publisher.py TOPIC IMAGE.png [--encoding bgr8|rgb8|mono8|16UC1]
                       [--compressed png|jpeg] [--type string] [--rate HZ] [--stamp SECONDS]

Prints ``{"ready": true}`` once advertised, then publishes at ``--rate`` until SIGINT/SIGTERM.
``--type string`` publishes std_msgs/String instead (a topic of the wrong type).
"""

import argparse
import json
import signal
import sys

import cv2
import numpy as np
import rospy
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import String


def image_message(image_bgr, encoding, stamp):
    if encoding == "rgb8":
        data = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    elif encoding == "mono8":
        data = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    elif encoding == "16UC1":
        data = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 256
    else:
        data = image_bgr
    message = Image()
    message.height, message.width = data.shape[:2]
    message.encoding = encoding
    message.step = data.strides[0]
    message.data = np.ascontiguousarray(data).tobytes()
    message.header.stamp = stamp
    message.header.frame_id = "test_camera"
    return message


def compressed_message(image_bgr, fmt, stamp):
    ok, data = cv2.imencode("." + ("jpg" if fmt == "jpeg" else fmt), image_bgr)
    assert ok
    message = CompressedImage()
    message.format = fmt
    message.data = data.tobytes()
    message.header.stamp = stamp
    return message


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("topic")
    parser.add_argument("image")
    parser.add_argument("--encoding", default="bgr8")
    parser.add_argument("--compressed", default="")
    parser.add_argument("--type", default="image")
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--stamp", type=float, default=None)
    args = parser.parse_args(rospy.myargv()[1:])
    rospy.init_node("test_image_publisher", anonymous=True, disable_signals=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    image = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if args.type == "string":
        publisher = rospy.Publisher(args.topic, String, queue_size=1)
    elif args.compressed:
        publisher = rospy.Publisher(args.topic, CompressedImage, queue_size=1)
    else:
        publisher = rospy.Publisher(args.topic, Image, queue_size=1)
    print(json.dumps({"ready": True}), flush=True)
    rate = rospy.Rate(args.rate)
    while not stopping:
        stamp = rospy.Time.from_sec(args.stamp) if args.stamp is not None else rospy.Time.now()
        if args.type == "string":
            publisher.publish(String("not an image"))
        elif args.compressed:
            publisher.publish(compressed_message(image, args.compressed, stamp))
        else:
            publisher.publish(image_message(image, args.encoding, stamp))
        rate.sleep()
    rospy.signal_shutdown("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
