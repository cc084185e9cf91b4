"""The explorer's slices and tags: their synced traits, the columns sent to the browser, export.

``SliceTraits`` is mixed into ``SegExplorer``. Synced both ways: ``slice`` (conditions on
the image columns, checked by ``slices.validate_slice``), ``tags`` (``tags.parse_tags``;
always equal to ``results.tags``) and ``picked_images`` (the thumbnails picked in the
browser, to tag). The kernel's alone: ``columns`` and ``column_data``, the per-image
metadata and image sizes for the browser's filter bar (``column_state``). The browser
recomputes the slice's numbers from the per-image counts it already holds; the kernel's
``shown_indices`` and ``export`` follow the same slice.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets
from numpy.typing import NDArray

from ..results import exports, slices, tags
from ..results.metadata import plain_columns
from ..results.ranking import Ranking
from ..results.summary import describe_error, summarize

if TYPE_CHECKING:
    from torch.utils.data import Subset

    from ..results.core import Results


def column_state(results: Results) -> tuple[dict[str, Any], bytes]:
    """The ``columns`` descriptor and the ``column_data`` bytes (PROTOCOL.md).

    The user's metadata, then ``image:height`` / ``image:width`` when recorded. Numbers
    travel as little-endian float64 (N values), text and booleans as int32 codes (N
    values); text categories are the sorted distinct values, as text. Number blocks come
    first so that every block is aligned; each entry says where its block starts.
    """
    n = results.n_images
    cols = plain_columns(results.metadata, n)
    if results.image_sizes is not None:
        cols[slices.HEIGHT] = results.image_sizes[:, 0]
        cols[slices.WIDTH] = results.image_sizes[:, 1]
    numbers = [name for name, column in cols.items() if slices.kind(column) == "number"]
    entries: dict[str, dict[str, Any]] = {}
    blocks: list[bytes] = []
    offset = 0
    for name in numbers:
        entries[name] = {"name": name, "kind": "number", "offset": offset}
        blocks.append(np.ascontiguousarray(cols[name], dtype="<f8").tobytes())
        offset += 8 * n
    for name, column in cols.items():
        if name in entries:
            continue
        if column.dtype.kind == "b":
            entries[name] = {"name": name, "kind": "bool", "offset": offset}
            codes = column.astype(np.int64)
        else:
            categories, codes = np.unique(column, return_inverse=True)
            entries[name] = {
                "name": name, "kind": "text", "offset": offset, "categories": categories.tolist()
            }  # fmt: skip
        blocks.append(np.ascontiguousarray(codes, dtype="<i4").tobytes())
        offset += 4 * n
    return {"n_images": n, "columns": [entries[name] for name in cols]}, b"".join(blocks)


def trait_condition(name: str, condition: slices.Condition) -> list[Any]:
    """A validated condition as the trait keeps it: a list of values, or ``[lo, hi]``."""
    if isinstance(condition, slices.OneOf):
        return list(condition.values)
    # -inf as lo, +inf as hi: the same images as no bound (NaN meets neither); JSON has no inf
    lo = None if condition.lo == -math.inf else condition.lo
    hi = None if condition.hi == math.inf else condition.hi
    if any(bound is not None and math.isinf(bound) for bound in (lo, hi)):
        raise slices.SliceError(f"column {name!r}: a range bound must be a finite number or None")
    return [lo, hi]


class IndexList(traitlets.TraitType[list[int], Any]):
    """Image or class indices: every value (None, numpy arrays, an int too long to print)
    reaches the trait's own validator, which says what is wrong in a bounded message."""

    info_text = "a list of indices"


