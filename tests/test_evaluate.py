"""exercise.evaluate: the framework-free accuracy core, with plain numpy and a real ONNX model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exercise.evaluate import EvaluationReport, evaluate, format_report
from exercise.exceptions import DatasetError
from exercise.model import DigitModel
from exercise.preprocess import Scaling, scale, scale_batch


def _images(labels: np.ndarray) -> np.ndarray:
    """Images whose first pixel encodes their label: a 'model' can read it back exactly."""
    images = np.zeros((len(labels), 28, 28), np.uint8)
    images[:, 0, 0] = labels * 20
    return images


def _oracle(batch: np.ndarray) -> np.ndarray:
    """Scores from the encoded first pixel (UNIT scaling): always right."""
    digits = np.rint(batch[:, 0, 0, 0] * 255 / 20).astype(int)
    return np.eye(10)[digits]


def test_perfect_predictions_give_full_accuracy():
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 3])
    report = evaluate(_oracle, _images(labels), labels, Scaling.UNIT, batch_size=5)
    assert report.count == 12
    assert report.correct == 12
    assert report.accuracy == 1.0
    assert report.per_class_accuracy == [1.0] * 10
    np.testing.assert_array_equal(np.diag(report.confusion), np.bincount(labels, minlength=10))


def test_confusion_counts_true_rows_and_predicted_columns():
    labels = np.array([1, 1, 1, 2])

    def always_seven(batch: np.ndarray) -> np.ndarray:
        return np.tile(np.eye(10)[7], (len(batch), 1))

    report = evaluate(always_seven, _images(labels), labels, batch_size=3)
    assert report.confusion[1, 7] == 3
    assert report.confusion[2, 7] == 1
    assert report.accuracy == 0.0
    assert report.per_class_accuracy[1] == 0.0
    assert report.per_class_accuracy[0] is None  # no zeros in the data


def test_predict_batch_gets_scaled_batches_of_the_asked_size():
    seen = []

    def record(batch: np.ndarray) -> np.ndarray:
        seen.append((batch.shape, batch.dtype, float(batch.max())))
        return np.zeros((len(batch), 10))

    images = np.full((7, 28, 28), 255, np.uint8)
    evaluate(record, images, np.zeros(7, int), Scaling.MNIST, batch_size=3)
    assert [s[0] for s in seen] == [(3, 1, 28, 28), (3, 1, 28, 28), (1, 1, 28, 28)]
    assert all(s[1] == np.float32 for s in seen)
    assert seen[0][2] == pytest.approx((1 - 0.1307) / 0.3081, rel=1e-5)


def test_progress_is_reported_per_batch():
    calls = []
    labels = np.zeros(5, int)
    evaluate(_oracle, _images(labels), labels, batch_size=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


@pytest.mark.parametrize("scaling", list(Scaling))
def test_scale_batch_matches_preprocess_scale(scaling):
    image = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    batch = scale_batch(image[None], scaling)
    assert batch.shape == (1, 1, 28, 28) and batch.dtype == np.float32
    np.testing.assert_allclose(batch, scale(image, scaling), atol=1e-6)


def test_bad_data_is_a_dataset_error():
    with pytest.raises(DatasetError, match="3 labels for 2 images"):
        evaluate(_oracle, np.zeros((2, 28, 28), np.uint8), np.zeros(3, int))
    with pytest.raises(DatasetError, match="labels must be digits 0-9"):
        evaluate(_oracle, np.zeros((2, 28, 28), np.uint8), np.array([1, 12]))
    with pytest.raises(DatasetError, match=r"\(N, 28, 28\)"):
        evaluate(_oracle, np.zeros((2, 32, 32), np.uint8), np.zeros(2, int))


def test_wrong_prediction_shape_is_refused():
    with pytest.raises(ValueError, match=r"expected \(2, 10\)"):
        evaluate(lambda b: np.zeros((len(b), 9)), np.zeros((2, 28, 28), np.uint8), np.zeros(2, int))


def test_report_serialises_and_formats():
    confusion = np.zeros((10, 10), np.int64)
    confusion[3, 3] = 9
    confusion[3, 5] = 1
    report = EvaluationReport(confusion=confusion)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["accuracy"] == pytest.approx(0.9)
    assert data["count"] == 10
    assert data["per_class"][3] == {"digit": 3, "count": 10, "accuracy": pytest.approx(0.9)}
    assert data["per_class"][0]["accuracy"] is None
    assert data["confusion"][3][5] == 1
    text = format_report(report)
    assert text.splitlines()[0] == "accuracy 90.00% (9/10)"
    assert "    3     10    90.00%" in text


def test_works_with_a_real_onnx_model(digit_model_bytes):
    model = DigitModel.load(digit_model_bytes)
    labels = np.arange(10)
    images = np.zeros((10, 28, 28), np.uint8)
    report = evaluate(model.predict, images, labels, model.spec.normalization, batch_size=1)
    assert report.count == 10
    # A blank image is one digit for every image: exactly one class is right.
    assert report.correct == 1
