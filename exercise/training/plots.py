"""PNG plots of a training run (matplotlib, Agg backend: no display needed).

Everything is read from the run directory that ``train`` wrote: ``log.jsonl`` for the
curves, ``predictions.npz`` (test probabilities and labels) plus the test images for the
rest. ``digit-classifier plot RUN_DIR`` calls :func:`plot_run`; it needs no PyTorch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import matplotlib

matplotlib.use("Agg")  # before pyplot: headless machines and CI have no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from exercise.exceptions import DatasetError  # noqa: E402

CURVES = "curves.png"
SAMPLES = "samples.png"
CONFUSION = "confusion.png"
MISTAKES = "mistakes.png"


def read_log(run_dir: Path) -> List[Dict[str, Any]]:
    """The per-epoch rows of ``run_dir/log.jsonl``."""
    path = Path(run_dir) / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot_curves(log: List[Dict[str, Any]], out: Path) -> Path:
    """Train vs validation loss and accuracy per epoch."""
    epochs = [row["epoch"] for row in log]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [r["train_loss"] for r in log], "o-", label="train (augmented)")
    ax_loss.plot(epochs, [r["val_loss"] for r in log], "o-", label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss", yscale="log")
    ax_acc.plot(epochs, [100 * r["train_accuracy"] for r in log], "o-", label="train (augmented)")
    ax_acc.plot(epochs, [100 * r["val_accuracy"] for r in log], "o-", label="validation")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, out)


def plot_samples(
    images: np.ndarray, probabilities: np.ndarray, labels: np.ndarray, out: Path, count: int = 40
) -> Path:
    """The first ``count`` test images with prediction, confidence and true label (red: wrong)."""
    predicted = probabilities.argmax(1)
    return _grid(
        images,
        list(range(min(count, len(images)))),
        probabilities,
        predicted,
        labels,
        out,
        "test predictions (predicted, confidence / true)",
    )


def plot_confusion(probabilities: np.ndarray, labels: np.ndarray, out: Path) -> Path:
    """The 10x10 confusion matrix with counts; rows true digit, columns predicted."""
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels.astype(np.int64), probabilities.argmax(1)), 1)
    fig, ax = plt.subplots(figsize=(6.5, 6))
    # Log colour scale: the diagonal (about 1000) would otherwise hide the few mistakes.
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for t in range(10):
        for p in range(10):
            if confusion[t, p]:
                ax.text(
                    p,
                    t,
                    str(confusion[t, p]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if t == p else "black",
                )
    accuracy = np.trace(confusion) / max(confusion.sum(), 1)
    ax.set(
        xticks=range(10),
        yticks=range(10),
        xlabel="predicted digit",
        ylabel="true digit",
        title=f"confusion matrix ({100 * accuracy:.2f}% of {confusion.sum()} correct)",
    )
    return _save(fig, out)


def plot_mistakes(
    images: np.ndarray, probabilities: np.ndarray, labels: np.ndarray, out: Path, count: int = 24
) -> Path:
    """The wrongly classified test images the model was most sure about."""
    predicted = probabilities.argmax(1)
    wrong = np.flatnonzero(predicted != labels)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:count]
    return _grid(
        images,
        list(order),
        probabilities,
        predicted,
        labels,
        out,
        f"most confident mistakes ({len(wrong)} in all): predicted, confidence / true",
    )


def plot_run(run_dir: Path, test_images: np.ndarray) -> List[Path]:
    """Write all four plots into ``run_dir``; ``test_images`` uint8 ``(N,28,28)`` in the
    order of ``predictions.npz``. Returns the paths written."""
    run_dir = Path(run_dir)
    saved = np.load(run_dir / "predictions.npz")
    probabilities, labels = saved["probabilities"], saved["labels"]
    images = test_images[: len(labels)]
    return [
        plot_curves(read_log(run_dir), run_dir / CURVES),
        plot_samples(images, probabilities, labels, run_dir / SAMPLES),
        plot_confusion(probabilities, labels, run_dir / CONFUSION),
        plot_mistakes(images, probabilities, labels, run_dir / MISTAKES),
    ]


def _grid(
    images: np.ndarray,
    indices: List[int],
    probabilities: np.ndarray,
    predicted: np.ndarray,
    labels: np.ndarray,
    out: Path,
    title: str,
    columns: int = 8,
) -> Path:
    rows = max(1, -(-len(indices) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.45 + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, indices):
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=255)
        right = predicted[i] == labels[i]
        ax.set_title(
            f"{predicted[i]} {probabilities[i, predicted[i]]:.2f} / {labels[i]}",
            fontsize=8,
            color="black" if right else "red",
        )
    if not indices:
        axes.flat[0].text(0.5, 0.5, "none", ha="center", va="center")
    fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def _save(fig: Any, out: Path) -> Path:
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def plot_run_dir(run_dir: Path, data: Optional[str] = None) -> List[Path]:
    """:func:`plot_run` with the test images read from ``data`` or the run's own data directory.

    Raises:
        DatasetError: the run directory lacks its log or predictions, or the images are missing.
    """
    from exercise.idx import load_split

    run_dir = Path(run_dir)
    for name in ("log.jsonl", "predictions.npz"):
        if not (run_dir / name).is_file():
            raise DatasetError(
                str(run_dir / name),
                "missing: is this the --out directory of a finished `digit-classifier train` run?",
            )
    images, _ = load_split(Path(data) if data else run_data_dir(run_dir), "test")
    return plot_run(run_dir, images)


def run_data_dir(run_dir: Path) -> Path:
    """The IDX directory a run was trained on (from its ``run.json``), else the download cache."""
    from exercise.training.options import default_cache_dir

    run_json = Path(run_dir) / "run.json"
    if run_json.is_file():
        return Path(json.loads(run_json.read_text())["data_dir"])
    return default_cache_dir()
