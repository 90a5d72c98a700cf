"""The standby child: forked and warmed ahead of a call, it serves it as a fresh child would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from coc_service.documents import standby
from coc_service.documents.errors import CorruptFile, StageTimeout, TooLarge, TooManyPixels
from coc_service.documents.isolation import IsolatedFailure, next_stage, run_isolated

ROOT = Path(__file__).resolve().parents[2]


def _quick_prime() -> None:
    pass


def _slow_prime() -> None:
    time.sleep(30)


@pytest.fixture
def kept() -> Iterator[None]:
    standby.keep_standby(_quick_prime)
    assert standby.wait_primed(10)
    yield
    standby.stop_standby()


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_call_goes_to_the_warm_standby_and_the_next_one_is_forked_when_idle(kept: None) -> None:
    waiting = standby.standby_pid()
    assert waiting is not None
    assert run_isolated(os.getpid, timeout_s=30) == waiting
    assert standby.standby_pid() is None  # one call per standby
    fresh = run_isolated(os.getpid, timeout_s=30)  # none waiting: a fork serves it
    assert fresh not in (waiting, os.getpid())
    standby.replace()
    again = standby.standby_pid()
    assert again not in (None, waiting, fresh)
    assert standby.wait_primed(10)
    assert run_isolated(os.getpid, timeout_s=30) == again


def _double(values: np.ndarray) -> np.ndarray:
    return values * 2


def _refuse() -> None:
    raise TooLarge("too big for this test")


def _bug() -> None:
    raise KeyError("a bug, not a bad file")


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _allocate(megabytes: int) -> int:
    return int(np.ones(megabytes * 1024 * 1024, np.uint8).sum())


def _two_stages(first_s: float, second_s: float) -> str:
    time.sleep(first_s)
    next_stage()
    time.sleep(second_s)
    return "done"


def test_the_standby_answers_as_a_fresh_child_does(kept: None) -> None:
    values = np.arange(100_000, dtype=np.int64)
    assert np.array_equal(run_isolated(_double, values, timeout_s=30), values * 2)
    for call, expected in ((_refuse, TooLarge), (_bug, IsolatedFailure), (_crash, CorruptFile)):
        standby.replace()
        assert standby.wait_primed(10)
        with pytest.raises(expected):
            run_isolated(call, timeout_s=30)


def test_the_standby_keeps_the_time_and_memory_bounds(kept: None) -> None:
    spinning = standby.standby_pid()
    assert spinning is not None
    with pytest.raises(StageTimeout):
        run_isolated(_spin, 60.0, timeout_s=1.0)
    assert _gone(spinning)  # killed, not left burning CPU
    standby.replace()
    assert standby.wait_primed(10)
    with pytest.raises(TooManyPixels):
        run_isolated(_allocate, 600, timeout_s=30, memory_budget=200 * 1024 * 1024)
    standby.replace()
    assert standby.wait_primed(10)
    with pytest.raises(StageTimeout):  # the second stage's own bound runs from next_stage()
        run_isolated(_two_stages, 0.1, 5.0, timeout_s=0.9, then_timeout_s=0.9)


def test_a_standby_still_warming_up_is_not_waited_for() -> None:
    standby.keep_standby(_slow_prime)
    try:
        warming = standby.standby_pid()
        assert run_isolated(os.getpid, timeout_s=30) != warming  # a fresh fork served it
        assert standby.standby_pid() == warming  # still there for a later call
    finally:
        standby.stop_standby()
    assert warming is not None and _gone(warming)


def test_a_dead_standby_is_replaced_by_a_fresh_fork(kept: None) -> None:
    dead = standby.standby_pid()
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _gone(dead) and time.monotonic() < deadline:
        time.sleep(0.01)
    served = run_isolated(os.getpid, timeout_s=30)
    assert served not in (dead, os.getpid())
    standby.replace()
    assert standby.standby_pid() not in (None, dead)


def test_a_call_that_does_not_pickle_goes_to_a_fresh_fork(kept: None) -> None:
    waiting = standby.standby_pid()
    served = run_isolated(lambda: os.getpid(), timeout_s=30)
    assert served != waiting
    assert standby.standby_pid() == waiting


def _served_by() -> int:
    return run_isolated(os.getpid, timeout_s=30)


def test_a_process_forked_from_the_owner_does_not_use_its_standby(kept: None) -> None:
    waiting = standby.standby_pid()
    # The call pickles and goes to the standby, which itself has no standby of its own: its
    # nested call is served by a fork of its own.
    standby_served = run_isolated(_served_by, timeout_s=30)
    assert standby_served != waiting
    # Through a fresh fork (a lambda does not pickle): the same.
    standby.replace()
    assert standby.wait_primed(10)
    waiting = standby.standby_pid()
    assert run_isolated(lambda: _served_by(), timeout_s=30) != waiting


def test_the_standby_dies_with_its_owner() -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from coc_service.documents import standby
        standby.keep_standby(lambda: None)
        print(standby.standby_pid(), flush=True)
        os._exit(0)  # no clean-up: a worker killed outright
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    orphan = int(done.stdout.strip())
    deadline = time.monotonic() + 10
    while not _gone(orphan) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _gone(orphan)



def test_another_thread_s_call_does_not_take_the_standby(kept: None) -> None:
    import threading

    waiting = standby.standby_pid()
    served: list[int] = []
    thread = threading.Thread(target=lambda: served.append(run_isolated(os.getpid, timeout_s=30)))
    thread.start()
    thread.join(30)
    assert served and served[0] != waiting  # a fresh fork served the other thread
    assert run_isolated(os.getpid, timeout_s=30) == waiting
