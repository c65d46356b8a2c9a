"""ROS 1 (Noetic) glue that the ``ros:TOPIC`` camera source and the nodes share.

Nothing here imports rospy at module import time: ``import exercise.ros`` works on a
machine without ROS, and only calling into a ROS helper needs rospy, cv_bridge and the
message packages (it raises :class:`~exercise.exceptions.CameraError` when they are
missing). Modules:

* :mod:`exercise.ros.node`: import rospy, check the master, initialise the node once;
* :mod:`exercise.ros.images`: ``sensor_msgs`` images <-> BGR arrays through cv_bridge.

The nodes themselves are in :mod:`exercise.nodes`, at the top of the import graph.
"""
