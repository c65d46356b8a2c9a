"""How the exercise opens every onnxruntime session: the student's model and the gate.

Both run a few images per frame in a loop at up to 30 Hz, so they share one recipe: few
threads, no spin-waiting between calls, errors only in the log. This module imports
nothing of the exercise, so any module may use it without an import cycle.
"""

from __future__ import annotations

import onnxruntime as ort


def session_options(threads: int = 1) -> ort.SessionOptions:
    """Options for a session that runs small batches, often, on the CPU."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle onnxruntime threads spin-wait by default: with a brain running at 30 Hz that
    # kept a core busy between calls. Without spinning they sleep until the next run.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: warnings become our own messages or none
    return options
