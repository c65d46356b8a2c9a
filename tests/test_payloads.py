"""exercise.payloads: the OpenAPI schemas come from the same types the server fills in
(``tests/server/test_openapi.py`` checks a real server's answers against them)."""

from __future__ import annotations

from exercise.payloads import DigitAnswer, ModelInfo, json_schema, to_json


def test_a_schema_follows_the_type() -> None:
    schema = json_schema(DigitAnswer)
    assert schema["required"] == ["prediction", "probabilities", "percentages", "box"]
    assert schema["properties"]["prediction"] == {"type": "integer", "nullable": True}
    assert schema["properties"]["box"] == {"type": "array", "items": {"type": "integer"}, "nullable": True}
    shape = json_schema(ModelInfo)["properties"]["input_shape"]
    assert shape == {"type": "array", "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]}}
    assert to_json(DigitAnswer(None, None, None, None)) == dict.fromkeys(schema["required"])
