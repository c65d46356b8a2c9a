"""docs/protocol.md rules, checked on exercise.server.protocol without any socket."""

from __future__ import annotations

import json

import pytest

from exercise import limits
from exercise.exceptions import BrainSyntaxError, ModelShapeError
from exercise.limits import MAX_CODE_BYTES
from exercise.server import protocol as p
from exercise.server import server_messages as m
from exercise.server.recordings import IDLE


def msg(**fields):
    return json.dumps({"v": 1, **fields})


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"type": "play"}, p.Command(p.ClientType.PLAY)),
        ({"type": "play", "code": "x = 1"}, p.Command(p.ClientType.PLAY, code="x = 1")),
        ({"type": "play", "code": None}, p.Command(p.ClientType.PLAY)),
        ({"type": "stop", "id": 3}, p.Command(p.ClientType.STOP, id=3)),
        ({"type": "pause", "id": "a"}, p.Command(p.ClientType.PAUSE, id="a")),
        ({"type": "resume"}, p.Command(p.ClientType.RESUME)),
        ({"type": "reset"}, p.Command(p.ClientType.RESET)),
        ({"type": "save_code", "code": ""}, p.Command(p.ClientType.SAVE_CODE, code="")),
        ({"type": "set_frequency", "hz": 30}, p.Command(p.ClientType.SET_FREQUENCY, value=30.0)),
        ({"type": "set_frequency", "hz": 1000}, p.Command(p.ClientType.SET_FREQUENCY, value=1000.0)),
        ({"type": "set_gui_rate", "fps": 2.5}, p.Command(p.ClientType.SET_GUI_RATE, value=2.5)),
        ({"type": "set_camera", "spec": " demo "}, p.Command(p.ClientType.SET_CAMERA, spec="demo")),
        ({"type": "use_default_model"}, p.Command(p.ClientType.USE_DEFAULT_MODEL)),
        ({"type": "list_cameras"}, p.Command(p.ClientType.LIST_CAMERAS)),
        ({"type": "ping"}, p.Command(p.ClientType.PING)),
    ],
)
def test_every_client_message_type_parses(fields, expected):
    assert p.parse_text(msg(**fields)) == expected


def test_every_client_type_has_a_rule():
    assert set(p.ClientType) == set(p._FIELDS)


@pytest.mark.parametrize(
    "text, code, fragment",
    [
        ("not json", "protocol", "not JSON"),
        ("[1, 2]", "protocol", "JSON object"),
        ('"play"', "protocol", "JSON object"),
        ("null", "protocol", "JSON object"),
        ('{"type": "play"}', "protocol", "version"),
        ('{"v": 2, "type": "play"}', "protocol", "version"),
        ('{"v": true, "type": "play"}', "protocol", "version"),
        ('{"v": "1", "type": "play"}', "protocol", "version"),
        ('{"v": 1}', "protocol", "'type'"),
        ('{"v": 1, "type": 5}', "protocol", "'type'"),
        ('{"v": 1, "type": "jump"}', "protocol", "unknown message type 'jump'"),
        ('{"v": 1, "type": "stop", "extra": 1}', "protocol", "unknown field"),
        ('{"v": 1, "type": "save_code"}', "protocol", "needs the field 'code'"),
        ('{"v": 1, "type": "save_code", "code": 5}', "protocol", "must be a string"),
        ('{"v": 1, "type": "play", "code": ["x"]}', "protocol", "must be a string"),
        ('{"v": 1, "type": "set_frequency", "hz": "30"}', "protocol", "must be a number"),
        ('{"v": 1, "type": "set_frequency", "hz": true}', "protocol", "must be a number"),
        ('{"v": 1, "type": "set_frequency", "hz": 0}', "protocol", "between 1 and 1000"),
        ('{"v": 1, "type": "set_frequency", "hz": 1001}', "protocol", "between 1 and 1000"),
        ('{"v": 1, "type": "set_frequency", "hz": NaN}', "protocol", "between"),
        ('{"v": 1, "type": "set_gui_rate", "fps": 61}', "protocol", "between 1 and 60"),
        ('{"v": 1, "type": "set_gui_rate"}', "protocol", "needs the field 'fps'"),
        ('{"v": 1, "type": "set_camera", "spec": ""}', "protocol", "non-empty string"),
        ('{"v": 1, "type": "set_camera", "spec": 3}', "protocol", "non-empty string"),
        ('{"v": 1, "type": "ping", "id": [1]}', "protocol", "'id'"),
        ('{"v": 1, "type": "ping", "id": true}', "protocol", "'id'"),
    ],
)
def test_malformed_text_is_an_error_with_a_reason(text, code, fragment):
    with pytest.raises(p.MessageError) as info:
        p.parse_text(text)
    assert info.value.code == code
    assert fragment in info.value.message
    reply = m.error_from_exception(info.value)
    assert reply["type"] == "error" and reply["v"] == 1 and reply["code"] == code
    json.loads(m.encode(reply))


