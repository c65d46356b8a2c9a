"""exercise.server.openapi: what a real server answers fits the description it serves."""

from __future__ import annotations

import json
from typing import Any, Dict

import cv2
import numpy as np

from tests.server.conftest import Running

JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool}


def check(value: Any, schema: Dict[str, Any], components: Dict[str, Any], where: str = "$") -> None:
    """Fail with the path when ``value`` does not fit ``schema`` (the subset json_schema writes)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if value is None:
        assert schema.get("nullable"), f"{where} is null"
        return
    if "oneOf" in schema:
        assert any(isinstance(value, JSON_TYPES[option["type"]]) for option in schema["oneOf"]), where
    elif schema.get("type") == "object":
        assert isinstance(value, dict), where
        assert set(value) == set(schema["required"]), f"{where}: {sorted(value)} != {schema['required']}"
        for name, inner in schema["properties"].items():
            check(value[name], inner, components, f"{where}.{name}")
    elif schema.get("type") == "array":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            check(item, schema["items"], components, f"{where}[{index}]")
    else:
        assert isinstance(value, JSON_TYPES[schema["type"]]), f"{where}: {value!r} is not {schema['type']}"


def test_what_the_server_answers_fits_its_openapi_description(server: Running) -> None:
    _, _, body = server.request("GET", "/api/openapi.json")
    spec = json.loads(body)
    components = spec["components"]["schemas"]
    _, _, health = server.request("GET", "/api/health")
    check(json.loads(health), {"$ref": "#/components/schemas/Health"}, components)
    _, _, model = server.request("GET", "/api/model")
    check(json.loads(model)["spec"], {"$ref": "#/components/schemas/ModelSpec"}, components)
    drawing = np.full((280, 280), 255, np.uint8)
    cv2.line(drawing, (90, 60), (190, 60), 0, 18)
    cv2.line(drawing, (190, 60), (120, 230), 0, 18)
    status, _, body = server.request(
        "POST", "/api/digit", cv2.imencode(".png", drawing)[1].tobytes(), {"Content-Type": "image/png"}
    )
    answer = json.loads(body)
    assert status == 200 and answer["prediction"] is not None
    check(answer, {"$ref": "#/components/schemas/DigitAnswer"}, components)
    assert abs(sum(answer["probabilities"]) - 1.0) < 1e-3  # as the websocket's digit message
