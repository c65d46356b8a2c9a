"""Training data: find or download the IDX files, split off validation, augment batches.

What the trainer gets:

* :func:`resolve_data_dir` -- ``--data DIR`` as given, or the cache directory with the
  official MNIST files downloaded (and checksum-verified) on first use.
* :func:`load_splits` -- train / validation / test :class:`DigitDataset` s. Validation is
  taken from the training set with a fixed seed, so every run validates on the same images;
  the test set is only for the final figures.
* :class:`Augmenter` -- random webcam-like distortions applied to a whole batch at once.

Reading the IDX format itself is :mod:`exercise.idx`, shared with the runtime.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from exercise.exceptions import DatasetError
from exercise.idx import SPLIT_FILES, find_idx_file, load_split
from exercise.preprocess import SCALING_FACTORS, Scaling
from exercise.training.options import DEFAULT_VAL_SIZE, default_cache_dir

#: Uncompressed file name -> md5 of the uncompressed official MNIST file. The ``.gz``
#: checksums are not used: mirrors re-compress, the contents stay byte-identical.
MNIST_MD5: Dict[str, str] = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

#: Where the official files are served, tried in order (LeCun's site often refuses robots).
MNIST_MIRRORS: List[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

#: The split is the same for every run (whatever ``--seed``), so validation figures compare.
_SPLIT_SEED = 20240601


def md5_of_idx(path: Path) -> str:
    """md5 of the file's uncompressed contents (gunzipped first when it is gzipped)."""
    digest = hashlib.md5()
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_verified(urls: Sequence[str], target: Path, md5: str, timeout: float = 60.0) -> Path:
    """Fetch the first URL that answers into ``target`` and check its uncompressed md5.

    The file is written to a temporary name next to ``target`` and renamed only once the
    checksum matches, so a half-download or a wrong file never looks like good data.

    Raises:
        DatasetError: every URL failed, or the data did not match ``md5`` (nothing is kept).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    failures: List[str] = []
    for url in urls:
        fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                shutil.copyfileobj(response, out)
            try:
                actual = md5_of_idx(tmp)
            except (OSError, EOFError) as exc:
                failures.append(f"{url}: corrupt download ({exc})")
                continue
            if actual != md5:
                failures.append(f"{url}: checksum mismatch (md5 {actual}, expected {md5})")
                continue
            tmp.replace(target)
            return target
        except (urllib.error.URLError, OSError, ValueError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DatasetError(str(target), "could not download a verified copy: " + "; ".join(failures))


def ensure_mnist(directory: Path, mirrors: Sequence[str] = tuple(MNIST_MIRRORS)) -> Path:
    """Make ``directory`` hold the four MNIST files (``.gz``), downloading those missing.

    Files already there are trusted (checking 47 MB on every run costs seconds); downloads
    are verified.

    Raises:
        DatasetError: a download failed; the message says where to put the files by hand.
    """
    for stem, md5 in MNIST_MD5.items():
        try:
            find_idx_file(directory, stem)
            continue
        except DatasetError:
            pass
        gz_name = f"{stem}.gz"
        try:
            download_verified([base + gz_name for base in mirrors], directory / gz_name, md5)
        except DatasetError as exc:
            raise DatasetError(
                str(directory / gz_name),
                f"{exc.reason}. Offline? Copy the four MNIST files ({', '.join(MNIST_MD5)}, "
                f"gzipped or not) into {directory}, or pass --data DIR",
            ) from exc
    return directory


def resolve_data_dir(data: Optional[str]) -> Path:
    """The directory to read IDX files from: ``--data`` as given, else the filled cache."""
    if data:
        return Path(data).expanduser()
    return ensure_mnist(default_cache_dir())


class DigitDataset(Dataset):
    """28x28 uint8 images and int64 labels held as tensors; items are ``(image [1,28,28], label)``.

    Batches come out of a DataLoader as uint8 ``[N,1,28,28]``: the trainer scales them
    (:func:`to_float`) and augments them on the whole batch at once.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = torch.from_numpy(np.array(images, dtype=np.uint8)).unsqueeze(1)
        self.labels = torch.from_numpy(labels.astype(np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.images[index], self.labels[index]

    def __getitems__(self, indices: List[int]) -> Tuple[torch.Tensor, torch.Tensor]:
        # One indexing op per batch instead of one per image: the DataLoader uses this.
        index = torch.as_tensor(indices)
        return self.images[index], self.labels[index]

    def numpy(self) -> Tuple[np.ndarray, np.ndarray]:
        """Images ``(N, 28, 28)`` uint8 and labels ``(N,)``, as :mod:`exercise.evaluate` takes them."""
        return self.images[:, 0].numpy(), self.labels.numpy()


def _collate_batch(batch: Any) -> Any:
    """Batches from ``__getitems__`` are already stacked."""
    return batch


#: Pass as ``collate_fn`` to a DataLoader over a :class:`DigitDataset`.
collate_batch = _collate_batch


@dataclass
class Splits:
    train: DigitDataset
    val: DigitDataset
    test: DigitDataset


def load_splits(data_dir: Path, val_size: int = DEFAULT_VAL_SIZE, subset: Optional[int] = None) -> Splits:
    """Train, validation (``val_size`` images out of the training file) and test sets.

    ``subset`` keeps only that many training images (and at most that many validation and
    test images), for quick runs and tests.

    Raises:
        DatasetError: files missing or broken, or ``val_size`` leaves no training images.
    """
    train_images, train_labels = load_split(data_dir, "train")
    test_images, test_labels = load_split(data_dir, "test")
    if not 0 < val_size < len(train_labels):
        raise DatasetError(
            str(data_dir / SPLIT_FILES["train"][0]),
            f"--val-size must be between 1 and {len(train_labels) - 1}, not {val_size}",
        )
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(train_labels))
    val_index, train_index = order[:val_size], order[val_size:]
    if subset is not None:
        train_index = train_index[:subset]
        val_index = val_index[:subset]
        test_images, test_labels = test_images[:subset], test_labels[:subset]
    return Splits(
        train=DigitDataset(train_images[train_index], train_labels[train_index]),
        val=DigitDataset(train_images[val_index], train_labels[val_index]),
        test=DigitDataset(test_images, test_labels),
    )


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 batch -> float32 in [0, 1] (what :class:`Augmenter` works on)."""
    return images.float().div_(255.0)


def normalize(batch01: torch.Tensor, scaling: str) -> torch.Tensor:
    """[0, 1] floats -> the model's input, by ``exercise.preprocess.SCALING_FACTORS``."""
    try:
        offset, divisor = SCALING_FACTORS[Scaling(scaling)]
    except ValueError:
        raise ValueError(f"unknown scaling {scaling!r}") from None
    return (batch01 - offset) / divisor


@dataclass(frozen=True)
class Augmenter:
    """Random distortions of a ``[N,1,28,28]`` float batch in [0, 1], one draw per image.

    Aimed at what a webcam digit looks like after the exercise's MNIST-style normalisation:
    a slightly tilted, off-centre, differently sized digit (affine), pen or marker strokes
    thinner or thicker than MNIST's (dilate/erode), focus blur, sensor noise and a dimmer
    stroke. All vectorised over the batch, so it costs a few percent of a training step.
    """

    max_rotation_deg: float = 12.0
    scale_range: Tuple[float, float] = (0.85, 1.15)
    max_shift_px: float = 2.5
    max_shear: float = 0.15
    max_blur: float = 1.0  # blend weight towards a 3x3 Gaussian blur
    max_noise: float = 0.08  # standard deviation of added Gaussian noise
    max_erode: float = 0.5  # blend weight towards a 3x3 erosion (a full one wipes out thin strokes)
    max_dilate: float = 1.0  # blend weight towards a 3x3 dilation
    min_gain: float = 0.8  # stroke brightness multiplier

    def __call__(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n = batch.shape[0]

        def uniform(low: float, high: float) -> torch.Tensor:
            return torch.rand(n, generator=generator) * (high - low) + low

        out = self._affine(batch, uniform)
        out = self._thickness(out, uniform(-self.max_erode, self.max_dilate))
        out = self._blur(out, uniform(0.0, self.max_blur))
        gain = uniform(self.min_gain, 1.0).view(n, 1, 1, 1)
        noise = torch.randn(out.shape, generator=generator) * uniform(0.0, self.max_noise).view(n, 1, 1, 1)
        return (out * gain + noise).clamp_(0.0, 1.0)

    def _affine(self, batch: torch.Tensor, uniform: Callable[[float, float], torch.Tensor]) -> torch.Tensor:
        angle = uniform(-self.max_rotation_deg, self.max_rotation_deg) * (math.pi / 180.0)
        # affine_grid maps output to input coordinates: dividing by the scale enlarges.
        inv_scale = 1.0 / uniform(*self.scale_range)
        shear = uniform(-self.max_shear, self.max_shear)
        cos, sin = torch.cos(angle) * inv_scale, torch.sin(angle) * inv_scale
        theta = torch.zeros(batch.shape[0], 2, 3)
        theta[:, 0, 0] = cos
        theta[:, 0, 1] = -sin + shear * cos
        theta[:, 1, 0] = sin
        theta[:, 1, 1] = cos + shear * sin
        # Normalised coordinates span 2 units over 28 pixels.
        theta[:, 0, 2] = uniform(-self.max_shift_px, self.max_shift_px) * (2.0 / 28.0)
        theta[:, 1, 2] = uniform(-self.max_shift_px, self.max_shift_px) * (2.0 / 28.0)
        grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
        return F.grid_sample(batch, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    @staticmethod
    def _thickness(batch: torch.Tensor, amount: torch.Tensor) -> torch.Tensor:
        """``amount`` in [-1, 1] per image: blend towards erosion (< 0) or dilation (> 0)."""
        dilated = F.max_pool2d(batch, 3, stride=1, padding=1)
        eroded = -F.max_pool2d(-batch, 3, stride=1, padding=1)
        a = amount.view(-1, 1, 1, 1)
        target = torch.where(a > 0, dilated, eroded)
        return batch + a.abs() * (target - batch)

    @staticmethod
    def _blur(batch: torch.Tensor, amount: torch.Tensor) -> torch.Tensor:
        kernel = torch.tensor([1.0, 2.0, 1.0])
        kernel = (kernel[:, None] * kernel[None, :]) / 16.0
        blurred = F.conv2d(batch, kernel.view(1, 1, 3, 3), padding=1)
        return batch + amount.view(-1, 1, 1, 1) * (blurred - batch)
