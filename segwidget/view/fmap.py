"""The failure map in ``SegExplorer`` (issue 20): its protocol fields and synced traits.

Binary, little-endian fields (PROTOCOL.md, "A map of failures"): ``map_xy``:
``Results.map(kind)`` as float32 ``(N, 2)`` row-major; ``map_neighbors``: each image's
``Results.similar(i, k)`` as int32 ``(N, k)`` (``-1`` past the last image);
``map_distances``: their cosine distances as float32 (NaN there). The browser selects on
the map and ranks "more like this" from these alone (``js/src/data/fmap.ts``), so the
offline report embeds the same bytes. They are computed when the browser first shows
the map panel (``map_shown``), on a background thread (``map_worker``): a 10,000-image
projection takes seconds, and the kernel stays free meanwhile. ``map_status`` says where
that stands: ``""`` (not asked), ``"computing"``, ``"ready"`` or ``"failed"`` (``map_error``:
the exception's text, shown in the panel; its traceback is logged).

``map_selection`` (image indices, synced both ways) restricts the gallery, the heatmap
and the header like a slice and composes with it; ``similar_to`` (an image, or ``None``)
ranks the gallery by ``Results.similar(similar_to, map_k)``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets

from ..results.core import Results
from ..results.fmap import NEIGHBOURS, restrict
from ..results.ranking import Ranking
from .map_worker import MapWorker

KERNEL_OWNED = frozenset(
    {"map_kind", "map_k", "map_xy", "map_neighbors", "map_distances", "map_status", "map_error"}
)
STATUSES = ("", "computing", "ready", "failed")
ERROR_CHARS = 300  # the panel's error text: the exception's type and the start of its message


def map_arrays(results: Results, kind: str | None = None, k: int = NEIGHBOURS) -> dict[str, Any]:
    """The map's state: ``map_kind``, ``map_k`` and the three binary arrays."""
    kind = results.embedding_kind(kind)
    neighbors, distances = results.neighbours(kind, k)
    return {
        "map_kind": kind,
        "map_k": int(k),
        "map_xy": results.map(kind).astype("<f4").tobytes(),
        "map_neighbors": neighbors.astype("<i4").tobytes(),
        "map_distances": distances.astype("<f4").tobytes(),
    }


EMPTY: dict[str, Any] = {"map_kind": "", "map_k": 0, "map_xy": b"", "map_neighbors": b"",
                         "map_distances": b""}  # fmt: skip


