"""Import rospy, check that a master answers, and initialise this process's node once.

A process has at most one ROS node. The nodes in ``scripts/`` initialise it themselves
(with their own name); a ``ros:TOPIC`` camera opened from the CLI or the server calls
:func:`ensure_node`, which initialises an anonymous ``digit_classifier`` node if nobody
did. Every node here is initialised with ``disable_signals=True``: the exercise server
owns SIGINT/SIGTERM and stops rospy through :func:`shutdown`.
"""

from __future__ import annotations

import os
from types import ModuleType

from exercise.exceptions import CameraError

#: Name of the node a ``ros:TOPIC`` camera creates when the process has none yet.
DEFAULT_NODE_NAME = "digit_classifier"

_MISSING_ROS = (
    "rospy is not importable from this Python ({error}); run under ROS Noetic's python3 "
    "(source /opt/ros/noetic/setup.bash) or the project's .venv-ros (see docs/ros.md)"
)


def import_rospy(spec: str = "ros") -> ModuleType:
    """The rospy module, or CameraError naming the interpreter to use instead."""
    try:
        import rospy
    except ImportError as error:
        raise CameraError(spec, _MISSING_ROS.format(error=error)) from error
    return rospy


def master_uri() -> str:
    """The master this process talks to, as ROS resolves it (the default is localhost:11311)."""
    return os.environ.get("ROS_MASTER_URI", "http://localhost:11311")


def check_master(spec: str = "ros") -> None:
    """Raise CameraError when no ROS master answers at ROS_MASTER_URI.

    rospy itself would retry registration forever in the background, which leaves a
    student looking at a camera that never starts; a clear error is more useful.
    """
    import rosgraph

    if not rosgraph.is_master_online():
        raise CameraError(
            spec,
            f"no ROS master answers at ROS_MASTER_URI={master_uri()}; start one with "
            "`roscore` (or use roslaunch, which starts one) and try again",
        )


def ensure_node(spec: str = "ros", name: str = DEFAULT_NODE_NAME) -> ModuleType:
    """Make sure this process is a ROS node; return rospy.

    Initialises an anonymous node called ``name`` when the process is not a node yet,
    with rospy's signal handlers off (the caller keeps its own). Raises CameraError when
    rospy is missing or no master answers.
    """
    rospy = import_rospy(spec)
    check_master(spec)
    if not rospy.core.is_initialized():
        rospy.init_node(name, anonymous=True, disable_signals=True)
    return rospy


def shutdown(reason: str) -> None:
    """Shut this process's node down, if rospy was ever imported; safe to call twice."""
    import sys

    rospy = sys.modules.get("rospy")
    if rospy is not None and not rospy.core.is_shutdown():
        rospy.signal_shutdown(reason)
