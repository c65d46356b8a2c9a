"""Checkpoints: what a training run saves, how it resumes, and how others use a ``.pt`` file.

A checkpoint is one ``torch.save`` dict (see :func:`save`). Runs write two per output
directory: ``last.pt`` after every epoch (what ``--resume`` continues from) and ``best.pt``
whenever validation accuracy improves (what ``export`` and ``evaluate`` use).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import torch

from exercise.exceptions import ModelFormatError
from exercise.training import nets

LAST = "last.pt"
BEST = "best.pt"

#: A batch ``[N,1,28,28]`` float32, already scaled -> probabilities ``[N,10]`` float32.
Predictor = Callable[[np.ndarray], np.ndarray]


def save(
    path: Path,
    *,
    arch: str,
    net: torch.nn.Module,
    normalization: str,
    epoch: int,
    best_val_accuracy: float,
    optimizer: Optional[torch.optim.Optimizer] = None,
    scheduler: Optional[Any] = None,
    generator: Optional[torch.Generator] = None,
    epochs_without_improvement: int = 0,
    args: Optional[Dict[str, Any]] = None,
) -> None:
    """Write a checkpoint atomically (temporary file, then rename): a kill never leaves half a file.

    ``epoch`` is the number of epochs completed; optimizer, scheduler and the data
    generator's state make ``--resume`` continue exactly where the run stopped.
    """
    state: Dict[str, Any] = {
        "format": 1,
        "arch": arch,
        "model": net.state_dict(),
        "normalization": normalization,
        "epoch": epoch,
        "best_val_accuracy": best_val_accuracy,
        "epochs_without_improvement": epochs_without_improvement,
        "args": dict(args or {}),
    }
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if generator is not None:
        state["generator"] = generator.get_state()
        # Dropout draws from the global generator: restoring it too makes a resumed run
        # continue exactly as an uninterrupted one would.
        state["torch_rng"] = torch.get_rng_state()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def load(path: Path) -> Dict[str, Any]:
    """The checkpoint dict saved by :func:`save`.

    Raises:
        ModelFormatError: missing, unreadable, or not one of our checkpoints.
    """
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise ModelFormatError("no such checkpoint file", source=str(path)) from None
    except Exception as exc:  # torch raises many kinds for a file that is not a checkpoint
        raise ModelFormatError(f"not a PyTorch checkpoint ({exc})", source=str(path)) from exc
    if not isinstance(state, dict) or "arch" not in state or "model" not in state:
        raise ModelFormatError(
            "not a checkpoint written by `digit-classifier train` (no 'arch'/'model' entries)",
            source=str(path),
        )
    return state


def restore_network(state: Dict[str, Any]) -> torch.nn.Module:
    """The network a checkpoint describes, with its weights, in eval mode."""
    net = nets.build(state["arch"])
    net.load_state_dict(state["model"])
    net.eval()
    return net


def load_network(path: Path) -> Tuple[torch.nn.Module, str]:
    """The network in eval mode and its input normalisation (a ``Scaling`` value)."""
    state = load(path)
    return restore_network(state), str(state["normalization"])


def load_predictor(path: Path, threads: Optional[int] = None) -> Tuple[Predictor, str]:
    """A numpy-in, numpy-out probability function for a ``.pt`` file, and its normalisation.

    The caller scales images as the returned normalisation says (``exercise.preprocess
    .scale``) before calling; this is what ``digit-classifier evaluate --model X.pt`` uses
    through :func:`exercise.evaluate.evaluate`.
    """
    net, normalization = load_network(path)
    if threads:
        torch.set_num_threads(threads)

    def predict(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            logits = net(torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32)))
            return torch.softmax(logits, dim=1).numpy()

    return predict, normalization
