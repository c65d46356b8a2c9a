"""The ROS nodes: the top of the import graph, above the server, the brain and the cameras.

* :mod:`exercise.nodes.exercise_node`: the whole exercise as a ROS node (``scripts/exercise_node``);
* :mod:`exercise.nodes.webcam_publisher`: a camera as a ``sensor_msgs/Image`` topic
  (``scripts/webcam_publisher``);
* :mod:`exercise.nodes.results`: brain events -> the values the exercise node publishes.

``scripts/`` only calls the nodes' ``main()``; the ROS helpers they share with the
``ros:TOPIC`` camera are in :mod:`exercise.ros`.
"""
