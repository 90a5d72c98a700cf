"""Run one function on untrusted input in a forked child with wall-clock, CPU and memory bounds.

Why a child process: a hostile PDF can make a parser loop in Python (pypdf) or in C (PDFium, image
codecs, Tesseract's layout analysis); neither a thread nor a signal handler can stop C code, and
SIGALRM is already RQ's job timeout in the worker. Killing a child always works, and a decoder
or an OCR engine that blows up takes only the child with it. A fork costs some 8 ms, and the
pages the child then writes for the first time some 20 ms more; a long-lived process keeps
a child forked and warmed ahead of the call instead (standby.py).

The work may come in two stages with their own time bounds (decoding a file, then reading
it): the child calls `next_stage()` between them, and the second bound runs from then.

A child that has sent its whole answer is not waited for: tearing down its address space takes
3 to 6 ms, which it spends on its own while the caller goes on; it is reaped at the next call.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from coc_service.documents import standby
from coc_service.documents.bounded_child import STAGE_MARK, become_child, fork, serve, unframe
from coc_service.documents.bounded_child import next_stage as next_stage
from coc_service.documents.errors import CorruptFile, StageTimeout, TooManyPixels

T = TypeVar("T")

# Address space a child may add to what it inherits: far above what decoding a bounded image
# needs (see raster.WORKING_MAX_PIXELS), far below what would hurt the machine.
DEFAULT_MEMORY_BUDGET = 1536 * 1024 * 1024


class IsolatedFailure(RuntimeError):
    """The child failed for a reason that is not the file's fault (a bug): an internal error."""


def run_isolated(
    function: Callable[..., T],
    *args: Any,
    timeout_s: float,
    memory_budget: int | None = DEFAULT_MEMORY_BUDGET,
    then_timeout_s: float | None = None,
) -> T:
    """Return function(*args) computed in a child process; raise StageTimeout past timeout_s,
    or, once the child has called next_stage(), past then_timeout_s from that moment.

    A DocumentRejected or OcrEngineError raised in the child is raised again here; any other
    exception becomes an IsolatedFailure carrying the child's traceback. The result must be
    picklable. The call goes to this process's standby child when it keeps a warm one
    (standby.py) and the call pickles, otherwise to a child forked now; the owner of the
    standby forks the next one when it is idle (standby.replace).
    """
    cpu_bound = timeout_s + (then_timeout_s or 0.0)
    ready = standby.send(function, args, cpu_bound, memory_budget)
    if ready is not None:
        pid, read_fd = ready.pid, ready.answer_fd
    else:
        pid, read_fd = _fork(function, args, cpu_bound, memory_budget)
    reap_exited()
    payload, status, bound = _collect(pid, read_fd, timeout_s, then_timeout_s)
    return _outcome(payload, status, bound)


def _fork(function: Callable[..., Any], args: tuple[Any, ...], cpu_bound: float,
          memory_budget: int | None) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    pid = fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        try:
            os.close(read_fd)
            become_child()
        except BaseException:
            os._exit(1)
        serve(function, args, write_fd, cpu_bound, memory_budget)
    os.close(write_fd)
    return pid, read_fd


# Children that sent a whole answer and are still exiting: reaped later, never waited for.
_exiting: set[int] = set()


def reap_exited(*, wait: bool = False) -> None:
    """Reap the children that answered and have exited since (all of them with `wait`: a
    benchmark does, to count their CPU time against the document that used them)."""
    for pid in list(_exiting):
        try:
            done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # already reaped (by a SIGCHLD handler of the host)
            done = pid
        if done:
            _exiting.discard(pid)


def _collect(pid: int, read_fd: int, timeout_s: float, then_timeout_s: float | None
             ) -> tuple[bytes, int, float]:
    """Return the child's whole answer, or b"" and its exit status when it sent none, and the
    time bound that applied last; kill the child when the time is up."""
    bound = timeout_s
    deadline = time.monotonic() + bound
    received = bytearray()
    reaped = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StageTimeout(
                    f"Reading the file took longer than {bound:.0f} s; it was stopped."
                )
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            received += chunk
            while received.startswith(STAGE_MARK):
                del received[: len(STAGE_MARK)]
                if then_timeout_s is not None:
                    bound, deadline = then_timeout_s, time.monotonic() + then_timeout_s
        payload = unframe(bytes(received))
        if payload:
            _exiting.add(pid)  # the answer is complete: let the child exit on its own
            reaped = True
            return payload, 0, bound
        _, status = os.waitpid(pid, 0)  # no answer: its exit status tells why
        reaped = True
        return b"", status, bound
    finally:
        os.close(read_fd)
        if not reaped:
            # Timeout, or the parent itself interrupted (Ctrl-C, a test timeout): never leave
            # a child burning CPU behind us.
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _outcome(payload: bytes, status: int, timeout_s: float) -> Any:
    if not payload:
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number == signal.SIGXCPU:
                raise StageTimeout(
                    f"Reading the file took longer than {timeout_s:.0f} s; it was stopped."
                )
            if number == signal.SIGKILL:
                raise TooManyPixels("The file needs too much memory to decode.")
            # A decoder crashing on the file (SIGSEGV, SIGBUS, SIGABRT) means a malformed file.
            raise CorruptFile("The file is damaged and cannot be read.")
        raise IsolatedFailure(f"document child process exited with status {status}")
    kind, value = pickle.loads(payload)
    if kind == "ok":
        return value
    if kind == "rejected":
        raise value
    raise IsolatedFailure(str(value))