class MapTraits(traitlets.HasTraits):
    """``SegExplorer``'s failure-map traits (see the module docstring)."""

    map_kind = traitlets.Unicode("").tag(sync=True)
    map_k = traitlets.Int(0).tag(sync=True)
    map_xy = traitlets.Bytes(b"").tag(sync=True)
    map_neighbors = traitlets.Bytes(b"").tag(sync=True)
    map_distances = traitlets.Bytes(b"").tag(sync=True)
    map_status = traitlets.Enum(STATUSES, "").tag(sync=True)
    map_error = traitlets.Unicode("").tag(sync=True)
    map_shown = traitlets.Bool(False).tag(sync=True)
    map_selection: traitlets.List[int] = traitlets.List().tag(sync=True)
    similar_to = traitlets.Any(None, allow_none=True).tag(sync=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._map_lock = threading.RLock()  # guards the generation and the map's traits
        self._map_generation = 0  # which results' map the traits may receive
        self._map_worker: MapWorker[tuple[int, Results]] = MapWorker(_computed, self._map_arrived)
        super().__init__(*args, **kwargs)

    if TYPE_CHECKING:  # SegExplorer's
        _results: Results | None

        def _refresh_shown(self) -> None: ...

        def _in_slice(self, ranked: Ranking) -> Ranking: ...

    def _n_images(self) -> int:
        return 0 if self._results is None else self._results.n_images

    def _reset_map(self) -> None:
        """New results: no selection, no "more like this", their map when the panel is shown."""
        self.map_selection = []
        self.similar_to = None
        with self._map_lock:  # a map of the old results arriving now is stale
            self._map_generation += 1
            for name, value in EMPTY.items():
                setattr(self, name, value)
            self.map_status, self.map_error = "", ""
        self._map_worker.forget()
        if self.map_shown:
            self._request_map()

    def _fill_map(self) -> None:
        """The map's arrays now, on this thread (the offline report's build needs them)."""
        if self._results is not None and not self.map_kind:
            with self._map_lock:
                generation = self._map_generation
            self._map_arrived((generation, self._results), map_arrays(self._results))

    def _request_map(self) -> None:
        """The map's arrays computed in the background; ``map_status`` says "computing"."""
        with self._map_lock:
            if self._results is None or self.map_kind or self.map_status == "computing":
                return  # shown, or on its way: one computation at a time
            self.map_status, self.map_error = "computing", ""
            key = (self._map_generation, self._results)
        self._map_worker.request(key)

    def _map_arrived(self, key: tuple[int, Results], outcome: Any) -> None:
        """Set the map's traits from ``outcome`` (arrays or an exception) unless stale."""
        with self._map_lock:
            if key[0] != self._map_generation or self._results is not key[1]:
                return  # other results are shown now
            if self.map_kind:
                return  # filled meanwhile (``_fill_map``): the same arrays
            if isinstance(outcome, BaseException):
                text = f"{type(outcome).__name__}: {outcome}"
                self.map_error = text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
                self.map_status = "failed"
                return
            with self.hold_sync():  # type: ignore[attr-defined]
                for name, value in outcome.items():
                    setattr(self, name, value)
                self.map_status, self.map_error = "ready", ""

    @traitlets.observe("map_shown")
    def _on_map_shown(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._request_map()

    # -- validation: TraitError only, whatever the browser sends ---------------------------------
    @traitlets.validate("map_selection")
    def _valid_map_selection(self, proposal: dict[str, Any]) -> list[int]:
        value, n = proposal["value"], self._n_images()
        ok = isinstance(value, list | tuple | np.ndarray) and len(value) <= n
        items = [int(i) for i in value] if ok and all(_is_index(i, n) for i in value) else None
        if items is None or len(set(items)) != len(items):
            raise traitlets.TraitError(
                f"map_selection must be distinct image indices in 0..{n - 1}; got {value!r:.80}"
            )
        return sorted(items)

    @traitlets.validate("similar_to")
    def _valid_similar_to(self, proposal: dict[str, Any]) -> int | None:
        value, n = proposal["value"], self._n_images()
        if value is None:
            return None
        if not _is_index(value, n):
            raise traitlets.TraitError(
                f"similar_to must be an image index in 0..{n - 1} or None; got {value!r:.80}"
            )
        return int(value)

    @traitlets.observe("map_selection", "similar_to")
    def _on_map_change(self, _change: dict[str, Any]) -> None:
        self._refresh_shown()

    def _on_map(self, ranked: Ranking, similar: bool = True) -> Ranking:
        """The gallery's ranking with the map applied: "more like this" replaces it (within
        the slice; in a comparison too, on A's map; ``similar=False``: never), then the map
        selection restricts it, order kept."""
        if self._results is None:
            return ranked
        if similar and self.similar_to is not None:
            k = self.map_k or NEIGHBOURS
            ranked = self._in_slice(self._results.similar(self.similar_to, k))
        if not self.map_selection:
            return ranked
        return restrict(ranked, np.asarray(self.map_selection, dtype=np.int64))


def _computed(key: tuple[int, Results]) -> dict[str, Any]:
    """The worker's job: the map's arrays of ``key``'s results."""
    return map_arrays(key[1])


def _is_index(value: Any, n: int) -> bool:
    return (
        isinstance(value, int | np.integer) and not isinstance(value, bool) and 0 <= int(value) < n
    )
