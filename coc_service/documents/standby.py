"""A bounded child forked ahead of time and warmed up, waiting for the next call.

A freshly forked child shares every page with its parent, and each page it first writes costs
a page fault: a copy of a page the parent had (about 4.8 us on this VM), or a zeroed new one
(2.8 us). Reading an ID card photo, a child writes some 4500 pages (Python's reference counts
on every object it touches, the heap the parent had freed, the big image arrays): 20 to 30 ms
of the 86 ms (median) the whole reading took in a fresh child, against 55 ms in a warm process.

A standby child takes those faults before the upload arrives: forked when the previous call
is done, it runs a practice page through the readers and writes over the heap it will reuse
(`prime`), then waits for one call on a pipe and serves it like any bounded child (same time,
CPU and memory bounds, same answer). Only the thread and process that forked a standby use it
(a worker, not a job forked from it), one call per standby. Forking the next one costs 7 to 8
ms (the parent's page tables): the owner does it when it is idle, between jobs (`replace`),
not in the time of a call.

What it costs: one idle process, and the priming's CPU time (about 0.1 s per call) spent
between calls. A call that arrives before the standby has finished priming goes to a fresh
fork (waiting would cost more than the priming saves), as does a call that does not pickle.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coc_service.documents.bounded_child import become_child, fork, frame, serve, unframe

Prime = Callable[[], None]
PRIMED_MARK = b"=\n"  # written by the standby once it is warm, before it reads its call
# A standby that has not read its call within this (seconds) is taken for stuck and replaced.
SEND_BOUND_S = 5.0
_PR_SET_PDEATHSIG = 1


@dataclass
class Standby:
    pid: int
    request_fd: int  # this process writes the call here
    answer_fd: int  # and reads the answer here
    owner: int  # the process that forked it
    owner_thread: int  # and the thread whose calls it serves
    primed: bool = False  # its PRIMED_MARK has been read


_lock = threading.Lock()
_prime: Prime | None = None
_ready: Standby | None = None


def keep_standby(prime: Prime) -> None:
    """From now on keep one warmed child ready for this process's next bounded call."""
    global _prime
    _prime = prime
    replace()


def stop_standby() -> None:
    """Stop keeping a standby; kill the one waiting."""
    global _prime, _ready
    with _lock:
        _prime, standby, _ready = None, _ready, None
    if standby is not None:
        discard(standby)


def standby_pid() -> int | None:
    """Return the pid of the standby waiting for this process's next call, if any."""
    standby = _ready
    return standby.pid if standby is not None and standby.owner == os.getpid() else None


def wait_primed(timeout_s: float) -> bool:
    """Return True once this process's standby is warm, waiting up to timeout_s for it."""
    standby = _ready
    if standby is None or standby.owner != os.getpid():
        return False
    if not standby.primed:
        select.select([standby.answer_fd], [], [], timeout_s)
    with _lock:
        return _ready is standby and _state(standby) == "primed"


def replace() -> None:
    """Fork a new standby if this process keeps one and has none waiting (the last one
    served a call, or died): call it when idle."""
    global _ready
    with _lock:
        if _prime is None or _ready is not None:
            return
        _ready = _fork(_prime)


def send(
    function: Callable[..., Any], args: tuple[Any, ...], timeout_s: float,
    memory_budget: int | None,
) -> Standby | None:
    """Hand the call to the waiting standby and return it (its answer comes on answer_fd);
    None when there is none for this process, it is still priming, or the call does not
    pickle."""
    global _ready
    with _lock:
        standby = _ready
        if standby is None or standby.owner != os.getpid() or (
                standby.owner_thread != threading.get_ident()):
            return None  # another process's, or another thread's (a test's worker thread)
        state = _state(standby)
        if state == "dead":  # killed, or failed before priming: replaced after this call
            discard(standby)
            _ready = None
        if state != "primed":
            return None
        try:
            request = pickle.dumps((function, args, timeout_s, memory_budget),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a lambda, a lock: it stays for a call that pickles
            return None
        _ready = None
    try:
        _send(standby, frame(request))
    except (OSError, TimeoutError):  # it died, or is stuck: a fresh fork serves the call
        discard(standby)
        return None
    return standby


def _state(standby: Standby) -> str:
    """Return "primed" once the standby said it is warm, "dead" if it died before, else
    "priming"."""
    if not standby.primed and select.select([standby.answer_fd], [], [], 0)[0]:
        if os.read(standby.answer_fd, len(PRIMED_MARK)) != PRIMED_MARK:
            return "dead"  # end of file
        standby.primed = True
    return "primed" if standby.primed else "priming"


def discard(standby: Standby) -> None:
    """Kill a standby and reap it, and close this process's ends of its pipes."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(standby.pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(standby.pid, 0)
    for fd in (standby.request_fd, standby.answer_fd):
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
    standby.request_fd = standby.answer_fd = -1


def _send(standby: Standby, data: bytes) -> None:
    os.set_blocking(standby.request_fd, False)
    view = memoryview(data)
    deadline = time.monotonic() + SEND_BOUND_S
    try:
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the standby child did not read its call")
            _, writable, _ = select.select([], [standby.request_fd], [], remaining)
            if writable:
                view = view[os.write(standby.request_fd, view):]
    finally:
        os.close(standby.request_fd)
        standby.request_fd = -1  # closed: discard() must not close the number again


def _fork(prime: Prime) -> Standby:
    request_read, request_write = os.pipe()
    answer_read, answer_write = os.pipe()
    parent = os.getpid()
    pid = fork()
    if pid == 0:  # pragma: no cover - the standby, which never returns
        os.close(request_write)
        os.close(answer_read)
        _wait_and_serve(prime, parent, request_read, answer_write)
    os.close(request_read)
    os.close(answer_write)
    return Standby(pid=pid, request_fd=request_write, answer_fd=answer_read, owner=parent,
                   owner_thread=threading.get_ident())


def _wait_and_serve(prime: Prime, parent: int, request_fd: int,
                    answer_fd: int) -> None:  # pragma: no cover - runs in the standby
    try:
        # Ctrl-C is for the worker, which stops its standby itself; the standby dies with
        # its parent, and reads end of file if the parent closes its pipe.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _die_with(parent)
        become_child()
        with contextlib.suppress(Exception):  # a failed warm-up leaves a cold, working child
            prime()
        os.write(answer_fd, PRIMED_MARK)
        request = _read_request(request_fd)
        if not request:  # end of file: the owner is gone
            os._exit(0)
        function, args, timeout_s, memory_budget = pickle.loads(request)
    except BaseException:
        os._exit(1)
    serve(function, args, answer_fd, timeout_s, memory_budget)


def _die_with(parent: int) -> None:  # pragma: no cover - runs in the standby
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(0)


def _read_request(fd: int) -> bytes:  # pragma: no cover - runs in the standby
    received = bytearray()
    while chunk := os.read(fd, 1 << 20):
        received += chunk
    return unframe(bytes(received))


def _forget_in_child() -> None:
    """A process forked from the owner (a job, a fresh bounded child) must not hold the
    standby's pipes: the standby reads end of file only when its owner's end is closed."""
    global _ready, _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    standby = _ready
    if standby is not None and standby.owner != os.getpid():
        _ready = None
        for fd in (standby.request_fd, standby.answer_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


os.register_at_fork(after_in_child=_forget_in_child)
