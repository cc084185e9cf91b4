"""The streaming pass: one forward per batch and model, statistics on the model's device, no logits
kept. ``analyze`` runs one model; ``analyze_models`` feeds each batch, loaded once, to several."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from ..results.core import Results
from ..results.imaging import Denormalize
from .adapters import (
    BatchToXY,
    InputError,
    OutputToLogits,
)
from .distributed import fail_together, gather, shard_of
from .features import Embed
from .inputs import (
    DEFAULT_IGNORE_INDEX,
)
from .rank_status import DEFAULT_GATHER_TIMEOUT, check_timeout
from .run import LossFunc, Model, run_pass


def analyze(
    model: Model,
    dl: Iterable[Any],
    classes: Sequence[str] | None = None,
    *,
    loss_func: LossFunc | None = None,
    ignore_index: int | None = DEFAULT_IGNORE_INDEX,
    device: torch.device | str | None = None,
    batch_to_xy: BatchToXY | None = None,
    image_key: str | None = None,
    mask_key: str | None = None,
    output_to_logits: OutputToLogits | None = None,
    metadata: Any = None,
    collect: Sequence[str] | None = None,
    denormalize: Denormalize | None = None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    colors: Sequence[str] | None = None,
    keep_images: bool = True,
    progress: bool = True,
    boundary_width: int | None = 3,
    confidence: float | None = 0.9,
    detail_max_side: int | None = 1024,
    gather_timeout: float = DEFAULT_GATHER_TIMEOUT,
    calibration_bins: int | None = 15,
    objects: bool = True,
    min_object_recall: float = 0.5,
    instances_key: str | None = None,
    embed: Embed | None = None,
    encode_workers: int | None = None,
) -> Results:
    """Run ``model`` over ``dl`` once and keep compact statistics.

    Parameters
    ----------
    model
        Any segmentation model: an ``nn.Module`` (run in eval mode, every submodule's own
        mode restored afterwards) or any callable on a batch of images. Its output may be
        a tensor, a dict with ``'out'`` or ``'logits'``, an object with ``.logits`` or a
        tuple; lower-resolution logits are upsampled bilinearly; one channel means a
        binary model (sigmoid, threshold 0.5).
    dl
        Any iterable of batches (a DataLoader, a list, a generator, an IterableDataset):
        ``(x, y, ...)`` or dicts (``image``/``mask``, ``pixel_values``/``labels``, ...).
        Masks are ``(B, H, W)`` or ``(B, 1, H, W)`` class indices (integers, booleans, or
        floats holding whole numbers).
    classes
        Class names in index order, one per logit channel: a list, or a dict
        ``{index: name}`` covering ``0..C-1``. Default: the model's ``config.id2label``
        (Hugging Face), else ``background, foreground`` for a one-channel model and
        ``"0", "1", ...`` otherwise.
    loss_func
        Per-pixel loss ``f(logits, masks) -> (B, H, W)`` tensor (``reduction='none'``);
        default cross-entropy. Invalid pixels are excluded from the per-image mean, and so
        are pixels whose loss is NaN (warned, counted in ``Results.nonfinite_pixels``).
    ignore_index
        Truth value of invalid pixels (counted nowhere), or ``None``. The default, 255, is
        refused when there are more than 255 classes (255 would be a class); pass the
        value your masks use.
    device
        Where batches go; default the model's device, or the CPU for a callable that is
        not an ``nn.Module`` (the model itself is not moved).
    batch_to_xy, image_key, mask_key, output_to_logits
        Adapters for unusual batches or outputs.
    metadata
        Per-image columns (a pandas DataFrame or a dict of equal-length columns) in the
        order the loader yields the images; kept as ``Results.metadata``.
    collect
        Keys of dict batches to keep per image as ``Results.metadata`` columns (each a list
        or tensor of length B of strings or numbers), e.g. ``collect=["city"]``.
    denormalize, mean, std
        How to turn inputs back into displayable images (see ``make_denormalize``).
    colors
        ``#rrggbb`` per class; default a palette that keeps 150 classes apart.
    keep_images
        Keep compressed images and masks for the gallery, detail view and ``show``.
    progress
        Show a ``tqdm`` progress bar.
    boundary_width
        Half-width ``d`` in pixels of the boundary band: a valid pixel is *boundary* when
        the valid truth in its ``(2d+1)²`` window (clipped at the border) has more than one
        class. Its counts go to ``Results.boundary_confusions``; ``None`` skips the band.
    confidence
        Threshold τ of a *confident disagreement*: a valid pixel predicted wrong with the
        softmax probability of its predicted class (sigmoid probability of the predicted
        side for a one-channel model) at least τ. Counted in
        ``Results.confident_confusions``; ``None`` skips them.
    detail_max_side
        Longest side, in pixels, of the stored detail image and masks (``None``: full
        resolution). Statistics always use full resolution; thumbnails are unchanged.
    gather_timeout
        Under torchrun: seconds a rank waits for the others at the end of the pass (the
        same on every rank); a rank that has not come by then is reported, not waited for
        30 minutes. A rank whose pass fails tells the others at once, and every rank then
        raises the same ``AnalysisError`` naming the failed ranks (docs/guide/hardening.md).
    calibration_bins
        Equal-width confidence bins of the reliability counts (torchmetrics' binning; a
        confidence of exactly 1.0 has a bin of its own): ``Results.calibration``,
        ``ece``, ``mce``; ``None`` skips them.
    objects
        Find the truth objects and the predicted objects of every image (``Results.objects``,
        docs/guide/objects.md); ``False`` skips them.
    min_object_recall
        A truth object is *missed* when the share of its pixels predicted as its class is
        below this (so exactly 0.5 is found with the default).
    instances_key
        Key of a dict batch's instance maps (default ``"instances"``; ``batch_to_xy`` may
        give them as a third element): ids ``class × 1000 + k`` (Cityscapes) are the truth
        objects; without instance maps they are the 8-connected components of each class.
    embed
        Capture model features for the failure map (``Results.embedding("features")``):
        a submodule name (its output, globally average-pooled per image, by a forward
        hook in the same forward, removed afterwards) or ``fn(images) -> (B, D)``;
        ``D <= 2048``, kept float16. ``None``: only the error profile (always there).

    encode_workers
        Threads that encode the kept images and fingerprint the masks beside the pass
        (results in order, at most two batches pending); default one per core this
        process may use (``os.sched_getaffinity``).

    Returns
    -------
    Results
        ``partial`` when interrupted with Ctrl-C.

    Raises
    ------
    AnalysisError, InputError
        At the first batch where bad input shows (or the loader or the model fails),
        naming batch, image and values; ``err.results`` keeps the completed batches
        (``None`` when there are none).
    """
    settings = {name: value for name, value in locals().items() if name not in _POSITIONAL}
    # under torchrun: which dataset images this rank's loader yields
    shard = shard_of(dl, check_timeout(gather_timeout))
    try:
        [results] = run_pass([model], dl, classes, settings, shard, several=False)
    except Exception as err:  # under torchrun the other ranks are told first, then all raise
        fail_together(shard, err)
        raise
    return gather(results, shard)


_POSITIONAL = ("model", "dl", "classes")


def analyze_models(
    models: Sequence[Model], dl: Iterable[Any], classes: Any = None, **analyze_kwargs: Any
) -> list[Results]:
    """Analyse several models over one iteration of ``dl``: each batch is loaded once.

    Data loading is often the bottleneck; this feeds every batch to each model in turn and
    gives what separate ``analyze`` calls would give, model by model.

    Parameters
    ----------
    models
        A list (or tuple) of models, each as for ``analyze``.
    dl, classes
        As for ``analyze``; ``classes=None`` lets each model name its classes.
    **analyze_kwargs
        The keyword arguments of ``analyze``, applied to every model (``device=None``:
        each model's own device).

    Returns
    -------
    list[Results]
        One per model, in order.

    Raises
    ------
    AnalysisError, InputError
        Naming the batch and the model (``"batch 3, model 1: ..."``); ``err.results`` is a
        list with each model's ``Results`` over the batches every model completed
        (``None`` when there are none).
    """
    defaults = {
        name: p.default
        for name, p in inspect.signature(analyze).parameters.items()
        if p.kind is p.KEYWORD_ONLY
    }
    unknown = sorted(set(analyze_kwargs) - set(defaults))
    if unknown:
        raise TypeError(f"analyze_models() got unknown keyword arguments {unknown}")
    if not isinstance(models, list | tuple | torch.nn.ModuleList) or len(models) == 0:
        raise InputError(
            "models must be a non-empty list of models, e.g. analyze_models([model_a, "
            f"model_b], dl), not {type(models).__name__}; for one model use analyze"
        )
    settings = {**defaults, **analyze_kwargs}
    # under torchrun: which dataset images this rank's loader yields
    shard = shard_of(dl, check_timeout(settings["gather_timeout"]))
    try:
        results = run_pass(list(models), dl, classes, settings, shard, several=True)
    except Exception as err:  # as in analyze
        fail_together(shard, err)
        raise
    return [gather(r, shard) for r in results]
