"""The failure map computed off the message handler (issue 20): showing the panel answers at
once with ``map_status == "computing"``, the kernel goes on handling messages while the
projection runs (held on a gate, so nothing here depends on timing), the coordinates then
arrive through the comm equal to ``Results.map()``; one thread at a time, stale maps
dropped, a failure shown as text and logged, ``Results``' cache filled once under threads."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from comm_helpers import explorer_with_comm, small_results, update

import segwidget.results.projection as projection
from segwidget.view.map_worker import MapWorker

WAIT_S = 120  # a safety net against a hang, never a timing assertion


class Gate:
    """``projection.project`` held until ``open()``: counts its calls and their threads."""

    def __init__(self, real: Any) -> None:
        self.real, self.calls, self.threads = real, 0, set()
        self.entered, self.released = threading.Event(), threading.Event()

    def __call__(self, vectors: Any) -> Any:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        self.entered.set()
        assert self.released.wait(WAIT_S), "the test never opened the gate"
        return self.real(vectors)

    def open(self) -> None:
        self.released.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    g = Gate(projection.project)
    monkeypatch.setattr(projection, "project", g)
    yield g
    g.open()  # a test that failed early leaves no thread waiting


def map_threads() -> int:
    return sum(t.name == "segwidget-map" for t in threading.enumerate())


def sent_state(comm: Any, name: str) -> list[Any]:
    """Every value of trait ``name`` the kernel sent to the browser (binary ones as bytes)."""
    out = []
    for data, buffers in comm.sent:
        if data.get("method") != "update":
            continue
        if name in data["state"]:
            out.append(data["state"][name])
        for path, buffer in zip(data.get("buffer_paths", []), buffers, strict=False):
            if path[0] == name:
                out.append(bytes(buffer))
    return out


def test_the_kernel_answers_while_the_map_is_computed(gate: Gate) -> None:
    explorer, comm = explorer_with_comm(small_results())
    r = explorer.results
    explorer._handle_msg(update({"map_shown": True}))  # returns: the projection waits at the gate
    assert explorer.map_status == "computing" and explorer.map_xy == b""
    assert "computing" in sent_state(comm, "map_status")  # the panel is told at once
    assert gate.entered.wait(WAIT_S)
    # the projection has started and cannot finish: the kernel still handles a message
    explorer._handle_msg(update({"map_selection": [9, 2, 4]}))
    assert explorer.shown_indices.tolist() == [i for i in r.rank().indices if i in (2, 4, 9)]
    assert not gate.released.is_set() and explorer.map_status == "computing"
    assert explorer._map_worker.busy and map_threads() == 1
    gate.open()
    assert explorer._map_worker.join(WAIT_S)
    assert explorer.map_status == "ready" and explorer.map_error == ""
    assert gate.threads == {"segwidget-map"}  # computed off the handler's thread
    xy = np.frombuffer(explorer.map_xy, "<f4").reshape(-1, 2)
    np.testing.assert_array_equal(xy.view(np.uint32), r.map().view(np.uint32))
    assert sent_state(comm, "map_xy")[-1] == r.map().astype("<f4").tobytes()  # pushed
    idx = np.frombuffer(explorer.map_neighbors, "<i4").reshape(r.n_images, 20)
    for i in range(r.n_images):
        want = r.similar(i).indices
        assert idx[i, : want.size].tolist() == want.tolist() and (idx[i, want.size :] == -1).all()
    assert sent_state(comm, "map_status")[-1] == "ready"


def test_a_second_request_starts_no_second_thread_and_new_results_get_theirs(gate: Gate) -> None:
    explorer, _ = explorer_with_comm(small_results())
    explorer._handle_msg(update({"map_shown": True}))
    assert gate.entered.wait(WAIT_S)
    explorer._handle_msg(update({"map_shown": False}))
    explorer._handle_msg(update({"map_shown": True}))  # asked again while it runs
    explorer._request_map()
    assert map_threads() == 1 and gate.calls == 1
    other = small_results(seed=1)
    explorer.update(results=other)  # new results while the old map is computed
    assert explorer.map_status == "computing" and map_threads() == 1
    gate.open()
    assert explorer._map_worker.join(WAIT_S)
    assert gate.calls == 2  # the old results' map, then the new one's: one after the other
    assert explorer.map_status == "ready"
    xy = np.frombuffer(explorer.map_xy, "<f4").reshape(-1, 2)
    np.testing.assert_array_equal(xy, other.map())  # not the stale map of the old results


def test_a_failure_is_shown_as_text_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_vectors: Any) -> Any:
        raise ValueError("no <b>map</b> " + "x" * 1000)

    monkeypatch.setattr(projection, "project", broken)
    explorer, comm = explorer_with_comm(small_results())
    caplog.set_level(logging.ERROR, logger="segwidget")
    explorer._handle_msg(update({"map_shown": True}))
    assert explorer._map_worker.join(WAIT_S)
    assert explorer.map_status == "failed" and explorer.map_xy == b""
    assert explorer.map_error.startswith("ValueError: no <b>map</b> xxx")
    assert len(explorer.map_error) <= 300  # bounded: the panel shows it as one line of text
    assert sent_state(comm, "map_status")[-1] == "failed"
    logged = [rec for rec in caplog.records if "failure map could not be computed" in rec.message]
    assert logged and logged[0].exc_info is not None  # with its traceback
    explorer._handle_msg(update({"map_selection": [1, 3]}))  # the kernel carries on
    assert explorer.map_selection == [1, 3]


def test_results_map_is_filled_once_under_threads(gate: Gate) -> None:
    r = small_results()
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(r.map())) for _ in range(3)]
    for t in threads:
        t.start()
    assert gate.entered.wait(WAIT_S)
    gate.open()
    for t in threads:
        t.join(WAIT_S)
    assert gate.calls == 1 and len(got) == 3
    assert all(xy is got[0] for xy in got) and r.maps["errors"] is got[0]


def test_the_worker_delivers_on_the_requesting_event_loop() -> None:
    """In a kernel the request comes from the asyncio loop that handles comm messages: the
    outcome is handed back to that loop's thread, where every other trait change happens."""
    delivered: list[tuple[int, Any, int]] = []
    done = threading.Event()

    def deliver(key: int, outcome: Any) -> None:
        delivered.append((key, outcome, threading.get_ident()))
        done.set()

    worker: MapWorker[int] = MapWorker(lambda key: key * 10, deliver)

    async def kernel() -> None:
        assert worker.request(4)
        while not done.is_set():
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(kernel(), WAIT_S))
    assert delivered == [(4, 40, threading.get_ident())]
    assert worker.join(WAIT_S) and not worker.busy
