"""/api/examples on a real server: Save this digit, look at the set, delete from it."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from exercise import examples as examples_module
from exercise.examples import EXAMPLES_DIR, IMAGES_FILE
from exercise.idx import load_split
from tests.server.conftest import Running


def save(server: Running, body: object) -> tuple:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, _, answer = server.request("POST", "/api/examples", raw, {"Content-Type": "application/json"})
    return status, json.loads(answer)


def pixels(image: np.ndarray) -> str:
    return base64.b64encode(image.astype(np.uint8).tobytes()).decode()


def test_saved_examples_are_listed_deleted_and_kept_as_idx(server: Running) -> None:
    first, second = np.zeros((28, 28), np.uint8), np.zeros((28, 28), np.uint8)
    first[4:24, 13:16] = 255
    second[10:18, 5:23] = 200
    status, answer = save(server, {"label": 1, "pixels": pixels(first)})
    assert status == 200 and answer["total"] == 1 and answer["counts"][1] == 1
    status, answer = save(server, {"label": 7, "pixels": pixels(second)})
    assert answer["labels"] == [1, 7] and answer["counts"] == [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    shown = np.frombuffer(base64.b64decode(answer["pixels"]), np.uint8).reshape(-1, 28, 28)
    assert np.array_equal(shown, np.stack([first, second]))

    folder = server.exercise.examples.directory
    assert folder.name == EXAMPLES_DIR and answer["folder"] == str(folder)
    images, labels = load_split(folder, "train")
    assert labels.tolist() == [1, 7] and np.array_equal(images[1], second)

    status, _, body = server.request("DELETE", "/api/examples/0")
    assert status == 200 and json.loads(body)["labels"] == [7]
    status, _, body = server.request("GET", "/api/examples")
    assert status == 200 and json.loads(body)["total"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "send JSON"),
        ({"label": 3}, "send exactly"),
        ({"label": 3, "pixels": "AAAA", "extra": 1}, "send exactly"),
        ({"label": 10, "pixels": pixels(np.zeros((28, 28)))}, "'label' must be a digit 0-9"),
        ({"label": "3", "pixels": pixels(np.zeros((28, 28)))}, "'label' must be a digit 0-9"),
        ({"label": 3, "pixels": pixels(np.zeros((27, 28)))}, "784 grey bytes"),
        ({"label": 3, "pixels": "not base64!"}, "784 grey bytes"),
        ({"label": 3, "pixels": 12}, "784 grey bytes"),
        ({"label": 3, "pixels": "ÄÖÜ"}, "784 grey bytes"),
    ],
)
def test_a_malformed_save_is_refused_and_says_why(server: Running, body: object, message: str) -> None:
    status, answer = save(server, body)
    assert status == 400 and answer["error"]["code"] == "bad_example"
    assert message in answer["error"]["message"]
    assert not server.exercise.examples.directory.exists()


def test_an_oversized_save_is_refused(server: Running) -> None:
    status, answer = save(server, b"{" + b" " * 100_000 + b"}")
    assert status == 413 and answer["error"]["code"] == "too_large"


def test_deleting_what_is_not_there_is_404(server: Running) -> None:
    status, _, body = server.request("DELETE", "/api/examples/3")
    assert status == 404 and "no example number 3" in json.loads(body)["error"]["message"]


def test_an_unreadable_set_is_reported_and_left_for_the_student(server: Running) -> None:
    save(server, {"label": 2, "pixels": pixels(np.zeros((28, 28)))})
    broken = server.exercise.examples.directory / IMAGES_FILE
    broken.write_bytes(b"garbage")
    status, answer = save(server, {"label": 2, "pixels": pixels(np.zeros((28, 28)))})
    assert status == 409 and answer["error"]["code"] == "dataset"
    assert "move them away" in answer["error"]["message"]
    assert broken.read_bytes() == b"garbage"
    status, _, _ = server.request("GET", "/api/health")
    assert status == 200


def test_a_delete_names_the_digit_meant_and_a_changed_set_refuses_it(server: Running) -> None:
    for label in (4, 5):
        save(server, {"label": label, "pixels": pixels(np.zeros((28, 28)))})
    status, _, body = server.request("DELETE", "/api/examples/0?label=5")
    assert status == 409 and json.loads(body)["error"]["code"] == "examples_changed"
    status, _, body = server.request("DELETE", "/api/examples/0?label=x")
    assert status == 400 and "'label' must be a digit" in json.loads(body)["error"]["message"]
    status, _, body = server.request("DELETE", "/api/examples/0?label=4")
    assert status == 200 and json.loads(body)["labels"] == [5]


def test_a_full_set_says_so(server: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(examples_module, "MAX_EXAMPLES", 1)
    assert save(server, {"label": 1, "pixels": pixels(np.zeros((28, 28)))})[0] == 200
    status, answer = save(server, {"label": 2, "pixels": pixels(np.zeros((28, 28)))})
    assert status == 409 and answer["error"]["code"] == "examples_full"
    assert "delete some first" in answer["error"]["message"]
