"""The streaming pass: one forward per batch and model, statistics on the model's device, no logits
kept. ``analyze`` runs one model; ``analyze_models`` feeds each batch, loaded once, to several."""

from __future__ import annotations

import inspect
import itertools
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..results.core import Results
from ..results.imaging import Denormalize, make_denormalize
from .adapters import (
    BatchToXY,
    InputError,
    OutputToLogits,
    logits_at_mask_size,
    make_batch_to_xy,
    masks_to_index,
)
from .adapters import output_to_logits as default_output_to_logits
from .class_names import class_names, model_class_names, read_classes
from .collect import MetadataCollector
from .distributed import Shard, gather, shard_of
from .encoder import check_workers
from .inputs import (
    DEFAULT_IGNORE_INDEX,
    check_default_ignore,
    check_ignore_index,
    check_loader,
    check_models,
    class_colors,
    eval_modes,
    input_hint,
    model_device,
)
from .state import PassState

LossFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Model = Callable[[torch.Tensor], Any]
_END = object()  # what ``next`` returns when the loader is exhausted


class AnalysisError(RuntimeError):
    """The pass stopped at a batch; ``.results`` holds the batches completed before it
    (for ``analyze_models``, a list with one ``Results`` per model)."""

    results: Any = None


def _step(
    where: str,
    what: str,
    fn: Callable[..., Any],
    *args: Any,
    hint: Callable[[BaseException], str] | None = None,
) -> Any:
    """Run one step of a batch so that whatever it raises names the batch."""
    try:
        return fn(*args)
    except InputError as err:  # the adapters' own errors do not know the batch
        raise InputError(f"{where}: {err}") from err
    except Exception as err:
        extra = hint(err) if hint is not None else ""
        raise AnalysisError(f"{where}: {what} raised {type(err).__name__}: {err}{extra}") from err


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
    shard = shard_of(dl)  # under torchrun: which dataset images this rank's loader yields
    return _run_pass([model], dl, classes, settings, shard, several=False)[0]


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
    shard = shard_of(dl)  # under torchrun: which dataset images this rank's loader yields
    return _run_pass(list(models), dl, classes, settings, shard, several=True)


@dataclass
class _Runner:
    """One model of a pass and what it has accumulated."""

    model: Model
    device: torch.device
    names: list[str] | None  # from the model's config.id2label
    state: PassState | None = None


