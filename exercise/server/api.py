"""The REST API: read a digit from an image, manage the model, list cameras, health.

Bodies are read with a limit: a ``Content-Length`` over it is refused before reading, and
a body without one is counted while it streams in, so no request can make the server
buffer more than the limit. Uploads arrive as the raw body or as multipart field ``file``.
"""

from __future__ import annotations

from typing import Any, AsyncGenerator, Dict, List, Optional, Tuple

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from exercise.exceptions import ExerciseError, ImageError, ImageTooLargeError, ModelError
from exercise.images import decode_image
from exercise.limits import MAX_IMAGE_BYTES, MAX_MODEL_BYTES
from exercise.model import DigitModel
from exercise.payloads import DigitAnswer, to_json
from exercise.reading import read_digits
from exercise.server.core import Exercise
from exercise.server.openapi import OPENAPI

#: Multipart framing around a file: boundaries and part headers.
MULTIPART_SLACK = 64 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int, size: Optional[int] = None) -> None:
        super().__init__(limit, size)
        self.limit = limit
        self.size = size


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as it is known to pass ``limit`` bytes."""
    announced = request.headers.get("content-length")
    if announced is not None and announced.isdigit() and int(announced) > limit:
        raise BodyTooLarge(limit, int(announced))
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_upload(request: Request, limit: int) -> Tuple[bytes, str]:
    """(file bytes, file name) from a raw body or the multipart field ``file``.

    Raises:
        BodyTooLarge: over ``limit`` (plus multipart framing).
        ImageError: a multipart body without a ``file`` field, or malformed multipart.
    """
    content_type = request.headers.get("content-type", "")
    multipart = content_type.lower().startswith("multipart/form-data")
    body = await read_limited(request, limit + (MULTIPART_SLACK if multipart else 0))
    if not multipart:
        return body, request.query_params.get("name") or "upload"

    async def replay() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(request.headers, replay(), max_part_size=limit).parse()
    except MultiPartException as exc:
        raise ImageError("upload", f"malformed multipart body: {exc.message}") from None
    item = form.get("file")
    if not isinstance(item, UploadFile):
        raise ImageError("upload", "multipart body has no file field named 'file'")
    data = await item.read()
    if len(data) > limit:
        raise BodyTooLarge(limit, len(data))
    return data, item.filename or "upload"


def digit_answer(model: DigitModel, image: np.ndarray) -> Dict[str, Any]:
    """The old demo's answer for the most prominent digit of ``image`` (the largest box).

    Read as ``digit-classifier predict`` reads a file (:func:`exercise.reading.read_digits`),
    so the drawing pad, a photo and a webcam frame read the same here as there.
    """
    main = read_digits(model, image).main
    if main is None:
        return to_json(DigitAnswer(None, None, None, None))
    probabilities = [round(float(p), 6) for p in main.probabilities]
    percentages = [round(float(p) * 100.0, 2) for p in main.probabilities]
    return to_json(DigitAnswer(main.digit, probabilities, percentages, list(main.box)))


def build_routes(exercise: Exercise) -> List[Route]:
    """The /api routes bound to ``exercise``."""

    async def digit(request: Request) -> JSONResponse:
        try:
            data, name = await read_upload(request, MAX_IMAGE_BYTES)
            image = await run_in_threadpool(decode_image, data, name)
            model = exercise.model
            return JSONResponse(await run_in_threadpool(digit_answer, model, image))
        except BodyTooLarge as exc:
            return error_response(413, "too_large", f"image over the {exc.limit // 1_000_000} MB limit")
        except ImageTooLargeError as exc:
            return error_response(413, exc.code, str(exc))
        except ImageError as exc:
            return error_response(400, exc.code, str(exc))

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(exercise.health())

    async def get_model(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "spec": exercise.model_dict()})

    async def post_model(request: Request) -> JSONResponse:
        try:
            data, name = await read_upload(request, MAX_MODEL_BYTES)
            spec = await run_in_threadpool(exercise.set_model, data, name)
            doctor = await run_in_threadpool(exercise.doctor)
        except BodyTooLarge as exc:
            return error_response(
                413,
                "model_too_large",
                f"model over the {exc.limit // 1_000_000} MB limit; the model in use stays",
            )
        except ModelError as exc:
            status = 413 if exc.code == "model_too_large" else 400
            return error_response(status, exc.code, f"{exc} (the model in use stays in use)")
        except ImageError as exc:  # malformed multipart
            return error_response(400, "model_format", str(exc))
        return JSONResponse({"ok": True, "spec": spec, "doctor": doctor})

    async def post_second_model(request: Request) -> JSONResponse:
        try:
            data, name = await read_upload(request, MAX_MODEL_BYTES)
            spec = await run_in_threadpool(exercise.set_second_model, data, name)
            doctor = await run_in_threadpool(exercise.doctor, True)
        except BodyTooLarge as exc:
            return error_response(413, "model_too_large", f"model over the {exc.limit // 1_000_000} MB limit")
        except ModelError as exc:
            return error_response(413 if exc.code == "model_too_large" else 400, exc.code, str(exc))
        except ImageError as exc:  # malformed multipart
            return error_response(400, "model_format", str(exc))
        return JSONResponse({"ok": True, "spec": spec, "doctor": doctor})

    async def delete_second_model(request: Request) -> JSONResponse:
        await run_in_threadpool(exercise.clear_second_model)
        return JSONResponse({"ok": True, "spec": None})

    async def default_model(request: Request) -> JSONResponse:
        try:
            spec = await run_in_threadpool(exercise.use_default_model)
        except ExerciseError as exc:
            return error_response(500, exc.code, str(exc))
        return JSONResponse({"ok": True, "spec": spec})

    async def cameras(request: Request) -> JSONResponse:
        sources = await run_in_threadpool(exercise.list_cameras)
        return JSONResponse({"sources": sources, "current": exercise.camera_dict()})

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(OPENAPI)

    return [
        Route("/api/digit", digit, methods=["POST"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/model", get_model, methods=["GET"]),
        Route("/api/model", post_model, methods=["POST"]),
        Route("/api/model/default", default_model, methods=["POST"]),
        Route("/api/second-model", post_second_model, methods=["POST"]),
        Route("/api/second-model", delete_second_model, methods=["DELETE"]),
        Route("/api/cameras", cameras, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
    ]
