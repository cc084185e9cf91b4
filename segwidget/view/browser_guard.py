"""A widget whose browser input can never raise into the kernel nor set what only the kernel sets.

``GuardedWidget`` sits in front of ipywidgets' own message handling: a malformed comm message
is logged as a bounded summary and dropped, a state update is validated whole before any of
it is applied, and updates to the kernel's own traits are answered with the kernel's values.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import ipywidgets as widgets

from ..results.summary import describe_error, summarize
from .browser_input import CommMessage, place_buffers, read_comm_message

log = logging.getLogger("segwidget")


class GuardedWidget(widgets.Widget):
    """Mixin: set ``_kernel_owned`` to the traits the browser may not set."""

    _kernel_owned: ClassVar[frozenset[str]] = frozenset()

    def _after_refused_update(self) -> None:
        """Called after a refused update (whatever was set stays consistent): a hook."""

    def _handle_msg(self, msg: Any) -> None:
        """Every comm message from the browser (the path ipywidgets takes); a malformed one is
        logged as a bounded summary and dropped, never raised into the kernel."""
        message = read_comm_message(msg)
        if isinstance(message, str):
            log.warning(
                "segwidget: ignored a malformed browser message (%s): %s", message, summarize(msg)
            )
            return
        if message.method == "update":
            self._update_from_browser(message)
        else:  # a state request, or a custom message for _on_message: ipywidgets' own handling
            super()._handle_msg(msg)

    def _update_from_browser(self, message: CommMessage) -> None:
        if "state" not in message.data:
            return  # nothing to apply, as in ipywidgets
        state = message.data["state"]
        if isinstance(state, dict) and "buffer_paths" in message.data:
            reason = place_buffers(state, message.data["buffer_paths"], message.buffers)
            if reason is not None:
                log.warning("segwidget: ignored a browser state update: %s", reason)
                return
        self.set_state(state)

    def set_state(self, sync_data: Any) -> None:
        """Apply a browser state update: a bad value is logged and reverted, never raised.

        An update to a trait only the kernel sets (``classes``, ``summary``, the binary
        arrays...) is ignored, logged and answered with the kernel's value; unknown keys are
        ignored.
        """
        if not isinstance(sync_data, dict):
            log.warning(
                "segwidget: ignored a browser state update that is not an object: %s",
                summarize(sync_data),
            )
            return
        owned = sorted(key for key in sync_data if key in self._kernel_owned)
        if owned:
            log.warning(
                "segwidget: ignored a browser update to %s, which only the kernel sets",
                ", ".join(owned),
            )
            self.send_state(owned)
        state = {
            k: v for k, v in sync_data.items() if k in self.keys and k not in self._kernel_owned
        }
        if not state:
            return
        try:
            # Every value is validated before any is set: inside set_state's hold, traitlets
            # rolls back only values that compared unequal, so a refused False would stay
            # where 0 was (False == 0).
            traits = self.traits()
            for name, value in state.items():
                from_json = self.trait_metadata(name, "from_json", self._trait_from_json)
                traits[name]._validate(self, from_json(value, self))
            super().set_state(state)
        except Exception as err:  # a browser message must never raise into the kernel
            log.warning(
                "segwidget: ignored a bad state update from the browser: %s", describe_error(err)
            )
            self.send_state(list(state))
            self._after_refused_update()
