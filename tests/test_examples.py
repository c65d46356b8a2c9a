"""exercise.examples: a student's saved examples, kept as MNIST training files."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from exercise import examples
from exercise.examples import IMAGES_FILE, LABELS_FILE, NEW_SUFFIX, ExampleMoved, ExampleSet, counts_per_class
from exercise.exceptions import DatasetError
from exercise.idx import idx_bytes, load_split
from exercise.model import DEFAULT_MODEL_PATH, DigitModel


@pytest.fixture
def mnist_digits(mnist_dir):
    images, labels = load_split(mnist_dir, "test")
    return images[:30], labels[:30]


def test_examples_round_trip_as_mnist_training_files(tmp_path, mnist_digits):
    images, labels = mnist_digits
    saved = ExampleSet(tmp_path / "examples")
    assert saved.load()[0].shape == (0, 28, 28)  # no set yet: empty, nothing written
    assert not (tmp_path / "examples").exists()
    for image, label in zip(images, labels):
        saved.add(image, int(label))
    again, again_labels = load_split(tmp_path / "examples", "train")
    assert np.array_equal(again, images) and np.array_equal(again_labels, labels)
    assert counts_per_class(again_labels) == np.bincount(labels, minlength=10).tolist()


def test_examples_read_by_evaluate_as_the_model_reads_them(tmp_path, mnist_digits):
    images, labels = mnist_digits
    saved = ExampleSet(tmp_path / "examples")
    for image, label in zip(images, labels):
        saved.add(image, int(label))
    result = subprocess.run(
        [sys.executable, "-m", "exercise", "evaluate", "--json", "--split", "train"]
        + ["--data", str(tmp_path / "examples")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    model = DigitModel.load(DEFAULT_MODEL_PATH)
    read = [int(np.argmax(model.predict_image28(image))) for image in images]
    assert report["count"] == 30
    assert report["correct"] == sum(int(r == label) for r, label in zip(read, labels))


def test_delete_removes_that_example_only(tmp_path, mnist_digits):
    images, labels = mnist_digits
    saved = ExampleSet(tmp_path)
    for image, label in zip(images[:3], labels[:3]):
        saved.add(image, int(label))
    left, left_labels = saved.delete(1)
    assert np.array_equal(left, images[[0, 2]]) and left_labels.tolist() == labels[[0, 2]].tolist()
    with pytest.raises(IndexError, match="no example number 2: the set holds 2"):
        saved.delete(2)
    with pytest.raises(IndexError):
        saved.delete(-1)


@pytest.mark.parametrize(
    ("image", "label", "message"),
    [
        (np.zeros((28, 28), np.uint8), 10, "label must be a digit 0-9"),
        (np.zeros((28, 28), np.uint8), True, "label must be a digit 0-9"),
        (np.zeros((27, 28), np.uint8), 3, "must be a 28x28 image"),
        (np.full((28, 28), 300), 3, "pixels must be whole numbers 0-255"),
        (np.zeros((28, 28), np.float32), 3, "pixels must be whole numbers 0-255"),
    ],
)
def test_a_bad_example_is_refused_and_nothing_is_written(tmp_path, image, label, message):
    with pytest.raises(ValueError, match=message):
        ExampleSet(tmp_path).add(image, label)
    assert list(tmp_path.iterdir()) == []


def test_images_and_labels_that_do_not_pair_up_are_refused(tmp_path):
    with pytest.raises(ValueError, match="2 images and 1 labels: one label per example"):
        ExampleSet(tmp_path).extend([np.zeros((28, 28), np.uint8)] * 2, [1])
    assert list(tmp_path.iterdir()) == []


def test_a_full_set_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(examples, "MAX_EXAMPLES", 2)
    saved = ExampleSet(tmp_path)
    saved.add(np.zeros((28, 28), np.uint8), 1)
    saved.add(np.zeros((28, 28), np.uint8), 2)
    with pytest.raises(ValueError, match="holds 2 examples; 1 more would pass 2"):
        saved.add(np.zeros((28, 28), np.uint8), 3)
    assert saved.load()[1].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("images_bytes", "labels_bytes", "message"),
    [
        (b"not an idx file", None, "not an IDX file"),
        (None, b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "truncated"),
        (None, b"\x00\x00\x08\x01\x00\x00\x00\x01\x0c", "labels must be 0-9"),
    ],
)
def test_an_unreadable_set_is_reported_and_left_as_it_is(tmp_path, images_bytes, labels_bytes, message):
    saved = ExampleSet(tmp_path)
    saved.add(np.zeros((28, 28), np.uint8), 4)
    if images_bytes is not None:
        (tmp_path / IMAGES_FILE).write_bytes(images_bytes)
    if labels_bytes is not None:
        (tmp_path / LABELS_FILE).write_bytes(labels_bytes)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    with pytest.raises(DatasetError, match=message):
        saved.load()
    with pytest.raises(DatasetError, match=message):
        saved.add(np.zeros((28, 28), np.uint8), 5)
    with pytest.raises(DatasetError):
        saved.delete(0)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_images_without_labels_are_reported(tmp_path):
    saved = ExampleSet(tmp_path)
    saved.add(np.zeros((28, 28), np.uint8), 4)
    (tmp_path / LABELS_FILE).unlink()
    with pytest.raises(DatasetError, match="missing"):
        saved.add(np.zeros((28, 28), np.uint8), 5)
    assert (tmp_path / IMAGES_FILE).exists()


def test_a_change_cut_between_its_two_renames_is_finished_on_the_next_read(tmp_path):
    saved = ExampleSet(tmp_path)
    saved.add(np.zeros((28, 28), np.uint8), 1)
    # As if the process died after renaming the new images and before renaming the labels.
    (tmp_path / IMAGES_FILE).write_bytes(idx_bytes(np.zeros((2, 28, 28), np.uint8)))
    (tmp_path / (LABELS_FILE + NEW_SUFFIX)).write_bytes(idx_bytes(np.array([1, 7], np.uint8)))
    images, labels = saved.load()
    assert labels.tolist() == [1, 7] and len(images) == 2
    assert not (tmp_path / (LABELS_FILE + NEW_SUFFIX)).exists()


def test_a_change_cut_before_its_renames_leaves_the_old_set(tmp_path):
    saved = ExampleSet(tmp_path)
    saved.add(np.zeros((28, 28), np.uint8), 1)
    (tmp_path / (IMAGES_FILE + NEW_SUFFIX)).write_bytes(idx_bytes(np.zeros((2, 28, 28), np.uint8)))
    (tmp_path / (LABELS_FILE + NEW_SUFFIX)).write_bytes(b"\x00\x00\x08")  # cut while writing
    assert saved.load()[1].tolist() == [1]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([".lock", IMAGES_FILE, LABELS_FILE])


def test_two_processes_adding_at_once_lose_nothing(tmp_path):
    script = (
        "import sys, numpy as np\n"
        "from exercise.examples import ExampleSet\n"
        "s = ExampleSet(sys.argv[1])\n"
        "for _ in range(25): s.add(np.zeros((28, 28), np.uint8), int(sys.argv[2]))\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(digit)]) for digit in (3, 8)
    ]
    assert [writer.wait(120) for writer in writers] == [0, 0]
    assert counts_per_class(ExampleSet(tmp_path).load()[1]) == [0, 0, 0, 25, 0, 0, 0, 0, 25, 0]


def test_deleting_names_the_digit_meant_and_refuses_another(tmp_path):
    saved = ExampleSet(tmp_path)
    saved.extend([np.zeros((28, 28), np.uint8)] * 3, [4, 5, 6])
    with pytest.raises(ExampleMoved, match="example number 1 is a 5, not the 6 meant"):
        saved.delete(1, label=6)
    assert saved.load()[1].tolist() == [4, 5, 6]
    assert saved.delete(1, label=5)[1].tolist() == [4, 6]


def test_a_folder_of_gzipped_idx_files_is_not_taken_for_a_set(tmp_path, mnist_dir):
    (tmp_path / (IMAGES_FILE + ".gz")).write_bytes((mnist_dir / (IMAGES_FILE + ".gz")).read_bytes()[:100])
    with pytest.raises(DatasetError, match="gzipped IDX files"):
        ExampleSet(tmp_path).add(np.zeros((28, 28), np.uint8), 1)
    assert not (tmp_path / IMAGES_FILE).exists()
