"""The failure map computed off the kernel's message handler (issue 20).

The first time the browser shows the map panel (``map_shown``) the explorer has no map yet:
the projection of 10,000 images takes seconds, and computing it inside the comm message
handler would block the kernel (the user's next cell waits, the rest of the view freezes).
``MapWorker`` computes it on one background thread instead while the handler returns at once.

- **One thread at a time.** A request while the thread runs does not start another: it is
  remembered, and the running thread computes the latest request's arrays before it ends
  (new results shown meanwhile are not lost; requests in between are skipped).
- **Delivery.** The outcome (the arrays, or the exception raised) goes to ``deliver`` on the
  event loop that made the request, when one was running: ipykernel handles comm messages on
  an asyncio loop (the main shell's, or with ipykernel 7 in JupyterLab the subshell's that the
  widget's messages go to), so the traits change on the thread that handles the widget's other
  messages. Without a running loop (plain Python, tests) ``deliver`` runs on the worker
  thread, as ipywidgets allows.
- **Failures.** An exception in the computation is delivered like a result (the explorer
  shows its text in the panel) and logged with its traceback here; an exception in
  ``deliver`` itself is logged. Nothing is raised into the kernel.

``Results.map`` holds a lock while it fills its cache, so a user's own ``results.map()``
during the computation waits for it and never computes the projection a second time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger("segwidget")
Key = TypeVar("Key")


class MapWorker(Generic[Key]):
    """One background thread computing ``compute(key)`` and handing it to ``deliver``.

    Parameters
    ----------
    compute
        The work: ``compute(key)`` returns the arrays (any value) or raises.
    deliver
        ``deliver(key, outcome)``: ``outcome`` is what ``compute`` returned, or the
        ``Exception`` it raised. Called once per computation, on the requester's event loop
        when it had one running, else on the worker thread.
    """

    def __init__(
        self,
        compute: Callable[[Key], Any],
        deliver: Callable[[Key, Any], None],
    ) -> None:
        self._compute = compute
        self._deliver = deliver
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wanted: tuple[Key, asyncio.AbstractEventLoop | None] | None = None

    @property
    def busy(self) -> bool:
        """Whether a computation is running or waiting."""
        with self._lock:
            return self._thread is not None

    def request(self, key: Key) -> bool:
        """Compute ``key`` in the background; ``True`` when this started the thread, ``False``
        when a running one takes the request over (it computes it next)."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # no loop in this thread: deliver from the worker
            loop = None
        with self._lock:
            self._wanted = (key, loop)
            if self._thread is not None:
                return False
            self._thread = threading.Thread(target=self._run, name="segwidget-map", daemon=True)
            self._thread.start()
            return True

    def forget(self) -> None:
        """Drop a waiting request (the one running finishes; its delivery may be stale)."""
        with self._lock:
            self._wanted = None

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (tests, scripts); ``True`` when it has."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._wanted is None:
                    self._thread = None
                    return
                key, loop = self._wanted
                self._wanted = None
            try:
                outcome: Any = self._compute(key)
            except Exception as err:  # shown in the panel, logged with its traceback
                log.exception("segwidget: the failure map could not be computed")
                outcome = err
            self._hand_over(key, outcome, loop)

    def _hand_over(self, key: Key, outcome: Any, loop: asyncio.AbstractEventLoop | None) -> None:
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._safe_deliver, key, outcome)
                return
            except RuntimeError:  # the loop closed meanwhile: deliver from here
                pass
        self._safe_deliver(key, outcome)

    def _safe_deliver(self, key: Key, outcome: Any) -> None:
        try:
            self._deliver(key, outcome)
        except Exception:
            log.exception("segwidget: the failure map could not be shown")
