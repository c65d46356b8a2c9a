"""The brain: the student's code, run in a child process at a target frequency.

``exercise.brain.runner.BrainRunner`` is the parent side (all process control in one
class); ``exercise.brain.events`` lists what comes back from the child.
"""
