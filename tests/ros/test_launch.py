"""``roslaunch`` of both launch files against a real master: nodes up, page served, clean stop."""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path

import cv2
import pytest

from tests.conftest import free_port
from tests.ros.conftest import ROOT, run_helper, wait_for_port
from tests.ros.test_exercise_node import paper_with_digit

pytestmark = pytest.mark.ros

#: roslaunch escalates to SIGTERM 15 s after SIGINT; a clean stop is well before that.
STOP_TIMEOUT_S = 12.0


def roslaunch(spawn, ros_env, tmp_path: Path, launch_file: str, port: int, *args: str):
    env_args = [f"port:={port}", f"state_dir:={tmp_path / 'state'}", *args]
    ros_env["ROS_PACKAGE_PATH"] = str(ROOT)  # a source checkout is enough, no workspace
    launch = spawn(["roslaunch", "dl_digit_classifier", launch_file, *env_args], "roslaunch")
    wait_for_port(port, 120.0, launch.process)
    return launch


def page_status(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return int(response.status)


def assert_stops_cleanly(launch) -> None:
    """SIGINT to roslaunch (Ctrl-C): every node exits by itself, quickly, without a traceback."""
    started = time.monotonic()
    status = launch.interrupt(timeout=STOP_TIMEOUT_S + 8)
    elapsed = time.monotonic() - started
    output = launch.output()
    assert status == 0, output[-3000:]
    assert elapsed < STOP_TIMEOUT_S, f"roslaunch took {elapsed:.1f} s to stop:\n{output[-3000:]}"
    assert "Traceback" not in output, output[-3000:]
    assert "escalating to SIGTERM" not in output
    assert "has died" not in output, output[-3000:]
    pids = [int(pid) for pid in re.findall(r"started with pid \[(\d+)\]", output)]
    assert len(pids) == 2  # webcam_publisher and exercise_node
    deadline = time.monotonic() + 10
    while launch.group_alive() and time.monotonic() < deadline:
        time.sleep(0.1)  # reaped children leave no event to wait on
    assert not launch.group_alive(), "a node (or its brain child) outlived roslaunch"


def test_exercise_launch_serves_the_page_and_reads_the_camera(
    ros_env, spawn, tmp_path, draw_digit_frame, digit_model_path
) -> None:
    picture = tmp_path / "four.png"
    cv2.imwrite(str(picture), paper_with_digit(draw_digit_frame, 4))
    port = free_port()
    # A still image stands in for the webcam: webcam_publisher takes any camera spec.
    args = [f"device:=file:{picture}", f"model:={digit_model_path}"]
    launch = roslaunch(spawn, ros_env, tmp_path, "exercise.launch", port, *args)
    assert page_status(port) == 200
    result = run_helper(ros_env, "result_listener.py", "--digit", "4", "--count", "3", timeout=120)
    assert result["complete"], result
    assert result["digits"][-1] == 4
    assert_stops_cleanly(launch)


def test_exercise_demo_launch_runs_on_the_demo_camera(ros_env, spawn, tmp_path, digit_model_path) -> None:
    port = free_port()
    launch = roslaunch(spawn, ros_env, tmp_path, "exercise_demo.launch", port, f"model:={digit_model_path}")
    assert page_status(port) == 200
    result = run_helper(
        ros_env, "result_listener.py", "--count", "1", "--truth", "/camera/shown_digit", timeout=120
    )
    assert result["complete"], result
    assert all(-1 <= d <= 9 for d in result["digits"])
    assert result["truth"] and all(-1 <= d <= 9 for d in result["truth"])
    assert (result["annotated"]["width"], result["annotated"]["height"]) == (640, 480)
    assert_stops_cleanly(launch)


def test_demo_launch_with_the_default_model_reads_the_digits_the_demo_shows(ros_env, spawn, tmp_path) -> None:
    port = free_port()
    # A seeded demo: the same sheets every run, a new one every 1.5 s.
    args = ["frequency:=10", "demo:=demo:seed=7,interval=1.5,empty=0.1"]
    launch = roslaunch(spawn, ros_env, tmp_path, "exercise_demo.launch", port, *args)
    result = run_helper(
        ros_env, "result_listener.py", "--count", "40", "--truth", "/camera/shown_digit", timeout=150
    )
    assert result["complete"], result
    shown = [(read, truth) for read, truth in result["pairs"] if truth != -1]
    # Readings lag the sheet by a frame or two when it changes: most, not all, must match.
    matches = sum(read == truth for read, truth in shown)
    assert matches >= 0.7 * len(shown), shown
    assert len({truth for _, truth in shown}) >= 2  # the demo changed sheets: not one lucky digit
    assert_stops_cleanly(launch)
