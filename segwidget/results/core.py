"""``Results``: what one analysis pass keeps, and every question segwidget answers from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from . import metrics, ranking, regions, slices
from .calibration import CalibrationQuestions
from .calibration_counts import CalibrationCounts
from .counts import Counts
from .fmap import FailureMap
from .image_store import ImageStore
from .objects_ranking import ObjectQuestions
from .objects_store import ObjectStore
from .orders import ORDERS
from .parts import check_parts
from .ranking import Ranking
from .sparse import CellIndex, SparseConfusion
from .summary import summarize

ClassRef = int | str
REGIONS = ("boundary", "interior")


class Confusion(NamedTuple):
    """One off-diagonal cell of the pooled matrix."""

    true: str
    pred: str
    pixels: int
    share: float  # of all valid true-``true`` pixels


@dataclass(eq=False)  # arrays do not compare with ==; compare their fields instead
class Results(CalibrationQuestions, ObjectQuestions, FailureMap):
    """Compact statistics of one pass of a model over a dataloader (no logits).

    Attributes
    ----------
    classes
        Class names; index ``c`` of every matrix is ``classes[c]``.
    losses
        Per-image mean loss over valid pixels, float64 ``(N,)``; NaN for images with none.
    image_confusions
        Sparse per-image confusion counts.
    images
        Compressed images and masks for display, or ``None`` when not kept.
    colors
        ``#rrggbb`` per class.
    ignore_index
        Truth value that marks invalid pixels, or ``None``.
    partial
        True when the pass stopped early (interrupted, or an error); what is here is
        the images of the batches that completed.
    nonfinite_pixels
        Per image, pixels whose logits were NaN or infinite.
    calibration_counts
        Per-image reliability counts (``calibration_counts``), or ``None``.
    object_records
        Per image, its truth objects and false predicted objects (``ObjectQuestions``), or
        ``None`` when analysed with ``objects=False``.
    features
        Per image, the model features ``analyze(..., embed=...)`` captured, ``(N, D)``.
    maps
        The 2D maps computed so far by ``map(kind)`` (cached, saved), ``(N, 2)`` float32.
    """

    classes: list[str]
    losses: NDArray[np.float64]
    image_confusions: SparseConfusion
    images: ImageStore | None
    colors: list[str]
    ignore_index: int | None = 255
    partial: bool = False
    nonfinite_pixels: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    boundary_confusions: SparseConfusion | None = None
    confident_confusions: SparseConfusion | None = None
    boundary_width: int | None = None
    confidence: float | None = None
    fingerprints: NDArray[np.uint64] | None = None
    image_sizes: NDArray[np.int64] | None = None
    dataset_indices: NDArray[np.int64] | None = None
    calibration_counts: CalibrationCounts | None = None
    metadata: dict[str, NDArray[Any]] = field(default_factory=dict)
    tags: dict[str, list[int]] = field(default_factory=dict)
    object_records: ObjectStore | None = None
    features: NDArray[np.float16] | NDArray[np.float32] | None = None  # analyze(embed=)
    maps: dict[str, NDArray[np.float32]] = field(default_factory=dict, init=False, repr=False)
    _profiles: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _counts: dict[str, Counts] = field(default_factory=dict, init=False, repr=False)
    _confident: Counts | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.nonfinite_pixels.size == 0:
            self.nonfinite_pixels = np.zeros(self.losses.size, dtype=np.int64)
        check_parts(self)

    def __repr__(self) -> str:
        state = "partial " if self.partial else ""
        return (
            f"<{state}Results: {self.n_images} images, {self.n_classes} classes, "
            f"mean IoU {self.mean_iou():.3f}, pixel accuracy {self.pixel_accuracy():.3f}>"
        )

    # -- sizes and derived arrays ---------------------------------------------------------
    @property
    def n_images(self) -> int:
        return int(self.losses.size)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def counts(self, region: str | None = None) -> Counts:
        """The per-image counts of a region with their derived arrays (cached).

        Parameters
        ----------
        region
            ``None`` for every valid pixel, ``"boundary"`` for the boundary band,
            ``"interior"`` for the rest (needs a pass with ``boundary_width``).
        """
        key = region or "all"
        if key not in self._counts:
            self._counts[key] = Counts(self._region_counts(region))
        return self._counts[key]

    def confident_counts(self) -> Counts:
        """The per-image counts of confident disagreements (needs a pass with ``confidence``)."""
        if self._confident is None:
            self._confident = Counts(regions.checked_confident(self))
        return self._confident

    def _region_counts(self, region: str | None) -> SparseConfusion:
        if region is None or region == "all":
            return self.image_confusions
        if region not in REGIONS:
            raise ValueError(f"region must be None, 'boundary' or 'interior'; got {region!r}")
        if self.boundary_confusions is None:
            raise ValueError(
                f"region={region!r} needs boundary counts: these results were analysed "
                "without a boundary band (boundary_width=None)"
            )
        if region == "boundary":
            return self.boundary_confusions
        return self.image_confusions.minus(self.boundary_confusions)

    @property
    def _pooled(self) -> NDArray[np.int64]:
        return self.counts().pooled

    @property
    def cell_index(self) -> CellIndex:
        """For each cell ``t * C + p``, the images having it and their pixel counts."""
        return self.counts().cell_index

    @property
    def true_totals(self) -> NDArray[np.int64]:
        """``(N, C)``: per image, valid pixels whose truth is each class."""
        return self.counts().true_totals

    @property
    def pred_totals(self) -> NDArray[np.int64]:
        """``(N, C)``: per image, valid pixels predicted as each class."""
        return self.counts().pred_totals

    def dataset_index(self) -> NDArray[np.int64]:
        """Per image, its index in the dataset (``0..N-1`` unless a subset or merge says so)."""
        if self.dataset_indices is None:
            return np.arange(self.n_images, dtype=np.int64)
        return self.dataset_indices

    def class_index(self, ref: ClassRef) -> int:
        """A class name or index → its index (with a clear error when it is neither)."""
        if isinstance(ref, str):
            if ref not in self.classes:
                raise KeyError(f"no class named {ref!r}; classes are {self.classes}")
            return self.classes.index(ref)
        if isinstance(ref, bool) or not isinstance(ref, int | np.integer):
            raise TypeError(f"a class is a name or an index, not {type(ref).__name__}")
        if not 0 <= int(ref) < self.n_classes:
            raise IndexError(  # summarize: str() of an int over 4300 digits raises ValueError
                f"class index {summarize(ref)} out of range for {self.n_classes} classes"
            )
        return int(ref)

    # -- fastai v1's interpretation, public and correct --------------------------------------
    def top_losses(
        self, k: int | None = None, largest: bool = True
    ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """The ``k`` images with the highest (or lowest) loss.

        Returns
        -------
        (losses, indices)
            Sorted; images with no valid pixel (NaN loss) come last either way.
        """
        order = ranking.by_loss(self.losses, largest=largest).indices[:k]
        return self.losses[order], order

    def confusion(
        self, normalize: str | None = None, region: str | None = None
    ) -> NDArray[np.int64] | NDArray[np.float64]:
        """The pooled confusion matrix ``CM = Σ_n cm_n``.

        Parameters
        ----------
        normalize
            ``None`` for pixel counts (int64), ``"true"`` for the share of true-``t``
            pixels predicted ``p`` (rows sum to 1), ``"pred"`` for columns summing to 1.
        region
            ``None`` (every valid pixel), ``"boundary"`` or ``"interior"``.
        """
        pooled = self.counts(region).pooled
        if normalize is None:
            return np.copy(pooled)
        return metrics.normalize(pooled, normalize)

    def mean_confusion(self) -> NDArray[np.float64]:
        """fastai's ``mean_cm``: per-image row-normalised matrices averaged over the images
        whose truth contains each row's class. Its diagonal is mean per-image *recall*."""
        sparse = self.image_confusions
        return metrics.mean_row_normalized(
            sparse.entry_image, sparse.cell, sparse.count, sparse.entry_row_totals(),
            self.n_classes,
        )  # fmt: skip

    def image_confusion(self, i: int, region: str | None = None) -> NDArray[np.int64]:
        """Image ``i``'s dense ``(C, C)`` confusion counts (fastai's ``single_img_cm[i]``)."""
        return self.counts(region).sparse.image(int(i))

    def confident_confusion(
        self, normalize: str | None = None
    ) -> NDArray[np.int64] | NDArray[np.float64]:
        """Pooled counts of confident disagreements (valid, prediction ≠ truth, conf ≥ τ);
        ``normalize="true"``/``"pred"`` divides by *all* valid true-t/predicted-p pixels."""
        return regions.confident_confusion(self, normalize)

    def image_confident_confusion(self, i: int) -> NDArray[np.int64]:
        """Image ``i``'s dense ``(C, C)`` counts of confident disagreements."""
        return self.confident_counts().sparse.image(int(i))

    def suspect_labels(self, k: int | None = None) -> Ranking:
        """Images by label-suspicion score (confident-disagreement pixels / valid pixels),
        highest first, then more such pixels, then lower index; only images with one."""
        return regions.suspect_labels(self, k)

    def boundary_error_share(self) -> float:
        """Share of all wrong pixels that lie in the boundary band (NaN when none is wrong)."""
        return regions.boundary_error_share(self)

    def mean_iou(self) -> float:
        """Mean of per-class IoU over the classes where it is defined."""
        return metrics.mean_iou(self._pooled)

    def pixel_accuracy(self) -> float:
        """Share of valid pixels predicted correctly."""
        return metrics.pixel_accuracy(self._pooled)

    def mean_loss(self) -> float:
        """Mean of the per-image losses over images with a valid pixel."""
        finite = self.losses[~np.isnan(self.losses)]
        return float(finite.mean()) if finite.size else float("nan")

    def class_table(self, by: str | None = None, bins: Any = None) -> Any:
        """Per-class IoU, recall, precision, support (pixels), image count, and with boundary
        counts ``regions.band_columns`` (band and interior IoU, share of errors in the band).

        NaN where a score is undefined (0/0). A pandas DataFrame indexed by class name
        when pandas is installed (``.attrs`` holds ``mean_iou`` and ``pixel_accuracy``),
        else a list of dicts. ``by``: one table per value of a column (see ``where``), or per
        bin of a numeric one (``bins``), side by side (``slices.class_table_by``).
        """
        if by is not None:
            return slices.class_table_by(self, by, bins)
        from .tables import class_table

        return class_table(self)

    def most_confused(self, k: int = 10, min_pixels: int = 1) -> list[Confusion]:
        """The ``k`` largest off-diagonal cells with at least ``min_pixels`` pixels.

        Ordered by pixels (ties by share, then class order); ``share`` is the row-normalised
        value, the fraction of all true-``true`` pixels predicted ``pred``.
        """
        cm = self._pooled.copy()
        np.fill_diagonal(cm, 0)
        share = metrics.normalize(self._pooled, "true")
        t, p = np.nonzero(cm >= max(min_pixels, 1))
        perm = np.lexsort((p, t, -share[t, p], -cm[t, p]))[:k]
        return [
            Confusion(self.classes[a], self.classes[b], int(cm[a, b]), float(share[a, b]))
            for a, b in zip(t[perm], p[perm], strict=True)
        ]

    def rank(
        self,
        true: ClassRef | None = None,
        pred: ClassRef | None = None,
        by: str = "share",
        loss_range: tuple[float, float] | None = None,
        region: str | None = None,
    ) -> Ranking:
        """The images the gallery shows for a selection, in its order (DESIGN.md's ranking).

        Parameters
        ----------
        true, pred
            The selected cell (names or indices). Both ``None``: all images by loss,
            highest first. ``true == pred`` (or ``pred`` omitted): the images whose truth
            or prediction contains the class, lowest IoU for it first. Otherwise the
            images with true-``true`` pixels predicted ``pred``.
        by
            For an off-diagonal cell: ``"share"`` (of the image's true-``true`` pixels)
            or ``"pixels"``. ``"confident"`` (``region=None``): by confident disagreements,
            PROTOCOL.md's rules (nothing selected: ``suspect_labels()``).
        loss_range
            ``(lo, hi)``: keep only images with ``lo <= loss <= hi``.
        region
            Rank by the counts of ``"boundary"`` or ``"interior"`` pixels only (the same
            rules on that region's counts); ``None`` for every valid pixel.

        Returns
        -------
        Ranking
            ``indices`` in display order and the ``scores`` they were ranked by (loss,
            share or pixels, or IoU).
        """
        if by not in ORDERS:
            raise ValueError(f"by must be one of {tuple(ORDERS)}, got {by!r}")
        t = p = None
        if true is not None or pred is not None:
            t = self.class_index(true if true is not None else pred)  # type: ignore[arg-type]
            p = self.class_index(pred) if pred is not None else t
        ranked = ORDERS[by](self, t, p, region)
        if loss_range is not None:
            ranked = ranking.within_loss(ranked, self.losses, *map(float, loss_range))
        return ranked

    def subset(self, indices: Any) -> Results:
        """``Results`` of the images ``indices`` (unique, in that order), everything kept.

        ``dataset_indices`` of the subset map its images back to the dataset; tags keep
        the images they had that are in the subset.
        """
        from .subset import take

        return take(self, indices)

    def where(self, conditions: dict[str, Any] | None = None, /, **more: Any) -> Results:
        """The images meeting every condition on ``segwidget.image_columns`` (``slices``),
        e.g. ``r.where(sky=["overcast"], cars=[2, None])``, ``r.where({"tag:x": True})``."""
        return slices.where(self, conditions, more)

    # -- pictures and persistence -----------------------------------------------------------
    def show(self, i: int) -> Image.Image:
        """Image ``i``: image | truth | prediction | errors (fastai's ``show_xyz``)."""
        from .figure import render_image_row

        return render_image_row(self, int(i))

    def save(self, path: str | Path) -> Path:
        """Write to one ``.npz`` file (no pickle); ``segwidget.load`` reads it back."""
        from ..savefile.persist import save_results

        return save_results(self, Path(path))

    def save_html(self, path: str | Path, **options: Any) -> Path:
        """One self-contained HTML report of these results; options as ``SegExplorer.save_html``."""
        from ..report.build import save_results_html

        return save_results_html(self, path, **options)
