"""ROS 1 (Noetic) glue: the ``ros:TOPIC`` camera source and the two nodes share these helpers.

Nothing here imports rospy at module import time: ``import exercise.ros`` works on a
machine without ROS, and only calling into a ROS helper needs rospy, cv_bridge and the
message packages (it raises :class:`~exercise.exceptions.CameraError` when they are
missing). Modules:

* :mod:`exercise.ros.node`: import rospy, check the master, initialise the node once;
* :mod:`exercise.ros.images`: ``sensor_msgs`` images <-> BGR arrays through cv_bridge;
* :mod:`exercise.ros.results`: brain events -> the values the exercise node publishes;
* :mod:`exercise.ros.exercise_node`, :mod:`exercise.ros.webcam_publisher`: the nodes'
  ``main()``; ``scripts/`` only calls them.
"""
