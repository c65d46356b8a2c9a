#!/bin/bash
# Start a ROS master and the exercise in the container.
#
#   entrypoint.sh [webcam|demo] [roslaunch args...]     default: webcam (/dev/video0)
#   entrypoint.sh bash                                  anything else runs as a command
#
# The master runs in the background; roslaunch runs in the foreground with exec'd
# signals, so `docker stop` (SIGTERM) and Ctrl-C (SIGINT) stop the nodes cleanly, then
# the master.
set -euo pipefail

# shellcheck disable=SC1091
source /opt/ros/noetic/setup.bash
# shellcheck disable=SC1091
source /opt/exercise_ws/install/setup.bash

mode="${1:-webcam}"
case "$mode" in
  webcam) launch_file=exercise.launch; shift || true ;;
  demo) launch_file=exercise_demo.launch; shift || true ;;
  *) exec "$@" ;;
esac

export ROS_HOSTNAME="${ROS_HOSTNAME:-localhost}"
export ROS_MASTER_URI="${ROS_MASTER_URI:-http://localhost:11311}"

roscore_pid=""
if ! rosnode list >/dev/null 2>&1; then
  roscore &
  roscore_pid=$!
  # roslaunch would start its own master, but one started here outlives a relaunch.
  until rosnode list >/dev/null 2>&1; do sleep 0.2; done
fi

stop_master() {
  if [ -n "$roscore_pid" ]; then
    kill -INT "$roscore_pid" 2>/dev/null || true
    wait "$roscore_pid" 2>/dev/null || true
  fi
}
trap stop_master EXIT

# host 0.0.0.0: reachable through the published port (the server then asks for a token).
roslaunch dl_digit_classifier "$launch_file" \
  host:=0.0.0.0 \
  port:="${EXERCISE_PORT:-7164}" \
  state_dir:="${EXERCISE_STATE_DIR:-/data}" \
  "$@" &
launch_pid=$!
forward() { kill -INT "$launch_pid" 2>/dev/null || true; }
trap forward INT TERM
wait "$launch_pid" || true
wait "$launch_pid" 2>/dev/null || true