def _run_pass(
    models: list[Model],
    dl: Any,
    classes: Any,
    settings: dict[str, Any],
    shard: Shard | None,
    several: bool,
) -> list[Results]:
    """The loop shared by ``analyze`` and ``analyze_models``; ``settings``: analyze's keywords.

    Under torchrun (``shard``), each model's results go to rank 0, which merges them.
    """
    check_models(models, several)
    given = read_classes(classes)
    n_batches = check_loader(dl)
    ignore_index = check_ignore_index(settings["ignore_index"])
    check_workers(settings["encode_workers"])  # before the first forward
    order = None if shard is None else shard.indices
    collector = MetadataCollector(settings["metadata"], settings["collect"], dl, order)
    to_xy = settings["batch_to_xy"] or make_batch_to_xy(settings["image_key"], settings["mask_key"])
    to_logits = settings["output_to_logits"] or default_output_to_logits
    to_uint8 = make_denormalize(settings["denormalize"], settings["mean"], settings["std"])
    loss_func = settings["loss_func"]  # None: the pass's own cross-entropy
    runners = [
        _Runner(model, model_device(model, settings["device"]), model_class_names(model))
        for model in models
    ]
    done = 0  # images that every model has added
    where = "batch 0"
    bar = tqdm(total=n_batches, desc="segwidget", unit="batch", disable=not settings["progress"])
    try:
        with eval_modes(models), torch.inference_mode():
            batches = _step(where, "the dataloader", iter, dl)
            for b in itertools.count():
                where = f"batch {b}"
                batch = _step(where, "the dataloader", next, batches, _END)
                if batch is _END:
                    break
                x, y = _step(where, "batch_to_xy", to_xy, batch)
                if not isinstance(x, torch.Tensor):
                    raise InputError(
                        f"{where}: the images are a {type(x).__name__}, not a tensor; "
                        "pass batch_to_xy="
                    )
                masks = masks_to_index(y, where)
                collected = collector.take(batch, where, masks.shape[0], done)
                for k, runner in enumerate(runners):
                    here = f"{where}, model {k}" if several else where
                    # a copy for all but the last model: none sees what another did in place
                    inputs = x.to(runner.device, copy=k < len(runners) - 1)
                    on_device = masks.to(runner.device)
                    hint = partial(input_hint, runner.model, inputs)
                    output = _step(here, "the model", runner.model, inputs, hint=hint)
                    raw = _step(here, "output_to_logits", to_logits, output)
                    logits = logits_at_mask_size(raw, on_device, here)
                    if runner.state is None:
                        channels, outputs = logits.shape[1], raw.shape[1]
                        names = class_names(given, runner.names, channels, outputs, here)
                        check_default_ignore(ignore_index, names, here)
                        runner.state = PassState(
                            names,
                            class_colors(len(names), settings["colors"], here),
                            None if ignore_index is None else int(ignore_index),
                            settings["keep_images"],
                            boundary_width=settings["boundary_width"],
                            confidence=settings["confidence"],
                            detail_max_side=settings["detail_max_side"],
                            encode_workers=settings["encode_workers"],
                        )
                    try:
                        runner.state.add_batch(b, logits, on_device, x, loss_func, to_uint8)
                    except InputError as err:
                        if not several:
                            raise
                        raise InputError(_name_model(str(err), where, here)) from err
                    except Exception as err:  # loss_func, denormalize or image encoding
                        raise AnalysisError(
                            f"{here}: computing its statistics raised {type(err).__name__}: {err}"
                        ) from err
                collector.commit(collected)
                done += masks.shape[0]
                bar.update()
    except KeyboardInterrupt:
        completed = _completed(runners, done, collector)
        if completed is None:
            raise
        warnings.warn(
            f"analysis interrupted after {done} images; the results are partial", stacklevel=3
        )
        return completed
    except (InputError, AnalysisError) as err:
        err.results = _for_caller(_completed(runners, done, collector), several)
        raise
    except Exception as err:  # anything else still names the batch and keeps what was done
        error = AnalysisError(f"{where}: {type(err).__name__}: {err}")
        error.results = _for_caller(_completed(runners, done, collector), several)
        raise error from err
    finally:
        bar.close()
        for runner in runners:  # no encoder thread outlives the pass, whatever stopped it
            if runner.state is not None:
                runner.state.close()
    if runners[0].state is None:
        raise InputError(f"the dataloader yielded no batches ({type(dl).__name__})")
    results = [runner.state.results(partial=False) for runner in runners]  # type: ignore[union-attr]
    try:
        metadata = collector.columns(done, partial=False)
    except InputError as err:
        err.results = _for_caller(results, several)
        raise
    return [gather(replace(r, metadata=metadata), shard) for r in results]


def _completed(
    runners: list[_Runner], done: int, collector: MetadataCollector
) -> list[Results] | None:
    """Each model's results over the ``done`` images every model completed; ``None`` if none."""
    if done == 0:
        return None
    metadata = collector.columns(done, partial=True)
    out = []
    for runner in runners:
        results = runner.state.results(partial=True)  # type: ignore[union-attr]
        if results.n_images > done:  # it added the batch that stopped another model
            results = replace(results.subset(np.arange(done)), dataset_indices=None)
        out.append(replace(results, metadata=metadata))
    return out


def _for_caller(results: list[Results] | None, several: bool) -> Any:
    """``err.results``: the list for ``analyze_models``, the one ``Results`` for ``analyze``."""
    return results if several or results is None else results[0]


def _name_model(message: str, where: str, here: str) -> str:
    """``"batch 3, image 2: ..."`` → ``"batch 3, model 1, image 2: ..."``."""
    for sep in (":", ","):
        if message.startswith(where + sep):
            return here + message[len(where) :]
    return f"{here}: {message}"
