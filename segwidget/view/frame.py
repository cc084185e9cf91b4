"""The explorer's frame: its height, and the panels listed in its panel area.

The explorer lays itself out in a frame ``height`` CSS px tall (toolbar, heatmap, gallery, the
detail in place, the panel area); the gallery scrolls inside it. The panel area's switcher offers
the browser's own panels (the most confused pairs; canvas IoU and loss charts) and those listed
here: any ipywidgets widget, e.g. a bqplot figure, shown through the notebook's widget manager.
A listed panel replaces the browser's panel of the same id; where no widget manager can show it
(marimo), the browser's panel of that id stands in. ``Charts`` lists ``"iou"`` and ``"loss"``.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as widgets
import traitlets

from ..results.summary import summarize

# Fits a 900 px window with JupyterLab's chrome: its notebook area shows 779 px.
DEFAULT_HEIGHT = 720
MIN_HEIGHT = 320  # a toolbar, a heatmap and a row of thumbnails
_PANEL_ID = re.compile(r"[a-z][a-z0-9-]{0,31}")
KERNEL_OWNED = frozenset({"panels", "height"})


class FrameTraits(traitlets.HasTraits):
    """The frame's height and the kernel-listed panels (mixed into ``SegExplorer``).

    Attributes
    ----------
    height
        The frame's height in CSS px (``MIN_HEIGHT`` at least); the default fits a 900 px window.
    panels
        The listed panels, in switcher order after the browser's own: dicts ``{"id", "label",
        "title", "widget"}``; change them with ``add_panel`` and ``remove_panel``.
    """

    height = traitlets.Int(DEFAULT_HEIGHT).tag(sync=True)
    panels = traitlets.List(traitlets.Dict()).tag(sync=True, **widgets.widget_serialization)

    @traitlets.validate("height")
    def _valid_height(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if value < MIN_HEIGHT:
            raise traitlets.TraitError(f"height must be at least {MIN_HEIGHT} px; got {value}")
        return int(value)

    def add_panel(self, id: str, label: str, widget: widgets.DOMWidget, *, title: str = "") -> None:
        """Show ``widget`` (a bqplot figure, any ipywidgets widget) in the panel area.

        Parameters
        ----------
        id
            Lower-case letters, digits and ``-`` (e.g. ``"reliability"``); a panel of the same id
            (listed, or the browser's own) is replaced in its place.
        label
            The switcher's short text (one or two words).
        widget
            What the panel shows.
        title
            The switcher's tooltip: what the panel answers (default: ``label``).
        """
        if not isinstance(id, str) or not _PANEL_ID.fullmatch(id):
            raise ValueError(
                f"panel id must be 1-32 lower-case letters, digits or '-', starting with a "
                f"letter; got {summarize(id)}"
            )
        if not isinstance(label, str) or not label.strip():
            raise ValueError(
                f"panel {id!r}: label must be a non-empty string; got {summarize(label)}"
            )
        if not isinstance(widget, widgets.DOMWidget):
            raise TypeError(
                f"panel {id!r}: widget must be an ipywidgets DOMWidget (e.g. a bqplot Figure); "
                f"got {type(widget).__name__}"
            )
        entry = {"id": id, "label": label, "title": title or label, "widget": widget}
        ids = [p["id"] for p in self.panels]
        listed = list(self.panels)
        if id in ids:
            listed[ids.index(id)] = entry
        else:
            listed.append(entry)
        self.panels = listed

    def remove_panel(self, id: str) -> None:
        """Take the listed panel ``id`` out (the browser's own panel of that id returns)."""
        if id not in [p["id"] for p in self.panels]:
            raise KeyError(f"no listed panel {id!r}; listed: {[p['id'] for p in self.panels]}")
        self.panels = [p for p in self.panels if p["id"] != id]
