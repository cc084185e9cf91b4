"""torchrun with a failing rank: every rank ends within a minute, told which rank failed and why.

Two CPU processes (gloo) run ``ddp_failures.py``; rank 1's model fails at batch 2. The
subprocess's 60 s limit is the check that no rank waits on a gather that will not come
(gloo's default timeout is 30 minutes, ``gather_timeout``'s 10).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import segwidget
from segwidget.analysis import rank_status

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "analysis" / "ddp_failures.py"
RAISED = (
    "the distributed pass failed: rank 1 raised AnalysisError at batch 2: batch 2: the model "
    "raised RuntimeError: rank 1's model broke"
)


def run_case(case: str, out: Path) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """torchrun the worker (60 s at most: a hang fails here) and read what each rank saw."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "--monitor-interval=5",  # time for a survivor to write down what it saw
        str(WORKER), str(out), case,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    seen = [
        json.loads(p.read_text()) if (p := out / f"rank{r}.json").exists() else {} for r in (0, 1)
    ]
    return done, seen


def test_a_rank_raising_gives_every_rank_the_same_analysis_error(tmp_path: Path) -> None:
    done, seen = run_case("raise", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    for rank in (0, 1):
        assert seen[rank]["error"].startswith(RAISED), seen[rank]
    assert seen[0]["error"] == seen[1]["error"]
    assert seen[0]["own_images"] == 8 and seen[1]["own_images"] == 4  # each rank's own batches
    assert "Connection closed" not in seen[0]["error"]


def test_a_rank_exiting_outright_is_named_on_the_survivor(tmp_path: Path) -> None:
    done, seen = run_case("exit", tmp_path)
    assert done.returncode != 0  # torchrun reports rank 1's exit code in its summary
    assert seen[1] == {}  # rank 1 died before writing anything
    assert seen[0]["error"] == (
        "the distributed pass failed: rank 1 stopped during the gather (see torchrun's summary)"
    )
    assert seen[0]["own_images"] == 8


def test_caught_error_then_barrier_does_not_hang(tmp_path: Path) -> None:
    done, seen = run_case("barrier", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    for rank in (0, 1):
        assert seen[rank]["error"].startswith(RAISED)
        assert (tmp_path / f"rank{rank}.after_barrier").read_text() == "ok"


def test_a_rank_that_does_not_come_is_reported_after_gather_timeout(tmp_path: Path) -> None:
    _done, seen = run_case("slow", tmp_path)
    assert seen[0]["error"] == (
        "the distributed pass failed: rank 1 did not reach the gather within gather_timeout=3 s"
    )
    assert seen[0]["own_images"] == 8  # rank 1 came 8 s late: rank 0 stopped waiting at 3 s


@pytest.mark.parametrize("value", [0, -1.0, True, "60", float("nan")])
def test_gather_timeout_must_be_positive_seconds(value: Any) -> None:
    with pytest.raises(ValueError, match="gather_timeout must be a number of seconds > 0"):
        rank_status.check_timeout(value)


def test_the_status_names_type_message_and_batch() -> None:
    err = RuntimeError("batch 12, model 1: the model raised ValueError: x")
    assert rank_status.status_of(err) == {
        "type": "RuntimeError", "message": str(err), "batch": 12,
    }  # fmt: skip
    assert rank_status.status_of(ValueError("models must be a list"))["batch"] is None


def _broken() -> None:
    raise RuntimeError("[gloo/transport/tcp/pair.cc:553] Connection closed by peer")


def test_a_transport_error_after_the_exchange_becomes_an_analysis_error() -> None:
    with pytest.raises(segwidget.AnalysisError) as info:
        rank_status.guarded(_broken, world=2, timeout=600.0)
    assert str(info.value) == (
        "the distributed pass failed: a rank stopped during the gather (see torchrun's summary)"
    )
    assert "Connection closed" in str(info.value.__cause__)
    late = r"a rank did not reach the gather within gather_timeout=0 s$"
    with pytest.raises(segwidget.AnalysisError, match=late):  # waited >= the timeout: late
        rank_status.guarded(_broken, world=2, timeout=0.0)
