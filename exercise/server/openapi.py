"""The OpenAPI 3.0 description of the REST API, served at ``/api/openapi.json``.

The paths are written here; the payloads' schemas come from their types in
:mod:`exercise.payloads`, the same ones the server fills in.
"""

from __future__ import annotations

from typing import Any, Dict

from exercise import __version__
from exercise.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from exercise.payloads import CameraStatus, DigitAnswer, Health, ModelInfo, SavedExamples, json_schema

_ERROR = {
    "description": "An error the client can act on",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        "required": ["code", "message"],
                    }
                },
            }
        }
    },
}

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _json(schema: Dict[str, Any], description: str) -> Dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_MODEL_ANSWER = _json(
    {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}, "spec": {"$ref": "#/components/schemas/ModelSpec"}},
    },
    "The model in use",
)

_UPLOAD_ANSWER = _json(
    {
        "type": "object",
        "properties": {
            "ok": {"type": "boolean"},
            "spec": {"$ref": "#/components/schemas/ModelSpec"},
            "doctor": {
                "type": "object",
                "description": "The model doctor: how it reads 100 bundled MNIST test digits as the "
                "exercise feeds it, and one sentence of advice per thing to change (empty when none)",
                "properties": {
                    "mnist_sample": {
                        "type": "object",
                        "properties": {
                            "read_right": {"type": "integer"},
                            "of": {"type": "integer"},
                            "scaling": {"type": "string"},
                        },
                    },
                    "advice": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
    "The model now in use, and what the model doctor found",
)

_EXAMPLES = _json({"$ref": "#/components/schemas/SavedExamples"}, "All saved examples, after the change")

OPENAPI: Dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Digit classifier exercise",
        "version": __version__,
        "description": "REST side of the exercise; live data flows over the websocket at /ws "
        "(docs/protocol.md). When the server needs a token, pass it as ?token=, as the cookie "
        "the page sets, or as Authorization: Bearer.",
    },
    "paths": {
        "/api/digit": {
            "post": {
                "summary": "Read the most prominent handwritten digit in an image",
                "description": "PNG or JPEG (dark on light or light on dark, e.g. the drawing canvas), "
                "as the raw body or multipart field 'file'. "
                f"At most {MAX_IMAGE_BYTES // 1_000_000} MB and "
                f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels (413 beyond either).",
                "requestBody": _UPLOAD_BODY,
                "responses": {
                    "200": _json(
                        {"$ref": "#/components/schemas/DigitAnswer"},
                        "The digit read (prediction null when no digit was found)",
                    ),
                    "400": _ERROR,
                    "413": _ERROR,
                },
            }
        },
        "/api/health": {
            "get": {
                "summary": "Server, camera, model and brain state",
                "responses": {"200": _json({"$ref": "#/components/schemas/Health"}, "Health")},
            }
        },
        "/api/model": {
            "get": {"summary": "The model in use", "responses": {"200": _MODEL_ANSWER}},
            "post": {
                "summary": "Upload an ONNX model; it replaces the model in use only if it passes every check",
                "requestBody": _UPLOAD_BODY,
                "responses": {"200": _UPLOAD_ANSWER, "400": _ERROR, "413": _ERROR},
            },
        },
        "/api/model/default": {
            "post": {"summary": "Go back to the bundled default model", "responses": {"200": _MODEL_ANSWER}}
        },
        "/api/second-model": {
            "post": {
                "summary": "Upload a second ONNX model to read beside the model in use, live, on the same "
                "frames (the websocket's comparison messages); checked as /api/model checks",
                "requestBody": _UPLOAD_BODY,
                "responses": {"200": _UPLOAD_ANSWER, "400": _ERROR, "413": _ERROR},
            },
            "delete": {
                "summary": "Put the second model away; the comparison ends",
                "responses": {"200": _json({"type": "object"}, "Done")},
            },
        },
        "/api/cameras": {
            "get": {
                "summary": "Camera sources to choose from, and the current one",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "sources": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "spec": {"type": "string"},
                                            "label": {"type": "string"},
                                        },
                                    },
                                },
                                "current": {"$ref": "#/components/schemas/CameraStatus"},
                            },
                        },
                        "Camera sources",
                    )
                },
            }
        },
        "/api/examples": {
            "get": {
                "summary": "The examples saved with Save this digit (train --finetune MODEL --extra "
                "STATE_DIR/examples trains on them)",
                "responses": {"200": _EXAMPLES, "409": _ERROR},
            },
            "post": {
                "summary": "Save one 28x28 model input with the label the student gives",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "label": {"type": "integer", "minimum": 0, "maximum": 9},
                                    "pixels": {
                                        "type": "string",
                                        "format": "byte",
                                        "description": "base64 of 784 grey bytes, white digit on black",
                                    },
                                },
                                "required": ["label", "pixels"],
                            }
                        }
                    },
                },
                "responses": {"200": _EXAMPLES, "400": _ERROR, "409": _ERROR, "413": _ERROR},
            },
        },
        "/api/examples/{index}": {
            "delete": {
                "summary": "Delete one saved example (numbered from 0, in the order of the list)",
                "parameters": [
                    {"name": "index", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {
                        "name": "label",
                        "in": "query",
                        "required": False,
                        "description": "the digit the example at index is expected to be; 409 when it is not "
                        "(the set changed meanwhile) and nothing is deleted",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 9},
                    },
                ],
                "responses": {"200": _EXAMPLES, "400": _ERROR, "404": _ERROR, "409": _ERROR},
            }
        },
        "/api/openapi.json": {
            "get": {"summary": "This description", "responses": {"200": _json({"type": "object"}, "OpenAPI")}}
        },
    },
    "components": {
        "schemas": {
            "ModelSpec": json_schema(ModelInfo),
            "DigitAnswer": json_schema(DigitAnswer),
            "Health": json_schema(Health),
            "CameraStatus": json_schema(CameraStatus),
            "SavedExamples": json_schema(SavedExamples),
        }
    },
}
