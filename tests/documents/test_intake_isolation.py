"""The bounded child process: results come back, rejections too, runaway work is killed."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from coc_service.documents.bounded_child import unframe
from coc_service.documents.errors import (
    CorruptFile,
    OcrEngineError,
    StageTimeout,
    TooLarge,
    TooManyPixels,
)
from coc_service.documents.isolation import (
    IsolatedFailure,
    next_stage,
    run_isolated,
)


def _double(values: np.ndarray) -> np.ndarray:
    return values * 2


def _refuse() -> None:
    raise TooLarge("too big for this test")


def _spin_forever(pid_file: str) -> None:
    with open(pid_file, "w") as handle:
        handle.write(str(os.getpid()))
    while True:  # a parser caught in a loop: pure CPU, no I/O
        pass


def _bug() -> None:
    raise KeyError("a bug, not a bad file")


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)  # a C decoder crashing on a hostile file


def _allocate(megabytes: int) -> int:
    block = np.ones(megabytes * 1024 * 1024, np.uint8)
    return int(block.sum())


def test_result_comes_back_from_the_child() -> None:
    values = np.arange(1_000_000, dtype=np.int64)
    result = run_isolated(_double, values, timeout_s=30)
    assert np.array_equal(result, values * 2)


def test_rejection_in_the_child_is_raised_here() -> None:
    with pytest.raises(TooLarge, match="too big for this test"):
        run_isolated(_refuse, timeout_s=30)


def test_runaway_work_is_killed_at_the_time_bound(tmp_path: object) -> None:
    pid_file = os.path.join(str(tmp_path), "child.pid")
    started = time.monotonic()
    with pytest.raises(StageTimeout):
        run_isolated(_spin_forever, pid_file, timeout_s=1.0)
    assert time.monotonic() - started < 5
    with open(pid_file) as handle:
        pid = int(handle.read())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the child is gone, not burning CPU in the background


def test_a_bug_in_the_child_is_an_internal_error() -> None:
    with pytest.raises(IsolatedFailure, match="KeyError"):
        run_isolated(_bug, timeout_s=30)


def test_a_crashing_decoder_means_a_corrupt_file() -> None:
    with pytest.raises(CorruptFile):
        run_isolated(_crash, timeout_s=30)


def test_memory_beyond_the_budget_is_refused() -> None:
    assert run_isolated(_allocate, 10, timeout_s=30, memory_budget=400 * 1024 * 1024) > 0
    with pytest.raises(TooManyPixels):
        run_isolated(_allocate, 600, timeout_s=30, memory_budget=200 * 1024 * 1024)


def _zombie(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


def test_a_child_that_answered_is_reaped_by_the_next_call_not_waited_for() -> None:
    first = run_isolated(os.getpid, timeout_s=30)
    deadline = time.monotonic() + 10
    while not _zombie(first) and time.monotonic() < deadline:  # it exits on its own
        time.sleep(0.01)
    assert _zombie(first)  # not waited for: still to be reaped
    run_isolated(os.getpid, timeout_s=30)
    with pytest.raises(ChildProcessError):
        os.waitpid(first, os.WNOHANG)  # reaped by the second call: no zombie piles up


def test_an_answer_cut_short_is_not_taken_for_one() -> None:
    # what a child killed while writing leaves: the parent then asks its exit status
    assert unframe(b"12\n" + b"x" * 12) == b"x" * 12
    assert unframe(b"12\n" + b"x" * 5) == b""
    assert unframe(b"12") == b""
    assert unframe(b"") == b""


def _two_stages(first_s: float, second_s: float) -> str:
    time.sleep(first_s)
    next_stage()
    time.sleep(second_s)
    return "done"


def test_the_second_stage_has_its_own_time_bound_from_when_it_starts() -> None:
    # 0.6 + 0.6 s: beyond the first bound in all, within each stage's own.
    assert run_isolated(_two_stages, 0.6, 0.6, timeout_s=0.9, then_timeout_s=0.9) == "done"
    with pytest.raises(StageTimeout):
        run_isolated(_two_stages, 0.1, 5.0, timeout_s=0.9, then_timeout_s=0.9)
    with pytest.raises(StageTimeout):
        run_isolated(_two_stages, 5.0, 0.0, timeout_s=0.9, then_timeout_s=30)


def test_next_stage_outside_a_child_does_nothing() -> None:
    next_stage()


def _no_engine() -> None:
    raise OcrEngineError("Tesseract is not installed")


def test_a_missing_ocr_engine_in_the_child_is_raised_here_as_it_is() -> None:
    with pytest.raises(OcrEngineError, match="not installed"):
        run_isolated(_no_engine, timeout_s=30)


class _Finalised:
    """Cyclic garbage whose finaliser leaves a mark (as a database session's would speak)."""

    def __init__(self, mark_file: str) -> None:
        self.mark_file = mark_file
        self.me = self  # a cycle: only the garbage collector frees it

    def __del__(self) -> None:
        with open(self.mark_file, "a") as handle:
            handle.write(f"{os.getpid()}\n")


def _churn() -> int:
    junk = [[i] for i in range(200_000)]  # allocations that set off collections
    return len(junk)


def test_the_child_never_finalises_the_parent_s_garbage(tmp_path: object) -> None:
    import gc

    mark_file = os.path.join(str(tmp_path), "marks")
    _Finalised(mark_file)  # garbage now, collected later
    assert run_isolated(_churn, timeout_s=30) == 200_000
    time.sleep(0.2)  # the child's own exit
    gc.collect()
    with open(mark_file) as handle:
        assert handle.read().split() == [str(os.getpid())]  # finalised once, by the parent


_allocate_at_fork = False


def _allocating_hook() -> None:
    if _allocate_at_fork:
        [[i] for i in range(50_000)]  # enough allocations to set off a collection


os.register_at_fork(after_in_child=_allocating_hook)


def test_no_collection_starts_in_the_child_even_from_the_fork_s_own_hooks(
    tmp_path: object,
) -> None:
    import gc

    global _allocate_at_fork
    mark_file = os.path.join(str(tmp_path), "marks")
    _Finalised(mark_file)
    _allocate_at_fork = True
    try:
        assert run_isolated(os.getpid, timeout_s=30) != os.getpid()
    finally:
        _allocate_at_fork = False
    time.sleep(0.2)
    assert gc.isenabled()  # the parent collects again
    gc.collect()
    with open(mark_file) as handle:
        assert handle.read().split() == [str(os.getpid())]
