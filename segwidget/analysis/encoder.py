"""The per-image work of the pass that needs no model: encoding for display and fingerprints.

It runs on a pool of worker threads beside the pass (Pillow, zlib, hashlib and numpy's
large array operations release the GIL), one job per image, so the next batch's forward
overlaps this batch's encoding and the images of a batch spread over the cores. Batches
come back in submission order. At most ``MAX_PENDING`` batches wait, which bounds the raw
arrays held for it whatever the number of workers.

The job is ``encode_image``: it takes one batch's host arrays (``HostBatch``) and an image
index and returns that image's ``ImageRecord``. Another per-image computation on the host
(on the workers, beside the encoding) is a field of ``ImageRecord``, a line in
``encode_image``, and its list gathered in ``EncodedBatch.from_records``.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import ctypes.util
import numbers
import os
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..results.image_store import ImageStore
from ..results.objects_store import ImageObjects
from .adapters import InputError
from .fingerprint import truth_fingerprint
from .objects import image_objects

MAX_PENDING = 2


def default_workers() -> int:
    """The cores this process may run on (``os.sched_getaffinity`` where present)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def check_workers(workers: int | None) -> int:
    """``encode_workers`` checked: a whole number >= 1, or ``None`` for ``default_workers()``."""
    if workers is None:
        return default_workers()
    if not isinstance(workers, numbers.Integral) or isinstance(workers, bool) or workers < 1:
        raise InputError(
            "encode_workers must be a whole number of threads >= 1, or None for one per "
            f"core available; got {workers!r}"
        )
    return int(workers)


@dataclass(frozen=True)
class HostBatch:
    """One batch's host arrays: ``(B, H, W)`` truth (``C`` marks invalid pixels), and with
    images ``(B, h, w, 3)`` pictures (any size: resized to the detail's), ``(B, H, W)``
    predictions (also for the objects) and, when the pass looks for them, confident
    disagreements; the instance maps when the loader gives them."""

    batch: int
    truth: NDArray[np.integer]
    rgb: NDArray[np.uint8] | None = None
    pred: NDArray[np.integer] | None = None
    confident: NDArray[np.bool_] | None = None
    instances: NDArray[np.integer] | None = None


@dataclass(frozen=True)
class ImageRecord:
    """What the workers compute for one image."""

    parts: dict[str, bytes] | None  # the stored parts; None when images are not kept
    fingerprint: np.uint64
    objects: ImageObjects | None  # its truth and false objects; None when not looked for


@dataclass(frozen=True)
class EncodedBatch:
    """One batch's encoded images (empty when images are not kept), truth fingerprints and
    objects (empty when not looked for)."""

    images: list[dict[str, bytes]]
    fingerprints: NDArray[np.uint64]
    objects: list[ImageObjects]

    @classmethod
    def from_records(cls, records: list[ImageRecord]) -> EncodedBatch:
        return cls(
            [r.parts for r in records if r.parts is not None],
            np.array([r.fingerprint for r in records], dtype=np.uint64),
            [r.objects for r in records if r.objects is not None],
        )


class EncodeError(Exception):
    """Encoding image ``image`` of batch ``batch`` failed; ``__cause__`` says why."""

    def __init__(self, batch: int, image: int, error: BaseException) -> None:
        super().__init__(
            f"batch {batch}, image {image}: encoding it for display raised "
            f"{type(error).__name__}: {error}"
        )
        self.batch, self.image = batch, image


def encode_image(
    job: HostBatch,
    k: int,
    n_classes: int,
    store: ImageStore | None,
    max_side: int | None,
    objects: bool = False,
) -> ImageRecord:
    """Image ``k`` of ``job``: its stored parts (with ``store``), its truth fingerprint and,
    with ``objects``, its objects (``analysis.objects``).

    Raises
    ------
    EncodeError
        Naming the batch and the image, whatever went wrong.
    """
    try:
        truth = job.truth[k]
        fingerprint = truth_fingerprint(truth, truth != n_classes)
        parts = None
        if store is not None and job.rgb is not None and job.pred is not None:
            where = None if job.confident is None else job.confident[k]
            parts = store.encode(job.rgb[k], truth, job.pred[k], max_side, where, invalid=n_classes)
        found = None
        if objects and job.pred is not None:
            inst = None if job.instances is None else job.instances[k]
            found = image_objects(truth, job.pred[k], n_classes, inst)
        return ImageRecord(parts, fingerprint, found)
    except Exception as err:
        raise EncodeError(job.batch, k, err) from err