class SliceTraits(traitlets.HasTraits):
    """Slice, tag and export traits and methods of ``SegExplorer`` (see the module docstring)."""

    columns = traitlets.Dict().tag(sync=True)
    column_data = traitlets.Bytes().tag(sync=True)
    slice = traitlets.Dict().tag(sync=True)
    tags = traitlets.Dict().tag(sync=True)
    picked_images = IndexList([]).tag(sync=True)

    if TYPE_CHECKING:  # SegExplorer's
        _results: Results | None

        def _refresh_shown(self) -> None: ...  # re-rank what the gallery shows

        def ranking(self) -> Ranking: ...  # the gallery's images and scores

    def _slice_results(self) -> Results:
        assert self._results is not None
        return self._results

    def _reset_slices(self, results: Results) -> None:
        """New results (the slice is already cleared): no picks, their tags and columns."""
        self.picked_images = []
        self.tags = {name: list(members) for name, members in results.tags.items()}
        self.columns, self.column_data = column_state(results)

    # -- validation: TraitError only, whatever the browser sends --------------------------------
    @traitlets.validate("slice")
    def _valid_slice(self, proposal: dict[str, Any]) -> dict[str, list[Any]]:
        results = self._slice_results()
        try:
            cols = slices.image_columns(results)
            conditions = slices.validate_slice(proposal["value"], cols)
            slices.bounded(conditions, cols)
            return {name: trait_condition(name, c) for name, c in conditions.items()}
        except ValueError as err:  # SliceError, and repeated class names in image_columns
            raise traitlets.TraitError(f"slice: {describe_error(err)}") from err

    @traitlets.validate("tags")
    def _valid_tags(self, proposal: dict[str, Any]) -> dict[str, list[int]]:
        try:
            return tags.parse_tags(proposal["value"], self._slice_results().n_images)
        except ValueError as err:  # TagError; or an index too long to print (over 4300 digits)
            raise traitlets.TraitError(f"tags: {describe_error(err)}") from err

    @traitlets.validate("picked_images")
    def _valid_picked(self, proposal: dict[str, Any]) -> list[int]:
        value = proposal["value"]
        n = self._slice_results().n_images
        values = value.tolist() if isinstance(value, np.ndarray) else value
        if not isinstance(values, list | tuple) or not all(
            isinstance(v, int | np.integer) and not isinstance(v, bool) and 0 <= v < n
            for v in values
        ):
            raise traitlets.TraitError(
                f"picked_images must be a list of image indices in 0..{n - 1}; "
                f"got {summarize(value)}"
            )
        return sorted({int(v) for v in values})

    @traitlets.observe("tags")
    def _on_tags(self, change: dict[str, Any]) -> None:
        new: dict[str, list[int]] = change["new"]
        self._slice_results().tags = {name: list(members) for name, members in new.items()}
        gone = [
            k for k in self.slice if k.startswith(slices.TAG) and k[len(slices.TAG) :] not in new
        ]
        if gone:  # a condition on a deleted tag: dropped (this re-ranks too)
            self.slice = {k: v for k, v in self.slice.items() if k not in gone}
        elif any(k.startswith(slices.TAG) for k in self.slice):
            self._refresh_shown()

    @traitlets.observe("slice")
    def _on_slice(self, _change: dict[str, Any]) -> None:
        self._refresh_shown()

    def _in_slice(self, ranked: Ranking) -> Ranking:
        """``ranked`` restricted to the slice's images, order kept (a ranking within the
        slice's images is this: every score and tie-break is the image's own)."""
        if not self.slice:
            return ranked
        results = self._slice_results()
        keep = np.zeros(results.n_images, dtype=np.bool_)
        keep[slices.slice_indices(results, self.slice)] = True
        inside = keep[ranked.indices]
        return Ranking(ranked.indices[inside], ranked.scores[inside])

    # -- tags and export from Python ------------------------------------------------------------
    def tag(self, name: str, indices: Any) -> list[int]:
        """Add images ``indices`` (e.g. ``explorer.shown_indices``) to tag ``name``; the view
        shows it. Returns the tag's members, sorted."""
        results = self._slice_results()
        members = tags.tag(results, name, indices)
        self.tags = {k: list(v) for k, v in results.tags.items()}
        return members

    def untag(self, name: str, indices: Any = None) -> list[int]:
        """Remove images ``indices`` from tag ``name`` (``None``: delete the tag)."""
        results = self._slice_results()
        left = tags.untag(results, name, indices)
        self.tags = {k: list(v) for k, v in results.tags.items()}
        return left

    def export(
        self, path: str | Path, *, pixels: bool = False, escape_formulas: bool = True
    ) -> Path:
        """Write the images the gallery shows (slice, selection and loss range), in its order,
        to ``path`` (``.csv``, or ``.parquet`` with pyarrow): dataset index, score, loss,
        metadata, image size, tags (and ``pixels:<class>`` object sizes when asked).
        ``escape_formulas``: see ``segwidget.export`` (CSV text that a spreadsheet would run
        as a formula gets a leading ``'`` unless ``False``).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        return exports.export(
            self._slice_results(),
            path,
            self.ranking(),
            pixels=pixels,
            escape_formulas=escape_formulas,
        )

    def subset(self, dataset: Any, tagged: str | None = None) -> Subset[Any]:
        """The user's ``dataset`` restricted to the images shown (or to those of tag ``tagged``),
        e.g. to relabel them or to fine-tune on them.

        Parameters
        ----------
        dataset
            The dataset that was analysed, in the loader's order (e.g. ``dl.dataset``).
        tagged
            A tag's name: its images, in index order, whatever is shown.

        Returns
        -------
        torch.utils.data.Subset
            In the gallery's order (or the tag's).
        """
        results = self._slice_results()
        positions: NDArray[np.int64] | list[int]
        if tagged is None:
            positions = self.ranking().indices
        elif tagged in results.tags:
            positions = results.tags[tagged]
        else:
            raise KeyError(f"no tag {tagged!r}; tags are {sorted(results.tags)}")
        return exports.subset_dataset(results, dataset, positions)
