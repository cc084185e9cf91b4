"""Two models on the same images: what got better, what broke, and on which images.

``segwidget.compare(results_a, results_b)`` checks that both ``Results`` describe the same
images (classes, number, ``ignore_index`` and every image's truth fingerprint) and
returns a ``Comparison``. Every difference is ``B − A``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import metrics
from .comparison_ranking import ImageScores, image_scores, rank_changes
from .core import ClassRef, Results
from .ranking import Ranking
from .tables import as_table

MODELS = ("A", "B", "delta")
SCORES = ("iou", "recall", "precision")


class ConfusionChange(NamedTuple):
    """One off-diagonal cell of the pooled matrices and how its share changed from A to B."""

    true: str
    pred: str
    share_a: float  # of all valid true-``true`` pixels, in A
    share_b: float
    delta: float  # share_b − share_a
    pixels_a: int
    pixels_b: int


class MostChanged(NamedTuple):
    """The confusions that grew most (B confuses more) and that shrank most."""

    grew: list[ConfusionChange]
    shrank: list[ConfusionChange]


@dataclass(eq=False)  # arrays do not compare with ==
class Comparison:
    """Two ``Results`` of different models over the same images (see ``segwidget.compare``).

    Attributes
    ----------
    a, b
        The two passes; differences are ``b − a``.
    names
        Display names of A and B.
    """

    a: Results
    b: Results
    names: tuple[str, str] = ("A", "B")

    def __post_init__(self) -> None:
        self.names = _checked_names(self.names)
        _check_same_images(self.a, self.b, self.names)

    def __repr__(self) -> str:
        (na, nb), iou = self.names, self.summary()["mean_iou"]
        return (
            f"<Comparison {na!r} → {nb!r}: {self.n_images} images, {self.n_classes} classes, "
            f"mean IoU {iou[0]:.3f} → {iou[1]:.3f} ({iou[2]:+.3f})>"
        )

    @property
    def classes(self) -> list[str]:
        return self.a.classes

    @property
    def n_images(self) -> int:
        return self.a.n_images

    @property
    def n_classes(self) -> int:
        return self.a.n_classes

    def results(self, model: str) -> Results:
        """``"A"`` or ``"B"`` → that model's ``Results``."""
        if model not in MODELS[:2]:
            raise ValueError(f"model must be 'A' or 'B', got {model!r}")
        return self.a if model == "A" else self.b

    def summary(self) -> dict[str, tuple[float, float, float]]:
        """Mean IoU, pixel accuracy and mean loss: ``(A, B, B − A)`` each."""
        out = {}
        for name in ("mean_iou", "pixel_accuracy", "mean_loss"):
            value_a, value_b = getattr(self.a, name)(), getattr(self.b, name)()
            out[name] = (value_a, value_b, value_b - value_a)
        return out

    def ece(self) -> tuple[float, float, float]:
        """Expected calibration error: ``(A, B, B − A)`` (``Results.ece``)."""
        from .calibration import comparison_ece

        return comparison_ece(self)

    def class_table(self) -> Any:
        """Per-class IoU, recall and precision of A, B and their difference, with support.

        Columns ``iou_a``, ``iou_b``, ``iou_delta`` (B − A), the same for ``recall`` and
        ``precision``, then ``support`` (pixels) and ``images`` (images whose truth holds
        the class), which A and B share. NaN where a score is undefined in A or B. A pandas
        DataFrame indexed by class name when pandas is installed (``.attrs`` holds
        ``names`` and ``summary()``), else a list of dicts.
        """
        cm_a, cm_b = self.a.confusion(), self.b.confusion()
        columns: dict[str, NDArray[Any]] = {}
        for score in SCORES:
            value_a, value_b = getattr(metrics, score)(cm_a), getattr(metrics, score)(cm_b)
            columns.update({f"{score}_a": value_a, f"{score}_b": value_b,
                            f"{score}_delta": value_b - value_a})  # fmt: skip
        columns["support"] = metrics.support(cm_a)
        columns["images"] = (self.a.true_totals > 0).sum(axis=0)
        summary: dict[str, Any] = {"names": self.names, **self.summary()}
        return as_table(self.classes, columns, **summary)

    def confusion(
        self, model: str = "delta", normalize: str | None = "true"
    ) -> NDArray[np.int64] | NDArray[np.float64]:
        """A pooled confusion matrix: A's, B's, or ``"delta"``, B's minus A's.

        Parameters
        ----------
        model
            ``"A"``, ``"B"`` or ``"delta"``.
        normalize
            As ``Results.confusion``: ``"true"`` (rows sum to 1, the default), ``"pred"``
            (columns) or ``None`` (pixel counts). The delta is taken after normalising; it
            is NaN where a row (column) is empty in A or B.
        """
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {model!r}")
        if model != "delta":
            return self.results(model).confusion(normalize)
        return self.b.confusion(normalize) - self.a.confusion(normalize)

    def most_changed(self, k: int = 10) -> MostChanged:
        """The ``k`` off-diagonal cells whose pooled share of true pixels grew, and shrank, most.

        ``share = CM[t, p] / Σ_q CM[t, q]`` of each model. ``grew``: ``delta > 0``, largest
        first; ``shrank``: ``delta < 0``, most negative first; ties in class order ``(t, p)``.
        """
        cm_a, cm_b = self.a.confusion(), self.b.confusion()
        share_a, share_b = metrics.normalize(cm_a, "true"), metrics.normalize(cm_b, "true")
        delta = share_b - share_a
        np.fill_diagonal(delta, np.nan)  # NaN: excluded, as are rows absent from the truth

        def change(t: int, p: int) -> ConfusionChange:
            return ConfusionChange(
                self.classes[t], self.classes[p], float(share_a[t, p]), float(share_b[t, p]),
                float(delta[t, p]), int(cm_a[t, p]), int(cm_b[t, p]),
            )  # fmt: skip

        changes = []
        for sign in (1.0, -1.0):
            t, p = np.nonzero(sign * delta > 0)
            order = np.lexsort((p, t, -sign * delta[t, p]))[:k]
            changes.append([change(i, j) for i, j in zip(t[order], p[order], strict=True)])
        return MostChanged(*changes)

    def image_scores(
        self, true: ClassRef | None = None, pred: ClassRef | None = None
    ) -> ImageScores:
        """Per image, the score a selection ranks by, for A and B, and the change ``b − a``.

        Nothing selected: the loss. Off-diagonal ``(true, pred)``: the share of the image's
        true-``true`` pixels predicted ``pred`` (NaN without true-``true`` pixels).
        ``true == pred`` (or ``pred`` omitted): the image's IoU for the class (NaN where
        neither its truth nor that model's prediction holds it). Arrays of length N.
        """
        t, p = self._selection(true, pred)
        return image_scores(self.a.counts(), self.b.counts(), self.a.losses, self.b.losses, t, p)

    def rank(
        self,
        true: ClassRef | None = None,
        pred: ClassRef | None = None,
        direction: str = "worse",
    ) -> Ranking:
        """The images where B got worse (or better) than A for a selection, most changed first.

        Parameters
        ----------
        true, pred
            The selected cell, as in ``Results.rank``. Nothing: every image by
            ``loss_B − loss_A`` (NaN last). Off-diagonal ``(t, p)``: the images with
            true-``t`` pixels whose share predicted ``p`` rose (``"worse"``) or fell
            (``"better"``). Diagonal ``(c, c)``: the images whose IoU for ``c`` fell
            (``"worse"``) or rose (``"better"``).
        direction
            ``"worse"`` or ``"better"``.

        Returns
        -------
        Ranking
            ``indices`` in display order; ``scores`` the changes ``B − A`` (PROTOCOL.md,
            "Comparison ranking"). Ties go to the lower index.
        """
        t, p = self._selection(true, pred)
        delta = self.image_scores(t, p).delta
        selection = "loss" if t is None else "iou" if t == p else "confusion"
        return rank_changes(delta, selection, direction)

    def object_changes(self) -> tuple[Any, Any]:
        """Truth objects B misses that A found, and those A misses that B found: two tables
        of ``Results.objects()`` rows (B's, then A's), matched by image, class, size and box."""
        from .objects_compare import object_changes

        return object_changes(self.a, self.b)

    def save(self, path: str | Path) -> Path:
        """Write both results and the names into the directory ``path`` (``segwidget.load``)."""
        from ..savefile.comparison import save_comparison

        return save_comparison(self, Path(path))

    def _selection(
        self, true: ClassRef | None, pred: ClassRef | None
    ) -> tuple[int | None, int | None]:
        if true is None and pred is None:
            return None, None
        t = self.a.class_index(true if true is not None else pred)  # type: ignore[arg-type]
        return t, self.a.class_index(pred) if pred is not None else t


