"""``/api/examples``: the page's "Save this digit", and the saved examples to look at and delete.

The page sends the 28x28 input it shows (the bytes the server sent it), so what is saved
is what the student saw and labelled, whatever the brain has read since. A delete names
the example by its place and, to be sure it is still the one meant, its digit
(``DELETE /api/examples/N?label=L``). Every answer is
the whole set (:class:`exercise.payloads.SavedExamples`): a few hundred examples are a few
hundred kilobytes.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Callable, List, Tuple

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from exercise.examples import ExampleMoved, ExampleSet, counts_per_class
from exercise.exceptions import DatasetError
from exercise.payloads import SavedExamples, to_json
from exercise.preprocess import MNIST_SIDE as SIDE
from exercise.server.api import BodyTooLarge, error_response, read_limited

#: A save request: a label and 784 bytes in base64, with room for the JSON around them.
MAX_SAVE_BYTES = 4096


def saved_examples(examples: ExampleSet, images: np.ndarray, labels: np.ndarray) -> SavedExamples:
    return SavedExamples(
        folder=str(examples.directory),
        total=len(labels),
        counts=counts_per_class(labels),
        labels=[int(label) for label in labels],
        pixels=base64.b64encode(np.ascontiguousarray(images, np.uint8).tobytes()).decode("ascii"),
    )


def parse_save(body: bytes) -> Tuple[np.ndarray, int]:
    """(28x28 image, label) from ``{"label": L, "pixels": BASE64}``; ValueError saying what is wrong."""
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError('send JSON: {"label": 0-9, "pixels": base64 of 784 grey bytes}') from None
    if not isinstance(request, dict) or set(request) != {"label", "pixels"}:
        raise ValueError('send exactly {"label": 0-9, "pixels": base64 of 784 grey bytes}')
    label, pixels = request["label"], request["pixels"]
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label <= 9:
        raise ValueError(f"'label' must be a digit 0-9, got {label!r}")
    try:
        raw = base64.b64decode(pixels, validate=True) if isinstance(pixels, str) else b""
    except (binascii.Error, ValueError):  # ValueError: characters outside ASCII
        raw = b""
    if len(raw) != SIDE * SIDE:
        raise ValueError(f"'pixels' must be base64 of {SIDE * SIDE} grey bytes (a 28x28 model input)")
    return np.frombuffer(raw, np.uint8).reshape(SIDE, SIDE), label


def build_example_routes(examples: ExampleSet) -> List[Route]:
    """GET, POST and DELETE on ``/api/examples`` for the set in ``examples``."""

    async def answer(change: Callable[[], Tuple[np.ndarray, np.ndarray]]) -> JSONResponse:
        try:
            images, labels = await run_in_threadpool(change)
        except DatasetError as exc:
            return error_response(
                409, exc.code, f"{exc}; the files are left as they are: move them away to start a new set"
            )
        return JSONResponse(to_json(saved_examples(examples, images, labels)))

    async def list_examples(request: Request) -> JSONResponse:
        return await answer(examples.load)

    async def save_example(request: Request) -> JSONResponse:
        try:
            image, label = parse_save(await read_limited(request, MAX_SAVE_BYTES))
        except BodyTooLarge:
            return error_response(
                413, "too_large", f"a saved example is under {MAX_SAVE_BYTES} bytes of JSON"
            )
        except ValueError as exc:
            return error_response(400, "bad_example", str(exc))
        try:
            return await answer(lambda: examples.add(image, label))
        except ValueError as exc:  # the set is full
            return error_response(409, "examples_full", str(exc))

    async def delete_example(request: Request) -> JSONResponse:
        index: Any = request.path_params["index"]
        expected = request.query_params.get("label")
        if expected is not None and not (expected.isdigit() and len(expected) == 1):
            return error_response(400, "bad_example", f"'label' must be a digit 0-9, got {expected!r}")
        try:
            return await answer(lambda: examples.delete(index, None if expected is None else int(expected)))
        except IndexError as exc:
            return error_response(404, "no_example", str(exc))
        except ExampleMoved as exc:
            return error_response(409, "examples_changed", str(exc))

    return [
        Route("/api/examples", list_examples, methods=["GET"]),
        Route("/api/examples", save_example, methods=["POST"]),
        Route("/api/examples/{index:int}", delete_example, methods=["DELETE"]),
    ]
