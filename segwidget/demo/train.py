"""Train the demo U-Net on synthetic street scenes and write the shipped weights.

Run ``python -m segwidget.demo.train`` (a few minutes on one CPU core). Training is seeded
and single-threaded, so the same seed on the same machine gives the same weights.
The model is deliberately under-trained: the demo needs a model that is decent but
visibly wrong (road versus sidewalk, small signs and poles), not a perfect one.

``python -m segwidget.demo.train --early`` trains the same model for half the
steps and writes ``weights_early.pt``: the "before" of the demo's model comparison.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from .dataset import CLASSES, IGNORE_INDEX, StreetScenes
from .unet import TinyUNet

WEIGHTS = Path(__file__).with_name("weights.pt")
EARLY_WEIGHTS = Path(__file__).with_name("weights_early.pt")
STEPS = 480
EARLY_STEPS = STEPS // 2


def confusion_matrix(
    model: torch.nn.Module, loader: DataLoader, num_classes: int = len(CLASSES)
) -> np.ndarray:
    """Pooled confusion counts ``cm[t, p]`` of ``model`` over ``loader``, void pixels ignored.

    Parameters
    ----------
    model
        A model mapping images ``(B, 3, H, W)`` to logits ``(B, C, H, W)``.
    loader
        Yields ``(images, masks)`` batches.
    num_classes
        ``C``.

    Returns
    -------
    numpy.ndarray
        int64 ``(C, C)``; rows are true classes, columns predicted ones.
    """
    model.eval()
    cm = torch.zeros(num_classes * num_classes, dtype=torch.int64)
    with torch.inference_mode():
        for images, masks in loader:
            pred = model(images).argmax(1)
            valid = masks != IGNORE_INDEX
            cells = masks[valid] * num_classes + pred[valid]
            cm += torch.bincount(cells, minlength=num_classes * num_classes)
    return cm.reshape(num_classes, num_classes).numpy()


def per_class_iou(cm: np.ndarray) -> np.ndarray:
    """IoU per class from confusion counts; NaN for classes absent from truth and prediction."""
    diag = np.diag(cm).astype(np.float64)
    union = cm.sum(0) + cm.sum(1) - diag
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, diag / union, np.nan)


def train(
    steps: int = STEPS,
    batch_size: int = 16,
    lr: float = 3e-3,
    base: int = 16,
    seed: int = 0,
    out: Path | None = WEIGHTS,
) -> TinyUNet:
    """Train a ``TinyUNet`` from scratch, deterministically, and optionally save it.

    Parameters
    ----------
    steps
        Optimiser steps; each sees ``batch_size`` fresh training scenes.
    batch_size
        Images per step.
    lr
        Peak learning rate of the one-cycle schedule.
    base
        ``TinyUNet`` width.
    seed
        Seeds the weights' initialisation and the order of the training scenes.
    out
        Where to write the float16 state dict; ``None`` to skip writing.

    Returns
    -------
    TinyUNet
        The trained model, in eval mode.
    """
    torch.manual_seed(seed)
    # One thread: reproducible reductions, and the machine is shared.
    torch.set_num_threads(1)
    data = StreetScenes("train", n=steps * batch_size, seed=seed)
    loader = DataLoader(
        data,
        batch_size=batch_size,
        shuffle=True,
        num_workers=0,
        drop_last=True,
        generator=torch.Generator().manual_seed(seed),
    )
    model = TinyUNet(num_classes=len(CLASSES), base=base)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    model.train()
    start = time.perf_counter()
    for step, (images, masks) in enumerate(loader, 1):
        loss = F.cross_entropy(model(images), masks, ignore_index=IGNORE_INDEX)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 20 == 0 or step == steps:
            elapsed = time.perf_counter() - start
            print(f"step {step:4d}/{steps}  loss {loss.item():.4f}  {elapsed:6.1f}s", flush=True)
    model.eval()
    if out is not None:
        # float16 halves the file; load_model casts back to float32.
        state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
        torch.save(state, out)
        print(f"wrote {out} ({Path(out).stat().st_size / 1024:.0f} KiB)")
    return model


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: train, save, and report the valid split's IoU."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--early",
        action="store_true",
        help=f"the shorter run ({EARLY_STEPS} steps, written to {EARLY_WEIGHTS.name})",
    )
    parser.add_argument("--steps", type=int, default=None, help=f"default {STEPS}")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--base", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help=f"default {WEIGHTS.name}")
    args = parser.parse_args(argv)
    if args.steps is None:
        args.steps = EARLY_STEPS if args.early else STEPS
    if args.out is None:
        args.out = EARLY_WEIGHTS if args.early else WEIGHTS
    start = time.perf_counter()
    model = train(args.steps, args.batch_size, args.lr, args.base, args.seed, args.out)
    print(f"trained in {time.perf_counter() - start:.0f}s")
    if args.out is not None:
        # Evaluate the weights as shipped (float16 round trip), as users will load them.
        state = torch.load(args.out, weights_only=True)
        model.load_state_dict(
            {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
        )
    cm = confusion_matrix(model, DataLoader(StreetScenes("valid"), batch_size=16))
    iou = per_class_iou(cm)
    for name, value in zip(CLASSES, iou, strict=True):
        print(f"  {name:<11s} IoU {value:.3f}")
    print(f"mean IoU {np.nanmean(iou):.3f}  pixel accuracy {np.trace(cm) / cm.sum():.3f}")
    rows = cm / cm.sum(1, keepdims=True)
    off = [
        (rows[t, p], CLASSES[t], CLASSES[p])
        for t in range(len(CLASSES))
        for p in range(len(CLASSES))
        if t != p
    ]
    for share, t, p in sorted(off, reverse=True)[:6]:
        print(f"  {t} -> {p}: {share:.1%} of true {t}")


if __name__ == "__main__":
    main()
