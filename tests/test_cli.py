"""The ``predict``, ``check`` and ``evaluate`` commands, run as real child processes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import List

import cv2
import numpy as np
import pytest

from exercise.cli import build_parser
from exercise.examples import ExampleSet
from exercise.idx import load_split
from exercise.model import DEFAULT_MODEL_PATH, DigitModel
from exercise.preprocess import preprocess
from tests.conftest import write_reel

PREDICT_KEYS = {"path", "digit", "confidence", "probabilities", "box", "digits"}


def cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "exercise", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _registered_commands() -> List[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(subparsers.choices)


# --- help and bad arguments ----------------------------------------------------------------


def test_top_level_help_lists_the_model_commands(tmp_path):
    result = cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for name in ("predict", "check", "evaluate"):
        assert name in result.stdout


@pytest.mark.parametrize("command", _registered_commands())
def test_every_command_has_help(tmp_path, command):
    result = cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: digit-classifier {command}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["predict"], "the following arguments are required: IMAGE_OR_DIR"),
        (["check"], "the following arguments are required: MODEL"),
        (["evaluate"], "one of the arguments --data --reel is required"),
        (["evaluate", "--data", ".", "--limit", "0"], "expected a positive whole number"),
        (["check", "m.onnx", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice"),
        # serve refuses what the websocket refuses, with the same range (exercise/limits.py)
        (["serve", "--frequency", "5000"], "frequency must be between 1 and 1000 Hz"),
        (["serve", "--gui-fps", "0"], "GUI rate must be between 1 and 60 fps"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, message):
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


# --- check -----------------------------------------------------------------------------------


def test_check_accepts_a_good_model(tmp_path, softmax_model_path):
    result = cli("check", softmax_model_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "softmax.onnx: OK" in result.stdout
    assert "[N,1,28,28]" in result.stdout
    assert "probabilities, used as they are" in result.stdout


def test_check_json_gives_the_spec(tmp_path, onnx_model_file):
    path = onnx_model_file(head="log_softmax", metadata={"normalization": "mnist"})
    result = cli("check", "--json", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["spec"]["output_kind"] == "log_probabilities"
    assert data["spec"]["normalization"] == "mnist"
    assert data["spec"]["size_bytes"] == path.stat().st_size


def test_check_refuses_a_bad_model_with_its_reason(tmp_path, onnx_model_file):
    path = onnx_model_file("flat.onnx", input_shape=(1, 784))
    result = cli("check", path, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("digit-classifier check: flat.onnx: input 'input' has shape [1,784]")
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_json_refusal(tmp_path, onnx_model_file):
    path = onnx_model_file(nan=True)
    result = cli("check", "--json", path, cwd=tmp_path)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["error"] == "model_output"
    assert "NaN" in data["message"]


def test_check_size_limit(tmp_path, logits_model_path):
    result = cli("check", "--max-mb", "0.001", logits_model_path, cwd=tmp_path)
    assert result.returncode == 2
    assert "over the 0 MB limit" in result.stderr or "limit" in result.stderr


def test_check_missing_file(tmp_path):
    result = cli("check", tmp_path / "none.onnx", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot read" in result.stderr


# --- predict ---------------------------------------------------------------------------------


@pytest.fixture
def pictures(tmp_path, draw_digit_frame):
    """A directory with drawn 2, 3 and 7, a blank sheet, and "27" side by side."""
    directory = tmp_path / "pictures"
    directory.mkdir()
    for digit in (2, 3, 7):
        cv2.imwrite(str(directory / f"digit{digit}.png"), draw_digit_frame(digit))
    cv2.imwrite(str(directory / "blank.png"), np.full((240, 320, 3), 255, np.uint8))
    cv2.imwrite(str(directory / "pair.png"), np.hstack([draw_digit_frame(2), draw_digit_frame(7)]))
    (directory / "notes.txt").write_text("not an image, and not picked up from the directory")
    return directory


def _json_lines(text: str) -> List[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_predict_reads_drawn_digits(tmp_path, pictures, digit_model_path):
    files = [pictures / f"digit{d}.png" for d in (2, 3, 7)]
    result = cli("predict", "--model", digit_model_path, *files, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    for line, digit, path in zip(lines, (2, 3, 7), files):
        assert line.startswith(f"{path}: {digit} (")


def test_predict_json_schema(tmp_path, pictures, digit_model_path):
    result = cli("predict", "--json", "--model", digit_model_path, pictures, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records = {Path(r["path"]).name: r for r in _json_lines(result.stdout)}
    assert sorted(records) == ["blank.png", "digit2.png", "digit3.png", "digit7.png", "pair.png"]
    for record in records.values():
        assert set(record) == PREDICT_KEYS
    three = records["digit3.png"]
    assert three["digit"] == 3
    assert len(three["probabilities"]) == 10
    assert sum(three["probabilities"]) == pytest.approx(1.0, abs=1e-6)
    assert three["confidence"] == pytest.approx(max(three["probabilities"]))
    x, y, w, h = three["box"]
    assert 0 <= x < x + w <= 320 and 0 <= y < y + h <= 240
    assert three["digits"] == [{"digit": 3, "confidence": three["confidence"], "box": three["box"]}]
    blank = records["blank.png"]
    assert blank == {
        "path": blank["path"],
        "digit": None,
        "confidence": None,
        "probabilities": None,
        "box": None,
        "digits": [],
    }
    pair = records["pair.png"]
    assert [d["digit"] for d in pair["digits"]] == [2, 7]
    assert pair["digits"][0]["box"][0] < pair["digits"][1]["box"][0]


def test_predict_goes_on_after_an_unreadable_file(tmp_path, pictures, digit_model_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG but not really")
    args = [pictures / "digit2.png", broken, tmp_path / "missing.png", pictures / "digit7.png"]
    result = cli("predict", "--model", digit_model_path, *args, cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split(": ")[1][0] for line in result.stdout.splitlines()] == ["2", "7"]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2
    assert "broken.png" in errors[0] and "missing.png: cannot read" in errors[1]

    result = cli("predict", "--json", "--model", digit_model_path, *args, cwd=tmp_path)
    assert result.returncode == 1
    records = _json_lines(result.stdout)
    assert [r.get("digit") for r in records] == [2, None, None, 7]
    assert set(records[1]) == {"path", "error"} and "broken.png" in records[1]["error"]
    assert "cannot read" in records[2]["error"]


def test_predict_with_a_bad_model_exits_2(tmp_path, pictures, onnx_model_file):
    bad = onnx_model_file("nine.onnx", classes=9)
    result = cli("predict", "--model", bad, pictures / "digit2.png", cwd=tmp_path)
    assert result.returncode == 2
    assert "nine.onnx: output 'output' has shape [N,9]" in result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(not DEFAULT_MODEL_PATH.exists(), reason="the trained default model is not committed yet")
def test_predict_uses_the_default_model(tmp_path, pictures):
    result = cli("predict", "--json", pictures / "digit3.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record) == PREDICT_KEYS
    assert sum(record["probabilities"]) == pytest.approx(1.0, abs=1e-5)


# --- evaluate --------------------------------------------------------------------------------


@pytest.fixture
def idx_dir(tmp_path, draw_digit_frame, write_idx):
    """t10k files of nine drawn digits (no 8: preprocess does not find the drawn 8) as
    exercise.preprocess sees them, labelled right except the last, labelled 0 but a 9."""
    digits = [0, 1, 2, 3, 4, 5, 6, 7, 9]
    images = np.stack([preprocess(draw_digit_frame(d))[0].image28 for d in digits])
    labels = np.array(digits[:-1] + [0], np.uint8)
    directory = tmp_path / "mnist"
    directory.mkdir()
    write_idx(directory, images, labels, gz=True)
    return directory


def test_evaluate_reports_accuracy(tmp_path, idx_dir, digit_model_path):
    result = cli("evaluate", "--model", digit_model_path, "--data", idx_dir, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy 88.89% (8/9)" in result.stdout
    assert "confusion matrix" in result.stdout
    assert "evaluated 9/9 images" in result.stderr


def test_evaluate_json(tmp_path, idx_dir, digit_model_path):
    result = cli(
        "evaluate",
        "--json",
        "--batch-size",
        "4",
        "--model",
        digit_model_path,
        "--data",
        idx_dir,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["count"] == 9 and data["correct"] == 8
    assert data["confusion"][0][9] == 1  # the 9 labelled 0
    assert data["per_class"][0] == {"digit": 0, "count": 2, "accuracy": 0.5}
    assert data["per_class"][8]["accuracy"] is None


def test_evaluate_limit(tmp_path, idx_dir, digit_model_path):
    result = cli(
        "evaluate", "--json", "--limit", "3", "--model", digit_model_path, "--data", idx_dir, cwd=tmp_path
    )
    assert json.loads(result.stdout)["count"] == 3


def test_evaluate_missing_data_exits_2(tmp_path, digit_model_path):
    result = cli("evaluate", "--model", digit_model_path, "--data", tmp_path, cwd=tmp_path)
    assert result.returncode == 2
    assert "t10k-images-idx3-ubyte" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_evaluate_checkpoint_without_torch_says_what_to_install(tmp_path, idx_dir):
    """A .pt goes to the trainer's load_predictor, which needs torch; here torch is hidden."""
    checkpoint = tmp_path / "net.pt"
    checkpoint.write_bytes(b"not read: the import fails first")
    hide_torch = (
        "import sys; sys.modules['torch'] = None; "
        "from exercise.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", hide_torch, "evaluate", "--model", str(checkpoint), "--data", str(idx_dir)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "net.pt: evaluating a PyTorch checkpoint needs PyTorch" in result.stderr
    assert "pip install -e '.[train]'" in result.stderr


@pytest.mark.training
def test_evaluate_a_checkpoint_through_the_trainer(tmp_path, idx_dir):
    """A .pt runs through exercise.training.checkpoints.load_predictor with its own normalization."""
    torch = pytest.importorskip("torch")
    from exercise.evaluate import evaluate
    from exercise.idx import load_split
    from exercise.preprocess import Scaling
    from exercise.training import checkpoints, nets

    torch.manual_seed(0)
    checkpoint = tmp_path / "net.pt"
    net = nets.build("mlp")
    checkpoints.save(checkpoint, arch="mlp", net=net, normalization="mnist", epoch=0, best_val_accuracy=0.0)
    predict, normalization = checkpoints.load_predictor(checkpoint)
    images, labels = load_split(idx_dir)
    expected = evaluate(predict, images, labels, Scaling(normalization))

    result = cli("evaluate", "--json", "--model", checkpoint, "--data", idx_dir, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"] == "net.pt"
    assert data["count"] == 9
    assert data["confusion"] == expected.to_dict()["confusion"]


# --- evaluate --reel --------------------------------------------------------------------------------


@pytest.fixture
def reel_dir(tmp_path, mnist_test_digits):
    folder = tmp_path / "reel"
    write_reel(folder, mnist_test_digits)
    with (folder / "labels.csv").open("a") as labels:
        labels.write("000-01.jpg,12,\nmissing.jpg,4,\n")  # lines 15 and 16
    return folder


def test_evaluate_reel_compares_two_models_as_json(tmp_path, reel_dir, digit_model_path):
    report = tmp_path / "out" / "report.html"
    result = cli(
        "evaluate", "--reel", reel_dir, "--model", DEFAULT_MODEL_PATH, "--model", digit_model_path,
        "--json", "--report", report, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    first, second = data["models"]
    assert (first["model"], second["model"]) == ("default_model.onnx", "digits.onnx")
    for model in data["models"]:
        assert {"model", "frames", "accuracy", "false_digit_rate", "per_class", "confusion"} <= set(model)
        assert model["frames"] == 13
        assert np.array(model["confusion"]).shape == (10, 11) and np.array(model["confusion"]).sum() == 10
    assert first["accuracy"] == 1.0 and first["false_digit_rate"] == 0.0
    # The bad rows are named with their lines, on stderr and in the JSON; the rest was graded.
    assert "line 15" in result.stderr and "label 12 is not a digit" in result.stderr
    assert "line 16" in result.stderr and "no such file in frames/" in result.stderr
    assert [entry["line"] for entry in data["skipped"]] == [15, 16]
    assert "evaluated 13/13 frames" in result.stderr
    assert report.read_text().startswith("<!doctype html>")


def test_evaluate_reel_prints_tables(tmp_path, reel_dir):
    result = cli("evaluate", "--reel", reel_dir, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "default_model.onnx      100.0%          0.0%" in result.stdout
    assert "confusion (rows: digit held up; columns: digit read, then none)" in result.stdout


def test_evaluate_reel_adds_the_misread_frames_to_an_example_set(tmp_path, mnist_test_digits):
    reel = tmp_path / "reel"
    held_up = write_reel(reel, mnist_test_digits[:4], empty=2)
    # Label every digit one too high: the model, reading each right, misreads all four.
    rows = (reel / "labels.csv").read_text().splitlines()
    relabelled = [rows[0]] + [
        f"{name},{(int(label) + 1) % 10 if int(label) >= 0 else -1}"
        for name, label, _ in (row.split(",") for row in rows[1:])
    ]
    (reel / "labels.csv").write_text("\n".join(relabelled) + "\n")
    examples = tmp_path / "examples"
    ExampleSet(examples).add(np.zeros((28, 28), np.uint8), 0)  # one the student saved before
    result = cli("evaluate", "--reel", reel, "--add-misread", examples, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"added 4 misread frames of default_model.onnx to {examples} (5 examples now)" in result.stderr
    images, labels = load_split(examples, "train")
    assert labels.tolist() == [0] + [(label + 1) % 10 for label in held_up if label >= 0]
    model = DigitModel.load(DEFAULT_MODEL_PATH)
    assert [int(model.predict_image28(image).argmax()) for image in images[1:]] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reel", "nowhere"], "no such folder"),
        (["--data", ".", "--report", "r.html"], "--report needs --reel"),
        (["--data", ".", "--add-misread", "x"], "--add-misread needs --reel"),
        (["--data", ".", "--model", "a.onnx", "--model", "b.onnx"], "--data takes one --model"),
        (["--reel", "r", "--data", "d"], "not allowed with argument"),
    ],
)
def test_evaluate_refuses_what_does_not_go_together(tmp_path, args, message):
    result = cli("evaluate", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_evaluate_reel_without_a_labels_file_exits_2(tmp_path, reel_dir):
    (reel_dir / "labels.csv").unlink()
    result = cli("evaluate", "--reel", reel_dir, cwd=tmp_path)
    assert result.returncode == 2
    assert "labels.csv: missing" in result.stderr and len(result.stderr.strip().splitlines()) == 1
