"""exercise.model_guard: uploaded models are checked where a memory cap applies."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from onnx import helper, numpy_helper

from exercise import model_guard
from exercise.exceptions import ModelError
from exercise.model_guard import check_isolated
from tests.conftest import digit_graph


def memory_hog(rows: int = 700_000) -> bytes:
    """A [1,1,28,28] -> [1,10] model whose every run expands the image to rows x 784 floats
    (2.2 GB for the default), then averages it back."""
    nodes = [
        helper.make_node("Reshape", ["input", "flat"], ["row"]),
        helper.make_node("Expand", ["row", "rows"], ["big"]),
        helper.make_node("ReduceMean", ["big"], ["mean"], axes=[0], keepdims=1),
        helper.make_node("MatMul", ["mean", "weights"], ["output"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array([1, 784], np.int64), "flat"),
        numpy_helper.from_array(np.array([rows, 784], np.int64), "rows"),
        numpy_helper.from_array(
            np.random.default_rng(0).normal(size=(784, 10)).astype(np.float32), "weights"
        ),
    ]
    return digit_graph(nodes, initializers, "hog")


def test_a_model_that_expands_every_run_to_gigabytes_is_refused():
    with pytest.raises(ModelError, match=r"hog.onnx: running it on one 28x28 image needs more than 1024 MB"):
        check_isolated(memory_hog(), "hog.onnx")


def test_a_small_model_passes_and_a_broken_one_keeps_its_reason(digit_model_bytes):
    check_isolated(digit_model_bytes, "mine.onnx")
    check_isolated(memory_hog(rows=10), "small_hog.onnx")  # the same graph, small: fine
    with pytest.raises(ModelError) as info:
        check_isolated(b"not a model at all", "garbage.onnx")
    assert info.value.code == "model_format" and "protobuf" in str(info.value)


def test_a_checking_process_that_died_is_replaced(digit_model_bytes):
    check_isolated(digit_model_bytes, "first.onnx")
    helper = model_guard._HELPER._process
    assert helper is not None
    helper.kill()
    helper.wait()
    check_isolated(digit_model_bytes, "second.onnx")  # a new one takes over
    assert model_guard._HELPER._process is not helper
    with pytest.raises(ModelError, match="needs more than 1024 MB"):
        check_isolated(memory_hog(), "hog.onnx")  # and still caps its children


def test_the_checking_process_ends_when_the_server_does():
    command = [sys.executable, "-m", "exercise.model_guard", "--serve"]
    helper = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    helper.stdin.close()  # the server's end of the pipe, as when it exits or is killed
    assert helper.wait(timeout=30) == 0
