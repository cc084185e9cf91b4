"""The loop of the pass: each batch loaded once, fed to every model, its statistics added to
each model's ``PassState``; an interruption or a failure keeps the batches completed."""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..results.core import Results
from ..results.imaging import make_denormalize
from .adapters import (
    InputError,
    logits_at_mask_size,
    make_batch_to_xy,
    masks_to_index,
)
from .adapters import output_to_logits as default_output_to_logits
from .class_names import class_names, model_class_names, read_classes
from .collect import MetadataCollector
from .distributed import Shard
from .encoder import check_workers
from .errors import AnalysisError
from .features import FeatureCapture
from .inputs import (
    check_default_ignore,
    check_ignore_index,
    check_loader,
    check_models,
    class_colors,
    eval_modes,
    input_hint,
    model_device,
)
from .objects import batch_instances
from .state import PassState

LossFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Model = Callable[[torch.Tensor], Any]
_END = object()  # what ``next`` returns when the loader is exhausted


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


@dataclass
class _Runner:
    """One model of a pass and what it has accumulated."""

    model: Model
    device: torch.device
    names: list[str] | None  # from the model's config.id2label
    state: PassState | None = None
    capture: FeatureCapture | None = None

    def results(self, partial: bool) -> Results:
        """The state's results with the features captured for its images."""
        results = self.state.results(partial=partial)  # type: ignore[union-attr]
        if self.capture is None:
            return results
        return replace(results, features=self.capture.features(results.n_images))


def run_pass(
    models: list[Model],
    dl: Any,
    classes: Any,
    settings: dict[str, Any],
    shard: Shard | None,
    several: bool,
) -> list[Results]:
    """The loop shared by ``analyze`` and ``analyze_models``; ``settings``: analyze's keywords.

    Under torchrun (``shard``), its metadata rows are the shard's (the caller gathers).
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
    if settings["embed"] is not None:
        for runner in runners:
            runner.capture = FeatureCapture(runner.model, settings["embed"])
    done = 0  # images that every model has added
    where = "batch 0"
    bar = tqdm(total=n_batches, desc="segwidget", unit="batch", disable=not settings["progress"])
    try:
        with contextlib.ExitStack() as hooks, eval_modes(models), torch.inference_mode():
            for runner in runners:  # each hook removed when the pass ends, however it ends
                if runner.capture is not None:
                    hooks.enter_context(runner.capture)
            batches = _step(where, "the dataloader", iter, dl)
            for b in itertools.count():
                where = f"batch {b}"
                batch = _step(where, "the dataloader", next, batches, _END)
                if batch is _END:
                    break
                xy = _step(where, "batch_to_xy", to_xy, batch)
                x, y = xy[0], xy[1]
                if not isinstance(x, torch.Tensor):
                    raise InputError(
                        f"{where}: the images are a {type(x).__name__}, not a tensor; "
                        "pass batch_to_xy="
                    )
                masks = masks_to_index(y, where)
                instances = batch_instances(batch, xy, settings["instances_key"], where)
                collected = collector.take(batch, where, masks.shape[0], done)
                for k, runner in enumerate(runners):
                    here = f"{where}, model {k}" if several else where
                    # a copy for all but the last model: none sees what another did in place
                    inputs = x.to(runner.device, copy=k < len(runners) - 1)
                    on_device = masks.to(runner.device)
                    hint = partial(input_hint, runner.model, inputs)
                    output = _step(here, "the model", runner.model, inputs, hint=hint)
                    if runner.capture is not None:
                        runner.capture.take(here, inputs, masks.shape[0])
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
                            calibration_bins=settings["calibration_bins"],
                            objects=settings["objects"],
                            min_object_recall=settings["min_object_recall"],
                            encode_workers=settings["encode_workers"],
                        )
                    try:
                        runner.state.add_batch(
                            b, logits, on_device, x, loss_func, to_uint8, instances
                        )
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
    results = [runner.results(partial=False) for runner in runners]
    try:
        metadata = collector.columns(done, partial=False)
    except InputError as err:
        err.results = _for_caller(results, several)
        raise
    return [replace(r, metadata=metadata) for r in results]


def _completed(
    runners: list[_Runner], done: int, collector: MetadataCollector
) -> list[Results] | None:
    """Each model's results over the ``done`` images every model completed; ``None`` if none."""
    if done == 0:
        return None
    metadata = collector.columns(done, partial=True)
    out = []
    for runner in runners:
        results = runner.results(partial=True)
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
