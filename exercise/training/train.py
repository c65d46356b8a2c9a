"""Train a digit classifier, in the shape of pytorch/examples ``mnist/main.py``.

Read top to bottom: :func:`train` runs one epoch, :func:`test` measures a data set,
:func:`main` parses the arguments and loops over epochs (validation each epoch, best
checkpoint, early stopping, training log), then writes the final figures and plots.
``digit-classifier train`` and ``python -m exercise.training.train`` both end up here.

Output directory (``--out``)::

    last.pt          every epoch, for --resume
    best.pt          best validation accuracy so far: export this one
    log.jsonl        one JSON object per epoch (plots.py reads it)
    run.json         arguments, data directory, parameters, final test figures
    predictions.npz  test-set probabilities of best.pt (plots.py reads it)
    *.png            training curves, sample predictions, confusion matrix, worst mistakes
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from tqdm import tqdm

from exercise.training import checkpoints, data, nets, options


def train(
    net: torch.nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    augment: Optional[data.Augmenter],
    generator: torch.Generator,
    normalization: str,
    device: torch.device,
    epoch: int,
    dry_run: bool = False,
    quiet: bool = False,
) -> Tuple[float, float]:
    """One epoch over ``loader``; returns mean loss and accuracy on the (augmented) batches."""
    net.train()
    total_loss, correct, seen = 0.0, 0, 0
    # Redirected to a log file, a bar redrawn ten times a second is noise: redraw rarely.
    interval = 0.1 if sys.stderr.isatty() else 30.0
    bar = tqdm(
        loader, desc=f"epoch {epoch} train", unit="batch", leave=False, disable=quiet, mininterval=interval
    )
    for images, labels in bar:
        batch = data.to_float(images)
        if augment is not None:
            batch = augment(batch, generator)
        batch = data.normalize(batch, normalization).to(device, memory_format=torch.channels_last)
        labels = labels.to(device)
        optimizer.zero_grad(set_to_none=True)
        logits = net(batch)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total_loss += loss.item() * len(labels)
        correct += int((logits.argmax(1) == labels).sum())
        seen += len(labels)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}", refresh=False)
        if dry_run:
            break
    return total_loss / max(seen, 1), correct / max(seen, 1)


def test(
    net: torch.nn.Module,
    dataset: data.DigitDataset,
    normalization: str,
    device: torch.device,
    batch_size: int = 1000,
    desc: str = "validate",
    quiet: bool = False,
) -> Tuple[float, float, np.ndarray]:
    """Mean loss, accuracy and the ``[N,10]`` probabilities of ``net`` on ``dataset`` (no augmentation)."""
    net.eval()
    total_loss, correct = 0.0, 0
    probabilities: List[np.ndarray] = []
    with torch.inference_mode():
        for start in tqdm(range(0, len(dataset), batch_size), desc=desc, leave=False, disable=quiet):
            images = dataset.images[start : start + batch_size]
            labels = dataset.labels[start : start + batch_size].to(device)
            logits = net(data.normalize(data.to_float(images), normalization).to(device))
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += int((logits.argmax(1) == labels).sum())
            probabilities.append(torch.softmax(logits, 1).cpu().numpy())
    n = max(len(dataset), 1)
    return total_loss / n, correct / n, np.concatenate(probabilities) if probabilities else np.zeros((0, 10))


def build_arg_parser() -> argparse.ArgumentParser:
    """The standalone parser of ``python -m exercise.training.train`` (same options as the command)."""
    parser = argparse.ArgumentParser(description="Train a handwritten-digit classifier on MNIST-format data.")
    return options.add_train_arguments(parser)


def _device(name: str) -> torch.device:
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is available here; use --device cpu")
    return torch.device(name)


def _read_log(path: Path, up_to_epoch: int) -> List[Dict[str, Any]]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [row for row in rows if row["epoch"] <= up_to_epoch]


def final_report(
    net: torch.nn.Module, splits: data.Splits, normalization: str, threads: int
) -> Tuple[Any, np.ndarray]:
    """Test-set figures of ``net`` through the runtime's :func:`exercise.evaluate.evaluate`.

    Returns the EvaluationReport and the ``[N,10]`` test probabilities (for the plots).
    """
    from exercise.evaluate import evaluate
    from exercise.preprocess import Scaling

    net = net.cpu().eval()

    def predict(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return torch.softmax(net(torch.from_numpy(batch)), 1).numpy()

    images, labels = splits.test.numpy()
    report = evaluate(predict, images, labels, Scaling(normalization), 1000)
    with torch.inference_mode():
        probabilities = predict(data.normalize(data.to_float(splits.test.images), normalization).numpy())
    return report, probabilities


def main(argv: Optional[List[str]] = None, args: Optional[argparse.Namespace] = None) -> int:
    """Train as the arguments say; returns the process exit status."""
    if args is None:
        args = build_arg_parser().parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = _device(args.device)
    out = Path(args.out or options.DEFAULT_OUT)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = data.resolve_data_dir(args.data)
    splits = data.load_splits(data_dir, args.val_size, args.subset)

    # One generator drives shuffling and augmentation, so --seed reproduces a run exactly.
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(
        splits.train,
        batch_size=args.batch_size,
        shuffle=True,
        generator=generator,
        collate_fn=data.collate_batch,
        drop_last=len(splits.train) > args.batch_size,
    )
    net = nets.with_memory_format(nets.build(args.arch).to(device), torch.channels_last)
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    epochs = 1 if args.dry_run else args.epochs
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=epochs, steps_per_epoch=max(len(loader), 1)
    )
    augment = data.Augmenter() if args.augment else None

    start_epoch, best_acc, stale = 1, -1.0, 0
    if args.resume:
        state = checkpoints.load(out / checkpoints.LAST)
        if state["arch"] != args.arch:
            raise SystemExit(f"--resume: {out / checkpoints.LAST} is a {state['arch']!r}, not {args.arch!r}")
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch = state["epoch"] + 1
        best_acc, stale = state["best_val_accuracy"], state["epochs_without_improvement"]
        print(
            f"resuming {out / checkpoints.LAST} after epoch {state['epoch']} (best validation {best_acc:.4f})"
        )
    log_path = out / "log.jsonl"
    log = _read_log(log_path, start_epoch - 1)
    log_path.write_text("".join(json.dumps(row) + "\n" for row in log))

    n_params = nets.count_parameters(net)
    print(
        f"{args.arch}: {n_params:,} parameters; {len(splits.train):,} training, {len(splits.val):,} "
        f"validation images from {data_dir}; augmentation {'on' if augment else 'off'}; "
        f"{args.threads} thread(s) on {device}"
    )
    saved_args = {k: v for k, v in vars(args).items() if k != "func"}
    for epoch in range(start_epoch, epochs + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        train_loss, train_acc = train(
            net,
            loader,
            optimizer,
            scheduler,
            augment,
            generator,
            args.normalization,
            device,
            epoch,
            args.dry_run,
            args.quiet,
        )
        val_loss, val_acc, _ = test(net, splits.val, args.normalization, device, quiet=args.quiet)
        seconds = time.perf_counter() - started
        improved = val_acc > best_acc
        best_acc, stale = (val_acc, 0) if improved else (best_acc, stale + 1)
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "train_accuracy": train_acc,
            "val_loss": val_loss,
            "val_accuracy": val_acc,
            "lr": scheduler.get_last_lr()[0],
            "seconds": seconds,
            # CPU time of this process: comparable between runs on a shared, busy machine.
            "cpu_seconds": time.process_time() - cpu_started,
        }
        with log_path.open("a") as stream:
            stream.write(json.dumps(row) + "\n")
        common = dict(
            arch=args.arch,
            net=net,
            normalization=args.normalization,
            epoch=epoch,
            best_val_accuracy=best_acc,
            args=saved_args,
        )
        if improved:
            checkpoints.save(out / checkpoints.BEST, **common)
        checkpoints.save(
            out / checkpoints.LAST,
            optimizer=optimizer,
            scheduler=scheduler,
            generator=generator,
            epochs_without_improvement=stale,
            **common,
        )
        print(
            f"epoch {epoch:2d}/{epochs}: train loss {train_loss:.4f} acc {train_acc:.4f} | "
            f"val loss {val_loss:.4f} acc {val_acc:.4f}{' *best*' if improved else ''} | {seconds:.0f} s",
            flush=True,
        )
        if stale >= args.patience:
            print(f"early stop: no better validation accuracy for {args.patience} epochs")
            break

    best_net, _ = checkpoints.load_network(out / checkpoints.BEST)
    report, probabilities = final_report(best_net, splits, args.normalization, args.threads)
    np.savez_compressed(
        out / "predictions.npz",
        probabilities=probabilities.astype(np.float32),
        labels=splits.test.labels.numpy(),
    )
    run = {
        "args": saved_args,
        "data_dir": str(data_dir),
        "parameters": n_params,
        "best_val_accuracy": best_acc,
        "test_accuracy": float(report.accuracy),
        "test_per_class_accuracy": [float(a) for a in report.per_class_accuracy],
        "train_seconds": sum(row["seconds"] for row in _read_log(log_path, 10**9)),
        "train_cpu_seconds": sum(row.get("cpu_seconds", 0.0) for row in _read_log(log_path, 10**9)),
    }
    (out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    print(f"test accuracy of {out / checkpoints.BEST}: {report.accuracy:.4f} on {len(splits.test):,} images")
    if args.plots:
        from exercise.training import plots

        for path in plots.plot_run(out, splits.test.numpy()[0]):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