class BatchEncoder:
    """Encodes batches on a pool of worker threads and hands them back in submission order.

    Parameters
    ----------
    n_classes
        ``C``; in the truth handed to ``submit``, ``C`` marks invalid pixels.
    keep_images
        Encode images and masks; otherwise only fingerprint the truth.
    detail_max_side
        Cap on the longer side of the stored detail image (``None``: full resolution).
    workers
        Worker threads; ``None``: ``default_workers()``.
    objects
        Extract each image's objects from the truth and the predictions.
    """

    def __init__(
        self,
        n_classes: int,
        keep_images: bool,
        detail_max_side: int | None,
        workers: int | None = None,
        objects: bool = False,
    ) -> None:
        self.n_classes = n_classes
        self.objects = objects
        self.store = ImageStore(n_classes) if keep_images else None
        self.detail_max_side = detail_max_side
        self.workers = check_workers(workers)
        self._pool = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="segwidget-encode")
        self._jobs: list[list[cf.Future[ImageRecord]]] = []  # per batch, one per image
        self._settled = 0  # the batches before this one finished without error

    def submit(
        self,
        batch: int,
        truth: NDArray[np.integer],
        rgb: NDArray[np.uint8] | None = None,
        pred: NDArray[np.integer] | None = None,
        confident: NDArray[np.bool_] | None = None,
        instances: NDArray[np.integer] | None = None,
    ) -> None:
        """Queue one batch (``HostBatch``'s arrays), one job per image.

        Waits while ``MAX_PENDING`` earlier batches are still unfinished.
        """
        self._settle()
        pending = [jobs for jobs in self._jobs[self._settled :] if not _done(jobs)]
        if len(pending) >= MAX_PENDING:
            for jobs in pending[: len(pending) - MAX_PENDING + 1]:
                cf.wait(jobs)
        job = HostBatch(batch, truth, rgb, pred, confident, instances)
        store, side, c = self.store, self.detail_max_side, self.n_classes
        self._jobs.append(
            [
                self._pool.submit(encode_image, job, k, c, store, side, self.objects)
                for k in range(truth.shape[0])
            ]
        )

    def first_error(self) -> Exception | None:
        """The earliest failure among the batches finished so far (does not wait)."""
        self._settle()
        if self._settled < len(self._jobs) and _done(self._jobs[self._settled]):
            return _error(self._jobs[self._settled])
        return None

    def _settle(self) -> None:
        """Move past the batches that finished without error, in order."""
        jobs = self._jobs
        while (
            self._settled < len(jobs)
            and _done(jobs[self._settled])
            and _error(jobs[self._settled]) is None
        ):
            self._settled += 1

    def finish(self) -> tuple[list[EncodedBatch], Exception | None]:
        """Wait for every batch; the batches before the first failure, and that failure.

        After a failure the images not yet started are cancelled. The worker threads are
        gone when this returns (also when interrupted while waiting), and the freed heap is
        given back to the operating system (see ``trim_heap``).
        """
        done: list[EncodedBatch] = []
        failure: Exception | None = None
        try:
            for jobs in self._jobs:
                cf.wait(jobs)
                failure = _error(jobs)
                if failure is not None:
                    break
                done.append(EncodedBatch.from_records([job.result() for job in jobs]))
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        trim_heap()
        return done, failure


def _done(jobs: list[cf.Future[ImageRecord]]) -> bool:
    return all(job.done() for job in jobs)


def _error(jobs: list[cf.Future[ImageRecord]]) -> Exception | None:
    """The first image's failure in a finished batch, in image order."""
    for job in jobs:
        error = job.exception()
        if error is not None:
            return error  # type: ignore[return-value]
    return None


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