def compare(
    results_a: Results, results_b: Results, names: tuple[str, str] = ("A", "B")
) -> Comparison:
    """Compare two models' ``Results`` over the same images.

    Parameters
    ----------
    results_a, results_b
        Passes of two models over the same loader, in the same order (each with truth
        fingerprints, which ``segwidget.analyze`` records).
    names
        Display names of the two models.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        When the two do not describe the same images: different classes (naming the first
        differing class), ``ignore_index`` or number of images, a truth mask that differs
        (naming the first differing image), or results without fingerprints.
    """
    return Comparison(results_a, results_b, names)


def _checked_names(names: Any) -> tuple[str, str]:
    if (
        not isinstance(names, tuple | list)
        or len(names) != 2
        or not all(isinstance(name, str) and name for name in names)
        or names[0] == names[1]
    ):
        raise ValueError(f"names must be two different non-empty strings, got {names!r}")
    return (names[0], names[1])


def _check_same_images(a: Results, b: Results, names: tuple[str, str]) -> None:
    """Raise ``ValueError`` naming the first difference that makes ``a`` and ``b`` incomparable."""
    na, nb = names
    for name, results in zip(names, (a, b), strict=True):
        if not isinstance(results, Results):
            raise TypeError(f"{name} must be segwidget Results, not {type(results).__name__}")
    if a.classes != b.classes:
        pairs = zip(a.classes, b.classes, strict=False)
        k = next((i for i, (x, y) in enumerate(pairs) if x != y), min(a.n_classes, b.n_classes))

        def at(classes: list[str]) -> str:
            return repr(classes[k]) if k < len(classes) else "absent"

        raise ValueError(
            f"{na} and {nb} have different classes ({a.n_classes} and {b.n_classes}): "
            f"class {k} is {at(a.classes)} in {na} but {at(b.classes)} in {nb}"
        )
    if a.ignore_index != b.ignore_index:
        raise ValueError(
            f"{na} was analysed with ignore_index={a.ignore_index} but {nb} with "
            f"ignore_index={b.ignore_index}: the valid pixels differ"
        )
    for name, results in zip(names, (a, b), strict=True):
        if results.fingerprints is None:
            raise ValueError(
                f"{name} has no truth fingerprints (results from an older segwidget?), so "
                "nothing proves both saw the same images: re-run segwidget.analyze to compare"
            )
    fa, fb = a.fingerprints, b.fingerprints
    assert fa is not None and fb is not None  # checked just above
    n = min(a.n_images, b.n_images)
    differ = np.flatnonzero(fa[:n] != fb[:n])
    if differ.size:
        i = int(differ[0])
        found = np.flatnonzero(fb == fa[i])
        moved = f" ({na}'s image {i} is {nb}'s image {found[0]})" if found.size else ""
        raise ValueError(
            f"image {i}'s truth mask differs between {na} and {nb}{moved}; {differ.size} of "
            f"the first {n} images differ. Both passes must see the same images in the same "
            "order: a shuffled loader or another split?"
        )
    if a.n_images != b.n_images:
        (longer, _), (shorter, short) = sorted(
            zip(names, (a, b), strict=True), key=lambda item: -item[1].n_images
        )
        note = f" ({shorter}'s pass stopped early)" if short.partial else ""
        raise ValueError(
            f"{na} has {a.n_images} images but {nb} has {b.n_images}: image {n} is only in "
            f"{longer} (the first {n} agree){note}"
        )
