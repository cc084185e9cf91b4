"""The streaming pass: one forward per batch, statistics on the model's device, no logits kept."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .adapters import (
    BatchToXY,
    InputError,
    OutputToLogits,
    logits_at_mask_size,
    make_batch_to_xy,
    masks_to_index,
)
from .adapters import output_to_logits as default_output_to_logits
from .distributed import gather, shard_of
from .imaging import Denormalize, make_denormalize, palette
from .pass_state import PassState
from .results import Results

LossFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
BINARY_CLASSES = ("background", "foreground")


class AnalysisError(RuntimeError):
    """The pass stopped at a batch; ``.results`` holds the batches completed before it."""

    results: Results | None = None


def _step(where: str, what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Run one step of a batch so that whatever it raises names the batch."""
    try:
        return fn(*args)
    except InputError as err:  # the adapters' own errors do not know the batch
        raise InputError(f"{where}: {err}") from err
    except Exception as err:
        raise AnalysisError(f"{where}: {what} raised {type(err).__name__}: {err}") from err


def analyze(
    model: torch.nn.Module,
    dl: Iterable[Any],
    classes: Sequence[str] | None = None,
    *,
    loss_func: LossFunc | None = None,
    ignore_index: int | None = 255,
    device: torch.device | str | None = None,
    batch_to_xy: BatchToXY | None = None,
    image_key: str | None = None,
    mask_key: str | None = None,
    output_to_logits: OutputToLogits | None = None,
    denormalize: Denormalize | None = None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    colors: Sequence[str] | None = None,
    keep_images: bool = True,
    progress: bool = True,
) -> Results:
    """Run ``model`` over ``dl`` once and keep compact statistics.

    Parameters
    ----------
    model
        Any segmentation model. Its output may be a tensor, a dict with ``'out'`` or
        ``'logits'``, an object with ``.logits`` or a tuple; lower-resolution logits are
        upsampled bilinearly; one channel means a binary model (sigmoid, threshold 0.5).
    dl
        Any iterable of batches: ``(x, y, ...)`` or dicts (``image``/``mask``,
        ``pixel_values``/``labels``, ...). Masks are ``(B, H, W)`` or ``(B, 1, H, W)``.
    classes
        Class names, one per logit channel. Defaults to ``background, foreground`` for a
        one-channel model and ``"0", "1", ...`` otherwise.
    loss_func
        Per-pixel loss ``f(logits, masks) -> (B, H, W)`` (``reduction='none'``);
        default cross-entropy. Invalid pixels are excluded from the per-image mean.
    ignore_index
        Truth value of invalid pixels (counted nowhere), or ``None``.
    device
        Where batches go; default the model's device (the model itself is not moved).
    batch_to_xy, image_key, mask_key, output_to_logits
        Adapters for unusual batches or outputs.
    denormalize, mean, std
        How to turn inputs back into displayable images (see ``make_denormalize``).
    colors
        ``#rrggbb`` per class; default a palette that keeps 150 classes apart.
    keep_images
        Keep compressed images and masks for the gallery, detail view and ``show``.
    progress
        Show a ``tqdm`` progress bar.

    Returns
    -------
    Results
        ``partial`` when interrupted with Ctrl-C.

    Raises
    ------
    AnalysisError, InputError
        At the first batch where bad input shows, naming batch, image and values;
        ``err.results`` keeps the completed batches.
    """
    try:
        empty = len(dl) == 0  # type: ignore[arg-type]
    except TypeError:  # no length: a generator, a DataLoader over an IterableDataset
        empty = False
    if empty:
        raise InputError("the dataloader is empty: it has no batches to analyse")
    shard = shard_of(dl)  # under torchrun: which dataset images this rank's loader yields
    to_xy = batch_to_xy or make_batch_to_xy(image_key, mask_key)
    to_logits = output_to_logits or default_output_to_logits
    state: PassState | None = None
    to_uint8 = make_denormalize(denormalize, mean, std)
    if device is None:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    bar = tqdm(dl, desc="segwidget", unit="batch", disable=not progress)
    try:
        with torch.inference_mode():
            for b, batch in enumerate(bar):
                where = f"batch {b}"
                x, y = _step(where, "batch_to_xy", to_xy, batch)
                if not isinstance(x, torch.Tensor):
                    raise InputError(
                        f"{where}: the images are a {type(x).__name__}, not a tensor; "
                        "pass batch_to_xy="
                    )
                masks = masks_to_index(y, where).to(device)
                output = _step(where, "the model", model, x.to(device))
                raw = _step(where, "output_to_logits", to_logits, output)
                logits = logits_at_mask_size(raw, masks, where)
                if state is None:
                    names = _class_names(classes, logits.shape[1], raw.shape[1], where)
                    state = PassState(names, palette(len(names), colors), ignore_index, keep_images)
                try:
                    state.add_batch(b, logits, masks, x, loss_func or _cross_entropy, to_uint8)
                except InputError:
                    raise
                except Exception as err:  # loss_func, denormalize or image encoding
                    raise AnalysisError(
                        f"{where}: computing its statistics raised {type(err).__name__}: {err}"
                    ) from err
    except KeyboardInterrupt:
        if state is None:
            raise
        warnings.warn(
            f"analysis interrupted after {state.n_images} images; the results are partial",
            stacklevel=2,
        )
        return state.results(partial=True)
    except (InputError, AnalysisError) as err:
        err.results = state.results(partial=True) if state is not None else None
        raise
    finally:
        bar.close()
        model.train(was_training)
    if state is None:
        raise InputError(f"the dataloader yielded no batches ({type(dl).__name__})")
    return gather(state.results(partial=False), shard)  # under torchrun: rank 0 gets all


def _class_names(
    classes: Sequence[str] | None, channels: int, outputs: int, where: str
) -> list[str]:
    """``channels``: classes the logits stand for (2 for a binary model); ``outputs``: as output."""
    if classes is None:
        return list(BINARY_CLASSES) if channels == 2 else [str(c) for c in range(channels)]
    names = [str(c) for c in classes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"class names must be unique; repeated: {repeated}")
    if len(names) != channels:
        raise InputError(
            f"{where}: the model outputs {outputs} channels but {len(names)} classes were given "
            f"({names[:6]}{' ...' if len(names) > 6 else ''}); a binary model outputs 1 channel "
            "and has 2 classes"
        )
    return names


def _cross_entropy(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, masks, reduction="none")