def test_error_echoes_the_id_once_known():
    with pytest.raises(p.MessageError) as info:
        p.parse_text(msg(type="set_frequency", hz=-1, id=42))
    assert m.error_from_exception(info.value)["id"] == 42


def test_oversize_text_and_code_are_too_large():
    with pytest.raises(p.MessageError) as info:
        p.parse_text(msg(type="save_code", code="x" * (p.MAX_TEXT_BYTES + 1)))
    assert info.value.code == "too_large"
    with pytest.raises(p.MessageError) as info:
        p.parse_text(msg(type="save_code", code="x" * (MAX_CODE_BYTES + 1)))
    assert info.value.code == "too_large"
    assert p.parse_text(msg(type="save_code", code="x" * MAX_CODE_BYTES)).code is not None


def test_binary_header_round_trip():
    data = p.pack_binary(p.BinaryKind.CAMERA_VIEW, b"\xff\xd8jpeg", seq=7, captured=1.5, sent=2.25, flags=1)
    assert len(data) == p.HEADER_LENGTH + 6 == 30
    message = p.unpack_binary(data)
    assert (message.kind, message.flags, message.seq, message.captured, message.sent) == (1, 1, 7, 1.5, 2.25)
    assert message.payload == b"\xff\xd8jpeg"
    assert data[2:4] == b"\x00\x18"  # header_length 24, big-endian


def test_longer_headers_of_later_versions_are_skipped():
    header = p.HEADER.pack(2, 0, 32, 1, 1.0, 2.0) + b"\x00" * 8
    assert p.unpack_binary(header + b"\xff\xd8x").payload == b"\xff\xd8x"


@pytest.mark.parametrize(
    "data, code, fragment",
    [
        (b"short", "protocol", "shorter than"),
        (p.HEADER.pack(2, 0, 10, 1, 0.0, 0.0), "protocol", "header_length"),
        (p.HEADER.pack(2, 0, 99, 1, 0.0, 0.0), "protocol", "header_length"),
        (p.pack_binary(1, b"\xff\xd8"), "protocol", "only kind 2"),
        (p.pack_binary(3, b"\x00" * 784), "protocol", "only kind 2"),
        (p.pack_binary(2, b"\x89PNG"), "protocol", "JPEG"),
        (p.pack_binary(2, b"\xff\xd8", captured=float("nan")), "protocol", "finite"),
        (p.pack_binary(2, b"\xff\xd8" + b"\x00" * p.MAX_BINARY_BYTES), "too_large", "limit"),
    ],
)
def test_malformed_binary_is_an_error(data, code, fragment):
    with pytest.raises(p.MessageError) as info:
        p.parse_binary(data)
    assert info.value.code == code
    assert fragment in info.value.message


def test_browser_frame_parses():
    message = p.parse_binary(p.pack_binary(2, b"\xff\xd8data", seq=3, captured=10.0))
    assert (
        message.kind == p.BinaryKind.BROWSER_FRAME and message.seq == 3 and message.payload == b"\xff\xd8data"
    )


def test_server_messages_are_versioned_json():
    messages = [
        m.hello_message("0.1.0", {"brain": {}}, "code", "c1", [], limits.as_message()),
        m.state_message({"brain": {"state": "stopped"}}),
        m.code_message("x", None),
        m.digit_message(3, [0.1] * 10, (1, 2, 3, 4), 9),
        m.digit_message(None, None, None, 0),
        m.frequency_message(29.9, 30, float("nan"), 30, 1.0),
        m.console_message([("stdout", "hi")]),
        m.brain_error_message("ZeroDivisionError", 3, "tb"),
        m.model_message({"name": "m"}),
        m.camera_message({"spec": "demo", "state": "streaming", "message": "", "live": True}),
        m.cameras_message([{"spec": "demo", "label": "Demo"}]),
        m.recording_message(IDLE.to_dict()),
        m.second_model_message(None),
        m.input_explained_message(7, 0.99, [[0.5] * 28] * 28),
        m.comparison_message(3, None, [{"model": "m", "digit": None, "probabilities": None}]),
        m.ack_message(1),
        m.pong_message(),
        m.error_message("protocol", "bad"),
    ]
    assert {m["type"] for m in messages} == {t.value for t in p.ServerType}
    for message in messages:
        decoded = json.loads(m.encode(message))
        assert decoded["v"] == 1
    assert m.digit_message(3, [0.5] * 10, [1, 2, 3, 4], 9)["box"] == [1, 2, 3, 4]
    assert m.frequency_message(1, 2, float("inf"), 4, 1)["gui"]["measured"] == 0.0


def test_exercise_errors_become_error_messages():
    syntax = m.error_from_exception(BrainSyntaxError("invalid syntax", 4), message_id=2)
    assert (syntax["code"], syntax["line"], syntax["id"]) == ("brain_syntax", 4, 2)
    shape = m.error_from_exception(ModelShapeError("input must be [1,1,28,28]", source="m.onnx"))
    assert shape["code"] == "model_shape" and "m.onnx" in shape["message"] and shape["line"] is None
