"""The per-image work of the pass that needs no model: encoding for display and fingerprints.

It runs on a worker thread beside the pass (Pillow and hashlib release the GIL), one
batch after another, so the next batch's forward overlaps this batch's encoding. At most
``MAX_PENDING`` batches wait, which bounds the raw arrays held for it.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import ctypes.util
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ..results.image_store import ImageStore
from ..results.imaging import void_value
from ..results.objects_store import ImageObjects
from .fingerprint import truth_fingerprint
from .objects import image_objects

MAX_PENDING = 2


@dataclass(frozen=True)
class EncodedBatch:
    """One batch's encoded images (empty when images are not kept) and truth fingerprints."""

    images: list[dict[str, bytes]]
    fingerprints: NDArray[np.uint64]
    objects: list[ImageObjects]  # empty when the pass looks for no objects


class EncodeError(Exception):
    """Encoding image ``image`` of batch ``batch`` failed; ``__cause__`` says why."""

    def __init__(self, batch: int, image: int, error: BaseException) -> None:
        super().__init__(
            f"batch {batch}, image {image}: encoding it for display raised "
            f"{type(error).__name__}: {error}"
        )
        self.batch, self.image = batch, image


class BatchEncoder:
    """Encodes batches on one worker thread and hands them back in submission order.

    Parameters
    ----------
    n_classes
        ``C``; in the truth handed to ``submit``, ``C`` marks invalid pixels.
    keep_images
        Encode images and masks; otherwise only fingerprint the truth.
    detail_max_side
        Cap on the longer side of the stored detail image (``None``: full resolution).
    objects
        Extract each image's objects (``analysis.objects``) from the truth and ``pred``.
    """

    def __init__(
        self, n_classes: int, keep_images: bool, detail_max_side: int | None, objects: bool = False
    ) -> None:
        self.n_classes = n_classes
        self.objects = objects
        self.store = ImageStore(n_classes) if keep_images else None
        self.detail_max_side = detail_max_side
        self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="segwidget-encode")
        self._jobs: list[cf.Future[EncodedBatch]] = []
        self._settled = 0  # the jobs before this one finished without error

    def submit(
        self,
        batch: int,
        truth: NDArray[np.integer],
        rgb: NDArray[np.uint8] | None = None,
        pred: NDArray[np.integer] | None = None,
        confident: NDArray[np.bool_] | None = None,
        instances: NDArray[np.integer] | None = None,
    ) -> None:
        """Queue one batch: ``(B, H, W)`` truth, and with images ``(B, h, w, 3)`` rgb and pred,
        and ``(B, H, W)`` confident disagreements when the pass looks for them; pred (and
        instance maps when given) when it looks for objects.

        Waits while ``MAX_PENDING`` earlier batches are still unfinished.
        """
        self._settle()
        pending = [job for job in self._jobs[self._settled :] if not job.done()]
        if len(pending) >= MAX_PENDING:
            cf.wait(pending[: len(pending) - MAX_PENDING + 1])
        self._jobs.append(
            self._pool.submit(self._encode, batch, truth, rgb, pred, confident, instances)
        )

    def first_error(self) -> Exception | None:
        """The earliest failure among the batches finished so far (does not wait)."""
        self._settle()
        if self._settled < len(self._jobs) and self._jobs[self._settled].done():
            return self._jobs[self._settled].exception()  # type: ignore[return-value]
        return None

    def _settle(self) -> None:
        """Move past the jobs that finished without error, in order."""
        jobs = self._jobs
        while (
            self._settled < len(jobs)
            and jobs[self._settled].done()
            and jobs[self._settled].exception() is None
        ):
            self._settled += 1

    def finish(self) -> tuple[list[EncodedBatch], Exception | None]:
        """Wait for every batch; the batches before the first failure, and that failure.

        Returns the freed heap to the operating system afterwards (see ``trim_heap``).
        """
        done: list[EncodedBatch] = []
        failure: Exception | None = None
        for job in self._jobs:
            try:
                encoded = job.result()
            except Exception as err:
                failure = failure or err
            else:
                if failure is None:
                    done.append(encoded)
        self._pool.shutdown(wait=True)
        trim_heap()
        return done, failure

    def _encode(
        self,
        batch: int,
        truth: NDArray[np.integer],
        rgb: NDArray[np.uint8] | None,
        pred: NDArray[np.integer] | None,
        confident: NDArray[np.bool_] | None,
        instances: NDArray[np.integer] | None,
    ) -> EncodedBatch:
        fingerprints = np.zeros(truth.shape[0], dtype=np.uint64)
        images, objects = [], []
        store, void = self.store, void_value(self.n_classes)
        for k in range(truth.shape[0]):
            try:
                valid = truth[k] != self.n_classes
                fingerprints[k] = truth_fingerprint(truth[k], valid)
                if self.objects and pred is not None:
                    inst = None if instances is None else instances[k]
                    objects.append(image_objects(truth[k], pred[k], self.n_classes, inst))
                if store is not None and rgb is not None and pred is not None:
                    shown = np.where(valid, truth[k], void)
                    where = None if confident is None else confident[k]
                    images.append(
                        _encode(store, rgb[k], shown, pred[k], self.detail_max_side, where)
                    )
            except Exception as err:
                raise EncodeError(batch, k, err) from err
        return EncodedBatch(images, fingerprints, objects)


def _encode(
    store: ImageStore,
    rgb: NDArray[np.uint8],
    truth: NDArray[np.integer],
    pred: NDArray[np.integer],
    max_side: int | None,
    confident: NDArray[np.bool_] | None,
) -> dict[str, bytes]:
    h, w = truth.shape
    if rgb.shape[:2] != (h, w):  # inputs resized for the model: show at mask size
        rgb = np.asarray(Image.fromarray(rgb).resize((w, h), Image.Resampling.BILINEAR))
    return store.encode(rgb, truth, pred, max_side, confident)


def trim_heap() -> None:
    """Give freed heap memory back to the OS (glibc ``malloc_trim``; a no-op elsewhere).

    The pass frees large per-batch temporaries between long-lived small byte strings;
    glibc keeps such freed pages in the process unless asked to return them.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _load_libc()
