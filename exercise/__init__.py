"""Digit classifier exercise: read handwritten digits from a camera with a student's ONNX model.

The data flow, one module each:

    camera source (exercise.cameras)  ->  latest-frame buffer (exercise.cameras.base)
      ->  brain process (exercise.brain: the student's code with HAL and GUI)
      ->  hub (exercise.server)  ->  browser (static/)

Digit finding lives in exercise.preprocess, model loading and checking in exercise.model.
"""

__version__ = "0.1.0"
