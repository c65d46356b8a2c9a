"""The REST API of a real server, over real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import cv2
import numpy as np
import pytest

from exercise.model import DEFAULT_MODEL_PATH
from exercise.training import scenes
from server.helpers import of_type, raw_http, receive_until
from tests.conftest import build_onnx_model, draw_digit, png_bomb
from tests.test_external_data import external, model_reading
from tests.test_model_guard import memory_hog


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


def test_digit_refuses_a_decompression_bomb_before_decoding_it(server):
    status, _, body = server.request(
        "POST", "/api/digit", png_bomb(20000, 20000), {"Content-Type": "image/png"}
    )
    error = json.loads(body)["error"]
    assert status == 413 and error["code"] == "image_too_large"
    assert "40 Mpx limit" in error["message"]
    status, _, body = server.request("POST", "/api/digit", png(draw_digit(7)), {"Content-Type": "image/png"})
    assert status == 200 and json.loads(body)["prediction"] == 7  # still serving


# --- the drawing pad: MNIST digits drawn as the page's pad posts them ---------------------------

#: The page's drawing pad (static/index.html, static/js/canvas.js): a 280x280 canvas of white
#: paper, #111111 ink in round strokes a fourteenth of its side wide, posted as a PNG.
PAD_SIDE = 280
PAD_STROKE = PAD_SIDE / 14.0
PAD_INK = 0x11
#: Three hundred of each kind: on a hundred, two or three ambiguous MNIST digits (a 0 like
#: an 8, a 1 with a serif like a 2) decide whether a model meets the floor.
PAD_DRAWINGS = 300
#: The share of each kind REST read right with the default model before it shared
#: predict's reading path (it inverted dark-bordered images and added a paper margin of its
#: own; measured at bc112ba, 100 drawings a kind). The pad must read at least as well.
# Edge to edge was 100% before the learned detector; it now misses one 5 drawn in three
# separate strokes, of which it boxes only one (issue 11).
PAD_BASELINE = {"dark_on_white": 0.98, "white_on_black": 0.98, "edge_to_edge": 0.99}


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in pixels of a 0/1 mask: 2 * area / perimeter."""
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2.0 * float(mask.sum()) / max(perimeter, 1.0)


def pad_drawing(image28: np.ndarray, rng: np.random.Generator, kind: str) -> np.ndarray:
    """An MNIST digit as the pad would post it: a BGR PAD_SIDE square, strokes PAD_STROKE wide.

    ``kind``: ``dark_on_white`` (45-75 % of the pad's side, inside it), ``white_on_black``
    (the same inverted: chalk, a dark-themed pad) or ``edge_to_edge`` (80-100 % of the
    side, pushed against one edge, as a student fills a small pad).
    """
    ys, xs = np.nonzero(image28 > 64)
    crop = image28[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    size = PAD_SIDE * (rng.uniform(0.8, 1.0) if kind == "edge_to_edge" else rng.uniform(0.45, 0.75))
    factor = size / max(crop.shape)
    shape = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
    mask = (cv2.resize(crop, shape, interpolation=cv2.INTER_CUBIC) > 0.45).astype(np.uint8)
    # MNIST's pen, scaled up, is not the pad's: bring the strokes to the pad's width.
    width = stroke_width(mask)
    change = int(round(abs(PAD_STROKE - width) / 2.0))
    if change >= 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * change + 1, 2 * change + 1))
        mask = cv2.dilate(mask, kernel) if width < PAD_STROKE else cv2.erode(mask, kernel)
    free_x, free_y = PAD_SIDE - mask.shape[1], PAD_SIDE - mask.shape[0]
    if kind == "edge_to_edge":
        along_x, along_y = int(rng.uniform(0, 1) * free_x), int(rng.uniform(0, 1) * free_y)
        x, y = [(0, along_y), (free_x, along_y), (along_x, 0), (along_x, free_y)][rng.integers(4)]
    else:
        x, y = int(free_x * rng.uniform(0.25, 0.75)), int(free_y * rng.uniform(0.25, 0.75))
    ink = np.zeros((PAD_SIDE, PAD_SIDE), np.float32)
    ink[y : y + mask.shape[0], x : x + mask.shape[1]] = mask
    ink = cv2.GaussianBlur(ink, (0, 0), 0.7)  # the canvas's anti-aliased stroke edge
    grey = np.clip(255.0 - (255.0 - PAD_INK) * ink + 0.5, 0, 255).astype(np.uint8)
    if kind == "white_on_black":
        grey = 255 - grey
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


