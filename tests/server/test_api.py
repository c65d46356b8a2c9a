"""The REST API of a real server, over real HTTP."""

from __future__ import annotations

import json
import uuid

import cv2
import pytest

from server.helpers import of_type, raw_http, receive_until
from tests.conftest import build_onnx_model, draw_digit


def multipart(field: str, filename: str, data: bytes):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def png(image) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


@pytest.mark.parametrize("digit", [2, 7])
def test_digit_reads_a_drawn_png_either_polarity_and_either_encoding(server, digit):
    canvas = draw_digit(digit)
    status, _, body = server.request("POST", "/api/digit", png(canvas), {"Content-Type": "image/png"})
    assert status == 200, body
    answer = json.loads(body)
    assert answer["prediction"] == digit
    assert len(answer["percentages"]) == 10 and abs(sum(answer["percentages"]) - 100) < 1
    assert len(answer["box"]) == 4
    data, headers = multipart("file", "canvas.png", png(255 - canvas))  # white strokes on black
    status, _, body = server.request("POST", "/api/digit", data, headers)
    assert status == 200 and json.loads(body)["prediction"] == digit


def test_digit_drawn_from_edge_to_edge_of_the_pad_is_read(server):
    canvas = draw_digit(7)
    ink_rows, ink_cols = (canvas.min(axis=2) < 128).nonzero()
    # Cropped to the ink: the strokes touch all four edges, as on a small pad.
    tight = canvas[ink_rows.min() : ink_rows.max() + 1, ink_cols.min() : ink_cols.max() + 1]
    status, _, body = server.request("POST", "/api/digit", png(tight), {"Content-Type": "image/png"})
    assert status == 200, body
    answer = json.loads(body)
    assert answer["prediction"] == 7
    x, y, w, h = answer["box"]
    assert x >= 0 and y >= 0 and x + w <= tight.shape[1] and y + h <= tight.shape[0]
    assert w >= 0.8 * tight.shape[1] and h >= 0.8 * tight.shape[0]


def test_digit_on_a_blank_canvas_is_null(server):
    blank = png(draw_digit(1)[:, :, :] * 0 + 255)
    status, _, body = server.request("POST", "/api/digit", blank)
    assert status == 200 and json.loads(body)["prediction"] is None


def test_digit_refuses_garbage_and_oversize(server):
    status, _, body = server.request("POST", "/api/digit", b"this is not an image")
    assert status == 400 and json.loads(body)["error"]["code"] == "image"
    status, _, body = server.request("POST", "/api/digit", b"", {"Content-Type": "image/png"})
    assert status == 400
    data, headers = multipart("other", "x.png", png(draw_digit(1)))
    status, _, body = server.request("POST", "/api/digit", data, headers)
    assert status == 400 and "'file'" in json.loads(body)["error"]["message"]
    host, port = server.exercise.address
    announced = f"POST /api/digit HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 10000001"
    assert raw_http((host, port), announced) == 413  # refused before reading the body
    streamed = f"POST /api/digit HTTP/1.1\r\nHost: {host}:{port}\r\nTransfer-Encoding: chunked"
    assert raw_http((host, port), streamed, [b"\x00" * 1_000_000] * 11) == 413  # counted as it came


def test_model_upload_good_and_bad(server):
    with server.connect() as ws:
        receive_until(ws, of_type("hello"))
        good = build_onnx_model(head="softmax")
        data, headers = multipart("file", "mine.onnx", good)
        status, _, body = server.request("POST", "/api/model", data, headers)
        assert status == 200, body
        assert json.loads(body)["spec"]["name"] == "mine.onnx"
        model, _ = receive_until(ws, of_type("model"))
        assert model["spec"]["name"] == "mine.onnx" and model["ok"] is True

        status, _, body = server.request("POST", "/api/model?name=bad.onnx", b"not onnx at all")
        assert status == 400
        assert json.loads(body)["error"]["code"].startswith("model")
        status, _, body = server.request("POST", "/api/model", build_onnx_model(classes=9))
        assert status == 400 and json.loads(body)["error"]["code"] == "model_shape"
        status, _, body = server.request("GET", "/api/model")
        assert json.loads(body)["spec"]["name"] == "mine.onnx"  # the bad uploads changed nothing

        status, _, body = server.request(
            "POST", "/api/model", b"\x00" * 1024, {"Content-Length": "200000000"}
        )
        assert status == 413


def test_health_cameras_and_openapi(server):
    status, _, body = server.request("GET", "/api/health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok"
    # The demo camera renders on demand: open, it is streaming before anyone asked for a frame.
    assert health["camera"]["state"] == "streaming" and health["brain"]["state"] == "stopped"
    status, _, body = server.request("GET", "/api/cameras")
    assert status == 200 and any(s["spec"] == "demo" for s in json.loads(body)["sources"])
    status, _, body = server.request("GET", "/api/openapi.json")
    spec = json.loads(body)
    assert status == 200 and spec["openapi"].startswith("3.")
    assert {"/api/digit", "/api/model", "/api/model/default", "/api/health", "/api/cameras"} <= set(
        spec["paths"]
    )


def test_the_page_is_served_at_the_root(server):
    status, headers, body = server.request("GET", "/")
    assert status == 200 and b"<" in body and headers["content-type"].startswith("text/html")


def test_token_server_guards_the_api_and_sets_a_cookie(start_server):
    running = start_server(token="t0ken")
    status, _, _ = running.request("GET", "/api/health")
    assert status == 401
    status, _, _ = running.request("GET", "/api/health", headers={"Authorization": "Bearer t0ken"})
    assert status == 200
    status, headers, _ = running.request("GET", "/?token=t0ken")
    assert status == 200 and "digit_classifier_token=t0ken" in headers.get("set-cookie", "")
    status, _, _ = running.request("GET", "/api/health", headers={"Cookie": "digit_classifier_token=t0ken"})
    assert status == 200


def test_foreign_sites_cannot_post_and_unknown_hosts_get_nothing(server):
    status, _, _ = server.request("POST", "/api/model/default", b"", {"Origin": "http://evil.example"})
    assert status == 403
    status, _, _ = server.request("GET", "/api/health", headers={"Host": "evil.example:7164"})
    assert status == 400