@pytest.mark.parametrize("kind", sorted(PAD_BASELINE))
def test_pad_drawings_read_at_least_as_well_as_before(start_server, mnist_dir, kind):
    server = start_server(model=DEFAULT_MODEL_PATH)
    images, labels = scenes.load_mnist("test", mnist_dir)
    rng = np.random.default_rng([11, sorted(PAD_BASELINE).index(kind)])
    right, wrong = 0, []
    for index in rng.choice(len(images), PAD_DRAWINGS, replace=False):
        drawing = png(pad_drawing(images[index], rng, kind))
        status, _, body = server.request("POST", "/api/digit", drawing, {"Content-Type": "image/png"})
        assert status == 200, body
        prediction = json.loads(body)["prediction"]
        if prediction == labels[index]:
            right += 1
        else:
            wrong.append(f"#{index}: {labels[index]} read as {prediction}")
    floor = PAD_BASELINE[kind] * PAD_DRAWINGS
    assert right >= floor, f"{right}/{PAD_DRAWINGS} read right; " + ", ".join(wrong)


# --- REST and predict: one reading path -----------------------------------------------------

#: Generated webcam frames posted to REST and read by ``predict``, half PNG, half JPEG.
WEBCAM_FRAMES = 40


def test_rest_and_predict_give_the_same_answer_for_webcam_frames(start_server, tmp_path, mnist_dir):
    server = start_server(model=DEFAULT_MODEL_PATH)
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(
        scenes.generate("desk", WEBCAM_FRAMES, seed=5, digits=scenes.load_mnist("test", mnist_dir))
    ):
        suffix = ".jpg" if index % 2 else ".png"
        (folder / f"frame{index:02d}{suffix}").write_bytes(cv2.imencode(suffix, frame.image)[1].tobytes())
    predict = [sys.executable, "-m", "exercise", "predict", "--json", "--model", str(DEFAULT_MODEL_PATH)]
    result = subprocess.run([*predict, str(folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == WEBCAM_FRAMES
    answers, different = [], []
    for record in records:
        path = Path(record["path"])
        kind = "image/png" if path.suffix == ".png" else "image/jpeg"
        status, _, body = server.request("POST", "/api/digit", path.read_bytes(), {"Content-Type": kind})
        assert status == 200, body
        answer = json.loads(body)
        answers.append(answer)
        percentages = record["probabilities"] and [round(p * 100.0, 2) for p in record["probabilities"]]
        same = (answer["prediction"], answer["box"]) == (record["digit"], record["box"]) and (
            answer["percentages"] == pytest.approx(percentages, abs=0.011)
        )
        if not same:
            different.append(
                f"{path.name}: REST {answer['prediction']} at {answer['box']}, "
                f"predict {record['digit']} at {record['box']}"
            )
    assert sum(a["prediction"] is not None for a in answers) >= WEBCAM_FRAMES // 2  # a real test
    assert len(different) <= 0.01 * WEBCAM_FRAMES, "\n".join(different)


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

        sneaky = model_reading(external("w", "pyproject.toml"))  # a file in the server's directory
        status, _, body = server.request("POST", "/api/model?name=sneaky.onnx", sneaky)
        error = json.loads(body)["error"]
        assert status == 400 and error["code"] == "model_format" and "separate file" in error["message"]

        status, _, body = server.request("POST", "/api/model?name=hog.onnx", memory_hog())
        error = json.loads(body)["error"]
        assert status == 400 and "needs more than 1024 MB of memory" in error["message"]
        assert server.exercise.model.spec.name == "mine.onnx"  # the model in use stays
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
    host, port = server.exercise.address
    status, _, _ = server.request("POST", "/api/digit", b"", {"Origin": f"http://{host}:abc"})
    assert status == 403  # a port that is not a number is foreign, not a server error
    status, _, _ = server.request("GET", "/api/health", headers={"Host": "evil.example:7164"})
    assert status == 400
